/* The service configuration (/etc/runbox/runbox.conf), shared by runbox-fcgi,
 * runbox-worker and runboxctl. The file is INI (parsed by inih); every key is
 * documented in docs/runbox.conf, which is also the installed default file.
 *
 * Load order: compiled-in defaults, then the file, then RUNBOX_STATE_DIR and
 * RUNBOX_STORE_URL from the environment (so tools find a quickstart stack's
 * store). Unknown sections
 * or keys and out-of-range values are errors with the file's line number: a
 * typo must not silently fall back to a default. */
#ifndef RBX_COMMON_CONFIG_H
#define RBX_COMMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/limits.h"

#define RBX_MAX_ALLOW_NETWORKS 16
#define RBX_MAX_CORS_ORIGINS 16

typedef struct rbx_config {
    /* [server] */
    char socket_path[256];       /* FastCGI unix socket (ignored when systemd passes fd 0) */
    int workers;                 /* pre-forked FastCGI processes */
    char light_socket_path[256]; /* the read-only routes' socket ("" = beside socket_path) */
    int light_workers;           /* processes serving it, never taking a sandbox; 0 = none */
    char state_dir[256];         /* SQLite store, per-run work dirs */
    char store_url[512];         /* "" = SQLite in state_dir; sqlite:///path or postgresql://... */
    char host_name[64];          /* this host in /health and job leases; "" = gethostname() */
    char languages_dir[256];     /* one definition file per language */
    int max_concurrent_runs;     /* sandboxes at once across the host; 0 = number of cores */
    int max_runs_per_key;        /* concurrent runs of one API key (429 past it) */
    int queue_wait_ms;           /* how long a request waits for a sandbox slot before 503 */
    uint64_t max_code_kb;        /* code plus files, decoded */
    uint64_t max_stdin_kb;
    uint64_t compile_cache_mb; /* cap of state_dir/compile-cache; 0 = no compile cache */
    /* Origins ("https://app.example.org", or "*" for any) whose browser pages
     * may call the API across origins (CORS, fcgi/cors.c); none by default. */
    size_t n_cors_origins;
    char cors_origins[RBX_MAX_CORS_ORIGINS][128];

    /* [limits]: the ceiling any request may ask for (beyond it: 422) */
    rbx_limits max;
    int default_cpu_share_milli; /* cpu.max share of one core, 500 = 0.5 */
    int max_test_cases;
    uint64_t max_grading_wall_ms; /* all test cases of one request together */
    uint64_t max_answer_kb;       /* one request's whole answer (all cases' outputs) */

    /* [sandbox] */
    uint32_t uid_base;    /* first host uid of the box range when running as root */
    uint32_t uid_count;   /* how many boxes may run at once under distinct uids */
    int build_ahead;      /* 1: each process keeps the next box built while a program runs */
    uint64_t tmp_size_kb; /* size of the box's /tmp tmpfs */
    uint64_t box_size_kb; /* size of the box's /box tmpfs */

    /* [history] */
    int history_max_age_days;      /* 0 = keep forever */
    int history_max_rows_per_user; /* 0 = unlimited */
    uint64_t history_max_kb;       /* the stored answer of one record; the rest cut, marked */

    /* [jobs] */
    int jobs_max_queued;
    int jobs_max_queued_per_key; /* one key's share of the queue (waiting or running) */
    int jobs_lease_seconds;
    int jobs_poll_interval_ms;
    int worker_concurrency; /* jobs one runbox-worker runs at once */

    /* [callbacks] */
    int callback_max_attempts;
    int callback_initial_backoff_ms;
    int callback_max_backoff_ms;
    int callback_connect_timeout_ms;
    int callback_timeout_ms;
    int callback_concurrency;      /* attempts in flight at once, per worker */
    int callback_per_destination;  /* of them to one host:port */
    uint64_t callback_max_body_kb; /* one callback's body; the rest cut, marked */
    size_t n_allow_networks;
    char allow_networks[RBX_MAX_ALLOW_NETWORKS]
                       [64]; /* CIDRs callbacks may reach despite the private-address rule */

    /* [dialects]: the user key-less requests of a dialect run as; "" = a key is required */
    char judge0_user[128];
    char piston_user[128];
} rbx_config;

/* Compiled-in defaults (DESIGN.md section 3: 128 MB, 10 s wall / 30 s max, 10 KB output, 50 KB
 * code). */
void rbx_config_defaults(rbx_config *cfg);

/* Load path over the defaults. path NULL: $RUNBOX_CONFIG, else the installed
 * default file if it exists, else defaults only. Applies RUNBOX_STATE_DIR. */
int rbx_config_load(rbx_config *cfg, const char *path, rbx_error *err);

/* Default path of the configuration file (sysconfdir/runbox/runbox.conf). */
const char *rbx_config_default_path(void);

/* Effective concurrency cap: max_concurrent_runs, or the number of online cores. */
int rbx_config_concurrent_runs(const rbx_config *cfg);

/* This host's name: host_name, else the kernel's host name. */
void rbx_config_host_name(const rbx_config *cfg, char *out, size_t outsz);
/* Effective per-key cap: max_runs_per_key, but never all of the sandboxes
 * (capacity - 1 when the capacity is 2 or more), so that one key cannot hold
 * every sandbox while another key waits. */
int rbx_config_runs_per_key(const rbx_config *cfg);

/* The read-only routes' socket: light_socket, else socket_path with
 * "-light" before its ".sock" (/run/runbox/fcgi-light.sock by default). */
void rbx_config_light_socket(const rbx_config *cfg, char *out, size_t outsz);

/* The keys of the file, in the order of common/config.c's table: how many,
 * and the section and name of the i-th (for the documentation's test). */
size_t rbx_config_key_count(void);
void rbx_config_key_at(size_t i, const char **section, const char **name);

/* Is origin (a request's Origin header) one of cors_origins? */
bool rbx_config_cors_allows(const rbx_config *cfg, const char *origin);

/* Where the store is, for rbx_store_open: store_url when set, else the
 * SQLite file inside state_dir. */
void rbx_config_store_path(const rbx_config *cfg, char *out, size_t outsz);

#endif
