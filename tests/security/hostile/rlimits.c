/* Try to raise each resource limit past its hard limit (and an unlimited
 * one to a larger value: both must fail without privilege). */
#define _GNU_SOURCE
#include "hostile.h"

#include <sys/resource.h>

static const struct {
    const char *name;
    int resource;
} limits[] = {
    {"NOFILE", RLIMIT_NOFILE}, {"FSIZE", RLIMIT_FSIZE},     {"NPROC", RLIMIT_NPROC},
    {"CPU", RLIMIT_CPU},       {"AS", RLIMIT_AS},           {"STACK", RLIMIT_STACK},
    {"CORE", RLIMIT_CORE},     {"MEMLOCK", RLIMIT_MEMLOCK}, {"DATA", RLIMIT_DATA},
};

int main(void)
{
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        struct rlimit rl;
        if (getrlimit(limits[i].resource, &rl) < 0) {
            printf("%s: getrlimit errno=%s\n", limits[i].name, errname(errno));
            continue;
        }
        if (rl.rlim_max == RLIM_INFINITY) {
            printf("%s: hard=unlimited\n", limits[i].name);
            continue;
        }
        struct rlimit up = {rl.rlim_max + 1, rl.rlim_max + 1};
        int rc = setrlimit(limits[i].resource, &up);
        printf("%s: hard=%llu raise=%s\n", limits[i].name, (unsigned long long)rl.rlim_max,
               rc == 0 ? "ok" : errname(errno));
    }
    /* The box's pid 1 (the supervisor's side of the box) past its own hard limits. */
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        struct rlimit init;
        if (prlimit(1, limits[i].resource, NULL, &init) < 0) {
            printf("%s: prlimit pid 1 read errno=%s\n", limits[i].name, errname(errno));
            continue;
        }
        if (init.rlim_max == RLIM_INFINITY)
            continue;
        struct rlimit up = {init.rlim_max + 1, init.rlim_max + 1};
        int rc = prlimit(1, limits[i].resource, &up, NULL);
        printf("%s: prlimit pid 1 hard=%llu raise=%s\n", limits[i].name,
               (unsigned long long)init.rlim_max, rc == 0 ? "ok" : errname(errno));
    }
    return 0;
}
