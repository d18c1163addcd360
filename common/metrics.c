#include "common/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define METRICS_MAGIC 0x52424d31u /* "RBM1" */

const uint64_t rbx_metrics_bucket_ms[RBX_METRICS_BUCKETS] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};

/* A file another layout left (an older build) or a short one is started anew:
 * under the flock, so that two processes opening it at once agree. */
static int prepare_file(int fd, rbx_error *err)
{
    if (flock(fd, LOCK_EX) < 0)
        return rbx_error_errno(err, "cannot lock the metrics file");
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) {
        rc = rbx_error_errno(err, "cannot stat the metrics file");
    } else if (!S_ISREG(st.st_mode)) {
        rc = rbx_error_internal(err, "the metrics file is not a regular file");
    } else if ((size_t)st.st_size != sizeof(rbx_metrics_block)) {
        if (ftruncate(fd, 0) < 0 || ftruncate(fd, sizeof(rbx_metrics_block)) < 0)
            rc = rbx_error_errno(err, "cannot size the metrics file");
    }
    flock(fd, LOCK_UN);
    return rc;
}

int rbx_metrics_open(rbx_metrics *m, const char *state_dir, rbx_error *err)
{
    m->fd = -1;
    m->block = NULL;
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/metrics", state_dir) >= sizeof(path))
        return rbx_error_internal(err, "state_dir is too long");
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return rbx_error_errno(err, "cannot open %s", path);
    if (prepare_file(fd, err) < 0) {
        close(fd);
        return -1;
    }
    void *p = mmap(NULL, sizeof(rbx_metrics_block), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        close(fd);
        return rbx_error_errno(err, "cannot map %s", path);
    }
    rbx_metrics_block *b = p;
    if (__atomic_load_n(&b->magic, __ATOMIC_ACQUIRE) != METRICS_MAGIC || b->size != sizeof(*b)) {
        /* A new file, or one of another layout: cleared under the lock so that
         * a process counting into it meanwhile cannot be half erased. */
        if (flock(fd, LOCK_EX) == 0) {
            if (b->magic != METRICS_MAGIC || b->size != sizeof(*b)) {
                memset(b, 0, sizeof(*b));
                b->size = sizeof(*b);
                __atomic_store_n(&b->magic, METRICS_MAGIC, __ATOMIC_RELEASE);
            }
            flock(fd, LOCK_UN);
        }
    }
    m->fd = fd;
    m->block = b;
    return 0;
}

void rbx_metrics_close(rbx_metrics *m)
{
    if (m->block)
        munmap(m->block, sizeof(*m->block));
    if (m->fd >= 0)
        close(m->fd);
    m->block = NULL;
    m->fd = -1;
}

void rbx_metrics_add(uint64_t *counter, uint64_t n)
{
    __atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

void rbx_metrics_observe(rbx_metrics_histogram *h, uint64_t ms)
{
    size_t i = 0;
    while (i < RBX_METRICS_BUCKETS && ms > rbx_metrics_bucket_ms[i])
        i++;
    rbx_metrics_add(&h->buckets[i], 1);
    rbx_metrics_add(&h->count, 1);
    rbx_metrics_add(&h->sum_ms, ms);
}

static bool row_is(const rbx_metrics_row *r, const char *a, const char *b)
{
    return __atomic_load_n(&r->used, __ATOMIC_ACQUIRE) && strncmp(r->a, a, sizeof(r->a) - 1) == 0 &&
           strncmp(r->b, b, sizeof(r->b) - 1) == 0;
}

static rbx_metrics_row *find_row(rbx_metrics_row *table, size_t n_rows, const char *a,
                                 const char *b)
{
    for (size_t i = 0; i < n_rows; i++) {
        if (!__atomic_load_n(&table[i].used, __ATOMIC_ACQUIRE))
            return NULL; /* rows are claimed in order: the rest are free */
        if (row_is(&table[i], a, b))
            return &table[i];
    }
    return NULL;
}

static void claim(rbx_metrics_row *r, const char *a, const char *b)
{
    snprintf(r->a, sizeof(r->a), "%s", a);
    snprintf(r->b, sizeof(r->b), "%s", b);
    __atomic_store_n(&r->used, 1, __ATOMIC_RELEASE);
}

rbx_metrics_row *rbx_metrics_row_of(rbx_metrics *m, rbx_metrics_row *table, size_t n_rows,
                                    const char *a, const char *b)
{
    rbx_metrics_row *r = find_row(table, n_rows, a, b);
    if (r || flock(m->fd, LOCK_EX) < 0)
        return r;
    /* Again under the lock: another process may have claimed it meanwhile. */
    r = find_row(table, n_rows, a, b);
    for (size_t i = 0; !r && i < n_rows - 1; i++)
        if (!__atomic_load_n(&table[i].used, __ATOMIC_ACQUIRE)) {
            claim(&table[i], a, b);
            r = &table[i];
        }
    /* Full: the last row counts every label that found no room. */
    if (!r) {
        r = &table[n_rows - 1];
        if (!__atomic_load_n(&r->used, __ATOMIC_ACQUIRE))
            claim(r, "other", b[0] ? "other" : "");
    }
    flock(m->fd, LOCK_UN);
    return r;
}

void rbx_metrics_count_run(rbx_metrics *m, const char *language, const char *verdict, bool compiled,
                           uint64_t compile_ms, uint64_t run_ms)
{
    if (!m || !m->block)
        return;
    rbx_metrics_row *r =
        rbx_metrics_row_of(m, m->block->runs, RBX_METRICS_RUN_ROWS, language, verdict);
    if (r)
        rbx_metrics_add(&r->count, 1);
    if (compiled)
        rbx_metrics_observe(&m->block->compile_ms, compile_ms);
    rbx_metrics_observe(&m->block->run_ms, run_ms);
}

void rbx_metrics_count_request(rbx_metrics *m, const char *route, int status, uint64_t ms,
                               const char *error_code)
{
    if (!m || !m->block)
        return;
    char class[16];
    snprintf(class, sizeof(class), "%dxx", status / 100);
    rbx_metrics_row *r =
        rbx_metrics_row_of(m, m->block->requests, RBX_METRICS_ROUTE_ROWS, route, class);
    if (r) {
        rbx_metrics_add(&r->count, 1);
        rbx_metrics_observe(&r->latency, ms);
    }
    if (status >= 400 && error_code && error_code[0]) {
        rbx_metrics_row *e =
            rbx_metrics_row_of(m, m->block->errors, RBX_METRICS_ERROR_ROWS, error_code, "");
        if (e)
            rbx_metrics_add(&e->count, 1);
    }
}

void rbx_metrics_count_callback(rbx_metrics *m, bool delivered)
{
    if (!m || !m->block)
        return;
    rbx_metrics_add(&m->block->callback_attempts, 1);
    rbx_metrics_add(delivered ? &m->block->callbacks_delivered : &m->block->callback_failures, 1);
}

void rbx_metrics_snapshot(const rbx_metrics *m, rbx_metrics_block *out)
{
    memset(out, 0, sizeof(*out));
    if (m && m->block)
        memcpy(out, m->block, sizeof(*out));
}
