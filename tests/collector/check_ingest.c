/* check_ingest.c - the collector's trust boundary: every batch from the network is validated
 * by vg_ingest_batch().  Valid batches (built by the agent's real batcher) are admitted and
 * counted; duplicates and gaps store nothing; unknown agents, ACL violations, hostile bytes
 * (truncations, random buffers, every single-bit flip) and each structural check (one
 * mutation per check) are refused with a counter, and the store is left exactly as it was.
 * One concept (the ingest contract); long because every check of ingest.c has its own case,
 * and removing any one of them makes a case fail. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/batcher.h"
#include "collector/ingest.h"
#include "common/err.h"
#include "common/hash.h"
#include "proto/vigil.pb-c.h"
#include "store/sample_merge.h"
#include "store/store.h"
#include "tests/support/batch_pack.h"
#include "tests/support/tmpdir.h"
#include "tests/support/suite.h"

#define T0 1767614400000LL /* "now" of every ingest call */
#define DAY 86400000LL
#define HOUR 3600000LL

static char s_dir[64];
static vg_store_t *s_store;
static vg_ingest_t *s_in;

static const char *const s_a1_devices[] = { "lab/*" };
static const vg_agent_acl_t s_acl[] = { { "a1", s_a1_devices, 1 }, { "a2", NULL, 0 } };

static vg_ingest_cfg_t
s_cfg (void)
{
    vg_ingest_cfg_t c = { .max_past_ms = DAY, .max_future_ms = HOUR, .max_batch_bytes = 4 << 20,
                          .max_series = 64, .max_events = 64, .max_series_samples = 1000,
                          .allow_unknown_agents = false, .agents = s_acl, .nagents = 2 };
    return c;
}

static vg_ingest_t *
s_new_ingest (const vg_ingest_cfg_t *c)
{
    char err[256];
    vg_ingest_t *in = vg_ingest_new (c, s_store, err, sizeof err);
    ck_assert_msg (in != NULL, "%s", err);
    return in;
}

static void
setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "ingest"));
    char err[256];
    vg_store_cfg_t sc = { s_dir, VG_STORE_RW, HOUR, false, 0 };
    s_store = vg_store_open (&sc, err, sizeof err);
    ck_assert_msg (s_store != NULL, "%s", err);
    vg_ingest_cfg_t c = s_cfg ();
    s_in = s_new_ingest (&c);
}

