/* The engine's side of grading: the runner over the engine's work dir and
 * sandbox, and the graded /execute response. Compiled into the engine's
 * library (it needs the engine's run and request types); the grading
 * library itself knows nothing of them. */
#ifndef RBX_GRADING_ENGINE_GLUE_H
#define RBX_GRADING_ENGINE_GLUE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "engine/request.h"
#include "engine/response.h"
#include "engine/run.h"

/* Whether the request asks for grading (test_cases, function_name or tests). */
bool rbx_engine_grading_wanted(const rbx_request *req);

/* Grade the prepared run: compile once, run every case, and answer with the
 * /execute response (o's id and version, the graded fields over it). 0 with
 * *response whenever grading happened; -1 with err when the service failed. */
int rbx_engine_grade(rbx_run *run, const rbx_request *req, const rbx_outcome *o,
                     json_object **response, rbx_error *err);

#endif
