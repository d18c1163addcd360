/* runboxctl's pieces: the parsed command line and the commands it runs. */
#ifndef RBX_CTL_H
#define RBX_CTL_H

#include <json-c/json.h>
#include <stdbool.h>

#include "common/config.h"
#include "store/store.h"

/* Exit statuses: 1 when the command failed, 2 when the command line was wrong. */
#define CTL_EXIT_FAILED 1
#define CTL_EXIT_USAGE 2

typedef struct ctl_options {
    const char *config_path; /* --config, NULL for the default search */
    bool json;
    const char *user;      /* key create --user */
    int max_age_days;      /* history prune; -1 = from the configuration */
    int max_rows_per_user; /* history prune; -1 = from the configuration */
    const char *words[3];  /* the command: "key" "revoke" "PREFIX" */
    int n_words;
} ctl_options;

/* Each command returns 0, or -1 with err filled. */
int ctl_key_create(rbx_store *store, const ctl_options *opt, rbx_error *err);
int ctl_key_list(rbx_store *store, const ctl_options *opt, rbx_error *err);
int ctl_key_revoke(rbx_store *store, const ctl_options *opt, rbx_error *err);
int ctl_history_prune(rbx_store *store, const rbx_config *cfg, const ctl_options *opt,
                      rbx_error *err);

/* [{id, user, prefix, created_at, revoked, revoked_at}, ...] in the list's
 * order; times are ISO 8601 UTC with milliseconds, revoked_at null while the
 * key is live (ctl/key_json.c). */
json_object *ctl_key_list_json(const rbx_key_list *list);

/* backup's last step: src copied to dest through dest.tmp-PID (new, no
 * symlink followed), synced, then renamed into place. */
int ctl_copy_file(const char *src, const char *dest, rbx_error *err);
void ctl_print_backup(const char *dest, bool json);

#endif
