/* The content-addressed compile cache (see compile_cache.h).
 *
 * An entry is one file, written here and read only by the service (boxes
 * never see the state dir):
 *
 *   "RBXCC\0\0\1"  status u32  exit_code i32  n_files u32  0 u32
 *   stdout_len u64  stderr_len u64  stdout  stderr
 *   n_files times: path_len u32  mode u32  len u64  path  bytes
 *   XXH3-128 of everything before it
 *
 * A hand-written layout rather than an archive library: it is a few lines,
 * holds nothing but what the cache itself wrote, and the trailing checksum
 * rejects any entry not written whole. The checksum is xxHash's XXH3 (the
 * one ccache uses for the same job) rather than a cryptographic hash: it
 * guards against a torn or damaged file, not an adversary (only the service
 * writes this directory), and every hit reads it over the whole entry: for
 * a 1.2 MB Go binary here libsodium's SHA-256 took 5.5 ms, BLAKE2b 1.3 ms,
 * XXH3 under 0.1 ms. */
#include "engine/compile_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "common/io.h"
#include "sandbox/host_files.h"

static const char MAGIC[8] = {'R', 'B', 'X', 'C', 'C', 0, 0, 2};
#define CHECK_BYTES sizeof(XXH128_canonical_t)
#define KEY_DOMAIN "runbox compile cache 1"
#define MAX_ENTRY_BYTES (256ULL * 1024 * 1024)
#define STATS_FILE "stats"
#define STATS_BYTES 4096
#define TMP_PREFIX "tmp."
#define STALE_TMP_SECONDS 3600

/* Shared by every process through a MAP_SHARED mapping; updated atomically. */
typedef struct shared_stats {
    uint64_t hits, misses, stored, evicted, errors;
} shared_stats;

struct rbx_compile_cache {
    int dirfd;
    uint64_t cap;
    shared_stats *stats;
};

static void count(uint64_t *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static int open_private_dir(const char *dir, rbx_error *err)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return rbx_error_errno(err, "cannot create the compile cache %s", dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return rbx_error_errno(err, "cannot open the compile cache %s", dir);
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 0077) != 0) {
        close(fd);
        return rbx_error_internal(err,
                                  "the compile cache %s must be a directory of uid %u, mode 0700",
                                  dir, (unsigned)geteuid());
    }
    return fd;
}

