/* Answer shapes of the dialects that runbox-worker writes too (callbacks):
 * Judge0's submission and the function-grading platform's result. Built over
 * the run view; linked into runbox-fcgi and runbox-worker alike
 * (librbxshapes.a), so a callback and a polled answer cannot drift apart. */
#ifndef RBX_FCGI_DIALECTS_SHAPES_H
#define RBX_FCGI_DIALECTS_SHAPES_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/report.h"
#include "fcgi/dialects/run_view.h"

/* Judge0: the status id of a run (3 Accepted ... 13 Internal Error), its
 * message, a text as Judge0 answers it (base64 or UTF-8; empty is null),
 * {"id", "description"}, and the 14 statuses. */
int judge0_status_of(const rbx_run_view *v);
void judge0_message_of(const rbx_run_view *v, int status, char *out, size_t outsz);
json_object *judge0_text(rbx_view_text t, bool base64);
json_object *judge0_status_json(int id);
const char *judge0_status_name(int id);
size_t judge0_status_count(void);
/* The body of Judge0's callback PUT for a job's native result. */
json_object *judge0_callback_json(json_object *native, const char *token);

/* The function-grading platform's {id, results, all_passed, error,
 * error_details}: from the report of a run just carried out, else (report
 * NULL) from a stored native answer (a job's result). */
json_object *cee_answer_json(const rbx_report *report, json_object *native);

/* The callback a job's request asked for with callback_format: *body is the
 * JSON text to send (malloc'd) and *method its HTTP method; for "runbox" (or
 * none) both are NULL and the native result goes as it is. -1 when the texts
 * do not parse. */
int rbx_dialect_callback(const char *request_json, const char *result_json, const char *job_id,
                         char **body, const char **method);

#endif
