/* The native writer over a report (engine/native.h) and the one verdict
 * function (engine/report.h): every field of DESIGN.md's example, verdicts
 * (including runtimes' out-of-memory messages), signal names, UTF-8 repair and
 * base64 out. Sandbox results are built by hand here; the real sandbox is
 * exercised in test_execute. */
#include <check.h>
#include <signal.h>
#include <string.h>

#include "engine/native.h"
#include "engine/report.h"
#include "engine/request.h"
#include "engine/run.h"
#include "helpers.h"
#include "tests/unit/support/check_main.h"

static rbx_language_set langs;
static rbx_config cfg;

static void setup(void)
{
    rbx_config_defaults(&cfg);
    load_languages(&langs);
}

static void teardown(void)
{
    rbx_languages_free(&langs);
}

static rbx_request *request(const char *lang, bool base64)
{
    char text[256];
    snprintf(text, sizeof(text), "{\"language\": \"%s\", \"code\": \"%s\", \"base64_encoded\": %s}",
             lang, base64 ? "eA==" : "x", base64 ? "true" : "false");
    json_object *body = json_tokener_parse(text);
    rbx_request *req;
    rbx_error err;
    ck_assert_int_eq(rbx_request_parse_with(&cfg, &langs, body, false, &req, &err), 0);
    json_object_put(body);
    return req;
}

static rbx_sandbox_result result(rbx_sandbox_status st, const char *out, const char *errtext)
{
    rbx_sandbox_result r = {.status = st, .exit_code = st == RBX_SANDBOX_OK ? 0 : 1};
    r.stdout_buf = (char *)out;
    r.stdout_len = strlen(out);
    r.stderr_buf = (char *)errtext;
    r.stderr_len = strlen(errtext);
    r.cpu_time_ms = 14, r.wall_time_ms = 21, r.memory_kb = 9120;
    return r;
}

/* A copy of r's bytes, so the report may own them. */
static rbx_run_result run_of(const rbx_language *lang, rbx_sandbox_result r)
{
    rbx_run_result out;
    r.stdout_buf = strndup(r.stdout_buf, r.stdout_len);
    r.stderr_buf = strndup(r.stderr_buf, r.stderr_len);
    rbx_run_result_take(&out, lang, &r);
    return out;
}

/* A plain run's answer. */
static json_object *answer(const rbx_request *req, const char *id, const char *version,
                           const rbx_sandbox_result *run)
{
    rbx_report rep;
    rbx_report_init(&rep, id, req->lang, version);
    rep.run = run_of(req->lang, *run);
    rep.verdict = rep.run.verdict;
    json_object *o = rbx_native_execute(&rep, req->base64);
    rbx_report_free(&rep);
    return o;
}

static const char *status_of(const rbx_language *lang, const rbx_sandbox_result *r)
{
    return rbx_verdict_name(rbx_verdict_of_run(lang, r));
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    ck_assert_msg(json_object_object_get_ex(o, key, &v), "missing \"%s\"", key);
    return json_object_get_string(v);
}

static bool is_null(json_object *o, const char *key)
{
    json_object *v;
    ck_assert_msg(json_object_object_get_ex(o, key, &v), "missing \"%s\"", key);
    return v == NULL;
}

START_TEST(test_success_has_every_field)
{
    rbx_request *req = request("python", false);
    rbx_sandbox_result run = result(RBX_SANDBOX_OK, "hello\n", "");
    json_object *resp = answer(req, "9b2f", "3.11.2", &run);
    static const char *const KEYS[] = {"id",
                                       "status",
                                       "output",
                                       "error",
                                       "exit_code",
                                       "signal",
                                       "execution_time",
                                       "cpu_time_ms",
                                       "wall_time_ms",
                                       "memory_kb",
                                       "truncated",
                                       "compile",
                                       "results",
                                       "all_passed",
                                       "error_details",
                                       "language",
                                       NULL};
    for (size_t i = 0; KEYS[i]; i++)
        ck_assert_msg(json_object_object_get_ex(resp, KEYS[i], NULL), "missing %s", KEYS[i]);
    ck_assert_int_eq(json_object_object_length(resp), 16);
    ck_assert_str_eq(str(resp, "id"), "9b2f");
    ck_assert_str_eq(str(resp, "status"), "success");
    ck_assert_str_eq(str(resp, "output"), "hello\n");
    ck_assert(is_null(resp, "error"));
    ck_assert_str_eq(str(resp, "exit_code"), "0");
    ck_assert(is_null(resp, "signal"));
    ck_assert(is_null(resp, "results"));
    ck_assert(is_null(resp, "all_passed"));
    ck_assert(is_null(resp, "error_details"));
    ck_assert_ptr_nonnull(strstr(json_object_to_json_string(resp), "\"execution_time\": 0.021"));
    json_object *compile, *lang;
    json_object_object_get_ex(resp, "compile", &compile);
    ck_assert_str_eq(str(compile, "status"), "success");
    ck_assert_str_eq(str(compile, "output"), "");
    ck_assert_str_eq(str(compile, "cached"), "false");
    json_object_object_get_ex(resp, "language", &lang);
    ck_assert_str_eq(str(lang, "id"), "python");
    ck_assert_str_eq(str(lang, "version"), "3.11.2");
    json_object_put(resp);
    rbx_request_free(req);
}
END_TEST

