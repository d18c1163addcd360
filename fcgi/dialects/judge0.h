/* Internal to the Judge0 dialect (judge0.c: submissions; judge0_info.c:
 * languages, statuses and the information routes). */
#ifndef RBX_FCGI_DIALECTS_JUDGE0_H
#define RBX_FCGI_DIALECTS_JUDGE0_H

#include <json-c/json.h>

#include "fcgi/service.h"

#define JUDGE0_VERSION "1.13.1"
#define JUDGE0_BATCH_MAX 20

typedef struct judge0_language {
    int id;             /* the Judge0 CE 1.13.1 id */
    const char *runbox; /* runbox's language id */
    const char *name;   /* "C (GCC ": the installed version and ")" follow */
    const char *source_file;
    int other_ids[6]; /* CE 1.14 and older ids of the same language; 0 ends */
} judge0_language;

/* The language of a Judge0 id (1.13.1 or 1.14), NULL when unknown. */
const judge0_language *judge0_language_of(int id);
/* The Judge0 language of a runbox language id, NULL when none. */
const judge0_language *judge0_language_of_runbox(const char *runbox_id);
/* {"id", "name"} with the installed version in the name. */
json_object *judge0_language_ref(rbx_service *svc, const judge0_language *l);

int judge0_handle_languages(rbx_call *call, rbx_reply *reply, rbx_error *err);
int judge0_handle_language(rbx_call *call, rbx_reply *reply, rbx_error *err);
int judge0_handle_statuses(rbx_call *call, rbx_reply *reply, rbx_error *err);
int judge0_handle_about(rbx_call *call, rbx_reply *reply, rbx_error *err);
int judge0_handle_config_info(rbx_call *call, rbx_reply *reply, rbx_error *err);
int judge0_handle_system_info(rbx_call *call, rbx_reply *reply, rbx_error *err);
int judge0_handle_workers(rbx_call *call, rbx_reply *reply, rbx_error *err);

#endif
