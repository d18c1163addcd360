/* The seccomp policy as libseccomp rules (seccomp_rules.c), shared by the
 * build-time generator and the run-time fallback. */
#ifndef RBX_SANDBOX_SECCOMP_RULES_H
#define RBX_SANDBOX_SECCOMP_RULES_H

#include <seccomp.h>

/* Add every rule and the bad-architecture action to ctx (made with
 * seccomp_init(SCMP_ACT_ALLOW)); 0 or a negative errno from libseccomp. */
int seccomp_rules_add(scmp_filter_ctx ctx);

#endif
