/* Host-side file handling for directories a sandboxed program could write to.
 *
 * A program that ran in a box may have planted symlinks, hard links, FIFOs or
 * device nodes in its work dir, hoping the service will later read, copy,
 * chown or delete through them (the worst escapes of known code-execution
 * services came from exactly that). Everything here resolves paths beneath a
 * directory fd with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS), reads only regular files with a single link, caps
 * sizes, and removes trees with *at() calls that never follow a symlink.
 *
 * Paths are relative to dirfd; "..", absolute paths and symlinks anywhere in
 * the path are refused. Every function returns 0 (or an fd) on success, -1
 * with err set otherwise. */
#ifndef RBX_SANDBOX_HOST_FILES_H
#define RBX_SANDBOX_HOST_FILES_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* Open relpath beneath dirfd; flags are open(2) flags (O_CLOEXEC and O_NOFOLLOW are added). */
int rbx_host_open_beneath(int dirfd, const char *relpath, int flags, mode_t mode, rbx_error *err);

/* Create a new file (never an existing one) and write data to it. */
int rbx_host_write_file(int dirfd, const char *relpath, const void *data, size_t len, mode_t mode,
                        rbx_error *err);

/* Create a directory (its parent must exist and be reached without symlinks). */
int rbx_host_mkdir(int dirfd, const char *relpath, mode_t mode, rbx_error *err);

/* Read a regular file with one link and at most max_bytes; *data is
 * NUL-terminated, malloc'd, owned by the caller. */
int rbx_host_read_file(int dirfd, const char *relpath, size_t max_bytes, char **data, size_t *len,
                       rbx_error *err);

/* Copy a regular file (same checks as rbx_host_read_file) to a new file. */
int rbx_host_copy_file(int src_dirfd, const char *src, int dst_dirfd, const char *dst,
                       size_t max_bytes, mode_t mode, rbx_error *err);

/* Remove name (a file or a whole tree) beneath dirfd without following symlinks. */
int rbx_host_remove_tree(int dirfd, const char *name, rbx_error *err);

/* Make a fresh private directory under parent (mkdtemp); path_out receives its path. */
int rbx_host_make_temp_dir(const char *parent, char *path_out, size_t outlen, rbx_error *err);

#endif