static shared_stats *map_stats(int dirfd, rbx_error *err)
{
    int fd = openat(dirfd, STATS_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rbx_error_errno(err, "cannot open the compile cache's counters");
        return NULL;
    }
    struct stat st;
    void *p = MAP_FAILED;
    /* Growing to the same size twice (two processes starting) is harmless. */
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (st.st_size >= STATS_BYTES || ftruncate(fd, STATS_BYTES) == 0))
        p = mmap(NULL, STATS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        rbx_error_errno(err, "cannot map the compile cache's counters");
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

int rbx_compile_cache_open(const char *dir, uint64_t cap_bytes, rbx_compile_cache **out,
                           rbx_error *err)
{
    *out = NULL;
    if (cap_bytes == 0)
        return 0;
    rbx_compile_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return rbx_error_errno(err, "out of memory");
    c->cap = cap_bytes;
    if ((c->dirfd = open_private_dir(dir, err)) < 0 || !(c->stats = map_stats(c->dirfd, err))) {
        if (c->dirfd >= 0)
            close(c->dirfd);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void rbx_compile_cache_close(rbx_compile_cache *c)
{
    if (!c)
        return;
    munmap(c->stats, STATS_BYTES);
    close(c->dirfd);
    free(c);
}

static uint64_t max_entry(const rbx_compile_cache *c)
{
    return c->cap < MAX_ENTRY_BYTES ? c->cap : MAX_ENTRY_BYTES;
}

void rbx_compile_key_hex(const unsigned char key[32], char *out)
{
    sodium_bin2hex(out, 65, key, 32);
}

/* ---- the key ---- */

static void hash_bytes(crypto_hash_sha256_state *h, const void *p, uint64_t len)
{
    crypto_hash_sha256_update(h, (const unsigned char *)&len, sizeof(len));
    crypto_hash_sha256_update(h, p, len);
}

static void hash_string(crypto_hash_sha256_state *h, const char *s)
{
    hash_bytes(h, s ? s : "", s ? strlen(s) : 0);
}

static void hash_list(crypto_hash_sha256_state *h, const char *const *v)
{
    uint64_t n = 0;
    while (v && v[n])
        n++;
    crypto_hash_sha256_update(h, (const unsigned char *)&n, sizeof(n));
    for (uint64_t i = 0; i < n; i++)
        hash_string(h, v[i]);
}

/* The compiler's file as the box will find it (/usr is the host's, read-only):
 * its identity catches an upgrade whose version string stayed the same, or
 * a compiler that is not the one whose version the language reports
 * (TypeScript runs esbuild, reports tsc's version). */
static void hash_program(crypto_hash_sha256_state *h, const char *prog, const char *const *envp)
{
    const char *path = "/usr/bin:/bin";
    for (size_t i = 0; envp && envp[i]; i++)
        if (strncmp(envp[i], "PATH=", 5) == 0)
            path = envp[i] + 5;
    struct stat st;
    memset(&st, 0, sizeof(st));
    char file[4096];
    if (prog && strchr(prog, '/')) {
        if (prog[0] != '/' || stat(prog, &st) != 0)
            memset(&st, 0, sizeof(st));
    } else if (prog) {
        for (const char *p = path; *p;) {
            size_t n = strcspn(p, ":");
            if (n > 0 &&
                (size_t)snprintf(file, sizeof(file), "%.*s/%s", (int)n, p, prog) < sizeof(file) &&
                stat(file, &st) == 0 && S_ISREG(st.st_mode))
                break;
            memset(&st, 0, sizeof(st));
            p += n + (p[n] == ':');
        }
    }
    uint64_t id[6] = {(uint64_t)st.st_dev,          (uint64_t)st.st_ino,
                      (uint64_t)st.st_size,         (uint64_t)st.st_mtim.tv_sec,
                      (uint64_t)st.st_mtim.tv_nsec, (uint64_t)st.st_ctim.tv_sec};
    crypto_hash_sha256_update(h, (const unsigned char *)id, sizeof(id));
}

/* Every field is length-prefixed, so no two different inputs hash the same bytes. */
static void make_key(const rbx_compile_key_input *in, const rbx_tree *files, unsigned char key[32])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    hash_string(&h, KEY_DOMAIN);
    hash_string(&h, in->language);
    hash_string(&h, in->version);
    hash_list(&h, in->argv);
    hash_list(&h, in->envp);
    hash_program(&h, in->argv ? in->argv[0] : NULL, in->envp);
    uint64_t n = files->n;
    crypto_hash_sha256_update(&h, (const unsigned char *)&n, sizeof(n));
    for (size_t i = 0; i < files->n; i++) {
        const rbx_tree_file *f = &files->files[i];
        /* Only whether it is executable: a step's outputs are read-only
         * after it, whether it ran or the cache answered it. */
        uint32_t mode = (uint32_t)(f->mode & 0111);
        hash_string(&h, f->path);
        crypto_hash_sha256_update(&h, (const unsigned char *)&mode, sizeof(mode));
        crypto_hash_sha256_update(&h, f->sha256, sizeof(f->sha256));
    }
    crypto_hash_sha256_final(&h, key);
}

/* ---- entries ---- */

typedef struct entry_header {
    char magic[8];
    uint32_t status;
    int32_t exit_code;
    uint32_t n_files;
    uint32_t zero;
    uint64_t stdout_len, stderr_len;
} entry_header;

typedef struct file_header {
    uint32_t path_len;
    uint32_t mode;
    uint64_t len;
} file_header;

/* A reader of an entry held in memory, refusing to step past its end. */
typedef struct cursor {
    const char *p;
    size_t left;
} cursor;

static const char *take(cursor *cur, uint64_t n)
{
    if (n > cur->left)
        return NULL;
    const char *at = cur->p;
    cur->p += n;
    cur->left -= (size_t)n;
    return at;
}

static char *dup_bytes(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static int read_entry(int fd, uint64_t max_bytes, char **buf, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max_bytes ||
        (size_t)st.st_size < sizeof(entry_header) + CHECK_BYTES)
        return -1;
    size_t n = (size_t)st.st_size, got = 0;
    char *b = malloc(n);
    if (!b)
        return -1;
    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(b);
            return -1;
        }
        got += (size_t)r;
    }
    *buf = b;
    *len = n;
    return 0;
}

