/* Validation of the grading fields of an /execute body, called by the
 * engine's request parser so that bad cases are a 400/422 before anything runs. */
#include "engine/grading/grading.h"
#include "engine/grading/mode.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define RBX_DEFAULT_MAX_CASES 100
#define RBX_MAX_TESTS_BYTES (50 * 1024)
#define RBX_MAX_FUNCTION_NAME 128

bool rbx_grading_requested(json_object *body)
{
    return json_object_object_get_ex(body, "test_cases", NULL) ||
           json_object_object_get_ex(body, "function_name", NULL) ||
           json_object_object_get_ex(body, "tests", NULL);
}

rbx_grading_mode rbx_grading_mode_of(json_object *body)
{
    bool cases = json_object_object_get_ex(body, "test_cases", NULL);
    bool fn = json_object_object_get_ex(body, "function_name", NULL);
    bool tests = json_object_object_get_ex(body, "tests", NULL);
    if (tests)
        return cases || fn ? RBX_MODE_MIXED : RBX_MODE_TESTS;
    if (fn)
        return cases ? RBX_MODE_CALLS : RBX_MODE_NAME_ONLY;
    return cases ? RBX_MODE_IO : RBX_MODE_NONE;
}

static int bad(rbx_error *err, const char *field, const char *message)
{
    return rbx_error_raise(err, RBX_ERR_INVALID, NULL, field, "%s", message);
}

static bool is_identifier(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > RBX_MAX_FUNCTION_NAME || isdigit((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '$')
            return false;
    return true;
}

static int check_function_name(json_object *fn, rbx_error *err)
{
    if (!json_object_is_type(fn, json_type_string))
        return bad(err, "function_name", "function_name must be a string");
    if (!is_identifier(json_object_get_string(fn)))
        return bad(err, "function_name",
                   "function_name must be an identifier (letters, digits, _; at most 128)");
    return 0;
}

/* One case: {"stdin", "expected_output"} or, with function_name,
 * {"input": [...], "expected_output"}; nothing else. */
static int check_case(json_object *c, size_t i, bool calls, rbx_error *err)
{
    char field[64];
    snprintf(field, sizeof(field), "test_cases[%zu]", i);
    if (!json_object_is_type(c, json_type_object))
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, field, "%s must be an object", field);
    json_object_object_foreach(c, key, value)
    {
        snprintf(field, sizeof(field), "test_cases[%zu].%.24s", i, key);
        if (strcmp(key, "expected_output") == 0)
            continue;
        if (calls && strcmp(key, "input") == 0) {
            if (!json_object_is_type(value, json_type_array))
                return rbx_error_raise(err, RBX_ERR_INVALID, NULL, field,
                                       "%s must be a list of arguments", field);
        } else if (!calls && strcmp(key, "stdin") == 0) {
            if (!json_object_is_type(value, json_type_string))
                return rbx_error_raise(err, RBX_ERR_INVALID, NULL, field, "%s must be a string",
                                       field);
        } else if (!calls && strcmp(key, "input") == 0) {
            return rbx_error_raise(err, RBX_ERR_INVALID, NULL, field,
                                   "%s is a function call's arguments: set function_name", field);
        } else {
            return rbx_error_raise(err, RBX_ERR_INVALID, NULL, field, "unknown field %s", field);
        }
    }
    snprintf(field, sizeof(field), "test_cases[%zu]", i);
    if (!json_object_object_get_ex(c, "expected_output", NULL))
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, field, "%s needs an expected_output",
                               field);
    if (calls && !json_object_object_get_ex(c, "input", NULL))
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, field,
                               "%s needs an input (the list of arguments)", field);
    return 0;
}

static int check_cases(json_object *cases, bool calls, int max_cases, rbx_error *err)
{
    if (!json_object_is_type(cases, json_type_array))
        return bad(err, "test_cases", "test_cases must be a list");
    size_t n = json_object_array_length(cases);
    if (n == 0)
        return bad(err, "test_cases", "test_cases must not be empty");
    if (n > (size_t)max_cases)
        return rbx_error_raise(err, RBX_ERR_OVER_LIMIT, NULL, "test_cases",
                               "at most %d test cases are allowed, got %zu", max_cases, n);
    for (size_t i = 0; i < n; i++)
        if (check_case(json_object_array_get_idx(cases, i), i, calls, err) < 0)
            return -1;
    return 0;
}

static int check_tests(json_object *tests, rbx_error *err)
{
    if (!json_object_is_type(tests, json_type_string))
        return bad(err, "tests", "tests must be a string of test code");
    if (json_object_get_string_len(tests) > RBX_MAX_TESTS_BYTES)
        return rbx_error_raise(err, RBX_ERR_TOO_LARGE, NULL, "tests", "tests must be at most %d KB",
                               RBX_MAX_TESTS_BYTES / 1024);
    return 0;
}

/* The combinations rbx_grading_mode_of has no mode for. */
static int check_mode(json_object *body, rbx_error *err)
{
    switch (rbx_grading_mode_of(body)) {
    case RBX_MODE_MIXED:
        return bad(err, "tests",
                   "use either tests or test_cases (with or without function_name), not both");
    case RBX_MODE_NAME_ONLY:
        return bad(
            err, "function_name",
            "function_name needs test_cases: [{\"input\": [...], \"expected_output\": ...}]");
    default:
        return 0;
    }
}

int rbx_grading_validate(json_object *body, int max_cases, rbx_error *err)
{
    json_object *cases = NULL, *fn = NULL, *tests = NULL;
    bool has_cases = json_object_object_get_ex(body, "test_cases", &cases);
    bool has_fn = json_object_object_get_ex(body, "function_name", &fn);
    bool has_tests = json_object_object_get_ex(body, "tests", &tests);
    if (max_cases <= 0)
        max_cases = RBX_DEFAULT_MAX_CASES;
    if (has_fn && check_function_name(fn, err) < 0)
        return -1;
    if (has_cases && check_cases(cases, has_fn, max_cases, err) < 0)
        return -1;
    if (has_tests && check_tests(tests, err) < 0)
        return -1;
    return check_mode(body, err);
}
