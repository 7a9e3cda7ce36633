/* check_udp_input.c - the udp input: datagrams decoded, and what the kernel drops because
 * the socket buffer was full is counted (SO_RXQ_OVFL), not silent. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/agent_cfg.h"
#include "agent/input.h"
#include "tests/support/capture_sink.h"

/* The input's counter `name`. */
static uint64_t
s_counter (const vg_input_t *in, const char *name)
{
    uint64_t v = 0;
    const char *n;
    for (size_t i = 0; (n = vg_input_counter (in, i, &v)) != NULL; i++)
        if (!strcmp (n, name))
            return v;
    ck_abort_msg ("no counter %s", name);
    return 0;
}

/* A UDP port free a moment ago. */
static int
s_free_port (void)
{
    int fd = socket (AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    ck_assert_int_eq (bind (fd, (struct sockaddr *) &a, sizeof a), 0);
    ck_assert_int_eq (getsockname (fd, (struct sockaddr *) &a, &al), 0);
    close (fd);
    return ntohs (a.sin_port);
}

/* A tiny receive buffer and a burst the agent does not read in time: the kernel drops most
 * of it; the next datagram brings the drop count. */
START_TEST (kernel_drops_are_counted)
{
    vg_input_cfg_t c;
    memset (&c, 0, sizeof c);
    c.type = "udp";
    char listen[32];
    snprintf (listen, sizeof listen, "127.0.0.1:%d", s_free_port ());
    c.listen = listen;
    c.format = "jti";
    c.rcvbuf = 1024; /* the kernel doubles it and applies its minimum: a few datagrams */
    vg_test_capture_t cap;
    vg_test_capture_init (&cap);
    vg_sink_t sink = vg_test_capture_sink (&cap);
    vg_input_env_t env = { &c, 0, "", 1u << 20, &sink, { 0 } };
    char err[256] = "";
    vg_input_t *in = vg_input_new (&env, err, sizeof err);
    ck_assert_msg (in != NULL, "%s", err);
    int fd;
    ck_assert_uint_eq (vg_input_pollfds (in, &fd, 1), 1);
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    ck_assert_int_eq (getsockname (fd, (struct sockaddr *) &a, &al), 0);
    int tx = socket (AF_INET, SOCK_DGRAM, 0);
    ck_assert_int_ge (tx, 0);
    static char junk[1200];
    memset (junk, 0x5a, sizeof junk);
    for (int i = 0; i < 200; i++)
        ck_assert_int_eq (sendto (tx, junk, sizeof junk, 0, (struct sockaddr *) &a, al), (ssize_t) sizeof junk);
    for (int turn = 0; turn < 4; turn++)
        ck_assert_int_eq (vg_input_service (in, 0, 0, &sink), 0);
    uint64_t got = s_counter (in, "datagrams");
    ck_assert_uint_gt (got, 0);
    ck_assert_uint_lt (got, 200);
    /* A datagram carries the drop count as of its arrival: the one after the burst tells
     * the drops, and everything adds up. */
    ck_assert_int_eq (sendto (tx, junk, sizeof junk, 0, (struct sockaddr *) &a, al), (ssize_t) sizeof junk);
    ck_assert_int_eq (vg_input_service (in, 0, 0, &sink), 0);
    ck_assert_uint_gt (s_counter (in, "kernel_drops"), 0);
    ck_assert_uint_eq (s_counter (in, "datagrams") + s_counter (in, "kernel_drops"), 201);
    close (tx);
    vg_input_destroy (&in);
    vg_test_capture_free (&cap);
}
END_TEST

Suite *
vg_udp_input_suite (void)
{
    Suite *s = suite_create ("udp_input");
    TCase *tc = tcase_create ("drops");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, kernel_drops_are_counted);
    suite_add_tcase (s, tc);
    return s;
}
