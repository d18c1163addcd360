/* Output comparison: JSON values where both sides parse as JSON, else text
 * ignoring trailing whitespace per line and trailing blank lines. */
#include "engine/grading/grading.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Relative tolerance for numbers; also the absolute floor near zero, where a
 * relative tolerance alone would demand exact equality. */
#define RBX_NUMBER_TOLERANCE 1e-9

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool is_line_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Length of the text once trailing blank lines and trailing whitespace are gone. */
static size_t trimmed_len(const char *s, size_t len)
{
    while (len > 0 && is_space(s[len - 1]))
        len--;
    return len;
}

/* One line of s starting at *pos, without its trailing whitespace; advances
 * *pos past the newline. */
static size_t next_line(const char *s, size_t len, size_t *pos, const char **line)
{
    size_t start = *pos, end = start;
    while (end < len && s[end] != '\n')
        end++;
    *line = s + start;
    *pos = end < len ? end + 1 : end;
    while (end > start && is_line_space(s[end - 1]))
        end--;
    return end - start;
}

bool rbx_grading_text_equal(const char *expected, size_t expected_len, const char *actual,
                            size_t actual_len)
{
    size_t elen = trimmed_len(expected, expected_len), alen = trimmed_len(actual, actual_len);
    size_t epos = 0, apos = 0;
    while (epos < elen && apos < alen) {
        const char *el, *al;
        size_t ell = next_line(expected, elen, &epos, &el);
        size_t all = next_line(actual, alen, &apos, &al);
        if (ell != all || memcmp(el, al, ell) != 0)
            return false;
    }
    return epos >= elen && apos >= alen;
}

/* The whole text as one strict JSON value, or NULL. */
static json_object *parse_whole(const char *s, size_t len)
{
    while (len > 0 && is_space(*s))
        s++, len--;
    len = trimmed_len(s, len);
    if (len == 0 || len > INT32_MAX)
        return NULL;
    /* A copy ending in NUL: the terminator is what ends a bare number. */
    char *text = strndup(s, len);
    json_tokener *tok = text ? json_tokener_new() : NULL;
    if (!tok) {
        free(text);
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *value = json_tokener_parse_ex(tok, text, (int)len + 1);
    bool whole = json_tokener_get_error(tok) == json_tokener_success &&
                 (size_t)json_tokener_get_parse_end(tok) >= len;
    json_tokener_free(tok);
    free(text);
    if (!whole) {
        json_object_put(value);
        return NULL;
    }
    return value;
}

static bool numbers_equal(json_object *a, json_object *b)
{
    if (json_object_is_type(a, json_type_int) && json_object_is_type(b, json_type_int))
        if (json_object_get_int64(a) == json_object_get_int64(b) &&
            json_object_get_uint64(a) == json_object_get_uint64(b))
            return true;
    double x = json_object_get_double(a), y = json_object_get_double(b);
    if (x == y)
        return true;
    if (isnan(x) || isnan(y) || isinf(x) || isinf(y))
        return false;
    double scale = fmax(1.0, fmax(fabs(x), fabs(y)));
    return fabs(x - y) <= RBX_NUMBER_TOLERANCE * scale;
}

static bool is_number(json_object *v)
{
    return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

static bool values_equal(json_object *a, json_object *b);

static bool arrays_equal(json_object *a, json_object *b)
{
    size_t n = json_object_array_length(a);
    if (n != json_object_array_length(b))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!values_equal(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i)))
            return false;
    return true;
}

static bool objects_equal(json_object *a, json_object *b)
{
    if (json_object_object_length(a) != json_object_object_length(b))
        return false;
    json_object_object_foreach(a, key, av)
    {
        json_object *bv;
        if (!json_object_object_get_ex(b, key, &bv) || !values_equal(av, bv))
            return false;
    }
    return true;
}

/* Structural equality; json-c's null is the C NULL pointer. */
static bool values_equal(json_object *a, json_object *b)
{
    if (!a || !b)
        return !a && !b;
    if (is_number(a) && is_number(b))
        return numbers_equal(a, b);
    json_type ta = json_object_get_type(a);
    if (ta != json_object_get_type(b))
        return false;
    switch (ta) {
    case json_type_boolean:
        return json_object_get_boolean(a) == json_object_get_boolean(b);
    case json_type_string:
        return json_object_get_string_len(a) == json_object_get_string_len(b) &&
               memcmp(json_object_get_string(a), json_object_get_string(b),
                      (size_t)json_object_get_string_len(a)) == 0;
    case json_type_array:
        return arrays_equal(a, b);
    case json_type_object:
        return objects_equal(a, b);
    default:
        return false;
    }
}

/* A top-level string whose text is a JSON value stands for that value (a
 * program's stdout "[1, 2]\n" is the array); NULL when it is plain text. */
static json_object *as_json_value(json_object *v, bool *owned)
{
    *owned = false;
    if (!json_object_is_type(v, json_type_string))
        return v;
    json_object *parsed =
        parse_whole(json_object_get_string(v), (size_t)json_object_get_string_len(v));
    *owned = parsed != NULL;
    return parsed;
}

/* Plain text of a value that did not parse: a string's characters, else its JSON. */
static const char *as_text(json_object *v, size_t *len)
{
    if (json_object_is_type(v, json_type_string)) {
        *len = (size_t)json_object_get_string_len(v);
        return json_object_get_string(v);
    }
    const char *s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    *len = strlen(s);
    return s;
}

bool rbx_grading_outputs_equal(json_object *expected, json_object *actual)
{
    bool own_e, own_a;
    json_object *ev = as_json_value(expected, &own_e);
    json_object *av = as_json_value(actual, &own_a);
    bool equal;
    if ((ev || !json_object_is_type(expected, json_type_string)) &&
        (av || !json_object_is_type(actual, json_type_string))) {
        equal = values_equal(ev, av);
        if (!equal && json_object_is_type(ev, json_type_string) &&
            json_object_is_type(av, json_type_string))
            equal = rbx_grading_text_equal(
                json_object_get_string(ev), (size_t)json_object_get_string_len(ev),
                json_object_get_string(av), (size_t)json_object_get_string_len(av));
    } else if (json_object_is_type(ev, json_type_string) ||
               json_object_is_type(av, json_type_string)) {
        /* a JSON string against plain text: "\"hi\"" and hi are the same text */
        json_object *es = ev ? ev : expected, *as = av ? av : actual;
        size_t elen, alen;
        const char *et = as_text(es, &elen), *at = as_text(as, &alen);
        equal = rbx_grading_text_equal(et, elen, at, alen);
    } else {
        size_t elen, alen;
        const char *et = as_text(expected, &elen), *at = as_text(actual, &alen);
        equal = rbx_grading_text_equal(et, elen, at, alen);
    }
    if (own_e)
        json_object_put(ev);
    if (own_a)
        json_object_put(av);
    return equal;
}
