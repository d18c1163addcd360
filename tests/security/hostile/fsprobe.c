/* Probe the filesystem from inside the box. Operations, any number, in order:
 *   read PATH            open and read; prints the bytes (printable, capped)
 *   list DIR             the names in DIR
 *   write PATH TEXT      create PATH exclusively and write TEXT
 *   append PATH TEXT     open PATH for writing (no create) and append TEXT
 *   exists PATH          lstat
 *   search DIR HEX       walk DIR (not following symlinks) for a name or a
 *                        small file's content containing the needle whose
 *                        bytes HEX spells (so that no command line in the
 *                        box holds the needle itself); DIR /proc: every
 *                        environ and cmdline but our own
 *   fill PATH            write one file until a write fails
 *   fillmany DIR MAXMB   write 4 MiB files until a write fails or MAXMB written
 *   symlink TARGET LINK  plant a symlink
 *   link TARGET LINK     plant a hard link
 *   mkfifo PATH          plant a FIFO
 *   devices              every device node under /dev with its numbers
 *   fds                  every open descriptor and what it points to
 * Each prints "op arg: ok ..." or "op arg: errno=E...". */
#define _GNU_SOURCE
#include "hostile.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void do_read(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        printf("read %s: errno=%s\n", path, errname(errno));
        return;
    }
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
        printf("read %s: errno=%s\n", path, errname(errno));
    } else {
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] < 32 || buf[i] > 126)
                buf[i] = '.';
        printf("read %s: ok %zd [%.*s]\n", path, n, (int)n, buf);
    }
    close(fd);
}

static void do_list(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        printf("list %s: errno=%s\n", path, errname(errno));
        return;
    }
    printf("list %s: ok", path);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            printf(" %s", e->d_name);
    printf("\n");
    closedir(d);
}

static void do_write(const char *path, const char *text, int flags)
{
    const char *op = (flags & O_CREAT) ? "write" : "append";
    int fd = open(path, O_WRONLY | O_NOFOLLOW | flags, 0644);
    if (fd < 0) {
        printf("%s %s: errno=%s\n", op, path, errname(errno));
        return;
    }
    ssize_t n = write(fd, text, strlen(text));
    if (n < 0)
        printf("%s %s: write errno=%s\n", op, path, errname(errno));
    else
        printf("%s %s: ok %zd\n", op, path, n);
    close(fd);
}

static void do_exists(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        printf("exists %s: errno=%s\n", path, errname(errno));
    else
        printf("exists %s: ok mode=%o\n", path, st.st_mode);
}

static int file_contains(int dirfd, const char *name, const char *needle)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return 0;
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return memmem(buf, (size_t)n, needle, strlen(needle)) != NULL;
}

/* Trees too big to read whole that only hold what the host put there read-only. */
static int skipped_dir(const char *path)
{
    static const char *const big[] = {"/proc",  "/sys",    "/usr", "/lib", "/lib32",
                                      "/lib64", "/libx32", "/bin", "/sbin"};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        if (!strcmp(path, big[i]))
            return 1;
    return 0;
}

/* Depth-first walk that never follows a symlink; /proc/<pid>/ and /sys are
 * skipped except the few files that could hold another box's secret. */
static void search(const char *path, const char *needle, int depth, long *found)
{
    if (depth > 12)
        return;
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", strcmp(path, "/") ? path : "", e->d_name);
        if (strstr(e->d_name, needle)) {
            printf("search: found name %s\n", child);
            (*found)++;
        }
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (skipped_dir(child))
                continue;
            search(child, needle, depth + 1, found);
        } else if (S_ISREG(st.st_mode) && st.st_size < 65536) {
            if (file_contains(dirfd(d), e->d_name, needle)) {
                printf("search: found content in %s\n", child);
                (*found)++;
            }
        }
    }
    closedir(d);
}

/* The environ and cmdline of every process the box can see. */
static void search_proc(const char *needle, long *found)
{
    DIR *d = opendir("/proc");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
            continue;
        const char *files[] = {"environ", "cmdline"};
        for (size_t i = 0; i < 2; i++) {
            char p[300];
            snprintf(p, sizeof p, "/proc/%s/%s", e->d_name, files[i]);
            if (file_contains(AT_FDCWD, p, needle)) {
                printf("search: found content in %s\n", p);
                (*found)++;
            }
        }
    }
    closedir(d);
}

