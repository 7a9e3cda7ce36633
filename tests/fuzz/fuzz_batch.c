/* fuzz_batch.c - libFuzzer target for the collector's trust boundary: one BATCH payload as
 * the server receives it.  A zstd frame is inflated first (bounded, as collector/server.c
 * does), the CURVE check's agent-id peek runs (vg_zap_peek_agent_id), then ingest validates
 * the batch into a write batch that is never committed: the store stays empty, so every
 * input meets the same state (one store for the run, a fresh ingest view per input).
 * Checks: the agent id the peek finds is the one ingest reads (else a CURVE key could speak
 * for another agent); an accepted batch stores no more samples than it carries; the same
 * batch sent again is a duplicate once ingest consumed its sequence number.
 * Seeds (VG_FUZZ_SEEDS, see fuzz_seed.h): batches made by the batch writer, plain and zstd. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/ingest.h"
#include "collector/zap.h"
#include "common/buf.h"
#include "common/compress.h"
#include "common/err.h"
#include "proto/batch_writer.h"
#include "store/store.h"
#include "tests/fuzz/fuzz_seed.h"
#include "tests/support/tmpdir.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define S_NOW 1767614400000LL    /* "now" of every ingest call */
#define S_HOUR 3600000LL
#define S_MAX_BYTES (1u << 20)   /* decompressed batch bound (the server's max_batch_bytes) */

static const char *const s_lab[] = { "lab/*" };
static const vg_agent_acl_t s_acl[] = { { "a1", s_lab, 1 } };
static const vg_ingest_cfg_t s_cfg = { .max_past_ms = 24 * S_HOUR, .max_future_ms = S_HOUR,
                                       .max_batch_bytes = S_MAX_BYTES, .max_series = 256, .max_events = 256,
                                       .max_series_samples = 4096, .allow_unknown_agents = true,
                                       .agents = s_acl, .nagents = 1 };

static char s_dir[64];
static vg_store_t *s_store;
static vg_store_txn_t *s_txn;
static vg_buf_t s_plain = VG_BUF_INIT;

static void
s_cleanup (void)
{
    vg_store_txn_destroy (&s_txn);
    vg_store_destroy (&s_store);
    vg_buf_free (&s_plain);
    if (s_dir[0])
        vg_test_rmtree (s_dir);
}

/* One batch from the writer: a gauge with labels, an exact counter, a state series and an
 * event, for agent on device dev. */
static void
s_seed (vg_batch_writer_t *w, const char *dir, const char *name, const char *agent, const char *dev)
{
    static const int64_t ts[4] = { S_NOW - 30000, S_NOW - 20000, S_NOW - 10000, S_NOW };
    static const double v[4] = { 1.5, 2.25, -3, 1e300 };
    static const double st[4] = { 0, 1, 1, 0 };
    vg_num_t n[4] = { vg_num_i64 (1), vg_num_i64 (1000), vg_num_i64 (INT64_MAX - 5), vg_num_i64 (-7) };
    static const char *const labels[] = { "name", "ge-0/0/0", "unit", "0" };
    static const char *const states[] = { "UP", "DOWN" };
    static const vg_label_t attrs[] = { { "user", "alice" }, { "from", "192.0.2.1" } };
    vg_device_t d = { .id = dev, .vendor = "juniper", .site = "lab" };
    vg_batch_writer_begin (w, agent, 7, 1, S_NOW);
    uint32_t di = 0;
    if (vg_batch_writer_device (w, &d, &di) < 0)
        abort ();
    vg_batch_series_t g = { .device = di, .path = "/interfaces/interface/state/mtu", .labels = labels,
                            .nlabels = 2, .kind = VG_KIND_GAUGE, .input = "jti", .ts = ts, .v = v,
                            .count = 4 };
    vg_batch_series_t c = g;
    c.path = "/interfaces/interface/state/counters/in-octets";
    c.kind = VG_KIND_COUNTER;
    c.v = NULL;
    c.num = n;
    c.vtype = VG_NUM_I64;
    vg_batch_series_t s = g;
    s.path = "/interfaces/interface/state/oper-status";
    s.kind = VG_KIND_STATE;
    s.v = st;
    s.state_names = states;
    s.nstate_names = 2;
    vg_event_t e = { .ts_ms = S_NOW - 5000, .type = VG_EV_LOGIN, .attrs = attrs, .nattrs = 2,
                     .input = "ves" };
    vg_buf_t out = VG_BUF_INIT, z = VG_BUF_INIT;
    if (vg_batch_writer_series (w, &g) < 0 || vg_batch_writer_series (w, &c) < 0
        || vg_batch_writer_series (w, &s) < 0 || vg_batch_writer_event (w, di, &e) < 0
        || vg_batch_writer_pack (w, &out) < 0
        || vg_zstd_compress (out.data, out.len, 1, &z) < 0)
        abort ();
    char zname[64];
    snprintf (zname, sizeof zname, "%s.zst", name);
    vg_fuzz_seed_write (dir, name, out.data, out.len);
    vg_fuzz_seed_write (dir, zname, z.data, z.len);
    vg_buf_free (&out);
    vg_buf_free (&z);
}