static void
teardown (void)
{
    vg_ingest_destroy (&s_in);
    ck_assert_ptr_null (s_in);
    vg_ingest_destroy (&s_in); /* NULL-safe */
    vg_store_destroy (&s_store);
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

/* ---- batches, built by the agent's batcher (uncompressed: the server inflates zstd) ---- */

typedef struct {
    const char *agent, *device;
    uint64_t epoch, seq;
    int nseries, per;   /* gauge series /t/m<i>, `per` samples each */
    int64_t t0, step;   /* sample j at t0 + j * step */
    int nstate;         /* state series /t/state<i>, UP/DOWN alternating */
    int nevents;        /* login events at ev_t0 + k */
    int64_t ev_t0;
} s_spec_t;

static s_spec_t
s_spec (const char *agent, uint64_t seq)
{
    s_spec_t sp = { agent, "lab/r1", 7, seq, 3, 10, T0 - 60000, 1000, 0, 0, T0 - 1000 };
    return sp;
}

static void
s_build (const s_spec_t *sp, vg_buf_t *out)
{
    uint32_t total = (uint32_t) ((sp->nseries + sp->nstate) * sp->per);
    vg_batcher_cfg_t cfg = { sp->agent, total + 16, (uint32_t) sp->nevents + 8,
                             (uint32_t) (sp->nseries + sp->nstate) + 8, 1000, -1 };
    vg_batcher_t *b = vg_batcher_new (&cfg);
    ck_assert_ptr_nonnull (b);
    vg_sink_t sink = vg_batcher_sink (b);
    vg_device_t d = { sp->device, "Acme", "X1", "router", "lab", "1.0" };
    ck_assert_int_eq (sink.device (sink.ctx, &d), 0);
    char path[64];
    vg_label_t l = { "name", "ge-0/0/0" };
    for (int s = 0; s < sp->nseries + sp->nstate; s++) {
        bool state = s >= sp->nseries;
        snprintf (path, sizeof path, state ? "/t/state%d" : "/t/m%d", s);
        for (int j = 0; j < sp->per; j++) {
            vg_point_t p = { 0 };
            p.device = sp->device;
            p.path = path;
            p.labels = &l;
            p.nlabels = 1;
            p.kind = state ? VG_KIND_STATE : VG_KIND_GAUGE;
            p.input = "test";
            p.ts_ms = sp->t0 + j * sp->step;
            p.value = s * 1000 + j;
            p.state = state ? (j % 2 ? "DOWN" : "UP") : NULL;
            ck_assert_int_eq (sink.sample (sink.ctx, &p), 0);
        }
    }
    vg_label_t attrs[] = { { "user", "root" }, { "source", "192.0.2.9" } };
    for (int k = 0; k < sp->nevents; k++) {
        vg_event_t e = { sp->device, sp->ev_t0 + k, VG_EV_LOGIN, attrs, 2, NULL, NULL, "test" };
        ck_assert_int_eq (sink.event (sink.ctx, &e), 0);
    }
    vg_buf_reset (out);
    ck_assert_int_gt (vg_batcher_flush (b, sp->epoch, sp->seq, T0, out), 0);
    vg_batcher_destroy (&b);
}

static void
s_build_simple (const char *agent, uint64_t seq, vg_buf_t *out)
{
    s_spec_t sp = s_spec (agent, seq);
    s_build (&sp, out);
}

/* ---- the store as seen from outside ---- */

typedef struct {
    uint64_t h;
    size_t keys;
    int64_t samples;
} s_acc_t;

static int
s_acc_kv (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_acc_t *a = ctx;
    a->h = vg_hash64 (k, kl, a->h);
    a->h = vg_hash64 (v, vl, a->h);
    a->keys++;
    return 0;
}

static int
s_acc_samples (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_acc_t *a = ctx;
    (void) k;
    (void) kl;
    int64_t n = vg_sample_value_count (v, vl);
    ck_assert_int_ge (n, 0);
    a->samples += n;
    a->keys++;
    return 0;
}

static size_t
s_keys (vg_cf_t cf)
{
    s_acc_t a = { 0, 0, 0 };
    ck_assert_int_eq (vg_store_scan (s_store, cf, NULL, 0, NULL, 0, s_acc_kv, &a), 0);
    return a.keys;
}

static int64_t
s_samples_stored (void)
{
    s_acc_t a = { 0, 0, 0 };
    ck_assert_int_eq (vg_store_scan (s_store, VG_CF_SAMPLES, NULL, 0, NULL, 0, s_acc_samples, &a), 0);
    return a.samples;
}

/* A digest of every key and value ingest may write. */
static uint64_t
s_digest (void)
{
    s_acc_t a = { 1, 0, 0 };
    const vg_cf_t cfs[] = { VG_CF_SERIES, VG_CF_SAMPLES, VG_CF_EVENTS, VG_CF_AGENTS };
    for (size_t i = 0; i < sizeof cfs / sizeof cfs[0]; i++)
        ck_assert_int_eq (vg_store_scan (s_store, cfs[i], NULL, 0, NULL, 0, s_acc_kv, &a), 0);
    return a.h ^ a.keys;
}

/* ---- feeding ---- */

/* A batch that was not accepted left nothing in the txn, except that a rejected batch which
 * was the agent's next one consumes its sequence number: one write, the agent's position.
 * The txn is not committed here, so the view is reloaded from the store (as the server
 * does when a group is abandoned) and the tests below see the state from before. */
static void
s_check_refused_txn (vg_ingest_t *in, vg_store_txn_t *t, int rc)
{
    size_t max = rc < 0 && rc != -VG_ENOMEM ? 1 : 0;
    ck_assert_msg (vg_store_txn_count (t) <= max, "rc %d but %zu writes added", rc, vg_store_txn_count (t));
    if (vg_store_txn_count (t))
        vg_ingest_rollback (in);
}

/* Ingest p[0..len) into a fresh txn; commit it when accepted.  Whenever the batch is not
 * accepted, the txn must have been left empty. */
static int
s_feed_raw (vg_ingest_t *in, const uint8_t *p, size_t len, vg_ingest_result_t *res)
{
    vg_store_txn_t *t = vg_store_txn_new (s_store);
    ck_assert_ptr_nonnull (t);
    int rc = vg_ingest_batch (in, p, len, T0, t, res);
    if (rc == 0) {
        char err[256];
        ck_assert_msg (vg_store_commit (s_store, t, err, sizeof err) == 0, "%s", err);
        vg_ingest_commit (in);
    } else {
        s_check_refused_txn (in, t, rc);
    }
    vg_store_txn_destroy (&t);
    return rc;
}

static int
s_feed (const vg_buf_t *b, vg_ingest_result_t *res)
{
    return s_feed_raw (s_in, b->data, b->len, res);
}

/* Build agent's simple batch seq (s_build_simple) into *b and feed it: s_feed's result. */
static int
s_feed_simple (const char *agent, uint64_t seq, vg_buf_t *b, vg_ingest_result_t *res)
{
    s_build_simple (agent, seq, b);
    return s_feed (b, res);
}

/* Fail unless agent's committed position is batch seq of epoch (0: of any epoch). */
static void
s_assert_pos (const char *agent, uint64_t epoch, uint64_t seq)
{
    uint64_t e = 0, q = 0;
    vg_ingest_agent_state (s_in, agent, &e, &q);
    if (epoch)
        ck_assert_uint_eq (e, epoch);
    ck_assert_uint_eq (q, seq);
}

/* Ingest without committing: an accepted batch is forgotten again (rollback reloads the
 * view from the store).  For sweeps over many hostile variants. */
static int
s_probe (const uint8_t *p, size_t len)
{
    vg_ingest_result_t res;
    vg_store_txn_t *t = vg_store_txn_new (s_store);
    int rc = vg_ingest_batch (s_in, p, len, T0, t, &res);
    if (rc == 0)
        vg_ingest_rollback (s_in);
    else
        s_check_refused_txn (s_in, t, rc);
    vg_store_txn_destroy (&t);
    return rc;
}

/* The batch must be refused with `code`, counted once, reason containing `why`, and leave
 * the store and the agents' state as they were. */
static void
s_expect_reject (const uint8_t *p, size_t len, int code, const char *why)
{
    uint64_t before = s_digest ();
    uint64_t rejected = vg_ingest_stats (s_in)->rejected, batches = vg_ingest_stats (s_in)->batches;
    uint64_t e0, q0, e1, q1;
    vg_ingest_agent_state (s_in, "a1", &e0, &q0);
    vg_ingest_result_t res;
    int rc = s_feed_raw (s_in, p, len, &res);
    ck_assert_msg (rc == code, "expected %d (%s), got %d: %s", code, why, rc, res.reason);
    ck_assert_uint_eq (vg_ingest_stats (s_in)->rejected, rejected + 1);
    ck_assert_uint_eq (vg_ingest_stats (s_in)->batches, batches);
    ck_assert_msg (strstr (res.reason, why) != NULL, "reason '%s' lacks '%s'", res.reason, why);
    ck_assert_uint_eq (s_digest (), before);
    vg_ingest_agent_state (s_in, "a1", &e1, &q1);
    ck_assert_uint_eq (e1, e0);
    ck_assert_uint_eq (q1, q0);
}

/* ---- admitted ---- */

START_TEST (valid_batch_admitted)
{
    vg_buf_t b = VG_BUF_INIT;
    s_spec_t sp = s_spec ("a1", 1);
    sp.nstate = 1;
    sp.nevents = 2;
    s_build (&sp, &b);
    vg_ingest_result_t res;
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_str_eq (res.agent_id, "a1");
    ck_assert_uint_eq (res.epoch, 7);
    ck_assert_uint_eq (res.seq, 1);
    ck_assert_uint_eq (res.samples, 40);
    ck_assert_uint_eq (res.samples_rejected, 0);
    const vg_ingest_stats_t *st = vg_ingest_stats (s_in);
    ck_assert_uint_eq (st->batches, 1);
    ck_assert_uint_eq (st->samples, 40);
    ck_assert_uint_eq (st->events, 2);
    ck_assert_uint_eq (st->series_new, 4);
    ck_assert_uint_eq (st->rejected, 0);
    ck_assert_uint_eq (st->bytes, b.len);
    ck_assert_uint_eq (vg_ingest_series_count (s_in), 4);
    /* In the store: series metadata, every sample, the events, the agent's position. */
    ck_assert_uint_eq (s_keys (VG_CF_SERIES), 4);
    ck_assert_int_eq (s_samples_stored (), 40);
    ck_assert_uint_eq (s_keys (VG_CF_EVENTS), 2);
    vg_buf_t v = VG_BUF_INIT;
    ck_assert_int_eq (vg_store_get (s_store, VG_CF_AGENTS, "a1", 2, &v), 0);
    Vigil__AgentState *as = vigil__agent_state__unpack (NULL, v.len, v.data);
    ck_assert_ptr_nonnull (as);
    ck_assert_uint_eq (as->epoch, 7);
    ck_assert_uint_eq (as->committed_seq, 1);
    vigil__agent_state__free_unpacked (as, NULL);
    s_assert_pos ("a1", 7, 1);
    /* A second batch of the same series adds samples, not series. */
    sp.seq = 2;
    sp.t0 += 10000;
    s_build (&sp, &b);
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_uint_eq (vg_ingest_stats (s_in)->series_new, 4);
    ck_assert_int_eq (s_samples_stored (), 80);
    /* A new ingest over the same store knows the agent's position and the series. */
    vg_ingest_destroy (&s_in);
    vg_ingest_cfg_t c = s_cfg ();
    s_in = s_new_ingest (&c);
    s_assert_pos ("a1", 0, 2);
    ck_assert_uint_eq (vg_ingest_series_count (s_in), 4);
    vg_buf_free (&b);
    vg_buf_free (&v);
}
END_TEST

START_TEST (duplicate_stores_nothing)
{
    vg_buf_t b1 = VG_BUF_INIT, b2 = VG_BUF_INIT;
    s_build_simple ("a1", 1, &b1);
    s_build_simple ("a1", 2, &b2);
    vg_ingest_result_t res;
    ck_assert_int_eq (s_feed (&b1, &res), 0);
    ck_assert_int_eq (s_feed (&b2, &res), 0);
    uint64_t before = s_digest ();
    ck_assert_int_eq (s_feed (&b2, &res), VG_INGEST_DUP);
    ck_assert_uint_eq (res.seq, 2);
    ck_assert_int_eq (s_feed (&b1, &res), VG_INGEST_DUP); /* older than the committed seq */
    ck_assert_uint_eq (s_digest (), before);
    ck_assert_int_eq (s_samples_stored (), 60);
    const vg_ingest_stats_t *st = vg_ingest_stats (s_in);
    ck_assert_uint_eq (st->duplicates, 2);
    ck_assert_uint_eq (st->batches, 2);
    ck_assert_uint_eq (st->rejected, 0);
    vg_buf_free (&b1);
    vg_buf_free (&b2);
}
END_TEST

START_TEST (gap_refused_for_retry)
{
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    ck_assert_int_eq (s_feed_simple ("a1", 1, &b, &res), 0);
    uint64_t before = s_digest ();
    ck_assert_int_eq (s_feed_simple ("a1", 3, &b, &res), VG_INGEST_GAP);
    ck_assert_ptr_nonnull (strstr (res.reason, "expected seq 2"));
    ck_assert_uint_eq (res.expected_seq, 2);
    ck_assert_uint_eq (s_digest (), before);
    ck_assert_uint_eq (vg_ingest_stats (s_in)->gaps, 1);
    s_assert_pos ("a1", 0, 1);
    /* Resent in order: both go in. */
    ck_assert_int_eq (s_feed_simple ("a1", 2, &b, &res), 0);
    ck_assert_int_eq (s_feed_simple ("a1", 3, &b, &res), 0);
    /* A new epoch (a wiped spool) starts a new sequence space at any seq. */
    s_spec_t sp = s_spec ("a1", 5);
    sp.epoch = 8;
    s_build (&sp, &b);
    ck_assert_int_eq (s_feed (&b, &res), 0);
    s_assert_pos ("a1", 8, 5);
    ck_assert_int_eq (s_samples_stored (), 120);
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
    ck_assert_int_eq (s_feed_simple ("a1", 1, &b, &res), 0);
    ck_assert_int_eq (s_feed_simple ("a1", 2, &b, &res), 0);
    ck_assert_int_eq (s_feed_simple ("a1", 6, &b, &res), VG_INGEST_GAP);
    vg_store_txn_t *t = vg_store_txn_new (s_store);
    ck_assert_int_eq (vg_ingest_agent_resume (s_in, "zz", 7, 5, T0, t), 0);  /* unknown agent */
    ck_assert_int_eq (vg_ingest_agent_resume (s_in, "a1", 7, 2, T0, t), 0);  /* nothing skipped */
    ck_assert_uint_eq (vg_store_txn_count (t), 0);
    ck_assert_int_eq (vg_ingest_agent_resume (s_in, "a1", 7, 5, T0, t), 1);
    ck_assert_int_eq (vg_store_commit (s_store, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
    ck_assert_uint_eq (vg_ingest_stats (s_in)->resumes, 1);
    s_assert_pos ("a1", 0, 5);
    ck_assert_int_eq (s_feed_simple ("a1", 4, &b, &res), VG_INGEST_DUP); /* held elsewhere: acknowledged, not stored */
    ck_assert_int_eq (s_feed_simple ("a1", 6, &b, &res), 0);
    ck_assert_int_eq (s_samples_stored (), 90);
    /* The position is durable: a reload from the store keeps it. */
    vg_ingest_rollback (s_in);
    s_assert_pos ("a1", 0, 6);
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
    vg_store_txn_t *t = vg_store_txn_new (s_store);
    ck_assert_int_eq (vg_ingest_agent_resume (s_in, "a1", 7, 0, T0, t), 0); /* a fresh spool: nothing skipped */
    ck_assert_int_eq (vg_store_commit (s_store, t, NULL, 0), 0);
    s_assert_pos ("a1", 7, 0);
    ck_assert_int_eq (s_feed_simple ("a1", 2, &b, &res), VG_INGEST_GAP);
    ck_assert_uint_eq (res.expected_seq, 1);
    ck_assert_int_eq (s_samples_stored (), 0);
    ck_assert_int_eq (s_feed_simple ("a1", 1, &b, &res), 0);
    ck_assert_int_eq (s_feed_simple ("a1", 2, &b, &res), 0);
    ck_assert_int_eq (s_samples_stored (), 60);
    /* the agent's spool was wiped (epoch 9) and a collector elsewhere holds 1..3 of it */
    vg_store_txn_clear (t);
    ck_assert_int_eq (vg_ingest_agent_resume (s_in, "a1", 9, 3, T0, t), 1);
    ck_assert_int_eq (vg_store_commit (s_store, t, NULL, 0), 0);
    vg_store_txn_destroy (&t);
    s_assert_pos ("a1", 9, 3);
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
    ck_assert_int_eq (s_feed_simple ("a1", 1, &b, &res), 0);
    int before = s_samples_stored ();
    Vigil__Batch bad = VIGIL__BATCH__INIT; /* a readable header, no string table */
    bad.agent_id = "a1";
    bad.epoch = 7;
    bad.seq = 2;
    uint8_t raw[64];
    size_t n = vigil__batch__pack (&bad, raw);
    vg_store_txn_t *t = vg_store_txn_new (s_store);
    ck_assert_int_eq (vg_ingest_batch (s_in, raw, n, T0, t, &res), -VG_EPROTO);
    ck_assert_uint_eq (vg_store_txn_count (t), 1);
    char err[256];
    ck_assert_msg (vg_store_commit (s_store, t, err, sizeof err) == 0, "%s", err);
    vg_store_txn_destroy (&t);
    s_assert_pos ("a1", 7, 2);
    ck_assert_int_eq (s_samples_stored (), before);
    /* Durable: a new ingest over the store knows seq 2 is behind the agent. */
    vg_ingest_destroy (&s_in);
    vg_ingest_cfg_t c = s_cfg ();
    s_in = s_new_ingest (&c);
    s_assert_pos ("a1", 0, 2);
    ck_assert_int_eq (s_feed_simple ("a1", 3, &b, &res), 0);
    /* A rejected batch that is not next in order (a gap) consumes nothing. */
    bad.seq = 9;
    n = vigil__batch__pack (&bad, raw);
    ck_assert_int_eq (s_feed_raw (s_in, raw, n, &res), VG_INGEST_GAP);
    s_assert_pos ("a1", 0, 3);
    vg_buf_free (&b);
}
END_TEST

START_TEST (unknown_agent_refused)
{
    vg_buf_t b = VG_BUF_INIT;
    s_build_simple ("rogue", 1, &b);
    ck_assert (!vg_ingest_agent_known (s_in, "rogue"));
    ck_assert (vg_ingest_agent_known (s_in, "a2"));
    s_expect_reject (b.data, b.len, -VG_EPROTO, "unknown agent");
    /* Allowed in development mode. */
    vg_ingest_destroy (&s_in);
    vg_ingest_cfg_t c = s_cfg ();
    c.allow_unknown_agents = true;
    s_in = s_new_ingest (&c);
    ck_assert (vg_ingest_agent_known (s_in, "rogue"));
    vg_ingest_result_t res;
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_int_eq (s_samples_stored (), 30);
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
    ck_assert_int_eq (s_feed_simple ("a2", 1, &b1, &res), 0);
    static const char *const prod[] = { "prod/*" };
    const vg_agent_acl_t only_a1[] = { { "a1", prod, 1 }, { "a3", NULL, 0 } };
    ck_assert_int_eq (vg_ingest_set_agents (s_in, only_a1, 2), 0);
    ck_assert (!vg_ingest_agent_known (s_in, "a2"));
    ck_assert (vg_ingest_agent_known (s_in, "a3"));
    s_build_simple ("a2", 2, &b2);
    s_expect_reject (b2.data, b2.len, -VG_EPROTO, "unknown agent 'a2'");
    s_build_simple ("a1", 1, &b3); /* lab/r1: outside a1's new device list */
    s_expect_reject (b3.data, b3.len, -VG_EPROTO, "may not report device 'lab/r1'");
    ck_assert_int_eq (s_feed_simple ("a3", 1, &b3, &res), 0);
    /* a2 back: its position came from the store. */
    ck_assert_int_eq (vg_ingest_set_agents (s_in, s_acl, 2), 0);
    s_assert_pos ("a2", 7, 1);
    ck_assert_int_eq (s_feed (&b1, &res), VG_INGEST_DUP);
    ck_assert_int_eq (s_feed (&b2, &res), 0);
    vg_buf_free (&b1);
    vg_buf_free (&b2);
    vg_buf_free (&b3);
}
END_TEST

START_TEST (device_outside_acl_refused)
{
    vg_buf_t b = VG_BUF_INIT;
    s_spec_t sp = s_spec ("a1", 1);
    sp.device = "prod/r1";
    s_build (&sp, &b);
    s_expect_reject (b.data, b.len, -VG_EPROTO, "may not report device 'prod/r1'");
    /* The same device from a2 (no device list) is fine, and a1's own devices too. */
    sp.agent = "a2";
    s_build (&sp, &b);
    vg_ingest_result_t res;
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_int_eq (s_feed_simple ("a1", 1, &b, &res), 0);
    vg_buf_free (&b);
}
END_TEST

START_TEST (time_window_enforced)
{
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    /* Straddling the past bound: 5 of 10 samples too old. */
    s_spec_t sp = s_spec ("a1", 1);
    sp.nseries = 1;
    sp.t0 = T0 - DAY - 5000;
    s_build (&sp, &b);
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 5);
    ck_assert_uint_eq (res.samples_rejected, 5);
    ck_assert_ptr_nonnull (strstr (res.reason, "outside the accepted time window"));
    ck_assert_int_eq (s_samples_stored (), 5);
    /* Straddling the future bound, plus two events in the future. */
    sp.seq = 2;
    sp.t0 = T0 + HOUR - 4000;
    sp.nevents = 2;
    sp.ev_t0 = T0 + 2 * HOUR;
    s_build (&sp, &b);
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 5);
    ck_assert_uint_eq (res.samples_rejected, 5 + 2);
    ck_assert_int_eq (s_samples_stored (), 10);
    ck_assert_uint_eq (s_keys (VG_CF_EVENTS), 0);
    /* Entirely outside: the batch is valid (the agent's position moves) but stores no sample. */
    sp.seq = 3;
    sp.nevents = 0;
    sp.t0 = T0 - 30 * DAY;
    sp.nseries = 2;
    s_build (&sp, &b);
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 0);
    ck_assert_uint_eq (res.samples_rejected, 20);
    ck_assert_int_eq (s_samples_stored (), 10);
    const vg_ingest_stats_t *st = vg_ingest_stats (s_in);
    ck_assert_uint_eq (st->samples, 10);
    ck_assert_uint_eq (st->samples_rejected, 5 + 7 + 20);
    ck_assert_uint_eq (st->events, 0);
    vg_buf_free (&b);
}
END_TEST

