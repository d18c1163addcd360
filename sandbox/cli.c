/* runbox-sandbox: run one program in a fresh box and print the JSON report
 * (DESIGN.md section 2).
 *
 *   runbox-sandbox [--cpu-ms N] [--wall-ms N] [--memory-kb N] [--processes N]
 *                  [--output-kb N] [--stdin FILE] [--workdir DIR] [--env K=V]...
 *                  -- PROGRAM [ARG...]
 *
 * Exit 0 whenever a report was printed, whatever the program did; 2 with one
 * line on stderr for bad usage; 1 when the box could not run at all. A
 * PROGRAM that cannot be executed inside the box is an outcome of the run: the
 * report says runtime_error with exit_code 127 (no such program) or 126 (not
 * executable, not an executable format) and the reason in message, and the
 * CLI exits with that same status, as a shell would. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/utf8.h"
#include "sandbox/sandbox.h"

#define MAX_ENV 128
#define MAX_STDIN_BYTES (256u * 1024 * 1024)

typedef struct cli_options {
    rbx_sandbox_config cfg;
    const char *stdin_path;
    const char *env[MAX_ENV + 1];
    size_t n_env;
    bool probe;
} cli_options;

static const char *const default_env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/box",
                                          "LANG=C.UTF-8"};

static _Noreturn void usage_error(const char *fmt, const char *arg)
    __attribute__((format(printf, 1, 0)));

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "runbox-sandbox: ");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    fprintf(stderr, fmt, arg);
#pragma GCC diagnostic pop
    fprintf(stderr, " (see runbox-sandbox --help)\n");
    exit(2);
}

static void print_help(void)
{
    printf("usage: runbox-sandbox [--cpu-ms N] [--wall-ms N] [--memory-kb N] [--processes N]\n"
           "                      [--output-kb N] [--cpu-share-milli N] [--tmp-kb N]\n"
           "                      [--box-kb N] [--open-files N] [--file-kb N] [--stdin FILE]\n"
           "                      [--workdir DIR [--no-copy-back]] [--cwd DIR] [--env K=V]...\n"
           "                      -- PROGRAM [ARG...]\n"
           "       runbox-sandbox --probe\n"
           "Runs PROGRAM in a fresh box and prints a JSON report. A limit of 0 means none.\n");
}

/* A non-negative decimal number, whole string, no sign, no overflow. */
static uint64_t parse_limit(const char *name, const char *text)
{
    if (!text[0] || text[0] == '-' || text[0] == '+')
        usage_error("invalid value for %s: expected a non-negative integer", name);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end != '\0' || v > UINT64_MAX / 1024)
        usage_error("invalid value for %s: expected a non-negative integer", name);
    return v;
}

static void set_env(cli_options *o, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        usage_error("invalid --env %s: expected K=V", kv);
    size_t klen = (size_t)(eq - kv) + 1;
    for (size_t i = 0; i < o->n_env; i++) {
        if (strncmp(o->env[i], kv, klen) == 0) {
            o->env[i] = kv;
            return;
        }
    }
    if (o->n_env >= MAX_ENV)
        usage_error("too many --env options%s", "");
    o->env[o->n_env++] = kv;
}

enum {
    OPT_CPU = 256,
    OPT_WALL,
    OPT_MEM,
    OPT_PROC,
    OPT_OUT,
    OPT_STDIN,
    OPT_WORKDIR,
    OPT_ENV,
    OPT_SHARE,
    OPT_TMP,
    OPT_BOX,
    OPT_FILES,
    OPT_FILE_KB,
    OPT_CWD,
    OPT_NO_COPY_BACK,
    OPT_PROBE,
    OPT_HELP
};