START_TEST(test_compile_error_shape)
{
    rbx_request *req = request("c", false);
    rbx_sandbox_result c = result(RBX_SANDBOX_RUNTIME_ERROR, "", "main.c:1:1: error: boom\n");
    rbx_report rep;
    rbx_report_init(&rep, "x", req->lang, "12.2.0");
    rep.compile.ran = rep.compile.failed = true;
    rep.compile.result = run_of(req->lang, c);
    rep.compile.time_ms = rep.compile.result.wall_ms;
    ck_assert_int_eq(rbx_compile_message(&rep.compile.result, &rep.compile.message), 0);
    rep.verdict = RBX_VERDICT_COMPILE_ERROR;
    json_object *resp = rbx_native_execute(&rep, false), *compile;
    rbx_report_free(&rep);
    ck_assert_str_eq(str(resp, "status"), "compile_error");
    ck_assert_str_eq(str(resp, "error"), "main.c:1:1: error: boom\n");
    ck_assert_str_eq(str(resp, "error_details"), "main.c:1:1: error: boom\n");
    ck_assert_str_eq(str(resp, "output"), "");
    ck_assert(is_null(resp, "exit_code"));
    json_object_object_get_ex(resp, "compile", &compile);
    ck_assert_str_eq(str(compile, "status"), "error");
    ck_assert_str_eq(str(compile, "output"), "main.c:1:1: error: boom\n");
    ck_assert_str_eq(str(compile, "time_ms"), "21");
    json_object_put(resp);
    rbx_request_free(req);
}
END_TEST

