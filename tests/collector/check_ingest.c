/* check_ingest.c - the collector's trust boundary, admission: every batch from the network is
 * validated by vg_ingest_batch().  Valid batches (built by the agent's real batcher) are
 * admitted and counted; duplicates and gaps store nothing; an agent resumes where another
 * collector left it; unknown agents, devices outside an agent's list and samples outside the
 * time window are refused with a counter, and the store is left exactly as it was.  Hostile
 * bytes, the structural checks and the per-batch limits have their own suites
 * (check_ingest_hostile.c, check_ingest_checks.c, check_ingest_limits.c); the set-up they
 * share is fixture_ingest.c. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"
#include "proto/vigil.pb-c.h"
#include "tests/collector/fixture_ingest.h"
#include "tests/support/suite.h"

/* ---- admitted ---- */

START_TEST (valid_batch_admitted)
{
    vg_buf_t b = VG_BUF_INIT;
    fx_spec_t sp = fx_spec ("a1", 1);
    sp.nstate = 1;
    sp.nevents = 2;
    fx_build (&sp, &b);
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_str_eq (res.agent_id, "a1");
    ck_assert_uint_eq (res.epoch, 7);
    ck_assert_uint_eq (res.seq, 1);
    ck_assert_uint_eq (res.samples, 40);
    ck_assert_uint_eq (res.samples_rejected, 0);
    const vg_ingest_stats_t *st = vg_ingest_stats (fx_in);
    ck_assert_uint_eq (st->batches, 1);
    ck_assert_uint_eq (st->samples, 40);
    ck_assert_uint_eq (st->events, 2);
    ck_assert_uint_eq (st->series_new, 4);
    ck_assert_uint_eq (st->rejected, 0);
    ck_assert_uint_eq (st->bytes, b.len);
    ck_assert_uint_eq (vg_ingest_series_count (fx_in), 4);
    /* In the store: series metadata, every sample, the events, the agent's position. */
    ck_assert_uint_eq (fx_keys (VG_CF_SERIES), 4);
    ck_assert_int_eq (fx_samples_stored (), 40);
    ck_assert_uint_eq (fx_keys (VG_CF_EVENTS), 2);
    vg_buf_t v = VG_BUF_INIT;
    ck_assert_int_eq (vg_store_get (fx_store, VG_CF_AGENTS, "a1", 2, &v), 0);
    Vigil__AgentState *as = vigil__agent_state__unpack (NULL, v.len, v.data);
    ck_assert_ptr_nonnull (as);
    ck_assert_uint_eq (as->epoch, 7);
    ck_assert_uint_eq (as->committed_seq, 1);
    vigil__agent_state__free_unpacked (as, NULL);
    fx_assert_pos ("a1", 7, 1);
    /* A second batch of the same series adds samples, not series. */
    sp.seq = 2;
    sp.t0 += 10000;
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->series_new, 4);
    ck_assert_int_eq (fx_samples_stored (), 80);
    /* A new ingest over the same store knows the agent's position and the series. */
    vg_ingest_cfg_t c = fx_cfg ();
    fx_reopen (&c);
    fx_assert_pos ("a1", 0, 2);
    ck_assert_uint_eq (vg_ingest_series_count (fx_in), 4);
    vg_buf_free (&b);
    vg_buf_free (&v);
}
END_TEST

START_TEST (duplicate_stores_nothing)
{
    vg_buf_t b1 = VG_BUF_INIT, b2 = VG_BUF_INIT;
    fx_build_simple ("a1", 1, &b1);
    fx_build_simple ("a1", 2, &b2);
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed (&b1, &res), 0);
    ck_assert_int_eq (fx_feed (&b2, &res), 0);
    uint64_t before = fx_digest ();
    ck_assert_int_eq (fx_feed (&b2, &res), VG_INGEST_DUP);
    ck_assert_uint_eq (res.seq, 2);
    ck_assert_int_eq (fx_feed (&b1, &res), VG_INGEST_DUP); /* older than the committed seq */
    ck_assert_uint_eq (fx_digest (), before);
    ck_assert_int_eq (fx_samples_stored (), 60);
    const vg_ingest_stats_t *st = vg_ingest_stats (fx_in);
    ck_assert_uint_eq (st->duplicates, 2);
    ck_assert_uint_eq (st->batches, 2);
    ck_assert_uint_eq (st->rejected, 0);
    vg_buf_free (&b1);
    vg_buf_free (&b2);
}
END_TEST

