/* The box's network: a new network namespace has one interface, lo, and it
 * is down. Bringing it up gives programs a working 127.0.0.1 of their own (a
 * test server talking to itself) and nothing else: there is no route out.
 * seccomp.c also refuses non-AF_UNIX sockets, so this only matters if that
 * policy is relaxed. */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox/internal.h"

int network_loopback_up(child_error *e)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return child_fail(e, errno, "socket for lo", NULL);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(fd);
    if (rc != 0)
        return child_fail(e, saved, "bring lo up", NULL);
    return 0;
}
