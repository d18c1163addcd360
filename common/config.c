#include "common/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/cidr.h"

#ifndef RBX_SYSCONFDIR
#define RBX_SYSCONFDIR "/etc/runbox"
#endif
#ifndef RBX_PKGDATADIR
#define RBX_PKGDATADIR "/usr/share/runbox"
#endif
#ifndef RBX_LOCALSTATEDIR
#define RBX_LOCALSTATEDIR "/var"
#endif

/* One row per configuration key: the table is the single place that ties a
 * file key to a struct field and its valid range. */
enum key_type {
    KEY_INT,
    KEY_U32,
    KEY_U64,
    KEY_SIZE,
    KEY_STRING,
    KEY_NAME,
    KEY_NETWORKS,
    KEY_ORIGINS
};

struct key_def {
    const char *section;
    const char *name;
    enum key_type type;
    size_t offset;
    size_t size; /* KEY_STRING: buffer size */
    int64_t min, max;
};

#define F(field) offsetof(rbx_config, field)
#define S(field) sizeof(((rbx_config *)0)->field)

static const struct key_def KEYS[] = {
    {"server", "socket", KEY_STRING, F(socket_path), S(socket_path), 0, 0},
    {"server", "workers", KEY_INT, F(workers), 0, 1, 256},
    {"server", "light_socket", KEY_NAME, F(light_socket_path), S(light_socket_path), 0, 0},
    {"server", "light_workers", KEY_INT, F(light_workers), 0, 0, 64},
    {"server", "state_dir", KEY_STRING, F(state_dir), S(state_dir), 0, 0},
    {"server", "compile_cache_mb", KEY_U64, F(compile_cache_mb), 0, 0, 1048576},
    {"server", "store_url", KEY_NAME, F(store_url), S(store_url), 0, 0},
    {"server", "host_name", KEY_NAME, F(host_name), S(host_name), 0, 0},
    {"server", "languages_dir", KEY_STRING, F(languages_dir), S(languages_dir), 0, 0},
    {"server", "max_concurrent_runs", KEY_INT, F(max_concurrent_runs), 0, 0, 4096},
    {"server", "max_runs_per_key", KEY_INT, F(max_runs_per_key), 0, 1, 4096},
    {"server", "queue_wait_ms", KEY_INT, F(queue_wait_ms), 0, 0, 600000},
    {"server", "max_code_kb", KEY_U64, F(max_code_kb), 0, 1, 65536},
    {"server", "max_stdin_kb", KEY_U64, F(max_stdin_kb), 0, 1, 65536},
    {"server", "cors_origins", KEY_ORIGINS, 0, 0, 0, 0},

#define LIMIT_KEY(field, key, unit, lo, hi, def) {"limits", key, KEY_U64, F(max.field), 0, lo, hi},
    RBX_LIMIT_TABLE(LIMIT_KEY)
#undef LIMIT_KEY
        {"limits", "default_cpu_share_milli", KEY_INT, F(default_cpu_share_milli), 0, 10, 64000},
    {"limits", "max_test_cases", KEY_INT, F(max_test_cases), 0, 1, 10000},
    {"limits", "max_grading_wall_ms", KEY_U64, F(max_grading_wall_ms), 0, 100, 3600000},
    {"limits", "max_answer_kb", KEY_U64, F(max_answer_kb), 0, 16, 1024 * 1024},

    {"sandbox", "uid_base", KEY_U32, F(uid_base), 0, 1000, 4000000000LL},
    {"sandbox", "uid_count", KEY_U32, F(uid_count), 0, 1, 65536},
    {"sandbox", "tmp_size_kb", KEY_U64, F(tmp_size_kb), 0, 64, 16 * 1024 * 1024},
    {"sandbox", "box_size_kb", KEY_U64, F(box_size_kb), 0, 64, 16 * 1024 * 1024},
    {"sandbox", "build_ahead", KEY_INT, F(build_ahead), 0, 0, 1},

    {"history", "max_age_days", KEY_INT, F(history_max_age_days), 0, 0, 36500},
    {"history", "max_rows_per_user", KEY_INT, F(history_max_rows_per_user), 0, 0, 100000000},
    {"history", "max_record_kb", KEY_U64, F(history_max_kb), 0, 16, 1024 * 1024},

    {"jobs", "max_queued", KEY_INT, F(jobs_max_queued), 0, 1, 10000000},
    {"jobs", "max_queued_per_key", KEY_INT, F(jobs_max_queued_per_key), 0, 1, 10000000},
    {"jobs", "lease_seconds", KEY_INT, F(jobs_lease_seconds), 0, 5, 86400},
    {"jobs", "poll_interval_ms", KEY_INT, F(jobs_poll_interval_ms), 0, 10, 60000},
    {"jobs", "worker_concurrency", KEY_INT, F(worker_concurrency), 0, 1, 256},

    {"callbacks", "max_attempts", KEY_INT, F(callback_max_attempts), 0, 1, 100},
    {"callbacks", "initial_backoff_ms", KEY_INT, F(callback_initial_backoff_ms), 0, 10, 3600000},
    {"callbacks", "max_backoff_ms", KEY_INT, F(callback_max_backoff_ms), 0, 10, 86400000},
    {"callbacks", "connect_timeout_ms", KEY_INT, F(callback_connect_timeout_ms), 0, 10, 600000},
    {"callbacks", "timeout_ms", KEY_INT, F(callback_timeout_ms), 0, 10, 600000},
    {"callbacks", "concurrency", KEY_INT, F(callback_concurrency), 0, 1, 1024},
    {"callbacks", "per_destination", KEY_INT, F(callback_per_destination), 0, 1, 1024},
    {"callbacks", "max_body_kb", KEY_U64, F(callback_max_body_kb), 0, 16, 1024 * 1024},
    {"callbacks", "allow_networks", KEY_NETWORKS, 0, 0, 0, 0},

    {"dialects", "judge0_user", KEY_NAME, F(judge0_user), S(judge0_user), 0, 0},
    {"dialects", "piston_user", KEY_NAME, F(piston_user), S(piston_user), 0, 0},
};

