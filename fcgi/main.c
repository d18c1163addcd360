/* runbox-fcgi: the FastCGI pool behind nginx. See docs/runbox-fcgi.8. */
#include "config.h"

#include <errno.h>
#include <fcgiapp.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/config.h"
#include "fcgi/pool.h"
#include "fcgi/serve.h"
#include "engine/engine.h"
#include "sandbox/sandbox.h"

#define LISTEN_BACKLOG 128
#define SD_LISTEN_FDS_START 3

struct options {
    const char *config_path;
    const char *socket_path;
    int workers;
    int check_only;
};

static void usage(FILE *to)
{
    fprintf(to, "usage: runbox-fcgi [--config FILE] [--socket PATH] [--workers N]\n"
                "       runbox-fcgi --check-config [--config FILE]\n"
                "       runbox-fcgi --version | --help\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"socket", required_argument, NULL, 's'},
                                             {"workers", required_argument, NULL, 'w'},
                                             {"check-config", no_argument, NULL, 'k'},
                                             {"version", no_argument, NULL, 'V'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof(*o));
    int c;
    while ((c = getopt_long(argc, argv, "c:s:w:", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->config_path = optarg;
            break;
        case 's':
            o->socket_path = optarg;
            break;
        case 'w': {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 256) {
                fprintf(stderr, "runbox-fcgi: --workers must be from 1 to 256\n");
                return -1;
            }
            o->workers = (int)v;
            break;
        }
        case 'k':
            o->check_only = 1;
            break;
        case 'V':
            printf("runbox-fcgi %s\n", PACKAGE_VERSION);
            exit(0);
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "runbox-fcgi: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

/* The socket systemd passed (LISTEN_FDS for this pid: fd 3, and fd 4 for the
 * read-only routes when it passed two), fd 0 when we were started with a
 * listening socket on stdin (StandardInput=socket, spawn-fcgi), or -1 when we
 * must open our own. */
static int inherited_socket(int *light_fd)
{
    const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
    *light_fd = -1;
    if (fds && pid && atol(pid) == (long)getpid() && atoi(fds) >= 1) {
        if (atoi(fds) >= 2)
            *light_fd = SD_LISTEN_FDS_START + 1;
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDNAMES");
        return SD_LISTEN_FDS_START;
    }
    if (!FCGX_IsCGI())
        return 0;
    return -1;
}

/* A socket file left by a previous run is removed; one that still answers
 * belongs to a live pool, and starting a second one on it is an error. */
static int clear_stale_socket(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISSOCK(st.st_mode)) {
        fprintf(stderr, "runbox-fcgi: %s exists and is not a socket\n", path);
        return -1;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    if (live) {
        fprintf(stderr, "runbox-fcgi: another pool is already listening on %s\n", path);
        return -1;
    }
    return unlink(path);
}

static int open_own_socket(const char *path)
{
    if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        fprintf(stderr, "runbox-fcgi: socket path %s is too long\n", path);
        return -1;
    }
    if (clear_stale_socket(path) < 0)
        return -1;
    int fd = FCGX_OpenSocket(path, LISTEN_BACKLOG);
    if (fd < 0) {
        fprintf(stderr, "runbox-fcgi: cannot listen on %s: %s\n", path, strerror(errno));
        return -1;
    }
    /* nginx's workers run as another user; who may connect is decided by the
     * permissions of the directory holding the socket. */
    if (chmod(path, 0666) < 0) {
        fprintf(stderr, "runbox-fcgi: chmod %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Boxes of a supervisor that was killed (a worker SIGKILLed mid-run, or the
 * whole pool before this start) leave cgroups behind, and their runs leave
 * run dirs with the submission inside; release both. */
static void release_stale_boxes(void *ctx)
{
    const rbx_serve_options *serve = ctx;
    rbx_error err;
    rbx_error_clear(&err);
    if (rbx_sandbox_cleanup_stale(&err) < 0)
        fprintf(stderr, "runbox-fcgi: cleaning up after dead boxes: %s\n", err.message);
    int removed = 0;
    if (rbx_engine_sweep_run_dirs(serve->cfg, &removed, &err) < 0)
        fprintf(stderr, "runbox-fcgi: removing dead runs' dirs: %s\n", err.message);
    else if (removed > 0)
        fprintf(stderr, "runbox-fcgi: removed %d run dirs of dead runs\n", removed);
}

/* After a drain, the workers' boxes built ahead die with them (their init's
 * PR_SET_PDEATHSIG); their cgroups can go once the kernel has ended them. */
static void release_boxes_after_drain(void *ctx)
{
    for (int i = 0; i < 5; i++) {
        release_stale_boxes(ctx);
        usleep(50000);
    }
}

static int load_config(const struct options *o, rbx_config *cfg)
{
    rbx_error err;
    rbx_error_clear(&err);
    rbx_config_defaults(cfg);
    if (rbx_config_load(cfg, o->config_path, &err) < 0) {
        fprintf(stderr, "runbox-fcgi: configuration: %s\n", err.message);
        return -1;
    }
    if (o->socket_path) {
        if (strlen(o->socket_path) >= sizeof(cfg->socket_path)) {
            fprintf(stderr, "runbox-fcgi: --socket path is too long\n");
            return -1;
        }
        snprintf(cfg->socket_path, sizeof(cfg->socket_path), "%s", o->socket_path);
    }
    if (o->workers)
        cfg->workers = o->workers;
    int rc = o->check_only ? rbx_serve_check(cfg, &err) : rbx_serve_preflight(cfg, &err);
    if (rc < 0) {
        fprintf(stderr, "runbox-fcgi: %s\n", err.message);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse_options(argc, argv, &o) < 0)
        return 2;
    rbx_config cfg;
    if (load_config(&o, &cfg) < 0)
        return 1;
    if (o.check_only) {
        printf("runbox-fcgi: configuration OK (state_dir %s, %d workers, %d concurrent runs)\n",
               cfg.state_dir, cfg.workers, rbx_config_concurrent_runs(&cfg));
        return 0;
    }

    int own_socket = 0, light_fd, fd = inherited_socket(&light_fd);
    if (fd < 0) {
        fd = open_own_socket(cfg.socket_path);
        if (fd < 0)
            return 1;
        own_socket = 1;
    }
    fprintf(stderr, "runbox-fcgi %s: listening on %s\n", PACKAGE_VERSION,
            own_socket ? cfg.socket_path : "the inherited socket");
    char light_path[sizeof(cfg.socket_path) + 16] = "";
    if (cfg.light_workers > 0 && light_fd < 0) {
        rbx_config_light_socket(&cfg, light_path, sizeof(light_path));
        if ((light_fd = open_own_socket(light_path)) < 0) {
            close(fd);
            if (own_socket)
                unlink(cfg.socket_path);
            return 1;
        }
        fprintf(stderr, "runbox-fcgi: read-only routes on %s\n", light_path);
    }

    /* Before the workers are forked: they inherit the supervisor leaf. */
    rbx_error err;
    rbx_error_clear(&err);
    if (rbx_sandbox_cgroup_setup(&err) < 0) {
        fprintf(stderr, "runbox-fcgi: %s\n", err.message);
        if (own_socket)
            unlink(cfg.socket_path);
        if (light_path[0])
            unlink(light_path);
        return 1;
    }
    rbx_serve_options serve = {.cfg = &cfg, .listen_fd = fd, .light_listen_fd = light_fd};
    release_stale_boxes(&serve);
    rbx_serve_prebuild_async(&cfg);
    /* Draining may take as long as the longest run: wall time plus its compile. */
    rbx_pool_options pool = {.workers = cfg.workers,
                             .light_workers = light_fd >= 0 ? cfg.light_workers : 0,
                             .light_main = rbx_serve_light_worker,
                             .drain_timeout_ms = (int)(2 * cfg.max.wall_time_ms) + 5000,
                             .worker_main = rbx_serve_worker,
                             .after_worker_death = release_stale_boxes,
                             .ctx = &serve};
    int rc = rbx_pool_run(&pool);
    release_boxes_after_drain(&serve);
    close(fd);
    if (own_socket)
        unlink(cfg.socket_path);
    if (light_fd >= 0)
        close(light_fd);
    if (light_path[0])
        unlink(light_path);
    return rc;
}
