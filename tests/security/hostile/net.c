/* Reach out of the box. Operations, any number, in order:
 *   tcp ADDR PORT      connect() to an IPv4 TCP listener
 *   udp ADDR PORT      sendto() one datagram
 *   dns NAME           getaddrinfo()
 *   abstract NAME      connect() to the abstract unix socket @NAME
 *   ifaces             list the network interfaces
 * Each prints one line "op target: ok" or "op target: errno=E..." / "EAI_...". */
#define _GNU_SOURCE
#include "hostile.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>

static void try_tcp(const char *addr, const char *port)
{
    char what[128];
    snprintf(what, sizeof what, "tcp %s:%s", addr, port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        printf("%s: socket errno=%s\n", what, errname(errno));
        return;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    report(what, connect(fd, (struct sockaddr *)&sa, sizeof sa));
    close(fd);
}

static void try_udp(const char *addr, const char *port)
{
    char what[128];
    snprintf(what, sizeof what, "udp %s:%s", addr, port);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        printf("%s: socket errno=%s\n", what, errname(errno));
        return;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    report(what, sendto(fd, "rbxsec", 6, 0, (struct sockaddr *)&sa, sizeof sa));
    close(fd);
}

static void try_dns(const char *name)
{
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(name, "80", NULL, &res);
    if (rc == 0) {
        char buf[64] = "?";
        if (res->ai_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, buf, sizeof buf);
        printf("dns %s: ok %s\n", name, buf);
        freeaddrinfo(res);
    } else {
        printf("dns %s: failed %s\n", name, gai_strerror(rc));
    }
}

static void try_abstract(const char *name)
{
    char what[160];
    snprintf(what, sizeof what, "abstract @%s", name);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        printf("%s: socket errno=%s\n", what, errname(errno));
        return;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(name);
    if (len > sizeof sa.sun_path - 1)
        len = sizeof sa.sun_path - 1;
    memcpy(sa.sun_path + 1, name, len);
    report(what, connect(fd, (struct sockaddr *)&sa,
                         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)));
    close(fd);
}

static void list_ifaces(void)
{
    struct if_nameindex *ifs = if_nameindex();
    if (!ifs) {
        printf("ifaces: errno=%s\n", errname(errno));
        return;
    }
    printf("ifaces:");
    for (struct if_nameindex *i = ifs; i->if_index != 0; i++)
        printf(" %s", i->if_name);
    printf("\n");
    if_freenameindex(ifs);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *op = argv[i];
        if (!strcmp(op, "tcp") && i + 2 < argc) {
            try_tcp(argv[i + 1], argv[i + 2]);
            i += 2;
        } else if (!strcmp(op, "udp") && i + 2 < argc) {
            try_udp(argv[i + 1], argv[i + 2]);
            i += 2;
        } else if (!strcmp(op, "dns") && i + 1 < argc) {
            try_dns(argv[++i]);
        } else if (!strcmp(op, "abstract") && i + 1 < argc) {
            try_abstract(argv[++i]);
        } else if (!strcmp(op, "ifaces")) {
            list_ifaces();
        } else {
            printf("unknown op %s\n", op);
            return 2;
        }
        fflush(stdout);
    }
    return 0;
}
