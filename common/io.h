/* Small I/O helpers shared by every layer. */
#ifndef RBX_COMMON_IO_H
#define RBX_COMMON_IO_H

#include <stddef.h>

/* Write all len bytes (retrying short writes and EINTR); 0, or -1 with errno. */
int rbx_write_all(int fd, const void *data, size_t len);

/* Read a small file (a /proc or cgroup file) into buf, NUL-terminated, at
 * most size - 1 bytes; the length, or -1 with errno. No allocation: safe in
 * a cloned child. */
long rbx_read_file(const char *path, char *buf, size_t size);

#endif
