/* Internal to engine/grading: which kind of grading a body asks for. One rule
 * for the validator (which refuses what has no mode) and the driver (which
 * runs the mode), so the two can never disagree. */
#ifndef RBX_GRADING_MODE_H
#define RBX_GRADING_MODE_H

#include <json-c/json.h>

typedef enum rbx_grading_mode {
    RBX_MODE_NONE,      /* no grading field */
    RBX_MODE_IO,        /* test_cases without function_name */
    RBX_MODE_CALLS,     /* function_name with test_cases */
    RBX_MODE_TESTS,     /* tests alone */
    RBX_MODE_MIXED,     /* tests with test_cases or function_name: refused (400, field "tests") */
    RBX_MODE_NAME_ONLY, /* function_name without test_cases: refused (400, field "function_name") */
} rbx_grading_mode;

rbx_grading_mode rbx_grading_mode_of(json_object *body);

#endif