static bool entry_intact(const char *buf, size_t len)
{
    XXH128_canonical_t sum;
    size_t body = len - sizeof(sum);
    XXH128_canonicalFromHash(&sum, XXH3_128bits(buf, body));
    return memcmp(&sum, buf + body, sizeof(sum)) == 0 && memcmp(buf, MAGIC, sizeof(MAGIC)) == 0;
}

static bool safe_path(const char *p, size_t n)
{
    if (n == 0 || memchr(p, '\0', n) || p[0] == '/')
        return false;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        size_t part = j - i;
        if (part == 0 || (part == 1 && p[i] == '.') ||
            (part == 2 && p[i] == '.' && p[i + 1] == '.'))
            return false;
        i = j + 1;
    }
    return true;
}

/* Write the entry's files into the run dir, read-only, and fill res. */
static int apply_entry(const char *buf, size_t len, int workdir_fd, rbx_sandbox_result *res,
                       rbx_error *err)
{
    cursor cur = {buf, len - CHECK_BYTES};
    entry_header h;
    const char *p = take(&cur, sizeof(h)), *out, *errs;
    if (!p)
        return rbx_error_internal(err, "short entry");
    memcpy(&h, p, sizeof(h));
    if (!(out = take(&cur, h.stdout_len)) || !(errs = take(&cur, h.stderr_len)))
        return rbx_error_internal(err, "short entry");
    for (uint32_t i = 0; i < h.n_files; i++) {
        file_header fh;
        const char *path, *data;
        if (!(p = take(&cur, sizeof(fh))))
            return rbx_error_internal(err, "short entry");
        memcpy(&fh, p, sizeof(fh));
        if (!(path = take(&cur, fh.path_len)) || !(data = take(&cur, fh.len)) ||
            !safe_path(path, fh.path_len))
            return rbx_error_internal(err, "bad file in entry");
        char *name = dup_bytes(path, fh.path_len);
        if (!name)
            return rbx_error_errno(err, "out of memory");
        /* Read-only in the box: a program that writes to its own binary
         * changes its box's copy at most, never this entry. */
        int rc = rbx_tree_put(workdir_fd, name, data, (size_t)fh.len, (mode_t)fh.mode & 0555, err);
        free(name);
        if (rc != 0)
            return -1;
    }
    memset(res, 0, sizeof(*res));
    res->status = (rbx_sandbox_status)h.status;
    res->exit_code = h.exit_code;
    res->stdout_buf = dup_bytes(out, (size_t)h.stdout_len);
    res->stderr_buf = dup_bytes(errs, (size_t)h.stderr_len);
    if (!res->stdout_buf || !res->stderr_buf) {
        rbx_sandbox_result_free(res);
        return rbx_error_errno(err, "out of memory");
    }
    res->stdout_len = (size_t)h.stdout_len;
    res->stderr_len = (size_t)h.stderr_len;
    return 0;
}

int rbx_compile_cache_fetch(rbx_compile_cache *c, const rbx_compile_key_input *in, int workdir_fd,
                            rbx_compile_step *step, rbx_sandbox_result *res)
{
    rbx_error err;
    memset(step, 0, sizeof(*step));
    if (!c)
        return 0;
    if (rbx_tree_read(workdir_fd, false, max_entry(c), &step->before, &err) != 0) {
        count(&c->stats->errors);
        return 0;
    }
    make_key(in, &step->before, step->key);
    step->usable = true;
    char hex[65];
    rbx_compile_key_hex(step->key, hex);
    int fd = openat(c->dirfd, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        count(&c->stats->misses);
        return 0;
    }
    char *buf = NULL;
    size_t len = 0;
    int rc = read_entry(fd, max_entry(c), &buf, &len) == 0 && entry_intact(buf, len)
                 ? apply_entry(buf, len, workdir_fd, res, &err)
                 : -1;
    if (rc == 0)
        futimens(fd, NULL); /* most recently used */
    else
        unlinkat(c->dirfd, hex, 0); /* cut short by a crash, or unusable: fill it again */
    close(fd);
    free(buf);
    count(rc == 0 ? &c->stats->hits : &c->stats->misses);
    return rc == 0 ? 1 : 0;
}

/* A compile error is the code's; a limit, a signal or a missing compiler is not. */
static bool cacheable(const rbx_sandbox_result *r)
{
    if (r->oom_killed || r->truncated || r->cpu_limit_hit || r->wall_limit_hit || r->exec_failed ||
        r->signal != 0)
        return false;
    return r->status == RBX_SANDBOX_OK ||
           (r->status == RBX_SANDBOX_RUNTIME_ERROR && r->exit_code > 0);
}

