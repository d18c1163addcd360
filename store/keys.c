/* API keys: random bearer keys, stored only as their SHA-256, each with a
 * signing secret for callbacks. */
#include "store/store_internal.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_RANDOM_BYTES 32
#define SECRET_RANDOM_BYTES 32
#define KEY_PREFIX_LEN 12 /* "rbx_" and 8 characters: 48 random bits, enough to tell keys apart */
#define HASH_HEX_SIZE (crypto_hash_sha256_BYTES * 2 + 1)

_Static_assert(KEY_PREFIX_LEN < sizeof(((rbx_key_info *)0)->prefix), "prefix fits");
_Static_assert(SECRET_RANDOM_BYTES * 2 < sizeof(((rbx_key_info *)0)->signing_secret),
               "secret fits");

static int init_sodium(rbx_error *err)
{
    if (sodium_init() < 0)
        return rbx_error_internal(err, "libsodium failed to initialise");
    return 0;
}

static void hash_key(const char *key, char hex[HASH_HEX_SIZE])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)key, strlen(key));
    sodium_bin2hex(hex, HASH_HEX_SIZE, digest, sizeof(digest));
}

/* "rbx_" + 32 random bytes in unpadded base64url: 47 characters. */
static void generate_key(char *key, size_t keysz)
{
    unsigned char bytes[KEY_RANDOM_BYTES];
    randombytes_buf(bytes, sizeof(bytes));
    memcpy(key, "rbx_", 5);
    sodium_bin2base64(key + 4, keysz - 4, bytes, sizeof(bytes),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(bytes, sizeof(bytes));
}

static void generate_secret(char *hex, size_t hexsz)
{
    unsigned char bytes[SECRET_RANDOM_BYTES];
    randombytes_buf(bytes, sizeof(bytes));
    sodium_bin2hex(hex, hexsz, bytes, sizeof(bytes));
    sodium_memzero(bytes, sizeof(bytes));
}

/* User names end up in logs and tables: printable, no spaces, bounded. */
static int check_user(const char *user, rbx_error *err)
{
    size_t len = user ? strlen(user) : 0;
    if (len == 0 || len >= sizeof(((rbx_key_info *)0)->user))
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "user",
                               "user must be 1 to 127 characters");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)user[i];
        if (!isalnum(c) && !strchr("._@+-", c))
            return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "user",
                                   "user may hold only letters, digits and . _ @ + -");
    }
    return 0;
}

static int insert_key(rbx_store *store, rbx_key_info *info, const char *hash, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "INSERT INTO api_keys (user, prefix, key_hash, signing_secret, "
                          "created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                          &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, info->user);
    rbx_store_bind_text(stmt, 2, info->prefix);
    rbx_store_bind_text(stmt, 3, hash);
    rbx_store_bind_text(stmt, 4, info->signing_secret);
    rbx_stmt_bind_int64(stmt, 5, info->created_at);
    int rc = rbx_stmt_step(stmt);
    if (rc == RBX_STEP_ROW)
        info->id = rbx_stmt_column_int64(stmt, 0);
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_ROW)
        return rbx_store_sql_error(store, err, "storing a key");
    return 0;
}

int rbx_store_key_create(rbx_store *store, const char *user, char *key_out, size_t key_outsz,
                         rbx_key_info *info, rbx_error *err)
{
    if (check_user(user, err) < 0 || init_sodium(err) < 0)
        return -1;
    if (key_outsz < RBX_STORE_KEY_SIZE)
        return rbx_error_internal(err, "key buffer too small");
    memset(info, 0, sizeof(*info));
    generate_key(key_out, key_outsz);
    generate_secret(info->signing_secret, sizeof(info->signing_secret));
    snprintf(info->user, sizeof(info->user), "%s", user);
    snprintf(info->prefix, sizeof(info->prefix), "%.*s", KEY_PREFIX_LEN, key_out);
    info->created_at = (int64_t)time(NULL);
    char hash[HASH_HEX_SIZE];
    hash_key(key_out, hash);
    if (insert_key(store, info, hash, err) < 0) {
        sodium_memzero(key_out, key_outsz);
        return -1;
    }
    return 0;
}

