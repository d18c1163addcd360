/* Messages with descriptors (SCM_RIGHTS) over the box's sync socket: the
 * rootless init sends the /box tmpfs up, the supervisor sends the launch
 * message (argument memfd, stdin) down. Used on both sides of the clone: no
 * allocation. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "sandbox/internal.h"

#define MAX_FDS 2

ssize_t fd_send(int sock, const void *buf, size_t len, const int *fds, size_t n_fds)
{
    if (n_fds > MAX_FDS) {
        errno = EINVAL;
        return -1;
    }
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = CMSG_SPACE(n_fds * sizeof(int))};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
    memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
    ssize_t n;
    do
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
}

ssize_t fd_receive(int sock, void *buf, size_t len, int *fds, size_t max_fds, size_t *n_fds)
{
    *n_fds = 0;
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
    } control;
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof(control.buf)};
    ssize_t n;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return n;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
        c->cmsg_len < CMSG_LEN(0) || (msg.msg_flags & MSG_CTRUNC)) {
        errno = EPROTO;
        return -1;
    }
    size_t got = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    if (got > max_fds) {
        errno = EPROTO;
        return -1;
    }
    memcpy(fds, CMSG_DATA(c), got * sizeof(int));
    *n_fds = got;
    return n;
}
