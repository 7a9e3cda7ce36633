/* check_sim_input.c - the sim input's progress record: written before each batch is put
 * with that batch's seq, so a restart resumes after what was spooled whether or not the
 * agent was killed between recording and putting (nothing repeated, nothing skipped). */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "agent/agent_cfg.h"
#include "agent/input.h"
#include "common/err.h"
#include "tests/support/capture_sink.h"
#include "tests/support/input_host.h"
#include "tests/support/tmpdir.h"

static char s_dir[64];
static bool s_held;           /* what the host says about the batch the record names */
static bool h_held (uint64_t epoch, uint64_t seq);
static vg_test_host_t s_host = { false, h_held, false };
static vg_test_capture_t s_cap; /* what the input delivered in its last step */

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "siminput"));
    vg_test_capture_init (&s_cap);
}

static void
teardown (void)
{
    vg_test_capture_free (&s_cap);
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

static bool
h_held (uint64_t epoch, uint64_t seq)
{
    ck_assert_uint_eq (epoch, 7);
    ck_assert_uint_eq (seq, 2);
    return s_held;
}

static vg_input_t *
s_new (vg_input_cfg_t *c)
{
    vg_sink_t sink = vg_test_capture_sink (&s_cap);
    vg_input_env_t env = { .cfg = c, .index = 0, .spool_dir = s_dir, .batch_max_samples = 1u << 20, .sink = &sink,
                           .host = vg_test_input_host (&s_host) };
    char err[256] = "";
    vg_input_t *in = vg_input_new (&env, err, sizeof err);
    ck_assert_msg (in != NULL, "%s", err);
    return in;
}

/* One realtime step (the clock far ahead: one step per turn); its time. */
static int64_t
s_step (vg_input_t *in)
{
    vg_test_capture_free (&s_cap);
    vg_sink_t sink = vg_test_capture_sink (&s_cap);
    ck_assert_int_eq (vg_input_service (in, INT64_MAX / 2, 0, &sink), 0);
    ck_assert_uint_gt (s_cap.nsamples, 0);
    return s_cap.samples[0].ts_ms;
}

/* A one-cell sim input (c: its config), steps 0-2 (times t[0..2]) spooled as seq 1, then
 * steps 3-4 (t[3..4]) delivered, not yet recorded. */
static vg_input_t *
s_five_steps (vg_input_cfg_t *c, int64_t t[5])
{
    memset (c, 0, sizeof *c);
    c->type = "sim";
    c->seed = 3;
    c->sites = 1;
    c->cells_per_gnb = 1;
    c->scenario = "";
    c->start = "2026-01-05T00:00:00Z";
    c->end = "";
    c->interval_ms = 60000;
    vg_input_t *in = s_new (c);
    for (int i = 0; i < 3; i++)
        t[i] = s_step (in);
    vg_input_will_spool (in, 7, 1);
    vg_input_spooled (in);
    for (int i = 3; i < 5; i++)
        t[i] = s_step (in);
    return in;
}

/* Steps 0-2 spooled as seq 1; steps 3-4 recorded for seq 2, then the agent dies before (or
 * after) the put.  The restart resumes at step 3 when seq 2 is not held, at step 5 when it
 * is (after a seq 3 holding no sim step, which leaves the record as it was). */
START_TEST (resumes_after_what_was_spooled)
{
    vg_input_cfg_t c;
    int64_t t[5];
    vg_input_t *in = s_five_steps (&c, t);
    ck_assert_int_eq (t[4] - t[3], 60000);
    vg_input_will_spool (in, 7, 2);
    s_held = _i;
    if (s_held) {
        /* Put; then a batch without a new step (seq 3) rewrites nothing: the record still
         * names seq 2 (h_held checks it). */
        vg_input_spooled (in);
        vg_input_will_spool (in, 7, 3);
    }
    vg_input_destroy (&in); /* killed here: the put of seq 2 did or did not happen */
    in = s_new (&c);
    ck_assert_int_eq (s_step (in), s_held ? t[4] + 60000 : t[3]);
    vg_input_destroy (&in);
}
END_TEST

/* Steps 3-4 recorded for seq 2, killed before the put; the restart resumes at step 3.  The
 * spool hands seq 2 out again, to a batch of another input put before the sim steps, and the
 * agent is killed again: the next restart still resumes at step 3 (seq 2 is held now, but
 * it does not hold steps 3-4).  Before the record was rewritten at the first restart, it
 * resumed at step 5: steps 3 and 4 were lost. */
START_TEST (seq_handed_out_again)
{
    vg_input_cfg_t c;
    int64_t t[5];
    vg_input_t *in = s_five_steps (&c, t);
    vg_input_will_spool (in, 7, 2);
    vg_input_destroy (&in); /* killed before the put of seq 2 */
    s_held = false;
    in = s_new (&c);
    vg_input_will_spool (in, 7, 2); /* another input's batch, seq 2 again; no sim step */
    vg_input_spooled (in);
    vg_input_destroy (&in); /* killed again */
    s_held = true;
    in = s_new (&c);
    ck_assert_int_eq (s_step (in), t[3]);
    vg_input_destroy (&in);
}
END_TEST

Suite *
vg_sim_input_suite (void)
{
    Suite *s = suite_create ("sim_input");
    TCase *tc = tcase_create ("resume");
    tcase_add_checked_fixture (tc, setup, teardown);
    tcase_set_timeout (tc, 60);
    tcase_add_loop_test (tc, resumes_after_what_was_spooled, 0, 2); /* not held, held */
    tcase_add_test (tc, seq_handed_out_again);
    suite_add_tcase (s, tc);
    return s;
}
