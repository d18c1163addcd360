/* Result objects for cases and tests, and the overall verdict. */
#include "engine/grading/results.h"
#include "engine/grading/grading.h"
#include "engine/grading/result_file.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RBX_MAX_RESULT_BYTES (1024 * 1024)

json_object *rbx_grading_bytes_json(const char *buf, size_t len)
{
    return json_object_new_string_len(buf ? buf : "", buf ? (int)len : 0);
}

/* Verdicts from best to worst: the overall status is the worst one seen. */
enum { ST_SUCCESS, ST_WRONG, ST_RUNTIME, ST_OUTPUT, ST_MEMORY, ST_TIME, ST_INTERNAL, ST_NOT_RUN };
static const char *const status_names[] = {
    "success",    "wrong_answer",   "runtime_error", "output_limit", "memory_limit",
    "time_limit", "internal_error", "not_run", /* cut by the total time: weighs as time_limit */
};

static int severity_of(const char *name)
{
    for (int i = ST_SUCCESS; i <= ST_NOT_RUN; i++)
        if (strcmp(status_names[i], name) == 0)
            return i;
    return ST_INTERNAL;
}

/* Runtimes that report running out of memory inside the limit count as memory_limit. */
static bool says_out_of_memory(const rbx_sandbox_result *r)
{
    static const char *const markers[] = {"MemoryError", "java.lang.OutOfMemoryError",
                                          "JavaScript heap out of memory", "runtime: out of memory",
                                          "std::bad_alloc"};
    if (!r->stderr_buf)
        return false;
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
        if (memmem(r->stderr_buf, r->stderr_len, markers[i], strlen(markers[i])))
            return true;
    return false;
}

static int run_status(const rbx_sandbox_result *r)
{
    switch (r->status) {
    case RBX_SANDBOX_OK:
        return ST_SUCCESS;
    case RBX_SANDBOX_RUNTIME_ERROR:
        return says_out_of_memory(r) ? ST_MEMORY : ST_RUNTIME;
    case RBX_SANDBOX_TIME_LIMIT:
        return ST_TIME;
    case RBX_SANDBOX_MEMORY_LIMIT:
        return ST_MEMORY;
    case RBX_SANDBOX_OUTPUT_LIMIT:
        return ST_OUTPUT;
    default:
        return ST_INTERNAL;
    }
}

/* stderr, or the sandbox's reason when the program said nothing; null when neither. */
static json_object *run_error(const rbx_sandbox_result *r)
{
    if (r->stderr_len > 0)
        return rbx_grading_bytes_json(r->stderr_buf, r->stderr_len);
    if (r->status != RBX_SANDBOX_OK && r->message[0])
        return json_object_new_string(r->message);
    return NULL;
}

static json_object *case_result(json_object *test_case, bool call, json_object *actual, int status,
                                json_object *error, const rbx_sandbox_result *r)
{
    json_object *res = json_object_new_object(), *v = NULL;
    const char *in_key = call ? "input" : "stdin";
    json_object_object_get_ex(test_case, in_key, &v);
    json_object_object_add(res, in_key, v ? json_object_get(v) : json_object_new_string(""));
    json_object_object_get_ex(test_case, "expected_output", &v);
    json_object_object_add(res, "expected_output", json_object_get(v));
    json_object_object_add(res, "actual_output", actual);
    json_object_object_add(res, "passed", json_object_new_boolean(status == ST_SUCCESS));
    json_object_object_add(res, "status", json_object_new_string(status_names[status]));
    json_object_object_add(res, "time_ms", json_object_new_int64(r ? (int64_t)r->wall_time_ms : 0));
    json_object_object_add(res, "memory_kb", json_object_new_int64(r ? (int64_t)r->memory_kb : 0));
    json_object_object_add(res, "error", error);
    return res;
}

static int compared(json_object *test_case, json_object *actual, int status)
{
    json_object *expected = NULL;
    json_object_object_get_ex(test_case, "expected_output", &expected);
    if (status == ST_SUCCESS && !rbx_grading_outputs_equal(expected, actual))
        return ST_WRONG;
    return status;
}

json_object *rbx_case_io_result(json_object *test_case, const rbx_sandbox_result *r)
{
    json_object *actual = rbx_grading_bytes_json(r->stdout_buf, r->stdout_len);
    int status = compared(test_case, actual, run_status(r));
    return case_result(test_case, false, actual, status, run_error(r), r);
}