static const struct option long_options[] = {
    {"cpu-ms", required_argument, NULL, OPT_CPU},
    {"wall-ms", required_argument, NULL, OPT_WALL},
    {"memory-kb", required_argument, NULL, OPT_MEM},
    {"processes", required_argument, NULL, OPT_PROC},
    {"output-kb", required_argument, NULL, OPT_OUT},
    {"cpu-share-milli", required_argument, NULL, OPT_SHARE},
    {"tmp-kb", required_argument, NULL, OPT_TMP},
    {"box-kb", required_argument, NULL, OPT_BOX},
    {"open-files", required_argument, NULL, OPT_FILES},
    {"file-kb", required_argument, NULL, OPT_FILE_KB},
    {"stdin", required_argument, NULL, OPT_STDIN},
    {"workdir", required_argument, NULL, OPT_WORKDIR},
    {"cwd", required_argument, NULL, OPT_CWD},
    {"no-copy-back", no_argument, NULL, OPT_NO_COPY_BACK},
    {"env", required_argument, NULL, OPT_ENV},
    {"probe", no_argument, NULL, OPT_PROBE},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static void apply_option(cli_options *o, int opt, const char *arg)
{
    rbx_sandbox_limits *l = &o->cfg.limits;
    const char *name = NULL;
    for (const struct option *p = long_options; p->name; p++)
        if (p->val == opt)
            name = p->name;
    switch (opt) {
    case OPT_CPU:
        l->cpu_time_ms = parse_limit(name, arg);
        break;
    case OPT_WALL:
        l->wall_time_ms = parse_limit(name, arg);
        break;
    case OPT_MEM:
        l->memory_kb = parse_limit(name, arg);
        break;
    case OPT_PROC:
        l->processes = parse_limit(name, arg);
        break;
    case OPT_OUT:
        l->output_bytes = parse_limit(name, arg) * 1024;
        break;
    case OPT_TMP:
        l->tmp_size_kb = parse_limit(name, arg);
        break;
    case OPT_BOX:
        l->box_size_kb = parse_limit(name, arg);
        break;
    case OPT_FILES:
        l->open_files = parse_limit(name, arg);
        break;
    case OPT_FILE_KB:
        l->file_size_kb = parse_limit(name, arg);
        break;
    case OPT_SHARE: {
        uint64_t v = parse_limit(name, arg);
        if (v > 1000000)
            usage_error("invalid value for %s: at most 1000000", name);
        l->cpu_share_milli = (uint32_t)v;
        break;
    }
    case OPT_STDIN:
        o->stdin_path = arg;
        break;
    case OPT_WORKDIR:
        o->cfg.workdir = arg;
        break;
    case OPT_CWD:
        if (arg[0] != '/')
            usage_error("invalid --cwd %s: must be an absolute path in the box", arg);
        o->cfg.cwd = arg;
        break;
    case OPT_ENV:
        set_env(o, arg);
        break;
    case OPT_NO_COPY_BACK:
        o->cfg.discard_workdir_changes = true;
        break;
    case OPT_PROBE:
        o->probe = true;
        break;
    }
}

static void parse_args(cli_options *o, int argc, char **argv)
{
    rbx_sandbox_limits *l = &o->cfg.limits;
    /* Defaults: DESIGN.md's API defaults, with room for compilers. */
    l->cpu_time_ms = 5000;
    l->wall_time_ms = 10000;
    l->memory_kb = 262144;
    l->processes = 64;
    l->output_bytes = 64 * 1024;
    for (size_t i = 0; i < sizeof(default_env) / sizeof(default_env[0]); i++)
        o->env[o->n_env++] = default_env[i];
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "+h", long_options, NULL)) != -1) {
        if (opt == 'h' || opt == OPT_HELP) {
            print_help();
            exit(0);
        }
        if (opt == '?') {
            if (optopt)
                usage_error("option needs a value or is unknown: %s", argv[optind - 1]);
            usage_error("unknown option %s", argv[optind - 1]);
        }
        apply_option(o, opt, optarg);
    }
    if (o->probe)
        return;
    if (optind >= argc)
        usage_error("no PROGRAM given%s", "");
    if (!argv[optind][0])
        usage_error("empty PROGRAM%s", "");
    o->cfg.argv = (const char *const *)&argv[optind];
    o->env[o->n_env] = NULL;
    o->cfg.envp = o->env;
}

static char *read_stdin_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rbe");
    if (!f) {
        fprintf(stderr, "runbox-sandbox: cannot read --stdin %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            if (cap >= MAX_STDIN_BYTES)
                break;
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
    }
    bool failed = ferror(f) || !buf || n >= MAX_STDIN_BYTES;
    fclose(f);
    if (failed) {
        fprintf(stderr, "runbox-sandbox: cannot read --stdin %s: %s\n", path,
                n >= MAX_STDIN_BYTES ? "too large" : "read error");
        exit(2);
    }
    *len = n;
    return buf;
}