static void do_search(const char *root, const char *hex)
{
    char needle[256];
    size_t n = 0;
    for (; hex[2 * n] && hex[2 * n + 1] && n < sizeof needle - 1; n++) {
        unsigned byte;
        if (sscanf(hex + 2 * n, "%2x", &byte) != 1)
            break;
        needle[n] = (char)byte;
    }
    needle[n] = '\0';
    long found = 0;
    if (!strcmp(root, "/proc"))
        search_proc(needle, &found);
    else
        search(root, needle, 0, &found);
    printf("search %s: ok %ld found\n", root, found);
}

static long write_until_error(int fd, long cap_bytes, int *err)
{
    static char block[65536];
    memset(block, 'F', sizeof block);
    long total = 0;
    *err = 0;
    while (cap_bytes < 0 || total < cap_bytes) {
        ssize_t n = write(fd, block, sizeof block);
        if (n < 0) {
            *err = errno;
            break;
        }
        total += n;
    }
    return total;
}

static void do_fill(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        printf("fill %s: errno=%s\n", path, errname(errno));
        return;
    }
    int err;
    long total = write_until_error(fd, -1, &err);
    close(fd);
    printf("fill %s: stopped after %ld KiB errno=%s\n", path, total / 1024, errname(err));
}

static void do_fillmany(const char *dir, long max_mb)
{
    long total = 0;
    int err = 0;
    for (int i = 0; total < max_mb * 1048576L; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/fill.%d", dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
        if (fd < 0) {
            err = errno;
            break;
        }
        total += write_until_error(fd, 4L << 20, &err);
        close(fd);
        if (err)
            break;
    }
    printf("fillmany %s: stopped after %ld KiB errno=%s\n", dir, total / 1024, errname(err));
}

static void do_devices(void)
{
    DIR *d = opendir("/dev");
    if (!d) {
        printf("devices: errno=%s\n", errname(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
            printf("device /dev/%s: %c %u:%u\n", e->d_name, S_ISCHR(st.st_mode) ? 'c' : 'b',
                   major(st.st_rdev), minor(st.st_rdev));
    }
    closedir(d);
    printf("devices: done\n");
}

static void do_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        printf("fds: errno=%s\n", errname(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
            continue;
        char link[300], target[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        printf("fd %s: %s\n", e->d_name, target);
    }
    closedir(d);
    printf("fds: done\n");
}

/* "op path" in a static buffer, for report(). */
static const char *label(const char *op, const char *path)
{
    static char buf[4200];
    snprintf(buf, sizeof buf, "%s %s", op, path);
    return buf;
}

int main(int argc, char **argv)
{
    signal(SIGXFSZ, SIG_IGN); /* see EFBIG rather than die of the file size limit */
    for (int i = 1; i < argc; i++) {
        const char *op = argv[i];
        const char *a = i + 1 < argc ? argv[i + 1] : NULL;
        const char *b = i + 2 < argc ? argv[i + 2] : NULL;
        if (!strcmp(op, "read") && a) {
            do_read(a), i += 1;
        } else if (!strcmp(op, "list") && a) {
            do_list(a), i += 1;
        } else if (!strcmp(op, "write") && b) {
            do_write(a, b, O_CREAT | O_EXCL), i += 2;
        } else if (!strcmp(op, "append") && b) {
            do_write(a, b, O_APPEND), i += 2;
        } else if (!strcmp(op, "exists") && a) {
            do_exists(a), i += 1;
        } else if (!strcmp(op, "search") && b) {
            do_search(a, b), i += 2;
        } else if (!strcmp(op, "fill") && a) {
            do_fill(a), i += 1;
        } else if (!strcmp(op, "fillmany") && b) {
            do_fillmany(a, atol(b)), i += 2;
        } else if (!strcmp(op, "symlink") && b) {
            report(label("symlink", b), symlink(a, b)), i += 2;
        } else if (!strcmp(op, "link") && b) {
            report(label("link", b), link(a, b)), i += 2;
        } else if (!strcmp(op, "mkfifo") && a) {
            report(label("mkfifo", a), mkfifo(a, 0644)), i += 1;
        } else if (!strcmp(op, "fds")) {
            do_fds();
        } else if (!strcmp(op, "devices")) {
            do_devices();
        } else {
            printf("unknown op %s\n", op);
            return 2;
        }
        fflush(stdout);
    }
    return 0;
}
