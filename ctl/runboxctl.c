/* runboxctl: the administrator's tool for the store (API keys, history
 * retention). It finds the store through the same configuration as the
 * service: --config, else $RUNBOX_CONFIG or the installed file, with
 * $RUNBOX_STATE_DIR overriding the state dir. */
#include "ctl/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static const char usage_text[] =
    "Usage: runboxctl [--config FILE] [--json] COMMAND\n"
    "\n"
    "Commands:\n"
    "  key create --user NAME     create an API key; the key and its callback signing\n"
    "                             secret are printed once\n"
    "  key list                   list keys (id, prefix, user, created, revoked)\n"
    "  key revoke ID|PREFIX|KEY   revoke a key\n"
    "  backup FILE                a consistent copy of the live store into FILE (a new\n"
    "                             file), safe while the service runs\n"
    "  history prune [--max-age-days N] [--max-rows-per-user N]\n"
    "                             delete runs beyond the retention bounds (default: the\n"
    "                             configuration's [history] section)\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE   configuration file\n"
    "  -j, --json          print results as JSON\n"
    "  -h, --help          show this help\n"
    "  -V, --version       show the version\n"
    "\n"
    "Without --config: $RUNBOX_CONFIG, else %s if it exists.\n"
    "The store is runbox.db in the configured state dir ($RUNBOX_STATE_DIR overrides it),\n"
    "or server.store_url ($RUNBOX_STORE_URL), e.g. a postgresql:// URL.\n";

enum { OPT_MAX_AGE = 256, OPT_MAX_ROWS };

static const struct option long_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"json", no_argument, NULL, 'j'},
    {"user", required_argument, NULL, 'u'},
    {"max-age-days", required_argument, NULL, OPT_MAX_AGE},
    {"max-rows-per-user", required_argument, NULL, OPT_MAX_ROWS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("runboxctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see runboxctl --help)\n", stderr);
    va_end(ap);
    return CTL_EXIT_USAGE;
}

static int parse_count(const char *flag, const char *text, int *out)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < 0 || value > INT_MAX)
        return usage_error("%s wants a whole number of 0 or more, not '%s'", flag, text);
    *out = (int)value;
    return 0;
}

/* Returns 0 to go on, or the exit status (-1 meaning 0: help or version shown). */
static int parse_options(int argc, char **argv, ctl_options *opt)
{
    *opt = (ctl_options){.max_age_days = -1, .max_rows_per_user = -1};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":c:ju:hV", long_options, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'c':
            opt->config_path = optarg;
            break;
        case 'j':
            opt->json = true;
            break;
        case 'u':
            opt->user = optarg;
            break;
        case OPT_MAX_AGE:
            rc = parse_count("--max-age-days", optarg, &opt->max_age_days);
            break;
        case OPT_MAX_ROWS:
            rc = parse_count("--max-rows-per-user", optarg, &opt->max_rows_per_user);
            break;
        case 'h':
            printf(usage_text, rbx_config_default_path());
            return -1;
        case 'V':
            printf("runboxctl %s\n", PACKAGE_VERSION);
            return -1;
        case ':':
            return usage_error("%s needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
        if (rc)
            return rc;
    }
    for (int i = optind; i < argc; i++) {
        if (opt->n_words == 3)
            return usage_error("unexpected argument '%s'", argv[i]);
        opt->words[opt->n_words++] = argv[i];
    }
    return 0;
}

typedef enum {
    CMD_KEY_CREATE,
    CMD_KEY_LIST,
    CMD_KEY_REVOKE,
    CMD_HISTORY_PRUNE,
    CMD_BACKUP
} command;

static bool is_command(const ctl_options *opt, const char *group, const char *verb)
{
    return opt->n_words >= 2 && strcmp(opt->words[0], group) == 0 &&
           strcmp(opt->words[1], verb) == 0;
}

/* Which command the words name, and whether the options fit it. */
static int pick_command(const ctl_options *opt, command *cmd)
{
    if (opt->n_words == 0)
        return usage_error("no command given");
    int want_words = 2;
    if (is_command(opt, "key", "create"))
        *cmd = CMD_KEY_CREATE;
    else if (is_command(opt, "key", "list"))
        *cmd = CMD_KEY_LIST;
    else if (is_command(opt, "key", "revoke"))
        *cmd = CMD_KEY_REVOKE, want_words = 3;
    else if (is_command(opt, "history", "prune"))
        *cmd = CMD_HISTORY_PRUNE;
    else if (strcmp(opt->words[0], "backup") == 0 && opt->n_words >= 2)
        *cmd = CMD_BACKUP;
    else if (strcmp(opt->words[0], "backup") == 0)
        return usage_error("backup needs a FILE to write");
    else if (strcmp(opt->words[0], "key") == 0)
        return usage_error("key wants create, list or revoke");
    else if (strcmp(opt->words[0], "history") == 0)
        return usage_error("history wants prune");
    else
        return usage_error("unknown command '%s'", opt->words[0]);
    if (*cmd == CMD_KEY_REVOKE && opt->n_words < 3)
        return usage_error("key revoke needs a key id, prefix or key");
    if (opt->n_words > want_words)
        return usage_error("unexpected argument '%s'", opt->words[want_words]);
    if (*cmd == CMD_KEY_CREATE && !opt->user)
        return usage_error("key create needs --user NAME");
    if (*cmd != CMD_KEY_CREATE && opt->user)
        return usage_error("--user only goes with key create");
    if (*cmd != CMD_HISTORY_PRUNE && (opt->max_age_days >= 0 || opt->max_rows_per_user >= 0))
        return usage_error("--max-age-days and --max-rows-per-user only go with history prune");
    return 0;
}

