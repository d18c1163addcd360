/* The box's network: a network namespace with one interface, lo, up. That
 * gives programs a working 127.0.0.1 of their own (a test server talking to
 * itself) and nothing else: there is no route out. seccomp.c also refuses
 * non-AF_UNIX sockets, so lo only matters if that policy is relaxed.
 *
 * A box run alone (the CLI) gets a namespace of its own. A service's boxes
 * share one per process instead: creating and tearing down a network
 * namespace per box was 12% of all the CPU of 4 clients' warm-cache C runs
 * on 2 cores (copy_net_ns and cleanup_net in perf), the most of any one
 * part. Sharing is safe because what a namespace holds cannot pass from one
 * box to the next: a process runs one box at a time and a box ends only
 * once all its processes are gone, so two programs are never in it at once;
 * what a program can make in it (sockets, abstract names) closes with its
 * processes; and what would outlive them (interfaces, addresses, routes,
 * sysctls) needs CAP_NET_ADMIN over the namespace, which belongs to the
 * initial user namespace, where a box has no capability. A forked process
 * makes its own, so concurrent boxes (two pool workers, two async jobs) are
 * never in the same one. A rootless service cannot make one (no
 * CAP_SYS_ADMIN): its boxes get their own. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox/internal.h"

/* lo up in the calling thread's namespace; already up is fine. */
static int loopback_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int network_loopback_up(child_error *e)
{
    if (loopback_up() != 0)
        return child_fail(e, errno, "bring lo up", NULL);
    return 0;
}

static struct {
    pid_t owner;      /* the process these are for: a fork makes its own */
    bool unavailable; /* none could be made: boxes get their own */
    int own_fd;       /* the namespace the service itself runs in */
    int shared_fd;    /* the boxes' */
} net = {0, false, -1, -1};

/* A service process left in its boxes' empty namespace could reach nothing
 * (its store, its callbacks): it must not go on; its supervisor starts
 * another. Returning to the namespace it came from fails only for lack of
 * memory. */
static _Noreturn void stuck_in_box_namespace(void)
{
    fprintf(stderr, "runbox: cannot return to the service's network namespace: %s\n",
            strerror(errno));
    abort();
}

static bool shared_ready(void)
{
    if (net.owner == getpid())
        return !net.unavailable;
    close_fd(&net.own_fd); /* a parent's, inherited across fork */
    close_fd(&net.shared_fd);
    net.owner = getpid();
    net.unavailable = true;
    /* thread-self: namespaces are per thread, /proc/self is the main thread's */
    int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (own < 0)
        return false;
    if (unshare(CLONE_NEWNET) != 0) {
        close(own);
        return false;
    }
    int shared = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    bool usable = shared >= 0 && loopback_up() == 0;
    if (setns(own, CLONE_NEWNET) != 0)
        stuck_in_box_namespace();
    if (!usable) {
        if (shared >= 0)
            close(shared);
        close(own);
        return false;
    }
    net.own_fd = own;
    net.shared_fd = shared;
    net.unavailable = false;
    return true;
}

bool network_shared_enter(void)
{
    return shared_ready() && setns(net.shared_fd, CLONE_NEWNET) == 0;
}

void network_shared_leave(void)
{
    if (setns(net.own_fd, CLONE_NEWNET) != 0)
        stuck_in_box_namespace();
}