static int put(FILE *f, const void *p, size_t n, XXH3_state_t *h)
{
    if (n > 0)
        XXH3_128bits_update(h, p, n);
    return n == 0 || fwrite(p, 1, n, f) == n ? 0 : -1;
}

/* The files the step created or changed. */
static bool is_artifact(const rbx_tree *before, const rbx_tree_file *f)
{
    const rbx_tree_file *was = rbx_tree_find(before, f->path);
    return !was || was->mode != f->mode || memcmp(was->sha256, f->sha256, sizeof(f->sha256)) != 0;
}

static int write_entry(FILE *f, const rbx_sandbox_result *res, const rbx_tree *before,
                       const rbx_tree *after)
{
    XXH3_state_t *h = XXH3_createState();
    if (!h || XXH3_128bits_reset(h) != XXH_OK) {
        XXH3_freeState(h);
        return -1;
    }
    entry_header eh = {.status = (uint32_t)res->status,
                       .exit_code = res->exit_code,
                       .stdout_len = res->stdout_len,
                       .stderr_len = res->stderr_len};
    memcpy(eh.magic, MAGIC, sizeof(MAGIC));
    for (size_t i = 0; i < after->n; i++)
        eh.n_files += is_artifact(before, &after->files[i]);
    int rc = put(f, &eh, sizeof(eh), h) | put(f, res->stdout_buf, res->stdout_len, h) |
             put(f, res->stderr_buf, res->stderr_len, h);
    for (size_t i = 0; i < after->n; i++) {
        const rbx_tree_file *a = &after->files[i];
        if (!is_artifact(before, a))
            continue;
        file_header fh = {(uint32_t)strlen(a->path), (uint32_t)a->mode, a->len};
        rc |= put(f, &fh, sizeof(fh), h) | put(f, a->path, fh.path_len, h) |
              put(f, a->data, a->len, h);
    }
    XXH128_canonical_t sum;
    XXH128_canonicalFromHash(&sum, XXH3_128bits_digest(h));
    XXH3_freeState(h);
    return rc | (fwrite(&sum, 1, sizeof(sum), f) == sizeof(sum) ? 0 : -1);
}

static void evict(rbx_compile_cache *c);

/* What the step wrote, read-only as a hit writes it: the next step and the
 * program see the same files either way. */
static void make_read_only(int workdir_fd, const rbx_tree *before, const rbx_tree *after)
{
    rbx_error err;
    for (size_t i = 0; i < after->n; i++) {
        const rbx_tree_file *a = &after->files[i];
        if (!is_artifact(before, a))
            continue;
        int fd =
            rbx_host_open_beneath(workdir_fd, a->path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, &err);
        if (fd >= 0) {
            struct stat st;
            if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
                (void)fchmod(fd, a->mode & 0555);
            close(fd);
        }
    }
}

/* Write to a fresh temporary name, then rename over the key: a reader
 * never opens a half-written entry, and two writers of one key both
 * rename a whole file. */
static int publish(rbx_compile_cache *c, const rbx_compile_step *step,
                   const rbx_sandbox_result *res, const rbx_tree *after)
{
    unsigned char rnd[8];
    char tmp[64], rndhex[17], hex[65];
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(rndhex, sizeof(rndhex), rnd, sizeof(rnd));
    snprintf(tmp, sizeof(tmp), TMP_PREFIX "%ld.%s", (long)getpid(), rndhex);
    int fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlinkat(c->dirfd, tmp, 0);
        return -1;
    }
    int rc = write_entry(f, res, &step->before, after);
    rc |= fclose(f) == 0 ? 0 : -1;
    rbx_compile_key_hex(step->key, hex);
    if (rc == 0 && renameat(c->dirfd, tmp, c->dirfd, hex) == 0)
        return 0;
    unlinkat(c->dirfd, tmp, 0);
    return -1;
}

void rbx_compile_cache_store(rbx_compile_cache *c, rbx_compile_step *step, int workdir_fd,
                             const rbx_sandbox_result *res)
{
    rbx_error err;
    rbx_tree after;
    if (!c || !step->usable || !cacheable(res))
        return;
    uint64_t budget = max_entry(c) - (res->stdout_len + res->stderr_len);
    if (res->stdout_len + res->stderr_len >= max_entry(c) ||
        rbx_tree_read(workdir_fd, true, budget, &after, &err) != 0) {
        count(&c->stats->errors);
        return;
    }
    make_read_only(workdir_fd, &step->before, &after);
    if (publish(c, step, res, &after) == 0) {
        count(&c->stats->stored);
        evict(c);
    } else {
        count(&c->stats->errors);
    }
    rbx_tree_free(&after);
}

