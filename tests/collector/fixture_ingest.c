/* fixture_ingest.c - the ingest suites' shared set-up (fixture_ingest.h): a store and an
 * ingest per test, batches from the agent's batcher, the store seen from outside, feeding. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/batcher.h"
#include "common/err.h"
#include "common/hash.h"
#include "store/sample_merge.h"
#include "tests/collector/fixture_ingest.h"
#include "tests/support/tmpdir.h"

static char s_dir[64];
vg_store_t *fx_store;
vg_ingest_t *fx_in;

static const char *const s_a1_devices[] = { "lab/*" };
const vg_agent_acl_t fx_acl[2] = { { "a1", s_a1_devices, 1 }, { "a2", NULL, 0 } };

vg_ingest_cfg_t
fx_cfg (void)
{
    vg_ingest_cfg_t c = { .max_past_ms = DAY, .max_future_ms = HOUR, .max_batch_bytes = 4 << 20,
                          .max_series = 64, .max_events = 64, .max_series_samples = 1000,
                          .allow_unknown_agents = false, .agents = fx_acl, .nagents = 2 };
    return c;
}

static vg_ingest_t *
s_new_ingest (const vg_ingest_cfg_t *c)
{
    char err[256];
    vg_ingest_t *in = vg_ingest_new (c, fx_store, err, sizeof err);
    ck_assert_msg (in != NULL, "%s", err);
    return in;
}

void
fx_reopen (const vg_ingest_cfg_t *cfg)
{
    vg_ingest_destroy (&fx_in);
    fx_in = s_new_ingest (cfg);
}

void
fx_setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_dir, sizeof s_dir, "ingest"));
    char err[256];
    vg_store_cfg_t sc = { s_dir, VG_STORE_RW, HOUR, false, 0 };
    fx_store = vg_store_open (&sc, err, sizeof err);
    ck_assert_msg (fx_store != NULL, "%s", err);
    vg_ingest_cfg_t c = fx_cfg ();
    fx_in = s_new_ingest (&c);
}

void
fx_teardown (void)
{
    vg_ingest_destroy (&fx_in);
    ck_assert_ptr_null (fx_in);
    vg_ingest_destroy (&fx_in); /* NULL-safe */
    vg_store_destroy (&fx_store);
    ck_assert_int_eq (vg_test_rmtree (s_dir), 0);
}

fx_spec_t
fx_spec (const char *agent, uint64_t seq)
{
    fx_spec_t sp = { agent, "lab/r1", 7, seq, 3, 10, T0 - 60000, 1000, 0, 0, T0 - 1000 };
    return sp;
}

void
fx_build (const fx_spec_t *sp, vg_buf_t *out)
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

