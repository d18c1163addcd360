/* Reading a toolchain's version once: run the definition's version command on
 * the host (a trusted, fixed argv, no user input) with the definition's clean
 * environment, and extract the version with its pattern. Cached per language
 * for the life of the process. */
#include "engine/language.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

#define VERSION_TIMEOUT_MS 10000
#define VERSION_OUTPUT_MAX 8192

int rbx_version_extract(const char *pattern, const char *text, char *out, size_t outsz)
{
    regex_t re;
    regmatch_t m[2];
    if (regcomp(&re, pattern, REG_EXTENDED) != 0)
        return -1;
    int rc = regexec(&re, text, 2, m, 0);
    regfree(&re);
    if (rc != 0 || m[1].rm_so < 0)
        return -1;
    size_t len = (size_t)(m[1].rm_eo - m[1].rm_so);
    if (len >= outsz)
        len = outsz - 1;
    memcpy(out, text + m[1].rm_so, len);
    out[len] = '\0';
    return 0;
}

/* argv[0] looked up in the definition's PATH, not the service's own. */
static int resolve_program(const rbx_language *lang, const char *prog, char *out, size_t outsz)
{
    if (strchr(prog, '/')) {
        snprintf(out, outsz, "%s", prog);
        return access(out, X_OK);
    }
    const char *path = "/usr/bin:/bin";
    for (size_t i = 0; lang->env[i]; i++)
        if (strncmp(lang->env[i], "PATH=", 5) == 0)
            path = lang->env[i] + 5;
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(out, outsz, "%.*s/%s", (int)n, p, prog);
        if (n > 0 && access(out, X_OK) == 0)
            return 0;
        p += n + (p[n] == ':');
    }
    return -1;
}

/* Read the child's merged output until EOF or the deadline. */
static size_t drain(int fd, char *buf, size_t cap, long long deadline)
{
    size_t len = 0;
    for (;;) {
        long long left = deadline - (long long)rbx_clock_ms();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        char tmp[1024];
        ssize_t n = read(fd, tmp, sizeof(tmp));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t take = (size_t)n < cap - len ? (size_t)n : cap - len;
        memcpy(buf + len, tmp, take);
        len += take;
    }
    buf[len] = '\0';
    return len;
}

static int run_capture(const rbx_language *lang, char *buf, size_t cap)
{
    char prog[4096];
    int pipefd[2];
    if (resolve_program(lang, lang->version_argv[0], prog, sizeof(prog)) < 0 ||
        pipe2(pipefd, O_CLOEXEC) < 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    pid_t pid;
    int rc = posix_spawn(&pid, prog, &fa, NULL, (char *const *)lang->version_argv,
                         (char *const *)lang->env);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        return -1;
    }
    drain(pipefd[0], buf, cap - 1, (long long)rbx_clock_ms() + VERSION_TIMEOUT_MS);
    close(pipefd[0]);
    kill(pid, SIGKILL); /* harmless when it already exited: it is not reaped yet */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

const char *rbx_language_version(rbx_language *lang)
{
    if (lang->version)
        return lang->version;
    char *out = malloc(VERSION_OUTPUT_MAX);
    char version[64] = "unknown";
    if (out && run_capture(lang, out, VERSION_OUTPUT_MAX) == 0)
        rbx_version_extract(lang->version_pattern, out, version, sizeof(version));
    free(out);
    lang->version = strdup(version);
    return lang->version ? lang->version : "unknown";
}
