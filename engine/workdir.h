/* The host directory of one run, copied into the box's /box and back by the
 * sandbox through a descriptor. It lives in a parent owned by the service
 * with mode 0700; the run dir has an unguessable name and mode 0700. What
 * the box wrote comes back as plain files only, but everything here
 * works relative to directory fds and never follows a link: the program may
 * have planted any link in the dir before the host cleans it up. */
#ifndef RBX_ENGINE_WORKDIR_H
#define RBX_ENGINE_WORKDIR_H

#include <stddef.h>

#include "common/error.h"

typedef struct rbx_workdir {
    char path[512];
    int fd; /* O_DIRECTORY of path, -1 when closed */
} rbx_workdir;

/* Create a fresh run dir under base (created 0700 when missing; it must be a
 * real directory owned by us, not a link, closed to others). */
int rbx_workdir_create(const char *base, rbx_workdir *wd, rbx_error *err);

/* Write a new file (it must not exist yet) in the run dir, mode 0644. */
int rbx_workdir_write(rbx_workdir *wd, const char *name, const char *data, size_t len,
                      rbx_error *err);

/* Remove the run dir and everything the run left in it, never following a
 * link, whatever the depth (subtrees past a depth are moved up, not recursed
 * into) or permissions the program gave its files. */
int rbx_workdir_remove(rbx_workdir *wd, rbx_error *err);

/* Remove the run dirs under base whose run is over however it ended (its
 * process killed included): a live run holds an flock on its dir from its
 * creation, so a dir that can be locked is a dead run's. *removed counts the
 * dirs removed. */
int rbx_workdir_sweep(const char *base, int *removed, rbx_error *err);

/* Where run dirs go: <state_dir>/work when the state dir exists and the box
 * users can traverse to it; otherwise /run/runbox-work as root (a state dir
 * under a 0700 home is common), or $TMPDIR/runbox-work-<uid> rootless. */
void rbx_workdir_base(const char *state_dir, char *out, size_t outsz);

#endif
