#include "engine/workdir.h"

#include "sandbox/host_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Directories nested deeper than this are moved up to the run dir's top
 * level instead of recursed into, so a hostile tree costs neither stack nor
 * file descriptors. */
#define MAX_DEPTH 32

/* The sandbox copies a run dir into the box through a descriptor and never
 * mounts it, so nothing but the service needs to reach it: the base is 0700. */
void rbx_workdir_base(const char *state_dir, char *out, size_t outsz)
{
    struct stat st;
    if (state_dir && state_dir[0] == '/' && stat(state_dir, &st) == 0 && S_ISDIR(st.st_mode) &&
        access(state_dir, W_OK) == 0) {
        snprintf(out, outsz, "%s/work", state_dir);
        return;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(out, outsz, "%s/runbox-work-%u", tmp && tmp[0] == '/' ? tmp : "/tmp",
             (unsigned)geteuid());
}

/* The base must be ours alone: a directory (not a link) owned by us, mode 0700. */
static int open_private_base(const char *base, rbx_error *err)
{
    if (mkdir(base, 0700) < 0 && errno != EEXIST)
        return rbx_error_errno(err, "cannot create the work dir base %s", base);
    int fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return rbx_error_errno(err, "cannot open the work dir base %s", base);
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 0077) != 0) {
        close(fd);
        return rbx_error_internal(err,
                                  "work dir base %s must be a directory owned by uid %u "
                                  "that no one else can enter (mode 0700)",
                                  base, (unsigned)geteuid());
    }
    return fd;
}

/* One attempt at a run dir named new-<suffix>, locked, then run-<suffix>.
 * 1: made; 0: the name is taken (draw another); -1: an error. */
static int try_create(const char *base, const char *suffix, rbx_workdir *wd, rbx_error *err)
{
    char fresh[sizeof(wd->path)];
    if ((size_t)snprintf(fresh, sizeof(fresh), "%s/new-%s", base, suffix) >= sizeof(fresh) ||
        (size_t)snprintf(wd->path, sizeof(wd->path), "%s/run-%s", base, suffix) >= sizeof(wd->path))
        return rbx_error_internal(err, "work dir base path too long: %s", base);
    if (mkdir(fresh, 0700) < 0)
        return errno == EEXIST ? 0 : rbx_error_errno(err, "cannot create a run dir under %s", base);
    wd->fd = open(fresh, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (wd->fd >= 0 && fchmod(wd->fd, 0700) == 0 && flock(wd->fd, LOCK_EX | LOCK_NB) == 0 &&
        renameat2(AT_FDCWD, fresh, AT_FDCWD, wd->path, RENAME_NOREPLACE) == 0)
        return 1;
    int taken = errno == EEXIST;
    if (!taken)
        rbx_error_errno(err, "cannot prepare the run dir %s", wd->path);
    if (wd->fd >= 0)
        close(wd->fd);
    wd->fd = -1;
    rmdir(fresh);
    return taken ? 0 : -1;
}

/* A run dir is made as new-<suffix>, locked, then renamed run-<suffix>:
 * every run-* dir is locked from its first moment by the process whose run
 * it is, so rbx_workdir_sweep() can tell a dead run's dir from a live one.
 *
 * The suffix comes from libsodium's generator, not mkdtemp: glibc's mkdtemp
 * makes a name unique among new-* names only, from the clock and a stack
 * address (no getrandom), and once under 4 clients two pool workers drew
 * the same one: the second's rename met the first's live run-* dir
 * (ENOTEMPTY: the request failed), and had that dir still been empty, the
 * rename would have replaced it. The rename now refuses to replace anything
 * (RENAME_NOREPLACE), and a taken name is drawn again. */
int rbx_workdir_create(const char *base, rbx_workdir *wd, rbx_error *err)
{
    wd->fd = -1;
    int base_fd = open_private_base(base, err);
    if (base_fd < 0)
        return -1;
    close(base_fd);
    for (int attempt = 0; attempt < 16; attempt++) {
        unsigned char rnd[8];
        char suffix[2 * sizeof(rnd) + 1];
        randombytes_buf(rnd, sizeof(rnd));
        sodium_bin2hex(suffix, sizeof(suffix), rnd, sizeof(rnd));
        int rc = try_create(base, suffix, wd, err);
        if (rc != 0)
            return rc > 0 ? 0 : -1;
    }
    return rbx_error_internal(err, "no free run dir name under %s after 16 draws", base);
}

int rbx_workdir_write(rbx_workdir *wd, const char *name, const char *data, size_t len,
                      rbx_error *err)
{
    return rbx_host_write_file(wd->fd, name, data, len, 0644, err);
}

static unsigned long moved_counter;

/* Empty the directory open at dfd. top_fd is the run dir, where directories
 * past MAX_DEPTH are moved; *moved tells the caller to sweep the top again. */
static int empty_dir(int dfd, int top_fd, int depth, int *moved)
{
    int scan_fd = dup(dfd);
    DIR *d = scan_fd >= 0 ? fdopendir(scan_fd) : NULL;
    if (!d) {
        if (scan_fd >= 0)
            close(scan_fd);
        return -1;
    }
    rewinddir(d); /* the dup shares its offset with dfd, which an earlier sweep moved */
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (!S_ISDIR(st.st_mode)) {
            if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
                rc = -1;
            continue;
        }
        if (depth >= MAX_DEPTH) {
            char flat[64];
            snprintf(flat, sizeof(flat), ".flat-%lu", ++moved_counter);
            if (renameat(dfd, name, top_fd, flat) == 0)
                *moved = 1;
            else
                rc = -1;
            continue;
        }
        /* A directory the program made unreadable to us: we own the dir's
         * files in rootless mode, and root ignores modes anyway. A failure
         * here is left to the openat below, which reports a dir still closed. */
        if (fchmodat(dfd, name, 0700, AT_SYMLINK_NOFOLLOW) < 0)
            errno = 0;
        int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            rc = -1;
            continue;
        }
        if (empty_dir(sub, top_fd, depth + 1, moved) < 0)
            rc = -1;
        close(sub);
        if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && errno != ENOTEMPTY)
            rc = -1;
    }
    closedir(d);
    return rc;
}

