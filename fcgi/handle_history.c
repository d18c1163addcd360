/* GET /history, GET /history/{id}, DELETE /history/{id}: the caller's own runs.
 *
 * Ids are UUIDs. An id that is not one answers 404 like an id that does not
 * exist or belongs to someone else: all three mean "no run of yours by that
 * name", and none tells a caller anything about other users' runs. */
#include <stdint.h>
#include <uuid/uuid.h>

#include "fcgi/service.h"
#include "fcgi/stored.h"

#define HISTORY_DEFAULT_LIMIT 20
#define HISTORY_MAX_LIMIT 100

/* Canonical (lower-case) form of a UUID path segment, or 404. */
static int canonical_run_id(const char *param, char out[37], rbx_error *err)
{
    uuid_t id;
    if (!param || uuid_parse(param, id) != 0)
        return rbx_error_raise(err, RBX_ERR_NOT_FOUND, NULL, "id", "no run with id '%s'",
                               param ? param : "");
    uuid_unparse_lower(id, out);
    return 0;
}

static int read_filter(const char *query, rbx_history_filter *filter, char *language, size_t langsz,
                       char *status, size_t statussz, rbx_error *err)
{
    long long v;
    char probe[32];
    int rc = rbx_http_query_get(query, "project_id", probe, sizeof(probe), err);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        if (rbx_http_query_int(query, "project_id", INT64_MIN, INT64_MAX, 0, &v, err) < 0)
            return -1;
        filter->has_project_id = true;
        filter->project_id = v;
    }
    rc = rbx_http_query_get(query, "language", language, langsz, err);
    if (rc < 0)
        return -1;
    filter->language = rc == 1 && language[0] ? language : NULL;
    rc = rbx_http_query_get(query, "status", status, statussz, err);
    if (rc < 0)
        return -1;
    filter->status = rc == 1 && status[0] ? status : NULL;
    if (rbx_http_query_int(query, "limit", 1, HISTORY_MAX_LIMIT, HISTORY_DEFAULT_LIMIT, &v, err) <
        0)
        return -1;
    filter->limit = v;
    if (rbx_http_query_int(query, "offset", 0, INT64_MAX, 0, &v, err) < 0)
        return -1;
    filter->offset = v;
    return 0;
}

int rbx_handle_history_list(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    rbx_history_filter filter = {0};
    char language[64], status[64];
    if (read_filter(call->http->query, &filter, language, sizeof(language), status, sizeof(status),
                    err) < 0)
        return -1;
    rbx_history_page page;
    if (rbx_store_history_list(call->svc->store, call->key.user, &filter, &page, err) < 0)
        return -1;
    rbx_reply_json(reply, 200, rbx_stored_history_page_json(&page));
    rbx_history_page_free(&page);
    return 0;
}

int rbx_handle_history_get(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    char id[37];
    if (canonical_run_id(call->param, id, err) < 0)
        return -1;
    rbx_history_row row;
    if (rbx_store_history_get(call->svc->store, call->key.user, id, &row, err) < 0)
        return -1;
    json_object *body = rbx_stored_history_run_json(&row);
    rbx_history_row_free(&row);
    if (!body)
        return rbx_error_internal(err, "history: run %s has an unreadable answer", id);
    rbx_reply_json(reply, 200, body);
    return 0;
}

int rbx_handle_history_delete(rbx_call *call, rbx_reply *reply, rbx_error *err)
{
    char id[37];
    if (canonical_run_id(call->param, id, err) < 0)
        return -1;
    if (rbx_store_history_delete(call->svc->store, call->key.user, id, err) < 0)
        return -1;
    rbx_reply_json(reply, 204, NULL);
    return 0;
}
