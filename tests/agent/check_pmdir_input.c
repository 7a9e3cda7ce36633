/* check_pmdir_input.c - the pmdir input delivers every item of a PM backlog exactly once
 * across a kill at any point: a put made or not made in the middle of a file or between
 * files, with and without done_dir (pmdir_progress.h), and it pauses while throttled. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "agent/agent_cfg.h"
#include "agent/input.h"
#include "common/err.h"
#include "tests/support/capture_sink.h"
#include "tests/support/input_host.h"
#include "tests/support/tmpdir.h"

#define NFILES 3
#define PER_FILE 6 /* 2 cells x 3 counters */
#define NITEMS (NFILES * PER_FILE)

static char s_dir[64], s_in[128], s_done[128];
static bool s_held;
static bool h_held (uint64_t epoch, uint64_t seq);
static vg_test_host_t s_host = { false, h_held, false };

/* The simulated agent: items since the last put wait in `batch`; a put made moves them to
 * `stored`.  A put is made before item put_at[i] (items counted from 0 over the run). */
typedef struct {
    vg_input_t *in;
    vg_test_capture_t batch;
    char stored[16384];      /* the batches put, as text lines */
    long n, put_at[2];
    bool made[2];
    uint64_t seq;
    bool killed;
} s_agent_t;

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "pmdirinput"));
    snprintf (s_in, sizeof s_in, "%s/in", s_dir);
    snprintf (s_done, sizeof s_done, "%s/done", s_dir);
    ck_assert_int_eq (mkdir (s_in, 0700), 0);
    ck_assert_int_eq (mkdir (s_done, 0700), 0);
    s_host.throttled = false;
}

static void
teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

/* NFILES PM files of one gNB, ROPs 00:00, 00:15, ...; settled (mtime a minute ago). */
static void
s_write_files (void)
{
    for (int f = 0; f < NFILES; f++) {
        char path[256];
        snprintf (path, sizeof path, "%s/A20260105.00%02d-0015_gnb1.xml", s_in, f * 15);
        FILE *fp = fopen (path, "w");
        ck_assert_ptr_nonnull (fp);
        fprintf (fp,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<measCollecFile xmlns=\"http://www.3gpp.org/ftp/specs/archive/32_series/32.435#measCollec\">\n"
                 "<fileHeader fileFormatVersion=\"32.435 V10.0\" vendorName=\"VendorT\"><fileSender elementType=\"gNB\"/>"
                 "<measCollec beginTime=\"2026-01-05T00:%02d:00Z\"/></fileHeader>\n"
                 "<measData><managedElement localDn=\"gnb1\"/><measInfo measInfoId=\"c\">"
                 "<granPeriod duration=\"PT900S\" endTime=\"2026-01-05T00:%02d:00Z\"/>"
                 "<measType p=\"1\">RRC.ConnEstabAtt</measType><measType p=\"2\">RRC.ConnEstabSucc</measType>"
                 "<measType p=\"3\">DRB.UEThpDl</measType>"
                 "<measValue measObjLdn=\"NRCellDU=1\"><r p=\"1\">%d</r><r p=\"2\">%d</r><r p=\"3\">%d</r></measValue>"
                 "<measValue measObjLdn=\"NRCellDU=2\"><r p=\"1\">%d</r><r p=\"2\">%d</r><r p=\"3\">%d</r></measValue>"
                 "</measInfo></measData><fileFooter><measCollec endTime=\"2026-01-05T00:%02d:00Z\"/></fileFooter>"
                 "</measCollecFile>\n",
                 f * 15, f * 15 + 15, 100 + f, 90 + f, 7 + f, 200 + f, 180 + f, 9 + f, f * 15 + 15);
        ck_assert_int_eq (fclose (fp), 0);
        struct timeval tv[2];
        gettimeofday (&tv[0], NULL);
        tv[0].tv_sec -= 60;
        tv[1] = tv[0];
        ck_assert_int_eq (utimes (path, tv), 0);
    }
}

static bool
h_held (uint64_t epoch, uint64_t seq)
{
    ck_assert_uint_eq (epoch, 7);
    ck_assert_uint_ge (seq, 1);
    return s_held;
}

static vg_input_t *
s_new (bool done_dir)
{
    static vg_input_cfg_t c;
    memset (&c, 0, sizeof c);
    c.type = "pmdir";
    c.dir = s_in;
    c.done_dir = done_dir ? s_done : NULL;
    c.pattern = "*.xml";
    c.interval_ms = 1000;
    c.max_file_size = 1 << 20;
    c.once = true;
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

/* The samples of c as text lines, appended to out. */
static void
s_text (const vg_test_capture_t *c, char *out, size_t cap)
{
    size_t len = strlen (out);
    for (size_t i = 0; i < c->nsamples && len < cap; i++)
        len += (size_t) snprintf (out + len, cap - len, "%s %s %s %lld %g\n", c->samples[i].device, c->samples[i].path,
                                  c->samples[i].labels ? c->samples[i].labels : "", (long long) c->samples[i].ts_ms,
                                  c->samples[i].value);
}

/* Put: record, then (if made) move the batch to stored and tell the input. */
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
    s_text (&a->batch, a->stored, sizeof a->stored);
    vg_test_capture_free (&a->batch);
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
    vg_sink_t b = vg_test_capture_sink (&a->batch);
    return vg_sink_sample (&b, p);
}

static int
s_a_event (void *ctx, const vg_event_t *e)
{
    (void) ctx;
    (void) e;
    return 0;
}

