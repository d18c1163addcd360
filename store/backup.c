/* An online copy of the store: SQLite's backup API reads a consistent
 * snapshot page by page while the service goes on writing (a plain cp of a
 * WAL database can copy a torn state). */
#include <sqlite3.h>

#include "store/store_internal.h"

/* Pages copied per step; between steps the source is unlocked for writers. */
#define BACKUP_PAGES_PER_STEP 256
#define BACKUP_BUSY_SLEEP_MS 20

int rbx_store_backup(rbx_store *store, const char *dest, rbx_error *err)
{
    if (rbx_store_dialect(store) != RBX_DIALECT_SQLITE)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, NULL,
                               "the store is on PostgreSQL: back it up with pg_dump");
    sqlite3 *out = NULL;
    if (sqlite3_open_v2(dest, &out,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK) {
        rbx_error_internal(err, "cannot create %s: %s", dest,
                           out ? sqlite3_errmsg(out) : "out of memory");
        sqlite3_close(out);
        return -1;
    }
    sqlite3_backup *b = sqlite3_backup_init(out, "main", store->conn, "main");
    if (!b) {
        rbx_error_internal(err, "cannot start the backup: %s", sqlite3_errmsg(out));
        sqlite3_close(out);
        return -1;
    }
    int rc;
    do {
        rc = sqlite3_backup_step(b, BACKUP_PAGES_PER_STEP);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(BACKUP_BUSY_SLEEP_MS);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        rbx_error_internal(err, "backup failed: %s", sqlite3_errstr(rc));
        sqlite3_close(out);
        return -1;
    }
    /* The copy is a single file: no WAL beside it to lose on the way. */
    char *msg = NULL;
    if (sqlite3_exec(out, "PRAGMA journal_mode=DELETE", NULL, NULL, &msg) != SQLITE_OK) {
        rbx_error_internal(err, "backup: %s", msg ? msg : "journal mode");
        sqlite3_free(msg);
        sqlite3_close(out);
        return -1;
    }
    if (sqlite3_close(out) != SQLITE_OK)
        return rbx_error_internal(err, "cannot close %s", dest);
    return 0;
}
