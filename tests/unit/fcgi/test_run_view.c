/* Unit tests for fcgi/dialects/run_view: the dialects' writers read a run
 * just carried out from the typed report, plain or graded, and a stored run
 * from its native answer. Both must read alike: for each kind of graded
 * report, the view of the report equals the view of the native answer that
 * engine/native.c writes from that report (texts compared after the one
 * UTF-8 repair, base64 or not), and the function-grading platform's answer
 * is the same JSON either way. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "engine/grading/spec.h"
#include "engine/native.h"
#include "engine/report.h"
#include "fcgi/dialects/run_view.h"
#include "fcgi/dialects/shapes.h"
#include "tests/unit/support/check_main.h"

static rbx_test_case CASES[3];
static rbx_grading_spec SPEC;
static rbx_language PYTHON = {.id = "python"};

static void set_spec(rbx_grading_mode mode)
{
    static char stdin0[] = "1 2\n", stdin1[] = "3 4\n", stdin2[] = "";
    char *stdins[] = {stdin0, stdin1, stdin2};
    for (int i = 0; i < 3; i++) {
        json_object_put(CASES[i].input);
        json_object_put(CASES[i].expected);
        CASES[i].stdin_data = stdins[i];
        CASES[i].stdin_len = strlen(stdins[i]);
        CASES[i].input = json_tokener_parse(i == 1 ? "[\"a\\u00e9\", 2]" : "[1, 2]");
        CASES[i].expected = json_object_new_string(i == 2 ? "x\xff" : "3\n");
    }
    SPEC = (rbx_grading_spec){.mode = mode, .cases = CASES, .n_cases = 3};
}

static void add_run(rbx_run_result *r, const char *out, size_t out_len, const char *err,
                    uint64_t ms)
{
    r->ran = true;
    ck_assert_int_eq(rbx_bytes_set(&r->out, out, out_len), 0);
    ck_assert_int_eq(rbx_bytes_set(&r->err, err, strlen(err)), 0);
    r->cpu_ms = ms / 2, r->wall_ms = ms, r->memory_kb = 1000 + ms;
    r->exit_code = 0;
}

/* Reports of each graded kind: I/O cases (one passed, one wrong with bytes
 * that are not UTF-8, one not run) with grading's note; a single I/O case;
 * function calls; test code; a compile failure. */
enum { IO3, IO1, CALLS, TESTS, COMPILE_FAILED, N_KINDS };

static void make_report(int kind, rbx_report *rep)
{
    rbx_report_init(rep, "run-1", &PYTHON, "3.11");
    rep->spec = &SPEC;
    rep->compile.ran = true;
    rep->compile.time_ms = 12;
    rep->wall_ms = 30, rep->cpu_ms = 14, rep->memory_kb = 2048;
    set_spec(kind == CALLS ? RBX_MODE_CALLS : RBX_MODE_IO);
    rep->mode = kind == CALLS ? RBX_REPORT_CALLS : kind == TESTS ? RBX_REPORT_TESTS : RBX_REPORT_IO;
    rep->verdict = RBX_VERDICT_WRONG_ANSWER;
    if (kind == COMPILE_FAILED) {
        rep->verdict = RBX_VERDICT_COMPILE_ERROR;
        rep->compile.failed = true;
        ck_assert_int_eq(rbx_bytes_set(&rep->compile.message, "e.c:1: error\n", 13), 0);
        return;
    }
    if (kind == TESTS) {
        add_run(&rep->run, "ran 2 tests\n", 12, "FAIL: test_b\n", 20);
        const char *names[] = {"test_a", "test_b"};
        for (int i = 0; i < 2; i++) {
            rbx_case_report *c = rbx_report_add_case(rep, RBX_CASE_TEST);
            c->name = strdup(names[i]);
            c->passed = i == 0;
            c->verdict = i == 0 ? RBX_VERDICT_SUCCESS : RBX_VERDICT_WRONG_ANSWER;
            if (i)
                ck_assert_int_eq(rbx_bytes_set(&c->message, "1 != 2", 6), 0);
        }
        return;
    }
    int n = kind == IO1 ? 1 : kind == CALLS ? 2 : 3;
    for (int i = 0; i < n; i++) {
        rbx_case_report *c = rbx_report_add_case(rep, kind == CALLS ? RBX_CASE_CALL : RBX_CASE_IO);
        bool wrong = i == 1 || kind == IO1; /* the single case is a wrong answer */
        c->index = (size_t)i;
        c->passed = !wrong;
        c->verdict = wrong ? RBX_VERDICT_WRONG_ANSWER : RBX_VERDICT_SUCCESS;
        if (i == 2) {
            c->verdict = RBX_VERDICT_NOT_RUN;
            continue;
        }
        if (!wrong)
            add_run(&c->run, "3\n", 2, "", 5);
        else
            add_run(&c->run, "7\0\xff\xe2\x82", 5, "warn\n", 9);
        if (kind == CALLS)
            c->value_json = strdup(wrong ? "\"s\\u00e9\"" : "3");
        if (wrong)
            ck_assert_int_eq(rbx_bytes_set(&c->message, "expected 3\xc0", 11), 0);
    }
    if (kind == IO3)
        ck_assert_int_eq(rbx_bytes_set(&rep->note, "1 case not run: time", 20), 0);
}

