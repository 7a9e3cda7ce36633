/* check_agent_throttle.c - the agent's loop pauses a replay-like input (the sim at speed
 * max) before its spool's bounds would refuse a batch, instead of turning what it produces
 * into gap events: with no collector and a 1 MiB spool, the sim stops short of its end and
 * nothing is dropped (tests/faults spool_full measured 69 % of the run dropped before). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "agent/agent.h"
#include "agent/spool.h"
#include "common/compress.h"
#include "common/config.h"
#include "proto/vigil.pb-c.h"
#include "tests/support/suite.h"
#include "tests/support/tmpdir.h"

/* Samples per step of the fleet below (2 sites): the agent logs it as series=654. */
#define SERIES 654

static char s_dir[64];
static volatile sig_atomic_t s_stop;

static void
s_on_alarm (int sig)
{
    (void) sig;
    s_stop = 1;
}

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "throttle"));
}

static void
teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

/* The sim input's progress record: its next step (ms), 0 before the first batch. */
static long long
s_position (void)
{
    char path[128], line[256] = "";
    snprintf (path, sizeof path, "%s/input-0.sim", s_dir);
    FILE *f = fopen (path, "r");
    if (!f)
        return 0;
    long long next = 0;
    char *p = fgets (line, sizeof line, f) ? strstr (line, " next ") : NULL;
    fclose (f);
    if (p)
        sscanf (p, " next %lld", &next);
    return next;
}

/* Run the agent's loop for about 100 ms. */
static void
s_run_a_while (vg_agent_t *a)
{
    s_stop = 0;
    struct itimerval t = { { 0, 0 }, { 0, 100000 } };
    ck_assert_int_eq (setitimer (ITIMER_REAL, &t, NULL), 0);
    ck_assert_int_eq (vg_agent_run (a, &s_stop, false), 0);
}

START_TEST (sim_pauses_before_the_spool_is_full)
{
    /* Two days of two sites: ~1.9 M samples, a few MiB of batches; port 9 never answers. */
    char yaml[1024];
    snprintf (yaml, sizeof yaml,
              "agent:\n  id: a1\ncollectors: [tcp://127.0.0.1:9]\n"
              "spool:\n  dir: %s\n  max_bytes: 1MiB\n  fsync: false\ncurve:\n  insecure: true\n"
              "inputs:\n  - type: sim\n    seed: 7\n    sites: 2\n    start: 2026-10-01T00:00:00Z\n"
              "    end: 2026-10-03T00:00:00Z\n    interval: 60s\n    speed: max\n",
              s_dir);
    const long long end = 1790985600000LL;
    vg_agent_cfg_t cfg;
    vg_cfg_error_t cerr;
    ck_assert_int_eq (vg_cfg_load_string (&vg_agent_cfg_table, "agent.yaml", yaml, &cfg, &cerr), 0);
    ck_assert_ptr_ne (signal (SIGALRM, s_on_alarm), SIG_ERR);
    char err[256] = "";
    vg_agent_t *a = vg_agent_new (&cfg, err, sizeof err);
    ck_assert_msg (a != NULL, "%s", err);
    /* Until the sim reaches its end or stands still for half a second (20 s at most). */
    long long pos = 0, last = -1;
    for (int turn = 0, still = 0; turn < 200 && still < 5 && pos < end; turn++) {
        s_run_a_while (a);
        pos = s_position ();
        still = pos == last && pos > 0 ? still + 1 : 0;
        last = pos;
    }
    vg_agent_destroy (&a);
    ck_assert_ptr_null (a);
    ck_assert_int_gt (pos, 0);
    ck_assert_msg (pos < end, "the sim ran to its end with nowhere to put it (dropped instead of pausing)");
    /* What it produced is in the spool, within its bound. */
    vg_spool_cfg_t sc = { s_dir, 1u << 20, 0, false };
    int rc = 0;
    vg_spool_t *sp = vg_spool_new (&sc, &rc);
    ck_assert_ptr_nonnull (sp);
    vg_spool_stats_t st;
    vg_spool_stats (sp, &st);
    ck_assert_uint_gt (st.batches, 2);
    ck_assert_uint_le (st.bytes, 1u << 20);
    /* Every step up to the recorded position is in the spooled batches, and no gap. */
    uint64_t samples = 0, gaps = 0;
    vg_buf_t raw = VG_BUF_INIT, plain = VG_BUF_INIT;
    for (uint64_t q = vg_spool_first (sp); q; q = vg_spool_after (sp, q)) {
        ck_assert_int_eq (vg_spool_get (sp, q, &raw), 0);
        ck_assert_int_eq (vg_zstd_decompress (raw.data, raw.len, 1u << 26, &plain), 0);
        Vigil__Batch *b = vigil__batch__unpack (NULL, plain.len, plain.data);
        ck_assert_ptr_nonnull (b);
        for (size_t i = 0; i < b->n_series; i++)
            samples += b->series[i]->count;
        for (size_t i = 0; i < b->n_events; i++)
            gaps += b->events[i]->type == VIGIL__EVENT_TYPE__EVENT_TYPE_GAP;
        vigil__batch__free_unpacked (b, NULL);
    }
    vg_buf_free (&raw);
    vg_buf_free (&plain);
    ck_assert_uint_eq (gaps, 0);
    ck_assert_uint_eq (samples, (uint64_t) (pos - 1790812800000LL) / 60000 * SERIES);
    vg_spool_destroy (&sp);
    vg_cfg_free (&vg_agent_cfg_table, &cfg);
}
END_TEST

Suite *
vg_agent_throttle_suite (void)
{
    const TTest *tests[] = { sim_pauses_before_the_spool_is_full };
    return vg_test_suite ("agent_throttle", "throttle", tests, sizeof tests / sizeof tests[0], 60, setup, teardown);
}
