#include "common/url_guard.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cidr.h"

/* ---- address classes ------------------------------------------------------ */

static bool prefix_is(const uint8_t *a, const uint8_t *p, int bits)
{
    int bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, p, (size_t)bytes) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xFF << (8 - rest));
    return (a[bytes] & mask) == (p[bytes] & mask);
}

struct special {
    const char *cidr;
    const char *why;
};

/* The IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and
 * their later entries), all of them, plus multicast and the cloud metadata
 * addresses. Order matters: the metadata address sits inside link-local and
 * must be named as what it is. IPv6 forms that carry an IPv4 address a router
 * delivers to it (v4-mapped, NAT64 64:ff9b::/96, 6to4) are not listed: they
 * are judged by the IPv4 address inside (see embedded_v4). */
static const struct special SPECIAL[] = {
    {"169.254.169.254/32", "the cloud metadata address"},
    {"0.0.0.0/8", "an unspecified (\"this network\") address"},
    {"10.0.0.0/8", "a private address"},
    {"100.64.0.0/10", "a shared (CGNAT) address"},
    {"127.0.0.0/8", "a loopback address"},
    {"169.254.0.0/16", "a link-local address"},
    {"172.16.0.0/12", "a private address"},
    {"192.0.0.0/24", "an IETF protocol assignment"},
    {"192.0.2.0/24", "a documentation address (TEST-NET-1)"},
    {"192.31.196.0/24", "an AS112 address"},
    {"192.52.193.0/24", "an AMT address"},
    {"192.88.99.0/24", "a 6to4 relay anycast address"},
    {"192.168.0.0/16", "a private address"},
    {"192.175.48.0/24", "an AS112 address"},
    {"198.18.0.0/15", "a benchmarking address"},
    {"198.51.100.0/24", "a documentation address (TEST-NET-2)"},
    {"203.0.113.0/24", "a documentation address (TEST-NET-3)"},
    {"224.0.0.0/4", "a multicast address"},
    {"240.0.0.0/4", "a reserved or broadcast address"},
    {"fd00:ec2::254/128", "the cloud metadata address"},
    {"::/128", "an unspecified address"},
    {"::1/128", "a loopback address"},
    {"::/96", "an IPv4-compatible (deprecated) address"},
    {"64:ff9b:1::/48", "a local-use NAT64 address"},
    {"100::/64", "a discard-only address"},
    {"2001::/23", "an IETF protocol assignment (Teredo, benchmarking, ORCHID)"},
    {"2001:db8::/32", "a documentation address"},
    {"2620:4f:8000::/48", "an AS112 address"},
    {"3fff::/20", "a documentation address"},
    {"5f00::/16", "a segment routing (SRv6) address"},
    {"fc00::/7", "a private (unique local) address"},
    {"fe80::/10", "a link-local address"},
    {"fec0::/10", "a site-local (deprecated) address"},
    {"ff00::/8", "a multicast address"},
};

/* An address as (family, bytes) with the IPv4 address a v4-mapped, NAT64
 * (64:ff9b::/96) or 6to4 (2002::/16) address carries folded out, so that each
 * is judged, allowed and compared with the host's addresses as the IPv4
 * address a router delivers it to. */
struct folded {
    int family;
    uint8_t bytes[16];
};

static bool embedded_v4(const uint8_t *a, uint8_t v4[4])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const uint8_t nat64[12] = {0, 0x64, 0xFF, 0x9B};
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0) {
        memcpy(v4, a + 12, 4);
        return true;
    }
    if (a[0] == 0x20 && a[1] == 0x02) { /* 2002:AABB:CCDD::/48 */
        memcpy(v4, a + 2, 4);
        return true;
    }
    return false;
}

