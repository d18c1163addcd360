/* /execute with grading fields: the bridge to engine/grading/. */
#ifndef RBX_ENGINE_GRADE_H
#define RBX_ENGINE_GRADE_H

#include <json-c/json.h>

#include "engine/request.h"
#include "engine/report.h"
#include "engine/run.h"

/* Grade req in the prepared run. skeleton names the run id and version; its
 * compile/run results are unused (grading reports its own). */
int rbx_engine_grade(const rbx_config *cfg, rbx_run *run, const rbx_request *req,
                     const rbx_report *skeleton, json_object **response, rbx_error *err);

#endif