static void
vg_fuzz_seeds (const char *dir)
{
    vg_batch_writer_t *w = vg_batch_writer_new (0);
    if (!w)
        abort ();
    s_seed (w, dir, "a1-lab", "a1", "lab/r1");        /* known agent, allowed device */
    s_seed (w, dir, "a1-core", "a1", "core/pe1");     /* device outside a1's ACL */
    s_seed (w, dir, "unknown-agent", "x9", "site/gnb1");
    vg_batch_writer_destroy (&w);
}

static void
vg_fuzz_setup (void)
{
    char err[256];
    vg_store_cfg_t sc = { NULL, VG_STORE_RW, S_HOUR, false, 0 };
    if (!vg_test_tmpdir (s_dir, sizeof s_dir, "fuzz-batch"))
        abort ();
    sc.path = s_dir;
    s_store = vg_store_open (&sc, err, sizeof err);
    s_txn = s_store ? vg_store_txn_new (s_store) : NULL;
    if (!s_txn) {
        fprintf (stderr, "fuzz_batch: store: %s\n", err);
        abort ();
    }
    /* After the open: exit handlers run in reverse order, so the store is closed before
     * the function-local statics RocksDB made while opening are destroyed. */
    atexit (s_cleanup);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (vg_is_zstd (data, size)) {
        if (vg_zstd_decompress (data, size, S_MAX_BYTES, &s_plain) < 0)
            return 0;
        if (s_plain.len > S_MAX_BYTES)
            abort ();
        data = s_plain.data;
        size = s_plain.len;
    }
    char peeked[VG_INGEST_ID_MAX];
    int prc = vg_zap_peek_agent_id (data, size, peeked, sizeof peeked);
    if (prc != 0 && prc != -VG_ENOTFOUND && prc != -VG_EPROTO && prc != -VG_ETOOBIG)
        abort ();

    char err[256];
    vg_ingest_t *in = vg_ingest_new (&s_cfg, s_store, err, sizeof err);
    if (!in)
        abort ();
    vg_ingest_result_t res, again;
    int rc = vg_ingest_batch (in, data, size, S_NOW, s_txn, &res);
    if (rc == VG_INGEST_DUP || rc == VG_INGEST_GAP || rc == -VG_ENOMEM)
        abort (); /* a fresh view holds no sequence number; memory is bounded by the limits */
    if (res.agent_id[0] && prc == 0 && strcmp (res.agent_id, peeked) != 0)
        abort (); /* the CURVE check and ingest would see two different agents */
    if (res.agent_id[0] && prc == -VG_ENOTFOUND)
        abort ();
    if (rc == 0) {
        const vg_ingest_stats_t *st = vg_ingest_stats (in);
        if (st->batches != 1 || st->samples != res.samples || res.samples > 256u * 4096u)
            abort ();
    }
    int rc2 = vg_ingest_batch (in, data, size, S_NOW, s_txn, &again);
    if (rc == 0 ? rc2 != VG_INGEST_DUP : rc2 != VG_INGEST_DUP && rc2 != rc)
        abort ();
    vg_store_txn_clear (s_txn);
    vg_ingest_destroy (&in);
    return 0;
}
