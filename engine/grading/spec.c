/* The grading fields of a body, validated and parsed once (spec.h). */
#include "engine/grading/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/grading/grading.h"

static int text(json_object *v, const char *field, rbx_grading_decoder decode, void *ctx,
                char **out, size_t *len, rbx_error *err)
{
    if (decode)
        return decode(ctx, v, field, out, len, err);
    *len = (size_t)json_object_get_string_len(v);
    *out = malloc(*len + 1);
    if (!*out)
        return rbx_error_errno(err, "out of memory");
    memcpy(*out, json_object_get_string(v), *len + 1);
    return 0;
}

/* expected_output as given; a string decoded like the other text fields. */
static int expected(json_object *v, const char *field, rbx_grading_decoder decode, void *ctx,
                    json_object **out, rbx_error *err)
{
    if (!decode || !json_object_is_type(v, json_type_string)) {
        *out = json_object_get(v);
        return 0;
    }
    char *buf;
    size_t len;
    if (decode(ctx, v, field, &buf, &len, err) < 0)
        return -1;
    *out = json_object_new_string_len(buf, (int)len);
    free(buf);
    return *out ? 0 : rbx_error_errno(err, "out of memory");
}

static int parse_case(json_object *c, size_t i, rbx_grading_decoder decode, void *ctx,
                      rbx_test_case *tc, rbx_error *err)
{
    char field[64];
    json_object *v;
    if (json_object_object_get_ex(c, "stdin", &v) && v) {
        snprintf(field, sizeof(field), "test_cases[%zu].stdin", i);
        if (text(v, field, decode, ctx, &tc->stdin_data, &tc->stdin_len, err) < 0)
            return -1;
    } else if (!(tc->stdin_data = strdup(""))) {
        return rbx_error_errno(err, "out of memory");
    }
    if (json_object_object_get_ex(c, "input", &v))
        tc->input = json_object_get(v);
    json_object_object_get_ex(c, "expected_output", &v);
    snprintf(field, sizeof(field), "test_cases[%zu].expected_output", i);
    return expected(v, field, decode, ctx, &tc->expected, err);
}

static int parse_cases(json_object *cases, rbx_grading_decoder decode, void *ctx,
                       rbx_grading_spec *spec, rbx_error *err)
{
    size_t n = json_object_array_length(cases);
    spec->cases = calloc(n ? n : 1, sizeof(*spec->cases));
    if (!spec->cases)
        return rbx_error_errno(err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        spec->n_cases = i + 1;
        if (parse_case(json_object_array_get_idx(cases, i), i, decode, ctx, &spec->cases[i], err) <
            0)
            return -1;
    }
    return 0;
}

static int parse_fields(json_object *body, rbx_grading_decoder decode, void *ctx,
                        rbx_grading_spec *spec, rbx_error *err)
{
    json_object *v;
    size_t len;
    if (json_object_object_get_ex(body, "function_name", &v) &&
        !(spec->function_name = strdup(json_object_get_string(v))))
        return rbx_error_errno(err, "out of memory");
    if (json_object_object_get_ex(body, "tests", &v) &&
        text(v, "tests", decode, ctx, &spec->tests, &len, err) < 0)
        return -1;
    if (json_object_object_get_ex(body, "test_cases", &v) &&
        parse_cases(v, decode, ctx, spec, err) < 0)
        return -1;
    return 0;
}

int rbx_grading_spec_parse(json_object *body, int max_cases, rbx_grading_decoder decode, void *ctx,
                           rbx_grading_spec *spec, rbx_error *err)
{
    memset(spec, 0, sizeof(*spec));
    if (rbx_grading_validate(body, max_cases, err) < 0)
        return -1;
    spec->mode = rbx_grading_mode_of(body);
    if (parse_fields(body, decode, ctx, spec, err) < 0) {
        rbx_grading_spec_free(spec);
        return -1;
    }
    return 0;
}

void rbx_grading_spec_free(rbx_grading_spec *spec)
{
    for (size_t i = 0; i < spec->n_cases; i++) {
        free(spec->cases[i].stdin_data);
        json_object_put(spec->cases[i].input);
        json_object_put(spec->cases[i].expected);
    }
    free(spec->cases);
    free(spec->function_name);
    free(spec->tests);
    memset(spec, 0, sizeof(*spec));
}
