/* check_detect_stage.c - the collector's detect stage: batches in, alert records stored in
 * VG_CF_ALERTS, benign look-alikes silent, records kept over a failed commit, the threaded
 * path with its hooks, the same records for the same batches, and hostile batches and bad
 * configurations counted or refused without a crash.  Restarts and reloads, batch size and
 * arrival order, and idle live sources have their own suites (check_detect_stage_restart.c,
 * _order.c, _idle.c); the set-up they share is fixture_detect_stage.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "proto/vigil.pb-c.h"
#include "store/alert_store.h"
#include "tests/support/batch_pack.h"
#include "tests/support/tmpdir.h"
#include "tests/collector/fixture_detect_stage.h"
#include "tests/support/suite.h"

START_TEST (alerts_stored)
{
    vg_detect_stage_t *st = ds_stage ();
    ds_ev_t evs[] = {
        { T0, VG_EV_CONFIG_CHANGE, { "hash=aaa", "user=bob", "class=acl", NULL } },
        { T0 + 1000, VG_EV_LOGIN, { "user=eve", "source=203.0.113.7", "method=ssh", "result=success", NULL } },
    };
    ds_spec_t sp = { "lab/r1", evs, 2, 0, 0, 0 };
    ds_feed (st, &sp, 1);
    /* Benign look-alikes: a change inside the change window (other device), a login from the
     * bastion range. */
    ds_ev_t benign[] = {
        { T_NIGHT, VG_EV_CONFIG_CHANGE, { "hash=bbb", "user=ops", "class=acl", NULL } },
        { T0 + 2000, VG_EV_LOGIN, { "user=ops", "source=10.255.0.9", "method=ssh", "result=success", NULL } },
    };
    ds_spec_t sp2 = { "lab/r2", benign, 2, 0, 0, 0 };
    ds_feed (st, &sp2, 2);
    vg_detect_stage_stats_t s = ds_stats (st);
    ck_assert_uint_eq (s.batches, 2);
    ck_assert_uint_eq (s.events, 4);
    ck_assert_uint_eq (s.alerts, 2);
    ck_assert_uint_eq (s.commits, 1); /* the benign batch had nothing to write */
    vg_detect_stage_destroy (&st);
    ck_assert_ptr_null (st);

    ds_rec_t *r = ds_stored ();
    ck_assert_int_eq (r->n, 2);
    ck_assert_int_eq (ds_count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (ds_count (r, "login:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (ds_count (r, "cc:lab/r2", 0) + ds_count (r, "login:lab/r2", 0), 0);
    /* Time order, and the value is the OCSF JSON of the record. */
    ck_assert (r->t[0] == T0 && r->t[1] == T0 + 1000);
    ck_assert_ptr_nonnull (strstr (r->json[0], "\"class_uid\":2004"));
    ck_assert_ptr_nonnull (strstr (r->json[0], r->uid[0]));
    ck_assert_ptr_nonnull (strstr (r->json[1], "203.0.113.7"));
    free (r);
}
END_TEST

/* The store refuses the stage's commit (a full disk): the alert records are kept and go in
 * with the next commit that succeeds, not lost. */
START_TEST (failed_commit_keeps_alerts)
{
    vg_detect_stage_t *st = ds_stage ();
    ds_ev_t evs[] = { { T0, VG_EV_CONFIG_CHANGE, { "hash=aaa", "user=bob", "class=acl", NULL } } };
    ds_spec_t sp = { "lab/r1", evs, 1, 0, 0, 0 };
    ck_assert_int_lt (ds_feed_failing (st, &sp, 1, 1000), 0);
    vg_detect_stage_stats_t s = ds_stats (st);
    ck_assert_uint_ge (s.commit_errors, 1);
    ck_assert_uint_eq (s.alerts_lost, 0);
    ds_rec_t *r = ds_stored ();
    ck_assert_int_eq (r->n, 0);
    free (r);
    ds_ev_t later[] = {
        { T0 + 2000, VG_EV_LOGIN, { "user=ops", "source=10.255.0.9", "method=ssh", "result=success", NULL } },
    };
    ds_spec_t sp2 = { "lab/r2", later, 1, 0, 0, 0 };
    ds_feed (st, &sp2, 2); /* nothing of its own to write: the kept records are committed */
    s = ds_stats (st);
    ck_assert_uint_eq (s.alerts_lost, 0);
    ck_assert_uint_eq (s.commits, 1);
    r = ds_stored ();
    ck_assert_int_eq (ds_count (r, "cc:lab/r1", VG_ACT_CREATE), 1);
    ck_assert_int_eq (r->n, 1);
    free (r);
    vg_detect_stage_destroy (&st);
}
END_TEST

/* ---- the threaded path and its hooks ---- */

typedef struct {
    int alerts, commits, polls;
    int txn_ok;
} hooks_t;

static void
h_alert (void *ctx, const vg_alert_t *a, vg_store_txn_t *txn)
{
    hooks_t *h = ctx;
    h->alerts++;
    /* A companion record in the same write batch (what the outbox does). */
    uint8_t k[VG_ALERT_STORE_KEY_MAX];
    size_t kl = vg_alert_store_key (a, k);
    vg_store_txn_put (txn, VG_CF_OUTBOX, k, kl, "x", 1);
    h->txn_ok += vg_store_txn_count (txn) >= 2;
}

static void
h_commit (void *ctx)
{
    ((hooks_t *) ctx)->commits++;
}

static void
h_poll (void *ctx)
{
    ((hooks_t *) ctx)->polls++;
}

static int
s_count_kv (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (*(int *) ctx)++;
    return 0;
}

START_TEST (threaded_with_hooks)
{
    vg_detect_stage_t *st = ds_stage ();
    hooks_t h = { 0 };
    vg_detect_stage_on_alert (st, h_alert, &h);
    vg_detect_stage_on_committed (st, h_commit, &h);
    vg_detect_stage_poll_hook (st, h_poll, &h);
    ck_assert_int_eq (vg_detect_stage_submit (st, (const uint8_t *) "x", 1), -VG_EIO); /* not started */
    ck_assert_uint_eq (vg_detect_stage_queued_bytes (st), 0);
    ck_assert_int_eq (vg_detect_stage_start (st), 0);
    ck_assert_int_eq (vg_detect_stage_start (st), -VG_EINVAL);
    vg_buf_t bufs[20];
    const uint8_t *ptrs[20];
    size_t lens[20];
    vg_server_committed_t done[20];
    char users[20][32];
    for (int i = 0; i < 20; i++) {
        snprintf (users[i], sizeof users[i], "user=u%d", i);
        ds_ev_t ev[] = {
            { T0 + i * 60000LL, VG_EV_LOGIN, { users[i], "source=198.51.100.9", "result=success", NULL } },
        };
        char dev[32];
        snprintf (dev, sizeof dev, "lab/r%d", i % 4);
        ds_spec_t sp = { dev, ev, 1, 0, 0, 0 };
        bufs[i] = (vg_buf_t) VG_BUF_INIT;
        ds_batch (&sp, (uint64_t) i + 1, &bufs[i]);
        ptrs[i] = bufs[i].data;
        lens[i] = bufs[i].len;
        done[i] = (vg_server_committed_t) { ptrs[i], lens[i], NULL, 0, 0 };
    }
    /* Two commit groups, as the server hands them over. */
    vg_detect_stage_commit_fn (st, done, 10);
    vg_detect_stage_commit_fn (st, done + 10, 10);
    ck_assert_int_eq (vg_detect_stage_stop (st), 0);
    ck_assert_int_eq (vg_detect_stage_submit (st, ptrs[0], lens[0]), -VG_EIO); /* stopped */
    vg_detect_stage_stats_t s = ds_stats (st);
    ck_assert_uint_eq (s.batches, 20);
    ck_assert_uint_eq (s.queued, 0);
    ck_assert_uint_eq (s.queued_bytes, 0); /* every submitted byte was processed (the memory ceiling's measure) */
    ck_assert_uint_eq (s.saves, 1);
    ck_assert_uint_gt (s.save_bytes, 0);
    /* One login Create per device (later logins of the device extend its open episode,
     * as their signal differs they are separate episodes: count what the engine said). */
    ck_assert_uint_eq (s.alerts, s.engine.alerts);
    ck_assert_int_eq (h.alerts, (int) s.alerts);
    ck_assert_int_eq (h.txn_ok, h.alerts);
    ck_assert_int_ge (h.commits, 1);
    ck_assert_int_ge (h.polls, 1);
    vg_detect_stage_destroy (&st);
    ds_rec_t *r = ds_stored ();
    ck_assert_int_eq (r->n, (int) s.alerts);
    ck_assert_int_eq (ds_count (r, "login:lab/r", VG_ACT_CREATE), 20);
    free (r);
    int outbox = 0;
    ck_assert_int_eq (vg_store_scan (ds_store, VG_CF_OUTBOX, NULL, 0, NULL, 0, s_count_kv, &outbox), 0);
    ck_assert_int_eq (outbox, (int) s.alerts);
    for (int i = 0; i < 20; i++)
        vg_buf_free (&bufs[i]);
}
END_TEST

/* ---- determinism: the same batches into a fresh store give the same records ---- */

START_TEST (deterministic)
{
    char first[64][440];
    int n1 = 0;
    for (int run = 0; run < 2; run++) {
        if (run == 1) {
            ds_teardown ();
            ds_setup ();
        }
        vg_detect_stage_t *st = ds_stage ();
        ds_ev_t ev[] = { { T0, VG_EV_CONFIG_CHANGE, { "hash=aaa", NULL } },
                      { T0 + 5, VG_EV_REBOOT, { "reason=crash", NULL } } };
        ds_spec_t a = { "lab/r1", ev, 2, T0, 12, 1 };
        ds_feed (st, &a, 1);
        ds_spec_t b = { "lab/r1", NULL, 0, T0 + 200000, 30, 0 };
        ds_feed (st, &b, 2);
        vg_detect_stage_destroy (&st);
        ds_rec_t *r = ds_stored ();
        ck_assert_int_ge (r->n, 3);
        if (run == 0) {
            n1 = r->n;
            for (int i = 0; i < r->n; i++)
                snprintf (first[i], sizeof first[i], "%s/%d", r->uid[i], r->act[i]);
        } else {
            ck_assert_int_eq (r->n, n1);
            for (int i = 0; i < r->n; i++) {
                char k[sizeof first[0]];
                snprintf (k, sizeof k, "%s/%d", r->uid[i], r->act[i]);
                ck_assert_str_eq (k, first[i]);
            }
        }
        free (r);
    }
}
END_TEST

/* ---- hostile input and configuration errors ---- */

START_TEST (bad_batches_counted)
{
    vg_detect_stage_t *st = ds_stage ();
    uint8_t junk[64];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t) (i * 37 + 11);
    ck_assert_int_lt (vg_detect_stage_process (st, junk, sizeof junk, 0), 0);
    /* Valid protobuf, hostile content.  A state value beyond the names is a per-sample skip;
     * indices out of range or an unknown event type make the whole batch bad (the shared
     * batch reader, proto/batch.c, checks the structure before anything is fed). */
    vg_buf_t b = VG_BUF_INIT;
    ds_spec_t sp = { "lab/r1", NULL, 0, T0, 3, 1 };
    ds_batch (&sp, 1, &b);
    Vigil__Batch *pb = vigil__batch__unpack (NULL, b.len, b.data);
    ck_assert_ptr_nonnull (pb);
    pb->series[0]->n_state_names = 1; /* value 1 is now out of range */
    vg_buf_t b1 = VG_BUF_INIT;
    vg_test_pack_batch (pb, &b1);
    Vigil__Event e = VIGIL__EVENT__INIT, e2 = VIGIL__EVENT__INIT;
    e.device = 7; /* no such device */
    e2.type = (Vigil__EventType) 99;
    Vigil__Event *ep[] = { &e, &e2 };
    Vigil__Event **old = pb->events;
    size_t oldn = pb->n_events;
    pb->events = ep;
    pb->n_events = 2;
    vg_buf_t b2 = VG_BUF_INIT;
    vg_test_pack_batch (pb, &b2);
    pb->events = old;
    pb->n_events = oldn;
    pb->series[0]->n_state_names = 2;
    vigil__batch__free_unpacked (pb, NULL);
    ck_assert_int_eq (vg_detect_stage_process (st, b1.data, b1.len, 0), 0);
    ck_assert_int_lt (vg_detect_stage_process (st, b2.data, b2.len, 0), 0);
    vg_detect_stage_stats_t s = ds_stats (st);
    ck_assert_uint_eq (s.bad_batches, 2);
    ck_assert_uint_eq (s.batches, 1);
    ck_assert_uint_eq (s.skipped, 3);
    ck_assert_uint_eq (s.samples, 0);
    ck_assert_uint_eq (s.alerts, 0);
    vg_buf_free (&b1);
    vg_detect_stage_destroy (&st);
    vg_buf_free (&b);
    vg_buf_free (&b2);
}
END_TEST

START_TEST (config_errors)
{
    char err[512];
    vg_detect_stage_cfg_t cfg = { .rules_path = "/nonexistent/rules.yaml" };
    ck_assert_ptr_null (vg_detect_stage_new (&cfg, ds_store, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "/nonexistent/rules.yaml"));
    cfg.rules_path = NULL;
    ck_assert_ptr_null (vg_detect_stage_new (&cfg, ds_store, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "detect.rules"));
    char bad[300];
    const char *text = "rules:\n  - id: x\n    detector: no_such_kind\n";
    ck_assert_ptr_nonnull (vg_test_path (bad, sizeof bad, ds_dir, "bad.yaml"));
    ck_assert_int_eq (vg_test_write_file (bad, text, strlen (text)), 0);
    cfg.rules_path = bad;
    ck_assert_ptr_null (vg_detect_stage_new (&cfg, ds_store, err, sizeof err));
    ck_assert_ptr_nonnull (strstr (err, "bad.yaml"));
    vg_detect_stage_destroy (NULL);
}
END_TEST

Suite *
vg_detect_stage_suite (void)
{
    const vg_test_case_t cases[] = {
        { "alerts_stored", alerts_stored },
        { "failed_commit_keeps_alerts", failed_commit_keeps_alerts },
        { "threaded", threaded_with_hooks },
        { "deterministic", deterministic },
        { "bad_batches", bad_batches_counted },
        { "config_errors", config_errors },
    };
    return vg_test_cases_suite ("detect_stage", cases, sizeof cases / sizeof cases[0], 60, ds_setup, ds_teardown);
}
