/* Shared by the store's unit tests: a fresh store per test, on SQLite (a
 * database in a temporary directory) and again on PostgreSQL (a schema of its
 * own on a server the test binary starts: tests/lib/pg-server), and
 * /execute-shaped request and response objects. */
#ifndef RBX_TEST_STORE_FIXTURE_H
#define RBX_TEST_STORE_FIXTURE_H

#include <check.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

typedef struct fixture {
    char dir[64];    /* SQLite: the temporary directory; "" on PostgreSQL */
    char schema[48]; /* PostgreSQL: the test's own schema; "" on SQLite */
    char path[768];  /* what rbx_store_open takes: a file path or a URL */
    rbx_store *store;
} fixture;

/* Run the suite make_suite(false) builds on SQLite, then make_suite(true) on
 * PostgreSQL when its server binaries are here (else a skip is reported).
 * The suite function passes its flag to fixture_backend for each case.
 * Returns main's exit status. */
int fixture_run(Suite *(*make_suite)(bool postgres));
/* Make tc's tests use PostgreSQL or SQLite (call once per case). */
void fixture_backend(TCase *tc, bool postgres);
/* Whether the running test is on PostgreSQL. */
bool fixture_postgres(void);

/* A fresh, empty store location in fx->path, not opened. */
void fixture_location(fixture *fx);
/* Remove what fixture_location made, with everything in it. */
void fixture_remove(fixture *fx);
/* fixture_location and open the store in it (fails the test on error). */
void fixture_open(fixture *fx);
/* Close the store and fixture_remove. */
void fixture_close(fixture *fx);

/* What a request said about one run: code, stdin "in\n", args ["--fast"],
 * limits {"memory_kb": 65536}, session "sess", project_id when > 0
 * (strings are the fixture's: valid until the next call). */
rbx_run_input make_input(const char *language, const char *code, int64_t project_id);
/* The record of one run (version "1.0", exit code 0, 9000 kB). */
rbx_run_record make_record(const char *id, const char *language, const char *status, int cpu_ms,
                           int wall_ms);
/* An answer's JSON text with rec's facts and output "out\n" (the caller frees it). */
char *make_answer(const rbx_run_record *rec);

/* Add one run with a generated id (returned in id_out, 40 bytes). */
void add_run(rbx_store *store, const char *user, const char *language, const char *status,
             int64_t project_id, int cpu_ms, char *id_out);

/* Run one SQL statement directly on the store at path (a file or a URL), to
 * age rows or read the schema; no translation: quote "user". */
void raw_sql(const char *path, const char *sql);
/* One integer from a query run directly on the store at path. */
long long raw_int(const char *path, const char *sql);

#endif
