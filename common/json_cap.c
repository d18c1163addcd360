#include "common/json_cap.h"

#include <stdlib.h>
#include <string.h>

typedef struct text_node {
    json_object *parent; /* the object holding it, NULL inside an array */
    json_object *str;
    size_t len;
} text_node;

typedef struct text_list {
    text_node *items;
    size_t n, cap;
} text_list;

size_t rbx_json_size(json_object *doc)
{
    size_t len = 0;
    json_object_to_json_string_length(doc, JSON_C_TO_STRING_SPACED, &len);
    return len;
}

static int add(text_list *l, json_object *parent, json_object *str)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        text_node *grown = realloc(l->items, cap * sizeof(*grown));
        if (!grown)
            return -1;
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->n++] = (text_node){parent, str, (size_t)json_object_get_string_len(str)};
    return 0;
}

/* Every string value under v (not member names: they are the schema). */
static int collect(json_object *v, json_object *parent, text_list *l)
{
    switch (json_object_get_type(v)) {
    case json_type_string:
        return json_object_get_string_len(v) > 0 ? add(l, parent, v) : 0;
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(v); i++)
            if (collect(json_object_array_get_idx(v, i), NULL, l) < 0)
                return -1;
        return 0;
    case json_type_object: {
        json_object_object_foreach(v, key, member)
        {
            (void)key;
            if (member && collect(member, v, l) < 0)
                return -1;
        }
        return 0;
    }
    default:
        return 0;
    }
}

static int longest_first(const void *a, const void *b)
{
    const text_node *x = a, *y = b;
    return (x->len < y->len) - (x->len > y->len);
}

/* Keep at most keep bytes of s, ending on a whole UTF-8 character (and a
 * whole base64 quad). */
static void cut(json_object *s, size_t keep)
{
    const char *text = json_object_get_string(s);
    size_t len = (size_t)json_object_get_string_len(s);
    if (keep >= len)
        return;
    keep -= keep % 4; /* base64 text stays whole quads */
    while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
        keep--;
    char *copy = strndup(text, keep);
    if (copy) {
        json_object_set_string_len(s, copy, (int)keep);
        free(copy);
    }
}

static void mark(json_object *obj)
{
    if (obj && json_object_is_type(obj, json_type_object))
        json_object_object_add(obj, "truncated", json_object_new_boolean(true));
}

/* One pass: take `excess` bytes off the longest strings, longest first. */
static void shorten(text_list *l, json_object *doc, size_t excess)
{
    for (size_t i = 0; i < l->n && excess > 0; i++) {
        text_node *t = &l->items[i];
        size_t len = (size_t)json_object_get_string_len(t->str);
        if (len == 0)
            continue;
        /* A byte of text may cost up to 6 once escaped (\u0001): measure. */
        size_t cost = rbx_json_size(t->str);
        size_t take =
            excess >= cost ? len : (size_t)((double)len * (double)excess / (double)cost) + 1;
        cut(t->str, take >= len ? 0 : len - take);
        size_t now = rbx_json_size(t->str);
        excess = cost - now >= excess ? 0 : excess - (cost - now);
        mark(t->parent);
    }
    mark(doc);
}

bool rbx_json_cap(json_object *doc, size_t max_bytes)
{
    size_t size = rbx_json_size(doc);
    if (max_bytes == 0 || size <= max_bytes)
        return false;
    text_list l = {0};
    if (collect(doc, NULL, &l) < 0) {
        free(l.items);
        return false;
    }
    qsort(l.items, l.n, sizeof(*l.items), longest_first);
    /* The "truncated" marks add a little: leave room for them. */
    for (int pass = 0; pass < 4 && size > max_bytes; pass++) {
        shorten(&l, doc, size - max_bytes + 64);
        size = rbx_json_size(doc);
    }
    free(l.items);
    return true;
}
