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
#include "tests/agent/fixture_agent.h"
#include "tests/support/capture_sink.h"
#include "tests/support/input_host.h"
#include "tests/support/tmpdir.h"

#define MONO_END 100000 /* service the input for at most this mono ms */
#define NFILES 3
#define PER_FILE 6 /* 2 cells x 3 counters */
#define NITEMS (NFILES * PER_FILE)

static char s_dir[64], s_in[128], s_done[128];
static bool s_held;
static bool h_held (uint64_t epoch, uint64_t seq);
static vg_test_host_t s_host = { false, h_held, false };

/* The simulated agent (fixture_agent.h): items since the last put wait in `batch`; a put
 * made moves them to `stored`. */
typedef struct {
    fx_agent_t ag;
    vg_test_capture_t batch;
    char stored[16384];      /* the batches put, as text lines */
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

/* Settle a written file: its mtime a minute ago, so the input takes it as complete. */
static void
s_settle (const char *path)
{
    struct timeval tv[2];
    gettimeofday (&tv[0], NULL);
    tv[0].tv_sec -= 60;
    tv[1] = tv[0];
    ck_assert_int_eq (utimes (path, tv), 0);
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
        s_settle (path);
    }
}

static bool
h_held (uint64_t epoch, uint64_t seq)
{
    return fx_agent_held (epoch, seq, s_held);
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
    return fx_agent_input (&c, s_dir, &s_host);
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

/* A made put: the batch moves to stored. */
static void
s_commit (void *ctx)
{
    s_agent_t *a = ctx;
    s_text (&a->batch, a->stored, sizeof a->stored);
    vg_test_capture_free (&a->batch);
}

/* An item into the open batch. */
static int
s_add (void *ctx, const vg_point_t *p)
{
    s_agent_t *a = ctx;
    vg_sink_t b = vg_test_capture_sink (&a->batch);
    return vg_sink_sample (&b, p);
}

/* A fresh agent, no puts placed yet. */
static void
s_init (s_agent_t *a)
{
    memset (a, 0, sizeof *a);
    fx_agent_init (&a->ag, a, s_add, s_commit);
}

/* One uninterrupted run (done_dir or not), every item in the puts at its end: what it
 * stores, into want. */
static void
s_reference (bool done_dir, char *want)
{
    static s_agent_t ref;
    s_init (&ref);
    ref.ag.put_at[0] = ref.ag.put_at[1] = NITEMS;
    ref.ag.made[0] = ref.ag.made[1] = true;
    ref.ag.in = s_new (done_dir);
    fx_agent_run (&ref.ag, MONO_END);
    ck_assert_int_eq (ref.ag.n, NITEMS);
    strcpy (want, ref.stored);
    vg_input_destroy (&ref.ag.in);
}

/* Every (first put, second put, made or not, done_dir or not): the restarted input completes
 * the store to exactly what one uninterrupted run stores. */
START_TEST (exactly_once_across_a_kill)
{
    static char want[16384];
    bool done_dir = _i;
    s_write_files ();
    s_reference (done_dir, want);
    for (long k1 = 0; k1 <= NITEMS; k1++)
        for (long k2 = k1 + 1; k2 <= NITEMS + 1; k2++)
            for (int held = 0; held < 2; held++) {
                ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
                setup ();
                s_write_files ();
                static s_agent_t a;
                s_init (&a);
                fx_agent_kill_run (&a.ag, s_new (done_dir), k1, k2, held, MONO_END);
                vg_test_capture_free (&a.batch);
                s_held = held;
                /* the restart runs to the end, puts then */
                fx_agent_run_to_end (&a.ag, s_new (done_dir), INT32_MAX, MONO_END);
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
    s_reference (false, want);
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
    setup ();
    s_write_files ();
    static s_agent_t a;
    s_init (&a);
    fx_agent_kill_run (&a.ag, s_new (false), 5, 11, false, MONO_END); /* before the put of seq 2 */
    vg_test_capture_free (&a.batch);
    s_held = false;
    a.ag.in = s_new (false);
    vg_input_will_spool (a.ag.in, 7, 2); /* another input's batch, seq 2 again */
    vg_input_spooled (a.ag.in);
    vg_input_destroy (&a.ag.in); /* killed again */
    s_held = true;
    a.ag.seq = 2;
    fx_agent_run_to_end (&a.ag, s_new (false), INT32_MAX, MONO_END);
    vg_test_capture_free (&a.batch);
    ck_assert_msg (!strcmp (want, a.stored), "stored:\n%s\nwant\n%s", a.stored, want);
}
END_TEST

/* Throttled: nothing is read; the backlog follows once the spool has room. */
START_TEST (pauses_while_throttled)
{
    s_write_files ();
    static s_agent_t a;
    s_init (&a);
    a.ag.put_at[0] = a.ag.put_at[1] = INT32_MAX;
    a.ag.in = s_new (true);
    s_host.throttled = true;
    vg_sink_t sink = fx_agent_sink (&a.ag);
    int64_t now = (int64_t) time (NULL) * 1000;
    for (int64_t mono = 0; mono < 10000; mono += 1000)
        ck_assert_int_eq (vg_input_service (a.ag.in, now, mono, &sink), 0);
    ck_assert_int_eq (a.ag.n, 0);
    ck_assert (!vg_input_done (a.ag.in));
    s_host.throttled = false;
    fx_agent_run (&a.ag, MONO_END);
    ck_assert_int_eq (a.ag.n, NITEMS);
    vg_input_destroy (&a.ag.in);
    vg_test_capture_free (&a.batch);
}
END_TEST

/* One settled PM file `name` of gnb1 whose ROP begins at begin (RFC 3339) and ends at end. */
static void
s_write_named (const char *name, const char *begin, const char *end, int value)
{
    char path[256];
    snprintf (path, sizeof path, "%s/%s", s_in, name);
    FILE *fp = fopen (path, "w");
    ck_assert_ptr_nonnull (fp);
    fprintf (fp,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<measCollecFile xmlns=\"http://www.3gpp.org/ftp/specs/archive/32_series/32.435#measCollec\">\n"
             "<fileHeader fileFormatVersion=\"32.435 V10.0\" vendorName=\"VendorT\"><fileSender elementType=\"gNB\"/>"
             "<measCollec beginTime=\"%s\"/></fileHeader>\n"
             "<measData><managedElement localDn=\"gnb1\"/><measInfo measInfoId=\"c\">"
             "<granPeriod duration=\"PT900S\" endTime=\"%s\"/><measType p=\"1\">RRC.ConnEstabAtt</measType>"
             "<measValue measObjLdn=\"NRCellDU=1\"><r p=\"1\">%d</r></measValue>"
             "</measInfo></measData></measCollecFile>\n",
             begin, end, value);
    ck_assert_int_eq (fclose (fp), 0);
    s_settle (path);
}

/* TS 32.432 names with and without UTC offsets in one backlog: "A20260105.1200-1215_..."
 * (Ericsson writes no offset) is 12:00 UTC, and "-1215" is the end time, not UTC-12:15;
 * the Nokia-style file with +0100 (12:15 UTC) comes after it, the 11:45 one before. */
START_TEST (names_without_offsets_in_time_order)
{
    s_write_named ("A20260105.1200-1215_gnb1.xml", "2026-01-05T12:00:00Z", "2026-01-05T12:15:00Z", 2);
    s_write_named ("A20260105.1315+0100-1330+0100_gnb1.xml", "2026-01-05T13:15:00+01:00", "2026-01-05T13:30:00+01:00",
                   3);
    s_write_named ("A20260105.1145-1200_gnb1.xml", "2026-01-05T11:45:00Z", "2026-01-05T12:00:00Z", 1);
    static s_agent_t a;
    s_init (&a);
    a.ag.put_at[0] = a.ag.put_at[1] = 3;
    a.ag.made[0] = a.ag.made[1] = true;
    a.ag.in = s_new (false);
    fx_agent_run (&a.ag, MONO_END);
    ck_assert_int_eq (a.ag.n, 3);
    /* the values in the order stored: 1, 2, 3 */
    const char *p1 = strstr (a.stored, " 1\n"), *p2 = strstr (a.stored, " 2\n"), *p3 = strstr (a.stored, " 3\n");
    ck_assert_msg (p1 && p2 && p3 && p1 < p2 && p2 < p3, "stored out of data-time order:\n%s", a.stored);
    vg_input_destroy (&a.ag.in);
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
    tcase_add_test (tc, names_without_offsets_in_time_order);
    suite_add_tcase (s, tc);
    return s;
}