void rbx_config_defaults(rbx_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->socket_path, sizeof(cfg->socket_path), "/run/runbox/fcgi.sock");
    cfg->workers = 4;
    cfg->light_workers = 2;
    snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s/lib/runbox", RBX_LOCALSTATEDIR);
    snprintf(cfg->languages_dir, sizeof(cfg->languages_dir), "%s/languages", RBX_PKGDATADIR);
    cfg->max_concurrent_runs = 0;
    cfg->max_runs_per_key = 4;
    cfg->queue_wait_ms = 5000;
    cfg->max_code_kb = 50;
    cfg->compile_cache_mb = 512;
    cfg->max_stdin_kb = 1024;

    rbx_limits_default_max(&cfg->max);
    cfg->default_cpu_share_milli = 500;
    cfg->max_test_cases = 100;
    cfg->max_grading_wall_ms = 120000;
    cfg->max_answer_kb = 2048;

    cfg->uid_base = 200000;
    cfg->uid_count = 1024;
    cfg->tmp_size_kb = 64 * 1024;
    cfg->box_size_kb = 64 * 1024;
    cfg->build_ahead = 1;

    cfg->history_max_age_days = 0;
    cfg->history_max_rows_per_user = 0;
    cfg->history_max_kb = 256;

    cfg->jobs_max_queued = 10000;
    cfg->jobs_max_queued_per_key = 500;
    cfg->jobs_lease_seconds = 6;
    cfg->jobs_poll_interval_ms = 1000;
    cfg->worker_concurrency = 2;

    cfg->callback_max_attempts = 8;
    cfg->callback_initial_backoff_ms = 2000;
    cfg->callback_max_backoff_ms = 600000;
    cfg->callback_connect_timeout_ms = 5000;
    cfg->callback_timeout_ms = 10000;
    cfg->callback_concurrency = 32;
    cfg->callback_per_destination = 4;
    cfg->callback_max_body_kb = 1024;
    cfg->n_allow_networks = 0;
}

