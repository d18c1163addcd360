/* The run history: one row per answered run, owned by the key's user. Every
 * query names the user, so another user's row is indistinguishable from none. */
#include "store/store_internal.h"

#include "common/clock.h"
#include "common/json_cap.h"

#include <stdlib.h>
#include <string.h>

static const char *const insert_sql =
    "INSERT INTO history (id, user, project_id, session_id, language, language_version, code,"
    " stdin, files, args, base64_encoded, limits, response, status, exit_code, cpu_time_ms,"
    " wall_time_ms, memory_kb, created_at, request_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20)";

static void bind_opt_text(rbx_stmt *stmt, int index, const char *text)
{
    rbx_store_bind_text(stmt, index, text && *text ? text : NULL);
}

static void bind_input(rbx_stmt *stmt, const rbx_run_input *in)
{
    rbx_store_bind_opt_int64(stmt, 3, in->has_project_id, in->project_id);
    rbx_store_bind_text(stmt, 4, in->session_id);
    rbx_store_bind_text(stmt, 7, in->code);
    rbx_store_bind_text(stmt, 8, in->stdin_text);
    rbx_store_bind_text(stmt, 9, in->files_json);
    rbx_store_bind_text(stmt, 10, in->args_json);
    rbx_stmt_bind_int64(stmt, 11, in->base64_encoded);
    rbx_store_bind_text(stmt, 12, in->limits_json);
}

static void bind_record(rbx_stmt *stmt, const rbx_run_record *rec)
{
    rbx_store_bind_text(stmt, 1, rec->id);
    rbx_store_bind_text(stmt, 5, rec->language);
    bind_opt_text(stmt, 6, rec->language_version);
    rbx_store_bind_text(stmt, 14, rec->status);
    rbx_store_bind_opt_int64(stmt, 15, rec->has_exit_code, rec->exit_code);
    rbx_stmt_bind_int64(stmt, 16, rec->cpu_time_ms);
    rbx_stmt_bind_int64(stmt, 17, rec->wall_time_ms);
    rbx_stmt_bind_int64(stmt, 18, rec->memory_kb);
    bind_opt_text(stmt, 20, rec->request_id);
}

/* The answer cut to the record cap, or NULL when it fits as it is. The
 * service's largest form of a document (spaced, slashes escaped) is at most
 * twice its plain text, so a text within half the cap is never parsed. */
static char *capped_answer(const char *answer, size_t max_bytes)
{
    if (!max_bytes || strlen(answer) <= max_bytes / 2)
        return NULL;
    json_object *doc = json_tokener_parse(answer);
    char *cut = NULL;
    if (doc && rbx_json_size(doc) > max_bytes && rbx_json_cap(doc, max_bytes))
        cut = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
    json_object_put(doc);
    return cut;
}

int rbx_store_history_add(rbx_store *store, const char *user, const rbx_run_input *in,
                          const rbx_run_record *rec, const char *answer, rbx_error *err)
{
    if (!user || !*user || !rec->id[0] || !rec->status[0] || !rec->language[0] || !answer)
        return rbx_error_internal(err, "history: a run needs a user, an id, a status, a "
                                       "language and an answer");
    rbx_stmt *stmt;
    if (rbx_store_prepare(store, insert_sql, &stmt, err) < 0)
        return -1;
    char *cut = capped_answer(answer, store->history_max_bytes);
    bind_input(stmt, in);
    bind_record(stmt, rec);
    rbx_store_bind_text(stmt, 2, user);
    rbx_store_bind_text(stmt, 13, cut ? cut : answer);
    rbx_stmt_bind_int64(stmt, 19, rbx_clock_unix_ms());
    int rc = rbx_stmt_step(stmt);
    rbx_stmt_finalize(stmt);
    free(cut);
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
    rbx_store_bind_opt_int64(stmt, 2, filter->has_project_id, filter->project_id);
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

static rbx_opt_int column_opt_int(rbx_stmt *stmt, int col)
{
    if (rbx_stmt_column_null(stmt, col))
        return (rbx_opt_int){0};
    return (rbx_opt_int){true, rbx_stmt_column_int64(stmt, col)};
}

#define SUMMARY_COLUMNS                                                                            \
    "id, project_id, session_id, language, language_version, status, exit_code, cpu_time_ms,"      \
    " wall_time_ms, memory_kb, created_at, request_id"
#define SUMMARY_N 12

static void summary_of_row(rbx_stmt *stmt, rbx_history_row *row)
{
    row->id = rbx_store_column_dup(stmt, 0);
    row->project_id = column_opt_int(stmt, 1);
    row->session_id = rbx_store_column_dup(stmt, 2);
    row->language = rbx_store_column_dup(stmt, 3);
    row->language_version = rbx_store_column_dup(stmt, 4);
    row->status = rbx_store_column_dup(stmt, 5);
    row->exit_code = column_opt_int(stmt, 6);
    row->cpu_time_ms = column_opt_int(stmt, 7);
    row->wall_time_ms = column_opt_int(stmt, 8);
    row->memory_kb = column_opt_int(stmt, 9);
    row->created_at_ms = rbx_stmt_column_int64(stmt, 10);
    row->request_id = rbx_store_column_dup(stmt, 11);
}

void rbx_history_row_free(rbx_history_row *row)
{
    char **texts[] = {&row->id,         &row->session_id, &row->language,  &row->language_version,
                      &row->status,     &row->request_id, &row->answer,    &row->code,
                      &row->stdin_text, &row->files_json, &row->args_json, &row->limits_json};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        free(*texts[i]);
    memset(row, 0, sizeof(*row));
}

void rbx_history_page_free(rbx_history_page *page)
{
    for (size_t i = 0; i < page->n; i++)
        rbx_history_row_free(&page->items[i]);
    free(page->items);
    memset(page, 0, sizeof(*page));
}

static int list_runs(rbx_store *store, const char *user, const rbx_history_filter *filter,
                     rbx_history_page *page, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "SELECT " SUMMARY_COLUMNS LIST_WHERE
                          " ORDER BY created_at DESC, rowid DESC LIMIT ?5 OFFSET ?6",
                          &stmt, err) < 0)
        return -1;
    bind_filter(stmt, user, filter);
    rbx_stmt_bind_int64(stmt, 5, page->limit);
    rbx_stmt_bind_int64(stmt, 6, filter->offset);
    page->items = calloc((size_t)page->limit, sizeof(*page->items));
    int rc = page->items ? RBX_STEP_ROW : RBX_STEP_ERROR;
    while (page->items && page->n < (size_t)page->limit &&
           (rc = rbx_stmt_step(stmt)) == RBX_STEP_ROW)
        summary_of_row(stmt, &page->items[page->n++]);
    if (rc == RBX_STEP_ROW) /* the page is full: the statement has no more */
        rc = rbx_stmt_step(stmt);
    rbx_stmt_finalize(stmt);
    if (!page->items)
        return rbx_error_errno(err, "listing runs");
    if (rc != RBX_STEP_DONE)
        return rbx_store_sql_error(store, err, "listing runs");
    return 0;
}

