/* The run history: one row per answered run, owned by the key's user. Every
 * query names the user, so another user's row is indistinguishable from none. */
#include "store/store_internal.h"

#include "common/json_cap.h"

#include <string.h>
#include <time.h>

static json_object *field(json_object *obj, const char *key)
{
    json_object *value = NULL;
    if (!obj || !json_object_object_get_ex(obj, key, &value))
        return NULL;
    return value;
}

static const char *field_string(json_object *obj, const char *key)
{
    json_object *value = field(obj, key);
    return json_object_is_type(value, json_type_string) ? json_object_get_string(value) : NULL;
}

static void bind_int_field(rbx_stmt *stmt, int index, json_object *obj, const char *key)
{
    json_object *value = field(obj, key);
    if (json_object_is_type(value, json_type_int))
        rbx_stmt_bind_int64(stmt, index, json_object_get_int64(value));
    else
        rbx_stmt_bind_null(stmt, index);
}

/* Arrays and objects are kept as their JSON text. */
static void bind_json_field(rbx_stmt *stmt, int index, json_object *obj, const char *key)
{
    json_object *value = field(obj, key);
    if (!value) {
        rbx_stmt_bind_null(stmt, index);
        return;
    }
    rbx_store_bind_text(stmt, index, json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN));
}

static const char *const insert_sql =
    "INSERT INTO history (id, user, project_id, session_id, language, language_version, code,"
    " stdin, files, args, base64_encoded, limits, response, status, exit_code, cpu_time_ms,"
    " wall_time_ms, memory_kb, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19)";

static void bind_request(rbx_stmt *stmt, json_object *request)
{
    bind_int_field(stmt, 3, request, "project_id");
    rbx_store_bind_text(stmt, 4, field_string(request, "session_id"));
    rbx_store_bind_text(stmt, 7, field_string(request, "code"));
    rbx_store_bind_text(stmt, 8, field_string(request, "stdin"));
    bind_json_field(stmt, 9, request, "files");
    bind_json_field(stmt, 10, request, "args");
    rbx_stmt_bind_int64(stmt, 11, json_object_get_boolean(field(request, "base64_encoded")));
    bind_json_field(stmt, 12, request, "limits");
}

/* The stored answer: whole when it fits the record cap, else a cut copy (the
 * caller's answer goes out whole). */
static void bind_stored_answer(rbx_stmt *stmt, int index, json_object *response, size_t max_bytes)
{
    json_object *copy = NULL;
    if (max_bytes && rbx_json_size(response) > max_bytes &&
        json_object_deep_copy(response, &copy, NULL) == 0)
        rbx_json_cap(copy, max_bytes);
    /* Bound as a transient copy: the text may go with the copy below. */
    rbx_store_bind_text(
        stmt, index,
        json_object_to_json_string_ext(copy ? copy : response, JSON_C_TO_STRING_PLAIN));
    json_object_put(copy);
}

static void bind_response(rbx_stmt *stmt, json_object *response, size_t max_bytes)
{
    rbx_store_bind_text(stmt, 1, field_string(response, "id"));
    json_object *language = field(response, "language");
    rbx_store_bind_text(stmt, 6, field_string(language, "version"));
    bind_stored_answer(stmt, 13, response, max_bytes);
    rbx_store_bind_text(stmt, 14, field_string(response, "status"));
    bind_int_field(stmt, 15, response, "exit_code");
    bind_int_field(stmt, 16, response, "cpu_time_ms");
    bind_int_field(stmt, 17, response, "wall_time_ms");
    bind_int_field(stmt, 18, response, "memory_kb");
}

/* The language id: the response's language.id, else the request's language. */
static const char *run_language(json_object *request, json_object *response)
{
    const char *id = field_string(field(response, "language"), "id");
    return id ? id : field_string(request, "language");
}

