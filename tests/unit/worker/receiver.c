#include "tests/unit/worker/receiver.h"

#include <arpa/inet.h>
#include <check.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void copy_capped(char *dst, size_t dstsz, const char *src)
{
    size_t n = strlen(src);
    n = n < dstsz - 1 ? n : dstsz - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void read_request(int fd, char *head, size_t headsz, char *body, size_t bodysz)
{
    char buf[4096];
    size_t have = 0;
    char *end = NULL;
    while (!end && have < sizeof(buf) - 1) {
        ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
        if (n <= 0)
            return;
        have += (size_t)n;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (!end)
        return;
    *end = '\0';
    copy_capped(head, headsz, buf);
    const char *cl = strcasestr(buf, "Content-Length:");
    size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
    size_t got = have - (size_t)(end + 4 - buf);
    memmove(buf, end + 4, got);
    while (got < want && got < sizeof(buf) - 1) {
        ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    copy_capped(body, bodysz, buf);
}

static void *serve(void *arg)
{
    struct receiver *r = arg;
    for (int i = 0; i < r->n_statuses; i++) {
        int fd = accept(r->listen_fd, NULL, NULL);
        if (fd < 0)
            return NULL;
        read_request(fd, r->heads[i], sizeof(r->heads[i]), r->bodies[i], sizeof(r->bodies[i]));
        char answer[128];
        int n = snprintf(answer, sizeof(answer),
                         "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                         r->statuses[i]);
        ck_assert_int_eq(write(fd, answer, (size_t)n), n);
        close(fd);
        __atomic_add_fetch(&r->received, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

void receiver_start(struct receiver *r, const int *statuses, int n)
{
    memset(r, 0, sizeof(*r));
    memcpy(r->statuses, statuses, sizeof(int) * (size_t)n);
    r->n_statuses = n;
    r->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(r->listen_fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(r->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(r->listen_fd, 8), 0);
    socklen_t len = sizeof(a);
    ck_assert_int_eq(getsockname(r->listen_fd, (struct sockaddr *)&a, &len), 0);
    r->port = ntohs(a.sin_port);
    ck_assert_int_eq(pthread_create(&r->thread, NULL, serve, r), 0);
}

void receiver_stop(struct receiver *r)
{
    pthread_join(r->thread, NULL);
    close(r->listen_fd);
}

int receiver_count(struct receiver *r)
{
    return __atomic_load_n(&r->received, __ATOMIC_SEQ_CST);
}

static void answer_ok(int fd)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    ck_assert_int_eq(write(fd, ok, sizeof(ok) - 1), (ssize_t)(sizeof(ok) - 1));
    close(fd);
}

static void *hold(void *arg)
{
    struct holder *h = arg;
    while (!__atomic_load_n(&h->stopping, __ATOMIC_SEQ_CST)) {
        struct pollfd p = {.fd = h->listen_fd, .events = POLLIN};
        int ready = poll(&p, 1, 20);
        bool released = __atomic_load_n(&h->released, __ATOMIC_SEQ_CST);
        if (released)
            for (; h->n_held > 0; h->n_held--)
                answer_ok(h->held[h->n_held - 1]);
        if (ready <= 0)
            continue;
        int fd = accept(h->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        char head[2048], body[1024];
        read_request(fd, head, sizeof(head), body, sizeof(body));
        __atomic_add_fetch(&h->accepted, 1, __ATOMIC_SEQ_CST);
        if (released || h->n_held == MAX_HELD)
            answer_ok(fd);
        else
            h->held[h->n_held++] = fd;
    }
    for (; h->n_held > 0; h->n_held--)
        close(h->held[h->n_held - 1]);
    return NULL;
}

void holder_start(struct holder *h)
{
    memset(h, 0, sizeof(*h));
    h->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(h->listen_fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(h->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(h->listen_fd, 64), 0);
    socklen_t len = sizeof(a);
    ck_assert_int_eq(getsockname(h->listen_fd, (struct sockaddr *)&a, &len), 0);
    h->port = ntohs(a.sin_port);
    ck_assert_int_eq(pthread_create(&h->thread, NULL, hold, h), 0);
}

void holder_release(struct holder *h)
{
    __atomic_store_n(&h->released, 1, __ATOMIC_SEQ_CST);
}

int holder_accepted(struct holder *h)
{
    return __atomic_load_n(&h->accepted, __ATOMIC_SEQ_CST);
}

void holder_stop(struct holder *h)
{
    __atomic_store_n(&h->stopping, 1, __ATOMIC_SEQ_CST);
    pthread_join(h->thread, NULL);
    close(h->listen_fd);
}
