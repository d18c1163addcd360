/* Boxes between runs: the one built ahead, and finished ones whose init is
 * still exiting.
 *
 * Building a box (clone3 with six namespaces, the filesystem, the cgroup) is
 * most of a short run's overhead, and none of it depends on the program. A
 * process that runs boxes one after another (a service worker) keeps one box
 * built ahead: while a program runs, the next box is built on the other
 * core, and the next run of the same shape (sizes, hostname, read-only
 * extra mounts) only sends its launch message. Java's runs mount its
 * prebuilt archives: before the mounts were part of the shape, every Java
 * run built its box cold. Every box still runs exactly one program.
 *
 * At the other end, a box's init reports the program's end once the box is
 * empty, and then exits; that exit tears down the namespaces (RCU grace
 * periods, a millisecond or more). The run answers from the report; the
 * init is waited for, and its cgroup and uid slot released, later: at the
 * next run, or in rbx_sandbox_release_finished(). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/internal.h"

#define MAX_FINISHED 8

/* Extra mounts copied, so that they outlive the run that named them: the
 * box built ahead is compared by them with the next run's shape. */
typedef struct kept_mounts {
    rbx_sandbox_mount m[BOX_MAX_EXTRA_MOUNTS];
    size_t n;
} kept_mounts;

static struct {
    bool enabled;
    bool have_ahead;
    built_box ahead;
    kept_mounts ahead_mounts; /* ahead.shape's */
    bool have_last;
    box_shape last; /* of the last run: the shape the next box is built in */
    kept_mounts last_mounts;
    built_box finished[MAX_FINISHED];
    size_t n_finished;
} keep;

static void kept_mounts_clear(kept_mounts *k)
{
    for (size_t i = 0; i < k->n; i++) {
        free((char *)k->m[i].host_path);
        free((char *)k->m[i].box_path);
    }
    k->n = 0;
}

static bool kept_mounts_set(kept_mounts *k, const rbx_sandbox_mount *m, size_t n)
{
    kept_mounts_clear(k);
    if (n > BOX_MAX_EXTRA_MOUNTS)
        return false;
    for (; k->n < n; k->n++) {
        rbx_sandbox_mount *to = &k->m[k->n];
        to->host_path = strdup(m[k->n].host_path);
        to->box_path = strdup(m[k->n].box_path);
        to->writable = m[k->n].writable;
        if (!to->host_path || !to->box_path) {
            k->n++;
            kept_mounts_clear(k);
            return false;
        }
    }
    return true;
}

/* Only read-only mounts are built ahead: a writable one is a host dir the
 * box may change, and should be there only for the run that asked. */
static bool mounts_read_only(const box_shape *s)
{
    for (size_t i = 0; i < s->n_mounts; i++)
        if (s->mounts[i].writable)
            return false;
    return true;
}

static bool same_mounts(const box_shape *a, const box_shape *b)
{
    if (a->n_mounts != b->n_mounts)
        return false;
    for (size_t i = 0; i < a->n_mounts; i++)
        if (strcmp(a->mounts[i].host_path, b->mounts[i].host_path) != 0 ||
            strcmp(a->mounts[i].box_path, b->mounts[i].box_path) != 0 ||
            a->mounts[i].writable != b->mounts[i].writable)
            return false;
    return true;
}

/* Whatever is kept is released at exit too, even by a caller that forgot. */
static void release_at_exit(void)
{
    static pid_t registered_by;
    if (registered_by == getpid())
        return;
    if (registered_by == 0)
        atexit(rbx_sandbox_shutdown); /* inherited by forks, where it releases their own */
    registered_by = getpid();
}

static bool same_shape(const box_shape *a, const box_shape *b)
{
    return a->tmp_size_kb == b->tmp_size_kb && a->box_size_kb == b->box_size_kb &&
           same_mounts(a, b) && strcmp(a->hostname, b->hostname) == 0;
}