static void assert_same_text(rbx_view_text a, rbx_view_text b, const char *what)
{
    ck_assert_msg((a.data == NULL || a.len == 0) == (b.data == NULL || b.len == 0), "%s: %s", what,
                  a.data ? "only from the report" : "only from the native answer");
    char *ra = rbx_utf8_repair(a.data ? a.data : "", a.len);
    char *rb = rbx_utf8_repair(b.data ? b.data : "", b.len);
    ck_assert_msg(strcmp(ra, rb) == 0, "%s: \"%s\" from the report, \"%s\" from the native", what,
                  ra, rb);
    free(ra);
    free(rb);
}

static void assert_same_json(json_object *a, json_object *b, const char *what, size_t i)
{
    ck_assert_msg(json_object_equal(a, b), "case %zu %s: %s from the report, %s from the native", i,
                  what, json_object_to_json_string(a), json_object_to_json_string(b));
}

static void assert_same_view(const rbx_run_view *r, const rbx_run_view *n)
{
    ck_assert_str_eq(r->id, n->id);
    ck_assert_str_eq(r->status, n->status);
    assert_same_text(r->out, n->out, "out");
    assert_same_text(r->err, n->err, "err");
    assert_same_text(r->compile_message, n->compile_message, "compile_message");
    assert_same_text(r->compile_err, n->compile_err, "compile_err");
    assert_same_text(r->error_details, n->error_details, "error_details");
    ck_assert_int_eq(r->compiled, n->compiled);
    ck_assert_int_eq(r->has_exit_code, n->has_exit_code);
    ck_assert_int_eq(r->signal, n->signal);
    ck_assert_int_eq(r->cpu_time_ms, n->cpu_time_ms);
    ck_assert_int_eq(r->wall_time_ms, n->wall_time_ms);
    ck_assert_int_eq(r->memory_kb, n->memory_kb);
    ck_assert_int_eq(r->compile_time_ms, n->compile_time_ms);
    ck_assert_int_eq(r->has_all_passed, n->has_all_passed);
    ck_assert_int_eq(r->all_passed, n->all_passed);
    ck_assert_str_eq(r->language, n->language);
    ck_assert_str_eq(r->version, n->version);
    ck_assert_uint_eq(r->n_cases, n->n_cases);
    for (size_t i = 0; i < r->n_cases; i++) {
        const rbx_view_case *a = &r->cases[i], *b = &n->cases[i];
        assert_same_json(a->input, b->input, "input", i);
        assert_same_json(a->expected, b->expected, "expected", i);
        assert_same_json(a->actual, b->actual, "actual", i);
        ck_assert_int_eq(a->passed, b->passed);
        ck_assert_int_eq(a->measured, b->measured);
        ck_assert_int_eq(a->time_ms, b->time_ms);
        ck_assert_int_eq(a->memory_kb, b->memory_kb);
    }
}

START_TEST(test_graded_view_of_report_reads_as_native)
{
    int kind = _i / 2;
    bool b64 = _i % 2;
    rbx_report rep;
    make_report(kind, &rep);
    json_object *native = rbx_native_execute(&rep, b64);
    ck_assert_ptr_nonnull(native);
    rbx_run_view from_report, from_native;
    ck_assert_int_eq(rbx_run_view_of(&rep, b64, &from_report), 0);
    ck_assert_int_eq(rbx_run_view_of_native(native, b64, &from_native), 0);
    ck_assert_uint_eq(from_report.n_cases, kind == COMPILE_FAILED ? 0
                                           : kind == IO1          ? 1
                                           : kind == IO3          ? 3
                                                                  : 2);
    assert_same_view(&from_report, &from_native);
    rbx_run_view_free(&from_report);
    rbx_run_view_free(&from_native);
    json_object_put(native);
    rbx_report_free(&rep);
}
END_TEST

START_TEST(test_cee_answer_alike_from_report_and_stored)
{
    rbx_report rep;
    make_report(_i, &rep);
    json_object *native = rbx_native_execute(&rep, false);
    json_object *live = cee_answer_json(&rep, NULL), *stored = cee_answer_json(NULL, native);
    ck_assert_msg(json_object_equal(live, stored), "kind %d: %s from the report, %s stored", _i,
                  json_object_to_json_string(live), json_object_to_json_string(stored));
    if (_i == CALLS) { /* the values themselves, not only their agreement */
        json_object *r1 = json_object_array_get_idx(json_object_object_get(live, "results"), 1);
        ck_assert_str_eq(json_object_to_json_string(json_object_object_get(r1, "input")),
                         "[ \"a\xc3\xa9\", 2 ]");
        ck_assert_str_eq(json_object_get_string(json_object_object_get(r1, "actual_output")),
                         "s\xc3\xa9");
        ck_assert(!json_object_get_boolean(json_object_object_get(r1, "passed")));
    }
    json_object_put(live);
    json_object_put(stored);
    json_object_put(native);
    rbx_report_free(&rep);
}
END_TEST

/* The report keeps what it borrows from alive until it is freed. */
static int released;
static void count_release(void *owner)
{
    ck_assert_ptr_eq(owner, &released);
    released++;
}

START_TEST(test_report_releases_its_owner_once)
{
    rbx_report rep;
    rbx_report_init(&rep, "run-2", NULL, NULL);
    rep.owner = &released;
    rep.release = count_release;
    rbx_report_free(&rep);
    rbx_report_free(&rep);
    ck_assert_int_eq(released, 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("run_view");
    TCase *tc = tcase_create("view");
    tcase_add_loop_test(tc, test_graded_view_of_report_reads_as_native, 0, 2 * N_KINDS);
    tcase_add_loop_test(tc, test_cee_answer_alike_from_report_and_stored, 0, N_KINDS);
    tcase_add_test(tc, test_report_releases_its_owner_once);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
