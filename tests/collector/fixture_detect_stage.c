/* fixture_detect_stage.c - the detect stage suites' shared set-up (fixture_detect_stage.h):
 * store, ingest and rules per test, stages on them, one-device batches, stored records. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/chunk.h"
#include "common/err.h"
#include "proto/vigil.pb-c.h"
#include "store/alert_store.h"
#include "tests/collector/fixture_detect_stage.h"
#include "tests/support/batch_pack.h"
#include "tests/support/ingest_fixture.h"
#include "tests/support/tmpdir.h"

const char *const ds_rules_text = RULES_HEAD R_CC R_LOGIN R_BGP;

char ds_dir[256];
char ds_rules[300];
vg_store_t *ds_store;
vg_ingest_t *ds_ingest;

void
ds_setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (ds_dir, sizeof ds_dir, "detstage"));
    ck_assert_ptr_nonnull (vg_test_path (ds_rules, sizeof ds_rules, ds_dir, "rules.yaml"));
    ck_assert_int_eq (vg_test_write_file (ds_rules, ds_rules_text, strlen (ds_rules_text)), 0);
    char path[300], err[256];
    snprintf (path, sizeof path, "%s/store", ds_dir);
    vg_store_cfg_t sc = { path, VG_STORE_RW, 7200000, false, 0 };
    ds_store = vg_store_open (&sc, err, sizeof err);
    ck_assert_msg (ds_store != NULL, "%s", err);
    ds_ingest = vg_test_ingest_new (ds_store);
}

void
ds_teardown (void)
{
    vg_ingest_destroy (&ds_ingest);
    vg_store_destroy (&ds_store);
    ck_assert_int_eq (vg_test_rmtree (ds_dir), 0);
}

vg_detect_stage_t *
ds_stage_or_null (void)
{
    vg_detect_stage_cfg_t cfg = { .rules_path = ds_rules, .tick_ms = 1000, .save_every_ms = 0 };
    char err[512];
    return vg_detect_stage_new (&cfg, ds_store, err, sizeof err);
}

vg_detect_stage_t *
ds_stage (void)
{
    vg_detect_stage_t *st = ds_stage_or_null ();
    ck_assert_msg (st != NULL, "stage over %s", ds_rules);
    return st;
}

/* The stage's counters now. */
vg_detect_stage_stats_t
ds_stats (vg_detect_stage_t *st)
{
    vg_detect_stage_stats_t s;
    vg_detect_stage_stats (st, &s);
    return s;
}

void
ds_batch (const ds_spec_t *sp, uint64_t seq, vg_buf_t *out)
{
    char *strings[] = { "", "/network-instances/bgp/neighbors/neighbor/state/session-state", "test", "peer",
                        "192.0.2.1" };
    Vigil__Device dev = VIGIL__DEVICE__INIT;
    dev.id = (char *) sp->dev;
    dev.vendor = "Acme";
    dev.model = "X1";
    dev.role = "router";
    dev.site = "lab";
    dev.sw_version = "1.0";
    Vigil__Device *devs[] = { &dev };
    Vigil__Batch b = vg_test_batch ("t1", seq, T0, strings, 5, devs, 1);

    Vigil__Series s = VIGIL__SERIES__INIT;
    Vigil__Series *sers[] = { &s };
    uint32_t labels[] = { 3, 4 };
    char *names[] = { "ESTABLISHED", "IDLE" };
    vg_buf_t chunk = VG_BUF_INIT;
    if (sp->st_n > 0) {
        int64_t ts[64];
        double v[64];
        ck_assert_int_le (sp->st_n, 64);
        for (int i = 0; i < sp->st_n; i++) {
            ts[i] = sp->st_ts0 + i * 10000LL;
            v[i] = sp->st_value;
        }
        ck_assert_int_eq (vg_chunk_encode (ts, v, (size_t) sp->st_n, &chunk), 0);
        s.device = 0;
        s.path = 1;
        s.n_labels = 2;
        s.labels = labels;
        s.kind = VIGIL__SERIES_KIND__SERIES_KIND_STATE;
        s.input = 2;
        s.count = (uint32_t) sp->st_n;
        s.chunk.data = chunk.data;
        s.chunk.len = chunk.len;
        s.n_state_names = 2;
        s.state_names = names;
        b.n_series = 1;
        b.series = sers;
    }
    Vigil__Event evs[8], *evp[8];
    Vigil__Attr attrs[8][8], *attrp[8][8];
    char kbuf[8][8][64];
    ck_assert_int_le (sp->nev, 8);
    for (size_t i = 0; i < sp->nev; i++) {
        vigil__event__init (&evs[i]);
        evs[i].device = 0;
        evs[i].ts_ms = sp->evs[i].ts;
        evs[i].type = (Vigil__EventType) sp->evs[i].type;
        evs[i].input = 2;
        size_t na = 0;
        for (; na < 8 && sp->evs[i].kv[na]; na++) {
            vigil__attr__init (&attrs[i][na]);
            snprintf (kbuf[i][na], sizeof kbuf[i][na], "%s", sp->evs[i].kv[na]);
            char *eq = strchr (kbuf[i][na], '=');
            ck_assert_ptr_nonnull (eq);
            *eq = '\0';
            attrs[i][na].key = kbuf[i][na];
            attrs[i][na].value = eq + 1;
            attrp[i][na] = &attrs[i][na];
        }
        evs[i].n_attrs = na;
        evs[i].attrs = attrp[i];
        evp[i] = &evs[i];
    }
    b.n_events = sp->nev;
    b.events = evp;
    vg_test_pack_batch (&b, out);
    vg_buf_free (&chunk);
}

