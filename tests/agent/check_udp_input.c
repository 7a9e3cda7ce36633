/* check_udp_input.c - the udp input: datagrams decoded, and what the kernel drops because
 * the socket buffer was full is counted (SO_RXQ_OVFL, or SO_MEMINFO once the queue is
 * empty), not silent. */
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

/* A udp input (jti) on a free port with a tiny receive buffer, and a socket aimed at it. */
typedef struct {
    vg_input_cfg_t c;
    char listen[32];
    vg_test_capture_t cap;
    vg_sink_t sink;
    vg_input_t *in;
    struct sockaddr_in a;
    socklen_t al;
    int tx;
} s_fix_t;

static void
s_fix_init (s_fix_t *f)
{
    memset (f, 0, sizeof *f);
    f->c.type = "udp";
    snprintf (f->listen, sizeof f->listen, "127.0.0.1:%d", s_free_port ());
    f->c.listen = f->listen;
    f->c.format = "jti";
    f->c.rcvbuf = 1024; /* the kernel doubles it and applies its minimum: a few datagrams */
    vg_test_capture_init (&f->cap);
    f->sink = vg_test_capture_sink (&f->cap);
    vg_input_env_t env = { .cfg = &f->c, .spool_dir = "", .batch_max_samples = 1u << 20, .sink = &f->sink };
    char err[256] = "";
    f->in = vg_input_new (&env, err, sizeof err);
    ck_assert_msg (f->in != NULL, "%s", err);
    int fd;
    ck_assert_uint_eq (vg_input_pollfds (f->in, &fd, 1), 1);
    f->al = sizeof f->a;
    ck_assert_int_eq (getsockname (fd, (struct sockaddr *) &f->a, &f->al), 0);
    f->tx = socket (AF_INET, SOCK_DGRAM, 0);
    ck_assert_int_ge (f->tx, 0);
}

static void
s_fix_send (s_fix_t *f, int n)
{
    static char junk[1200];
    memset (junk, 0x5a, sizeof junk);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq (sendto (f->tx, junk, sizeof junk, 0, (struct sockaddr *) &f->a, f->al), (ssize_t) sizeof junk);
}

static void
s_fix_free (s_fix_t *f)
{
    close (f->tx);
    vg_input_destroy (&f->in);
    vg_test_capture_free (&f->cap);
}

/* A burst the agent does not read in time: the kernel drops most of it; the next datagram
 * brings the drop count. */
START_TEST (kernel_drops_are_counted)
{
    s_fix_t f;
    s_fix_init (&f);
    s_fix_send (&f, 200);
    for (int turn = 0; turn < 4; turn++)
        ck_assert_int_eq (vg_input_service (f.in, 0, 0, &f.sink), 0);
    uint64_t got = s_counter (f.in, "datagrams");
    ck_assert_uint_gt (got, 0);
    ck_assert_uint_lt (got, 200);
    /* A datagram carries the drop count as of its arrival: the one after the burst tells
     * the drops, and everything adds up. */
    s_fix_send (&f, 1);
    ck_assert_int_eq (vg_input_service (f.in, 0, 0, &f.sink), 0);
    ck_assert_uint_gt (s_counter (f.in, "kernel_drops"), 0);
    ck_assert_uint_eq (s_counter (f.in, "datagrams") + s_counter (f.in, "kernel_drops"), 201);
    s_fix_free (&f);
}
END_TEST

/* Drops in the last burst, with nothing after it: the input reads the count itself once the
 * queue is empty (a second after its last read), so the end of a feed is not silent. */
START_TEST (drops_of_a_last_burst_are_counted)
{
    s_fix_t f;
    s_fix_init (&f);
    s_fix_send (&f, 200);
    int64_t mono = 10000;
    for (int turn = 0; turn < 4; turn++, mono += 10)
        ck_assert_int_eq (vg_input_service (f.in, 0, mono, &f.sink), 0);
    ck_assert_uint_gt (s_counter (f.in, "kernel_drops"), 0);
    ck_assert_uint_eq (s_counter (f.in, "datagrams") + s_counter (f.in, "kernel_drops"), 200);
    s_fix_free (&f);
}
END_TEST

Suite *
vg_udp_input_suite (void)
{
    Suite *s = suite_create ("udp_input");
    TCase *tc = tcase_create ("drops");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, kernel_drops_are_counted);
    tcase_add_test (tc, drops_of_a_last_burst_are_counted);
    suite_add_tcase (s, tc);
    return s;
}
