#include "fcgi/stored.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"

/* unix ms as the one timestamp format; -1 (not yet) as null. */
static json_object *time_json(int64_t unix_ms)
{
    if (unix_ms < 0)
        return NULL;
    char text[RBX_ISO8601_SIZE];
    return json_object_new_string(rbx_clock_iso8601(unix_ms, text, sizeof(text)));
}

static json_object *opt_int_json(rbx_opt_int v)
{
    return v.set ? json_object_new_int64(v.value) : NULL;
}

static json_object *text_json(const char *text)
{
    return text ? json_object_new_string(text) : NULL;
}

/* Text the store kept as JSON (an answer, a request's files), parsed back. */
static json_object *stored_json(const char *text)
{
    return text ? json_tokener_parse(text) : NULL;
}

/* ---- GET /tasks ----------------------------------------------------------- */

static json_object *callback_json(const rbx_job_state *s)
{
    if (!s->has_callback)
        return NULL;
    json_object *cb = json_object_new_object();
    json_object_object_add(cb, "attempts", json_object_new_int(s->callback_attempts));
    json_object_object_add(cb, "last_http_status", opt_int_json(s->callback_last_status));
    json_object_object_add(cb, "delivered_at", time_json(s->callback_delivered_at));
    return cb;
}

json_object *rbx_stored_task_json(const rbx_job_state *s)
{
    json_object *task = json_object_new_object();
    json_object_object_add(task, "id", json_object_new_string(s->id));
    json_object_object_add(task, "status",
                           json_object_new_string(s->found ? s->status : "not_found"));
    if (!s->found)
        return task;
    json_object_object_add(task, "created_at", time_json(s->created_at));
    json_object_object_add(task, "started_at", time_json(s->started_at));
    json_object_object_add(task, "finished_at", time_json(s->finished_at));
    json_object_object_add(task, "result", stored_json(s->result));
    json_object_object_add(task, "callback", callback_json(s));
    if (strcmp(s->status, "running") == 0)
        json_object_object_add(task, "cancel_requested",
                               json_object_new_boolean(s->cancel_requested));
    return task;
}

json_object *rbx_stored_tasks_json(const rbx_job_state *states, size_t n)
{
    json_object *tasks = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(tasks, rbx_stored_task_json(&states[i]));
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "tasks", tasks);
    return doc;
}

/* ---- GET /history --------------------------------------------------------- */

static json_object *summary_json(const rbx_history_row *r)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", text_json(r->id));
    json_object_object_add(o, "project_id", opt_int_json(r->project_id));
    json_object_object_add(o, "session_id", text_json(r->session_id));
    json_object *language = json_object_new_object();
    json_object_object_add(language, "id", text_json(r->language));
    json_object_object_add(language, "version", text_json(r->language_version));
    json_object_object_add(o, "language", language);
    json_object_object_add(o, "status", text_json(r->status));
    json_object_object_add(o, "exit_code", opt_int_json(r->exit_code));
    json_object_object_add(o, "cpu_time_ms", opt_int_json(r->cpu_time_ms));
    json_object_object_add(o, "wall_time_ms", opt_int_json(r->wall_time_ms));
    json_object_object_add(o, "memory_kb", opt_int_json(r->memory_kb));
    json_object_object_add(o, "created_at", time_json(r->created_at_ms));
    return o;
}

json_object *rbx_stored_history_page_json(const rbx_history_page *page)
{
    json_object *items = json_object_new_array();
    for (size_t i = 0; i < page->n; i++)
        json_object_array_add(items, summary_json(&page->items[i]));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", items);
    json_object_object_add(o, "total", json_object_new_int64(page->total));
    json_object_object_add(o, "limit", json_object_new_int64(page->limit));
    json_object_object_add(o, "offset", json_object_new_int64(page->offset));
    return o;
}

json_object *rbx_stored_history_run_json(const rbx_history_row *r)
{
    json_object *run = stored_json(r->answer);
    if (!json_object_is_type(run, json_type_object)) {
        json_object_put(run);
        return NULL;
    }
    json_object_object_add(run, "project_id", opt_int_json(r->project_id));
    json_object_object_add(run, "session_id", text_json(r->session_id));
    json_object_object_add(run, "code", text_json(r->code));
    json_object_object_add(run, "stdin", text_json(r->stdin_text));
    json_object_object_add(run, "files", stored_json(r->files_json));
    json_object_object_add(run, "args", stored_json(r->args_json));
    json_object_object_add(run, "base64_encoded", json_object_new_boolean(r->base64_encoded));
    json_object_object_add(run, "limits", stored_json(r->limits_json));
    json_object_object_add(run, "created_at", time_json(r->created_at_ms));
    if (r->request_id)
        json_object_object_add(run, "request_id", json_object_new_string(r->request_id));
    return run;
}

/* ---- GET /stats ----------------------------------------------------------- */

/* A mean in milliseconds to one decimal, printed as such (json-c would
 * otherwise print every digit of the double); null when no run had a time. */
static json_object *mean_json(bool has, double mean)
{
    if (!has)
        return NULL;
    char text[32];
    snprintf(text, sizeof(text), "%.1f", mean);
    return json_object_new_double_s(mean, text);
}

static json_object *stats_group_json(const rbx_stats_group *g)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "runs", json_object_new_int64(g->runs));
    json_object_object_add(o, "mean_cpu_time_ms", mean_json(g->has_cpu, g->mean_cpu_time_ms));
    json_object_object_add(o, "mean_wall_time_ms", mean_json(g->has_wall, g->mean_wall_time_ms));
    return o;
}

static json_object *stats_groups_json(const rbx_stats_named_group *list, size_t n)
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < n; i++)
        json_object_object_add(o, list[i].name, stats_group_json(&list[i].group));
    return o;
}

json_object *rbx_stored_stats_json(const rbx_run_stats *stats)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "by_language",
                           stats_groups_json(stats->by_language, stats->n_language));
    json_object_object_add(o, "by_status", stats_groups_json(stats->by_status, stats->n_status));
    json_object_object_add(o, "total", stats_group_json(&stats->total));
    return o;
}