int rbx_store_history_list(rbx_store *store, const char *user, const rbx_history_filter *filter,
                           rbx_history_page *out, rbx_error *err)
{
    memset(out, 0, sizeof(*out));
    if (check_page(filter, &out->limit, err) < 0)
        return -1;
    out->offset = filter->offset;
    /* One read transaction so the total and the page come from the same snapshot. */
    if (rbx_store_begin_read(store, err) < 0)
        return -1;
    if (count_runs(store, user, filter, &out->total, err) < 0 ||
        list_runs(store, user, filter, out, err) < 0) {
        rbx_store_rollback(store);
        rbx_history_page_free(out);
        return -1;
    }
    rbx_store_rollback(store); /* nothing to commit: ending the read */
    return 0;
}

/* ---- one run ----------------------------------------------------------- */

static int read_run(rbx_store *store, const char *user, const char *id, rbx_history_row *out,
                    bool *found, rbx_error *err)
{
    rbx_stmt *stmt;
    if (rbx_store_prepare(store,
                          "SELECT " SUMMARY_COLUMNS ", response, code, stdin, files, args,"
                          " base64_encoded, limits FROM history WHERE id = ?1 AND user = ?2",
                          &stmt, err) < 0)
        return -1;
    rbx_store_bind_text(stmt, 1, id);
    rbx_store_bind_text(stmt, 2, user);
    int rc = rbx_stmt_step(stmt);
    *found = rc == RBX_STEP_ROW;
    if (*found) {
        summary_of_row(stmt, out);
        out->answer = rbx_store_column_dup(stmt, SUMMARY_N);
        out->code = rbx_store_column_dup(stmt, SUMMARY_N + 1);
        out->stdin_text = rbx_store_column_dup(stmt, SUMMARY_N + 2);
        out->files_json = rbx_store_column_dup(stmt, SUMMARY_N + 3);
        out->args_json = rbx_store_column_dup(stmt, SUMMARY_N + 4);
        out->base64_encoded = rbx_stmt_column_int(stmt, SUMMARY_N + 5) != 0;
        out->limits_json = rbx_store_column_dup(stmt, SUMMARY_N + 6);
        rc = rbx_stmt_step(stmt);
    }
    rbx_stmt_finalize(stmt);
    if (rc != RBX_STEP_DONE) {
        rbx_history_row_free(out);
        return rbx_store_sql_error(store, err, "reading a run");
    }
    return 0;
}

int rbx_store_history_get(rbx_store *store, const char *user, const char *id, rbx_history_row *out,
                          rbx_error *err)
{
    memset(out, 0, sizeof(*out));
    bool found;
    if (read_run(store, user, id, out, &found, err) < 0)
        return -1;
    if (!found)
        return rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, NULL, "no run with id %s",
                               id ? id : "");
    if (!out->answer) {
        rbx_history_row_free(out);
        return rbx_error_internal(err, "history: run %s has no stored answer", id);
    }
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
