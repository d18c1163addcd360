/* Drive the sandbox library's host-side file helpers (sandbox/host_files.h)
 * over a work dir a box has just planted links in, the way the engine will:
 * read results back, copy them out, write into the dir, delete it.
 *
 *   host_files_driver WORKDIR COPY_DIR
 *
 * Prints one line per operation, "op path: ok ..." or "op path: refused
 * MESSAGE"; the security suite decides what had to be refused. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/host_files.h"

/* Paths that climb out of the work dir or go through a planted symlink. */
static const char *const escapes[] = {
    "etcdir/passwd",      "statedir/secret",
    "rootdir/etc/shadow", "../../../../etc/passwd",
    "/etc/passwd",        "out/",
    "secret/.",
};

static void show(const char *op, const char *path, int rc, const rbx_error *err, const char *detail)
{
    if (rc < 0)
        printf("%s %s: refused %s\n", op, path, err->message);
    else
        printf("%s %s: ok %s\n", op, path, detail ? detail : "");
}

static void try_read(int dirfd, const char *path)
{
    rbx_error err;
    rbx_error_clear(&err);
    char *data = NULL;
    size_t len = 0;
    int rc = rbx_host_read_file(dirfd, path, 1 << 20, &data, &len, &err);
    char head[48] = "";
    if (rc == 0) {
        size_t n = len < sizeof head - 1 ? len : sizeof head - 1;
        for (size_t i = 0; i < n; i++)
            head[i] = data[i] >= 32 && data[i] < 127 ? data[i] : '.';
        head[n] = '\0';
    }
    show("read", path, rc, &err, head);
    free(data);
}

static void try_copy(int dirfd, const char *path, int copyfd)
{
    rbx_error err;
    rbx_error_clear(&err);
    char dst[300];
    snprintf(dst, sizeof dst, "copy-%s", path);
    for (char *c = dst; *c; c++)
        if (*c == '/')
            *c = '_';
    int rc = rbx_host_copy_file(dirfd, path, copyfd, dst, 1 << 20, 0600, &err);
    show("copy", path, rc, &err, dst);
}

static void try_write(int dirfd, const char *path)
{
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_host_write_file(dirfd, path, "rbxsec\n", 7, 0644, &err);
    show("write", path, rc, &err, NULL);
}

static void try_mkdir(int dirfd, const char *path)
{
    rbx_error err;
    rbx_error_clear(&err);
    int rc = rbx_host_mkdir(dirfd, path, 0755, &err);
    show("mkdir", path, rc, &err, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: host_files_driver WORKDIR COPY_DIR\n");
        return 2;
    }
    int dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int copyfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0 || copyfd < 0) {
        perror("open");
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        perror("opendir");
        return 2;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        try_read(dirfd, e->d_name);
        try_copy(dirfd, e->d_name, copyfd);
    }
    closedir(d);
    for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; i++) {
        try_read(dirfd, escapes[i]);
        try_copy(dirfd, escapes[i], copyfd);
    }
    try_write(dirfd, "out");
    try_write(dirfd, "etcdir/rbxsec-planted");
    try_write(dirfd, "statedir/rbxsec-planted");
    try_mkdir(dirfd, "etcdir/rbxsec-planted-dir");
    try_mkdir(dirfd, "rootdir/tmp/rbxsec-planted-dir");

    /* Delete the whole work dir from its parent, as the engine will. */
    char *slash = strrchr(argv[1], '/');
    if (!slash || slash == argv[1]) {
        fprintf(stderr, "WORKDIR must be an absolute path below /\n");
        return 2;
    }
    *slash = '\0';
    int parentfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    rbx_error err;
    rbx_error_clear(&err);
    int rc = parentfd < 0 ? -1 : rbx_host_remove_tree(parentfd, slash + 1, &err);
    show("remove", slash + 1, rc, &err, NULL);
    close(dirfd);
    close(copyfd);
    return 0;
}
