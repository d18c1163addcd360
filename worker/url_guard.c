#include "worker/url_guard.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- address classes ------------------------------------------------------ */

struct v4_range {
    uint32_t net;
    int prefix;
    const char *why;
};

/* Order matters: the metadata address sits inside link-local and must be
 * named as what it is. */
static const struct v4_range V4_REFUSED[] = {
    {0xA9FEA9FEu, 32, "the cloud metadata address"},     /* 169.254.169.254 */
    {0x00000000u, 8, "an unspecified address"},          /* 0.0.0.0/8 */
    {0x7F000000u, 8, "a loopback address"},              /* 127/8 */
    {0x0A000000u, 8, "a private address"},               /* 10/8 */
    {0xAC100000u, 12, "a private address"},              /* 172.16/12 */
    {0xC0A80000u, 16, "a private address"},              /* 192.168/16 */
    {0xA9FE0000u, 16, "a link-local address"},           /* 169.254/16 */
    {0x64400000u, 10, "a shared (CGNAT) address"},       /* 100.64/10 */
    {0xE0000000u, 4, "a multicast address"},             /* 224/4 */
    {0xF0000000u, 4, "a reserved or broadcast address"}, /* 240/4 */
};

static bool v4_in(uint32_t addr, uint32_t net, int prefix)
{
    uint32_t mask = prefix == 0 ? 0 : 0xFFFFFFFFu << (32 - prefix);
    return (addr & mask) == (net & mask);
}

static const char *v4_class(uint32_t addr)
{
    for (size_t i = 0; i < sizeof(V4_REFUSED) / sizeof(V4_REFUSED[0]); i++)
        if (v4_in(addr, V4_REFUSED[i].net, V4_REFUSED[i].prefix))
            return V4_REFUSED[i].why;
    return NULL;
}

static bool v6_prefix_is(const uint8_t *a, const uint8_t *p, int bits)
{
    int bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, p, (size_t)bytes) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xFF << (8 - rest));
    return (a[bytes] & mask) == (p[bytes] & mask);
}

static uint32_t v4_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* IPv6 forms that carry an IPv4 address a router would deliver to it
 * (mapped, compatible, NAT64, 6to4): judged by the IPv4 address inside. */
static bool v6_embedded_v4(const uint8_t *a, uint32_t *v4)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const uint8_t zero[12] = {0};
    static const uint8_t nat64[12] = {0, 0x64, 0xFF, 0x9B};
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0 ||
        (memcmp(a, zero, 12) == 0 && v4_at(a + 12) > 1)) {
        *v4 = v4_at(a + 12);
        return true;
    }
    if (a[0] == 0x20 && a[1] == 0x02) { /* 2002::/16 */
        *v4 = v4_at(a + 2);
        return true;
    }
    return false;
}

static const char *v6_class(const uint8_t *a)
{
    static const uint8_t metadata[16] = {0xfd, 0, 0x0e, 0xc2, 0, 0, 0,    0,
                                         0,    0, 0,    0,    0, 0, 0x02, 0x54};
    static const uint8_t fc00[1] = {0xfc}, fe80[2] = {0xfe, 0x80}, fec0[2] = {0xfe, 0xc0},
                         ff00[1] = {0xff};
    uint8_t zero[16] = {0};
    uint32_t v4;
    if (memcmp(a, metadata, 16) == 0)
        return "the cloud metadata address";
    if (memcmp(a, zero, 16) == 0)
        return "an unspecified address";
    zero[15] = 1;
    if (memcmp(a, zero, 16) == 0)
        return "a loopback address";
    if (v6_embedded_v4(a, &v4))
        return v4_class(v4);
    if (v6_prefix_is(a, fc00, 7))
        return "a private address";
    if (v6_prefix_is(a, fe80, 10) || v6_prefix_is(a, fec0, 10))
        return "a link-local address";
    if (v6_prefix_is(a, ff00, 8))
        return "a multicast address";
    return NULL;
}

const char *rbx_url_guard_address_class(const struct sockaddr *addr)
{
    if (addr->sa_family == AF_INET)
        return v4_class(ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr));
    if (addr->sa_family == AF_INET6)
        return v6_class(((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr);
    return "not an internet address";
}

/* ---- allowed networks ----------------------------------------------------- */

struct cidr {
    int family;
    uint8_t bytes[16];
    int prefix;
};

static bool parse_cidr(const char *text, struct cidr *out)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", text);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    if (inet_pton(AF_INET, buf, out->bytes) == 1)
        out->family = AF_INET;
    else if (inet_pton(AF_INET6, buf, out->bytes) == 1)
        out->family = AF_INET6;
    else
        return false;
    int max = out->family == AF_INET ? 32 : 128;
    out->prefix = max;
    if (slash) {
        char *end = NULL;
        long p = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end != '\0' || p < 0 || p > max)
            return false;
        out->prefix = (int)p;
    }
    return true;
}

/* The address as (family, bytes), IPv4-mapped IPv6 folded to IPv4 so that an
 * allowed 127.0.0.1 also covers ::ffff:127.0.0.1. */
static int address_bytes(const struct sockaddr *addr, uint8_t bytes[16])
{
    if (addr->sa_family == AF_INET) {
        memcpy(bytes, &((const struct sockaddr_in *)addr)->sin_addr, 4);
        return AF_INET;
    }
    const uint8_t *a = ((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (memcmp(a, mapped, 12) == 0) {
        memcpy(bytes, a + 12, 4);
        return AF_INET;
    }
    memcpy(bytes, a, 16);
    return AF_INET6;
}

bool rbx_url_guard_in_networks(const struct sockaddr *addr, const char (*networks)[64],
                               size_t n_networks)
{
    if (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)
        return false;
    uint8_t bytes[16];
    int family = address_bytes(addr, bytes);
    for (size_t i = 0; i < n_networks; i++) {
        struct cidr c;
        if (parse_cidr(networks[i], &c) && c.family == family &&
            v6_prefix_is(bytes, c.bytes, c.prefix))
            return true;
    }
    return false;
}

/* ---- URLs ----------------------------------------------------------------- */

#define REFUSE(err, ...) rbx_error_set(err, 400, "invalid_request", "callback_url", __VA_ARGS__)

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

static bool address_allowed(const struct sockaddr *sa, const rbx_config *cfg, const char **why)
{
    *why = rbx_url_guard_address_class(sa);
    return *why == NULL ||
           rbx_url_guard_in_networks(sa, cfg->allow_networks, cfg->n_allow_networks);
}

static int pick_address(const struct addrinfo *list, const rbx_config *cfg, rbx_url_target *out,
                        rbx_error *err)
{
    const char *first_refusal = NULL;
    for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        const char *why = NULL;
        if (!address_allowed(ai->ai_addr, cfg, &why)) {
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
