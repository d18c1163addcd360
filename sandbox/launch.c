/* The launch message: what a run asks of a box that was built before the
 * run was known. The supervisor writes the program's argv, envp and cwd into
 * a sealed memfd and sends it, with the limits and the stdin fd, over the
 * init's socket; the init copies the strings into memory of its own (it
 * spawns the program sharing that memory, CLONE_VM) and starts the program.
 * The init runs in a cloned child: no malloc there, an anonymous mapping. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/io.h"
#include "sandbox/internal.h"

static const char *const default_env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", NULL};

typedef struct launch_header {
    char tag; /* 'c' */
    bool has_stdin;
    uint32_t argc, envc;
    uint64_t strings_len; /* argv, envp, then cwd, each NUL-terminated */
    rbx_sandbox_limits limits;
} launch_header;

#define LAUNCH_MAX_STRINGS (16u << 20) /* far above any argv the engine builds */

static int write_vector(int fd, const char *const *v, uint32_t *count, uint64_t *len)
{
    for (*count = 0; v[*count]; (*count)++) {
        size_t n = strlen(v[*count]) + 1;
        if (rbx_write_all(fd, v[*count], n) != 0)
            return -1;
        *len += n;
    }
    return 0;
}

/* The strings in a sealed memfd: the init reads them, nothing can change them. */
static int strings_memfd(const rbx_sandbox_config *cfg, launch_header *h, rbx_error *err)
{
    int fd = memfd_create("runbox-launch", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return rbx_error_errno(err, "memfd_create");
    const char *cwd = cfg->cwd ? cfg->cwd : "/box";
    h->strings_len = strlen(cwd) + 1;
    if (write_vector(fd, cfg->argv, &h->argc, &h->strings_len) != 0 ||
        write_vector(fd, cfg->envp ? cfg->envp : default_env, &h->envc, &h->strings_len) != 0 ||
        rbx_write_all(fd, cwd, strlen(cwd) + 1) != 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        rbx_error_errno(err, "write the program's arguments");
        close(fd);
        return -1;
    }
    if (h->strings_len > LAUNCH_MAX_STRINGS) {
        close(fd);
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "argv",
                               "arguments and environment over %u bytes", LAUNCH_MAX_STRINGS);
    }
    return fd;
}

int launch_send(int sync_fd, const rbx_sandbox_config *cfg, const rbx_sandbox_limits *lim,
                int stdin_fd, rbx_error *err)
{
    launch_header h = {.tag = 'c', .has_stdin = stdin_fd >= 0, .limits = *lim};
    int fds[2] = {strings_memfd(cfg, &h, err), stdin_fd};
    if (fds[0] < 0)
        return -1;
    ssize_t n = fd_send(sync_fd, &h, sizeof(h), fds, h.has_stdin ? 2 : 1);
    int saved = errno;
    close(fds[0]);
    if (n == (ssize_t)sizeof(h))
        return 0;
    errno = saved;
    return rbx_error_errno(err, "send the launch message to the box");
}

/* ---- in the init ---- */

static int receive_header(int sync_fd, launch_header *h, int fds[2], child_error *e)
{
    size_t n_fds;
    fds[0] = fds[1] = -1;
    ssize_t n = fd_receive(sync_fd, h, sizeof(*h), fds, 2, &n_fds);
    if (n == 0)
        return 0;
    if (n != (ssize_t)sizeof(*h) || h->tag != 'c' || n_fds != (h->has_stdin ? 2u : 1u) ||
        h->strings_len > LAUNCH_MAX_STRINGS || h->strings_len == 0)
        return child_fail(e, n < 0 ? errno : EPROTO, "receive the launch message", NULL);
    return 1;
}

/* Point v[0..count-1] at consecutive NUL-terminated strings from *s; NULL after. */
static int split(char **v, uint32_t count, char **s, const char *end)
{
    for (uint32_t i = 0; i < count; i++) {
        char *nul = memchr(*s, '\0', (size_t)(end - *s));
        if (!nul)
            return -1;
        v[i] = *s;
        *s = nul + 1;
    }
    v[count] = NULL;
    return 0;
}

static int read_strings(int fd, const launch_header *h, program_args *a, child_error *e)
{
    size_t pointers = ((size_t)h->argc + h->envc + 2) * sizeof(char *);
    a->map_len = pointers + h->strings_len;
    a->map = mmap(NULL, a->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a->map == MAP_FAILED)
        return child_fail(e, errno, "mmap the program's arguments", NULL);
    char *strings = (char *)a->map + pointers, *end = strings + h->strings_len;
    errno = EPROTO; /* a short read sets none */
    if (pread(fd, strings, h->strings_len, 0) != (ssize_t)h->strings_len)
        return child_fail(e, errno, "read the program's arguments", NULL);
    a->argv = a->map;
    a->envp = a->argv + h->argc + 1;
    char *s = strings;
    if (h->argc == 0 || split(a->argv, h->argc, &s, end) != 0 ||
        split(a->envp, h->envc, &s, end) != 0 || !memchr(s, '\0', (size_t)(end - s)))
        return child_fail(e, EPROTO, "the program's arguments are malformed", NULL);
    a->cwd = s;
    return 0;
}

int launch_receive(int sync_fd, program_args *a, child_error *e)
{
    launch_header h;
    int fds[2];
    int rc = receive_header(sync_fd, &h, fds, e);
    if (rc <= 0)
        return rc;
    rc = read_strings(fds[0], &h, a, e);
    close(fds[0]);
    if (rc != 0)
        return -1;
    a->limits = h.limits;
    a->stdin_fd = fds[1];
    return 1;
}