/* ---- hostile bytes ---- */

START_TEST (oversized_batch_refused)
{
    vg_buf_t b = VG_BUF_INIT;
    s_build_simple ("a1", 1, &b);
    vg_ingest_destroy (&s_in);
    vg_ingest_cfg_t c = s_cfg ();
    c.max_batch_bytes = b.len - 1;
    s_in = s_new_ingest (&c);
    s_expect_reject (b.data, b.len, -VG_ETOOBIG, "exceeds max_batch_bytes");
    /* Exactly at the limit is fine. */
    vg_ingest_destroy (&s_in);
    c.max_batch_bytes = b.len;
    s_in = s_new_ingest (&c);
    vg_ingest_result_t res;
    ck_assert_int_eq (s_feed (&b, &res), 0);
    vg_buf_free (&b);
}
END_TEST

/* Offsets in p[0..len) where a top-level protobuf field ends (a truncation there is a
 * shorter but well-formed message).  Returns how many were written to ends. */
static size_t
s_field_ends (const uint8_t *p, size_t len, size_t *ends, size_t cap)
{
    size_t off = 0, n = 0;
    while (off < len && n < cap) {
        uint64_t tag = 0, v = 0;
        int sh = 0;
        while (off < len && (p[off] & 0x80))
            tag |= (uint64_t) (p[off++] & 0x7f) << sh, sh += 7;
        ck_assert_uint_lt (off, len);
        tag |= (uint64_t) p[off++] << sh;
        switch (tag & 7) {
        case 0:
            while (p[off] & 0x80)
                off++;
            off++;
            break;
        case 2:
            sh = 0;
            while (p[off] & 0x80)
                v |= (uint64_t) (p[off++] & 0x7f) << sh, sh += 7;
            v |= (uint64_t) p[off++] << sh;
            off += v;
            break;
        case 1:
            off += 8;
            break;
        case 5:
            off += 4;
            break;
        default:
            ck_abort_msg ("unexpected wire type in a batch we built");
        }
        ck_assert_uint_le (off, len);
        ends[n++] = off;
    }
    return n;
}

