/* check_detect_journal.c - the detect stage's journal (collector/detect_journal.c): batches
 * committed with a journal entry and never fed (queued when the collector died) are
 * analysed at the next start from the saved state, once; the alerts of entries up to the
 * "detj-done" mark are not written again; the journals a collector without the detect stage
 * or the fleet publisher finds are dropped.  Set-up: fixture_detect_stage.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/fleet_publish.h"
#include "common/err.h"
#include "tests/collector/fixture_detect_stage.h"
#include "tests/support/suite.h"

#define MARK_KEY "detj-done" /* detect_journal.c's mark record */

/* Store the batch of sp as the server does, with its journal entry under order, and do not
 * hand it to any stage (it was queued when the collector stopped). */
static void
journal_only (const ds_spec_t *sp, uint64_t seq, uint64_t order)
{
    vg_buf_t b = VG_BUF_INIT;
    ds_batch (sp, seq, &b);
    vg_store_txn_t *t = vg_store_txn_new (ds_store);
    vg_ingest_result_t res;
    ck_assert_msg (vg_ingest_batch (ds_ingest, b.data, b.len, T0, t, &res) == 0, "%s", res.reason);
    vg_detect_stage_journal (NULL, res.agent_id, res.epoch, res.seq, order, b.data, b.len, t);
    ck_assert_int_eq (vg_store_commit (ds_store, t, NULL, 0), 0);
    vg_ingest_commit (ds_ingest);
    vg_store_txn_destroy (&t);
    vg_buf_free (&b);
}

static int
count_one (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ++*(uint64_t *) ctx;
    return 0;
}

static uint64_t
journal_entries (void)
{
    uint64_t n = 0;
    ck_assert_int_eq (vg_store_scan (ds_store, VG_CF_DETSTATE, "detj/", 5, "detj0", 5, count_one, &n), 0);
    return n;
}

/* The first two batches analysed and saved; the last two committed with journal entries
 * only (mark: the "detj-done" order, 0 = none). */
static void
crash_with_queue (uint64_t mark)
{
    vg_detect_stage_t *st = ds_stage ();
    ds_feed_opening (st);
    vg_detect_stage_destroy (&st); /* saves state */
    ds_ev_t ev2[] = { { T0 + 600000, VG_EV_CONFIG_CHANGE, { "hash=ccc", "user=bob", NULL } } };
    ds_spec_t b = { "lab/r1", ev2, 1, T0 + 180000, 30, 1 }; /* still IDLE */
    journal_only (&b, 3, 1003);
    ds_spec_t c = { "lab/r1", NULL, 0, T0 + 900000, 30, 0 }; /* ESTABLISHED for 5 min: the Close */
    journal_only (&c, 4, 1004);
    if (mark) {
        uint8_t v[8];
        for (int i = 0; i < 8; i++)
            v[i] = (uint8_t) (mark >> (8 * (7 - i)));
        vg_store_txn_t *t = vg_store_txn_new (ds_store);
        vg_store_txn_put (t, VG_CF_DETSTATE, MARK_KEY, strlen (MARK_KEY), v, 8);
        ck_assert_int_eq (vg_store_commit (ds_store, t, NULL, 0), 0);
        vg_store_txn_destroy (&t);
    }
}

/* Restart: recover, stop. */
static void
restart (void)
{
    vg_detect_stage_t *st = ds_stage ();
    ck_assert_int_eq (vg_detect_stage_recover (st), 0);
    vg_detect_stage_destroy (&st);
}

/* The queued batches are analysed at the restart: the session episode is continued and
 * closed (the Close is in the last, never-fed batch), the journal is empty afterwards, and
 * a second restart analyses nothing again. */
