/* Unit tests for common/url_guard: the address table, allowed networks, and
 * whole URLs (literal hosts only: these tests never touch DNS or a network). */
#include <arpa/inet.h>
#include <check.h>
#include <ifaddrs.h>
#include <string.h>

#include "common/url_guard.h"
#include "tests/unit/support/check_main.h"

static const char *class_of(const char *text)
{
    struct sockaddr_storage ss = {0};
    if (strchr(text, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        ck_assert_int_eq(inet_pton(AF_INET6, text, &s6->sin6_addr), 1);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        ck_assert_int_eq(inet_pton(AF_INET, text, &s4->sin_addr), 1);
    }
    return rbx_url_guard_address_class((struct sockaddr *)&ss);
}

static const struct {
    const char *address;
    const char *expect; /* substring of the refusal, NULL = public */
} TABLE[] = {
    {"127.0.0.1", "loopback"},
    {"127.255.0.9", "loopback"},
    {"10.0.0.1", "private"},
    {"172.16.0.1", "private"},
    {"172.31.255.255", "private"},
    {"172.32.0.1", NULL},
    {"192.168.1.1", "private"},
    {"169.254.169.254", "metadata"},
    {"169.254.1.1", "link-local"},
    {"100.64.0.1", "CGNAT"},
    {"100.127.255.255", "CGNAT"},
    {"100.128.0.1", NULL},
    {"224.0.0.1", "multicast"},
    {"239.255.255.250", "multicast"},
    {"255.255.255.255", "broadcast"},
    {"0.0.0.0", "unspecified"},
    {"8.8.8.8", NULL},
    {"93.184.216.34", NULL},
    {"::", "unspecified"},
    {"::1", "loopback"},
    {"fc00::1", "private"},
    {"fd12:3456::1", "private"},
    {"fd00:ec2::254", "metadata"},
    {"fe80::1", "link-local"},
    {"ff02::1", "multicast"},
    {"::ffff:127.0.0.1", "loopback"},
    {"::ffff:10.1.2.3", "private"},
    {"::ffff:169.254.169.254", "metadata"},
    {"64:ff9b::a00:1", "private"},
    {"2002:a00:1::1", "private"},
    {"2606:4700::1111", NULL},
    {"::ffff:8.8.8.8", NULL},
    /* the rest of the IANA special-purpose registries */
    {"192.0.0.8", "IETF"},
    {"192.0.2.2", "TEST-NET-1"},
    {"192.31.196.1", "AS112"},
    {"192.52.193.1", "AMT"},
    {"192.88.99.1", "6to4"},
    {"192.175.48.1", "AS112"},
    {"198.18.0.1", "benchmarking"},
    {"198.19.255.255", "benchmarking"},
    {"198.20.0.1", NULL},
    {"198.51.100.7", "TEST-NET-2"},
    {"203.0.113.9", "TEST-NET-3"},
    {"::ffff:192.0.2.1", "TEST-NET-1"},
    {"::ffff:198.51.100.1", "TEST-NET-2"},
    {"64:ff9b::c000:201", "TEST-NET-1"},
    {"64:ff9b::808:808", NULL},
    {"64:ff9b:1::1", "NAT64"},
    {"::808:808", "IPv4-compatible"},
    {"100::1", "discard"},
    {"2001::1", "Teredo"},
    {"2001:2::1", "benchmarking"},
    {"2001:db8::1", "documentation"},
    {"2620:4f:8000::1", "AS112"},
    {"3fff::1", "documentation"},
    {"5f00::1", "SRv6"},
    {"fec0::1", "site-local"},
    {"2002:c000:0201::1", "TEST-NET-1"},
};

START_TEST(test_address_table)
{
    const char *got = class_of(TABLE[_i].address);
    if (!TABLE[_i].expect)
        ck_assert_msg(got == NULL, "%s refused as %s", TABLE[_i].address, got);
    else
        ck_assert_msg(got && strstr(got, TABLE[_i].expect), "%s: expected %s, got %s",
                      TABLE[_i].address, TABLE[_i].expect, got ? got : "public");
}
END_TEST

START_TEST(test_allow_networks)
{
    char nets[3][64] = {"127.0.0.1", "10.1.0.0/16", "fd00::/8"};
    struct sockaddr_in s4 = {.sin_family = AF_INET};
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
    ck_assert(rbx_url_guard_in_networks((struct sockaddr *)&s4, nets, 3));
    inet_pton(AF_INET, "127.0.0.2", &s4.sin_addr);
    ck_assert(!rbx_url_guard_in_networks((struct sockaddr *)&s4, nets, 3));
    inet_pton(AF_INET, "10.1.200.3", &s4.sin_addr);
    ck_assert(rbx_url_guard_in_networks((struct sockaddr *)&s4, nets, 3));
    inet_pton(AF_INET, "10.2.0.1", &s4.sin_addr);
    ck_assert(!rbx_url_guard_in_networks((struct sockaddr *)&s4, nets, 3));
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6.sin6_addr);
    ck_assert(rbx_url_guard_in_networks((struct sockaddr *)&s6, nets, 3));
    inet_pton(AF_INET6, "fd12::1", &s6.sin6_addr);
    ck_assert(rbx_url_guard_in_networks((struct sockaddr *)&s6, nets, 3));
    char bad[1][64] = {"not-a-cidr/99"};
    ck_assert(!rbx_url_guard_in_networks((struct sockaddr *)&s6, bad, 1));
}
END_TEST