/* Store the batch of sp as the server does, then hand it to the stage, whose next
 * `fail` commits fail (store fault seam); the stage's return code. */
int
ds_feed_failing (vg_detect_stage_t *st, const ds_spec_t *sp, uint64_t seq, int fail)
{
    vg_buf_t b = VG_BUF_INIT;
    ds_batch (sp, seq, &b);
    vg_store_txn_t *t = vg_store_txn_new (ds_store);
    vg_ingest_result_t res;
    ck_assert_msg (vg_ingest_batch (ds_ingest, b.data, b.len, T0, t, &res) == 0, "%s", res.reason);
    ck_assert_int_eq (vg_store_commit (ds_store, t, NULL, 0), 0);
    vg_ingest_commit (ds_ingest);
    vg_store_txn_destroy (&t);
    vg_store_fail_commits (ds_store, fail);
    int rc = vg_detect_stage_process (st, b.data, b.len, 0);
    vg_store_fail_commits (ds_store, 0);
    vg_buf_free (&b);
    return rc;
}

void
ds_feed (vg_detect_stage_t *st, const ds_spec_t *sp, uint64_t seq)
{
    ck_assert_int_eq (ds_feed_failing (st, sp, seq, 0), 0);
}

void
ds_feed_opening (vg_detect_stage_t *st)
{
    ds_ev_t ev1[] = { { T0, VG_EV_CONFIG_CHANGE, { "hash=aaa", "user=bob", NULL } } };
    ds_spec_t a = { "lab/r1", ev1, 1, T0, 12, 1 }; /* IDLE for 110 s: fires after 30 s */
    ds_feed (st, &a, 1);
    ds_spec_t a2 = { "lab/r1", NULL, 0, T0 + 120000, 6, 1 };
    ds_feed (st, &a2, 2);
}

static int
s_collect (void *ctx, int64_t t, const char *uid, int act, const char *json, size_t len)
{
    ds_rec_t *r = ctx;
    if (r->n == 64)
        return 1;
    r->t[r->n] = t;
    snprintf (r->uid[r->n], sizeof r->uid[r->n], "%s", uid);
    r->act[r->n] = act;
    snprintf (r->json[r->n], sizeof r->json[r->n], "%.*s", (int) len, json);
    r->n++;
    return 0;
}

ds_rec_t *
ds_stored (void)
{
    ds_rec_t *r = calloc (1, sizeof *r);
    ck_assert_int_eq (vg_alert_store_scan (ds_store, INT64_MIN, INT64_MAX, s_collect, r), 0);
    return r;
}

/* Records whose uid starts with prefix and have the activity (0 = any). */
int
ds_count (const ds_rec_t *r, const char *prefix, int act)
{
    int k = 0;
    for (int i = 0; i < r->n; i++)
        k += !strncmp (r->uid[i], prefix, strlen (prefix)) && (act == 0 || r->act[i] == act);
    return k;
}

/* A store in ds_dir/<sub> and a detect stage on it running rules_text (written to
 * ds_dir/<rules_file>) with cfg (its rules_path is filled in); the store in *store_p.
 * Destroy the stage, then the store. */
vg_detect_stage_t *
ds_stage_in (const char *sub, const char *rules_file, const char *rules_text, vg_detect_stage_cfg_t *cfg,
            vg_store_t **store_p)
{
    char dir[400], rules[420], err[512];
    snprintf (dir, sizeof dir, "%s/%s", ds_dir, sub);
    snprintf (rules, sizeof rules, "%s/%s", ds_dir, rules_file);
    ck_assert_int_eq (vg_test_write_file (rules, rules_text, strlen (rules_text)), 0);
    vg_store_cfg_t sc = { dir, VG_STORE_RW, 7200000, false, 0 };
    *store_p = vg_store_open (&sc, err, sizeof err);
    ck_assert_msg (*store_p != NULL, "%s", err);
    cfg->rules_path = rules;
    vg_detect_stage_t *st = vg_detect_stage_new (cfg, *store_p, err, sizeof err);
    ck_assert_msg (st != NULL, "%s", err);
    cfg->rules_path = NULL; /* a local of this function */
    return st;
}
