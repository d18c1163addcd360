/* The commands of runboxctl: each runs against an open store and prints its
 * result, human-readable or as JSON with --json. */
#include "ctl/ctl.h"

#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/io.h"

static void print_json(json_object *obj)
{
    puts(json_object_to_json_string_ext(obj,
                                        JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* The one timestamp format (common/clock.h), as the key list writes it. */
static void format_time(int64_t unix_seconds, char *out, size_t outsz)
{
    rbx_clock_iso8601(unix_seconds * 1000, out, outsz);
}

static void print_created_key(const char *key, const rbx_key_info *info, bool json)
{
    char created[32];
    format_time(info->created_at, created, sizeof(created));
    if (json) {
        json_object *obj = json_object_new_object();
        json_object_object_add(obj, "id", json_object_new_int64(info->id));
        json_object_object_add(obj, "user", json_object_new_string(info->user));
        json_object_object_add(obj, "prefix", json_object_new_string(info->prefix));
        json_object_object_add(obj, "key", json_object_new_string(key));
        json_object_object_add(obj, "signing_secret", json_object_new_string(info->signing_secret));
        json_object_object_add(obj, "created_at", json_object_new_string(created));
        print_json(obj);
        json_object_put(obj);
        return;
    }
    printf("Created key %lld for user %s.\n", (long long)info->id, info->user);
    printf("key:            %s\n", key);
    printf("signing secret: %s\n", info->signing_secret);
    fprintf(stderr, "Both are shown only now: store them safely.\n");
}

int ctl_key_create(rbx_store *store, const ctl_options *opt, rbx_error *err)
{
    char key[RBX_STORE_KEY_SIZE];
    rbx_key_info info;
    if (rbx_store_key_create(store, opt->user, key, sizeof(key), &info, err) < 0)
        return -1;
    print_created_key(key, &info, opt->json);
    sodium_memzero(key, sizeof(key));
    sodium_memzero(info.signing_secret, sizeof(info.signing_secret));
    return 0;
}

/* The table's times as the JSON writes them; "-" for a key not revoked. */
static void print_key_row(const rbx_key_row *k)
{
    char id[24], created[RBX_ISO8601_SIZE], revoked[RBX_ISO8601_SIZE] = "-";
    snprintf(id, sizeof(id), "%lld", (long long)k->id);
    rbx_clock_iso8601(k->created_at_ms, created, sizeof(created));
    if (k->revoked)
        rbx_clock_iso8601(k->revoked_at_ms, revoked, sizeof(revoked));
    printf("%-6s %-13s %-24s %-21s %s\n", id, k->prefix ? k->prefix : "-", k->user ? k->user : "-",
           created, revoked);
}

static void print_key_table(const rbx_key_list *list)
{
    if (list->n == 0) {
        puts("No keys.");
        return;
    }
    printf("%-6s %-13s %-24s %-21s %s\n", "ID", "PREFIX", "USER", "CREATED", "REVOKED");
    for (size_t i = 0; i < list->n; i++)
        print_key_row(&list->items[i]);
}

int ctl_key_list(rbx_store *store, const ctl_options *opt, rbx_error *err)
{
    rbx_key_list list;
    if (rbx_store_key_list(store, &list, err) < 0)
        return -1;
    if (opt->json) {
        json_object *doc = ctl_key_list_json(&list);
        print_json(doc);
        json_object_put(doc);
    } else {
        print_key_table(&list);
    }
    rbx_key_list_free(&list);
    return 0;
}

int ctl_key_revoke(rbx_store *store, const ctl_options *opt, rbx_error *err)
{
    const char *which = opt->words[2];
    if (rbx_store_key_revoke(store, which, err) < 0)
        return -1;
    if (opt->json) {
        json_object *obj = json_object_new_object();
        json_object_object_add(obj, "revoked", json_object_new_string(which));
        print_json(obj);
        json_object_put(obj);
    } else {
        printf("Revoked key %s.\n", which);
    }
    return 0;
}

static void print_prune(int64_t removed, int max_age_days, int max_rows, bool json)
{
    if (json) {
        json_object *obj = json_object_new_object();
        json_object_object_add(obj, "removed", json_object_new_int64(removed));
        json_object_object_add(obj, "max_age_days", json_object_new_int(max_age_days));
        json_object_object_add(obj, "max_rows_per_user", json_object_new_int(max_rows));
        print_json(obj);
        json_object_put(obj);
        return;
    }
    if (max_age_days == 0 && max_rows == 0) {
        puts("Nothing pruned: no retention bound is set (see [history] in the configuration, "
             "--max-age-days, --max-rows-per-user).");
        return;
    }
    printf("Removed %lld run%s", (long long)removed, removed == 1 ? "" : "s");
    if (max_age_days > 0)
        printf(" older than %d day%s", max_age_days, max_age_days == 1 ? "" : "s");
    if (max_age_days > 0 && max_rows > 0)
        printf(" or");
    if (max_rows > 0)
        printf(" beyond the newest %d per user", max_rows);
    puts(".");
}

int ctl_history_prune(rbx_store *store, const rbx_config *cfg, const ctl_options *opt,
                      rbx_error *err)
{
    int max_age = opt->max_age_days >= 0 ? opt->max_age_days : cfg->history_max_age_days;
    int max_rows =
        opt->max_rows_per_user >= 0 ? opt->max_rows_per_user : cfg->history_max_rows_per_user;
    int64_t removed = 0;
    if (rbx_store_history_prune(store, max_age, max_rows, &removed, err) < 0)
        return -1;
    print_prune(removed, max_age, max_rows, opt->json);
    return 0;
}

int ctl_copy_file(const char *src, const char *dest, rbx_error *err)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", dest, (long)getpid()) >= sizeof(tmp))
        return rbx_error_internal(err, "backup path %s is too long", dest);
    int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return rbx_error_errno(err, "cannot read %s", src);
    int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return rbx_error_errno(err, "cannot create %s", tmp);
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (rbx_write_all(out, buf, (size_t)n) < 0) {
            rc = rbx_error_errno(err, "cannot write %s", tmp);
            break;
        }
    if (rc == 0 && n < 0)
        rc = rbx_error_errno(err, "cannot read %s", src);
    if (rc == 0 && fsync(out) < 0)
        rc = rbx_error_errno(err, "cannot sync %s", tmp);
    if (close(out) < 0 && rc == 0)
        rc = rbx_error_errno(err, "cannot write %s", tmp);
    close(in);
    if (rc == 0 && rename(tmp, dest) < 0)
        rc = rbx_error_errno(err, "cannot rename %s to %s", tmp, dest);
    if (rc < 0)
        unlink(tmp);
    return rc;
}

void ctl_print_backup(const char *dest, bool json)
{
    if (json) {
        json_object *obj = json_object_new_object();
        json_object_object_add(obj, "backup", json_object_new_string(dest));
        print_json(obj);
        json_object_put(obj);
        return;
    }
    printf("Backed up the store to %s.\n", dest);
}
