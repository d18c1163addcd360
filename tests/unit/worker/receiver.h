/* A small HTTP receiver on 127.0.0.1 for the worker's tests: it accepts
 * n_statuses requests one after another, records each request's head and
 * body, and answers request i with statuses[i]. */
#ifndef RBX_TEST_RECEIVER_H
#define RBX_TEST_RECEIVER_H

#include <pthread.h>

#define MAX_REQUESTS 8

struct receiver {
    int listen_fd;
    int port;
    int statuses[MAX_REQUESTS]; /* what to answer to request i */
    int n_statuses;
    int received;
    char heads[MAX_REQUESTS][2048];
    char bodies[MAX_REQUESTS][1024];
    pthread_t thread;
};

/* Listen on an ephemeral loopback port (r->port) and serve in a thread. */
void receiver_start(struct receiver *r, const int *statuses, int n);
/* Wait until every expected request was served. */
void receiver_stop(struct receiver *r);
/* Requests served so far. */
int receiver_count(struct receiver *r);

/* A receiver as slow as a test wants: it accepts every request and holds it
 * unanswered until holder_release(); then it answers 200 to the held ones,
 * and to later ones at once. */
#define MAX_HELD 32

struct holder {
    int listen_fd;
    int port;
    int held[MAX_HELD];
    int n_held;
    int accepted; /* requests read so far */
    int released, stopping;
    pthread_t thread;
};

void holder_start(struct holder *h);
void holder_release(struct holder *h);
int holder_accepted(struct holder *h);
void holder_stop(struct holder *h);

#endif
