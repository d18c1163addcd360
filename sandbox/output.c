/* The program's standard streams.
 *
 * stdout and stderr are pipes the supervisor drains in its poll loop into
 * growing buffers, up to a cap on both together; past the cap the run is cut
 * (output_limit) so a flood costs neither memory nor time.
 *
 * stdin is a sealed memfd rather than a pipe: the program reads it like a
 * file, and the supervisor never blocks on a program that does not read its
 * input (nor gets SIGPIPE from one that exits early). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sandbox/internal.h"

static int buffer_init(output_buffer *b, int fd, rbx_error *err)
{
    b->cap = 4096;
    b->len = 0;
    b->fd = fd;
    b->data = malloc(b->cap);
    if (!b->data)
        return rbx_error_internal(err, "out of memory");
    b->data[0] = '\0';
    return 0;
}

int output_init(output_capture *oc, int out_fd, int err_fd, size_t limit, rbx_error *err)
{
    memset(oc, 0, sizeof(*oc));
    oc->limit = limit;
    oc->out.fd = oc->err.fd = -1;
    if (buffer_init(&oc->out, out_fd, err) != 0 || buffer_init(&oc->err, err_fd, err) != 0) {
        output_free(oc);
        return -1;
    }
    return 0;
}

static int buffer_reserve(output_buffer *b, size_t need, rbx_error *err)
{
    if (b->len + need + 1 <= b->cap)
        return 0;
    size_t cap = b->cap;
    while (cap < b->len + need + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return rbx_error_internal(err, "out of memory");
    b->data = p;
    b->cap = cap;
    return 0;
}

static void buffer_close(output_buffer *b)
{
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
}

int output_read_available(output_capture *oc, output_buffer *b, rbx_error *err)
{
    char chunk[65536];
    for (;;) {
        ssize_t n = read(b->fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n <= 0) {
            buffer_close(b);
            return 0;
        }
        size_t used = oc->out.len + oc->err.len;
        size_t room = oc->limit > used ? oc->limit - used : 0;
        size_t take = (size_t)n < room ? (size_t)n : room;
        if (buffer_reserve(b, take, err) != 0)
            return -1;
        memcpy(b->data + b->len, chunk, take);
        b->len += take;
        b->data[b->len] = '\0';
        if (take < (size_t)n) {
            oc->truncated = true;
            return 1;
        }
    }
}

/* After the box is gone: every writer has exited, so reads end at EOF. */
void output_drain(output_capture *oc)
{
    output_buffer *bs[] = {&oc->out, &oc->err};
    for (int i = 0; i < 2; i++) {
        while (bs[i]->fd >= 0 && !oc->truncated) {
            if (output_read_available(oc, bs[i], NULL) != 0)
                break;
            if (bs[i]->fd >= 0) {
                /* EAGAIN with no writer left cannot happen; be safe anyway. */
                int fl = fcntl(bs[i]->fd, F_GETFL);
                if (fl < 0 || fcntl(bs[i]->fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
                    buffer_close(bs[i]);
            }
        }
        buffer_close(bs[i]);
    }
}

void output_free(output_capture *oc)
{
    buffer_close(&oc->out);
    buffer_close(&oc->err);
    free(oc->out.data);
    free(oc->err.data);
    oc->out.data = oc->err.data = NULL;
}

int output_stdin_memfd(const char *data, size_t len, rbx_error *err)
{
    int fd = memfd_create("rbx-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return rbx_error_errno(err, "memfd_create for stdin");
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return rbx_error_errno(err, "cannot write stdin");
        }
        done += (size_t)n;
    }
    /* Sealed: the program can read and seek, never change what others see. */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0 ||
        lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return rbx_error_errno(err, "cannot seal stdin");
    }
    return fd;
}
