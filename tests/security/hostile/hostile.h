/* Shared by every hostile program of the security suite.
 *
 * Each program announces, on stderr and before main(), the pid namespace it
 * runs in ("rbxsec-pidns pid:[N]"). Namespace inodes are the same seen from
 * inside and outside, so the runner can later look for any host process still
 * living in that namespace: a daemon that renamed itself cannot hide that way.
 *
 * Results are printed one per line as "what: verdict" so the runner can match
 * them without parsing anything clever. */
#ifndef RBXSEC_HOSTILE_H
#define RBXSEC_HOSTILE_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void rbxsec_announce(void) __attribute__((constructor));

static void rbxsec_announce(void)
{
    char ns[64] = "none";
    ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
    if (n > 0)
        ns[n] = '\0';
    else
        strcpy(ns, "none");
    char line[128];
    int len = snprintf(line, sizeof line, "rbxsec-pidns %s\n", ns);
    if (write(STDERR_FILENO, line, (size_t)len) < 0) {
        /* nothing to do: stderr may be closed on purpose */
    }
}

/* "EPERM" for EPERM, "0" for no error. */
static inline const char *errname(int err)
{
    if (err == 0)
        return "0";
    const char *name = strerrorname_np(err);
    return name ? name : "E?";
}

/* Print "what: ok" when ret >= 0, else "what: errno=ENAME"; returns ret. */
static inline long report(const char *what, long ret)
{
    if (ret >= 0)
        printf("%s: ok %ld\n", what, ret);
    else
        printf("%s: errno=%s\n", what, errname(errno));
    fflush(stdout);
    return ret;
}

#endif