const char *rbx_config_default_path(void)
{
    return RBX_SYSCONFDIR "/runbox.conf";
}

#define N_KEYS (sizeof(KEYS) / sizeof(KEYS[0]))

size_t rbx_config_key_count(void)
{
    return N_KEYS;
}

void rbx_config_key_at(size_t i, const char **section, const char **name)
{
    *section = i < N_KEYS ? KEYS[i].section : NULL;
    *name = i < N_KEYS ? KEYS[i].name : NULL;
}

struct load_ctx {
    rbx_config *cfg;
    rbx_error *err;
    int failed;
    bool seen[N_KEYS]; /* a key set twice is an error: which one wins is a guess */
};

static int parse_networks(rbx_config *cfg, const char *value, rbx_error *err)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", value);
    cfg->n_allow_networks = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
        if (cfg->n_allow_networks == RBX_MAX_ALLOW_NETWORKS)
            return rbx_error_internal(err, "allow_networks: more than %d networks",
                                      RBX_MAX_ALLOW_NETWORKS);
        if (strlen(tok) >= sizeof(cfg->allow_networks[0]))
            return rbx_error_internal(err, "allow_networks: '%s' is too long", tok);
        rbx_cidr net;
        if (!rbx_cidr_parse(tok, &net))
            return rbx_error_internal(err,
                                      "allow_networks: '%s' is not a network (an IPv4 or IPv6 "
                                      "address with an optional /prefix, e.g. 10.0.0.0/8)",
                                      tok);
        snprintf(cfg->allow_networks[cfg->n_allow_networks++], sizeof(cfg->allow_networks[0]), "%s",
                 tok);
    }
    return 0;
}

/* An origin is what a browser sends: scheme://host[:port], no path, no
 * trailing slash; anything else could never match and is a typo. */
static bool origin_is_valid(const char *o)
{
    if (strcmp(o, "*") == 0)
        return true;
    const char *host = strncmp(o, "https://", 8) == 0  ? o + 8
                       : strncmp(o, "http://", 7) == 0 ? o + 7
                                                       : NULL;
    return host && *host && !strchr(host, '/');
}

static int parse_origins(rbx_config *cfg, const char *value, rbx_error *err)
{
    char buf[4096];
    if (strlen(value) >= sizeof(buf))
        return rbx_error_internal(err, "cors_origins is too long");
    snprintf(buf, sizeof(buf), "%s", value);
    cfg->n_cors_origins = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
        if (cfg->n_cors_origins == RBX_MAX_CORS_ORIGINS)
            return rbx_error_internal(err, "cors_origins: more than %d origins",
                                      RBX_MAX_CORS_ORIGINS);
        if (strlen(tok) >= sizeof(cfg->cors_origins[0]) || !origin_is_valid(tok))
            return rbx_error_internal(err,
                                      "cors_origins: '%s' is not an origin (scheme://host[:port] "
                                      "with no path, e.g. https://app.example.org, or *)",
                                      tok);
        snprintf(cfg->cors_origins[cfg->n_cors_origins++], sizeof(cfg->cors_origins[0]), "%s", tok);
    }
    return 0;
}

