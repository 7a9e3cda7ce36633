/* check_ves_input.c - the VES input's acknowledgement contract (agent/inputs/ves.c): a post
 * is answered 202 only after a put holding its events succeeded; 503 with Retry-After when
 * that put failed or the spool has no room (then nothing is decoded); a post whose body
 * holds nothing waits for no put.  A real libmicrohttpd listener on loopback, a real HTTP
 * exchange over a socket; the host is simulated (its puts succeed or fail as the test says). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_cfg.h"
#include "agent/input.h"
#include "common/clock.h"
#include "tests/support/capture_sink.h"
#include "tests/support/suite.h"

/* The simulated agent: events captured since the last put are pending; a put tells the
 * input will_spool, then spooled only when put_ok. */
typedef struct {
    vg_input_t *in;
    vg_test_capture_t cap;
    size_t taken;
    bool put_ok, full;
    int puts;
} s_agent_t;

static size_t
h_pending (void *arg)
{
    s_agent_t *a = arg;
    return a->cap.nevents - a->taken;
}

static int
h_flush (void *arg)
{
    s_agent_t *a = arg;
    if (h_pending (a) == 0)
        return 0;
    a->puts++;
    vg_input_will_spool (a->in, 1, (uint64_t) a->puts);
    a->taken = a->cap.nevents;
    if (!a->put_ok)
        return 0;
    vg_input_spooled (a->in);
    return 1;
}

static bool
h_throttled (void *arg)
{
    (void) arg;
    return false;
}

static bool
h_full (void *arg)
{
    return ((s_agent_t *) arg)->full;
}

static bool
h_held (void *arg, uint64_t epoch, uint64_t seq)
{
    (void) arg;
    (void) epoch;
    (void) seq;
    return true;
}

static const char s_fault[] =
    "{\"event\":{\"commonEventHeader\":{\"version\":\"4.1\",\"vesEventListenerVersion\":\"7.2.1\","
    "\"domain\":\"fault\",\"eventName\":\"Fault_t\",\"eventId\":\"t1\",\"sequence\":0,\"priority\":\"High\","
    "\"reportingEntityName\":\"el\",\"sourceName\":\"el\",\"startEpochMicrosec\":1700000000000000,"
    "\"lastEpochMicrosec\":1700000000000000},\"faultFields\":{\"faultFieldsVersion\":\"4.0\","
    "\"alarmCondition\":\"linkDown\",\"eventSourceType\":\"port\",\"specificProblem\":\"t\","
    "\"eventSeverity\":\"MAJOR\",\"vfStatus\":\"Active\"}}}";

static const char s_heartbeat[] =
    "{\"event\":{\"commonEventHeader\":{\"version\":\"4.1\",\"vesEventListenerVersion\":\"7.2.1\","
    "\"domain\":\"heartbeat\",\"eventName\":\"Heartbeat_t\",\"eventId\":\"h1\",\"sequence\":0,"
    "\"priority\":\"Normal\",\"reportingEntityName\":\"el\",\"sourceName\":\"el\","
    "\"startEpochMicrosec\":1700000000000000,\"lastEpochMicrosec\":1700000000000000},"
    "\"heartbeatFields\":{\"heartbeatFieldsVersion\":\"3.0\",\"heartbeatInterval\":60}}}";

static int
s_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge (fd, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    socklen_t len = sizeof sa;
    ck_assert_int_eq (bind (fd, (struct sockaddr *) &sa, sizeof sa), 0);
    ck_assert_int_eq (getsockname (fd, (struct sockaddr *) &sa, &len), 0);
    close (fd);
    return ntohs (sa.sin_port);
}

/* One input per case (the checked fixture): its host, its configuration and the reply of
 * the last post. */
static s_agent_t s_a;
static vg_input_cfg_t s_c;
static char s_listen[64], s_reply[4096];

static void
s_start (void)
{
    s_agent_t *a = &s_a;
    vg_input_cfg_t *c = &s_c;
    char *listen = s_listen;
    size_t size = sizeof s_listen;
    memset (a, 0, sizeof *a);
    vg_test_capture_init (&a->cap);
    a->put_ok = true;
    snprintf (listen, size, "127.0.0.1:%d", s_free_port ());
    memset (c, 0, sizeof *c);
    c->type = "ves";
    c->listen = listen;
    c->max_body = 1u << 20;
    c->max_connections = 4;
    vg_sink_t sink = vg_test_capture_sink (&a->cap);
    vg_input_env_t env = { .cfg = c, .spool_dir = "/nonexistent", .batch_max_samples = 1u << 20, .sink = &sink,
                           .host = { a, h_pending, h_flush, h_throttled, h_full, h_held } };
    char err[256] = "";
    a->in = vg_input_new (&env, err, sizeof err);
    ck_assert_msg (a->in != NULL, "%s", err);
}

