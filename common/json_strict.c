#include "common/json_strict.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
    const unsigned char *p, *end;
    int depth, max_depth;
    char path[64];
    size_t path_len;
    rbx_error *err;
} reader;

typedef struct key {
    char *text; /* unescaped, may hold NULs */
    size_t len;
} key;

static int refuse(reader *r, const char *msg)
{
    return rbx_error_raise(r->err, RBX_ERR_INVALID, NULL, r->path_len ? r->path : NULL, "%s%s%s",
                           r->path_len ? r->path : "the body", ": ", msg);
}

/* ---- the field path ------------------------------------------------------- */

static size_t push_key(reader *r, const key *k)
{
    size_t saved = r->path_len;
    char seg[40];
    size_t n = 0;
    for (size_t i = 0; i < k->len && n < 30; i++) {
        unsigned char c = (unsigned char)k->text[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '-';
        seg[n++] = plain ? (char)c : '?'; /* the field must stay valid UTF-8 */
    }
    seg[n] = '\0';
    int w = snprintf(r->path + saved, sizeof(r->path) - saved, "%s%s", saved ? "." : "", seg);
    if (w > 0 && saved + (size_t)w < sizeof(r->path))
        r->path_len = saved + (size_t)w;
    else
        r->path[saved] = '\0';
    return saved;
}

static size_t push_index(reader *r, size_t i)
{
    size_t saved = r->path_len;
    int w = snprintf(r->path + saved, sizeof(r->path) - saved, "[%zu]", i);
    if (w > 0 && saved + (size_t)w < sizeof(r->path))
        r->path_len = saved + (size_t)w;
    else
        r->path[saved] = '\0';
    return saved;
}

static void pop(reader *r, size_t saved)
{
    r->path_len = saved;
    r->path[saved] = '\0';
}

/* ---- strings -------------------------------------------------------------- */

/* Length of the shortest-form UTF-8 sequence of one scalar value at p (RFC
 * 3629 section 4), 0 when there is none. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
    size_t avail = (size_t)(end - p);
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong below */
        if (c == 0xED)
            hi = 0x9F; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else
        return 0; /* ASCII is handled by the caller; 0x80-0xC1 and 0xF5-0xFF never start one */
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned *out)
{
    if (end - p < 4)
        return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d > 15)
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static void append(key *out, const void *bytes, size_t n)
{
    if (out && out->text) {
        memcpy(out->text + out->len, bytes, n);
        out->len += n;
    }
}

/* Names are compared as text: an escaped character is stored as the UTF-8
 * that would have spelled it, so "langu\u0061ge" equals "language". */
static void append_utf8(key *out, unsigned cp)
{
    unsigned char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    append(out, b, n);
}

/* A \u escape at r->p (past the backslash and 'u'): a pair of surrogates or
 * one non-surrogate, appended to out as UTF-8. */
static int read_unicode_escape(reader *r, key *out, bool *nul)
{
    unsigned u;
    if (hex4(r->p, r->end, &u) < 0)
        return refuse(r, "a \\u escape needs four hex digits");
    r->p += 4;
    if (u >= 0xDC00 && u <= 0xDFFF)
        return refuse(r, "a lone low surrogate (\\uDC00-\\uDFFF) is not a character");
    if (u >= 0xD800 && u <= 0xDBFF) {
        unsigned low;
        if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
            hex4(r->p + 2, r->end, &low) < 0 || low < 0xDC00 || low > 0xDFFF)
            return refuse(r, "a lone high surrogate (\\uD800-\\uDBFF) is not a character");
        r->p += 6;
        u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
    }
    if (u == 0)
        *nul = true;
    append_utf8(out, u);
    return 0;
}

/* The string at r->p (on its opening quote). Unescaped into out when out is
 * given (out->text has room for the raw length); *nul tells whether it holds
 * U+0000. */
static int read_string(reader *r, key *out, bool *nul)
{
    *nul = false;
    r->p++;
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = *r->p;
        if (c == '\\') {
            if (r->end - r->p < 2)
                return refuse(r, "the string ends inside an escape");
            unsigned char e = r->p[1];
            r->p += 2;
            if (e == 'u') {
                if (read_unicode_escape(r, out, nul) < 0)
                    return -1;
            } else {
                static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
                const char *at = strchr(from, e);
                unsigned char c2 = at ? (unsigned char)to[at - from] : e;
                append(out, &c2, 1);
            }
        } else if (c < 0x80) {
            append(out, &c, 1);
            r->p++;
        } else {
            size_t n = utf8_sequence(r->p, r->end);
            if (n == 0)
                return refuse(r,
                              "the text is not valid UTF-8 (overlong, surrogate or stray bytes)");
            append(out, r->p, n);
            r->p += n;
        }
    }
    if (r->p >= r->end)
        return refuse(r, "the string is not closed");
    r->p++;
    return 0;
}

/* ---- values --------------------------------------------------------------- */

static void skip_ws(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int read_value(reader *r);

static bool is_identifier(const key *k)
{
    static const char *const NAMES[] = {"language", "function_name", "name", "file_name"};
    for (size_t i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]); i++)
        if (k->len == strlen(NAMES[i]) && memcmp(k->text, NAMES[i], k->len) == 0)
            return true;
    return false;
}