/* Wait for a finished box's init (blocking or not); true when it is gone. */
static bool init_gone(built_box *bb, bool block)
{
    if (bb->init_pid <= 0)
        return true; /* reaped already */
    if (bb->owner != getpid())
        return true; /* inherited across a fork: box_destroy only closes our copies */
    for (;;) {
        pid_t r = waitpid(bb->init_pid, NULL, __WALL | (block ? 0 : WNOHANG));
        if (r == bb->init_pid || (r < 0 && errno == ECHILD))
            return true;
        if (r == 0)
            return false;
        if (errno != EINTR)
            return true;
    }
}

static void release_finished(bool block)
{
    size_t kept = 0;
    for (size_t i = 0; i < keep.n_finished; i++) {
        built_box *bb = &keep.finished[i];
        if (init_gone(bb, block)) {
            bb->init_pid = 0;
            box_destroy(bb);
        } else {
            keep.finished[kept++] = *bb;
        }
    }
    keep.n_finished = kept;
}

int box_take(const box_shape *shape, built_box *bb, rbx_error *err)
{
    release_finished(false);
    keep.last = *shape;
    keep.have_last = kept_mounts_set(&keep.last_mounts, shape->mounts, shape->n_mounts);
    keep.last.mounts = keep.last_mounts.m; /* not the caller's: they go with its run */
    if (keep.have_ahead) {
        keep.have_ahead = false;
        if (keep.ahead.owner == getpid() && same_shape(&keep.ahead.shape, shape)) {
            *bb = keep.ahead;
            bb->shape = *shape;
            return 0;
        }
        box_destroy(&keep.ahead);
    }
    return box_build(bb, shape, err);
}

void box_build_ahead(const box_shape *shape)
{
    if (!keep.enabled || keep.have_ahead || !mounts_read_only(shape) ||
        !kept_mounts_set(&keep.ahead_mounts, shape->mounts, shape->n_mounts))
        return;
    box_shape own = *shape;
    own.mounts = keep.ahead_mounts.m;
    rbx_error ignored; /* no box ahead: the next run builds its own and reports why */
    release_at_exit();
    keep.have_ahead = box_build(&keep.ahead, &own, &ignored) == 0;
}

/* A service (build-ahead on) leaves every finished box, even one whose init
 * is gone, to rbx_sandbox_idle() after the answer: removing a box's cgroups
 * takes the kernel's cgroup mutex and can wait for RCU grace periods (pool
 * workers seen in D state in do_rmdir and synchronize_rcu under 4 clients,
 * four hierarchies on cgroup v1), and the answer need not wait for that. */
void box_retire(built_box *bb)
{
    if (bb->init_pid > 0 && init_gone(bb, false))
        bb->init_pid = 0; /* reaped: its pid is never waited for again */
    if (bb->init_pid <= 0 && !keep.enabled) {
        box_destroy(bb);
        return;
    }
    release_at_exit();
    if (keep.n_finished == MAX_FINISHED)
        release_finished(true);
    keep.finished[keep.n_finished++] = *bb;
}

bool box_keep_is_service(void)
{
    return keep.enabled;
}

void rbx_sandbox_build_ahead(bool enabled)
{
    keep.enabled = enabled;
    if (!enabled && keep.have_ahead) {
        keep.have_ahead = false;
        box_destroy(&keep.ahead);
    }
    if (!enabled) {
        keep.have_last = false;
        kept_mounts_clear(&keep.ahead_mounts);
        kept_mounts_clear(&keep.last_mounts);
    }
}

void rbx_sandbox_release_finished(void)
{
    release_finished(true);
}

void rbx_sandbox_idle(void)
{
    release_finished(true);
    if (keep.have_last)
        box_build_ahead(&keep.last);
}

void rbx_sandbox_shutdown(void)
{
    rbx_sandbox_build_ahead(false);
    release_finished(true);
}
