#include "worker/callback.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "common/url_guard.h"

void rbx_callback_sign(const char *secret, const char *body, size_t len, char *out)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "sha256=", 7);
    sodium_bin2hex(out + 7, RBX_SIGNATURE_SIZE - 7, mac, sizeof(mac));
}

long rbx_callback_backoff_ms(const rbx_config *cfg, int attempts)
{
    long delay = cfg->callback_initial_backoff_ms;
    for (int i = 1; i < attempts && delay < cfg->callback_max_backoff_ms; i++)
        delay *= 2;
    if (delay > cfg->callback_max_backoff_ms)
        delay = cfg->callback_max_backoff_ms;
    long half = delay / 2;
    return half + (long)randombytes_uniform((uint32_t)(delay - half + 1));
}

/* The receiver's answer body is of no use to us: read and drop it. */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *user)
{
    (void)ptr;
    (void)user;
    return size * nmemb;
}

struct request_parts {
    struct curl_slist *headers;
    struct curl_slist *resolve;
};

static int build_parts(const rbx_url_target *target, const char *secret, const char *body,
                       size_t len, const char *delivery_id, struct request_parts *parts)
{
    char signature[RBX_SIGNATURE_SIZE], line[512];
    rbx_callback_sign(secret, body, len, signature);
    const char *fixed[] = {"Content-Type: application/json", "Expect:", NULL};
    for (int i = 0; fixed[i]; i++)
        if (!(parts->headers = curl_slist_append(parts->headers, fixed[i])))
            return -1;
    snprintf(line, sizeof(line), "X-Runbox-Signature: %s", signature);
    if (!(parts->headers = curl_slist_append(parts->headers, line)))
        return -1;
    snprintf(line, sizeof(line), "X-Runbox-Delivery: %s", delivery_id);
    if (!(parts->headers = curl_slist_append(parts->headers, line)))
        return -1;
    if (target->host_is_literal)
        return 0;
    /* Pin the host to the one address the guard approved: curl will not
     * resolve it again, so a second DNS answer cannot differ from the first. */
    bool v6 = strchr(target->address, ':') != NULL;
    snprintf(line, sizeof(line), "%s:%d:%s%s%s", target->host, target->port, v6 ? "[" : "",
             target->address, v6 ? "]" : "");
    return (parts->resolve = curl_slist_append(NULL, line)) ? 0 : -1;
}

/* Judge the address as curl is about to connect to it, whatever resolved it:
 * the host's interfaces are read again here, so the address connected to is
 * the one checked, now. */
static curl_socket_t open_checked(void *user, curlsocktype purpose, struct curl_sockaddr *address)
{
    rbx_callback_request *check = user;
    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKET_BAD;
    check->refused = rbx_url_guard_refusal(&address->addr, check->cfg);
    if (check->refused)
        return CURL_SOCKET_BAD;
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

static void configure(CURL *c, const rbx_config *cfg, const char *url, const char *body, size_t len,
                      const struct request_parts *parts, rbx_callback_request *check)
{
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, check);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, parts->headers);
    if (parts->resolve)
        curl_easy_setopt(c, CURLOPT_RESOLVE, parts->resolve);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->callback_connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)cfg->callback_timeout_ms);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "runbox-callback/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
}

static int answer_of(const rbx_callback_request *req, CURLcode rc, rbx_callback_outcome *outcome,
                     rbx_error *err)
{
    if (req->refused) {
        outcome->retryable = false;
        return rbx_error_raise(err, RBX_ERR_INVALID, NULL, "callback_url",
                               "callback_url reaches %s, which callbacks may not reach",
                               req->refused);
    }
    if (rc != CURLE_OK)
        return rbx_error_raise(err, RBX_ERR_UPSTREAM, "callback_failed", "callback_url",
                               "callback delivery failed: %s", curl_easy_strerror(rc));
    curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &outcome->http_status);
    if (outcome->http_status < 200 || outcome->http_status > 299)
        return rbx_error_raise(err, RBX_ERR_UPSTREAM, "callback_failed", "callback_url",
                               "callback receiver answered HTTP %ld", outcome->http_status);
    return 0;
}

void rbx_callback_request_free(rbx_callback_request *req)
{
    curl_slist_free_all(req->headers);
    curl_slist_free_all(req->resolve);
    if (req->easy)
        curl_easy_cleanup(req->easy);
    memset(req, 0, sizeof(*req));
}

int rbx_callback_prepare(const rbx_config *cfg, const char *url, const char *body, size_t len,
                         const char *secret, const char *delivery_id, rbx_callback_request *req,
                         rbx_callback_outcome *outcome, rbx_error *err)
{
    memset(req, 0, sizeof(*req));
    outcome->http_status = 0;
    outcome->retryable = false;
    if (sodium_init() < 0)
        return rbx_error_internal(err, "libsodium failed to initialise");
    rbx_url_target target;
    if (rbx_url_guard_check(url, cfg, &target, err) < 0) {
        /* A host that did not resolve may resolve later; a refused one never. */
        outcome->retryable = target.unresolved;
        return -1;
    }
    outcome->retryable = true;
    snprintf(req->destination, sizeof(req->destination), "%s:%d", target.host, target.port);
    req->cfg = cfg;
    struct request_parts parts = {0};
    req->easy = curl_easy_init();
    int rc = req->easy ? build_parts(&target, secret, body, len, delivery_id, &parts) : -1;
    req->headers = parts.headers;
    req->resolve = parts.resolve;
    if (rc < 0) {
        rbx_callback_request_free(req);
        return rbx_error_internal(err, "out of memory preparing the callback");
    }
    configure(req->easy, cfg, url, body, len, &parts, req);
    return 0;
}

int rbx_callback_finish(rbx_callback_request *req, int curl_code, rbx_callback_outcome *outcome,
                        rbx_error *err)
{
    outcome->http_status = 0;
    outcome->retryable = true;
    return answer_of(req, (CURLcode)curl_code, outcome, err);
}

int rbx_callback_deliver(const rbx_config *cfg, const char *url, const char *body, size_t len,
                         const char *secret, const char *delivery_id, rbx_callback_outcome *outcome,
                         rbx_error *err)
{
    rbx_callback_request req;
    if (rbx_callback_prepare(cfg, url, body, len, secret, delivery_id, &req, outcome, err) < 0)
        return -1;
    int rc = rbx_callback_finish(&req, curl_easy_perform(req.easy), outcome, err);
    rbx_callback_request_free(&req);
    return rc;
}