static int compare_keys(const void *a, const void *b)
{
    const key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->text, y->text, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int read_member(reader *r, key *k)
{
    const unsigned char *start = r->p;
    const unsigned char *close = start + 1;
    while (close < r->end && *close != '"')
        close += *close == '\\' ? 2 : 1;
    /* Unescaped, a name is never longer than its raw text (a 6-byte \u escape
     * becomes a 4-byte code point), plus one code point of slack. */
    k->text = malloc((size_t)(close - start) + 4);
    k->len = 0;
    if (!k->text)
        return rbx_error_internal(r->err, "out of memory reading the body");
    bool nul;
    if (read_string(r, k, &nul) < 0)
        return -1;
    size_t saved = push_key(r, k);
    if (nul)
        return refuse(r, "a member name must not hold U+0000");
    skip_ws(r);
    if (r->p >= r->end || *r->p != ':')
        return refuse(r, "a member name must be followed by ':'");
    r->p++;
    skip_ws(r);
    int rc;
    if (r->p < r->end && *r->p == '"' && is_identifier(k)) {
        rc = read_string(r, NULL, &nul);
        if (rc == 0 && nul)
            rc = refuse(r, "an identifier must not hold U+0000 (\\u0000)");
    } else
        rc = read_value(r);
    if (rc == 0)
        pop(r, saved);
    return rc;
}

static int check_duplicates(reader *r, key *keys, size_t n)
{
    if (n < 2) /* nothing to compare; and an empty object has no array at all */
        return 0;
    qsort(keys, n, sizeof(*keys), compare_keys);
    for (size_t i = 1; i < n; i++)
        if (compare_keys(&keys[i - 1], &keys[i]) == 0) {
            push_key(r, &keys[i]);
            return refuse(r, "this member appears twice in one object");
        }
    return 0;
}

static void free_keys(key *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(keys[i].text);
    free(keys);
}

static int read_object(reader *r)
{
    key *keys = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    r->p++;
    skip_ws(r);
    while (rc == 0 && r->p < r->end && *r->p != '}') {
        if (*r->p != '"') {
            rc = refuse(r, "a member name must be a string in double quotes");
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            key *grown = realloc(keys, ncap * sizeof(*keys));
            if (!grown) {
                rc = rbx_error_internal(r->err, "out of memory reading the body");
                break;
            }
            keys = grown;
            cap = ncap;
        }
        keys[n] = (key){0};
        rc = read_member(r, &keys[n++]);
        skip_ws(r);
        if (rc == 0 && r->p < r->end && *r->p == ',') {
            r->p++;
            skip_ws(r);
        } else if (rc == 0 && (r->p >= r->end || *r->p != '}'))
            rc = refuse(r, "members must be separated by ','");
    }
    if (rc == 0 && r->p >= r->end)
        rc = refuse(r, "the object is not closed");
    if (rc == 0) {
        r->p++; /* '}' */
        rc = check_duplicates(r, keys, n);
    }
    free_keys(keys, n);
    return rc;
}

static int read_array(reader *r)
{
    r->p++;
    skip_ws(r);
    for (size_t i = 0; r->p < r->end && *r->p != ']'; i++) {
        size_t saved = push_index(r, i);
        if (read_value(r) < 0)
            return -1;
        pop(r, saved);
        skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            skip_ws(r);
        } else if (r->p >= r->end || *r->p != ']')
            return refuse(r, "array elements must be separated by ','");
    }
    if (r->p >= r->end)
        return refuse(r, "the array is not closed");
    r->p++; /* ']' */
    return 0;
}

static int read_value(reader *r)
{
    skip_ws(r);
    if (r->p >= r->end)
        return refuse(r, "a value is missing");
    if (*r->p == '{' || *r->p == '[') {
        if (++r->depth > r->max_depth)
            return refuse(r, "the JSON nests too deep");
        int rc = *r->p == '{' ? read_object(r) : read_array(r);
        r->depth--;
        return rc;
    }
    if (*r->p == '"') {
        bool nul;
        return read_string(r, NULL, &nul);
    }
    /* A number, true, false or null. json-c's syntax check is not the JSON
     * grammar (it takes 'single-quoted' strings, for one): anything else
     * here is refused, and every step of this reader moves forward. */
    const unsigned char *start = r->p;
    while (r->p < r->end && (isalnum(*r->p) || *r->p == '-' || *r->p == '+' || *r->p == '.'))
        r->p++;
    if (r->p == start ||
        !(isdigit(*start) || *start == '-' || *start == 't' || *start == 'f' || *start == 'n'))
        return refuse(r, "this is not a JSON value (strings take double quotes)");
    return 0;
}

int rbx_json_strict_check(const char *text, size_t len, int max_depth, rbx_error *err)
{
    reader r = {.p = (const unsigned char *)text,
                .end = (const unsigned char *)text + len,
                .max_depth = max_depth,
                .err = err};
    if (read_value(&r) < 0)
        return -1;
    skip_ws(&r);
    return r.p == r.end ? 0 : refuse(&r, "the body holds more than one JSON value");
}