static int set_value(rbx_config *cfg, const struct key_def *k, const char *value, rbx_error *err)
{
    char *base = (char *)cfg;
    if (k->type == KEY_STRING) {
        if (strlen(value) >= k->size || value[0] == '\0')
            return rbx_error_internal(err, "%s.%s must be a non-empty path under %zu bytes",
                                      k->section, k->name, k->size);
        snprintf(base + k->offset, k->size, "%s", value);
        return 0;
    }
    if (k->type == KEY_NAME) { /* a name or URL; empty means none */
        if (strlen(value) >= k->size)
            return rbx_error_internal(err, "%s.%s must be under %zu bytes", k->section, k->name,
                                      k->size);
        snprintf(base + k->offset, k->size, "%s", value);
        return 0;
    }
    if (k->type == KEY_NETWORKS)
        return parse_networks(cfg, value, err);
    if (k->type == KEY_ORIGINS)
        return parse_origins(cfg, value, err);

    char *end = NULL;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (errno || end == value || *end != '\0' || v < k->min || v > k->max)
        return rbx_error_internal(err,
                                  "%s.%s = '%s': expected an integer from %" PRId64 " to %" PRId64,
                                  k->section, k->name, value, k->min, k->max);
    switch (k->type) {
    case KEY_INT:
        *(int *)(base + k->offset) = (int)v;
        break;
    case KEY_U32:
        *(uint32_t *)(base + k->offset) = (uint32_t)v;
        break;
    case KEY_U64:
        *(uint64_t *)(base + k->offset) = (uint64_t)v;
        break;
    default:
        break;
    }
    return 0;
}

/* Debian's inih does not pass line numbers to the handler; ini_parse_file()
 * returns the line of the first handler failure instead, which
 * rbx_config_load() puts in front of the handler's message. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *ctx = user;
    if (ctx->failed)
        return 0;
    if (!*section) {
        rbx_error_internal(ctx->err, "key '%s' is outside any [section]", name);
        ctx->failed = 1;
        return 0;
    }
    for (size_t i = 0; i < N_KEYS; i++) {
        if (strcmp(KEYS[i].section, section) == 0 && strcmp(KEYS[i].name, name) == 0) {
            if (ctx->seen[i]) {
                rbx_error_internal(ctx->err, "%s.%s is set more than once", section, name);
                ctx->failed = 1;
                return 0;
            }
            ctx->seen[i] = true;
            if (set_value(ctx->cfg, &KEYS[i], value, ctx->err) < 0) {
                ctx->failed = 1;
                return 0;
            }
            return 1;
        }
    }
    rbx_error_internal(ctx->err, "unknown key '%s' in section [%s]", name, section);
    ctx->failed = 1;
    return 0;
}

static int check_consistency(const rbx_config *cfg, rbx_error *err)
{
    if (cfg->state_dir[0] != '/')
        return rbx_error_internal(err, "server.state_dir must be an absolute path, not '%s'",
                                  cfg->state_dir);
    const char *url = cfg->store_url;
    if (*url && *url != '/' && strncmp(url, "sqlite:///", 10) != 0 &&
        strncmp(url, "postgresql://", 13) != 0 && strncmp(url, "postgres://", 11) != 0)
        return rbx_error_internal(err, "server.store_url must be an absolute path, sqlite:///path "
                                       "or postgresql://user@host:port/db");
    if (cfg->callback_max_backoff_ms < cfg->callback_initial_backoff_ms)
        return rbx_error_internal(err, "callbacks.max_backoff_ms is below initial_backoff_ms");
    return 0;
}

/* inih reports a section header without its ']' only as a line number after
 * the fact, and meanwhile files the keys below it under the previous section,
 * where they read as unknown keys. The headers are checked first so that the
 * message names the real mistake. */
static int check_section_headers(FILE *f, const char *path, rbx_error *err)
{
    char line[1024];
    for (int n = 1; fgets(line, sizeof(line), f); n++) {
        const char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '[')
            continue;
        if (!strchr(p, ']')) {
            line[strcspn(line, "\r\n")] = '\0';
            return rbx_error_internal(err, "%s: line %d: section header '%s' is missing its ']'",
                                      path, n, p);
        }
    }
    if (ferror(f) || fseek(f, 0, SEEK_SET) < 0)
        return rbx_error_errno(err, "cannot read configuration %s", path);
    return 0;
}

