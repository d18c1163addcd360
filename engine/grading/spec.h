/* The grading fields of an /execute request, parsed once (by the request
 * parser, through rbx_grading_spec_parse) into a typed spec that the request
 * carries to the driver and the answer writers. */
#ifndef RBX_GRADING_SPEC_H
#define RBX_GRADING_SPEC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "engine/grading/mode.h"

typedef struct rbx_test_case {
    char *stdin_data; /* I/O cases: stdin, decoded; "" when absent (never NULL) */
    size_t stdin_len;
    json_object *input;    /* function calls: the argument list (a reference we hold) */
    json_object *expected; /* expected_output as given, a string decoded from base64 */
} rbx_test_case;

typedef struct rbx_grading_spec {
    rbx_grading_mode mode; /* RBX_MODE_NONE: the request does not grade */
    rbx_test_case *cases;  /* I/O cases and function calls */
    size_t n_cases;
    char *function_name; /* function calls */
    char *tests;         /* test code, decoded */
} rbx_grading_spec;

/* Decodes a text field of the body in place of its JSON string (base64 when
 * the request is base64_encoded); `field` names it in errors. *out is
 * NUL-terminated and freed by the spec. NULL decoder: strings as they are. */
typedef int (*rbx_grading_decoder)(void *ctx, json_object *text, const char *field, char **out,
                                   size_t *len, rbx_error *err);

/* Validate the grading fields of an /execute body (rbx_grading_validate) and
 * parse them into spec. A body without grading fields gives mode
 * RBX_MODE_NONE. -1 with err (400/413/422 with the field) when invalid. */
int rbx_grading_spec_parse(json_object *body, int max_cases, rbx_grading_decoder decode, void *ctx,
                           rbx_grading_spec *spec, rbx_error *err);

void rbx_grading_spec_free(rbx_grading_spec *spec);

#endif
