/* The strict JSON reader: what json-c lets through and a request must not
 * carry. json-c keeps the last of two equal member names, takes overlong
 * UTF-8 (0xC0 0xAF) and lone surrogate escapes, and stores a "\u0000" inside
 * a string it then hands out as a C string (so "python\u0000c" reads as
 * "python" in one place and is 8 bytes long in another). It has no hook to
 * refuse any of these, nor to say where they were, so this pass reads the
 * text once more, after json-c accepted it, and refuses:
 *   - a member name twice in one object (after unescaping);
 *   - bytes that are not shortest-form UTF-8 of a scalar value (overlong
 *     forms, encoded surrogates, above U+10FFFF, stray continuation bytes);
 *   - a \u escape of a lone surrogate;
 *   - U+0000 in a member name, or in the value of a member called language,
 *     function_name, name or file_name (identifiers the service uses as C
 *     strings and as file names).
 * Each refusal is 400 invalid_request naming the field as a path
 * ("files[1].name"). */
#ifndef RBX_COMMON_JSON_STRICT_H
#define RBX_COMMON_JSON_STRICT_H

#include <stddef.h>

#include "common/error.h"

/* text[0..len) must already be syntactically valid JSON (json-c accepted
 * it); nesting deeper than max_depth is refused. 0 when it passes. */
int rbx_json_strict_check(const char *text, size_t len, int max_depth, rbx_error *err);

#endif