START_TEST (queued_batches_analysed_once)
{
    crash_with_queue (0);
    ck_assert_uint_eq (journal_entries (), 2);
    restart ();
    ck_assert_uint_eq (journal_entries (), 0);
    ds_rec_t *r = ds_stored ();
    ck_assert_int_eq (ds_count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (ds_count (r, "bgp:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (ds_count (r, "bgp:lab/r1", VG_ACT_CLOSE), 1);
    int n = r->n;
    free (r);
    restart ();
    r = ds_stored ();
    ck_assert_int_eq (r->n, n);
    free (r);
}
END_TEST

/* Entries up to the mark were analysed before the stop with their alerts committed: fed
 * again for the state, their alerts are not written a second time. */
START_TEST (marked_batches_not_raised_again)
{
    crash_with_queue (1004);
    restart ();
    ck_assert_uint_eq (journal_entries (), 0);
    ds_rec_t *r = ds_stored ();
    ck_assert_int_eq (ds_count (r, "bgp:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (ds_count (r, "bgp:lab/r1", VG_ACT_CLOSE), 0); /* committed by the stopped run */
    free (r);
    vg_buf_t v = VG_BUF_INIT;
    ck_assert_int_eq (vg_store_get (ds_store, VG_CF_DETSTATE, MARK_KEY, strlen (MARK_KEY), &v), -VG_ENOTFOUND);
    vg_buf_free (&v);
}
END_TEST

/* Only the first entry marked: the second's alerts (the Close) are written. */
START_TEST (unmarked_batches_raised)
{
    crash_with_queue (1003);
    restart ();
    ds_rec_t *r = ds_stored ();
    ck_assert_int_eq (ds_count (r, "bgp:lab/r1", VG_ACT_CLOSE), 1);
    free (r);
}
END_TEST

/* The store refuses the recovery's commit (a full disk at start): recover says so, the
 * alerts are kept for the stage's next commit (here the one at stop), nothing is lost and
 * the journal is emptied by that save. */
START_TEST (refused_commit_keeps_alerts)
{
    crash_with_queue (0);
    vg_detect_stage_t *st = ds_stage ();
    vg_store_fail_commits (ds_store, 3); /* a commit is tried three times */
    ck_assert_int_lt (vg_detect_stage_recover (st), 0);
    vg_store_fail_commits (ds_store, 0);
    ck_assert_uint_eq (journal_entries (), 2);
    vg_detect_stage_destroy (&st);
    ck_assert_uint_eq (journal_entries (), 0);
    ds_rec_t *r = ds_stored ();
    ck_assert_int_eq (ds_count (r, "bgp:lab/r1", VG_ACT_CLOSE), 1);
    free (r);
}
END_TEST

static uint64_t
mark_now (void)
{
    vg_buf_t v = VG_BUF_INIT;
    uint64_t m = 0;
    if (vg_store_get (ds_store, VG_CF_DETSTATE, MARK_KEY, strlen (MARK_KEY), &v) == 0 && v.len == 8)
        for (int i = 0; i < 8; i++)
            m = m << 8 | v.data[i];
    vg_buf_free (&v);
    return m;
}

/* The running stage (the server's path: the commit hook with each batch's order): a commit
 * with alerts records the order its alerts go to; the save at stop deletes the entries
 * of the batches fed and the mark, and keeps the entry of a batch never handed over. */
START_TEST (running_stage_marks_and_saves)
{
    vg_detect_stage_t *st = ds_stage ();
    ck_assert_int_eq (vg_detect_stage_start (st), 0);
    ds_ev_t ev1[] = { { T0, VG_EV_CONFIG_CHANGE, { "hash=aaa", "user=bob", NULL } } };
    ds_spec_t specs[] = { { "lab/r1", ev1, 1, T0, 12, 1 }, { "lab/r1", NULL, 0, T0 + 120000, 6, 1 } };
    for (int i = 0; i < 2; i++) {
        vg_buf_t b = VG_BUF_INIT;
        ds_batch (&specs[i], (uint64_t) i + 1, &b);
        vg_store_txn_t *t = vg_store_txn_new (ds_store);
        vg_ingest_result_t res;
        ck_assert_msg (vg_ingest_batch (ds_ingest, b.data, b.len, T0, t, &res) == 0, "%s", res.reason);
        vg_detect_stage_journal (NULL, res.agent_id, res.epoch, res.seq, 501 + (uint64_t) i, b.data, b.len, t);
        ck_assert_int_eq (vg_store_commit (ds_store, t, NULL, 0), 0);
        vg_ingest_commit (ds_ingest);
        vg_store_txn_destroy (&t);
        vg_server_committed_t done = { b.data, b.len, NULL, 0, 501 + (uint64_t) i };
        vg_detect_stage_commit_fn (st, &done, 1);
        vg_buf_free (&b);
    }
    ds_spec_t c = { "lab/r1", NULL, 0, T0 + 180000, 6, 1 };
    journal_only (&c, 3, 503);
    for (int i = 0; i < 1000 && (ds_stats (st).batches < 2 || mark_now () < 501); i++)
        usleep (10000);
    ck_assert_uint_eq (ds_stats (st).batches, 2);
    ck_assert_uint_ge (mark_now (), 501); /* the cc Create's commit */
    ck_assert_uint_le (mark_now (), 502);
    ck_assert_uint_eq (journal_entries (), 3);
    vg_detect_stage_destroy (&st); /* the save at stop */
    ck_assert_uint_eq (journal_entries (), 1);
    ck_assert_uint_eq (mark_now (), 0);
    st = ds_stage ();
    ck_assert_int_eq (vg_detect_stage_recover (st), 0); /* the one never handed over */
    ck_assert_uint_eq (ds_stats (st).batches, 1);
    vg_detect_stage_destroy (&st);
    ck_assert_uint_eq (journal_entries (), 0);
}
END_TEST

/* A collector without the stage (or the publisher) drops what an earlier run left. */
START_TEST (journals_dropped_when_off)
{
    crash_with_queue (1003);
    vg_store_txn_t *t = vg_store_txn_new (ds_store);
    vg_fleet_pub_journal (NULL, "t1", 7, 1, 0, (const uint8_t *) "x", 1, t);
    vg_fleet_pub_journal (NULL, "t1", 7, 2, 0, (const uint8_t *) "y", 1, t);
    vg_fleet_pub_journal (NULL, "t2", 7, 1, 0, (const uint8_t *) "z", 1, t);
    ck_assert_int_eq (vg_store_commit (ds_store, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
    ck_assert_int_eq (vg_detect_journal_drop (ds_store), 2);
    ck_assert_int_eq (vg_fleet_pub_journal_drop (ds_store), 3);
    ck_assert_uint_eq (journal_entries (), 0);
    vg_buf_t v = VG_BUF_INIT;
    ck_assert_int_eq (vg_store_get (ds_store, VG_CF_DETSTATE, MARK_KEY, strlen (MARK_KEY), &v), -VG_ENOTFOUND);
    ck_assert_int_eq (vg_store_get (ds_store, VG_CF_DETSTATE, "engine", 6, &v), 0); /* the state stays */
    vg_buf_free (&v);
    ck_assert_int_eq (vg_detect_journal_drop (ds_store), 0);
    ck_assert_int_eq (vg_fleet_pub_journal_drop (ds_store), 0);
}
END_TEST

Suite *
vg_detect_journal_suite (void)
{
    const vg_test_case_t cases[] = {
        { "queued_batches_analysed_once", queued_batches_analysed_once },
        { "marked_batches_not_raised_again", marked_batches_not_raised_again },
        { "unmarked_batches_raised", unmarked_batches_raised },
        { "refused_commit_keeps_alerts", refused_commit_keeps_alerts },
        { "running_stage_marks_and_saves", running_stage_marks_and_saves },
        { "journals_dropped_when_off", journals_dropped_when_off },
    };
    return vg_test_cases_suite ("detect_journal", cases, sizeof cases / sizeof cases[0], 60, ds_setup, ds_teardown);
}
