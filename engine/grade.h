/* /execute with grading fields: the bridge to engine/grading/. */
#ifndef RBX_ENGINE_GRADE_H
#define RBX_ENGINE_GRADE_H

#include "engine/report.h"
#include "engine/request.h"
#include "engine/run.h"

/* Grade req in the prepared run into rep (initialised with the run id and
 * version). 0 whenever grading happened (rep says how it went); -1 with err
 * for a failure of the service. */
int rbx_engine_grade(const rbx_config *cfg, rbx_run *run, const rbx_request *req, rbx_report *rep,
                     rbx_error *err);

#endif
