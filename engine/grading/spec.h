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

void rbx_grading_spec_free(rbx_grading_spec *spec);

#endif
