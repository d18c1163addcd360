/* Unit tests for API keys: create, authenticate, revoke, list, and that only
 * a hash of the key ever reaches the disk. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/store/fixture.h"

static fixture fx;

static void setup(void)
{
    fixture_open(&fx);
}

static void teardown(void)
{
    fixture_close(&fx);
}

static void create_key(const char *user, char key[RBX_STORE_KEY_SIZE], rbx_key_info *info)
{
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_store_key_create(fx.store, user, key, RBX_STORE_KEY_SIZE, info, &err);
    ck_assert_msg(rc == 0, "key_create: %s", err.message);
}

START_TEST(test_create_then_authenticate)
{
    char key[RBX_STORE_KEY_SIZE];
    rbx_key_info made, found;
    create_key("alice", key, &made);
    ck_assert_int_eq(strncmp(key, "rbx_", 4), 0);
    ck_assert_uint_eq(strlen(key), 47);
    ck_assert_uint_eq(strlen(made.signing_secret), 64);
    ck_assert_int_eq(strncmp(made.prefix, key, strlen(made.prefix)), 0);

    rbx_error err;
    ck_assert_int_eq(rbx_store_key_authenticate(fx.store, key, &found, &err), 0);
    ck_assert_int_eq(found.id, made.id);
    ck_assert_str_eq(found.user, "alice");
    ck_assert_str_eq(found.signing_secret, made.signing_secret);
    ck_assert(!found.revoked);
}
END_TEST

START_TEST(test_two_keys_differ)
{
    char a[RBX_STORE_KEY_SIZE], b[RBX_STORE_KEY_SIZE];
    rbx_key_info ia, ib;
    create_key("alice", a, &ia);
    create_key("alice", b, &ib);
    ck_assert_str_ne(a, b);
    ck_assert_str_ne(ia.signing_secret, ib.signing_secret);
    ck_assert_int_ne(ia.id, ib.id);
}
END_TEST

START_TEST(test_unknown_and_missing_keys_are_401)
{
    char key[RBX_STORE_KEY_SIZE];
    rbx_key_info info;
    create_key("alice", key, &info);
    key[10] = key[10] == 'A' ? 'B' : 'A';
    rbx_error err;
    ck_assert_int_eq(rbx_store_key_authenticate(fx.store, key, &info, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_UNAUTHORIZED);
    ck_assert_str_eq(err.code, "unauthorized");
    ck_assert_int_eq(rbx_store_key_authenticate(fx.store, "", &info, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_UNAUTHORIZED);
    ck_assert_int_eq(rbx_store_key_authenticate(fx.store, NULL, &info, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_UNAUTHORIZED);
}
END_TEST

START_TEST(test_bad_user_names_refused)
{
    char key[RBX_STORE_KEY_SIZE];
    rbx_key_info info;
    rbx_error err;
    const char *bad[] = {"", "two words", "semi;colon", "quote'"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(rbx_store_key_create(fx.store, bad[i], key, sizeof(key), &info, &err), -1);
        ck_assert_int_eq(err.kind, RBX_ERR_INVALID);
        ck_assert_str_eq(err.field, "user");
    }
    char long_name[200];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    ck_assert_int_eq(rbx_store_key_create(fx.store, long_name, key, sizeof(key), &info, &err), -1);
    ck_assert_int_eq(rbx_store_key_create(fx.store, "ok.user-1@x", key, sizeof(key), &info, &err),
                     0);
}
END_TEST

static void assert_revoked(const char *key)
{
    rbx_key_info info;
    rbx_error err;
    ck_assert_int_eq(rbx_store_key_authenticate(fx.store, key, &info, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_UNAUTHORIZED);
    ck_assert_str_eq(err.code, "unauthorized");
}

START_TEST(test_revoke_by_id_prefix_and_key)
{
    char k1[RBX_STORE_KEY_SIZE], k2[RBX_STORE_KEY_SIZE], k3[RBX_STORE_KEY_SIZE];
    rbx_key_info i1, i2, i3;
    create_key("alice", k1, &i1);
    create_key("alice", k2, &i2);
    create_key("bob", k3, &i3);
    rbx_error err;
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)i1.id);
    ck_assert_int_eq(rbx_store_key_revoke(fx.store, id, &err), 0);
    assert_revoked(k1);
    ck_assert_int_eq(rbx_store_key_revoke(fx.store, i2.prefix, &err), 0);
    assert_revoked(k2);
    rbx_key_info still;
    ck_assert_int_eq(rbx_store_key_authenticate(fx.store, k3, &still, &err), 0);
    ck_assert_int_eq(rbx_store_key_revoke(fx.store, k3, &err), 0);
    assert_revoked(k3);
    /* Revoking again is not an error; the key stays readable by id. */
    ck_assert_int_eq(rbx_store_key_revoke(fx.store, id, &err), 0);
    ck_assert_int_eq(rbx_store_key_get(fx.store, i1.id, &still, &err), 0);
    ck_assert(still.revoked);
    ck_assert_str_eq(still.signing_secret, i1.signing_secret);
}
END_TEST