static void read_key_row(rbx_stmt *stmt, rbx_key_info *info)
{
    memset(info, 0, sizeof(*info));
    info->id = rbx_stmt_column_int64(stmt, 0);
    snprintf(info->user, sizeof(info->user), "%s", rbx_stmt_column_text(stmt, 1));
    snprintf(info->prefix, sizeof(info->prefix), "%s", rbx_stmt_column_text(stmt, 2));
    snprintf(info->signing_secret, sizeof(info->signing_secret), "%s",
             rbx_stmt_column_text(stmt, 3));
    info->created_at = rbx_stmt_column_int64(stmt, 4);
    info->revoked = !rbx_stmt_column_null(stmt, 5);
}

#define KEY_COLUMNS "id, user, prefix, signing_secret, created_at, revoked_at"

/* Looked up by the key's hash through the unique index, so no comparison of
 * secrets happens in our code: timing can at most reveal how a guess's hash
 * relates to stored hashes, which does not help find a key (a preimage). */
int rbx_store_key_authenticate(rbx_store *store, const char *key, rbx_key_info *info,
                               rbx_error *err)
{
    if (!key || !*key)
        return rbx_error_raise(err, RBX_ERR_UNAUTHORIZED, NULL, NULL, "missing API key");
    char hash[HASH_HEX_SIZE];
    hash_key(key, hash);
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, "SELECT " KEY_COLUMNS " FROM api_keys WHERE key_hash = ?1", &stmt,
                          err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, hash);
    int rc = rbx_stmt_step(stmt);
    if (rc == RBX_STEP_ROW)
        read_key_row(stmt, info);
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_ROW && rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, "looking up a key");
    if (rc == RBX_STEP_DONE)
        return rbx_error_raise(err, RBX_ERR_UNAUTHORIZED, NULL, NULL, "invalid API key");
    if (info->revoked)
        return rbx_error_raise(err, RBX_ERR_UNAUTHORIZED, NULL, NULL, "API key revoked");
    return 0;
}

int rbx_store_key_get(rbx_store *store, int64_t id, rbx_key_info *info, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, "SELECT " KEY_COLUMNS " FROM api_keys WHERE id = ?1", &stmt, err) <
        0)
        return -1;
    rbx_stmt_bind_int64(stmt, 1, id);
    int rc = rbx_stmt_step(stmt);
    if (rc == RBX_STEP_ROW)
        read_key_row(stmt, info);
    rbx_stmt_finalize(stmt);
    if (rc == RBX_STEP_DONE)
        return rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, NULL, "no key with id %lld",
                               (long long)id);
    if (rc != RBX_STEP_ROW)
        return rbx_store_sql_error(store, err, "reading a key");
    return 0;
}

static bool is_key_id(const char *text)
{
    if (!*text || strlen(text) > 18)
        return false;
    for (const char *p = text; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

/* Revoke every unrevoked key matching one column; *matched counts keys that
 * matched at all, revoked or not, so revoking twice is not an error. `where`
 * is one of revoke_matching's constant conditions; the value is bound. */
static int revoke_where(rbx_store *store, const char *where, const char *value, int64_t *matched,
                        rbx_error *err)
{
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM api_keys WHERE %s", where);
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, sql, &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, value);
    int rc = rbx_stmt_step(stmt);
    *matched = rc == RBX_STEP_ROW ? rbx_stmt_column_int64(stmt, 0) : 0;
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_ROW)
        return rbx_store_sql_error(store, err, "finding a key");
    if (*matched != 1)
        return 0;
    snprintf(sql, sizeof(sql),
             "UPDATE api_keys SET revoked_at = ?2 WHERE revoked_at IS NULL AND %s", where);
    if (rbx_store_prepare(store, sql, &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, value);
    rbx_stmt_bind_int64(stmt, 2, (int64_t)time(NULL));
    rc = rbx_stmt_step(stmt);
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, "revoking a key");
    return 0;
}

