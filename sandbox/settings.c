/* Process-wide sandbox settings: the uid range and the run directory.
 *
 * The run directory holds the uid slot lock files and an empty directory that
 * each box mounts its private tmpfs root on (inside its own mount namespace,
 * so the host never sees anything mounted there). It must belong to us and
 * not be a symlink: a planted run directory could steal slots. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/internal.h"

static sandbox_settings settings;
static bool settings_ready;

static int ensure_private_dir(const char *path, rbx_error *err)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return rbx_error_errno(err, "cannot create %s", path);
    struct stat st;
    if (lstat(path, &st) != 0)
        return rbx_error_errno(err, "cannot stat %s", path);
    if (!S_ISDIR(st.st_mode))
        return rbx_error_internal(err, "%s is not a directory", path);
    if (st.st_uid != geteuid())
        return rbx_error_internal(err, "%s belongs to uid %u, not to us", path,
                                  (unsigned)st.st_uid);
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return rbx_error_internal(err, "%s is writable by others", path);
    return 0;
}

static void default_run_dir(char *out, size_t outlen)
{
    if (geteuid() == 0) {
        /* Not /run/runbox: that is the service's socket dir, owned by its
         * user, and a dir another user owns could hold planted slots. */
        snprintf(out, outlen, "/run/runbox-sandbox");
        return;
    }
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && xdg[0] == '/')
        snprintf(out, outlen, "%s/runbox", xdg);
    else
        snprintf(out, outlen, "/tmp/runbox-%u", (unsigned)geteuid());
}

/* Whether this process runs a program of the build tree, not an installed one. */
static bool running_from_build_tree(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    size_t len = strlen(RBX_BUILDDIR);
    return strncmp(exe, RBX_BUILDDIR, len) == 0 && exe[len] == '/';
}

/* runbox-box-init: $RUNBOX_BOX_INIT, else the one of the same build as this
 * program (installed, or in the build tree for tests and make check), so a
 * box init always speaks the same launch protocol as its supervisor. */
static int open_box_init(rbx_error *err)
{
    const char *env = getenv("RUNBOX_BOX_INIT");
    const char *path = env && env[0]               ? env
                       : running_from_build_tree() ? RBX_BUILDDIR "/runbox-box-init"
                                                   : RBX_LIBEXECDIR "/runbox-box-init";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rbx_error_errno(err, "cannot open the box init %s", path);
    return fd;
}

int rbx_sandbox_init(const rbx_sandbox_settings *in, rbx_error *err)
{
    sandbox_settings s = {0};
    s.uid_base = in && in->uid_base ? in->uid_base : 200000;
    s.uid_count = in && in->uid_count ? in->uid_count : 1024;
    if (s.uid_count < 2)
        return rbx_error_internal(err, "the uid range needs at least 2 uids");
    if (in && in->run_dir && in->run_dir[0]) {
        if (in->run_dir[0] != '/')
            return rbx_error_internal(err, "run_dir must be an absolute path");
        snprintf(s.run_dir, sizeof(s.run_dir), "%s", in->run_dir);
    } else {
        default_run_dir(s.run_dir, sizeof(s.run_dir));
    }
    s.rootless = geteuid() != 0;
    if (ensure_private_dir(s.run_dir, err) != 0)
        return -1;
    snprintf(s.root_mountpoint, sizeof(s.root_mountpoint), "%s/root", s.run_dir);
    if (ensure_private_dir(s.root_mountpoint, err) != 0)
        return -1;
    if (settings_ready && settings.box_init_fd >= 0)
        close(settings.box_init_fd);
    s.box_init_fd = open_box_init(err);
    if (s.box_init_fd < 0)
        return -1;
    settings = s;
    settings_ready = true;
    return 0;
}

const sandbox_settings *sandbox_settings_get(rbx_error *err)
{
    if (!settings_ready && rbx_sandbox_init(NULL, err) != 0)
        return NULL;
    return &settings;
}

int child_fail(child_error *e, int err, const char *what, const char *arg)
{
    e->err = err;
    size_t n = 0;
    for (const char *p = what; p && *p && n + 1 < sizeof(e->what); p++)
        e->what[n++] = *p;
    if (arg && n + 2 < sizeof(e->what)) {
        e->what[n++] = ' ';
        for (const char *p = arg; *p && n + 1 < sizeof(e->what); p++)
            e->what[n++] = *p;
    }
    e->what[n] = '\0';
    return -1;
}