static const struct {
    const char *url;
    int ok;
} URLS[] = {
    {"not a url", 0},
    {"ftp://example.com/x", 0},
    {"file:///etc/passwd", 0},
    {"gopher://8.8.8.8/", 0},
    {"http://169.254.169.254/latest/meta-data/", 0},
    {"http://10.0.0.1/", 0},
    {"http://127.0.0.1:8080/hook", 0},
    {"http://[::1]/hook", 0},
    {"http://[fd00:ec2::254]/", 0},
    {"http://0x7f000001/", 0},
    {"http://2130706433/", 0},
    {"http://0177.0.0.1/", 0},
    {"https://8.8.8.8/hook", 1},
    {"http://[2606:4700::1111]:8443/x?y=1", 1},
    {"", 0},
};

START_TEST(test_urls_with_default_config)
{
    rbx_config cfg;
    rbx_config_defaults(&cfg);
    rbx_url_target t;
    rbx_error err;
    int rc = rbx_url_guard_check(URLS[_i].url, &cfg, &t, &err);
    ck_assert_msg(rc == (URLS[_i].ok ? 0 : -1), "%s: rc %d (%s)", URLS[_i].url, rc,
                  rc ? err.message : "accepted");
    if (rc < 0) {
        ck_assert_int_eq(err.kind, RBX_ERR_INVALID);
        ck_assert_str_eq(err.field, "callback_url");
    }
}
END_TEST

START_TEST(test_allowed_loopback_is_pinned)
{
    rbx_config cfg;
    rbx_config_defaults(&cfg);
    cfg.n_allow_networks = 1;
    strcpy(cfg.allow_networks[0], "127.0.0.1");
    rbx_url_target t;
    rbx_error err;
    ck_assert_int_eq(rbx_url_guard_check("http://127.0.0.1:9/x", &cfg, &t, &err), 0);
    ck_assert_str_eq(t.address, "127.0.0.1");
    ck_assert_int_eq(t.port, 9);
    ck_assert(!t.https);
    ck_assert(t.host_is_literal);
    ck_assert_int_eq(rbx_url_guard_check("https://127.0.0.1/x", &cfg, &t, &err), 0);
    ck_assert_int_eq(t.port, 443);
    ck_assert_int_eq(rbx_url_guard_check("http://10.0.0.1/", &cfg, &t, &err), -1);
}
END_TEST

/* The loopback range reaches the host: a network covering it is not enough,
 * the address itself must be named. */
START_TEST(test_host_addresses_need_naming)
{
    rbx_config cfg;
    rbx_config_defaults(&cfg);
    cfg.n_allow_networks = 2;
    strcpy(cfg.allow_networks[0], "127.0.0.0/8");
    strcpy(cfg.allow_networks[1], "0.0.0.0/0");
    rbx_url_target t;
    rbx_error err;
    ck_assert_int_eq(rbx_url_guard_check("http://127.0.0.1:9/x", &cfg, &t, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "this host"));
    ck_assert_int_eq(rbx_url_guard_check("http://127.0.0.2:9/x", &cfg, &t, &err), -1);
    ck_assert_int_eq(rbx_url_guard_check("http://0.0.0.0:9/x", &cfg, &t, &err), -1);
    ck_assert_int_eq(rbx_url_guard_check("http://10.9.9.9:9/x", &cfg, &t, &err), 0);
}
END_TEST

/* Every address of every interface of this host is refused, though the
 * allowed networks cover them all. */
START_TEST(test_every_interface_address_is_refused)
{
    rbx_config cfg;
    rbx_config_defaults(&cfg);
    cfg.n_allow_networks = 2;
    strcpy(cfg.allow_networks[0], "0.0.0.0/0");
    strcpy(cfg.allow_networks[1], "::/0");
    struct ifaddrs *list = NULL;
    ck_assert_int_eq(getifaddrs(&list), 0);
    int seen = 0;
    for (struct ifaddrs *i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr ||
            (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
            continue;
        ck_assert_ptr_nonnull(rbx_url_guard_refusal(i->ifa_addr, &cfg));
        seen++;
    }
    freeifaddrs(list);
    ck_assert_int_gt(seen, 0);
}
END_TEST

START_TEST(test_localhost_name_is_refused)
{
    /* "localhost" comes from /etc/hosts: a name, resolved, found to be loopback. */
    rbx_config cfg;
    rbx_config_defaults(&cfg);
    rbx_url_target t;
    rbx_error err;
    ck_assert_int_eq(rbx_url_guard_check("http://localhost/x", &cfg, &t, &err), -1);
    ck_assert(!t.host_is_literal);
    ck_assert_ptr_nonnull(strstr(err.message, "loopback"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("url_guard");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_address_table, 0, sizeof(TABLE) / sizeof(TABLE[0]));
    tcase_add_test(tc, test_allow_networks);
    tcase_add_test(tc, test_host_addresses_need_naming);
    tcase_add_test(tc, test_every_interface_address_is_refused);
    tcase_add_loop_test(tc, test_urls_with_default_config, 0, sizeof(URLS) / sizeof(URLS[0]));
    tcase_add_test(tc, test_allowed_loopback_is_pinned);
    tcase_add_test(tc, test_localhost_name_is_refused);
    suite_add_tcase(s, tc);
    return rbx_check_run(s);
}
