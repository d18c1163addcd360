/* Unit tests for worker/callback: the HMAC against RFC 4231, the backoff
 * schedule, and real deliveries to a receiver this test runs on loopback. */
#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/worker/receiver.h"
#include "worker/callback.h"
#include "tests/unit/support/check_main.h"

static void loopback_config(rbx_config *cfg)
{
    rbx_config_defaults(cfg);
    cfg->n_allow_networks = 1;
    strcpy(cfg->allow_networks[0], "127.0.0.1/32");
    cfg->callback_connect_timeout_ms = 2000;
    cfg->callback_timeout_ms = 5000;
    cfg->callback_initial_backoff_ms = 100;
    cfg->callback_max_backoff_ms = 400;
}

/* ---- tests ---------------------------------------------------------------- */

START_TEST(test_hmac_rfc4231_case2)
{
    char sig[RBX_SIGNATURE_SIZE];
    const char *data = "what do ya want for nothing?";
    rbx_callback_sign("Jefe", data, strlen(data), sig);
    ck_assert_str_eq(sig,
                     "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(test_backoff_grows_with_jitter_and_caps)
{
    rbx_config cfg;
    loopback_config(&cfg);
    for (int round = 0; round < 50; round++) {
        long d1 = rbx_callback_backoff_ms(&cfg, 1), d2 = rbx_callback_backoff_ms(&cfg, 2);
        long d9 = rbx_callback_backoff_ms(&cfg, 9);
        ck_assert(d1 >= 50 && d1 <= 100);
        ck_assert(d2 >= 100 && d2 <= 200);
        ck_assert(d9 >= 200 && d9 <= 400);
    }
    long seen_min = 1000, seen_max = 0;
    for (int i = 0; i < 200; i++) {
        long d = rbx_callback_backoff_ms(&cfg, 3);
        seen_min = d < seen_min ? d : seen_min;
        seen_max = d > seen_max ? d : seen_max;
    }
    ck_assert_msg(seen_max - seen_min > 20, "no jitter: %ld..%ld", seen_min, seen_max);
}
END_TEST

START_TEST(test_delivery_is_signed_and_2xx_delivers)
{
    rbx_config cfg;
    loopback_config(&cfg);
    struct receiver r;
    int statuses[] = {204};
    receiver_start(&r, statuses, 1);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook?x=1", r.port);
    const char *body = "{\"id\":\"abc\",\"status\":\"success\"}";
    rbx_callback_outcome out;
    rbx_error err;
    int rc = rbx_callback_deliver(&cfg, url, body, strlen(body), "s3cret", "dlv-1", &out, &err);
    receiver_stop(&r);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_int_eq(out.http_status, 204);
    char sig[RBX_SIGNATURE_SIZE], line[128];
    rbx_callback_sign("s3cret", body, strlen(body), sig);
    snprintf(line, sizeof(line), "X-Runbox-Signature: %s", sig);
    ck_assert_ptr_nonnull(strstr(r.heads[0], "POST /hook?x=1 HTTP/1.1"));
    ck_assert_ptr_nonnull(strcasestr(r.heads[0], line));
    ck_assert_ptr_nonnull(strcasestr(r.heads[0], "X-Runbox-Delivery: dlv-1"));
    ck_assert_ptr_nonnull(strcasestr(r.heads[0], "Content-Type: application/json"));
    ck_assert_str_eq(r.bodies[0], body);
}
END_TEST

START_TEST(test_fails_twice_then_delivers)
{
    rbx_config cfg;
    loopback_config(&cfg);
    struct receiver r;
    int statuses[] = {500, 503, 200};
    receiver_start(&r, statuses, 3);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", r.port);
    rbx_callback_outcome out;
    rbx_error err;
    int attempts = 0, rc = -1;
    long seen[3] = {0};
    while (rc != 0 && attempts < cfg.callback_max_attempts) {
        if (attempts > 0)
            usleep((useconds_t)rbx_callback_backoff_ms(&cfg, attempts) * 1000);
        rc = rbx_callback_deliver(&cfg, url, "{}", 2, "k", "d", &out, &err);
        seen[attempts++] = out.http_status;
        if (rc != 0)
            ck_assert(out.retryable);
    }
    receiver_stop(&r);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(attempts, 3);
    ck_assert_int_eq(seen[0], 500);
    ck_assert_int_eq(seen[1], 503);
    ck_assert_int_eq(seen[2], 200);
    ck_assert_int_eq(r.received, 3);
}
END_TEST

START_TEST(test_redirect_is_not_followed)
{
    rbx_config cfg;
    loopback_config(&cfg);
    struct receiver r;
    int statuses[] = {302};
    receiver_start(&r, statuses, 1);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", r.port);
    rbx_callback_outcome out;
    rbx_error err;
    ck_assert_int_eq(rbx_callback_deliver(&cfg, url, "{}", 2, "k", "d", &out, &err), -1);
    receiver_stop(&r);
    ck_assert_int_eq(out.http_status, 302);
    ck_assert(out.retryable);
    ck_assert_int_eq(r.received, 1);
}
END_TEST

START_TEST(test_refused_address_is_never_contacted)
{
    rbx_config cfg;
    rbx_config_defaults(&cfg); /* loopback not allowed */
    struct receiver r;
    int statuses[] = {200};
    receiver_start(&r, statuses, 1);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", r.port);
    rbx_callback_outcome out;
    rbx_error err;
    ck_assert_int_eq(rbx_callback_deliver(&cfg, url, "{}", 2, "k", "d", &out, &err), -1);
    ck_assert(!out.retryable);
    ck_assert_int_eq(out.http_status, 0);
    usleep(100 * 1000);
    ck_assert_int_eq(__atomic_load_n(&r.received, __ATOMIC_SEQ_CST), 0);
    /* Release the receiver thread with one allowed request. */
    loopback_config(&cfg);
    ck_assert_int_eq(rbx_callback_deliver(&cfg, url, "{}", 2, "k", "d", &out, &err), 0);
    receiver_stop(&r);
}
END_TEST

START_TEST(test_connection_refused_is_retryable)
{
    rbx_config cfg;
    loopback_config(&cfg);
    int fd = socket(AF_INET, SOCK_STREAM, 0); /* bound, never listening: connect is refused */
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(a.sin_port));
    rbx_callback_outcome out;
    rbx_error err;
    ck_assert_int_eq(rbx_callback_deliver(&cfg, url, "{}", 2, "k", "d", &out, &err), -1);
    close(fd);
    ck_assert(out.retryable);
    ck_assert_int_eq(out.http_status, 0);
    ck_assert_str_eq(err.code, "callback_failed");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("callback");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_hmac_rfc4231_case2);
    tcase_add_test(tc, test_backoff_grows_with_jitter_and_caps);
    tcase_add_test(tc, test_delivery_is_signed_and_2xx_delivers);
    tcase_add_test(tc, test_fails_twice_then_delivers);
    tcase_add_test(tc, test_redirect_is_not_followed);
    tcase_add_test(tc, test_refused_address_is_never_contacted);
    tcase_add_test(tc, test_connection_refused_is_retryable);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
