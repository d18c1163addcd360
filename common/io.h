/* Small I/O helpers shared by every layer. */
#ifndef RBX_COMMON_IO_H
#define RBX_COMMON_IO_H

#include <stddef.h>

/* Write all len bytes (retrying short writes and EINTR); 0, or -1 with errno. */
int rbx_write_all(int fd, const void *data, size_t len);

#endif