/* An input that re-emits an interval (its progress record lost) sends the same samples and
 * events again under new sequence numbers, even in a new epoch (a wiped spool): the store
 * holds each (series, timestamp) and each event once. */
START_TEST (reemitted_interval_stored_once)
{
    vg_buf_t b = VG_BUF_INIT;
    fx_spec_t sp = fx_spec ("a1", 1);
    sp.nstate = 1;
    sp.nevents = 3;
    fx_build (&sp, &b);
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_int_eq (fx_samples_stored (), 40);
    ck_assert_uint_eq (fx_keys (VG_CF_EVENTS), 3);
    sp.seq = 2; /* the same interval again */
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 40); /* accepted: the store, not ingest, drops them */
    sp.epoch = 8;
    sp.seq = 1;
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_int_eq (fx_samples_stored (), 40);
    ck_assert_uint_eq (fx_keys (VG_CF_EVENTS), 3);
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->events, 9);
    vg_buf_free (&b);
}
END_TEST

START_TEST (gap_refused_for_retry)
{
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed_simple ("a1", 1, &b, &res), 0);
    uint64_t before = fx_digest ();
    ck_assert_int_eq (fx_feed_simple ("a1", 3, &b, &res), VG_INGEST_GAP);
    ck_assert_ptr_nonnull (strstr (res.reason, "expected seq 2"));
    ck_assert_uint_eq (res.expected_seq, 2);
    ck_assert_uint_eq (fx_digest (), before);
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->gaps, 1);
    fx_assert_pos ("a1", 0, 1);
    /* Resent in order: both go in. */
    ck_assert_int_eq (fx_feed_simple ("a1", 2, &b, &res), 0);
    ck_assert_int_eq (fx_feed_simple ("a1", 3, &b, &res), 0);
    /* A new epoch (a wiped spool) starts a new sequence space at any seq. */
    fx_spec_t sp = fx_spec ("a1", 5);
    sp.epoch = 8;
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    fx_assert_pos ("a1", 8, 5);
    ck_assert_int_eq (fx_samples_stored (), 120);
    vg_buf_free (&b);
}
END_TEST

/* An agent that failed over to another collector and came back: its HELLO says batches up
 * to 5 were acknowledged (by the other one), so this collector, at 2, continues after 5;
 * batch 6 is in sequence (without the resume it would be a gap forever: 3..5 never come). */
START_TEST (agent_resumes_after_another_collector)
{
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed_simple ("a1", 1, &b, &res), 0);
    ck_assert_int_eq (fx_feed_simple ("a1", 2, &b, &res), 0);
    ck_assert_int_eq (fx_feed_simple ("a1", 6, &b, &res), VG_INGEST_GAP);
    vg_store_txn_t *t = vg_store_txn_new (fx_store);
    ck_assert_int_eq (vg_ingest_agent_resume (fx_in, "zz", 7, 5, T0, t), 0);  /* unknown agent */
    ck_assert_int_eq (vg_ingest_agent_resume (fx_in, "a1", 7, 2, T0, t), 0);  /* nothing skipped */
    ck_assert_uint_eq (vg_store_txn_count (t), 0);
    ck_assert_int_eq (vg_ingest_agent_resume (fx_in, "a1", 7, 5, T0, t), 1);
    ck_assert_int_eq (vg_store_commit (fx_store, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->resumes, 1);
    fx_assert_pos ("a1", 0, 5);
    ck_assert_int_eq (fx_feed_simple ("a1", 4, &b, &res), VG_INGEST_DUP); /* held elsewhere: acknowledged, not stored */
    ck_assert_int_eq (fx_feed_simple ("a1", 6, &b, &res), 0);
    ck_assert_int_eq (fx_samples_stored (), 90);
    /* The position is durable: a reload from the store keeps it. */
    vg_ingest_rollback (fx_in);
    fx_assert_pos ("a1", 0, 6);
    vg_buf_free (&b);
}
END_TEST

/* A HELLO of an epoch the collector holds nothing of records where it starts: a later
 * batch that arrives first (its predecessors answered RETRY unread by a closed gate or a
 * rate limit) is a gap, not accepted; acknowledging it would make the agent drop the
 * others, its acknowledgements being cumulative.  A new epoch that another collector
 * already took up to 3 starts after 3 here too. */