void rbx_compile_step_free(rbx_compile_step *step)
{
    rbx_tree_free(&step->before);
    memset(step, 0, sizeof(*step));
}

/* ---- eviction ---- */

typedef struct cached_file {
    char name[65];
    uint64_t bytes;
    struct timespec used;
} cached_file;

static int by_use(const void *a, const void *b)
{
    const struct timespec *x = &((const cached_file *)a)->used,
                          *y = &((const cached_file *)b)->used;
    if (x->tv_sec != y->tv_sec)
        return x->tv_sec < y->tv_sec ? -1 : 1;
    return (x->tv_nsec > y->tv_nsec) - (x->tv_nsec < y->tv_nsec);
}

static bool is_key_name(const char *s)
{
    size_t n = strspn(s, "0123456789abcdef");
    return n == 64 && s[n] == '\0';
}

/* List the entries (and drop temporary files a killed writer left). */
static cached_file *list_entries(rbx_compile_cache *c, size_t *n, uint64_t *total)
{
    int scan = dup(c->dirfd);
    DIR *d = scan >= 0 ? fdopendir(scan) : NULL;
    cached_file *v = NULL;
    size_t cap = 0;
    *n = 0;
    *total = 0;
    if (!d) {
        if (scan >= 0)
            close(scan);
        return NULL;
    }
    rewinddir(d);
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d))) {
        struct stat st;
        if (fstatat(c->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0) {
            if (now - st.st_mtime > STALE_TMP_SECONDS)
                unlinkat(c->dirfd, de->d_name, 0);
            continue;
        }
        if (!is_key_name(de->d_name))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            cached_file *grown = realloc(v, cap * sizeof(*v));
            if (!grown)
                break;
            v = grown;
        }
        cached_file *e = &v[(*n)++];
        memcpy(e->name, de->d_name, 65);
        e->bytes = (uint64_t)st.st_size;
        e->used = st.st_mtim;
        *total += e->bytes;
    }
    closedir(d);
    return v;
}

/* Remove the least recently used entries until the cache fits its cap. */
static void evict(rbx_compile_cache *c)
{
    size_t n;
    uint64_t total;
    cached_file *v = list_entries(c, &n, &total);
    if (total > c->cap && v) {
        qsort(v, n, sizeof(*v), by_use);
        for (size_t i = 0; i < n && total > c->cap; i++) {
            if (unlinkat(c->dirfd, v[i].name, 0) == 0)
                count(&c->stats->evicted);
            total -= v[i].bytes; /* gone either way: another process may have removed it */
        }
    }
    free(v);
}

/* ---- counters ---- */

void rbx_compile_cache_stats_get(const rbx_compile_cache *c, rbx_compile_cache_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!c)
        return;
    out->hits = __atomic_load_n(&c->stats->hits, __ATOMIC_RELAXED);
    out->misses = __atomic_load_n(&c->stats->misses, __ATOMIC_RELAXED);
    out->stored = __atomic_load_n(&c->stats->stored, __ATOMIC_RELAXED);
    out->evicted = __atomic_load_n(&c->stats->evicted, __ATOMIC_RELAXED);
    out->errors = __atomic_load_n(&c->stats->errors, __ATOMIC_RELAXED);
}

json_object *rbx_compile_cache_json(const rbx_compile_cache *c)
{
    rbx_compile_cache_stats s;
    rbx_compile_cache_stats_get(c, &s);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "enabled", json_object_new_boolean(c != NULL));
    json_object_object_add(o, "hits", json_object_new_int64((int64_t)s.hits));
    json_object_object_add(o, "misses", json_object_new_int64((int64_t)s.misses));
    json_object_object_add(o, "stored", json_object_new_int64((int64_t)s.stored));
    json_object_object_add(o, "evicted", json_object_new_int64((int64_t)s.evicted));
    json_object_object_add(o, "errors", json_object_new_int64((int64_t)s.errors));
    json_object_object_add(o, "cap_mb",
                           json_object_new_int64(c ? (int64_t)(c->cap / (1024 * 1024)) : 0));
    return o;
}