void
fx_build_simple (const char *agent, uint64_t seq, vg_buf_t *out)
{
    fx_spec_t sp = fx_spec (agent, seq);
    /* Each seq its own interval: the store keeps one sample per timestamp. */
    sp.t0 -= (int64_t) (seq % 32) * sp.per * sp.step;
    fx_build (&sp, out);
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

size_t
fx_keys (vg_cf_t cf)
{
    s_acc_t a = { 0, 0, 0 };
    ck_assert_int_eq (vg_store_scan (fx_store, cf, NULL, 0, NULL, 0, s_acc_kv, &a), 0);
    return a.keys;
}

int64_t
fx_samples_stored (void)
{
    s_acc_t a = { 0, 0, 0 };
    ck_assert_int_eq (vg_store_scan (fx_store, VG_CF_SAMPLES, NULL, 0, NULL, 0, s_acc_samples, &a), 0);
    return a.samples;
}

/* A digest of every key and value ingest may write. */
uint64_t
fx_digest (void)
{
    s_acc_t a = { 1, 0, 0 };
    const vg_cf_t cfs[] = { VG_CF_SERIES, VG_CF_SAMPLES, VG_CF_EVENTS, VG_CF_AGENTS };
    for (size_t i = 0; i < sizeof cfs / sizeof cfs[0]; i++)
        ck_assert_int_eq (vg_store_scan (fx_store, cfs[i], NULL, 0, NULL, 0, s_acc_kv, &a), 0);
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
int
fx_feed_raw (vg_ingest_t *in, const uint8_t *p, size_t len, vg_ingest_result_t *res)
{
    vg_store_txn_t *t = vg_store_txn_new (fx_store);
    ck_assert_ptr_nonnull (t);
    int rc = vg_ingest_batch (in, p, len, T0, t, res);
    if (rc == 0) {
        char err[256];
        ck_assert_msg (vg_store_commit (fx_store, t, err, sizeof err) == 0, "%s", err);
        vg_ingest_commit (in);
    } else {
        s_check_refused_txn (in, t, rc);
    }
    vg_store_txn_destroy (&t);
    return rc;
}

int
fx_feed (const vg_buf_t *b, vg_ingest_result_t *res)
{
    return fx_feed_raw (fx_in, b->data, b->len, res);
}

/* Build agent's simple batch seq (fx_build_simple) into *b and feed it: fx_feed's result. */
int
fx_feed_simple (const char *agent, uint64_t seq, vg_buf_t *b, vg_ingest_result_t *res)
{
    fx_build_simple (agent, seq, b);
    return fx_feed (b, res);
}

/* Fail unless agent's committed position is batch seq of epoch (0: of any epoch). */
void
fx_assert_pos (const char *agent, uint64_t epoch, uint64_t seq)
{
    uint64_t e = 0, q = 0;
    vg_ingest_agent_state (fx_in, agent, &e, &q);
    if (epoch)
        ck_assert_uint_eq (e, epoch);
    ck_assert_uint_eq (q, seq);
}

/* Ingest without committing: an accepted batch is forgotten again (rollback reloads the
 * view from the store).  For sweeps over many hostile variants. */
int
fx_probe (const uint8_t *p, size_t len)
{
    vg_ingest_result_t res;
    vg_store_txn_t *t = vg_store_txn_new (fx_store);
    int rc = vg_ingest_batch (fx_in, p, len, T0, t, &res);
    if (rc == 0)
        vg_ingest_rollback (fx_in);
    else
        s_check_refused_txn (fx_in, t, rc);
    vg_store_txn_destroy (&t);
    return rc;
}

/* The batch must be refused with `code`, counted once, reason containing `why`, and leave
 * the store and the agents' state as they were. */
void
fx_expect_reject (const uint8_t *p, size_t len, int code, const char *why)
{
    uint64_t before = fx_digest ();
    uint64_t rejected = vg_ingest_stats (fx_in)->rejected, batches = vg_ingest_stats (fx_in)->batches;
    uint64_t e0, q0, e1, q1;
    vg_ingest_agent_state (fx_in, "a1", &e0, &q0);
    vg_ingest_result_t res;
    int rc = fx_feed_raw (fx_in, p, len, &res);
    ck_assert_msg (rc == code, "expected %d (%s), got %d: %s", code, why, rc, res.reason);
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->rejected, rejected + 1);
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->batches, batches);
    ck_assert_msg (strstr (res.reason, why) != NULL, "reason '%s' lacks '%s'", res.reason, why);
    ck_assert_uint_eq (fx_digest (), before);
    vg_ingest_agent_state (fx_in, "a1", &e1, &q1);
    ck_assert_uint_eq (e1, e0);
    ck_assert_uint_eq (q1, q0);
}

/* ---- tracking allocator ---- */

void *
fx_talloc (void *data, size_t size)
{
    fx_track_t *t = data;
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

void
fx_tfree (void *data, void *p)
{
    (void) data;
    (void) p; /* freed all at once */
}

void
fx_track_free (fx_track_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        free (t->p[i]);
    free (t->p);
    memset (t, 0, sizeof *t);
}

char *
fx_tstr (fx_track_t *t, char c, size_t n)
{
    char *s = fx_talloc (t, n + 1);
    memset (s, c, n);
    return s;
}
