/* check_pcap_input.c - the pcap input delivers every item of a capture exactly once across a
 * kill at many points: a put made or not made in the middle of a message or between messages
 * (its progress record, agent/inputs/pcap.c), through TCP reassembly (the real Cisco MDT TCP
 * dial-out capture), and not at all for another capture than the one recorded. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/agent_cfg.h"
#include "agent/input.h"
#include "common/err.h"
#include "common/hash.h"
#include "tests/support/capture_sink.h"
#include "tests/support/input_host.h"
#include "tests/support/tmpdir.h"

#define CAPTURE VG_SAMPLES_DIR "/cisco/pmacct-801-cisco-xr-tcp-dialout-json.pcap"
#define NOPUT INT64_MAX

static char s_dir[64];
static bool s_held;
static bool h_held (uint64_t epoch, uint64_t seq);
static vg_test_host_t s_host = { false, h_held, false };

/* The simulated agent: a put is made before item put_at[i] (items counted from 0 over the
 * run); every item the puts made hold is folded, in order, into (stored, nstored), so a
 * sample sent twice, skipped or out of place changes the result wherever the puts fell. */
typedef struct {
    vg_input_t *in;
    uint64_t batch, nbatch;  /* the fold with the open batch's items; their number */
    uint64_t stored, nstored;
    int64_t n, put_at[2];
    bool made[2];
    uint64_t seq;
    bool killed;
} s_agent_t;

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "pcapinput"));
}

static void
teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

static bool
h_held (uint64_t epoch, uint64_t seq)
{
    ck_assert_uint_eq (epoch, 7);
    ck_assert_uint_ge (seq, 1);
    return s_held;
}

static vg_input_t *
s_new (const char *file)
{
    static vg_input_port_cfg_t port = { 10005, "mdt-tcp" };
    static vg_input_cfg_t c;
    memset (&c, 0, sizeof c);
    c.type = "pcap";
    c.file = (char *) file;
    c.ports = &port;
    c.nports = 1;
    c.speed = 1; /* max */
    c.speed_factor = 1;
    c.max_file_size = 64u << 20;
    vg_test_capture_t scratch;
    vg_test_capture_init (&scratch);
    vg_sink_t sink = vg_test_capture_sink (&scratch);
    vg_input_env_t env = { .cfg = &c, .spool_dir = s_dir, .batch_max_samples = 1u << 20, .sink = &sink,
                           .host = vg_test_input_host (&s_host) };
    char err[256] = "";
    vg_input_t *in = vg_input_new (&env, err, sizeof err);
    ck_assert_msg (in != NULL, "%s", err);
    vg_test_capture_free (&scratch);
    return in;
}

/* Put: record, then (if made) fold the batch into what is stored and tell the input. */
static void
s_put (s_agent_t *a, bool made)
{
    a->seq++;
    vg_input_will_spool (a->in, 7, a->seq);
    if (!made) {
        a->killed = true; /* killed between the record and the put */
        return;
    }
    vg_input_spooled (a->in);
    a->stored = a->batch;
    a->nstored += a->nbatch;
    a->nbatch = 0;
}

static int
s_a_device (void *ctx, const vg_device_t *d)
{
    (void) ctx;
    (void) d;
    return 0;
}

static int
s_a_sample (void *ctx, const vg_point_t *p)
{
    s_agent_t *a = ctx;
    if (a->killed)
        return -VG_EAGAIN;
    for (int i = 0; i < 2; i++)
        if (a->put_at[i] == a->n) {
            s_put (a, a->made[i]);
            if (a->killed)
                return -VG_EAGAIN;
        }
    a->n++;
    char line[1024];
    int len = snprintf (line, sizeof line, "%s %s %lld %.17g", p->device ? p->device : "", p->path,
                        (long long) p->ts_ms, p->value);
    for (size_t i = 0; i < p->nlabels && len > 0 && (size_t) len < sizeof line; i++)
        len += snprintf (line + len, sizeof line - (size_t) len, " %s=%s", p->labels[i].key, p->labels[i].value);
    uint64_t h = vg_hash64 (line, (size_t) len < sizeof line ? (size_t) len : sizeof line, 0);
    a->batch = vg_hash64 (&h, sizeof h, a->batch);
    a->nbatch++;
    return 0;
}

static int
s_a_event (void *ctx, const vg_event_t *e)
{
    (void) ctx;
    (void) e;
    return 0;
}

/* Service the input until it is done (or killed); the last put when asked. */
static void
s_run (s_agent_t *a)
{
    vg_sink_t sink = { a, s_a_device, s_a_sample, s_a_event };
    int64_t now = (int64_t) time (NULL) * 1000;
    for (int64_t mono = 0; mono < 1000000 && !a->killed && !vg_input_done (a->in); mono += 1000)
        ck_assert_int_eq (vg_input_service (a->in, now, mono, &sink), 0);
    for (int i = 0; i < 2 && !a->killed; i++)
        if (a->put_at[i] != NOPUT && a->put_at[i] >= a->n)
            s_put (a, a->made[i]);
}

