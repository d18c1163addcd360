/* Case and test reports, and the overall verdict (results.h). */
#include "engine/grading/results.h"
#include "engine/grading/grading.h"
#include "engine/grading/result_file.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RBX_MAX_RESULT_BYTES (1024 * 1024)

static int set_text(rbx_bytes *b, const char *text)
{
    return rbx_bytes_set(b, text, strlen(text));
}

/* The case's message: stderr, or the sandbox's reason when the program said
 * nothing; none when neither. */
static int run_error(rbx_bytes *out, const rbx_run_result *r)
{
    if (r->err.len > 0)
        return rbx_bytes_set(out, r->err.data, r->err.len);
    if (r->verdict != RBX_VERDICT_SUCCESS && r->message[0])
        return set_text(out, r->message);
    return 0;
}

/* A successful run whose answer differs from the expected one is wrong. */
static rbx_verdict compared(const rbx_test_case *tc, json_object *actual, rbx_verdict v)
{
    if (v == RBX_VERDICT_SUCCESS && !rbx_grading_outputs_equal(tc ? tc->expected : NULL, actual))
        return RBX_VERDICT_WRONG_ANSWER;
    return v;
}

static void set_verdict(rbx_case_report *c, rbx_verdict v)
{
    c->verdict = v;
    c->passed = v == RBX_VERDICT_SUCCESS;
}

int rbx_case_io(rbx_report *rep, size_t index, const rbx_test_case *tc, rbx_run_result *r)
{
    rbx_case_report *c = rbx_report_add_case(rep, RBX_CASE_IO);
    if (!c)
        return -1;
    c->index = index;
    c->run = *r;
    memset(r, 0, sizeof(*r));
    /* The program's bytes as they are (NUL and invalid UTF-8 included). */
    json_object *actual =
        json_object_new_string_len(c->run.out.data ? c->run.out.data : "", (int)c->run.out.len);
    set_verdict(c, compared(tc, actual, c->run.verdict));
    json_object_put(actual);
    return run_error(&c->message, &c->run);
}

/* The function's value from {"value": ...} as JSON text; *why when none. */
static char *returned_value(int workdir_fd, const char *function_name, char *why, size_t why_size)
{
    char *buf = NULL;
    size_t len;
    rbx_error err;
    int rc = rbx_result_file_read(workdir_fd, RBX_MAX_RESULT_BYTES, &buf, &len, &err);
    if (rc <= 0) {
        snprintf(why, why_size,
                 rc == 0 ? "%s did not return: the program ended before its value was recorded"
                         : "%s's value could not be read",
                 function_name);
        return NULL;
    }
    json_object *doc = json_tokener_parse(buf), *value = NULL;
    free(buf);
    char *text = NULL;
    if (!json_object_object_get_ex(doc, "value", &value))
        snprintf(why, why_size, "%s's value could not be converted to JSON", function_name);
    else
        text = strdup(json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN));
    json_object_put(doc);
    return text;
}

int rbx_case_call(rbx_report *rep, size_t index, const rbx_test_case *tc, rbx_run_result *r,
                  int workdir_fd, const char *function_name)
{
    rbx_case_report *c = rbx_report_add_case(rep, RBX_CASE_CALL);
    if (!c)
        return -1;
    c->index = index;
    c->run = *r;
    memset(r, 0, sizeof(*r));
    rbx_verdict v = c->run.verdict;
    char why[256] = "";
    if (v == RBX_VERDICT_SUCCESS) {
        c->value_json = returned_value(workdir_fd, function_name, why, sizeof(why));
        if (why[0])
            v = RBX_VERDICT_RUNTIME_ERROR;
    }
    json_object *actual = c->value_json ? json_tokener_parse(c->value_json) : NULL;
    set_verdict(c, compared(tc, actual, v));
    json_object_put(actual);
    return why[0] ? set_text(&c->message, why) : run_error(&c->message, &c->run);
}

int rbx_case_not_run(rbx_report *rep, size_t index, rbx_case_kind kind)
{
    rbx_case_report *c = rbx_report_add_case(rep, kind);
    if (!c)
        return -1;
    c->index = index;
    set_verdict(c, RBX_VERDICT_NOT_RUN);
    return set_text(&c->message, "not run: the time allowed for all test cases together ran out");
}

