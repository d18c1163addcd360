/* Size caps on whole JSON documents: an answer, a stored history record, a
 * callback body. The per-run output limit bounds one run; a request with 100
 * cases (or a history row of one) could still be 100 runs' worth, so the
 * document as a whole is fitted to a byte budget here.
 *
 * The longest string values are shortened first (cut at a UTF-8 character
 * boundary, or a multiple of 4 bytes for base64 text), each object holding a
 * cut string gets "truncated": true, and so does the top-level object. Numbers,
 * verdicts and names are never touched: they are small, and what a caller
 * needs to read the rest. */
#ifndef RBX_COMMON_JSON_CAP_H
#define RBX_COMMON_JSON_CAP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* The size of doc in the largest form the service writes it in (spaced,
 * with slashes escaped): an answer, a stored record, a callback body. */
size_t rbx_json_size(json_object *doc);

/* Shorten doc's strings until it serialises in at most max_bytes (0: no cap).
 * Returns true when something was cut. A document whose non-string parts
 * alone are over the cap keeps those parts (every string is then empty). */
bool rbx_json_cap(json_object *doc, size_t max_bytes);

#endif
