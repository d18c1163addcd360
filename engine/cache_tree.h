/* Internal to the compile cache: the regular files of a run dir, read
 * without following a path the sandboxed compiler could have planted.
 *
 * The compile cache reads a run dir twice: before a compile step (the
 * step's inputs, hashed into the key) and after it (what the compiler
 * produced). The second time the dir holds what a box wrote, so every
 * directory and file is opened beneath its parent's descriptor with
 * O_NOFOLLOW, only regular files with one link are read, and depth, count
 * and bytes are capped: a tree over a cap is simply not cached. */
#ifndef RBX_ENGINE_CACHE_TREE_H
#define RBX_ENGINE_CACHE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

#define RBX_TREE_MAX_DEPTH 16
#define RBX_TREE_MAX_FILES 4096

typedef struct rbx_tree_file {
    char *path;               /* relative to the run dir, '/'-separated */
    mode_t mode;              /* permission bits */
    unsigned char sha256[32]; /* of the bytes */
    char *data;               /* the bytes when kept, else NULL */
    size_t len;
} rbx_tree_file;

typedef struct rbx_tree {
    rbx_tree_file *files; /* sorted by path */
    size_t n;
    uint64_t bytes; /* sum of the lengths */
} rbx_tree;

/* Read every regular file under dirfd (other kinds are skipped). keep_data:
 * keep the bytes, not only their hash. -1 with err past a cap or on an I/O
 * failure; nothing is left allocated then. */
int rbx_tree_read(int dirfd, bool keep_data, uint64_t max_bytes, rbx_tree *out, rbx_error *err);

/* The entry of `path` in a sorted tree, or NULL. */
const rbx_tree_file *rbx_tree_find(const rbx_tree *t, const char *path);

void rbx_tree_free(rbx_tree *t);

/* Write data as the new file `path` beneath dirfd (parents created 0755 as
 * needed, an existing file of that name replaced), never through a link. */
int rbx_tree_put(int dirfd, const char *path, const char *data, size_t len, mode_t mode,
                 rbx_error *err);

#endif
