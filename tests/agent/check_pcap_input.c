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
#include "tests/agent/fixture_agent.h"
#include "tests/support/capture_sink.h"
#include "tests/support/input_host.h"
#include "tests/support/tmpdir.h"

#define MONO_END 1000000 /* service the input for at most this mono ms */
#define CAPTURE VG_SAMPLES_DIR "/cisco/pmacct-801-cisco-xr-tcp-dialout-json.pcap"
#define NOPUT FX_NOPUT

static char s_dir[64];
static bool s_held;
static bool h_held (uint64_t epoch, uint64_t seq);
static vg_test_host_t s_host = { false, h_held, false };

/* The simulated agent (fixture_agent.h): every item the puts made hold is folded, in
 * order, into (stored, nstored), so a sample sent twice, skipped or out of place changes the
 * result wherever the puts fell. */
typedef struct {
    fx_agent_t ag;
    uint64_t batch, nbatch;  /* the fold with the open batch's items; their number */
    uint64_t stored, nstored;
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
    return fx_agent_held (epoch, seq, s_held);
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
    return fx_agent_input (&c, s_dir, &s_host);
}

/* A made put: the open batch joins what is stored. */
static void
s_commit (void *ctx)
{
    s_agent_t *a = ctx;
    a->stored = a->batch;
    a->nstored += a->nbatch;
    a->nbatch = 0;
}

/* An item into the open batch: its text line's hash folded in. */
static int
s_add (void *ctx, const vg_point_t *p)
{
    s_agent_t *a = ctx;
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

/* A fresh agent, no puts placed yet. */
static void
s_init (s_agent_t *a)
{
    memset (a, 0, sizeof *a);
    fx_agent_init (&a->ag, a, s_add, s_commit);
}

/* One uninterrupted run, every item in one put at the end. */
static void
s_reference (s_agent_t *ref)
{
    s_init (ref);
    fx_agent_run_to_end (&ref->ag, s_new (CAPTURE), NOPUT, MONO_END);
}

/* Puts at k1 (made) and k2 (made or not), killed after; the restart runs to the end and puts
 * the rest: the store is exactly the uninterrupted run. */
START_TEST (exactly_once_across_a_kill)
{
    static s_agent_t ref;
    s_reference (&ref);
    int64_t total = ref.ag.n;
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
                s_init (&a);
                fx_agent_kill_run (&a.ag, s_new (CAPTURE), k1, k2, held, MONO_END);
                s_held = held;
                a.batch = a.stored; /* the open batch dies with the agent */
                a.nbatch = 0;
                fx_agent_run_to_end (&a.ag, s_new (CAPTURE), NOPUT, MONO_END);
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
    s_init (&a);
    a.ag.put_at[0] = ref.ag.n / 2;
    a.ag.put_at[1] = NOPUT;
    a.ag.made[0] = true;
    a.ag.in = s_new (CAPTURE);
    a.ag.put_at[1] = ref.ag.n / 2 + 10;
    a.ag.made[1] = true;
    fx_agent_run (&a.ag, MONO_END);
    vg_input_destroy (&a.ag.in);
    ck_assert_uint_eq (a.nstored, (uint64_t) (ref.ag.n / 2 + 10));
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
    s_init (&b);
    fx_agent_run_to_end (&b.ag, s_new (copy), NOPUT, MONO_END);
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