/* The function's value from {"value": ...}; sets *why when there is none. */
static json_object *returned_value(int workdir_fd, const char *function_name, const char **why,
                                   char *why_buf, size_t why_size)
{
    char *buf = NULL;
    size_t len;
    rbx_error err;
    int rc = rbx_result_file_read(workdir_fd, RBX_MAX_RESULT_BYTES, &buf, &len, &err);
    if (rc <= 0) {
        snprintf(why_buf, why_size,
                 rc == 0 ? "%s did not return: the program ended before its value was recorded"
                         : "%s's value could not be read",
                 function_name);
        *why = why_buf;
        return NULL;
    }
    json_object *doc = json_tokener_parse(buf), *value = NULL;
    free(buf);
    if (!json_object_object_get_ex(doc, "value", &value)) {
        snprintf(why_buf, why_size, "%s's value could not be converted to JSON", function_name);
        *why = why_buf;
    }
    json_object_get(value);
    json_object_put(doc);
    return value;
}

json_object *rbx_case_call_result(json_object *test_case, const rbx_sandbox_result *r,
                                  int workdir_fd, const char *function_name)
{
    int status = run_status(r);
    json_object *actual = NULL, *error = run_error(r);
    if (status == ST_SUCCESS) {
        const char *why = NULL;
        char why_buf[256];
        actual = returned_value(workdir_fd, function_name, &why, why_buf, sizeof(why_buf));
        if (why) {
            status = ST_RUNTIME;
            json_object_put(error);
            error = json_object_new_string(why);
        }
    }
    status = compared(test_case, actual, status);
    json_object *res = case_result(test_case, true, actual, status, error, r);
    json_object_object_add(res, "stdout", rbx_grading_bytes_json(r->stdout_buf, r->stdout_len));
    return res;
}

json_object *rbx_case_not_run(json_object *test_case, bool call)
{
    json_object *res = case_result(
        test_case, call, NULL, ST_NOT_RUN,
        json_object_new_string("not run: the time allowed for all test cases together ran out"),
        NULL);
    if (call)
        json_object_object_add(res, "stdout", NULL);
    return res;
}

static json_object *test_result(const char *name, int status, json_object *message)
{
    json_object *t = json_object_new_object();
    json_object_object_add(t, "name", json_object_new_string(name));
    json_object_object_add(t, "passed", json_object_new_boolean(status == ST_SUCCESS));
    json_object_object_add(t, "status", json_object_new_string(status_names[status]));
    json_object_object_add(t, "message", message);
    return t;
}

/* The JSON of a signed line "<mac> <json>" when its MAC is the key's, else
 * NULL: a line the submission wrote itself does not know the key. */
static const char *verified(const char *line, const char *key)
{
    if (!key)
        return line;
    const char *json = strchr(line, ' ');
    if (!json || json - line != 2 * crypto_auth_hmacsha256_BYTES)
        return NULL;
    json++;
    unsigned char mac[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)json, strlen(json));
    crypto_auth_hmacsha256_final(&st, mac);
    if (sodium_hex2bin(got, sizeof(got), line, (size_t)(json - 1 - line), NULL, NULL, NULL) != 0 ||
        sodium_memcmp(mac, got, sizeof(mac)) != 0)
        return NULL;
    return json;
}

/* {"name", "passed", "message"} lines written by the test runners. */
static void tests_from_lines(json_object *results, int workdir_fd, const char *key)
{
    char *buf = NULL;
    size_t len;
    rbx_error err;
    if (rbx_result_file_read(workdir_fd, RBX_MAX_RESULT_BYTES, &buf, &len, &err) <= 0)
        return;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        const char *json = verified(line, key);
        if (!json)
            continue;
        json_object *o = json_tokener_parse(json), *name, *passed, *msg = NULL;
        if (json_object_object_get_ex(o, "name", &name) &&
            json_object_object_get_ex(o, "passed", &passed)) {
            json_object_object_get_ex(o, "message", &msg);
            bool ok = json_object_get_boolean(passed);
            json_object_array_add(results, test_result(json_object_get_string(name),
                                                       ok ? ST_SUCCESS : ST_WRONG,
                                                       ok ? NULL : json_object_get(msg)));
        }
        json_object_put(o);
    }
    free(buf);
}

/* C and C++: the tests' main is one test; a failed assert() is a wrong answer. */
static void tests_from_exit(json_object *results, const rbx_sandbox_result *r)
{
    int status = run_status(r);
    if (status == ST_RUNTIME && r->stderr_buf && strstr(r->stderr_buf, "Assertion"))
        status = ST_WRONG;
    json_object_array_add(results,
                          test_result("main", status, status == ST_SUCCESS ? NULL : run_error(r)));
}

/* Output a test printed, without go test's own "=== RUN" and "--- FAIL" lines. */
static void append_output(json_object *outputs, const char *test, const char *text)
{
    if (strncmp(text, "=== ", 4) == 0 || strncmp(text, "--- ", 4) == 0)
        return;
    json_object *prev;
    const char *old =
        json_object_object_get_ex(outputs, test, &prev) ? json_object_get_string(prev) : "";
    char *joined;
    if (asprintf(&joined, "%s%s", old, text) < 0)
        return;
    json_object_object_add(outputs, test, json_object_new_string(joined));
    free(joined);
}