int rbx_workdir_remove(rbx_workdir *wd, rbx_error *err)
{
    if (wd->fd < 0)
        return 0;
    int moved, rounds = 0, rc;
    do {
        moved = 0;
        rc = empty_dir(wd->fd, wd->fd, 0, &moved);
    } while (moved && ++rounds < 1000000);
    (void)rc; /* what could not be removed shows up in rmdir's error */
    /* rmdir while the lock is held: a sweep cannot take the dir meanwhile. */
    int removed = rmdir(wd->path) == 0 || errno == ENOENT;
    int saved = errno;
    close(wd->fd);
    wd->fd = -1;
    errno = saved;
    if (!removed)
        return rbx_error_errno(err, "cannot remove the run dir %s", wd->path);
    return 0;
}

/* The dir name at base_fd if it is a dead run's, locked and opened into wd. */
static bool take_dead_run(int base_fd, const char *base, const char *name, rbx_workdir *wd)
{
    if (strncmp(name, "run-", 4) != 0 ||
        (size_t)snprintf(wd->path, sizeof(wd->path), "%s/%s", base, name) >= sizeof(wd->path))
        return false;
    wd->fd = openat(base_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (wd->fd < 0)
        return false;
    if (flock(wd->fd, LOCK_EX | LOCK_NB) == 0)
        return true;
    close(wd->fd); /* locked: its run is alive */
    wd->fd = -1;
    return false;
}

int rbx_workdir_sweep(const char *base, int *removed, rbx_error *err)
{
    *removed = 0;
    int base_fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (base_fd < 0)
        return errno == ENOENT ? 0 : rbx_error_errno(err, "cannot open the work dir base %s", base);
    int scan_fd = dup(base_fd);
    DIR *d = scan_fd >= 0 ? fdopendir(scan_fd) : NULL;
    if (!d) {
        if (scan_fd >= 0)
            close(scan_fd);
        close(base_fd);
        return rbx_error_errno(err, "cannot read the work dir base %s", base);
    }
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        rbx_workdir wd = {.fd = -1};
        if (!take_dead_run(base_fd, base, de->d_name, &wd))
            continue;
        if (rbx_workdir_remove(&wd, err) < 0)
            rc = -1;
        else
            (*removed)++;
    }
    closedir(d);
    close(base_fd);
    return rc;
}