/* Run as root against a state dir that belongs to the service's user, act as
 * that user: a database or WAL file created by root would lock the service out.
 * only_effective keeps the way back to root (for backup's last step). */
static int become_state_dir_owner(const char *state_dir, bool only_effective, rbx_error *err)
{
    struct stat st;
    if (stat(state_dir, &st) < 0)
        return rbx_error_errno(err, "state dir %s (set --config or RUNBOX_STATE_DIR)", state_dir);
    if (!S_ISDIR(st.st_mode))
        return rbx_error_internal(err, "state dir %s is not a directory", state_dir);
    if (geteuid() != 0 || st.st_uid == 0)
        return 0;
    if (only_effective) {
        if (setegid(st.st_gid) < 0 || seteuid(st.st_uid) < 0)
            return rbx_error_errno(err, "cannot act as the owner of %s", state_dir);
        return 0;
    }
    if (setgroups(0, NULL) < 0 || setgid(st.st_gid) < 0 || setuid(st.st_uid) < 0)
        return rbx_error_errno(err, "cannot switch to the owner of %s", state_dir);
    return 0;
}

static int open_store(const rbx_config *cfg, rbx_store **store, rbx_error *err)
{
    char path[512];
    rbx_config_store_path(cfg, path, sizeof(path));
    if (rbx_store_open(path, store, err) < 0) {
        rbx_error_prefix(err, "store %s", path);
        return -1;
    }
    return 0;
}

/* FILE is written as the caller, who may write where the store's owner cannot
 * (root into /var/backups); the snapshot is taken as the owner into the state
 * dir first, so that nothing of the store is ever touched as root. */
static int run_backup(const rbx_config *cfg, const ctl_options *opt, rbx_error *err)
{
    const char *dest = opt->words[1];
    uid_t caller_uid = geteuid();
    gid_t caller_gid = getegid();
    if (become_state_dir_owner(cfg->state_dir, true, err) < 0)
        return -1;
    char snapshot[600];
    snprintf(snapshot, sizeof(snapshot), "%s/backup-%ld.db", cfg->state_dir, (long)getpid());
    rbx_store *store;
    int rc = unlink(snapshot) < 0 && errno != ENOENT
                 ? rbx_error_errno(err, "cannot remove an old %s", snapshot)
                 : open_store(cfg, &store, err);
    if (rc == 0) {
        rc = rbx_store_backup(store, snapshot, err);
        rbx_store_close(store);
    }
    if (seteuid(caller_uid) < 0 || setegid(caller_gid) < 0) {
        unlink(snapshot);
        return rbx_error_errno(err, "cannot return to the calling user");
    }
    if (rc == 0)
        rc = ctl_copy_file(snapshot, dest, err);
    if (unlink(snapshot) < 0 && errno != ENOENT && rc == 0)
        rc = rbx_error_errno(err, "cannot remove %s", snapshot);
    if (rc == 0)
        ctl_print_backup(dest, opt->json);
    return rc;
}

static int run_command(command cmd, const rbx_config *cfg, const ctl_options *opt, rbx_error *err)
{
    if (cmd == CMD_BACKUP)
        return run_backup(cfg, opt, err);
    if (become_state_dir_owner(cfg->state_dir, false, err) < 0)
        return -1;
    rbx_store *store;
    if (open_store(cfg, &store, err) < 0)
        return -1;
    int rc;
    switch (cmd) {
    case CMD_KEY_CREATE:
        rc = ctl_key_create(store, opt, err);
        break;
    case CMD_KEY_LIST:
        rc = ctl_key_list(store, opt, err);
        break;
    case CMD_KEY_REVOKE:
        rc = ctl_key_revoke(store, opt, err);
        break;
    default:
        rc = ctl_history_prune(store, cfg, opt, err);
        break;
    }
    rbx_store_close(store);
    return rc;
}

int main(int argc, char **argv)
{
    ctl_options opt;
    int rc = parse_options(argc, argv, &opt);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    command cmd = CMD_KEY_LIST;
    if ((rc = pick_command(&opt, &cmd)) != 0)
        return rc;
    rbx_config cfg;
    rbx_error err;
    rbx_error_clear(&err);
    rbx_config_defaults(&cfg);
    if (rbx_config_load(&cfg, opt.config_path, &err) < 0 ||
        run_command(cmd, &cfg, &opt, &err) < 0) {
        fprintf(stderr, "runboxctl: %s\n", err.message);
        return CTL_EXIT_FAILED;
    }
    return 0;
}
