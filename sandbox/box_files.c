/* The box's /box and the caller's work dir.
 *
 * /box is always a tmpfs capped at box_size_kb, so a box can never put more
 * than that on the host's disk. The work dir's regular files and directories
 * are copied in before the program starts, and what the box changed is copied
 * back once every process of the box is gone (nothing in the box can race the
 * copy back: the tmpfs is then reachable only through the supervisor's fd).
 *
 * Both copies run in the supervisor with its own credentials, from an fd on
 * the work dir taken before the box existed: neither the work dir's path nor
 * its parents' permissions matter to the box's uid, and nothing of the host
 * is ever mounted in the box. Only regular files and directories cross, by
 * *at() calls that never follow a symlink. Copying back:
 *   - a box file with several links is skipped (one tmpfs block named a
 *     thousand times would reach the host a thousand times);
 *   - the bytes copied back are capped at the box's size (a sparse file's
 *     size is not bounded by the tmpfs);
 *   - a file replaces the host's by rename, never by writing through an
 *     existing inode; an unchanged file (same size and mtime as the host's,
 *     which copy-in preserves) is not copied at all;
 *   - a regular file or directory the box removed is removed from the host;
 *     a name the box turned into something else (a symlink, a FIFO) keeps its
 *     host version. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/host_files.h"
#include "sandbox/internal.h"

#define MAX_DEPTH 32                    /* deeper directories are not copied */
#define COPY_TEMP_NAME ".rbx-copy-back" /* written, then renamed over the real name */

typedef struct tree_copy {
    bool into_box;
    bool chown; /* into the box, root mode: give files to the box's uid */
    uid_t uid;
    gid_t gid;
    uint64_t size_kb; /* the box's size, for messages */
    uint64_t budget;  /* copy back: bytes still allowed */
    rbx_error *err;
} tree_copy;

static int copy_tree(tree_copy *c, int src, int dst, int depth);

static bool plain_name(const char *name)
{
    return name[0] && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !strchr(name, '/');
}

