#include "fcgi/serve.h"

#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/slots.h"
#include "engine/language.h"
#include "fcgi/cors.h"
#include "fcgi/router.h"
#include "fcgi/service.h"

/* SIGTERM while idle (blocked in accept) ends the worker at once: nothing is
 * in flight. While a request is being answered it only asks the loop to stop
 * after this request, which is what draining means. */
static volatile sig_atomic_t busy;
static volatile sig_atomic_t stop_requested;

static void on_sigterm(int sig)
{
    (void)sig;
    stop_requested = 1;
    if (!busy)
        _exit(0);
}

static int install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigterm;
    /* Restart: a request being drained must not see EINTR in the middle of a run. */
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
        return -1;
    sa.sa_flags = 0;
    sa.sa_handler = SIG_IGN; /* a client gone mid-answer is an error return, not death */
    if (sigaction(SIGPIPE, &sa, NULL) < 0)
        return -1;
    sa.sa_handler = SIG_DFL; /* the sandbox waits for its own children */
    return sigaction(SIGCHLD, &sa, NULL);
}

static int open_service(const rbx_config *cfg, rbx_service *svc, rbx_error *err)
{
    memset(svc, 0, sizeof(*svc));
    svc->cfg = cfg;
    svc->queue_wait_left_ms = cfg->queue_wait_ms;
    if ((size_t)snprintf(svc->slots_dir, sizeof(svc->slots_dir), "%s/slots", cfg->state_dir) >=
        sizeof(svc->slots_dir))
        return rbx_error_internal(err, "state_dir is too long");
    if (rbx_slots_prepare(svc->slots_dir, err) < 0)
        return -1;
    char db[PATH_MAX];
    rbx_config_store_path(cfg, db, sizeof(db));
    if (rbx_store_open(db, &svc->store, err) < 0) {
        rbx_error_prefix(err, "store %s", db);
        return -1;
    }
    rbx_store_set_history_max(svc->store, cfg->history_max_kb * 1024);
    /* Without the counters the service still serves: /metrics then shows zeros. */
    rbx_error merr;
    if (rbx_metrics_open(&svc->metrics, cfg->state_dir, &merr) < 0)
        fprintf(stderr, "runbox-fcgi[%d]: metrics: %s\n", (int)getpid(), merr.message);
    if (rbx_engine_open(cfg, &svc->engine, err) < 0) {
        rbx_error_prefix(err, "engine");
        rbx_store_close(svc->store);
        svc->store = NULL;
        return -1;
    }
    return 0;
}

static void close_service(rbx_service *svc)
{
    rbx_metrics_close(&svc->metrics);
    rbx_engine_close(svc->engine);
    rbx_store_close(svc->store);
    svc->engine = NULL;
    svc->store = NULL;
}

int rbx_serve_check(const rbx_config *cfg, rbx_error *err)
{
    struct stat st;
    if (stat(cfg->state_dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return rbx_error_internal(err, "state_dir %s is not a directory", cfg->state_dir);
        if (access(cfg->state_dir, R_OK | W_OK | X_OK) < 0)
            return rbx_error_errno(err, "state_dir %s", cfg->state_dir);
    } else if (errno != ENOENT) {
        return rbx_error_errno(err, "state_dir %s", cfg->state_dir);
    }
    char db[PATH_MAX];
    rbx_config_store_path(cfg, db, sizeof(db));
    if (access(db, F_OK) == 0 && access(db, R_OK | W_OK) < 0)
        return rbx_error_errno(err, "store %s", db);
    /* The language definitions, not the engine: opening the engine prepares
     * the sandbox's run dir, which is the service user's to create. */
    rbx_language_set langs = {0};
    if (rbx_languages_load_dir(cfg->languages_dir, &langs, err) < 0) {
        rbx_error_prefix(err, "languages");
        return -1;
    }
    rbx_languages_free(&langs);
    return 0;
}

int rbx_serve_preflight(const rbx_config *cfg, rbx_error *err)
{
    if (mkdir(cfg->state_dir, 0750) < 0 && errno != EEXIST)
        return rbx_error_errno(err, "cannot create state_dir %s", cfg->state_dir);
    rbx_service svc;
    if (open_service(cfg, &svc, err) < 0)
        return -1;
    close_service(&svc);
    return 0;
}

void rbx_serve_prebuild_async(const rbx_config *cfg)
{
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "runbox-fcgi: cannot start the prebuild: %s\n", strerror(errno));
        return;
    }
    if (pid > 0)
        return;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    rbx_error err;
    rbx_engine *eng;
    int rc = rbx_engine_open(cfg, &eng, &err);
    if (rc == 0) {
        rc = rbx_engine_prebuild(eng, &err);
        rbx_engine_close(eng);
    }
    if (rc < 0)
        fprintf(stderr, "runbox-fcgi: prebuild: %s\n", err.message);
    _exit(rc < 0 ? 1 : 0);
}

