/* Shared by the store's unit tests: a fresh database in a temporary directory
 * per test, and /execute-shaped request and response objects. */
#ifndef RBX_TEST_STORE_FIXTURE_H
#define RBX_TEST_STORE_FIXTURE_H

#include <json-c/json.h>

#include "store/store.h"

typedef struct fixture {
    char dir[64];
    char path[96];
    rbx_store *store;
} fixture;

/* Make the directory and open the store in it (fails the test on error). */
void fixture_open(fixture *fx);
/* Close the store and remove the directory with everything in it. */
void fixture_close(fixture *fx);

/* A request body and its response for one run. */
json_object *make_request(const char *language, const char *code, int64_t project_id);
json_object *make_response(const char *id, const char *language, const char *status, int cpu_ms,
                           int wall_ms);

/* Add one run with a generated id (returned in id_out, 40 bytes). */
void add_run(rbx_store *store, const char *user, const char *language, const char *status,
             int64_t project_id, int cpu_ms, char *id_out);

/* Run one SQL statement directly on the database file (to age rows, read pragmas). */
void raw_sql(const char *path, const char *sql);
/* One integer from a query run directly on the database file. */
long long raw_int(const char *path, const char *sql);

#endif
