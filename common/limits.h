/* The limit fields of a run in one table: each row ties the name a request,
 * a language definition and an answer use ("cpu_time_ms") to its [limits]
 * key in runbox.conf (the server's ceiling for it), its unit, the bounds that
 * key accepts and the ceiling's compiled-in default. Everything that lists
 * the limits (config, language definitions, the request parser, the answers,
 * the effective limits of a run) walks this table, so a sixth limit is one
 * row here and one field in rbx_limits. */
#ifndef RBX_COMMON_LIMITS_H
#define RBX_COMMON_LIMITS_H

#include <stddef.h>
#include <stdint.h>

typedef struct rbx_limits {
    uint64_t cpu_time_ms;
    uint64_t wall_time_ms;
    uint64_t memory_kb;
    uint64_t output_kb;
    uint64_t processes;
} rbx_limits;

/* X(field, config key, unit, min, max, default ceiling). An X-macro rather
 * than only an array so that config.c's static key table, which needs
 * constant expressions, is generated from the same rows. */
#define RBX_LIMIT_TABLE(X)                                                                         \
    X(cpu_time_ms, "max_cpu_time_ms", "ms", 10, 600000, 20000)                                     \
    X(wall_time_ms, "max_wall_time_ms", "ms", 10, 600000, 30000)                                   \
    X(memory_kb, "max_memory_kb", "KiB", 4096, 64 * 1024 * 1024, 512 * 1024)                       \
    X(output_kb, "max_output_kb", "KiB", 1, 1024 * 1024, 1024)                                     \
    X(processes, "max_processes", "processes", 1, 65536, 256)

typedef struct rbx_limit_field {
    const char *name;       /* request, language definition and answer key */
    const char *config_key; /* [limits] key of the server's ceiling */
    const char *unit;
    size_t offset; /* in rbx_limits */
    uint64_t min, max, default_max;
} rbx_limit_field;

extern const rbx_limit_field RBX_LIMIT_FIELDS[];
extern const size_t RBX_N_LIMIT_FIELDS;

/* The row named name (a request's or a definition's key), or NULL. */
const rbx_limit_field *rbx_limit_field_named(const char *name);

/* The field f of l. */
uint64_t rbx_limit_get(const rbx_limits *l, const rbx_limit_field *f);
void rbx_limit_set(rbx_limits *l, const rbx_limit_field *f, uint64_t value);

/* The compiled-in ceilings (the default of every config key). */
void rbx_limits_default_max(rbx_limits *out);

#endif
