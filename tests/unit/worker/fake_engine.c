/* A stand-in for engine/ in the worker's own tests, so that they exercise
 * the daemon (leases, child runs, cancel, kill, restart, callbacks) on their
 * own, without toolchains or a sandbox. It implements the part of engine.h
 * runbox-worker calls. A request is {"language": "fake", "code": "<ms>"}: the
 * "run" sleeps that many milliseconds and answers an /execute-shaped result.
 * Every run appends its job id to $RBX_FAKE_RUNS_LOG, so a test can count how
 * often each job really ran. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/native.h"

struct rbx_engine {
    int unused;
};
struct rbx_request {
    json_object *body;
};

int rbx_engine_open(const rbx_config *cfg, rbx_engine **out, rbx_error *err)
{
    (void)cfg;
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : rbx_error_errno(err, "fake engine");
}

int rbx_engine_take_cgroup(rbx_error *err)
{
    (void)err; /* no boxes, no cgroup */
    return 0;
}

void rbx_engine_release_boxes(rbx_engine *eng)
{
    (void)eng; /* no boxes here */
}

int rbx_engine_sweep_run_dirs(const rbx_config *cfg, int *removed, rbx_error *err)
{
    (void)cfg;
    (void)err;
    if (removed)
        *removed = 0; /* no run dirs here */
    return 0;
}

void rbx_engine_close(rbx_engine *eng)
{
    free(eng);
}

int rbx_request_parse(rbx_engine *eng, json_object *body, bool for_async, rbx_request **out,
                      rbx_error *err)
{
    (void)eng;
    (void)for_async;
    json_object *code;
    if (!json_object_object_get_ex(body, "code", &code))
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "code", "code is required");
    *out = calloc(1, sizeof(**out));
    (*out)->body = json_object_get(body);
    return 0;
}

void rbx_request_free(rbx_request *req)
{
    if (!req)
        return;
    json_object_put(req->body);
    free(req);
}

json_object *rbx_request_body(const rbx_request *req)
{
    return req->body;
}

static void log_run(const char *run_id)
{
    const char *path = getenv("RBX_FAKE_RUNS_LOG");
    if (!path)
        return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    char line[64];
    int n = snprintf(line, sizeof(line), "%s\n", run_id);
    if (write(fd, line, (size_t)n) != n)
        perror("fake engine log");
    close(fd);
}

/* A typed report like the engine's, and the answer the one writer makes of it. */
int rbx_engine_execute_report(rbx_engine *eng, const rbx_request *req, const char *run_id,
                              rbx_report *report, json_object **response, rbx_error *err)
{
    (void)eng;
    json_object *code;
    json_object_object_get_ex(req->body, "code", &code);
    log_run(run_id);
    usleep((useconds_t)atoi(json_object_get_string(code)) * 1000);
    rbx_report_init(report, run_id, NULL, "1");
    snprintf(report->language, sizeof(report->language), "fake");
    report->verdict = RBX_VERDICT_SUCCESS;
    report->run.ran = true;
    report->run.verdict = RBX_VERDICT_SUCCESS;
    report->run.exit_code = 0;
    if (rbx_bytes_set(&report->run.out, "slept\n", 6) < 0 ||
        !(*response = rbx_native_execute(report, false)))
        return rbx_error_errno(err, "fake engine");
    return 0;
}
