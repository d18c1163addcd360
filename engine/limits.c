#include "engine/limits.h"

#include <string.h>

#include "common/limits.h"

static uint64_t pick(uint64_t requested, uint64_t lang_default, uint64_t server_max)
{
    if (requested)
        return requested;
    return lang_default < server_max ? lang_default : server_max;
}

void rbx_limits_effective(const rbx_limits *requested, const rbx_language *lang,
                          const rbx_config *cfg, rbx_limits *out)
{
    const rbx_limits *d = &lang->run_limits.limits;
    for (size_t i = 0; i < RBX_N_LIMIT_FIELDS; i++) {
        const rbx_limit_field *f = &RBX_LIMIT_FIELDS[i];
        rbx_limit_set(
            out, f,
            pick(rbx_limit_get(requested, f), rbx_limit_get(d, f), rbx_limit_get(&cfg->max, f)));
    }
}

/* A step's CPU share: the language's for that step when it sets one (a JVM
 * starts on several threads at once), else the server's default. */
static uint32_t share_of(const rbx_step_limits *step, const rbx_config *cfg)
{
    return step->cpu_share_milli ? step->cpu_share_milli : (uint32_t)cfg->default_cpu_share_milli;
}

static void to_sandbox(const rbx_limits *l, uint32_t share, const rbx_config *cfg,
                       rbx_sandbox_limits *out)
{
    memset(out, 0, sizeof(*out));
    out->cpu_time_ms = l->cpu_time_ms;
    out->wall_time_ms = l->wall_time_ms;
    out->memory_kb = l->memory_kb;
    out->processes = l->processes;
    out->output_bytes = l->output_kb * 1024;
    out->cpu_share_milli = share;
    out->tmp_size_kb = cfg->tmp_size_kb;
    out->box_size_kb = cfg->box_size_kb;
}

void rbx_limits_for_run(const rbx_limits *requested, const rbx_language *lang,
                        const rbx_config *cfg, rbx_sandbox_limits *out)
{
    rbx_limits l;
    rbx_limits_effective(requested, lang, cfg, &l);
    to_sandbox(&l, share_of(&lang->run_limits, cfg), cfg, out);
}

void rbx_limits_for_compile(const rbx_language *lang, const rbx_config *cfg,
                            rbx_sandbox_limits *out)
{
    to_sandbox(&lang->compile_limits.limits, share_of(&lang->compile_limits, cfg), cfg, out);
}
