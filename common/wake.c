#include "common/wake.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int wake_dir(const char *state_dir, char *out, size_t outsz)
{
    if ((size_t)snprintf(out, outsz, "%s/wake", state_dir) >= outsz)
        return -1;
    return 0;
}

static int fill_address(struct sockaddr_un *sa, const char *path)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path))
        return -1;
    memcpy(sa->sun_path, path, strlen(path) + 1);
    return 0;
}

int rbx_wake_listen(const char *state_dir, rbx_wake *w, rbx_error *err)
{
    char dir[sizeof(w->path)];
    w->fd = -1;
    if (wake_dir(state_dir, dir, sizeof(dir)) < 0 ||
        (size_t)snprintf(w->path, sizeof(w->path), "%s/worker-%d", dir, (int)getpid()) >=
            sizeof(w->path))
        return rbx_error_internal(err, "state_dir is too long for a wake socket");
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return rbx_error_errno(err, "cannot create %s", dir);
    struct sockaddr_un sa;
    fill_address(&sa, w->path);
    unlink(w->path); /* a dead process of the same pid left it */
    w->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (w->fd < 0)
        return rbx_error_errno(err, "wake socket");
    if (bind(w->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        rbx_error_errno(err, "cannot bind %s", w->path);
        close(w->fd);
        w->fd = -1;
        return -1;
    }
    return 0;
}

int rbx_wake_drain(rbx_wake *w)
{
    char byte[64];
    int n = 0;
    while (w->fd >= 0 && recv(w->fd, byte, sizeof(byte), 0) >= 0)
        n++;
    return n;
}

void rbx_wake_close(rbx_wake *w)
{
    if (w->fd < 0)
        return;
    close(w->fd);
    unlink(w->path);
    w->fd = -1;
}

void rbx_wake_workers(const char *state_dir)
{
    char dir[108];
    if (wake_dir(state_dir, dir, sizeof(dir)) < 0)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return; /* no worker has ever listened here */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct dirent *e;
    while (fd >= 0 && (e = readdir(d))) {
        char path[sizeof(dir) + 300];
        struct sockaddr_un sa;
        if (strncmp(e->d_name, "worker-", 7) != 0 ||
            (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path) ||
            fill_address(&sa, path) < 0)
            continue;
        if (sendto(fd, "j", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == ECONNREFUSED)
            unlink(path); /* its worker is gone */
    }
    if (fd >= 0)
        close(fd);
    closedir(d);
}