static void
s_stop (void)
{
    vg_input_destroy (&s_a.in);
    vg_test_capture_free (&s_a.cap);
}

/* POST body to the input, serving it until the reply is complete (Connection: close):
 * the reply's text into s_reply; returns the HTTP status. */
static int
s_post (const char *body)
{
    s_agent_t *a = &s_a;
    char *reply = s_reply;
    size_t size = sizeof s_reply;
    int port = atoi (strrchr (s_c.listen, ':') + 1);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge (fd, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port),
                              .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    ck_assert_int_eq (connect (fd, (struct sockaddr *) &sa, sizeof sa), 0);
    char req[4096];
    int n = snprintf (req, sizeof req,
                      "POST /eventListener/v7 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                      strlen (body), body);
    ck_assert_int_eq (write (fd, req, (size_t) n), n);
    fcntl (fd, F_SETFL, O_NONBLOCK);
    vg_test_capture_t *cap = &a->cap;
    vg_sink_t sink = vg_test_capture_sink (cap);
    size_t len = 0;
    int64_t deadline = vg_clock_mono_ms () + 20000;
    for (;;) {
        ck_assert_msg (vg_clock_mono_ms () < deadline, "no reply within 20 s");
        vg_input_service (a->in, vg_clock_now_ms (), vg_clock_mono_ms (), &sink);
        ssize_t r = read (fd, reply + len, size - 1 - len);
        if (r == 0)
            break;
        if (r > 0) {
            len += (size_t) r;
            ck_assert_uint_lt (len, size - 1);
            continue;
        }
        ck_assert (errno == EAGAIN || errno == EWOULDBLOCK);
        nanosleep (&(struct timespec) { 0, 1000000 }, NULL);
    }
    close (fd);
    reply[len] = '\0';
    int status = 0;
    ck_assert_int_eq (sscanf (reply, "HTTP/1.1 %d", &status), 1);
    return status;
}

START_TEST (acknowledged_after_put)
{
    ck_assert_int_eq (s_post (s_fault), 202);
    ck_assert_uint_eq (s_a.cap.nevents, 1);
    ck_assert_int_eq (s_a.puts, 1);          /* the answer waited for a put */
    ck_assert_uint_eq (h_pending (&s_a), 0); /* holding the event */
    ck_assert_int_eq (s_post (s_fault), 202);
    ck_assert_int_eq (s_a.puts, 2);
}
END_TEST

START_TEST (failed_put_is_503)
{
    s_a.put_ok = false;
    ck_assert_int_eq (s_post (s_fault), 503);
    ck_assert_ptr_nonnull (strstr (s_reply, "Retry-After: 5"));
    ck_assert_int_eq (s_a.puts, 1);
    /* The spool takes puts again: the next post is acknowledged. */
    s_a.put_ok = true;
    ck_assert_int_eq (s_post (s_fault), 202);
    ck_assert_int_eq (s_a.puts, 2);
}
END_TEST

START_TEST (full_spool_refuses_before_decoding)
{
    s_a.full = true;
    ck_assert_int_eq (s_post (s_fault), 503);
    ck_assert_ptr_nonnull (strstr (s_reply, "Retry-After: 5"));
    ck_assert_uint_eq (s_a.cap.nevents, 0);
    ck_assert_int_eq (s_a.puts, 0);
}
END_TEST

START_TEST (empty_post_waits_for_nothing)
{
    ck_assert_int_eq (s_post (s_heartbeat), 202); /* decodes to nothing */
    ck_assert_uint_eq (s_a.cap.nevents, 0);
    ck_assert_int_eq (s_a.puts, 0);
}
END_TEST

Suite *
vg_ves_input_suite (void)
{
    const TTest *tests[] = {
        acknowledged_after_put, failed_put_is_503, full_spool_refuses_before_decoding, empty_post_waits_for_nothing,
    };
    return vg_test_suite ("ves_input", "ack", tests, sizeof tests / sizeof tests[0], 60, s_start, s_stop);
}
