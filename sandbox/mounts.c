/* The box's filesystem, built by the box init inside its own mount namespace
 * (so nothing here is ever visible to the host, and everything vanishes with
 * the namespace):
 *
 *   /            a small tmpfs, read-only once built (pivot_root into it)
 *   /usr, /lib*  read-only, nosuid, nodev binds of the host's
 *   /bin, /sbin  the host's symlinks into /usr (or binds where they are dirs)
 *   /etc         only ld.so.cache, alternatives, the JVM's config, and
 *                generated passwd, group and hosts naming the box user
 *   /proc        a fresh proc of the box's pid namespace
 *   /dev         null, zero, full, random, urandom and the fd symlinks
 *   /tmp         a size-capped tmpfs
 *   /box         a size-capped tmpfs (the work dir's files are copied in and
 *                back by the supervisor, box_files.c)
 *
 * Runs in the cloned child: no allocation, fixed buffers only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/internal.h"

#define BOX_PATH_MAX 512

static const char *const lib_dirs[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
static const char *const etc_entries[] = {"/etc/ld.so.cache", "/etc/alternatives",
                                          "/etc/java-17-openjdk", "/etc/localtime"};
static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom"};

static void join(char *out, const char *root, const char *path)
{
    snprintf(out, BOX_PATH_MAX, "%s%s", root, path);
}

static int set_attrs(const char *target, uint64_t set, bool recursive, child_error *e)
{
    struct mount_attr attr = {.attr_set = set};
    if (mount_setattr(AT_FDCWD, target, recursive ? AT_RECURSIVE : 0, &attr, sizeof(attr)) != 0)
        return child_fail(e, errno, "mount_setattr", target);
    return 0;
}

static int make_dir(const char *path, mode_t mode, child_error *e)
{
    if (mkdir(path, mode) != 0 && errno != EEXIST)
        return child_fail(e, errno, "mkdir", path);
    return 0;
}

static int make_file(const char *path, child_error *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return child_fail(e, errno, "create", path);
    close(fd);
    return 0;
}

/* Bind host `src` at `dst` (created as dir or file to match), attributes
 * left to the caller. */
static int bind_only(const char *src, const char *dst, bool is_dir, child_error *e)
{
    if ((is_dir ? make_dir(dst, 0755, e) : make_file(dst, e)) != 0)
        return -1;
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0)
        return child_fail(e, errno, "bind", src);
    return 0;
}

/* Bind host `src` at `dst` (created as dir or file to match) with `attrs`. */
static int bind(const char *src, const char *dst, bool is_dir, uint64_t attrs, child_error *e)
{
    if (bind_only(src, dst, is_dir, e) != 0)
        return -1;
    return set_attrs(dst, attrs, true, e);
}

#define RO_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)

/* Mirror a host path: a symlink is recreated, a directory or file bound read-only. */
static int mirror(const char *root, const char *path, child_error *e)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0; /* this host has no such path: nothing to show */
    char dst[BOX_PATH_MAX];
    join(dst, root, path);
    if (S_ISLNK(st.st_mode)) {
        char target[BOX_PATH_MAX];
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
            return child_fail(e, errno, "readlink", path);
        target[n] = '\0';
        if (symlink(target, dst) != 0)
            return child_fail(e, errno, "symlink", dst);
        return 0;
    }
    return bind(path, dst, S_ISDIR(st.st_mode), RO_ATTRS, e);
}

static int write_text(const char *path, const char *text, child_error *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return child_fail(e, errno, "create", path);
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    if (n != (ssize_t)strlen(text))
        return child_fail(e, n < 0 ? errno : EIO, "write", path);
    return 0;
}

/* Just enough identity for getpwuid() and resolvers that look at /etc/hosts. */
static int build_etc(const char *root, child_error *e)
{
    char dir[BOX_PATH_MAX], path[BOX_PATH_MAX];
    join(dir, root, "/etc");
    if (make_dir(dir, 0755, e) != 0)
        return -1;
    for (size_t i = 0; i < sizeof(etc_entries) / sizeof(etc_entries[0]); i++)
        if (mirror(root, etc_entries[i], e) != 0)
            return -1;
    join(path, root, "/etc/passwd");
    if (write_text(path,
                   "root:x:0:0:root:/:/usr/sbin/nologin\n"
                   "runbox:x:1000:1000:runbox:/box:/usr/sbin/nologin\n",
                   e) != 0)
        return -1;
    join(path, root, "/etc/group");
    if (write_text(path, "root:x:0:\nrunbox:x:1000:\n", e) != 0)
        return -1;
    join(path, root, "/etc/hosts");
    return write_text(path, "127.0.0.1 localhost runbox\n::1 localhost\n", e);
}

static int build_dev(const char *root, child_error *e)
{
    char dev[BOX_PATH_MAX], src[64], dst[BOX_PATH_MAX + 32];
    join(dev, root, "/dev");
    if (make_dir(dev, 0755, e) != 0)
        return -1;
    if (mount("rbx-dev", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755") !=
        0)
        return child_fail(e, errno, "mount tmpfs", dev);
    for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
        snprintf(src, sizeof(src), "/dev/%s", dev_nodes[i]);
        snprintf(dst, sizeof(dst), "%s/%s", dev, dev_nodes[i]);
        if (bind_only(src, dst, false, e) != 0)
            return -1;
    }
    static const char *const links[][2] = {{"/proc/self/fd", "fd"},
                                           {"/proc/self/fd/0", "stdin"},
                                           {"/proc/self/fd/1", "stdout"},
                                           {"/proc/self/fd/2", "stderr"}};
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        snprintf(dst, sizeof(dst), "%s/%s", dev, links[i][1]);
        if (symlink(links[i][0], dst) != 0)
            return child_fail(e, errno, "symlink", dst);
    }
    /* Every node nosuid and noexec in one call (the tmpfs itself already
     * is), then the tmpfs read-only: the nodes keep their own write access. */
    if (set_attrs(dev, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, true, e) != 0)
        return -1;
    return set_attrs(dev, MOUNT_ATTR_RDONLY, false, e);
}

