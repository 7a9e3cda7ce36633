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

START_TEST (limits_enforced)
{
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    fx_spec_t sp = fx_spec ("a1", 1);
    /* max_series 64 */
    sp.nseries = 65;
    sp.per = 1;
    fx_build (&sp, &b);
    fx_expect_reject (b.data, b.len, -VG_ETOOBIG, "exceed max_series");
    sp.nseries = 64;
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    /* max_events 64 */
    sp = fx_spec ("a1", 2);
    sp.nevents = 65;
    fx_build (&sp, &b);
    fx_expect_reject (b.data, b.len, -VG_ETOOBIG, "exceed max_events");
    sp.nevents = 64;
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    /* max_series_samples 1000 */
    sp = fx_spec ("a1", 3);
    sp.nseries = 1;
    sp.per = 1001;
    sp.step = 10;
    fx_build (&sp, &b);
    fx_expect_reject (b.data, b.len, -VG_ETOOBIG, "(limit 1000)");
    sp.per = 1000;
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 1000);
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->rejected, 3);
    vg_buf_free (&b);
}
END_TEST

/* ingest.max_samples bounds a batch's samples in total (a batch of long constant series
 * packs millions of samples in a few bytes each: the decode scratch would be the bomb). */
START_TEST (batch_samples_limit)
{
    vg_ingest_cfg_t c = fx_cfg ();
    c.max_samples = 50;
    fx_reopen (&c);
    vg_buf_t b = VG_BUF_INIT;
    fx_spec_t sp = fx_spec ("a1", 1);
    sp.nseries = 6; /* 60 samples */
    fx_build (&sp, &b);
    fx_expect_reject (b.data, b.len, -VG_ETOOBIG, "ingest.max_samples 50");
    sp = fx_spec ("a1", 2);
    sp.nseries = 5;
    fx_build (&sp, &b);
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 50);
    vg_buf_free (&b);
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
