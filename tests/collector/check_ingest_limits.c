/* check_ingest_limits.c - the per-batch limits of ingest (series, events, samples per series,
 * samples in all) refuse a batch just over them and admit one at them; the per-agent series
 * ceiling refuses an agent's new series beyond it (counted), leaves other agents alone and
 * survives a restart.  Set-up: fixture_ingest.c. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"
#include "tests/collector/fixture_ingest.h"
#include "tests/support/suite.h"

/* ---- per-batch limits ---- */

/* The batch `over` must be refused as too big (reason containing why), leaving everything
 * as it was, and then `at` admitted: its result in *res. */
static void
s_over_then_at (const fx_spec_t *over, const fx_spec_t *at, const char *why, vg_ingest_result_t *res)
{
    vg_buf_t b = VG_BUF_INIT;
    fx_build (over, &b);
    fx_expect_reject (b.data, b.len, -VG_ETOOBIG, why);
    fx_build (at, &b);
    ck_assert_int_eq (fx_feed (&b, res), 0);
    vg_buf_free (&b);
}

START_TEST (limits_enforced)
{
    vg_ingest_result_t res;
    /* max_series 64 */
    fx_spec_t over = fx_spec ("a1", 1);
    over.nseries = 65;
    over.per = 1;
    fx_spec_t at = over;
    at.nseries = 64;
    s_over_then_at (&over, &at, "exceed max_series", &res);
    /* max_events 64 */
    over = fx_spec ("a1", 2);
    over.nevents = 65;
    at = over;
    at.nevents = 64;
    s_over_then_at (&over, &at, "exceed max_events", &res);
    /* max_series_samples 1000 */
    over = fx_spec ("a1", 3);
    over.nseries = 1;
    over.per = 1001;
    over.step = 10;
    at = over;
    at.per = 1000;
    s_over_then_at (&over, &at, "(limit 1000)", &res);
    ck_assert_uint_eq (res.samples, 1000);
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->rejected, 3);
}
END_TEST

/* ingest.max_samples bounds a batch's samples in total (a batch of long constant series
 * packs millions of samples in a few bytes each: the decode scratch would be the bomb). */
START_TEST (batch_samples_limit)
{
    vg_ingest_cfg_t c = fx_cfg ();
    c.max_samples = 50;
    fx_reopen (&c);
    fx_spec_t over = fx_spec ("a1", 1), at = fx_spec ("a1", 2);
    over.nseries = 6; /* 60 samples */
    at.nseries = 5;
    vg_ingest_result_t res;
    s_over_then_at (&over, &at, "ingest.max_samples 50", &res);
    ck_assert_uint_eq (res.samples, 50);
}
END_TEST

/* limits.agent_series: an agent's new series beyond its ceiling are refused (counted), its
 * known series go on, another agent is not affected, and the count survives a restart. */
START_TEST (agent_series_ceiling)
{
    vg_ingest_cfg_t c = fx_cfg ();
    c.max_agent_series = 5;
    fx_reopen (&c);
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    fx_spec_t sp = fx_spec ("a1", 1); /* 3 series x 10 samples */
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 30);
    sp = fx_spec ("a1", 2);
    sp.nseries = 8; /* m0..m2 known, m3 m4 fit, m5..m7 over */
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 50);
    ck_assert_uint_eq (res.series_refused, 30);
    ck_assert_uint_eq (res.samples_rejected, 30);
    ck_assert_ptr_nonnull (strstr (res.reason, "series ceiling"));
    ck_assert_uint_eq (vg_ingest_series_count (fx_in), 5);
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->series_refused, 30);
    /* another agent has its own ceiling */
    sp = fx_spec ("a2", 1);
    sp.device = "core/r9";
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 30);
    ck_assert_uint_eq (res.series_refused, 0);
    /* after a restart the agent's series are counted from the store */
    fx_reopen (&c);
    sp = fx_spec ("a1", 3);
    sp.nseries = 8;
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 50);
    ck_assert_uint_eq (res.series_refused, 30);
    ck_assert_uint_eq (vg_ingest_series_count (fx_in), 8);
    vg_buf_free (&b);
}
END_TEST

Suite *
vg_ingest_limits_suite (void)
{
    const TTest *limits[] = { limits_enforced, agent_series_ceiling, batch_samples_limit };
    return vg_test_suite ("ingest_limits", "limits", limits, sizeof limits / sizeof limits[0], 120, fx_setup,
                          fx_teardown);
}