START_TEST(test_status_mapping)
{
    rbx_language *py = rbx_languages_find(&langs, "python"),
                 *java = rbx_languages_find(&langs, "java"), *js = rbx_languages_find(&langs, "js"),
                 *go = rbx_languages_find(&langs, "go");
    rbx_sandbox_result r = result(RBX_SANDBOX_OK, "", "");
    ck_assert_str_eq(status_of(py, &r), "success");
    r.status = RBX_SANDBOX_TIME_LIMIT;
    ck_assert_str_eq(status_of(py, &r), "time_limit");
    r.status = RBX_SANDBOX_MEMORY_LIMIT;
    ck_assert_str_eq(status_of(py, &r), "memory_limit");
    r.status = RBX_SANDBOX_OUTPUT_LIMIT;
    ck_assert_str_eq(status_of(py, &r), "output_limit");
    r.status = RBX_SANDBOX_INTERNAL_ERROR;
    ck_assert_str_eq(status_of(py, &r), "internal_error");
    /* a run stopped because its client went away is that, not our error */
    r.status = RBX_SANDBOX_CANCELLED;
    ck_assert_str_eq(status_of(py, &r), "cancelled");
    r = result(RBX_SANDBOX_RUNTIME_ERROR, "",
               "Traceback...\nZeroDivisionError: division by zero\n");
    ck_assert_str_eq(status_of(py, &r), "runtime_error");
    r = result(RBX_SANDBOX_RUNTIME_ERROR, "", "Traceback...\nMemoryError\n");
    ck_assert_str_eq(status_of(py, &r), "memory_limit");
    r = result(RBX_SANDBOX_RUNTIME_ERROR, "",
               "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n");
    ck_assert_str_eq(status_of(java, &r), "memory_limit");
    r = result(
        RBX_SANDBOX_RUNTIME_ERROR, "",
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n");
    ck_assert_str_eq(status_of(js, &r), "memory_limit");
    r = result(RBX_SANDBOX_RUNTIME_ERROR, "", "fatal error: runtime: out of memory\n");
    ck_assert_str_eq(status_of(go, &r), "memory_limit");
}
END_TEST

START_TEST(test_signal_and_details)
{
    rbx_request *req = request("c", false);
    rbx_sandbox_result run = result(RBX_SANDBOX_RUNTIME_ERROR, "", "");
    run.signal = SIGSEGV;
    run.exit_code = -1;
    json_object *resp = answer(req, "x", "1", &run);
    ck_assert_str_eq(str(resp, "status"), "runtime_error");
    ck_assert_str_eq(str(resp, "signal"), "SIGSEGV");
    ck_assert(is_null(resp, "exit_code"));
    ck_assert_str_eq(str(resp, "error_details"), "killed by SIGSEGV");
    json_object_put(resp);
    char buf[16];
    ck_assert_ptr_null(rbx_signal_name(0, buf, sizeof(buf)));
    ck_assert_str_eq(rbx_signal_name(SIGKILL, buf, sizeof(buf)), "SIGKILL");
    rbx_request_free(req);
}
END_TEST

START_TEST(test_invalid_utf8_repaired_or_base64)
{
    rbx_request *req = request("python", false);
    rbx_sandbox_result run = result(RBX_SANDBOX_RUNTIME_ERROR, "a\xFFz", "e\xC0");
    json_object *resp = answer(req, "x", "1", &run);
    ck_assert_str_eq(str(resp, "output"), "a\xEF\xBF\xBDz");
    ck_assert_str_eq(str(resp, "error"), "e\xEF\xBF\xBD");
    json_object_put(resp);
    rbx_request_free(req);

    req = request("python", true);
    resp = answer(req, "x", "1", &run);
    ck_assert_str_eq(str(resp, "output"), "Yf96");
    ck_assert_str_eq(str(resp, "error"), "ZcA=");
    ck_assert_str_eq(str(resp, "error_details"),
                     "ZXhpdGVkIHdpdGggY29kZSAx"); /* "exited with code 1" */
    json_object_put(resp);
    rbx_request_free(req);
}
END_TEST

START_TEST(test_interpreter_syntax_error_is_compile_error)
{
    rbx_language *py = rbx_languages_find(&langs, "python");
    rbx_sandbox_result r = result(RBX_SANDBOX_RUNTIME_ERROR, "",
                                  "  File \"/box/main.py\", line 1\n    print(\n         ^\n"
                                  "SyntaxError: '(' was never closed\n");
    ck_assert(rbx_run_is_compile_error(py, &r));
    r = result(RBX_SANDBOX_RUNTIME_ERROR, "",
               "Traceback (most recent call last):\n  File \"/box/main.py\", line 1, in <module>\n"
               "    eval('(')\n  File \"<string>\", line 1\n    (\n    ^\nSyntaxError: '(' was "
               "never closed\n");
    ck_assert(!rbx_run_is_compile_error(py, &r));
    rbx_language *js = rbx_languages_find(&langs, "javascript");
    r = result(RBX_SANDBOX_RUNTIME_ERROR, "",
               "/box/main.js:2\nconsole.log(\"a\"\n            ^^^\n\nSyntaxError: missing ) after "
               "argument list\n    at internalCompileFunction (node:internal/vm:76:18)\n");
    ck_assert(rbx_run_is_compile_error(js, &r));
    r = result(RBX_SANDBOX_RUNTIME_ERROR, "",
               "undefined:1\n{\n ^\n\nSyntaxError: Unexpected end of JSON input\n    at JSON.parse "
               "(<anonymous>)\n");
    ck_assert(!rbx_run_is_compile_error(js, &r));
}
END_TEST

START_TEST(test_validate_shape)
{
    rbx_request *req = request("ts", false);
    rbx_sandbox_result c = result(
        RBX_SANDBOX_RUNTIME_ERROR,
        "main.ts(1,5): error TS2322: Type 'string' is not assignable to type 'number'.\n", "");
    rbx_run_result check = run_of(req->lang, c);
    json_object *resp = rbx_native_validate(req->lang, "4.8.4", &check, false), *diags, *lang;
    rbx_run_result_free(&check);
    ck_assert_str_eq(str(resp, "valid"), "false");
    ck_assert_str_eq(str(resp, "status"), "compile_error");
    ck_assert(json_object_object_get_ex(resp, "diagnostics", &diags));
    ck_assert_uint_eq(json_object_array_length(diags), 1);
    ck_assert_ptr_nonnull(strstr(str(resp, "output"), "TS2322"));
    ck_assert(json_object_object_get_ex(resp, "language", &lang));
    ck_assert_str_eq(str(lang, "id"), "typescript");
    json_object_put(resp);
    check = run_of(req->lang, result(RBX_SANDBOX_OK, "", ""));
    resp = rbx_native_validate(req->lang, "4.8.4", &check, false);
    rbx_run_result_free(&check);
    ck_assert_str_eq(str(resp, "valid"), "true");
    ck_assert_str_eq(str(resp, "status"), "success");
    json_object_put(resp);
    rbx_request_free(req);
}
END_TEST

/* The worker's answer for a job the service could not run: the same writer. */
START_TEST(test_failure_shape)
{
    rbx_report rep;
    ck_assert_int_eq(rbx_report_failure(&rep, "j1", "python", "the box could not start"), 0);
    json_object *resp = rbx_native_execute(&rep, false), *lang;
    rbx_report_free(&rep);
    ck_assert_int_eq(json_object_object_length(resp), 16);
    ck_assert_str_eq(str(resp, "id"), "j1");
    ck_assert_str_eq(str(resp, "status"), "internal_error");
    ck_assert_str_eq(str(resp, "output"), "");
    ck_assert_str_eq(str(resp, "error"), "the box could not start");
    ck_assert_str_eq(str(resp, "error_details"), "the box could not start");
    ck_assert(is_null(resp, "compile"));
    ck_assert(is_null(resp, "exit_code"));
    ck_assert_ptr_nonnull(strstr(json_object_to_json_string(resp), "\"execution_time\": 0.000"));
    json_object_object_get_ex(resp, "language", &lang);
    ck_assert_str_eq(str(lang, "id"), "python");
    ck_assert(is_null(lang, "version"));
    json_object_put(resp);
}
END_TEST

static int64_t num(json_object *o, const char *key)
{
    json_object *v;
    ck_assert_msg(json_object_object_get_ex(o, key, &v), "missing \"%s\"", key);
    return json_object_get_int64(v);
}

/* The record the store binds its columns from holds the answer's facts. */
static void assert_record_matches(const rbx_report *rep)
{
    rbx_run_record rec;
    rbx_native_record(rep, &rec);
    json_object *resp = rbx_native_execute(rep, false), *lang;
    ck_assert_str_eq(rec.id, str(resp, "id"));
    ck_assert_str_eq(rec.status, str(resp, "status"));
    ck_assert_int_eq(rec.has_exit_code, !is_null(resp, "exit_code"));
    if (rec.has_exit_code)
        ck_assert_int_eq(rec.exit_code, num(resp, "exit_code"));
    ck_assert_int_eq(rec.cpu_time_ms, num(resp, "cpu_time_ms"));
    ck_assert_int_eq(rec.wall_time_ms, num(resp, "wall_time_ms"));
    ck_assert_int_eq(rec.memory_kb, num(resp, "memory_kb"));
    json_object_object_get_ex(resp, "language", &lang);
    ck_assert_str_eq(rec.language, str(lang, "id"));
    if (is_null(lang, "version"))
        ck_assert_str_eq(rec.language_version, "");
    else
        ck_assert_str_eq(rec.language_version, str(lang, "version"));
    ck_assert_str_eq(rec.request_id, "");
    json_object_put(resp);
}

START_TEST(test_the_record_has_the_answer_s_facts)
{
    rbx_request *req = request("python", false);
    rbx_sandbox_result run = result(RBX_SANDBOX_OK, "hello\n", "");
    run.exit_code = 3;
    rbx_report rep;
    rbx_report_init(&rep, "9b2f", req->lang, "3.11.2");
    rep.run = run_of(req->lang, run);
    rep.verdict = rep.run.verdict;
    assert_record_matches(&rep);
    rbx_report_free(&rep);
    ck_assert_int_eq(rbx_report_failure(&rep, "j1", "python", "the box could not start"), 0);
    assert_record_matches(&rep);
    rbx_report_free(&rep);
    rbx_request_free(req);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("response");
    TCase *tc = tcase_create("response");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_success_has_every_field);
    tcase_add_test(tc, test_compile_error_shape);
    tcase_add_test(tc, test_status_mapping);
    tcase_add_test(tc, test_signal_and_details);
    tcase_add_test(tc, test_invalid_utf8_repaired_or_base64);
    tcase_add_test(tc, test_interpreter_syntax_error_is_compile_error);
    tcase_add_test(tc, test_validate_shape);
    tcase_add_test(tc, test_failure_shape);
    tcase_add_test(tc, test_the_record_has_the_answer_s_facts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return rbx_check_run(suite());
}
