/* The program's argv, envp and cwd, copied by the box init into memory of
 * its own before it spawns the program.
 *
 * The init is a fork of the supervisor, and these strings may live in its
 * arg area (the CLI passes pointers into its own argv): the init blanks that
 * area so /proc/1/cmdline shows nothing of the supervisor, and it spawns the
 * program sharing its memory (CLONE_VM), so the strings must be elsewhere.
 * Runs in the cloned child: no malloc, an anonymous mapping instead. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "sandbox/internal.h"

static const char *const default_env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", NULL};

static size_t count(const char *const *v, size_t *bytes)
{
    size_t n = 0;
    for (; v[n]; n++)
        *bytes += strlen(v[n]) + 1;
    return n;
}

/* Copy the NULL-terminated vector v into out (pointers) and *strings. */
static void copy_vector(const char *const *v, size_t n, char **out, char **strings)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        memcpy(*strings, v[i], len);
        out[i] = *strings;
        *strings += len;
    }
    out[n] = NULL;
}

int program_args_copy(const rbx_sandbox_config *cfg, program_args *a, child_error *e)
{
    const char *const *envp = cfg->envp ? cfg->envp : default_env;
    const char *cwd = cfg->cwd ? cfg->cwd : "/box";
    size_t bytes = strlen(cwd) + 1;
    size_t n_argv = count(cfg->argv, &bytes), n_env = count(envp, &bytes);
    a->map_len = (n_argv + n_env + 2) * sizeof(char *) + bytes;
    a->map = mmap(NULL, a->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a->map == MAP_FAILED)
        return child_fail(e, errno, "mmap the program's arguments", NULL);
    a->argv = a->map;
    a->envp = a->argv + n_argv + 1;
    char *strings = (char *)(a->envp + n_env + 1);
    copy_vector(cfg->argv, n_argv, a->argv, &strings);
    copy_vector(envp, n_env, a->envp, &strings);
    memcpy(strings, cwd, strlen(cwd) + 1);
    a->cwd = strings;
    return 0;
}