/* rbx_body_reader over the FastCGI input stream. */
static int read_fcgi_body(void *ctx, size_t cap, char **body, size_t *len, rbx_error *err)
{
    FCGX_Stream *in = ctx;
    size_t size = 0, alloc = 8192;
    char *buf = malloc(alloc);
    if (!buf)
        return rbx_error_internal(err, "out of memory");
    for (;;) {
        if (size == alloc) {
            alloc *= 2;
            char *bigger = realloc(buf, alloc);
            if (!bigger) {
                free(buf);
                return rbx_error_internal(err, "out of memory");
            }
            buf = bigger;
        }
        int got = FCGX_GetStr(buf + size, (int)(alloc - size), in);
        if (got <= 0)
            break;
        size += (size_t)got;
        if (size > cap) {
            free(buf);
            return rbx_error_raise(err, RBX_ERR_TOO_LARGE, NULL, NULL, "the body is over %zu bytes",
                                   cap);
        }
    }
    *body = buf;
    *len = size;
    return 0;
}

static void write_reply(FCGX_Stream *out, const rbx_config *cfg, const rbx_http_request *http,
                        const rbx_reply *reply)
{
    FCGX_FPrintF(out, "Status: %d %s\r\n", reply->status, rbx_http_reason(reply->status));
    FCGX_FPrintF(out, "X-Request-Id: %s\r\n", http->request_id);
    char cors[768];
    rbx_cors_headers(cfg, http, reply->preflight, reply->allow, cors, sizeof(cors));
    FCGX_PutS(cors, out);
    if (reply->location[0])
        FCGX_FPrintF(out, "Location: %s\r\n", reply->location);
    if (reply->allow[0] && reply->status == 405)
        FCGX_FPrintF(out, "Allow: %s\r\n", reply->allow);
    if (reply->retry_after > 0)
        FCGX_FPrintF(out, "Retry-After: %d\r\n", reply->retry_after);
    if (reply->status == 401)
        FCGX_FPrintF(out, "WWW-Authenticate: Bearer realm=\"runbox\"\r\n");
    FCGX_FPrintF(out, "Cache-Control: no-store\r\n");
    if (reply->text) {
        FCGX_FPrintF(out, "Content-Type: %s\r\n\r\n", reply->content_type);
        if (strcmp(http->method, "HEAD") != 0)
            FCGX_PutStr(reply->text, (int)reply->text_len, out);
        return;
    }
    if (!reply->body) {
        FCGX_FPrintF(out, "\r\n");
        return;
    }
    FCGX_FPrintF(out, "Content-Type: application/json; charset=utf-8\r\n\r\n");
    if (strcmp(http->method, "HEAD") == 0)
        return;
    size_t len = 0;
    const char *text = json_object_to_json_string_length(
        reply->body, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    FCGX_PutStr(text, (int)len, out);
    FCGX_PutChar('\n', out);
}

/* One line per request, to stderr (the journal under systemd, log/fcgi.log
 * in the quickstart stack): when, which request (nginx's id), who (the key's
 * prefix and user, never the key), what (route, language, verdict) and how it
 * ended (status, time in ms; the error code of a refusal). */
static void log_request(const rbx_http_request *http, const rbx_reply *reply, int64_t at_ms,
                        uint64_t ms)
{
    char when[RBX_ISO8601_SIZE];
    rbx_clock_iso8601(at_ms, when, sizeof(when));
    const char *message = "";
    if (reply->status >= 500 && reply->body) {
        json_object *e = json_object_object_get(reply->body, "error");
        json_object *m = e ? json_object_object_get(e, "message") : NULL;
        message = m ? json_object_get_string(m) : "";
    }
    fprintf(stderr,
            "%s runbox-fcgi[%d] request=%s key=%s user=%s route=\"%s\" path=%s language=%s "
            "verdict=%s status=%d ms=%llu%s%s%s%s\n",
            when, (int)getpid(), http->request_id, reply->key_prefix[0] ? reply->key_prefix : "-",
            reply->user[0] ? reply->user : "-", reply->route[0] ? reply->route : "-", http->path,
            reply->language[0] ? reply->language : "-", reply->verdict[0] ? reply->verdict : "-",
            reply->status, (unsigned long long)ms, reply->error_code[0] ? " error=" : "",
            reply->error_code, message[0] ? " message=" : "", message);
}

static void answer(rbx_service *svc, FCGX_Request *fr)
{
    int64_t at_ms = rbx_clock_unix_ms();
    rbx_http_request http;
    rbx_http_request_init(&http, fr->envp);
    rbx_reply reply;
    rbx_route_dispatch(svc, &http, read_fcgi_body, fr->in, &reply);
    write_reply(fr->out, svc->cfg, &http, &reply);
    /* From nginx's arrival when it says (the wait for a worker included). */
    int64_t now = rbx_clock_unix_ms(), from = http.start_ms > 0 ? http.start_ms : at_ms;
    uint64_t ms = now > from ? (uint64_t)(now - from) : 0;
    log_request(&http, &reply, at_ms, ms);
    rbx_metrics_count_request(&svc->metrics, reply.route[0] ? reply.route : "unknown", reply.status,
                              ms, reply.error_code);
    json_object_put(reply.body);
    free(reply.text);
}

static int serve(const rbx_config *cfg, int listen_fd, bool light)
{
    if (install_signals() < 0) {
        perror("runbox-fcgi: sigaction");
        return 1;
    }
    rbx_service svc;
    rbx_error err;
    if (open_service(cfg, &svc, &err) < 0) {
        fprintf(stderr, "runbox-fcgi[%d]: %s\n", (int)getpid(), err.message);
        return 1;
    }
    svc.light = light;
    FCGX_Request fr;
    if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
        fprintf(stderr, "runbox-fcgi[%d]: cannot initialise libfcgi\n", (int)getpid());
        close_service(&svc);
        return 1;
    }
    while (!stop_requested) {
        if (FCGX_Accept_r(&fr) < 0) {
            if (stop_requested)
                break;
            /* A client that went away before we read it; pause so that a
             * socket that keeps failing cannot turn this into a busy loop. */
            usleep(10000);
            continue;
        }
        busy = 1;
        if (svc.engine)
            rbx_engine_watch_client(svc.engine, fr.ipcFd);
        answer(&svc, &fr);
        if (svc.engine)
            rbx_engine_watch_client(svc.engine, -1);
        FCGX_Finish_r(&fr);
        if (!light)
            rbx_engine_idle(svc.engine);
        busy = 0;
    }
    FCGX_Free(&fr, 1);
    close_service(&svc);
    return 0;
}

int rbx_serve_worker(void *ctx)
{
    const rbx_serve_options *opt = ctx;
    if (opt->light_listen_fd >= 0)
        close(opt->light_listen_fd);
    return serve(opt->cfg, opt->listen_fd, false);
}

int rbx_serve_light_worker(void *ctx)
{
    const rbx_serve_options *opt = ctx;
    close(opt->listen_fd);
    return serve(opt->cfg, opt->light_listen_fd, true);
}