START_TEST (new_epoch_starts_where_hello_says)
{
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    vg_store_txn_t *t = vg_store_txn_new (fx_store);
    ck_assert_int_eq (vg_ingest_agent_resume (fx_in, "a1", 7, 0, T0, t), 0); /* a fresh spool: nothing skipped */
    ck_assert_int_eq (vg_store_commit (fx_store, t, NULL, 0), 0);
    fx_assert_pos ("a1", 7, 0);
    ck_assert_int_eq (fx_feed_simple ("a1", 2, &b, &res), VG_INGEST_GAP);
    ck_assert_uint_eq (res.expected_seq, 1);
    ck_assert_int_eq (fx_samples_stored (), 0);
    ck_assert_int_eq (fx_feed_simple ("a1", 1, &b, &res), 0);
    ck_assert_int_eq (fx_feed_simple ("a1", 2, &b, &res), 0);
    ck_assert_int_eq (fx_samples_stored (), 60);
    /* the agent's spool was wiped (epoch 9) and a collector elsewhere holds 1..3 of it */
    vg_store_txn_clear (t);
    ck_assert_int_eq (vg_ingest_agent_resume (fx_in, "a1", 9, 3, T0, t), 1);
    ck_assert_int_eq (vg_store_commit (fx_store, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
    fx_assert_pos ("a1", 9, 3);
    vg_buf_free (&b);
}
END_TEST

/* A rejected batch that was next in order consumes its sequence number (the agent drops it
 * and sends the next one): committed, the agent's position moves past it and nothing else
 * is stored; the following batch is accepted, not a gap. */
START_TEST (rejected_in_order_batch_consumes_its_seq)
{
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed_simple ("a1", 1, &b, &res), 0);
    int before = fx_samples_stored ();
    Vigil__Batch bad = VIGIL__BATCH__INIT; /* a readable header, no string table */
    bad.agent_id = "a1";
    bad.epoch = 7;
    bad.seq = 2;
    uint8_t raw[64];
    size_t n = vigil__batch__pack (&bad, raw);
    vg_store_txn_t *t = vg_store_txn_new (fx_store);
    ck_assert_int_eq (vg_ingest_batch (fx_in, raw, n, T0, t, &res), -VG_EPROTO);
    ck_assert_uint_eq (vg_store_txn_count (t), 1);
    char err[256];
    ck_assert_msg (vg_store_commit (fx_store, t, err, sizeof err) == 0, "%s", err);
    vg_store_txn_destroy (&t);
    fx_assert_pos ("a1", 7, 2);
    ck_assert_int_eq (fx_samples_stored (), before);
    /* Durable: a new ingest over the store knows seq 2 is behind the agent. */
    vg_ingest_cfg_t c = fx_cfg ();
    fx_reopen (&c);
    fx_assert_pos ("a1", 0, 2);
    ck_assert_int_eq (fx_feed_simple ("a1", 3, &b, &res), 0);
    /* A rejected batch that is not next in order (a gap) consumes nothing. */
    bad.seq = 9;
    n = vigil__batch__pack (&bad, raw);
    ck_assert_int_eq (fx_feed_raw (fx_in, raw, n, &res), VG_INGEST_GAP);
    fx_assert_pos ("a1", 0, 3);
    vg_buf_free (&b);
}
END_TEST

START_TEST (unknown_agent_refused)
{
    vg_buf_t b = VG_BUF_INIT;
    fx_build_simple ("rogue", 1, &b);
    ck_assert (!vg_ingest_agent_known (fx_in, "rogue"));
    ck_assert (vg_ingest_agent_known (fx_in, "a2"));
    fx_expect_reject (b.data, b.len, -VG_EPROTO, "unknown agent");
    /* Allowed in development mode. */
    vg_ingest_cfg_t c = fx_cfg ();
    c.allow_unknown_agents = true;
    fx_reopen (&c);
    ck_assert (vg_ingest_agent_known (fx_in, "rogue"));
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_int_eq (fx_samples_stored (), 30);
    vg_buf_free (&b);
}
END_TEST

/* A reload replaces the agents list: a removed agent is refused, one added is admitted, one
 * listed again resumes at its committed sequence (a resent batch is a duplicate), and a
 * changed device list applies at once. */
START_TEST (agents_replaced_by_reload)
{
    vg_buf_t b1 = VG_BUF_INIT, b2 = VG_BUF_INIT, b3 = VG_BUF_INIT;
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed_simple ("a2", 1, &b1, &res), 0);
    static const char *const prod[] = { "prod/*" };
    const vg_agent_acl_t only_a1[] = { { "a1", prod, 1 }, { "a3", NULL, 0 } };
    ck_assert_int_eq (vg_ingest_set_agents (fx_in, only_a1, 2), 0);
    ck_assert (!vg_ingest_agent_known (fx_in, "a2"));
    ck_assert (vg_ingest_agent_known (fx_in, "a3"));
    fx_build_simple ("a2", 2, &b2);
    fx_expect_reject (b2.data, b2.len, -VG_EPROTO, "unknown agent 'a2'");
    fx_build_simple ("a1", 1, &b3); /* lab/r1: outside a1's new device list */
    fx_expect_reject (b3.data, b3.len, -VG_EPROTO, "may not report device 'lab/r1'");
    ck_assert_int_eq (fx_feed_simple ("a3", 1, &b3, &res), 0);
    /* a2 back: its position came from the store. */
    ck_assert_int_eq (vg_ingest_set_agents (fx_in, fx_acl, 2), 0);
    fx_assert_pos ("a2", 7, 1);
    ck_assert_int_eq (fx_feed (&b1, &res), VG_INGEST_DUP);
    ck_assert_int_eq (fx_feed (&b2, &res), 0);
    vg_buf_free (&b1);
    vg_buf_free (&b2);
    vg_buf_free (&b3);
}
END_TEST

