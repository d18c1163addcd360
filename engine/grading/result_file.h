/* Internal to engine/grading: the harness's result file in the work dir. */
#ifndef RBX_GRADING_RESULT_FILE_H
#define RBX_GRADING_RESULT_FILE_H

#include <stddef.h>

#include "common/error.h"

/* Read the harness's result file from the work dir: opened without following
 * a link, a regular file, at most max bytes. Returns 1 with *buf (NUL-ended,
 * caller frees) when it exists, 0 when it does not, -1 with err otherwise
 * (err->message says why, e.g. not a regular file or too big). */
int rbx_result_file_read(int dirfd, size_t max, char **buf, size_t *len, rbx_error *err);

/* Remove it before a run, so a case never sees the previous case's answer. */
int rbx_result_file_remove(int dirfd, rbx_error *err);

#endif