START_TEST (truncations_refused)
{
    vg_buf_t b = VG_BUF_INIT;
    s_spec_t sp = s_spec ("a1", 1);
    sp.nstate = 1;
    sp.nevents = 2;
    s_build (&sp, &b);
    size_t ends[256];
    size_t nends = s_field_ends (b.data, b.len, ends, 256);
    ck_assert_uint_eq (ends[nends - 1], b.len);
    uint64_t before = s_digest ();
    size_t refused = 0, boundary = 0;
    for (size_t cut = 0; cut < b.len; cut++) {
        bool at_boundary = cut == 0;
        for (size_t i = 0; i < nends; i++)
            at_boundary |= ends[i] == cut;
        uint8_t *copy = malloc (cut ? cut : 1); /* exact size: reads past it are caught by ASan */
        memcpy (copy, b.data, cut);
        int rc = s_probe (copy, cut);
        free (copy);
        if (!at_boundary)
            ck_assert_msg (rc < 0, "cut at %zu of %zu inside a field: rc %d", cut, b.len, rc);
        refused += rc < 0;
        boundary += at_boundary;
    }
    ck_assert_uint_ge (refused, b.len - boundary);
    ck_assert_uint_eq (vg_ingest_stats (s_in)->rejected, refused);
    ck_assert_uint_eq (s_digest (), before);
    /* The whole batch still goes in afterwards. */
    vg_ingest_result_t res;
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 40);
    vg_buf_free (&b);
}
END_TEST