static int open_dir_at(int dirfd, const char *name)
{
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* A listing of dirfd (which may be an O_PATH fd, as fsmount's is). */
static DIR *list_dir(int dirfd)
{
    int fd = open_dir_at(dirfd, ".");
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d && fd >= 0)
        close(fd);
    return d;
}

/* In-kernel copy of size bytes from the start of in to out. */
static int copy_bytes(int in, int out, off_t size)
{
    while (size > 0) {
        size_t chunk = size > (off_t)1 << 30 ? (size_t)1 << 30 : (size_t)size;
        ssize_t n = sendfile(out, in, NULL, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break; /* the source got shorter: copy what there is */
        size -= n;
    }
    return 0;
}

static bool same_times(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Open src's regular file `name`, checking it is the one fstatat saw. */
static int open_source(int src, const char *name, const struct stat *seen, struct stat *st)
{
    int fd = openat(src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_ino != seen->st_ino ||
        st->st_dev != seen->st_dev) {
        close(fd);
        errno = ESTALE;
        return -1;
    }
    return fd;
}

static int fill_error(tree_copy *c, const char *what, const char *name)
{
    if (c->into_box && (errno == ENOSPC || errno == EFBIG || errno == EDQUOT))
        return rbx_error_raise(c->err, RBX_ERR_TOO_LARGE, "workdir_too_large", "workdir",
                               "the work dir does not fit in /box (%llu KiB)",
                               (unsigned long long)c->size_kb);
    return rbx_error_errno(c->err, "%s %s %s", what, c->into_box ? "into the box:" : "back:", name);
}

/* Data, permission bits (never set-id), owner and times of a copied file. */
static int finish_file(tree_copy *c, int in, int out, const struct stat *st, const char *name)
{
    struct timespec times[2] = {st->st_atim, st->st_mtim};
    if (copy_bytes(in, out, st->st_size) != 0 || fchmod(out, st->st_mode & 0777) != 0 ||
        (c->chown && fchown(out, c->uid, c->gid) != 0) || futimens(out, times) != 0)
        return fill_error(c, "cannot copy", name);
    return 0;
}

static int copy_file_in(tree_copy *c, int host, int box, const char *name, const struct stat *seen)
{
    struct stat st;
    int in = open_source(host, name, seen, &st);
    if (in < 0)
        return errno == ESTALE ? 0 : fill_error(c, "cannot open", name);
    int out = openat(box, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc = out < 0 ? fill_error(c, "cannot create", name) : finish_file(c, in, out, &st, name);
    close(in);
    if (out >= 0)
        close(out);
    return rc;
}

/* Make room on the host for a file or directory `name`: a different kind of
 * entry there goes (removed without following anything). */
static int clear_host_name(tree_copy *c, int host, const char *name, bool want_dir,
                           struct stat *existing, bool *exists)
{
    *exists = fstatat(host, name, existing, AT_SYMLINK_NOFOLLOW) == 0;
    if (!*exists || (want_dir ? S_ISDIR(existing->st_mode) : S_ISREG(existing->st_mode)))
        return 0;
    *exists = false;
    return rbx_host_remove_tree(host, name, c->err);
}

static int copy_file_out(tree_copy *c, int box, int host, const char *name, const struct stat *seen)
{
    if (seen->st_nlink != 1 || (uint64_t)seen->st_size > c->budget)
        return 0;
    c->budget -= (uint64_t)seen->st_size;
    struct stat old;
    bool exists;
    if (clear_host_name(c, host, name, false, &old, &exists) != 0)
        return -1;
    if (exists && old.st_size == seen->st_size && same_times(&old.st_mtim, &seen->st_mtim))
        return 0; /* unchanged since it was copied in */
    struct stat st;
    int in = open_source(box, name, seen, &st);
    if (in < 0)
        return 0; /* unreadable (a rootless box can chmod 000 its files): the box's loss */
    if (st.st_nlink != 1) {
        close(in);
        return 0;
    }
    if (unlinkat(host, COPY_TEMP_NAME, 0) != 0 && errno != ENOENT) {
        close(in);
        return fill_error(c, "cannot clear", COPY_TEMP_NAME);
    }
    int out =
        openat(host, COPY_TEMP_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc = out < 0 ? fill_error(c, "cannot create", name) : finish_file(c, in, out, &st, name);
    close(in);
    if (out >= 0 && close(out) != 0 && rc == 0)
        rc = fill_error(c, "cannot write", name);
    if (rc == 0 && renameat(host, COPY_TEMP_NAME, host, name) != 0)
        rc = fill_error(c, "cannot rename", name);
    if (rc != 0)
        unlinkat(host, COPY_TEMP_NAME, 0);
    return rc;
}

static int copy_dir(tree_copy *c, int src, int dst, const char *name, const struct stat *st,
                    int depth)
{
    if (depth >= MAX_DEPTH)
        return 0;
    struct stat old;
    bool exists = false;
    if (!c->into_box && clear_host_name(c, dst, name, true, &old, &exists) != 0)
        return -1;
    if (!exists && mkdirat(dst, name, 0700) != 0 && errno != EEXIST)
        return fill_error(c, "cannot create", name);
    int from = open_dir_at(src, name);
    if (from < 0)
        return c->into_box ? fill_error(c, "cannot open", name) : 0;
    int to = open_dir_at(dst, name);
    int rc = to < 0 ? fill_error(c, "cannot open", name) : copy_tree(c, from, to, depth + 1);
    if (rc == 0 &&
        (fchmod(to, st->st_mode & 0777) != 0 || (c->chown && fchown(to, c->uid, c->gid) != 0)))
        rc = fill_error(c, "cannot set the mode of", name);
    close(from);
    if (to >= 0)
        close(to);
    return rc;
}

/* Host files and directories that are no longer in the box go. */
static int prune_host(tree_copy *c, int box, int host)
{
    DIR *d = list_dir(host);
    if (!d)
        return rbx_error_errno(c->err, "cannot list the work dir");
    int rc = 0;
    struct dirent *e;
    struct stat st;
    while (rc == 0 && (e = readdir(d))) {
        if (!plain_name(e->d_name) || fstatat(box, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
            errno != ENOENT)
            continue;
        if (fstatat(host, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
            rc = rbx_host_remove_tree(host, e->d_name, c->err);
    }
    closedir(d);
    return rc;
}

static int copy_tree(tree_copy *c, int src, int dst, int depth)
{
    DIR *d = list_dir(src);
    if (!d)
        return fill_error(c, "cannot list", ".");
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (errno = 0, e = readdir(d))) {
        struct stat st;
        if (!plain_name(e->d_name) || fstatat(src, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISREG(st.st_mode))
            rc = c->into_box ? copy_file_in(c, src, dst, e->d_name, &st)
                             : copy_file_out(c, src, dst, e->d_name, &st);
        else if (S_ISDIR(st.st_mode))
            rc = copy_dir(c, src, dst, e->d_name, &st, depth);
    }
    if (rc == 0 && errno != 0)
        rc = fill_error(c, "cannot list", ".");
    closedir(d);
    if (rc == 0 && !c->into_box)
        rc = prune_host(c, src, dst);
    return rc;
}

int box_files_copy_in(int host_dir, int box_dir, const uid_slot *slot, bool rootless,
                      uint64_t box_size_kb, rbx_error *err)
{
    tree_copy c = {.into_box = true,
                   .chown = !rootless,
                   .uid = slot->box_uid,
                   .gid = slot->box_gid,
                   .size_kb = box_size_kb,
                   .err = err};
    return copy_tree(&c, host_dir, box_dir, 0);
}

int box_files_copy_out(int box_dir, int host_dir, uint64_t box_size_kb, rbx_error *err)
{
    tree_copy c = {
        .into_box = false, .size_kb = box_size_kb, .budget = box_size_kb * 1024, .err = err};
    return copy_tree(&c, box_dir, host_dir, 0);
}
