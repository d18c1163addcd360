/* runbox's native JSON of what the store keeps (the store returns typed
 * rows and the answers it stored as opaque text): GET /tasks's state, GET
 * /history's page, one history record and GET /stats. One writer per shape; the
 * dialects read these too. Times are ISO 8601 UTC with milliseconds
 * (common/clock.h). */
#ifndef RBX_FCGI_STORED_H
#define RBX_FCGI_STORED_H

#include <json-c/json.h>
#include <stddef.h>

#include "store/jobs.h"
#include "store/store.h"

/* {"id", "status", "created_at", "started_at", "finished_at", "result" (the
 * stored answer, null until done), "callback": {attempts, last_http_status,
 * delivered_at} or null without callback_url, "cancel_requested" while
 * running}; a state not found is {"id", "status": "not_found"}. */
json_object *rbx_stored_task_json(const rbx_job_state *state);
/* {"tasks": [state, ...]} in the order given. */
json_object *rbx_stored_tasks_json(const rbx_job_state *states, size_t n);

/* {"items": [summary...], "total", "limit", "offset"}. A summary: {id,
 * project_id, session_id, language: {id, version}, status, exit_code,
 * cpu_time_ms, wall_time_ms, memory_kb, created_at}. */
json_object *rbx_stored_history_page_json(const rbx_history_page *page);
/* One run in full: the stored answer with the request's project_id,
 * session_id, code, stdin, files, args, base64_encoded, limits, the run's
 * created_at and request_id (when known) added. NULL when the stored answer
 * is not a JSON object. */
json_object *rbx_stored_history_run_json(const rbx_history_row *row);

/* {"by_language": {"python": group, ...}, "by_status": {"success": group,
 * ...}, "total": group} in that order, the names in the store's order; a
 * group is {runs, mean_cpu_time_ms, mean_wall_time_ms}, each mean printed
 * to one decimal ("%.1f") and null when no run had that time. */
json_object *rbx_stored_stats_json(const rbx_run_stats *stats);

#endif