static uint64_t
s_rand (uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

START_TEST (random_bytes_refused)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL, before = s_digest ();
    uint8_t buf[600];
    const int rounds = 3000;
    for (int r = 0; r < rounds; r++) {
        size_t len = (size_t) (s_rand (&seed) % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t) s_rand (&seed);
        /* Half of them start like a batch of a known agent, to get past the first checks. */
        if (r % 2 && len > 8)
            memcpy (buf, "\x0a\x02" "a1\x10\x07\x18\x01", 8);
        ck_assert_int_lt (s_probe (buf, len), 0);
    }
    ck_assert_uint_eq (vg_ingest_stats (s_in)->rejected, (uint64_t) rounds);
    ck_assert_uint_eq (vg_ingest_stats (s_in)->batches, 0);
    ck_assert_uint_eq (s_digest (), before);
}
END_TEST

START_TEST (bit_flips_never_corrupt)
{
    /* Every single-bit flip of a valid batch: either refused (nothing added, counted once)
     * or accepted as a different well-formed batch (a flipped sample value, say), which
     * is then rolled back.  Never a crash, never a partial write. */
    vg_buf_t b = VG_BUF_INIT;
    s_spec_t sp = s_spec ("a1", 1);
    sp.nstate = 1;
    sp.nevents = 2;
    s_build (&sp, &b);
    uint64_t before = s_digest ();
    uint8_t *copy = malloc (b.len);
    size_t refused = 0, accepted = 0;
    for (size_t i = 0; i < b.len; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy (copy, b.data, b.len);
            copy[i] ^= (uint8_t) (1u << bit);
            uint64_t rej = vg_ingest_stats (s_in)->rejected;
            int rc = s_probe (copy, b.len);
            if (rc < 0) {
                refused++;
                ck_assert_uint_eq (vg_ingest_stats (s_in)->rejected, rej + 1);
            } else {
                accepted += rc == 0;
                ck_assert_uint_eq (vg_ingest_stats (s_in)->rejected, rej);
            }
        }
    free (copy);
    /* Both happen: flips in lengths, tags and indices are refused, flips in values not. */
    ck_assert_uint_gt (refused, b.len);
    ck_assert_uint_gt (accepted, 0);
    ck_assert_uint_eq (s_digest (), before);
    s_assert_pos ("a1", 0, 0);
    vg_ingest_result_t res;
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 40);
    vg_buf_free (&b);
}
END_TEST

/* ---- one mutation per structural check ----
 * A valid batch is unpacked with a tracking allocator (so mutations can point fields at new
 * memory without protobuf-c freeing it), mutated, packed again and fed. */

typedef struct {
    void **p;
    size_t n, cap;
} s_track_t;

