/* Host-side file helpers that never follow a path a box could have planted
 * (see host_files.h for the threat). */
#include "sandbox/host_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/io.h"

#define MAX_TREE_DEPTH 512

static int openat2_beneath(int dirfd, const char *relpath, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
        .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    return (int)syscall(SYS_openat2, dirfd, relpath, &how, sizeof(how));
}

int rbx_host_open_beneath(int dirfd, const char *relpath, int flags, mode_t mode, rbx_error *err)
{
    if (!relpath || !relpath[0] || relpath[0] == '/')
        return rbx_error_internal(err, "not a relative path: %s", relpath ? relpath : "(null)");
    int fd = openat2_beneath(dirfd, relpath, flags, mode);
    if (fd < 0)
        return rbx_error_errno(err, "cannot open %s", relpath);
    return fd;
}

int rbx_host_write_file(int dirfd, const char *relpath, const void *data, size_t len, mode_t mode,
                        rbx_error *err)
{
    int fd = rbx_host_open_beneath(dirfd, relpath, O_WRONLY | O_CREAT | O_EXCL, mode, err);
    if (fd < 0)
        return -1;
    int rc = rbx_write_all(fd, data, len);
    if (rc != 0)
        rbx_error_errno(err, "cannot write %s", relpath);
    if (close(fd) != 0 && rc == 0)
        rc = rbx_error_errno(err, "cannot write %s", relpath);
    return rc;
}

/* Split relpath into its parent (opened beneath dirfd) and last component. */
static int open_parent(int dirfd, const char *relpath, const char **leaf, rbx_error *err)
{
    const char *slash = strrchr(relpath, '/');
    *leaf = slash ? slash + 1 : relpath;
    if (!**leaf || strcmp(*leaf, ".") == 0 || strcmp(*leaf, "..") == 0)
        return rbx_error_internal(err, "bad path %s", relpath);
    if (!slash)
        return fcntl(dirfd, F_DUPFD_CLOEXEC, 0) < 0 ? rbx_error_errno(err, "dup")
                                                    : fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    char parent[4096];
    size_t n = (size_t)(slash - relpath);
    if (n == 0 || n >= sizeof(parent))
        return rbx_error_internal(err, "bad path %s", relpath);
    memcpy(parent, relpath, n);
    parent[n] = '\0';
    return rbx_host_open_beneath(dirfd, parent, O_PATH | O_DIRECTORY, 0, err);
}

int rbx_host_mkdir(int dirfd, const char *relpath, mode_t mode, rbx_error *err)
{
    if (!relpath || !relpath[0] || relpath[0] == '/')
        return rbx_error_internal(err, "not a relative path");
    const char *leaf;
    int parent = open_parent(dirfd, relpath, &leaf, err);
    if (parent < 0)
        return -1;
    int rc = mkdirat(parent, leaf, mode);
    if (rc != 0)
        rbx_error_errno(err, "cannot create directory %s", relpath);
    close(parent);
    return rc == 0 ? 0 : -1;
}

/* fd must be a regular file with one link (a hard link to a file outside the
 * box would have more) and not larger than max_bytes. */
static int check_readable(int fd, const char *relpath, size_t max_bytes, struct stat *st,
                          rbx_error *err)
{
    if (fstat(fd, st) != 0)
        return rbx_error_errno(err, "cannot stat %s", relpath);
    if (!S_ISREG(st->st_mode))
        return rbx_error_internal(err, "%s is not a regular file", relpath);
    if (st->st_nlink != 1)
        return rbx_error_internal(err, "%s has %ju links, refusing a possible hard link", relpath,
                                  (uintmax_t)st->st_nlink);
    if ((uintmax_t)st->st_size > max_bytes)
        return rbx_error_internal(err, "%s is larger than %zu bytes", relpath, max_bytes);
    return 0;
}

int rbx_host_read_file(int dirfd, const char *relpath, size_t max_bytes, char **data, size_t *len,
                       rbx_error *err)
{
    *data = NULL;
    *len = 0;
    /* O_NONBLOCK: a FIFO must not hang us before fstat can refuse it. */
    int fd = rbx_host_open_beneath(dirfd, relpath, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, err);
    if (fd < 0)
        return -1;
    struct stat st;
    if (check_readable(fd, relpath, max_bytes, &st, err) != 0) {
        close(fd);
        return -1;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return rbx_error_internal(err, "out of memory reading %s", relpath);
    }
    for (;;) {
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            free(buf);
            close(fd);
            return rbx_error_errno(err, "cannot read %s", relpath);
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n == cap) { /* grew since fstat: read no more than the cap allows */
            free(buf);
            close(fd);
            return rbx_error_internal(err, "%s changed while being read", relpath);
        }
    }
    close(fd);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

int rbx_host_copy_file(int src_dirfd, const char *src, int dst_dirfd, const char *dst,
                       size_t max_bytes, mode_t mode, rbx_error *err)
{
    char *data;
    size_t len;
    if (rbx_host_read_file(src_dirfd, src, max_bytes, &data, &len, err) != 0)
        return -1;
    int rc = rbx_host_write_file(dst_dirfd, dst, data, len, mode, err);
    free(data);
    return rc;
}

static int remove_entry(int dirfd, const char *name, int depth, rbx_error *err);

static int remove_children(int parent_fd, const char *name, int depth, rbx_error *err)
{
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == EACCES) {
        /* A box may leave mode-000 directories; they are ours (or the box's
         * uid's, and we are root), so reopen them. Checked as a directory by
         * the caller; AT_SYMLINK_NOFOLLOW keeps a swapped-in link unchanged. */
        if (fchmodat(parent_fd, name, 0700, AT_SYMLINK_NOFOLLOW) == 0)
            fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0)
        return rbx_error_errno(err, "cannot open directory %s", name);
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return rbx_error_errno(err, "fdopendir %s", name);
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        rc = remove_entry(dirfd(d), e->d_name, depth + 1, err);
    }
    closedir(d);
    return rc;
}

static int remove_entry(int dirfd, const char *name, int depth, rbx_error *err)
{
    if (depth > MAX_TREE_DEPTH)
        return rbx_error_internal(err, "directory tree deeper than %d levels", MAX_TREE_DEPTH);
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : rbx_error_errno(err, "cannot stat %s", name);
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
            return rbx_error_errno(err, "cannot remove %s", name);
        return 0;
    }
    if (remove_children(dirfd, name, depth, err) != 0)
        return -1;
    if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        return rbx_error_errno(err, "cannot remove directory %s", name);
    return 0;
}

int rbx_host_remove_tree(int dirfd, const char *name, rbx_error *err)
{
    if (!name || !name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return rbx_error_internal(err, "remove_tree takes one name, not a path");
    return remove_entry(dirfd, name, 0, err);
}

int rbx_host_make_temp_dir(const char *parent, char *path_out, size_t outlen, rbx_error *err)
{
    int n = snprintf(path_out, outlen, "%s/box-XXXXXX", parent);
    if (n < 0 || (size_t)n >= outlen)
        return rbx_error_internal(err, "temp dir path too long");
    if (!mkdtemp(path_out))
        return rbx_error_errno(err, "cannot create a temp dir under %s", parent);
    return 0;
}