START_TEST (device_outside_acl_refused)
{
    vg_buf_t b = VG_BUF_INIT;
    fx_spec_t sp = fx_spec ("a1", 1);
    sp.device = "prod/r1";
    fx_build (&sp, &b);
    fx_expect_reject (b.data, b.len, -VG_EPROTO, "may not report device 'prod/r1'");
    /* The same device from a2 (no device list) is fine, and a1's own devices too. */
    sp.agent = "a2";
    fx_build (&sp, &b);
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_int_eq (fx_feed_simple ("a1", 1, &b, &res), 0);
    vg_buf_free (&b);
}
END_TEST

START_TEST (time_window_enforced)
{
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    /* Straddling the past bound: 5 of 10 samples too old. */
    fx_spec_t sp = fx_spec ("a1", 1);
    sp.nseries = 1;
    sp.t0 = T0 - DAY - 5000;
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 5);
    ck_assert_uint_eq (res.samples_rejected, 5);
    ck_assert_ptr_nonnull (strstr (res.reason, "outside the accepted time window"));
    ck_assert_int_eq (fx_samples_stored (), 5);
    /* Straddling the future bound, plus two events in the future. */
    sp.seq = 2;
    sp.t0 = T0 + HOUR - 4000;
    sp.nevents = 2;
    sp.ev_t0 = T0 + 2 * HOUR;
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 5);
    ck_assert_uint_eq (res.samples_rejected, 5 + 2);
    ck_assert_int_eq (fx_samples_stored (), 10);
    ck_assert_uint_eq (fx_keys (VG_CF_EVENTS), 0);
    /* Entirely outside: the batch is valid (the agent's position moves) but stores no sample. */
    sp.seq = 3;
    sp.nevents = 0;
    sp.t0 = T0 - 30 * DAY;
    sp.nseries = 2;
    fx_build (&sp, &b);
    ck_assert_int_eq (fx_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 0);
    ck_assert_uint_eq (res.samples_rejected, 20);
    ck_assert_int_eq (fx_samples_stored (), 10);
    const vg_ingest_stats_t *st = vg_ingest_stats (fx_in);
    ck_assert_uint_eq (st->samples, 10);
    ck_assert_uint_eq (st->samples_rejected, 5 + 7 + 20);
    ck_assert_uint_eq (st->events, 0);
    vg_buf_free (&b);
}
END_TEST

Suite *
vg_ingest_suite (void)
{
    const TTest *admit[] = {
        valid_batch_admitted, duplicate_stores_nothing, reemitted_interval_stored_once,
        gap_refused_for_retry, agent_resumes_after_another_collector,
        new_epoch_starts_where_hello_says,
        rejected_in_order_batch_consumes_its_seq, unknown_agent_refused, agents_replaced_by_reload,
        device_outside_acl_refused,
        time_window_enforced,
    };
    return vg_test_suite ("ingest", "admit", admit, sizeof admit / sizeof admit[0], 60, fx_setup, fx_teardown);
}