static void *
s_talloc (void *data, size_t size)
{
    s_track_t *t = data;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->p = realloc (t->p, t->cap * sizeof *t->p);
        ck_assert_ptr_nonnull (t->p);
    }
    void *p = calloc (1, size ? size : 1);
    ck_assert_ptr_nonnull (p);
    t->p[t->n++] = p;
    return p;
}

static void
s_tfree (void *data, void *p)
{
    (void) data;
    (void) p; /* freed all at once */
}

static void
s_track_free (s_track_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        free (t->p[i]);
    free (t->p);
    memset (t, 0, sizeof *t);
}

static char *
s_tstr (s_track_t *t, char c, size_t n)
{
    char *s = s_talloc (t, n + 1);
    memset (s, c, n);
    return s;
}

typedef void (*s_mut_fn) (Vigil__Batch *b, s_track_t *t);

static void m_agent_empty (Vigil__Batch *b, s_track_t *t) { (void) t; b->agent_id = ""; }
static void m_agent_long (Vigil__Batch *b, s_track_t *t) { b->agent_id = s_tstr (t, 'a', VG_MAX_ID_LEN + 1); }
static void m_epoch_zero (Vigil__Batch *b, s_track_t *t) { (void) t; b->epoch = 0; }
static void m_seq_zero (Vigil__Batch *b, s_track_t *t) { (void) t; b->seq = 0; }
static void m_no_strings (Vigil__Batch *b, s_track_t *t) { (void) t; b->n_strings = 0; }
static void m_string0 (Vigil__Batch *b, s_track_t *t) { (void) t; b->strings[0] = "x"; }
static void m_string_long (Vigil__Batch *b, s_track_t *t)
{
    b->strings[b->n_strings - 1] = s_tstr (t, 's', VG_MAX_PATH_LEN + 1);
}
static void m_device_id_empty (Vigil__Batch *b, s_track_t *t) { (void) t; b->devices[0]->id = ""; }
static void m_vendor_long (Vigil__Batch *b, s_track_t *t) { b->devices[0]->vendor = s_tstr (t, 'v', VG_MAX_ID_LEN + 1); }
static void m_many_devices (Vigil__Batch *b, s_track_t *t)
{
    size_t n = 65537;
    Vigil__Device **d = s_talloc (t, n * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = b->devices[0];
    b->devices = d;
    b->n_devices = n;
}
static void m_ser_device (Vigil__Batch *b, s_track_t *t) { (void) t; b->series[0]->device = (uint32_t) b->n_devices; }
static void m_ser_path0 (Vigil__Batch *b, s_track_t *t) { (void) t; b->series[0]->path = 0; }
static void m_ser_path (Vigil__Batch *b, s_track_t *t) { (void) t; b->series[1]->path = (uint32_t) b->n_strings; }
static void m_ser_input (Vigil__Batch *b, s_track_t *t) { (void) t; b->series[0]->input = (uint32_t) b->n_strings; }
static void m_ser_origin (Vigil__Batch *b, s_track_t *t) { (void) t; b->series[0]->origin_path = (uint32_t) b->n_strings + 5; }
static void m_ser_label (Vigil__Batch *b, s_track_t *t) { (void) t; b->series[2]->labels[1] = (uint32_t) b->n_strings; }
static void m_ser_label_odd (Vigil__Batch *b, s_track_t *t) { (void) t; b->series[0]->n_labels = 1; }
static void m_ser_labels_many (Vigil__Batch *b, s_track_t *t)
{
    size_t n = 2 * VG_MAX_LABELS + 2;
    uint32_t *l = s_talloc (t, n * sizeof *l);
    b->series[0]->labels = l; /* all 0: in range, but too many */
    b->series[0]->n_labels = n;
}
static void m_ser_kind (Vigil__Batch *b, s_track_t *t) { (void) t; b->series[0]->kind = (Vigil__SeriesKind) 7; }
static void m_ser_count0 (Vigil__Batch *b, s_track_t *t) { (void) t; b->series[0]->count = 0; }
static void m_ser_count_more (Vigil__Batch *b, s_track_t *t) { (void) t; b->series[0]->count += 1; }
static void m_ser_count_less (Vigil__Batch *b, s_track_t *t) { (void) t; b->series[0]->count -= 1; }
static void m_chunk_short (Vigil__Batch *b, s_track_t *t) { (void) t; b->series[0]->chunk.len -= 1; }
static void m_chunk_long (Vigil__Batch *b, s_track_t *t)
{
    ProtobufCBinaryData *c = &b->series[0]->chunk;
    uint8_t *p = s_talloc (t, c->len + 4);
    memcpy (p, c->data, c->len);
    c->data = p;
    c->len += 4; /* trailing bytes after the samples */
}
static void m_chunk_garbage (Vigil__Batch *b, s_track_t *t)
{
    ProtobufCBinaryData *c = &b->series[0]->chunk;
    uint8_t *p = s_talloc (t, c->len);
    memset (p, 0xff, c->len);
    c->data = p;
}
static Vigil__Series *
s_state_series (Vigil__Batch *b)
{
    for (size_t i = 0; i < b->n_series; i++)
        if (b->series[i]->kind == VIGIL__SERIES_KIND__SERIES_KIND_STATE)
            return b->series[i];
    ck_abort_msg ("no state series");
    return NULL;
}
static void m_state_value (Vigil__Batch *b, s_track_t *t) { (void) t; s_state_series (b)->n_state_names = 1; }
static void m_state_names_many (Vigil__Batch *b, s_track_t *t)
{
    Vigil__Series *s = s_state_series (b);
    size_t n = 257;
    char **names = s_talloc (t, n * sizeof *names);
    for (size_t i = 0; i < n; i++)
        names[i] = "S";
    s->state_names = names;
    s->n_state_names = n;
}
static void m_state_name_long (Vigil__Batch *b, s_track_t *t)
{
    s_state_series (b)->state_names[0] = s_tstr (t, 'n', VG_MAX_STATE_LEN + 1);
}
/* The state series takes the identity (device, path, labels) of gauge series 0: one series
 * with two kinds in the same batch. */
static void m_dup_kind (Vigil__Batch *b, s_track_t *t)
{
    (void) t;
    Vigil__Series *st = s_state_series (b);
    ck_assert_uint_eq (st->n_labels, b->series[0]->n_labels);
    st->path = b->series[0]->path;
    st->labels = b->series[0]->labels;
}
static void m_ev_device (Vigil__Batch *b, s_track_t *t) { (void) t; b->events[0]->device = (uint32_t) b->n_devices; }
static void m_ev_input (Vigil__Batch *b, s_track_t *t) { (void) t; b->events[1]->input = (uint32_t) b->n_strings; }
static void m_ev_type (Vigil__Batch *b, s_track_t *t) { (void) t; b->events[0]->type = (Vigil__EventType) VG_EV__COUNT; }
static void m_ev_attrs_many (Vigil__Batch *b, s_track_t *t)
{
    size_t n = VG_MAX_ATTRS + 1;
    Vigil__Attr **a = s_talloc (t, n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = b->events[0]->attrs[0];
    b->events[0]->attrs = a;
    b->events[0]->n_attrs = n;
}
static void m_ev_attr_long (Vigil__Batch *b, s_track_t *t)
{
    b->events[0]->attrs[0]->value = s_tstr (t, 'x', VG_MAX_PATH_LEN + 1);
}
static void m_ev_key_long (Vigil__Batch *b, s_track_t *t)
{
    b->events[1]->attrs[1]->key = s_tstr (t, 'k', VG_MAX_LABEL_LEN + 1);
}

typedef struct {
    const char *name;
    s_mut_fn fn;
    int rc;
    const char *why;
} s_mutation_t;

static const s_mutation_t s_mutations[] = {
    { "agent_id empty", m_agent_empty, -VG_EPROTO, "agent_id" },
    { "agent_id too long", m_agent_long, -VG_EPROTO, "agent_id" },
    { "epoch 0", m_epoch_zero, -VG_EPROTO, "epoch or sequence" },
    { "seq 0", m_seq_zero, -VG_EPROTO, "epoch or sequence" },
    { "no string table", m_no_strings, -VG_EPROTO, "bad string table" },
    { "strings[0] not empty", m_string0, -VG_EPROTO, "bad string table" },
    { "string too long", m_string_long, -VG_EPROTO, "too long" },
    { "device id empty", m_device_id_empty, -VG_EPROTO, "device 0" },
    { "device vendor too long", m_vendor_long, -VG_EPROTO, "device 0" },
    { "too many devices", m_many_devices, -VG_ETOOBIG, "devices in one batch" },
    { "series device index", m_ser_device, -VG_EPROTO, "series 0: index out of range" },
    { "series path 0", m_ser_path0, -VG_EPROTO, "series 0: index out of range" },
    { "series path index", m_ser_path, -VG_EPROTO, "series 1: index out of range" },
    { "series input index", m_ser_input, -VG_EPROTO, "series 0: index out of range" },
    { "series origin index", m_ser_origin, -VG_EPROTO, "series 0: index out of range" },
    { "series label index", m_ser_label, -VG_EPROTO, "series 2: label index" },
    { "series odd label list", m_ser_label_odd, -VG_EPROTO, "bad label list" },
    { "series too many labels", m_ser_labels_many, -VG_EPROTO, "bad label list" },
    { "series unknown kind", m_ser_kind, -VG_EPROTO, "unknown kind" },
    { "series count 0", m_ser_count0, -VG_ETOOBIG, "samples (limit" },
    { "series count above chunk", m_ser_count_more, -VG_EPROTO, "corrupt chunk" },
    { "series count below chunk", m_ser_count_less, -VG_EPROTO, "corrupt chunk" },
    { "chunk cut short", m_chunk_short, -VG_EPROTO, "corrupt chunk" },
    { "chunk with trailing bytes", m_chunk_long, -VG_EPROTO, "corrupt chunk" },
    { "chunk garbage", m_chunk_garbage, -VG_EPROTO, "corrupt chunk" },
    { "state value without a name", m_state_value, -VG_EPROTO, "state value out of range" },
    { "too many state names", m_state_names_many, -VG_ETOOBIG, "too many state names" },
    { "state name too long", m_state_name_long, -VG_EPROTO, "state name too long" },
    { "one series with two kinds in a batch", m_dup_kind, -VG_EPROTO, "kind changed" },
    { "event device index", m_ev_device, -VG_EPROTO, "event 0: index or type" },
    { "event input index", m_ev_input, -VG_EPROTO, "event 1: index or type" },
    { "event type", m_ev_type, -VG_EPROTO, "event 0: index or type" },
    { "event too many attributes", m_ev_attrs_many, -VG_ETOOBIG, "attributes" },
    { "event attribute value too long", m_ev_attr_long, -VG_EPROTO, "attribute too long" },
    { "event attribute key too long", m_ev_key_long, -VG_EPROTO, "attribute too long" },
};

/* The valid batch every mutation starts from: 3 gauges, a state series, 2 events. */
static void
s_mutated (const s_mutation_t *m, vg_buf_t *out)
{
    vg_buf_t b = VG_BUF_INIT;
    s_spec_t sp = s_spec ("a1", 1);
    sp.nstate = 1;
    sp.nevents = 2;
    s_build (&sp, &b);
    s_track_t t = { 0 };
    ProtobufCAllocator alloc = { s_talloc, s_tfree, &t };
    Vigil__Batch *batch = vigil__batch__unpack (&alloc, b.len, b.data);
    ck_assert_ptr_nonnull (batch);
    ck_assert_uint_eq (batch->n_series, 4);
    ck_assert_uint_eq (batch->n_events, 2);
    if (m)
        m->fn (batch, &t);
    vg_test_pack_batch (batch, out);
    s_track_free (&t);
    vg_buf_free (&b);
}

START_TEST (each_structural_check)
{
    const s_mutation_t *m = &s_mutations[_i];
    vg_buf_t b = VG_BUF_INIT;
    /* The unmutated round trip is accepted (so the mutation alone makes the difference)... */
    s_mutated (NULL, &b);
    ck_assert_int_eq (s_probe (b.data, b.len), 0);
    ck_assert_uint_eq (vg_ingest_stats (s_in)->rejected, 0);
    /* ...and the mutated one is refused by the check it targets. */
    s_mutated (m, &b);
    if (m->fn == m_many_devices) {
        vg_ingest_destroy (&s_in);
        vg_ingest_cfg_t c = s_cfg ();
        c.max_batch_bytes = 64 << 20;
        s_in = s_new_ingest (&c);
    }
    s_expect_reject (b.data, b.len, m->rc, m->why);
    vg_buf_free (&b);
}
END_TEST

START_TEST (kind_change_refused)
{
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    ck_assert_int_eq (s_feed_simple ("a1", 1, &b, &res), 0);
    /* The same series (device, path, labels) now claims to be a state series. */
    s_spec_t sp = s_spec ("a1", 2);
    sp.nseries = 0;
    sp.nstate = 1; /* /t/state0: a different path; make it collide with /t/m0 instead */
    s_build (&sp, &b);
    s_track_t t = { 0 };
    ProtobufCAllocator alloc = { s_talloc, s_tfree, &t };
    Vigil__Batch *batch = vigil__batch__unpack (&alloc, b.len, b.data);
    ck_assert_ptr_nonnull (batch);
    size_t ns = batch->n_strings;
    char **strings = s_talloc (&t, (ns + 1) * sizeof *strings);
    memcpy (strings, batch->strings, ns * sizeof *strings);
    strings[ns] = "/t/m0";
    batch->strings = strings;
    batch->n_strings = ns + 1;
    batch->series[0]->path = (uint32_t) ns;
    vg_buf_t m = VG_BUF_INIT;
    vg_test_pack_batch (batch, &m);
    s_track_free (&t);
    s_expect_reject (m.data, m.len, -VG_EPROTO, "kind changed");
    vg_buf_free (&b);
    vg_buf_free (&m);
}
END_TEST

/* ---- per-batch limits ---- */

START_TEST (limits_enforced)
{
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    s_spec_t sp = s_spec ("a1", 1);
    /* max_series 64 */
    sp.nseries = 65;
    sp.per = 1;
    s_build (&sp, &b);
    s_expect_reject (b.data, b.len, -VG_ETOOBIG, "exceed max_series");
    sp.nseries = 64;
    s_build (&sp, &b);
    ck_assert_int_eq (s_feed (&b, &res), 0);
    /* max_events 64 */
    sp = s_spec ("a1", 2);
    sp.nevents = 65;
    s_build (&sp, &b);
    s_expect_reject (b.data, b.len, -VG_ETOOBIG, "exceed max_events");
    sp.nevents = 64;
    s_build (&sp, &b);
    ck_assert_int_eq (s_feed (&b, &res), 0);
    /* max_series_samples 1000 */
    sp = s_spec ("a1", 3);
    sp.nseries = 1;
    sp.per = 1001;
    sp.step = 10;
    s_build (&sp, &b);
    s_expect_reject (b.data, b.len, -VG_ETOOBIG, "(limit 1000)");
    sp.per = 1000;
    s_build (&sp, &b);
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 1000);
    ck_assert_uint_eq (vg_ingest_stats (s_in)->rejected, 3);
    vg_buf_free (&b);
}
END_TEST

/* Replace the fixture's ingest with one over cfg (same store). */
static void
s_reopen (const vg_ingest_cfg_t *cfg)
{
    vg_ingest_destroy (&s_in);
    s_in = s_new_ingest (cfg);
}

/* ingest.max_samples bounds a batch's samples in total (a batch of long constant series
 * packs millions of samples in a few bytes each: the decode scratch would be the bomb). */
START_TEST (batch_samples_limit)
{
    vg_ingest_cfg_t c = s_cfg ();
    c.max_samples = 50;
    s_reopen (&c);
    vg_buf_t b = VG_BUF_INIT;
    s_spec_t sp = s_spec ("a1", 1);
    sp.nseries = 6; /* 60 samples */
    s_build (&sp, &b);
    s_expect_reject (b.data, b.len, -VG_ETOOBIG, "ingest.max_samples 50");
    sp = s_spec ("a1", 2);
    sp.nseries = 5;
    s_build (&sp, &b);
    vg_ingest_result_t res;
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 50);
    vg_buf_free (&b);
}
END_TEST