int rbx_store_history_add(rbx_store *store, const char *user, json_object *request,
                          json_object *response, rbx_error *err)
{
    const char *language = run_language(request, response);
    if (!user || !*user || !field_string(response, "id") || !field_string(response, "status") ||
        !language)
        return rbx_error_internal(err, "history: a run needs a user, an id, a status and a "
                                       "language");
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, insert_sql, &stmt, err) < 0)
        return -1;
    bind_request(stmt, request);
    bind_response(stmt, response, store->history_max_bytes);
    rbx_store_bind_text(stmt, 2, user);
    rbx_store_bind_text(stmt, 5, language);
    rbx_stmt_bind_int64(stmt, 19, (int64_t)time(NULL));
    int rc = rbx_stmt_step(stmt);
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, "storing a run");
    return 0;
}

/* ---- list -------------------------------------------------------------- */

/* One static WHERE clause: a NULL parameter means "no filter on this column"
 * (cast, so that PostgreSQL knows the type of a parameter that is NULL). */
#define LIST_WHERE                                                                                 \
    " FROM history WHERE user = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR project_id = ?2)"            \
    " AND (CAST(?3 AS TEXT) IS NULL OR language = ?3) AND (CAST(?4 AS TEXT) IS NULL OR status = "  \
    "?4)"

static int check_page(const rbx_history_filter *filter, int64_t *limit, rbx_error *err)
{
    *limit = filter->limit == 0 ? RBX_HISTORY_DEFAULT_LIMIT : filter->limit;
    if (*limit < 1 || *limit > RBX_HISTORY_MAX_LIMIT)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "limit",
                               "limit must be between 1 and %d", RBX_HISTORY_MAX_LIMIT);
    if (filter->offset < 0)
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "offset", "offset must be 0 or more");
    return 0;
}

static void bind_filter(rbx_stmt *stmt, const char *user, const rbx_history_filter *filter)
{
    rbx_store_bind_text(stmt, 1, user);
    if (filter->has_project_id)
        rbx_stmt_bind_int64(stmt, 2, filter->project_id);
    else
        rbx_stmt_bind_null(stmt, 2);
    rbx_store_bind_text(stmt, 3, filter->language);
    rbx_store_bind_text(stmt, 4, filter->status);
}

static int count_runs(rbx_store *store, const char *user, const rbx_history_filter *filter,
                      int64_t *total, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, "SELECT count(*)" LIST_WHERE, &stmt, err) < 0)
        return -1;
    bind_filter(stmt, user, filter);
    int rc = rbx_stmt_step(stmt);
    *total = rc == RBX_STEP_ROW ? rbx_stmt_column_int64(stmt, 0) : 0;
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_ROW)
        return rbx_store_sql_error(store, err, "counting runs");
    return 0;
}

static json_object *summary_json(rbx_stmt *stmt)
{
    json_object *row = json_object_new_object();
    json_object_object_add(row, "id", rbx_store_column_json_text(stmt, 0));
    json_object_object_add(row, "project_id", rbx_store_column_json_int(stmt, 1));
    json_object_object_add(row, "session_id", rbx_store_column_json_text(stmt, 2));
    json_object *language = json_object_new_object();
    json_object_object_add(language, "id", rbx_store_column_json_text(stmt, 3));
    json_object_object_add(language, "version", rbx_store_column_json_text(stmt, 4));
    json_object_object_add(row, "language", language);
    json_object_object_add(row, "status", rbx_store_column_json_text(stmt, 5));
    json_object_object_add(row, "exit_code", rbx_store_column_json_int(stmt, 6));
    json_object_object_add(row, "cpu_time_ms", rbx_store_column_json_int(stmt, 7));
    json_object_object_add(row, "wall_time_ms", rbx_store_column_json_int(stmt, 8));
    json_object_object_add(row, "memory_kb", rbx_store_column_json_int(stmt, 9));
    json_object_object_add(row, "created_at", rbx_store_json_time(rbx_stmt_column_int64(stmt, 10)));
    return row;
}