int rbx_config_load(rbx_config *cfg, const char *path, rbx_error *err)
{
    if (!path || !*path)
        path = getenv("RUNBOX_CONFIG");
    if ((!path || !*path) && access(rbx_config_default_path(), F_OK) == 0)
        path = rbx_config_default_path();
    if (path && *path) {
        FILE *f = fopen(path, "re");
        if (!f)
            return rbx_error_errno(err, "cannot open configuration %s", path);
        if (check_section_headers(f, path, err) < 0) {
            fclose(f);
            return -1;
        }
        struct load_ctx ctx = {.cfg = cfg, .err = err};
        int rc = ini_parse_file(f, on_key, &ctx);
        fclose(f);
        if (ctx.failed) {
            rbx_error_prefix(err, "%s: line %d", path, rc);
            return -1;
        }
        if (rc != 0)
            return rbx_error_internal(err, "%s: line %d: not valid INI", path, rc);
    }
    const char *state = getenv("RUNBOX_STATE_DIR");
    if (state && *state) {
        if (strlen(state) >= sizeof(cfg->state_dir))
            return rbx_error_internal(err, "RUNBOX_STATE_DIR is too long");
        snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", state);
    }
    const char *url = getenv("RUNBOX_STORE_URL");
    if (url && *url) {
        if (strlen(url) >= sizeof(cfg->store_url))
            return rbx_error_internal(err, "RUNBOX_STORE_URL is too long");
        snprintf(cfg->store_url, sizeof(cfg->store_url), "%s", url);
    }
    return check_consistency(cfg, err);
}

int rbx_config_concurrent_runs(const rbx_config *cfg)
{
    if (cfg->max_concurrent_runs > 0)
        return cfg->max_concurrent_runs;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int rbx_config_runs_per_key(const rbx_config *cfg)
{
    int capacity = rbx_config_concurrent_runs(cfg);
    int share = capacity > 1 ? capacity - 1 : 1;
    return cfg->max_runs_per_key < share ? cfg->max_runs_per_key : share;
}

void rbx_config_light_socket(const rbx_config *cfg, char *out, size_t outsz)
{
    if (cfg->light_socket_path[0]) {
        snprintf(out, outsz, "%s", cfg->light_socket_path);
        return;
    }
    size_t n = strlen(cfg->socket_path);
    bool dot_sock = n > 5 && strcmp(cfg->socket_path + n - 5, ".sock") == 0;
    snprintf(out, outsz, "%.*s-light%s", (int)(dot_sock ? n - 5 : n), cfg->socket_path,
             dot_sock ? ".sock" : "");
}

void rbx_config_store_path(const rbx_config *cfg, char *out, size_t outsz)
{
    if (cfg->store_url[0])
        snprintf(out, outsz, "%s", cfg->store_url);
    else
        snprintf(out, outsz, "%s/runbox.db", cfg->state_dir);
}

void rbx_config_host_name(const rbx_config *cfg, char *out, size_t outsz)
{
    if (cfg->host_name[0] || gethostname(out, outsz) < 0)
        snprintf(out, outsz, "%s", cfg->host_name[0] ? cfg->host_name : "localhost");
    out[outsz - 1] = '\0';
}

bool rbx_config_cors_allows(const rbx_config *cfg, const char *origin)
{
    if (!origin || !*origin)
        return false;
    /* An allowed origin is echoed in a header: nothing that could end it. */
    for (const char *c = origin; *c; c++)
        if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
            return false;
    /* Origins are compared as browsers send them: scheme and host in lower
     * case, so a case-insensitive match is the same origin. */
    for (size_t i = 0; i < cfg->n_cors_origins; i++)
        if (strcmp(cfg->cors_origins[i], "*") == 0 || strcasecmp(cfg->cors_origins[i], origin) == 0)
            return true;
    return false;
}
