#include "tests/unit/support/real_engine.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/request.h"
#include "sandbox/host_files.h"
#include "sandbox/sandbox.h"

bool rbx_test_sandbox_usable(char *reason, size_t reasonsz)
{
    rbx_sandbox_caps caps;
    rbx_error err;
    if (getenv("RUNBOX_SKIP_SANDBOX_TESTS")) {
        snprintf(reason, reasonsz, "RUNBOX_SKIP_SANDBOX_TESTS is set");
        return false;
    }
    if (rbx_sandbox_init(NULL, &err) != 0 || rbx_sandbox_probe(&caps, &err) != 0) {
        snprintf(reason, reasonsz, "sandbox unavailable: %s", err.message);
        return false;
    }
    const char *argv[] = {"/bin/true", NULL};
    rbx_sandbox_config cfg = {.argv = argv};
    rbx_sandbox_result res;
    if (rbx_sandbox_run(&cfg, &res, &err) != 0 || res.status != RBX_SANDBOX_OK) {
        snprintf(reason, reasonsz, "a box cannot run here: %s",
                 res.status == RBX_SANDBOX_INTERNAL_ERROR ? res.message : err.message);
        return false;
    }
    rbx_sandbox_result_free(&res);
    return true;
}

static char state_dir[64];

rbx_engine *rbx_test_engine_open(void)
{
    rbx_config cfg;
    rbx_error err;
    rbx_engine *eng;
    const char *src = getenv("RUNBOX_SRCDIR");
    rbx_config_defaults(&cfg);
    snprintf(cfg.languages_dir, sizeof(cfg.languages_dir), "%s/languages", src ? src : ".");
    snprintf(state_dir, sizeof(state_dir), "/tmp/rbx-engine-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(state_dir));
    ck_assert_int_eq(chmod(state_dir, 0711), 0);
    snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s", state_dir);
    if (rbx_engine_open(&cfg, &eng, &err) != 0)
        ck_abort_msg("engine_open: %s", err.message);
    return eng;
}

const char *rbx_test_engine_state_dir(void)
{
    return state_dir;
}

void rbx_test_engine_close(rbx_engine *eng)
{
    char work[128];
    rbx_engine_close(eng);
    snprintf(work, sizeof(work), "%s/work", state_dir);
    ck_assert_msg(rmdir(work) == 0 || access(work, F_OK) != 0, "a run dir was left in %s", work);
    int fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    rbx_error err;
    static const char *const OWN[] = {"compile-cache", "prebuilt"};
    for (size_t i = 0; fd >= 0 && i < sizeof(OWN) / sizeof(OWN[0]); i++)
        if (faccessat(fd, OWN[i], F_OK, 0) == 0)
            ck_assert_msg(rbx_host_remove_tree(fd, OWN[i], &err) == 0, "%s", err.message);
    if (fd >= 0)
        close(fd);
    rmdir(state_dir);
}

rbx_engine *rbx_test_eng;

static void fixture_open(void)
{
    rbx_test_eng = rbx_test_engine_open();
}

static void fixture_close(void)
{
    rbx_test_engine_close(rbx_test_eng);
    rbx_test_eng = NULL;
}

static char skip_what[64], skip_reason[1024];

START_TEST(test_skipped)
{
    fprintf(stderr, "%s skipped: %s\n", skip_what, skip_reason);
}
END_TEST

bool rbx_test_engine_tcase(TCase *tc, const char *what)
{
    if (!rbx_test_sandbox_usable(skip_reason, sizeof(skip_reason))) {
        snprintf(skip_what, sizeof(skip_what), "%s", what);
        tcase_add_test(tc, test_skipped);
        return false;
    }
    tcase_add_checked_fixture(tc, fixture_open, fixture_close);
    return true;
}

static json_object *run(json_object *body, bool validate)
{
    rbx_request *req;
    rbx_error err;
    json_object *resp = NULL;
    if (rbx_request_parse(rbx_test_eng, body, false, &req, &err) != 0)
        ck_abort_msg("parse: %s (%s)", err.message, err.field);
    int rc = validate ? rbx_engine_validate(rbx_test_eng, req, &resp, &err)
                      : rbx_engine_execute(rbx_test_eng, req, "run-1", &resp, &err);
    ck_assert_msg(rc == 0, "%s: %s", validate ? "validate" : "execute", err.message);
    rbx_request_free(req);
    json_object_put(body);
    return resp;
}

json_object *rbx_test_execute(json_object *body)
{
    return run(body, false);
}

json_object *rbx_test_validate(json_object *body)
{
    return run(body, true);
}