static int list_runs(rbx_store *store, const char *user, const rbx_history_filter *filter,
                     int64_t limit, json_object *items, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "SELECT id, project_id, session_id, language, language_version, status,"
                          " exit_code, cpu_time_ms, wall_time_ms, memory_kb, created_at" LIST_WHERE
                          " ORDER BY created_at DESC, rowid DESC LIMIT ?5 OFFSET ?6",
                          &stmt, err) < 0)
        return -1;
    bind_filter(stmt, user, filter);
    rbx_stmt_bind_int64(stmt, 5, limit);
    rbx_stmt_bind_int64(stmt, 6, filter->offset);
    int rc;
    while ((rc = rbx_stmt_step(stmt)) == RBX_STEP_ROW)
        json_object_array_add(items, summary_json(stmt));
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, "listing runs");
    return 0;
}

int rbx_store_history_list(rbx_store *store, const char *user, const rbx_history_filter *filter,
                           json_object **out, rbx_error *err)
{
    *out = NULL;
    int64_t limit, total;
    if (check_page(filter, &limit, err) < 0)
        return -1;
    /* One read transaction so the total and the page come from the same snapshot. */
    if (rbx_store_begin_read(store, err) < 0)
        return -1;
    json_object *items = json_object_new_array();
    if (count_runs(store, user, filter, &total, err) < 0 ||
        list_runs(store, user, filter, limit, items, err) < 0) {
        rbx_store_rollback(store);
        json_object_put(items);
        return -1;
    }
    rbx_store_rollback(store); /* nothing to commit: ending the read */
    json_object *page = json_object_new_object();
    json_object_object_add(page, "items", items);
    json_object_object_add(page, "total", json_object_new_int64(total));
    json_object_object_add(page, "limit", json_object_new_int64(limit));
    json_object_object_add(page, "offset", json_object_new_int64(filter->offset));
    *out = page;
    return 0;
}

/* ---- one run ----------------------------------------------------------- */

static json_object *column_parsed_json(rbx_stmt *stmt, int col)
{
    if (rbx_stmt_column_null(stmt, col))
        return NULL;
    return json_tokener_parse(rbx_stmt_column_text(stmt, col));
}

/* The stored response, with what the request said about the run added. */
static json_object *full_run_json(rbx_stmt *stmt)
{
    json_object *run = column_parsed_json(stmt, 0);
    if (!json_object_is_type(run, json_type_object)) {
        json_object_put(run);
        return NULL;
    }
    json_object_object_add(run, "project_id", rbx_store_column_json_int(stmt, 1));
    json_object_object_add(run, "session_id", rbx_store_column_json_text(stmt, 2));
    json_object_object_add(run, "code", rbx_store_column_json_text(stmt, 3));
    json_object_object_add(run, "stdin", rbx_store_column_json_text(stmt, 4));
    json_object_object_add(run, "files", column_parsed_json(stmt, 5));
    json_object_object_add(run, "args", column_parsed_json(stmt, 6));
    json_object_object_add(run, "base64_encoded",
                           json_object_new_boolean(rbx_stmt_column_int(stmt, 7)));
    json_object_object_add(run, "limits", column_parsed_json(stmt, 8));
    json_object_object_add(run, "created_at", rbx_store_json_time(rbx_stmt_column_int64(stmt, 9)));
    return run;
}

int rbx_store_history_get(rbx_store *store, const char *user, const char *id, json_object **out,
                          rbx_error *err)
{
    int found = rbx_store_get_user_row(store,
                                       "SELECT response, project_id, session_id, code, stdin,"
                                       " files, args, base64_encoded, limits, created_at"
                                       " FROM history WHERE id = ?1 AND user = ?2",
                                       id, user, full_run_json, out, "reading a run", err);
    if (found < 0)
        return -1;
    if (!found)
        return rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, NULL, "no run with id %s",
                               id ? id : "");
    if (!*out)
        return rbx_error_internal(err, "history: run %s has an unreadable response", id);
    return 0;
}

int rbx_store_history_delete(rbx_store *store, const char *user, const char *id, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, "DELETE FROM history WHERE id = ?1 AND user = ?2", &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, id);
    rbx_store_bind_text(stmt, 2, user);
    int rc = rbx_stmt_step(stmt);
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, "deleting a run");
    if (rbx_store_changes(store) == 0)
        return rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, NULL, "no run with id %s",
                               id ? id : "");
    return 0;
}