/* Service the input until it is done (or killed); a put at the end when asked. */
static void
s_run (s_agent_t *a)
{
    vg_sink_t sink = { a, s_a_device, s_a_sample, s_a_event };
    int64_t now = (int64_t) time (NULL) * 1000;
    for (int64_t mono = 0; mono < 100000 && !a->killed && !vg_input_done (a->in); mono += 1000)
        ck_assert_int_eq (vg_input_service (a->in, now, mono, &sink), 0);
    for (int i = 0; i < 2 && !a->killed; i++)
        if (a->put_at[i] >= a->n)
            s_put (a, a->made[i]);
}

/* Every (first put, second put, made or not, done_dir or not): the restarted input completes
 * the store to exactly what one uninterrupted run stores. */
START_TEST (exactly_once_across_a_kill)
{
    static char want[16384];
    bool done_dir = _i;
    s_write_files ();
    static s_agent_t ref;
    memset (&ref, 0, sizeof ref);
    ref.put_at[0] = ref.put_at[1] = NITEMS;
    ref.made[0] = ref.made[1] = true;
    ref.in = s_new (done_dir);
    s_run (&ref);
    ck_assert_int_eq (ref.n, NITEMS);
    strcpy (want, ref.stored);
    vg_input_destroy (&ref.in);
    for (long k1 = 0; k1 <= NITEMS; k1++)
        for (long k2 = k1 + 1; k2 <= NITEMS + 1; k2++)
            for (int held = 0; held < 2; held++) {
                ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
                setup ();
                s_write_files ();
                static s_agent_t a;
                memset (&a, 0, sizeof a);
                a.put_at[0] = k1;
                a.put_at[1] = k2;
                a.made[0] = true;
                a.made[1] = held;
                a.in = s_new (done_dir);
                s_run (&a);
                vg_input_destroy (&a.in); /* killed */
                vg_test_capture_free (&a.batch);
                s_held = held;
                a.killed = false;
                a.put_at[0] = a.put_at[1] = INT32_MAX; /* the restart runs to the end, put then */
                a.in = s_new (done_dir);
                s_run (&a);
                s_put (&a, true);
                vg_input_destroy (&a.in);
                vg_test_capture_free (&a.batch);
                ck_assert_msg (!strcmp (want, a.stored), "put at %ld (made) and %ld (%s), done_dir %d:\n%s\nwant\n%s", k1,
                               k2, held ? "made" : "not made", done_dir, a.stored, want);
            }
}
END_TEST

/* Puts at 5 (made) and 11 (not made: killed); the spool hands seq 2 out again at the
 * restart, to a batch of another input put before pmdir delivers anything, and the agent is
 * killed again; the next restart completes the store exactly.  Before the resolved record
 * was rewritten at the first restart, seq 2 held meant "items up to 11 spooled": 6 lost. */
START_TEST (seq_handed_out_again)
{
    static char want[16384];
    s_write_files ();
    static s_agent_t ref;
    memset (&ref, 0, sizeof ref);
    ref.put_at[0] = ref.put_at[1] = NITEMS;
    ref.made[0] = ref.made[1] = true;
    ref.in = s_new (false);
    s_run (&ref);
    strcpy (want, ref.stored);
    vg_input_destroy (&ref.in);
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
    setup ();
    s_write_files ();
    static s_agent_t a;
    memset (&a, 0, sizeof a);
    a.put_at[0] = 5;
    a.put_at[1] = 11;
    a.made[0] = true;
    a.made[1] = false;
    a.in = s_new (false);
    s_run (&a);
    vg_input_destroy (&a.in); /* killed before the put of seq 2 */
    vg_test_capture_free (&a.batch);
    s_held = false;
    a.in = s_new (false);
    vg_input_will_spool (a.in, 7, 2); /* another input's batch, seq 2 again */
    vg_input_spooled (a.in);
    vg_input_destroy (&a.in); /* killed again */
    s_held = true;
    a.killed = false;
    a.seq = 2;
    a.put_at[0] = a.put_at[1] = INT32_MAX;
    a.in = s_new (false);
    s_run (&a);
    s_put (&a, true);
    vg_input_destroy (&a.in);
    vg_test_capture_free (&a.batch);
    ck_assert_msg (!strcmp (want, a.stored), "stored:\n%s\nwant\n%s", a.stored, want);
}
END_TEST

/* Throttled: nothing is read; the backlog follows once the spool has room. */
START_TEST (pauses_while_throttled)
{
    s_write_files ();
    static s_agent_t a;
    memset (&a, 0, sizeof a);
    a.put_at[0] = a.put_at[1] = INT32_MAX;
    a.in = s_new (true);
    s_host.throttled = true;
    vg_sink_t sink = { &a, s_a_device, s_a_sample, s_a_event };
    int64_t now = (int64_t) time (NULL) * 1000;
    for (int64_t mono = 0; mono < 10000; mono += 1000)
        ck_assert_int_eq (vg_input_service (a.in, now, mono, &sink), 0);
    ck_assert_int_eq (a.n, 0);
    ck_assert (!vg_input_done (a.in));
    s_host.throttled = false;
    s_run (&a);
    ck_assert_int_eq (a.n, NITEMS);
    vg_input_destroy (&a.in);
    vg_test_capture_free (&a.batch);
}
END_TEST

Suite *
vg_pmdir_input_suite (void)
{
    Suite *s = suite_create ("pmdir_input");
    TCase *tc = tcase_create ("exactly_once");
    tcase_add_checked_fixture (tc, setup, teardown);
    tcase_set_timeout (tc, 120);
    tcase_add_loop_test (tc, exactly_once_across_a_kill, 0, 2); /* without, with done_dir */
    tcase_add_test (tc, pauses_while_throttled);
    tcase_add_test (tc, seq_handed_out_again);
    suite_add_tcase (s, tc);
    return s;
}
