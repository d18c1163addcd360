/* bench/store-cost: what the store costs per run, on two stores in the same
 * run. A synchronous run costs the store a key lookup and a history insert;
 * an async job costs an enqueue, a claim and a finish (with its history
 * insert). Blocks of each alternate between the two stores, so both see the
 * same machine load; the figures are the median block's cost per run.
 *
 *   bench/store-cost BASELINE_STORE OTHER_STORE [BLOCKS [RUNS_PER_BLOCK]]
 *
 * Each store is what rbx_store_open takes (a path or a postgresql:// URL),
 * fresh or not: the bench adds its own key and rows. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/jobs.h"
#include "store/store.h"

#define MAX_BLOCKS 64

typedef struct target {
    const char *url;
    rbx_store *store;
    char key[RBX_STORE_KEY_SIZE];
    rbx_key_info info;
    double sync_us[MAX_BLOCKS], async_us[MAX_BLOCKS];
} target;

/* Microseconds, not common/clock.h's milliseconds: one store call costs well
 * under a millisecond. */
static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what, const rbx_error *err)
{
    fprintf(stderr, "store-cost: %s: %s\n", what, err->message);
    exit(1);
}

static json_object *request(void)
{
    json_object *req = json_object_new_object();
    json_object_object_add(req, "language", json_object_new_string("python"));
    json_object_object_add(req, "code", json_object_new_string("print('Hello, World!')"));
    return req;
}

static const rbx_run_input INPUT = {
    .language = "python", .code = "print('Hello, World!')", .save_history = true};

/* A run's record as the pool stores it, with a fresh id, and its answer. */
static char *run(long n, rbx_run_record *rec)
{
    static long seq;
    *rec = (rbx_run_record){.language = "python",
                            .language_version = "3.11",
                            .status = "success",
                            .has_exit_code = true,
                            .cpu_time_ms = 13,
                            .wall_time_ms = 70,
                            .memory_kb = 3184};
    snprintf(rec->id, sizeof(rec->id), "bench-%ld-%ld-%ld", (long)time(NULL), n, ++seq);
    char *answer = NULL;
    if (asprintf(&answer,
                 "{\"id\":\"%s\",\"status\":\"success\",\"output\":\"Hello, World!\\n\","
                 "\"exit_code\":0,\"cpu_time_ms\":13,\"wall_time_ms\":70,\"memory_kb\":3184,"
                 "\"language\":{\"id\":\"python\",\"version\":\"3.11\"}}",
                 rec->id) < 0) {
        fprintf(stderr, "store-cost: out of memory\n");
        exit(1);
    }
    return answer;
}

static void sync_run(target *t, long n)
{
    rbx_error err;
    rbx_key_info who;
    if (rbx_store_key_authenticate(t->store, t->key, &who, &err) < 0)
        die("authenticate", &err);
    rbx_run_record rec;
    char *answer = run(n, &rec);
    if (rbx_store_history_add(t->store, who.user, &INPUT, &rec, answer, &err) < 0)
        die("history add", &err);
    free(answer);
}

static void async_job(target *t, long n)
{
    rbx_error err;
    rbx_job_new job = {.request = request()};
    if (rbx_jobs_enqueue(t->store, t->info.user, t->info.id, &job, 1, 1000000, 0, &err) < 0)
        die("enqueue", &err);
    json_object_put(job.request);
    rbx_job claimed;
    bool got, finished;
    if (rbx_jobs_claim(t->store, "bench", 60, &claimed, &got, &err) < 0 || !got)
        die("claim", &err);
    rbx_run_record rec;
    char *answer = run(n, &rec);
    if (rbx_jobs_finish(t->store, &claimed, "bench", &INPUT, &rec, answer, &finished, &err) < 0 ||
        !finished)
        die("finish", &err);
    free(answer);
    rbx_job_clear(&claimed);
}

static double block(target *t, void (*op)(target *, long), long runs)
{
    double start = now_us();
    for (long i = 0; i < runs; i++)
        op(t, i);
    return (now_us() - start) / runs;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void open_target(target *t)
{
    rbx_error err;
    if (rbx_store_open(t->url, &t->store, &err) < 0)
        die(t->url, &err);
    if (rbx_store_key_create(t->store, "bench", t->key, sizeof(t->key), &t->info, &err) < 0)
        die("key create", &err);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: store-cost BASELINE_STORE OTHER_STORE [BLOCKS [RUNS]]\n");
        return 2;
    }
    int blocks = argc > 3 ? atoi(argv[3]) : 9;
    long runs = argc > 4 ? atol(argv[4]) : 200;
    if (blocks < 1 || blocks > MAX_BLOCKS || runs < 1) {
        fprintf(stderr, "store-cost: 1..%d blocks of 1 or more runs\n", MAX_BLOCKS);
        return 2;
    }
    target t[2] = {{.url = argv[1]}, {.url = argv[2]}};
    for (int i = 0; i < 2; i++) {
        open_target(&t[i]);
        block(&t[i], sync_run, runs / 4 + 1); /* warm caches and connections */
        block(&t[i], async_job, runs / 4 + 1);
    }
    for (int b = 0; b < blocks; b++)
        for (int i = 0; i < 2; i++) {
            /* Alternate which store goes first, so neither always follows the other. */
            target *x = &t[(i + b) % 2];
            x->sync_us[b] = block(x, sync_run, runs);
            x->async_us[b] = block(x, async_job, runs);
        }
    double s0 = median(t[0].sync_us, blocks), s1 = median(t[1].sync_us, blocks);
    double a0 = median(t[0].async_us, blocks), a1 = median(t[1].async_us, blocks);
    printf("store cost per run, median of %d interleaved blocks of %ld:\n", blocks, runs);
    printf("  %-10s sync run (key lookup + history insert) %8.1f us   async job (enqueue + "
           "claim + finish) %8.1f us\n",
           rbx_store_backend_name(t[0].store), s0, a0);
    printf("  %-10s sync run (key lookup + history insert) %8.1f us   async job (enqueue + "
           "claim + finish) %8.1f us\n",
           rbx_store_backend_name(t[1].store), s1, a1);
    printf("  ratio %s/%s: sync %.2f, async %.2f\n", rbx_store_backend_name(t[1].store),
           rbx_store_backend_name(t[0].store), s1 / s0, a1 / a0);
    rbx_store_close(t[0].store);
    rbx_store_close(t[1].store);
    return 0;
}
