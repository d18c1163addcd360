/* What the history keeps of a request (common/run_record.h), read from its
 * validated body. An object of its own: runbox-worker's tests link it
 * without the rest of the engine. */
#include "engine/engine.h"

static json_object *body_field(json_object *body, const char *key)
{
    json_object *value = NULL;
    return json_object_object_get_ex(body, key, &value) ? value : NULL;
}

static const char *body_string(json_object *body, const char *key)
{
    json_object *value = body_field(body, key);
    return json_object_is_type(value, json_type_string) ? json_object_get_string(value) : NULL;
}

/* Arrays and objects are kept as the JSON text they were submitted as. */
static const char *body_json_text(json_object *body, const char *key)
{
    json_object *value = body_field(body, key);
    return value ? json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN) : NULL;
}

void rbx_run_input_of_body(json_object *body, rbx_run_input *out)
{
    json_object *project = body_field(body, "project_id"), *save = body_field(body, "save_history");
    *out = (rbx_run_input){
        .language = body_string(body, "language"),
        .has_project_id = json_object_is_type(project, json_type_int),
        .project_id = json_object_get_int64(project),
        .session_id = body_string(body, "session_id"),
        .code = body_string(body, "code"),
        .stdin_text = body_string(body, "stdin"),
        .files_json = body_json_text(body, "files"),
        .args_json = body_json_text(body, "args"),
        .limits_json = body_json_text(body, "limits"),
        .base64_encoded = json_object_get_boolean(body_field(body, "base64_encoded")),
        .save_history = !save || json_object_get_boolean(save),
    };
}
