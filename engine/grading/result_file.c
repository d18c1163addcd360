/* The harness's result file lives in the work dir, where the submission could
 * have planted a symlink, a FIFO or a huge file in its place. The host opens
 * it relative to the work dir's fd, without following links, without blocking,
 * checks it is a regular file and caps what it reads. */
#include "engine/grading/grading.h"
#include "engine/grading/result_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whatever the program left under the result's name (a directory full of
 * files, say) is its own doing, not a failure of the service: moved aside
 * under a fresh name, it goes with the work dir when the run is finished, and
 * the case reads no result (a runtime error of that case). */
static int move_aside(int dirfd, rbx_error *err)
{
    char name[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof(name), "%s.left.%d", RBX_GRADING_RESULT_FILE, i);
        if (renameat2(dirfd, RBX_GRADING_RESULT_FILE, dirfd, name, RENAME_NOREPLACE) == 0 ||
            errno == ENOENT)
            return 0;
        if (errno != EEXIST)
            break;
    }
    return rbx_error_errno(err, "cannot move the previous result aside");
}

int rbx_result_file_remove(int dirfd, rbx_error *err)
{
    if (unlinkat(dirfd, RBX_GRADING_RESULT_FILE, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno == EISDIR && unlinkat(dirfd, RBX_GRADING_RESULT_FILE, AT_REMOVEDIR) == 0)
        return 0;
    return move_aside(dirfd, err);
}

static int read_all(int fd, size_t max, char **buf, size_t *len, rbx_error *err)
{
    char *data = malloc(max + 1);
    if (!data)
        return rbx_error_internal(err, "out of memory reading the result");
    size_t n = 0;
    for (;;) {
        ssize_t got = read(fd, data + n, max + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            free(data);
            return rbx_error_errno(err, "cannot read the result");
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > max) {
            free(data);
            return rbx_error_raise(err, RBX_ERR_INTERNAL, NULL, "",
                                   "the result is larger than %zu bytes", max);
        }
    }
    data[n] = '\0';
    *buf = data;
    *len = n;
    return 1;
}

int rbx_result_file_read(int dirfd, size_t max, char **buf, size_t *len, rbx_error *err)
{
    int fd = openat(dirfd, RBX_GRADING_RESULT_FILE,
                    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ENOENT)
        return 0;
    if (fd < 0)
        return rbx_error_errno(err, "cannot open the result");
    struct stat st;
    int rc;
    if (fstat(fd, &st) < 0)
        rc = rbx_error_errno(err, "cannot stat the result");
    else if (!S_ISREG(st.st_mode))
        rc = rbx_error_raise(err, RBX_ERR_INTERNAL, NULL, "", "the result is not a regular file");
    else
        rc = read_all(fd, max, buf, len, err);
    close(fd);
    return rc;
}