static rbx_case_report *add_test(rbx_report *rep, const char *name, rbx_verdict v)
{
    rbx_case_report *c = rbx_report_add_case(rep, RBX_CASE_TEST);
    if (!c || !(c->name = strdup(name)))
        return NULL;
    set_verdict(c, v);
    return c;
}

/* The JSON of a signed line "<mac> <json>" when its MAC is the key's, else
 * NULL: a line the submission wrote itself does not know the key. */
static const char *verified(const char *line, const char *key)
{
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

/* Reading the signed lines: each carries "seq", 0, 1, 2 … in order, and the
 * runner's last line is {"done": true, "seq": n}. A line removed, replayed,
 * reordered or spoiled (the submission can write the file too), or a run
 * that ended inside a test, leaves the sequence without its end. */
typedef struct line_reader {
    int64_t next_seq;
    bool done, broken;
    json_object *outputs; /* Go: each test's output from test2json, for its message */
} line_reader;

static int64_t seq_of(json_object *o)
{
    json_object *seq;
    return json_object_object_get_ex(o, "seq", &seq) && json_object_is_type(seq, json_type_int)
               ? json_object_get_int64(seq)
               : -1;
}

/* A failed test's message: its own, else (Go) what the test printed. */
static const char *message_of(json_object *o, const char *name, const line_reader *lr)
{
    json_object *msg, *out;
    char key[300];
    if (json_object_object_get_ex(o, "message", &msg) && json_object_get_string(msg))
        return json_object_get_string(msg);
    snprintf(key, sizeof(key), "%s/%s", RBX_GRADING_GO_RUNNER, name);
    if (lr->outputs && json_object_object_get_ex(lr->outputs, key, &out))
        return json_object_get_string(out);
    return NULL;
}

static int test_line(rbx_report *rep, json_object *o, line_reader *lr)
{
    json_object *name, *passed, *done;
    if (lr->done || seq_of(o) != lr->next_seq++) {
        lr->broken = true;
        return 0;
    }
    if (json_object_object_get_ex(o, "done", &done)) {
        lr->done = json_object_get_boolean(done);
        return 0;
    }
    if (!json_object_object_get_ex(o, "name", &name) ||
        !json_object_object_get_ex(o, "passed", &passed)) {
        lr->broken = true;
        return 0;
    }
    bool ok = json_object_get_boolean(passed);
    const char *test = json_object_get_string(name);
    rbx_case_report *c = add_test(rep, test, ok ? RBX_VERDICT_SUCCESS : RBX_VERDICT_WRONG_ANSWER);
    if (!c)
        return -1;
    const char *msg = ok ? NULL : message_of(o, test, lr);
    return msg ? set_text(&c->message, msg) : 0;
}

/* {"name", "seq", "passed", "message"} lines signed by the test runners. */
static int tests_from_lines(rbx_report *rep, int workdir_fd, const char *key, line_reader *lr)
{
    char *buf = NULL, *save = NULL;
    size_t len;
    rbx_error err;
    int rc = 0;
    if (rbx_result_file_read(workdir_fd, RBX_MAX_RESULT_BYTES, &buf, &len, &err) <= 0)
        return 0;
    for (char *line = strtok_r(buf, "\n", &save); line && rc == 0;
         line = strtok_r(NULL, "\n", &save)) {
        const char *json = verified(line, key);
        if (!json)
            continue;
        json_object *o = json_tokener_parse(json);
        rc = test_line(rep, o, lr);
        json_object_put(o);
    }
    free(buf);
    return rc;
}

/* Output a test printed, without go test's own "=== RUN" and "--- FAIL" lines. */
static void append_output(json_object *outputs, const char *test, const char *text)
{
    const char *start = text + strspn(text, " \t"); /* a subtest's are indented */
    if (strncmp(start, "=== ", 4) == 0 || strncmp(start, "--- ", 4) == 0)
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

/* Go: what each test printed, from test2json's "output" events on stdout.
 * Only messages come from there (the submission can print such events
 * too); the verdicts are the signed lines. */
static json_object *test2json_outputs(const rbx_run_result *r)
{
    json_object *outputs = json_object_new_object();
    char *copy = r->out.data ? strndup(r->out.data, r->out.len) : NULL, *save = NULL;
    for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line && outputs;
         line = strtok_r(NULL, "\n", &save)) {
        json_object *ev = json_tokener_parse(line), *action, *test, *output;
        if (json_object_object_get_ex(ev, "Action", &action) &&
            json_object_object_get_ex(ev, "Test", &test) &&
            json_object_object_get_ex(ev, "Output", &output) &&
            strcmp(json_object_get_string(action), "output") == 0)
            append_output(outputs, json_object_get_string(test), json_object_get_string(output));
        json_object_put(ev);
    }
    free(copy);
    return outputs;
}

static bool any_failed(const rbx_report *rep)
{
    for (size_t i = 0; i < rep->n_cases; i++)
        if (!rep->cases[i].passed)
            return true;
    return false;
}

int rbx_tests_results(rbx_report *rep, rbx_results_kind kind, const rbx_run_result *r,
                      int workdir_fd, const char *key)
{
    line_reader lr = {.outputs = kind == RBX_RESULTS_GO_TEST2JSON ? test2json_outputs(r) : NULL};
    int rc = tests_from_lines(rep, workdir_fd, key, &lr);
    json_object_put(lr.outputs);
    if (rc < 0)
        return -1;
    /* A run that died (a crash, a time limit) after or instead of the reported
     * tests is a result of its own, unless a test already said what failed
     * (go test exits 1 when a test failed). */
    bool go_fail = kind == RBX_RESULTS_GO_TEST2JSON && r->verdict == RBX_VERDICT_RUNTIME_ERROR &&
                   any_failed(rep);
    if (r->verdict != RBX_VERDICT_SUCCESS && !go_fail) {
        rbx_case_report *c = add_test(rep, "(run)", r->verdict);
        return c ? run_error(&c->message, r) : -1;
    }
    if (lr.done && !lr.broken)
        return 0;
    rbx_case_report *c = add_test(rep, "(run)", RBX_VERDICT_RUNTIME_ERROR);
    return c ? set_text(&c->message, lr.done ? "the test results were altered by the program"
                                             : "the tests did not finish: the program ended "
                                               "before the test runner reported its end")
             : -1;
}

void rbx_tally_add(rbx_grading_tally *t, const rbx_case_report *c, const rbx_run_result *r)
{
    if (c) {
        rbx_verdict v = c->verdict == RBX_VERDICT_NOT_RUN ? RBX_VERDICT_TIME_LIMIT : c->verdict;
        if (v > t->worst)
            t->worst = v;
        if (c->passed)
            t->passed++;
        else
            t->failed++;
    }
    if (r) {
        t->cpu_ms += r->cpu_ms;
        t->wall_ms += r->wall_ms;
        if (r->memory_kb > t->memory_kb)
            t->memory_kb = r->memory_kb;
    }
}

int rbx_tally_finish(const rbx_grading_tally *t, rbx_report *rep, uint64_t budget_ms)
{
    bool all_passed = t->failed == 0 && t->cut == 0 && t->passed > 0;
    rbx_verdict worst = t->worst;
    if (!all_passed && worst == RBX_VERDICT_SUCCESS)
        worst = RBX_VERDICT_WRONG_ANSWER; /* no tests at all */
    rep->verdict = all_passed ? RBX_VERDICT_SUCCESS : worst;
    rep->all_passed = all_passed;
    rep->cpu_ms = t->cpu_ms;
    rep->wall_ms = t->wall_ms;
    rep->memory_kb = t->memory_kb;
    if (t->cut > 0) {
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "grading stopped: %zu test case(s) not run, the time allowed for all cases "
                 "together (%llu ms) ran out",
                 t->cut, (unsigned long long)budget_ms);
        return set_text(&rep->note, msg);
    }
    if (t->passed + t->failed == 0)
        return set_text(&rep->note, "no tests were found");
    return 0;
}
