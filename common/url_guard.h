/* The callback URL guard: a callback must not become a way for a client to
 * make runbox reach what only runbox can reach (the host's own services, the
 * loopback, the private network, the cloud metadata endpoint).
 *
 * A URL is accepted when its scheme is http or https and the address its host
 * resolves to is neither in an IANA special-purpose range (unless one of the
 * operator's allow_networks covers it) nor one of the host's own interface
 * addresses (unless allow_networks names that very address). The host is
 * resolved once; the caller connects to exactly that address (rbx_callback
 * pins it with CURLOPT_RESOLVE) and judges it again with rbx_url_guard_refusal
 * as the socket is opened, so neither a DNS answer nor an interface that
 * changes between the check and the connection slips an address past. */
#ifndef RBX_COMMON_URL_GUARD_H
#define RBX_COMMON_URL_GUARD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "common/config.h"
#include "common/error.h"

/* One resolved, checked callback destination. */
typedef struct rbx_url_target {
    bool https;
    char host[256]; /* as written in the URL (IPv6 literals without brackets) */
    int port;
    char address[64]; /* the pinned numeric address */
    bool host_is_literal;
    bool unresolved; /* refused only because DNS gave no answer (may pass later) */
} rbx_url_target;

/* Which special-purpose range an address is in, or NULL when it is in none.
 * Pure: no DNS, no interfaces. */
const char *rbx_url_guard_address_class(const struct sockaddr *addr);

/* Why a callback may not connect to addr under cfg, or NULL when it may:
 * the special ranges lifted by allow_networks, and the host's own addresses
 * (read now) lifted only by an allow_networks entry naming the address. */
const char *rbx_url_guard_refusal(const struct sockaddr *addr, const rbx_config *cfg);

/* Is addr inside one of the CIDRs (a.b.c.d/n, x::y/n, or a bare address)? A
 * CIDR that does not parse counts as no match. */
bool rbx_url_guard_in_networks(const struct sockaddr *addr, const char (*networks)[64],
                               size_t n_networks);

/* Check a URL's syntax and scheme only (no DNS): 400 invalid_request with
 * field "callback_url" when it is not an absolute http(s) URL. */
int rbx_url_guard_parse(const char *url, rbx_url_target *out, rbx_error *err);

/* Parse, resolve once and check: on success out->address is the address to
 * connect to. 400 invalid_request (field callback_url) when refused. */
int rbx_url_guard_check(const char *url, const rbx_config *cfg, rbx_url_target *out,
                        rbx_error *err);

#endif
