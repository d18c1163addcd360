/* Limits of one sandbox step: the request's own values over the language's
 * defaults, the defaults capped by the server's maxima (the request's values
 * were already checked against them, see request.c). */
#ifndef RBX_ENGINE_LIMITS_H
#define RBX_ENGINE_LIMITS_H

#include "common/config.h"
#include "engine/language.h"
#include "sandbox/sandbox.h"

/* requested: fields 0 are "not set". The CPU share is the definition's run share
 * if it sets one, else cfg's default. */
void rbx_limits_for_run(const rbx_limits *requested, const rbx_language *lang,
                        const rbx_config *cfg, rbx_sandbox_limits *out);

/* Compile and syntax-check steps: the language's compile limits only (a
 * request cannot change them), with the definition's CPU share if it sets one. */
void rbx_limits_for_compile(const rbx_language *lang, const rbx_config *cfg,
                            rbx_sandbox_limits *out);

/* The effective limits of a run as the API names them (for history records). */
void rbx_limits_effective(const rbx_limits *requested, const rbx_language *lang,
                          const rbx_config *cfg, rbx_limits *out);

#endif