static int mount_tmpfs(const char *dst, uint64_t size_kb, const char *extra, child_error *e)
{
    char opts[128];
    snprintf(opts, sizeof(opts), "size=%lluk,nr_inodes=%llu,%s", (unsigned long long)size_kb,
             (unsigned long long)(size_kb / 4 + 64), extra);
    if (make_dir(dst, 0755, e) != 0)
        return -1;
    if (mount("rbx-tmp", dst, "tmpfs", MS_NOSUID | MS_NODEV, opts) != 0)
        return child_fail(e, errno, "mount tmpfs", dst);
    return 0;
}

int mounts_new_box_fs(uint64_t size_kb, unsigned uid, unsigned gid, child_error *e)
{
    char size[32], inodes[32], uid_text[16], gid_text[16];
    snprintf(size, sizeof(size), "%lluk", (unsigned long long)size_kb);
    snprintf(inodes, sizeof(inodes), "%llu", (unsigned long long)(size_kb / 4 + 64)); /* as /tmp */
    snprintf(uid_text, sizeof(uid_text), "%u", uid);
    snprintf(gid_text, sizeof(gid_text), "%u", gid);
    int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0)
        return child_fail(e, errno, "fsopen tmpfs for", "/box");
    const char *const opts[][2] = {{"size", size},
                                   {"nr_inodes", inodes},
                                   {"mode", "0755"},
                                   {"uid", uid_text},
                                   {"gid", gid_text}};
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (fsconfig(fs, FSCONFIG_SET_STRING, opts[i][0], opts[i][1], 0) != 0) {
            close(fs);
            return child_fail(e, errno, "configure the tmpfs of /box:", opts[i][0]);
        }
    }
    int mnt = -1;
    if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    int saved = errno;
    close(fs);
    if (mnt < 0)
        return child_fail(e, saved, "create the tmpfs of", "/box");
    return mnt;
}

static int build_box(const char *root, const mount_plan *plan, child_error *e)
{
    char dst[BOX_PATH_MAX];
    join(dst, root, "/box");
    if (plan->box_fs_fd < 0)
        return mount_tmpfs(dst, plan->box_size_kb, "mode=0755,uid=1000,gid=1000", e);
    if (make_dir(dst, 0755, e) != 0)
        return -1;
    if (move_mount(plan->box_fs_fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) != 0)
        return child_fail(e, errno, "move_mount", "/box");
    close(plan->box_fs_fd);
    return 0;
}

static int build_extra(const char *root, const mount_plan *plan, child_error *e)
{
    char dst[BOX_PATH_MAX];
    for (size_t i = 0; i < plan->n_extra; i++) {
        const rbx_sandbox_mount *m = &plan->extra[i];
        join(dst, root, m->box_path);
        uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        if (!m->writable)
            attrs |= MOUNT_ATTR_RDONLY;
        struct stat st;
        if (stat(m->host_path, &st) != 0)
            return child_fail(e, errno, "stat", m->host_path);
        if (bind(m->host_path, dst, S_ISDIR(st.st_mode), attrs, e) != 0)
            return -1;
    }
    return 0;
}

static int enter_root(const char *root, child_error *e)
{
    if (chdir(root) != 0)
        return child_fail(e, errno, "chdir", root);
    /* pivot_root(".", "."): the old root ends up on top of the new one and is
     * detached at once, so no path to the host's tree remains. */
    if (syscall(SYS_pivot_root, ".", ".") != 0)
        return child_fail(e, errno, "pivot_root", root);
    if (umount2(".", MNT_DETACH) != 0)
        return child_fail(e, errno, "detach the old root", NULL);
    if (chdir("/") != 0)
        return child_fail(e, errno, "chdir /", NULL);
    return set_attrs("/", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false, e);
}

int mounts_prepare(child_error *e)
{
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return child_fail(e, errno, "make / private", NULL);
    return 0;
}

int mounts_build_root(const mount_plan *plan, child_error *e)
{
    const char *root = plan->root_mountpoint;
    char path[BOX_PATH_MAX];
    if (mount("rbx-root", root, "tmpfs", MS_NOSUID | MS_NODEV,
              "size=512k,nr_inodes=256,mode=0755") != 0)
        return child_fail(e, errno, "mount tmpfs", root);
    join(path, root, "/usr");
    if (bind("/usr", path, true, RO_ATTRS, e) != 0)
        return -1;
    for (size_t i = 0; i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++)
        if (mirror(root, lib_dirs[i], e) != 0)
            return -1;
    if (build_etc(root, e) != 0)
        return -1;
    join(path, root, "/proc");
    if (make_dir(path, 0555, e) != 0)
        return -1;
    if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        return child_fail(e, errno, "mount proc", path);
    if (build_dev(root, e) != 0)
        return -1;
    join(path, root, "/tmp");
    if (mount_tmpfs(path, plan->tmp_size_kb, "mode=1777", e) != 0)
        return -1;
    if (build_box(root, plan, e) != 0 || build_extra(root, plan, e) != 0)
        return -1;
    return enter_root(root, e);
}