/* The argument is a key id (digits), a listed prefix, or the whole key. */
static int revoke_matching(rbx_store *store, const char *arg, int64_t *matched, rbx_error *err)
{
    if (is_key_id(arg))
        return revoke_where(store, "id = CAST(?1 AS INTEGER)", arg, matched, err);
    if (strlen(arg) > KEY_PREFIX_LEN) {
        char hash[HASH_HEX_SIZE];
        hash_key(arg, hash);
        return revoke_where(store, "key_hash = ?1", hash, matched, err);
    }
    return revoke_where(store, "prefix = ?1", arg, matched, err);
}

int rbx_store_key_revoke(rbx_store *store, const char *id_or_prefix, rbx_error *err)
{
    if (!id_or_prefix || !*id_or_prefix)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "key", "no key id or prefix given");
    if (rbx_store_begin_write(store, err) < 0)
        return -1;
    int64_t matched = 0;
    if (revoke_matching(store, id_or_prefix, &matched, err) < 0) {
        rbx_store_rollback(store);
        return -1;
    }
    if (rbx_store_commit(store, err) < 0)
        return -1;
    if (matched == 0)
        return rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, "key", "no key matches %s",
                               id_or_prefix);
    if (matched > 1)
        return rbx_error_raise(err, RBX_ERR_CONFLICT, NULL, "key",
                               "%s matches %lld keys; revoke by id instead", id_or_prefix,
                               (long long)matched);
    return 0;
}

/* Columns: id, user, prefix, created_at, revoked_at (unix seconds). */
static int read_listed_key(rbx_stmt *stmt, rbx_key_row *row, rbx_error *err)
{
    row->id = rbx_stmt_column_int64(stmt, 0);
    row->user = rbx_store_column_dup(stmt, 1);
    row->prefix = rbx_store_column_dup(stmt, 2);
    row->created_at_ms = rbx_stmt_column_int64(stmt, 3) * 1000;
    row->revoked = !rbx_stmt_column_null(stmt, 4);
    row->revoked_at_ms = row->revoked ? rbx_stmt_column_int64(stmt, 4) * 1000 : 0;
    if (!row->user || !row->prefix) /* both NOT NULL: only memory runs out */
        return rbx_error_errno(err, "listing keys");
    return 0;
}

static int add_listed_key(rbx_stmt *stmt, rbx_key_list *list, rbx_error *err)
{
    rbx_key_row *grown = realloc(list->items, (list->n + 1) * sizeof(*grown));
    if (!grown)
        return rbx_error_errno(err, "listing keys");
    list->items = grown;
    memset(&grown[list->n], 0, sizeof(grown[0]));
    /* Counted before it is read, so a half-read row is freed with the list. */
    return read_listed_key(stmt, &grown[list->n++], err);
}

void rbx_key_list_free(rbx_key_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].user);
        free(list->items[i].prefix);
    }
    free(list->items);
    memset(list, 0, sizeof(*list));
}

int rbx_store_key_list(rbx_store *store, rbx_key_list *out, rbx_error *err)
{
    memset(out, 0, sizeof(*out));
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "SELECT id, user, prefix, created_at, revoked_at FROM api_keys "
                          "ORDER BY id",
                          &stmt, err) < 0)
        return -1;
    int rc;
    while ((rc = rbx_stmt_step(stmt)) == RBX_STEP_ROW)
        if (add_listed_key(stmt, out, err) < 0)
            break;
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE) {
        rbx_key_list_free(out);
        return rc == RBX_STEP_ROW ? -1 : rbx_store_sql_error(store, err, "listing keys");
    }
    return 0;
}
