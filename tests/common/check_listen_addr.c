/* check_listen_addr.c - listen addresses: a bare port means loopback, an explicit host is
 * kept, malformed text is refused, and the loopback test over IPv4, IPv6 and mapped forms. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>

#include "common/err.h"
#include "common/listen_addr.h"
#include "tests/support/suite.h"

START_TEST (bare_port_is_loopback_explicit_host_kept)
{
    static const struct {
        const char *text, *host;
        unsigned port;
    } cases[] = {
        { "40000", "127.0.0.1", 40000 },     { ":40000", "127.0.0.1", 40000 }, { "0.0.0.0:40000", "0.0.0.0", 40000 },
        { "192.0.2.7:1", "192.0.2.7", 1 },   { "[::]:8443", "::", 8443 },      { "[::1]:65535", "::1", 65535 },
        { "localhost:9464", "localhost", 9464 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char host[64] = "";
        uint16_t port = 0;
        ck_assert_msg (vg_listen_parse (cases[i].text, host, sizeof host, &port) == 0, "%s", cases[i].text);
        ck_assert_str_eq (host, cases[i].host);
        ck_assert_uint_eq (port, cases[i].port);
    }
}
END_TEST

START_TEST (malformed_is_refused)
{
    static const char *const bad[] = { "", "0", "65536", "-1", "+5", "host:", "::1:80", "[::1]80", "[::1",
                                       "1.2.3.4:x", "1.2.3.4:80x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char host[64];
        uint16_t port;
        ck_assert_msg (vg_listen_parse (bad[i], host, sizeof host, &port) == -VG_EINVAL, "%s", bad[i]);
    }
    char tiny[4];
    uint16_t port;
    ck_assert_int_eq (vg_listen_parse ("80", tiny, sizeof tiny, &port), -VG_EINVAL); /* 127.0.0.1 does not fit */
    ck_assert_int_eq (vg_listen_parse (NULL, tiny, sizeof tiny, &port), -VG_EINVAL);
}
END_TEST

START_TEST (loopback_test)
{
    static const struct {
        int family;
        const char *addr;
        bool loop;
    } cases[] = {
        { AF_INET, "127.0.0.1", true },         { AF_INET, "127.1.2.3", true },    { AF_INET, "0.0.0.0", false },
        { AF_INET, "192.0.2.1", false },        { AF_INET6, "::1", true },         { AF_INET6, "::", false },
        { AF_INET6, "::ffff:127.0.0.1", true }, { AF_INET6, "2001:db8::1", false },
        { AF_INET6, "::ffff:192.0.2.1", false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sockaddr_in v4 = { .sin_family = AF_INET };
        struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
        bool is4 = cases[i].family == AF_INET;
        void *dst = is4 ? (void *) &v4.sin_addr : (void *) &v6.sin6_addr;
        ck_assert_int_eq (inet_pton (cases[i].family, cases[i].addr, dst), 1);
        bool got = is4 ? vg_listen_is_loopback (&v4, sizeof v4) : vg_listen_is_loopback (&v6, sizeof v6);
        ck_assert_msg (got == cases[i].loop, "%s", cases[i].addr);
    }
    struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    ck_assert (vg_listen_is_loopback (&v4, sizeof v4));
    ck_assert (!vg_listen_is_loopback (&v4, 1)); /* too short */
    ck_assert (!vg_listen_is_loopback (NULL, 0));
}
END_TEST

Suite *
vg_listen_addr_suite (void)
{
    const TTest *tests[] = { bare_port_is_loopback_explicit_host_kept, malformed_is_refused, loopback_test };
    return vg_test_suite ("listen_addr", "listen_addr", tests, sizeof tests / sizeof tests[0], 10, NULL, NULL);
}
