/* Reading and writing the files of a run dir for the compile cache, beneath
 * directory descriptors only (see cache_tree.h for why). */
#include "engine/cache_tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/io.h"

typedef struct walk {
    rbx_tree *t;
    size_t cap;
    bool keep_data;
    uint64_t max_bytes;
    rbx_error *err;
} walk;

static int add_file(walk *w, char *path, mode_t mode, char *data, size_t len)
{
    if (w->t->n >= RBX_TREE_MAX_FILES) {
        free(path);
        free(data);
        return rbx_error_internal(w->err, "more than %d files", RBX_TREE_MAX_FILES);
    }
    if (w->t->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        rbx_tree_file *grown = realloc(w->t->files, cap * sizeof(*grown));
        if (!grown) {
            free(path);
            free(data);
            return rbx_error_errno(w->err, "out of memory");
        }
        w->t->files = grown;
        w->cap = cap;
    }
    rbx_tree_file *f = &w->t->files[w->t->n++];
    f->path = path;
    f->mode = mode & 0777;
    f->len = len;
    crypto_hash_sha256(f->sha256, (const unsigned char *)data, len);
    if (w->keep_data) {
        f->data = data;
    } else {
        f->data = NULL;
        free(data);
    }
    return 0;
}

/* Read the regular file name in dir fd dfd, with one link and within the byte budget. */
static int read_regular(walk *w, int dfd, const char *name, char **data, size_t *len, mode_t *mode)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return rbx_error_errno(w->err, "cannot open %s", name);
    struct stat st;
    int rc = -1;
    char *buf = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
        rbx_error_internal(w->err, "%s is not a plain file", name);
        goto out;
    }
    if ((uint64_t)st.st_size > w->max_bytes - w->t->bytes) {
        rbx_error_internal(w->err, "the files are larger than %ju bytes", (uintmax_t)w->max_bytes);
        goto out;
    }
    size_t n = 0, want = (size_t)st.st_size;
    if (!(buf = malloc(want + 1))) {
        rbx_error_errno(w->err, "out of memory");
        goto out;
    }
    while (n < want) {
        ssize_t got = read(fd, buf + n, want - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            rbx_error_errno(w->err, "cannot read %s", name);
            goto out;
        }
        n += (size_t)got;
    }
    buf[n] = '\0';
    w->t->bytes += n;
    *data = buf;
    *len = n;
    *mode = st.st_mode;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

static char *join(const char *prefix, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s%s%s", prefix, prefix[0] ? "/" : "", name) < 0)
        return NULL;
    return p;
}

static int walk_dir(walk *w, int dfd, const char *prefix, int depth);

static int walk_entry(walk *w, int dfd, const char *prefix, const char *name, int depth)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return rbx_error_errno(w->err, "cannot stat %s", name);
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return 0; /* the sandbox copies neither links nor devices back: nothing to cache */
    char *path = join(prefix, name);
    if (!path)
        return rbx_error_errno(w->err, "out of memory");
    if (S_ISDIR(st.st_mode)) {
        int rc = -1;
        if (depth >= RBX_TREE_MAX_DEPTH)
            rbx_error_internal(w->err, "directories deeper than %d", RBX_TREE_MAX_DEPTH);
        else {
            int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0)
                rbx_error_errno(w->err, "cannot open directory %s", path);
            else {
                rc = walk_dir(w, sub, path, depth + 1);
                close(sub);
            }
        }
        free(path);
        return rc;
    }
    char *data = NULL;
    size_t len = 0;
    mode_t mode = 0;
    if (read_regular(w, dfd, name, &data, &len, &mode) < 0) {
        free(path);
        return -1;
    }
    return add_file(w, path, mode, data, len);
}

static int walk_dir(walk *w, int dfd, const char *prefix, int depth)
{
    int scan = dup(dfd);
    DIR *d = scan >= 0 ? fdopendir(scan) : NULL;
    if (!d) {
        if (scan >= 0)
            close(scan);
        return rbx_error_errno(w->err, "cannot list %s", prefix[0] ? prefix : "the run dir");
    }
    rewinddir(d); /* the dup shares its offset with dfd, which an earlier walk moved */
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            rc = walk_entry(w, dfd, prefix, de->d_name, depth);
    closedir(d);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const rbx_tree_file *)a)->path, ((const rbx_tree_file *)b)->path);
}

int rbx_tree_read(int dirfd, bool keep_data, uint64_t max_bytes, rbx_tree *out, rbx_error *err)
{
    memset(out, 0, sizeof(*out));
    walk w = {out, 0, keep_data, max_bytes, err};
    if (walk_dir(&w, dirfd, "", 0) < 0) {
        rbx_tree_free(out);
        return -1;
    }
    if (out->n)
        qsort(out->files, out->n, sizeof(*out->files), by_path);
    return 0;
}

const rbx_tree_file *rbx_tree_find(const rbx_tree *t, const char *path)
{
    rbx_tree_file probe = {.path = (char *)path};
    return t->n ? bsearch(&probe, t->files, t->n, sizeof(*t->files), by_path) : NULL;
}

void rbx_tree_free(rbx_tree *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->files[i].path);
        free(t->files[i].data);
    }
    free(t->files);
    memset(t, 0, sizeof(*t));
}

/* Open (creating when missing) each directory of path's parent beneath dirfd;
 * *leaf points at the last component. Returns a descriptor to close. */
static int open_parents(int dirfd, const char *path, const char **leaf, rbx_error *err)
{
    int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return rbx_error_errno(err, "dup");
    char part[256];
    const char *p = path;
    for (const char *slash; (slash = strchr(p, '/')); p = slash + 1) {
        size_t n = (size_t)(slash - p);
        if (n == 0 || n >= sizeof(part) || (n <= 2 && strncmp(p, "..", n) == 0)) {
            close(fd);
            return rbx_error_internal(err, "bad path %s", path);
        }
        memcpy(part, p, n);
        part[n] = '\0';
        if (mkdirat(fd, part, 0755) != 0 && errno != EEXIST) {
            close(fd);
            return rbx_error_errno(err, "cannot create %s", part);
        }
        int sub = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        if (sub < 0)
            return rbx_error_errno(err, "cannot open %s", part);
        fd = sub;
    }
    *leaf = p;
    return fd;
}

int rbx_tree_put(int dirfd, const char *path, const char *data, size_t len, mode_t mode,
                 rbx_error *err)
{
    const char *leaf;
    int dfd = open_parents(dirfd, path, &leaf, err);
    if (dfd < 0)
        return -1;
    if (unlinkat(dfd, leaf, 0) != 0 && errno != ENOENT) {
        close(dfd);
        return rbx_error_errno(err, "cannot replace %s", path);
    }
    int fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    close(dfd);
    if (fd < 0)
        return rbx_error_errno(err, "cannot create %s", path);
    int rc = rbx_write_all(fd, data, len) == 0 && fchmod(fd, mode) == 0 ? 0 : -1;
    if (rc != 0)
        rbx_error_errno(err, "cannot write %s", path);
    if (close(fd) != 0 && rc == 0)
        rc = rbx_error_errno(err, "cannot write %s", path);
    return rc;
}
