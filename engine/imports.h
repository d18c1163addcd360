/* `imports` of a request (a seed platform's field): modules the submission
 * uses without importing them itself, turned into the language's own import
 * lines and put in front of the entry file. The compiler judges them: an
 * unknown module is the submission's compile_error, as it would be by hand. */
#ifndef RBX_ENGINE_IMPORTS_H
#define RBX_ENGINE_IMPORTS_H

#include <json-c/json.h>

#include "common/error.h"
#include "engine/request.h"

#define RBX_MAX_IMPORTS 64
#define RBX_MAX_IMPORT_BYTES 200

/* Check `imports` (an array of strings, each one line) and prefix entry's
 * content with them for language lang_id. 400 naming imports[i] when bad. */
int rbx_imports_apply(const char *lang_id, json_object *imports, rbx_source_file *entry,
                      rbx_error *err);

#endif