START_TEST(test_revoke_unknown_is_404)
{
    rbx_error err;
    ck_assert_int_eq(rbx_store_key_revoke(fx.store, "42", &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    ck_assert_str_eq(err.code, "not_found");
    ck_assert_int_eq(rbx_store_key_revoke(fx.store, "rbx_nothing", &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
    ck_assert_int_eq(rbx_store_key_revoke(fx.store, "", &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_INVALID);
    rbx_key_info info;
    ck_assert_int_eq(rbx_store_key_get(fx.store, 42, &info, &err), -1);
    ck_assert_int_eq(err.kind, RBX_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_list_shows_no_secrets)
{
    char k1[RBX_STORE_KEY_SIZE], k2[RBX_STORE_KEY_SIZE];
    rbx_key_info i1, i2;
    create_key("alice", k1, &i1);
    create_key("bob", k2, &i2);
    rbx_error err;
    ck_assert_int_eq(rbx_store_key_revoke(fx.store, i2.prefix, &err), 0);
    rbx_key_list list;
    ck_assert_int_eq(rbx_store_key_list(fx.store, &list, &err), 0);
    ck_assert_uint_eq(list.n, 2);
    /* The row type has no field for a key, its hash or its secret. */
    const rbx_key_row *first = &list.items[0], *second = &list.items[1];
    ck_assert_int_eq(first->id, i1.id);
    ck_assert_str_eq(first->user, "alice");
    ck_assert_str_eq(first->prefix, i1.prefix);
    ck_assert_int_eq(first->created_at_ms, i1.created_at * 1000);
    ck_assert(!first->revoked);
    ck_assert_int_eq(second->id, i2.id);
    ck_assert_str_eq(second->user, "bob");
    ck_assert(second->revoked);
    ck_assert_int_ge(second->revoked_at_ms, second->created_at_ms);
    ck_assert_int_eq(second->revoked_at_ms % 1000, 0); /* stored as unix seconds */
    rbx_key_list_free(&list);
    ck_assert_ptr_null(list.items);
}
END_TEST

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false; /* an absent -wal file holds nothing */
    size_t n = strlen(needle), size = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    size_t got;
    while ((got = fread(buf + size, 1, cap - size, f)) > 0) {
        size += got;
        if (size == cap) {
            buf = realloc(buf, cap *= 2);
            ck_assert_ptr_nonnull(buf);
        }
    }
    fclose(f);
    bool found = memmem(buf, size, needle, n) != NULL;
    free(buf);
    return found;
}

START_TEST(test_key_is_hashed_at_rest)
{
    char key[RBX_STORE_KEY_SIZE];
    rbx_key_info info;
    create_key("alice", key, &info);
    if (fixture_postgres()) {
        char sql[256];
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM api_keys WHERE strpos(prefix || key_hash || signing_secret,"
                 " '%s') > 0",
                 key + 4);
        ck_assert_int_eq(raw_int(fx.path, sql), 0);
        ck_assert_int_eq(raw_int(fx.path, "SELECT count(*) FROM api_keys WHERE \"user\" = 'alice'"),
                         1);
        return;
    }
    char wal[sizeof(fx.path) + 8];
    snprintf(wal, sizeof(wal), "%s-wal", fx.path);
    /* While open (the row may sit in the WAL) and after close (checkpointed). */
    ck_assert(file_contains(fx.path, "alice") || file_contains(wal, "alice"));
    ck_assert(!file_contains(fx.path, key) && !file_contains(wal, key));
    ck_assert(!file_contains(fx.path, key + 4) && !file_contains(wal, key + 4));
    rbx_store_close(fx.store);
    ck_assert(file_contains(fx.path, "alice"));
    ck_assert(!file_contains(fx.path, key + 4) && !file_contains(wal, key + 4));
    rbx_error err;
    ck_assert_int_eq(rbx_store_open(fx.path, &fx.store, &err), 0);
}
END_TEST

/* On PostgreSQL a key's run slots are shared by every connection (host) and
 * freed when the holding connection ends; SQLite stores are not shared. */
START_TEST(test_key_slots_across_connections)
{
    if (!fixture_postgres()) {
        ck_assert(!rbx_store_shared(fx.store));
        return;
    }
    ck_assert(rbx_store_shared(fx.store));
    /* A session's advisory locks are reentrant: each holder is its own
     * connection, as each pool process is. */
    rbx_store *b_store, *c_store;
    rbx_error err;
    ck_assert_int_eq(rbx_store_open(fx.path, &b_store, &err), 0);
    ck_assert_int_eq(rbx_store_open(fx.path, &c_store, &err), 0);
    int a, b, c;
    ck_assert_int_eq(rbx_store_key_slot_acquire(fx.store, 7, 2, &a, &err), 1);
    ck_assert_int_eq(rbx_store_key_slot_acquire(b_store, 7, 2, &b, &err), 1);
    ck_assert_int_ne(a, b);
    ck_assert_int_eq(rbx_store_key_slot_acquire(c_store, 7, 2, &c, &err), 0);
    ck_assert_int_eq(rbx_store_key_slot_acquire(c_store, 8, 2, &c, &err), 1); /* another key */
    rbx_store_key_slot_release(c_store, 8, c);
    rbx_store_key_slot_release(fx.store, 7, a);
    ck_assert_int_eq(rbx_store_key_slot_acquire(c_store, 7, 2, &c, &err), 1);
    ck_assert_int_eq(c, a);
    rbx_store_close(b_store); /* its slot goes with its connection, once the server notices */
    int rc = 0;
    for (int tries = 0; tries < 100 && rc == 0; tries++) {
        rc = rbx_store_key_slot_acquire(fx.store, 7, 2, &a, &err);
        if (rc == 0)
            usleep(50 * 1000);
    }
    ck_assert_int_eq(rc, 1);
    ck_assert_int_eq(a, b);
    rbx_store_close(c_store);
}
END_TEST

static Suite *keys_suite(bool postgres)
{
    Suite *s = suite_create(postgres ? "store_keys (postgresql)" : "store_keys");
    TCase *tc = tcase_create("keys");
    fixture_backend(tc, postgres);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_create_then_authenticate);
    tcase_add_test(tc, test_two_keys_differ);
    tcase_add_test(tc, test_unknown_and_missing_keys_are_401);
    tcase_add_test(tc, test_bad_user_names_refused);
    tcase_add_test(tc, test_revoke_by_id_prefix_and_key);
    tcase_add_test(tc, test_revoke_unknown_is_404);
    tcase_add_test(tc, test_list_shows_no_secrets);
    tcase_add_test(tc, test_key_is_hashed_at_rest);
    tcase_add_test(tc, test_key_slots_across_connections);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return fixture_run(keys_suite);
}