/* One uninterrupted run, every item in one put at the end. */
static void
s_reference (s_agent_t *ref)
{
    memset (ref, 0, sizeof *ref);
    ref->put_at[0] = ref->put_at[1] = NOPUT;
    ref->in = s_new (CAPTURE);
    s_run (ref);
    s_put (ref, true);
    vg_input_destroy (&ref->in);
}

/* Puts at k1 (made) and k2 (made or not), killed after; the restart runs to the end and puts
 * the rest: the store is exactly the uninterrupted run. */
START_TEST (exactly_once_across_a_kill)
{
    static s_agent_t ref;
    s_reference (&ref);
    int64_t total = ref.n;
    ck_assert_int_gt (total, 1000);
    /* The first put at the start, after one item, inside the first messages, a third and
     * half-way through, before the last item; the second (made or not) at once after it,
     * a seventh of the capture later, or at the end.  Each case decodes the whole capture
     * twice (50,097 samples): few enough for the sanitizer build. */
    const int64_t firsts[] = { 0, 1, 997, total / 3, total / 2 + 1, total - 1 };
    int64_t cases = 0;
    for (size_t f = 0; f < sizeof firsts / sizeof firsts[0]; f++)
        for (int64_t d = 0; d < 3; d++) {
            int64_t k1 = firsts[f];
            int64_t k2 = d == 0 ? k1 + 1 : d == 1 ? k1 + 1 + total / 7 : total + 1;
            if (d == 0 && f % 2)
                continue;
            for (int held = 0; held < 2; held++) {
                ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
                setup ();
                static s_agent_t a;
                memset (&a, 0, sizeof a);
                a.put_at[0] = k1;
                a.put_at[1] = k2;
                a.made[0] = true;
                a.made[1] = held;
                a.in = s_new (CAPTURE);
                s_run (&a);
                vg_input_destroy (&a.in); /* killed */
                s_held = held;
                a.killed = false;
                a.batch = a.stored; /* the open batch dies with the agent */
                a.nbatch = 0;
                a.put_at[0] = a.put_at[1] = NOPUT;
                a.in = s_new (CAPTURE);
                s_run (&a);
                s_put (&a, true);
                vg_input_destroy (&a.in);
                ck_assert_msg (a.nstored == ref.nstored && a.stored == ref.stored,
                               "puts at %lld and %lld (%s): %llu samples stored, want %llu (%s sequence)",
                               (long long) k1, (long long) k2, held ? "made" : "not made",
                               (unsigned long long) a.nstored, (unsigned long long) ref.nstored,
                               a.stored == ref.stored ? "same" : "another");
                cases++;
            }
        }
    ck_assert_int_eq (cases, 30);
}
END_TEST

/* A record for another capture (a copy: another file) is not applied: the copy is replayed
 * from its start. */
START_TEST (another_capture_from_its_start)
{
    static s_agent_t ref;
    s_reference (&ref);
    static s_agent_t a;
    memset (&a, 0, sizeof a);
    a.put_at[0] = ref.n / 2;
    a.put_at[1] = NOPUT;
    a.made[0] = true;
    a.in = s_new (CAPTURE);
    a.put_at[1] = ref.n / 2 + 10;
    a.made[1] = true;
    s_run (&a);
    vg_input_destroy (&a.in);
    ck_assert_uint_eq (a.nstored, (uint64_t) (ref.n / 2 + 10));
    char copy[128];
    snprintf (copy, sizeof copy, "%s/copy.pcap", s_dir);
    FILE *in = fopen (CAPTURE, "rb"), *out = fopen (copy, "wb");
    ck_assert (in && out);
    char buf[65536];
    size_t n;
    while ((n = fread (buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq (fwrite (buf, 1, n, out), n);
    fclose (in);
    ck_assert_int_eq (fclose (out), 0);
    s_held = true;
    static s_agent_t b;
    memset (&b, 0, sizeof b);
    b.put_at[0] = b.put_at[1] = NOPUT;
    b.in = s_new (copy);
    s_run (&b);
    s_put (&b, true);
    vg_input_destroy (&b.in);
    ck_assert_uint_eq (b.nstored, ref.nstored);
    ck_assert_uint_eq (b.stored, ref.stored);
}
END_TEST

Suite *
vg_pcap_input_suite (void)
{
    Suite *s = suite_create ("pcap_input");
    TCase *tc = tcase_create ("exactly_once");
    tcase_add_checked_fixture (tc, setup, teardown);
    tcase_set_timeout (tc, 240);
    tcase_add_test (tc, exactly_once_across_a_kill);
    tcase_add_test (tc, another_capture_from_its_start);
    suite_add_tcase (s, tc);
    return s;
}
