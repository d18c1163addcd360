/* Two boxes at once. "hold SECRET" leaves SECRET wherever a neighbour box
 * could look (its /tmp, its /box, /dev/shm, a System V shared memory segment,
 * an abstract unix socket) and waits argv[3] ms; "seek SECRET" looks for it
 * in all those places from another box. */
#define _GNU_SOURCE
#include "hostile.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#define SHM_KEY 0x5ec7e57

static void put_file(const char *dir, const char *secret)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, secret);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        printf("hold %s: errno=%s\n", path, errname(errno));
        return;
    }
    ssize_t n = write(fd, secret, strlen(secret));
    printf("hold %s: %s\n", path, n > 0 ? "ok" : "write failed");
    close(fd);
}

static socklen_t abstract_addr(struct sockaddr_un *sa, const char *secret)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    size_t len = strlen(secret);
    if (len > sizeof sa->sun_path - 1)
        len = sizeof sa->sun_path - 1;
    memcpy(sa->sun_path + 1, secret, len);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

static void hold(const char *secret, long ms)
{
    put_file("/tmp", secret);
    put_file("/box", secret);
    put_file("/dev/shm", secret);
    int id = shmget(SHM_KEY, 4096, IPC_CREAT | 0666);
    if (id >= 0) {
        char *mem = shmat(id, NULL, 0);
        if (mem != (void *)-1)
            strcpy(mem, secret);
    }
    report("hold shm", id);
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    socklen_t len = abstract_addr(&sa, secret);
    report("hold abstract", fd >= 0 ? bind(fd, (struct sockaddr *)&sa, len) : -1);
    if (fd >= 0)
        listen(fd, 4);
    printf("holding\n");
    fflush(stdout);
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
}

static void seek(const char *secret)
{
    int id = shmget(SHM_KEY, 0, 0);
    if (id >= 0) {
        char *mem = shmat(id, NULL, SHM_RDONLY);
        if (mem != (void *)-1 && strstr(mem, secret))
            printf("seek shm: found\n");
    }
    report("seek shm", id);
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    socklen_t len = abstract_addr(&sa, secret);
    report("seek abstract", fd >= 0 ? connect(fd, (struct sockaddr *)&sa, len) : -1);
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "hold")) {
        hold(argv[2], atol(argv[3]));
    } else if (argc >= 3 && !strcmp(argv[1], "seek")) {
        seek(argv[2]);
    } else {
        printf("usage: hold SECRET MS | seek SECRET\n");
        return 2;
    }
    return 0;
}
