/* The limit fields' table (limits.h). */
#include "common/limits.h"

#include <string.h>

#define ROW(field, key, unit, lo, hi, def)                                                         \
    {#field, key, unit, offsetof(rbx_limits, field), lo, hi, def},
const rbx_limit_field RBX_LIMIT_FIELDS[] = {RBX_LIMIT_TABLE(ROW)};
#undef ROW
const size_t RBX_N_LIMIT_FIELDS = sizeof(RBX_LIMIT_FIELDS) / sizeof(RBX_LIMIT_FIELDS[0]);

const rbx_limit_field *rbx_limit_field_named(const char *name)
{
    for (size_t i = 0; i < RBX_N_LIMIT_FIELDS; i++)
        if (strcmp(RBX_LIMIT_FIELDS[i].name, name) == 0)
            return &RBX_LIMIT_FIELDS[i];
    return NULL;
}

uint64_t rbx_limit_get(const rbx_limits *l, const rbx_limit_field *f)
{
    uint64_t v;
    memcpy(&v, (const char *)l + f->offset, sizeof(v));
    return v;
}

void rbx_limit_set(rbx_limits *l, const rbx_limit_field *f, uint64_t value)
{
    memcpy((char *)l + f->offset, &value, sizeof(value));
}

void rbx_limits_default_max(rbx_limits *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < RBX_N_LIMIT_FIELDS; i++)
        rbx_limit_set(out, &RBX_LIMIT_FIELDS[i], RBX_LIMIT_FIELDS[i].default_max);
}
