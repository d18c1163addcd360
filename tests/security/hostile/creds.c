/* Who am I inside the box: ids, groups, capabilities, no_new_privs,
 * seccomp, hostname, how many processes are visible, the environment. */
#define _GNU_SOURCE
#include "hostile.h"

#include <dirent.h>
#include <grp.h>
#include <stdlib.h>

extern char **environ;

static void status_lines(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) {
        printf("status: errno=%s\n", errname(errno));
        return;
    }
    char line[256];
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) ||
            !strncmp(line, "Seccomp:", 8) || !strncmp(line, "Uid:", 4) ||
            !strncmp(line, "Gid:", 4) || !strncmp(line, "Groups:", 7))
            printf("status %s", line);
    fclose(f);
}

static int visible_processes(void)
{
    DIR *d = opendir("/proc");
    int n = 0;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] >= '0' && e->d_name[0] <= '9';
    closedir(d);
    return n;
}

int main(void)
{
    printf("uid=%d euid=%d gid=%d egid=%d\n", getuid(), geteuid(), getgid(), getegid());
    gid_t groups[64];
    int n = getgroups(64, groups);
    printf("groups=%d\n", n);
    status_lines();
    char host[256] = "";
    gethostname(host, sizeof host);
    printf("hostname=%s\n", host);
    printf("processes=%d\n", visible_processes());
    for (char **e = environ; *e; e++)
        printf("env %s\n", *e);
    return 0;
}