/* limits.agent_series: an agent's new series beyond its ceiling are refused (counted), its
 * known series go on, another agent is not affected, and the count survives a restart. */
START_TEST (agent_series_ceiling)
{
    vg_ingest_cfg_t c = s_cfg ();
    c.max_agent_series = 5;
    s_reopen (&c);
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    s_spec_t sp = s_spec ("a1", 1); /* 3 series x 10 samples */
    s_build (&sp, &b);
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 30);
    sp = s_spec ("a1", 2);
    sp.nseries = 8; /* m0..m2 known, m3 m4 fit, m5..m7 over */
    s_build (&sp, &b);
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 50);
    ck_assert_uint_eq (res.series_refused, 30);
    ck_assert_uint_eq (res.samples_rejected, 30);
    ck_assert_ptr_nonnull (strstr (res.reason, "series ceiling"));
    ck_assert_uint_eq (vg_ingest_series_count (s_in), 5);
    ck_assert_uint_eq (vg_ingest_stats (s_in)->series_refused, 30);
    /* another agent has its own ceiling */
    sp = s_spec ("a2", 1);
    sp.device = "core/r9";
    s_build (&sp, &b);
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 30);
    ck_assert_uint_eq (res.series_refused, 0);
    /* after a restart the agent's series are counted from the store */
    s_reopen (&c);
    sp = s_spec ("a1", 3);
    sp.nseries = 8;
    s_build (&sp, &b);
    ck_assert_int_eq (s_feed (&b, &res), 0);
    ck_assert_uint_eq (res.samples, 50);
    ck_assert_uint_eq (res.series_refused, 30);
    ck_assert_uint_eq (vg_ingest_series_count (s_in), 8);
    vg_buf_free (&b);
}
END_TEST

Suite *
vg_ingest_suite (void)
{
    Suite *s = suite_create ("ingest");
    const TTest *admit[] = {
        valid_batch_admitted, duplicate_stores_nothing, gap_refused_for_retry, agent_resumes_after_another_collector,
        new_epoch_starts_where_hello_says,
        rejected_in_order_batch_consumes_its_seq, unknown_agent_refused, agents_replaced_by_reload,
        device_outside_acl_refused,
        time_window_enforced,
    };
    vg_test_tcase (s, "admit", admit, sizeof admit / sizeof admit[0], 60, setup, teardown);
    const TTest *hostile[] = {
        oversized_batch_refused, truncations_refused, random_bytes_refused, bit_flips_never_corrupt,
        kind_change_refused, limits_enforced, agent_series_ceiling, batch_samples_limit,
    };
    TCase *tc = vg_test_tcase (s, "hostile", hostile, sizeof hostile / sizeof hostile[0], 120, setup,
                               teardown);
    tcase_add_loop_test (tc, each_structural_check, 0, (int) (sizeof s_mutations / sizeof s_mutations[0]));
    return s;
}
