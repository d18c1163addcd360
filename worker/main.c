/* runbox-worker: runs the async jobs that POST /execute/async and
 * /execute/batch queued, and delivers their callbacks. See runbox-worker(8). */
#include <curl/curl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "common/config.h"
#include "engine/engine.h"
#include "store/store.h"
#include "worker/daemon.h"

static void usage(FILE *out)
{
    fputs("usage: runbox-worker [--config FILE]\n"
          "Runs queued async jobs and delivers their callbacks until SIGTERM.\n"
          "  -c, --config FILE  configuration file (default: $RUNBOX_CONFIG, else " RBX_SYSCONFDIR
          "/runbox.conf)\n"
          "  -h, --help         this help\n"
          "  -V, --version      print the version\n"
          "RUNBOX_STATE_DIR overrides the configured state_dir.\n",
          out);
}

/* Returns the config path (NULL for the default), or exits on bad usage. */
static const char *parse_args(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            puts("runbox-worker " PACKAGE_VERSION);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "runbox-worker: unexpected argument '%s'\n", argv[optind]);
        exit(2);
    }
    return path;
}

static int open_all(const rbx_config *cfg, rbx_engine **eng, rbx_store **store, rbx_error *err)
{
    char store_path[512];
    rbx_config_store_path(cfg, store_path, sizeof(store_path));
    if (sodium_init() < 0)
        return rbx_error_internal(err, "libsodium failed to initialise");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return rbx_error_internal(err, "libcurl failed to initialise");
    if (rbx_store_open(store_path, store, err) < 0)
        return -1;
    rbx_store_set_history_max(*store, cfg->history_max_kb * 1024);
    return rbx_engine_open(cfg, eng, err);
}

int main(int argc, char **argv)
{
    const char *path = parse_args(argc, argv);
    rbx_config cfg;
    rbx_error err;
    rbx_error_clear(&err);
    rbx_config_defaults(&cfg);
    if (rbx_config_load(&cfg, path, &err) < 0) {
        fprintf(stderr, "runbox-worker: %s\n", err.message);
        return 1;
    }
    rbx_engine *eng = NULL;
    rbx_store *store = NULL;
    rbx_worker w;
    int rc = 1;
    /* Before any job run is forked: they inherit the supervisor leaf. */
    if (rbx_engine_take_cgroup(&err) == 0 && open_all(&cfg, &eng, &store, &err) == 0 &&
        rbx_worker_init(&w, &cfg, eng, store, &err) == 0) {
        rc = rbx_worker_loop(&w, &err) == 0 ? 0 : 1;
        rbx_worker_fini(&w);
    }
    if (rc != 0)
        fprintf(stderr, "runbox-worker: %s\n", err.message);
    rbx_engine_close(eng);
    rbx_store_close(store);
    curl_global_cleanup();
    return rc;
}