static void tests_from_test2json(json_object *results, const rbx_sandbox_result *r)
{
    if (!r->stdout_buf)
        return;
    json_object *outputs = json_object_new_object();
    char *copy = strndup(r->stdout_buf, r->stdout_len), *save = NULL;
    for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        json_object *ev = json_tokener_parse(line), *action, *test, *output;
        if (json_object_object_get_ex(ev, "Action", &action) &&
            json_object_object_get_ex(ev, "Test", &test)) {
            const char *a = json_object_get_string(action), *name = json_object_get_string(test);
            if (strcmp(a, "output") == 0 && json_object_object_get_ex(ev, "Output", &output)) {
                append_output(outputs, name, json_object_get_string(output));
            } else if (strcmp(a, "pass") == 0 || strcmp(a, "fail") == 0 || strcmp(a, "skip") == 0) {
                bool failed = strcmp(a, "fail") == 0;
                json_object *msg = NULL;
                if (failed && json_object_object_get_ex(outputs, name, &msg))
                    json_object_get(msg);
                json_object_array_add(results,
                                      test_result(name, failed ? ST_WRONG : ST_SUCCESS, msg));
            }
        }
        json_object_put(ev);
    }
    free(copy);
    json_object_put(outputs);
}

static bool any_failed(json_object *results)
{
    for (size_t i = 0; i < json_object_array_length(results); i++) {
        json_object *passed;
        json_object_object_get_ex(json_object_array_get_idx(results, i), "passed", &passed);
        if (!json_object_get_boolean(passed))
            return true;
    }
    return false;
}

json_object *rbx_tests_results(rbx_results_kind kind, const rbx_sandbox_result *r, int workdir_fd,
                               const char *key)
{
    json_object *results = json_object_new_array();
    if (kind == RBX_RESULTS_EXIT_STATUS) {
        tests_from_exit(results, r);
        return results;
    }
    if (kind == RBX_RESULTS_GO_TEST2JSON)
        tests_from_test2json(results, r);
    else
        tests_from_lines(results, workdir_fd, key);
    /* A run that died (a crash, a time limit) after or instead of the reported
     * tests is a result of its own, unless a test already said what failed. */
    int status = run_status(r);
    bool go_fail = kind == RBX_RESULTS_GO_TEST2JSON && r->status == RBX_SANDBOX_RUNTIME_ERROR &&
                   any_failed(results);
    if (status != ST_SUCCESS && !go_fail)
        json_object_array_add(results, test_result("(run)", status, run_error(r)));
    return results;
}

void rbx_tally_add(rbx_grading_tally *t, json_object *result, const rbx_sandbox_result *r)
{
    if (result) {
        json_object *status, *passed;
        json_object_object_get_ex(result, "status", &status);
        json_object_object_get_ex(result, "passed", &passed);
        int sev = severity_of(json_object_get_string(status));
        if (sev == ST_NOT_RUN)
            sev = ST_TIME;
        if (sev > t->worst)
            t->worst = sev;
        if (json_object_get_boolean(passed))
            t->passed++;
        else
            t->failed++;
    }
    if (r) {
        t->cpu_ms += r->cpu_time_ms;
        t->wall_ms += r->wall_time_ms;
        if (r->memory_kb > t->memory_kb)
            t->memory_kb = r->memory_kb;
    }
}

void rbx_tally_finish(const rbx_grading_tally *t, json_object *out, uint64_t budget_ms)
{
    bool all_passed = t->failed == 0 && t->cut == 0 && t->passed > 0;
    int worst = t->worst;
    if (!all_passed && worst == ST_SUCCESS)
        worst = ST_WRONG; /* no tests at all */
    if (t->cut > 0) {
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "grading stopped: %zu test case(s) not run, the time allowed for all cases "
                 "together (%llu ms) ran out",
                 t->cut, (unsigned long long)budget_ms);
        json_object_object_add(out, "error", json_object_new_string(msg));
    } else if (t->passed + t->failed == 0) {
        json_object_object_add(out, "error", json_object_new_string("no tests were found"));
    }
    json_object_object_add(out, "status",
                           json_object_new_string(all_passed ? "success" : status_names[worst]));
    json_object_object_add(out, "all_passed", json_object_new_boolean(all_passed));
    json_object_object_add(out, "cpu_time_ms", json_object_new_int64((int64_t)t->cpu_ms));
    json_object_object_add(out, "wall_time_ms", json_object_new_int64((int64_t)t->wall_ms));
    json_object_object_add(out, "memory_kb", json_object_new_int64((int64_t)t->memory_kb));
    json_object_object_add(out, "execution_time", json_object_new_double(t->wall_ms / 1000.0));
}
