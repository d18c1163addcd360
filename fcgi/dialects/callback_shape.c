/* Which shape a job's callback takes: the job's request says it
 * (callback_format, set by the dialect that queued it). */
#include <stdlib.h>
#include <string.h>

#include "fcgi/dialects/shapes.h"

int rbx_dialect_callback(const char *request_json, const char *result_json, const char *job_id,
                         char **body, const char **method)
{
    json_object *req = request_json ? json_tokener_parse(request_json) : NULL, *fmt = NULL;
    *body = NULL;
    *method = NULL;
    const char *f = req && json_object_object_get_ex(req, "callback_format", &fmt) && fmt
                        ? json_object_get_string(fmt)
                        : "runbox";
    bool judge0 = strcmp(f, "judge0") == 0, cee = strcmp(f, "code-execution-engine") == 0;
    json_object *result = judge0 || cee ? json_tokener_parse(result_json) : NULL, *shaped = NULL;
    json_object_put(req);
    if ((judge0 || cee) && !result)
        return -1;
    if (judge0)
        shaped = judge0_callback_json(result, job_id);
    else if (cee)
        shaped = cee_answer_json(NULL, result);
    json_object_put(result);
    if (!shaped)
        return judge0 || cee ? -1 : 0;
    *body = strdup(json_object_to_json_string_ext(shaped, JSON_C_TO_STRING_PLAIN));
    json_object_put(shaped);
    *method = judge0 ? "PUT" : "POST";
    return *body ? 0 : -1;
}