/* JSON needs UTF-8: invalid bytes become U+FFFD so the report always parses,
 * repaired as the engine's answers are (common/utf8.c). */
static json_object *utf8_string(const char *s, size_t len)
{
    char *out = rbx_utf8_repair(s, len);
    if (!out)
        return json_object_new_string("");
    json_object *j = json_object_new_string(out);
    free(out);
    return j;
}

static void print_report(const rbx_sandbox_result *r)
{
    json_object *j = json_object_new_object();
    json_object_object_add(j, "status", json_object_new_string(rbx_sandbox_status_name(r->status)));
    json_object_object_add(j, "exit_code",
                           r->exit_code >= 0 ? json_object_new_int(r->exit_code) : NULL);
    char sig[32];
    if (r->signal)
        snprintf(sig, sizeof(sig), "SIG%s",
                 sigabbrev_np(r->signal) ? sigabbrev_np(r->signal) : "?");
    json_object_object_add(j, "signal", r->signal ? json_object_new_string(sig) : NULL);
    json_object_object_add(j, "cpu_time_ms", json_object_new_int64((int64_t)r->cpu_time_ms));
    json_object_object_add(j, "wall_time_ms", json_object_new_int64((int64_t)r->wall_time_ms));
    json_object_object_add(j, "memory_kb", json_object_new_int64((int64_t)r->memory_kb));
    json_object_object_add(j, "oom", json_object_new_boolean(r->oom_killed));
    json_object_object_add(j, "stdout", utf8_string(r->stdout_buf, r->stdout_len));
    json_object_object_add(j, "stderr", utf8_string(r->stderr_buf, r->stderr_len));
    json_object_object_add(j, "truncated", json_object_new_boolean(r->truncated));
    json_object_object_add(j, "message", json_object_new_string(r->message));
    puts(
        json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
}

static int run_probe(void)
{
    rbx_sandbox_caps caps;
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_sandbox_probe(&caps, &err);
    json_object *j = json_object_new_object();
    json_object_object_add(j, "userns", json_object_new_boolean(caps.userns));
    json_object_object_add(j, "rootless", json_object_new_boolean(caps.rootless));
    json_object_object_add(j, "cgroup", json_object_new_string(caps.cgroup));
    json_object_object_add(
        j, "limits",
        json_object_new_string(strcmp(caps.cgroup, "none") == 0
                                   ? "rlimits (no cgroup delegated: memory via RLIMIT_DATA, "
                                     "processes via RLIMIT_NPROC, CPU via RLIMIT_CPU)"
                                   : "cgroup"));
    json_object_object_add(j, "cgroup_dir", json_object_new_string(caps.cgroup_dir));
    json_object_object_add(j, "cgroup_controllers",
                           json_object_new_string(caps.cgroup_controllers));
    json_object_object_add(j, "seccomp", json_object_new_boolean(caps.seccomp));
    json_object_object_add(j, "message", json_object_new_string(rc == 0 ? "" : err.message));
    puts(
        json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(j);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    cli_options o;
    memset(&o, 0, sizeof(o));
    parse_args(&o, argc, argv);
    if (o.probe)
        return run_probe();
    char *stdin_data = NULL;
    if (o.stdin_path)
        stdin_data = read_stdin_file(o.stdin_path, &o.cfg.stdin_len);
    o.cfg.stdin_data = stdin_data;
    rbx_sandbox_result r;
    rbx_error err;
    rbx_error_clear(&err);
    if (rbx_sandbox_run(&o.cfg, &r, &err) != 0) {
        fprintf(stderr, "runbox-sandbox: %s\n", err.message);
        free(stdin_data);
        return 1;
    }
    free(stdin_data);
    int status = r.exec_failed ? r.exit_code : 0;
    if (r.exec_failed)
        fprintf(stderr, "runbox-sandbox: %s\n", r.message);
    print_report(&r);
    rbx_sandbox_result_free(&r);
    return status;
}