static bool fold(const struct sockaddr *addr, struct folded *out)
{
    memset(out, 0, sizeof(*out));
    if (addr->sa_family == AF_INET) {
        out->family = AF_INET;
        memcpy(out->bytes, &((const struct sockaddr_in *)addr)->sin_addr, 4);
        return true;
    }
    if (addr->sa_family != AF_INET6)
        return false;
    const uint8_t *a = ((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr;
    if (embedded_v4(a, out->bytes)) {
        out->family = AF_INET;
        return true;
    }
    out->family = AF_INET6;
    memcpy(out->bytes, a, 16);
    return true;
}

static bool in_cidr(const struct folded *f, const char *text)
{
    rbx_cidr c;
    return rbx_cidr_parse(text, &c) && c.family == f->family &&
           prefix_is(f->bytes, c.bytes, c.prefix);
}

static const char *special_class(const struct folded *f)
{
    for (size_t i = 0; i < sizeof(SPECIAL) / sizeof(SPECIAL[0]); i++)
        if (in_cidr(f, SPECIAL[i].cidr))
            return SPECIAL[i].why;
    return NULL;
}

const char *rbx_url_guard_address_class(const struct sockaddr *addr)
{
    struct folded f;
    if (!fold(addr, &f))
        return "not an internet address";
    return special_class(&f);
}

bool rbx_url_guard_in_networks(const struct sockaddr *addr, const char (*networks)[64],
                               size_t n_networks)
{
    struct folded f;
    if (!fold(addr, &f))
        return false;
    for (size_t i = 0; i < n_networks; i++)
        if (in_cidr(&f, networks[i]))
            return true;
    return false;
}

/* ---- the host's own addresses --------------------------------------------- */

/* Is f an address that reaches this host: the loopback range, the
 * unspecified address (a connect to 0.0.0.0 or :: lands on the host), or
 * one of the host's interfaces as they are now? The interfaces are read afresh
 * on every call: one that came up since the URL was checked is seen when it
 * is connected to. -1 when the interfaces cannot be read. */
static int host_address(const struct folded *f)
{
    static const char *const HOST_RANGES[] = {"127.0.0.0/8", "0.0.0.0/32", "::1/128", "::/128"};
    for (size_t i = 0; i < sizeof(HOST_RANGES) / sizeof(HOST_RANGES[0]); i++)
        if (in_cidr(f, HOST_RANGES[i]))
            return 1;
    struct ifaddrs *list = NULL;
    if (getifaddrs(&list) < 0)
        return -1;
    int found = 0;
    for (struct ifaddrs *i = list; i && !found; i = i->ifa_next) {
        struct folded h;
        if (i->ifa_addr && fold(i->ifa_addr, &h) && h.family == f->family &&
            memcmp(h.bytes, f->bytes, f->family == AF_INET ? 4 : 16) == 0)
            found = 1;
    }
    freeifaddrs(list);
    return found;
}

/* Does an allow_networks entry name exactly this address (a bare address or
 * a /32, /128)? A network allowed for the operator's own receivers must not
 * open the services of the machine runbox runs on, so the host's addresses
 * are only reachable when named one by one. */
static bool named_exactly(const struct folded *f, const rbx_config *cfg)
{
    int full = f->family == AF_INET ? 32 : 128;
    for (size_t i = 0; i < cfg->n_allow_networks; i++) {
        rbx_cidr c;
        if (rbx_cidr_parse(cfg->allow_networks[i], &c) && c.prefix == full &&
            in_cidr(f, cfg->allow_networks[i]))
            return true;
    }
    return false;
}

const char *rbx_url_guard_refusal(const struct sockaddr *addr, const rbx_config *cfg)
{
    struct folded f;
    if (!fold(addr, &f))
        return "not an internet address";
    const char *why = special_class(&f);
    if (why && !rbx_url_guard_in_networks(addr, cfg->allow_networks, cfg->n_allow_networks))
        return why;
    int own = host_address(&f);
    if (own < 0)
        return "an address that cannot be told apart from this host's own (getifaddrs failed)";
    if (own && !named_exactly(&f, cfg))
        return "an address of this host itself";
    return NULL;
}

/* ---- URLs ----------------------------------------------------------------- */

#define REFUSE(err, ...) rbx_error_raise(err, RBX_ERR_INVALID, NULL, "callback_url", __VA_ARGS__)

static int copy_part(CURLU *u, CURLUPart part, unsigned flags, char *out, size_t outsz)
{
    char *value = NULL;
    if (curl_url_get(u, part, &value, flags) != CURLUE_OK)
        return -1;
    int rc = strlen(value) < outsz ? 0 : -1;
    snprintf(out, outsz, "%s", value);
    curl_free(value);
    return rc;
}

static int parse_with_curl(CURLU *u, const char *url, rbx_url_target *out, rbx_error *err)
{
    char scheme[16], port[8];
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
        return REFUSE(err, "callback_url is not an absolute URL");
    if (copy_part(u, CURLUPART_SCHEME, 0, scheme, sizeof(scheme)) < 0 ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        return REFUSE(err, "callback_url must be an http or https URL");
    out->https = strcmp(scheme, "https") == 0;
    if (copy_part(u, CURLUPART_HOST, 0, out->host, sizeof(out->host)) < 0 || !out->host[0])
        return REFUSE(err, "callback_url has no host");
    if (copy_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT, port, sizeof(port)) < 0)
        return REFUSE(err, "callback_url has a bad port");
    out->port = atoi(port);
    if (out->host[0] == '[') { /* IPv6 literal: keep the address only */
        size_t n = strlen(out->host);
        memmove(out->host, out->host + 1, n - 2);
        out->host[n - 2] = '\0';
        char *zone = strchr(out->host, '%');
        if (zone)
            return REFUSE(err, "callback_url must not carry an IPv6 zone");
    }
    return 0;
}

int rbx_url_guard_parse(const char *url, rbx_url_target *out, rbx_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!url || !*url || strlen(url) > 2048)
        return REFUSE(err, "callback_url must be a URL of at most 2048 characters");
    CURLU *u = curl_url();
    if (!u)
        return rbx_error_internal(err, "out of memory parsing callback_url");
    int rc = parse_with_curl(u, url, out, err);
    curl_url_cleanup(u);
    return rc;
}

static int pick_address(const struct addrinfo *list, const rbx_config *cfg, rbx_url_target *out,
                        rbx_error *err)
{
    const char *first_refusal = NULL;
    for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        const char *why = rbx_url_guard_refusal(ai->ai_addr, cfg);
        if (why) {
            if (!first_refusal)
                first_refusal = why;
            continue;
        }
        int rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, out->address, sizeof(out->address), NULL,
                             0, NI_NUMERICHOST);
        if (rc != 0)
            return rbx_error_internal(err, "callback address: %s", gai_strerror(rc));
        return 0;
    }
    return REFUSE(err, "callback_url resolves to %s, which callbacks may not reach",
                  first_refusal ? first_refusal : "no usable address");
}

int rbx_url_guard_check(const char *url, const rbx_config *cfg, rbx_url_target *out, rbx_error *err)
{
    if (rbx_url_guard_parse(url, out, err) < 0)
        return -1;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(out->host, NULL, &hints, &list);
    out->host_is_literal = rc == 0;
    if (rc != 0) {
        hints.ai_flags = 0;
        rc = getaddrinfo(out->host, NULL, &hints, &list);
    }
    out->unresolved = rc != 0;
    if (rc != 0)
        return REFUSE(err, "callback_url host '%s' does not resolve: %s", out->host,
                      gai_strerror(rc));
    rc = pick_address(list, cfg, out, err);
    freeaddrinfo(list);
    return rc;
}
