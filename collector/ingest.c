/* ingest.c - batch validation and conversion into store writes (see ingest.h).
 *
 * Two passes per batch: the first decodes and checks everything (into per-batch scratch
 * arrays that are reused, so steady state does not allocate per sample); the second adds
 * writes to the transaction.  A batch that fails the first pass adds nothing. */
#include "collector/ingest_int.h"

#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/array.h"
#include "common/chunk.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/samples.h"
#include "common/u64map.h"
#include "collector/batch_view.h"
#include "proto/batch.h"
#include "store/series_meta.h"
#include "proto/vigil.pb-c.h"

#define ARENA_BLOCK (256 * 1024)

/* What protobuf-c may unpack a batch of max_batch_bytes into. */
static size_t
s_arena_limit (size_t max_batch_bytes)
{
    return max_batch_bytes * 8 + (1 << 20);
}

int
vg_ingest_set_agents (vg_ingest_t *in, const vg_agent_acl_t *agents, size_t nagents)
{
    in->cfg.agents = agents;
    in->cfg.nagents = nagents;
    return vg_ingest__load_agents (in);
}

void
vg_ingest_set_limits (vg_ingest_t *in, const vg_ingest_cfg_t *cfg)
{
    in->cfg.max_past_ms = cfg->max_past_ms;
    in->cfg.max_future_ms = cfg->max_future_ms;
    in->cfg.max_batch_bytes = cfg->max_batch_bytes;
    in->cfg.max_series = cfg->max_series;
    in->cfg.max_events = cfg->max_events;
    in->cfg.max_series_samples = cfg->max_series_samples;
    in->cfg.max_samples = cfg->max_samples;
    in->cfg.max_agent_series = cfg->max_agent_series;
    in->arena.limit = s_arena_limit (cfg->max_batch_bytes); /* reset per batch: safe between batches */
}

vg_ingest_t *
vg_ingest_new (const vg_ingest_cfg_t *cfg, vg_store_t *store, char *err, size_t errlen)
{
    vg_ingest_t *in = calloc (1, sizeof *in);
    if (!in) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    in->cfg = *cfg;
    in->store = store;
    in->arena = (vg_arena_t) VG_ARENA_INIT (ARENA_BLOCK, s_arena_limit (cfg->max_batch_bytes));
    vg_batch_arena_allocator (&in->arena, &in->alloc); /* protobuf-c unpacks into the per-batch arena */
    int rc = vg_ingest__load (in);
    if (rc < 0) {
        snprintf (err, errlen, "loading store state: %s", vg_strerror (rc));
        vg_ingest_destroy (&in);
        return NULL;
    }
    return in;
}

void
vg_ingest_destroy (vg_ingest_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_ingest_t *in = *self_p;
    vg_arena_free (&in->arena);
    for (size_t i = 0; i < in->nagents; i++)
        free (in->agents[i].id);
    free (in->agents);
    vg_u64map_free (&in->agent_map);
    vg_ingest__series_free_all (in);
    free (in->series);
    vg_u64map_free (&in->series_map);
    vg_u64map_free (&in->batch_new);
    vg_u64map_free (&in->agent_series);
    vg_samples_free (&in->scratch);
    free (in->keep);
    free (in->plans);
    free (in->order);
    free (in->okeys);
    free (in->operm);
    vg_buf_free (&in->buf);
    vg_buf_free (&in->buf2);
    free (in);
    *self_p = NULL;
}

static bool
s_acl_allows (const vg_agent_acl_t *acl, const char *device)
{
    if (!acl || acl->ndevices == 0)
        return true;
    for (size_t i = 0; i < acl->ndevices; i++)
        if (fnmatch (acl->devices[i], device, 0) == 0)
            return true;
    return false;
}

static int
s_reject (vg_ingest_t *in, vg_ingest_result_t *res, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static int
s_reject (vg_ingest_t *in, vg_ingest_result_t *res, int code, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (res->reason, sizeof res->reason, fmt, ap);
    va_end (ap);
    in->stats.rejected++;
    return code;
}

static int
s_scratch (vg_ingest_t *in, size_t need)
{
    size_t had = in->scratch.cap;
    if (vg_samples_reserve (&in->scratch, need) < 0)
        return -VG_ENOMEM;
    if (in->scratch.cap != had || !in->keep) {
        uint8_t *k = realloc (in->keep, in->scratch.cap ? in->scratch.cap : 1);
        if (!k)
            return -VG_ENOMEM;
        in->keep = k;
    }
    return 0;
}

static bool
s_str_ok (const char *s, size_t max)
{
    return s && strnlen (s, max + 1) <= max;
}

/* Build the store's SeriesMeta for a batch series. */
static Vigil__SeriesMeta *
s_meta_for (vg_ingest_t *in, const Vigil__Batch *b, const Vigil__Series *s, Vigil__Attr *attrs,
            Vigil__Attr **attr_ptrs)
{
    Vigil__SeriesMeta *m = vg_arena_alloc (&in->arena, sizeof *m);
    if (!m)
        return NULL;
    vigil__series_meta__init (m);
    const Vigil__Device *d = b->devices[s->device];
    m->device = d->id;
    m->path = b->strings[s->path];
    m->kind = s->kind;
    m->vendor = d->vendor;
    m->input = b->strings[s->input];
    m->source = s->source ? b->strings[s->source] : ""; /* the detectors' source (vigil replay) */
    m->origin_path = b->strings[s->origin_path];
    m->agent_id = b->agent_id;
    m->unit = s->unit;
    m->n_labels = s->n_labels / 2;
    m->labels = attr_ptrs;
    for (size_t i = 0; i < m->n_labels; i++) {
        vigil__attr__init (&attrs[i]);
        attrs[i].key = b->strings[s->labels[2 * i]];
        attrs[i].value = b->strings[s->labels[2 * i + 1]];
        attr_ptrs[i] = &attrs[i];
    }
    return m;
}

static uint64_t
s_series_id (const Vigil__Batch *b, const Vigil__Series *s)
{
    vg_label_t labels[VG_MAX_LABELS];
    size_t nl = vg_batch_labels (b, s, labels);
    return vg_series_id (b->devices[s->device]->id, b->strings[s->path], labels, nl);
}

static int
s_put_meta (vg_ingest_t *in, vg_store_txn_t *txn, uint64_t sid, const Vigil__SeriesMeta *m)
{
    return vg_series_meta_put (txn, sid, m, &in->buf2);
}

/* Append samples [off, off+n) that are kept, split by bucket, as merges. */
static int
s_write_samples (vg_ingest_t *in, vg_store_txn_t *txn, uint64_t sid, size_t off, size_t n, vg_numtype_t type)
{
    int64_t bms = vg_store_bucket_ms (in->store);
    int64_t *ts = in->scratch.ts + off;
    vg_num_t *v = in->scratch.num + off;
    const uint8_t *keep = in->keep + off;
    size_t i = 0;
    while (i < n) {
        while (i < n && !keep[i])
            i++;
        if (i == n)
            break;
        uint32_t bucket = vg_store_bucket (ts[i], bms);
        /* Gather the run of kept samples in this bucket (compacting in place). */
        size_t w = i, j = i;
        while (j < n && (!keep[j] || vg_store_bucket (ts[j], bms) == bucket)) {
            if (keep[j]) {
                ts[w] = ts[j];
                v[w] = v[j];
                w++;
            }
            j++;
        }
        vg_buf_reset (&in->buf);
        int rc = vg_chunk_encode_num (ts + i, v + i, type, w - i, &in->buf);
        if (rc < 0)
            return rc;
        uint8_t k[VG_SAMPLE_KEY_LEN];
        vg_key_sample (k, bucket, sid);
        vg_store_txn_merge (txn, VG_CF_SAMPLES, k, sizeof k, in->buf.data, in->buf.len);
        i = j;
    }
    return 0;
}

/* Store event e under a key derived from what it says (vg_key_event): the same event sent
 * again, in any batch, is a put of the same value to the same key. */
static int
s_put_event (vg_ingest_t *in, vg_store_txn_t *txn, const Vigil__Batch *b, const Vigil__Event *e)
{
    Vigil__StoredEvent se = VIGIL__STORED_EVENT__INIT;
    const Vigil__Device *d = b->devices[e->device];
    se.device = d->id;
    se.vendor = d->vendor;
    se.ts_ms = e->ts_ms;
    se.type = e->type;
    se.n_attrs = e->n_attrs;
    se.attrs = e->attrs;
    se.flow = e->flow;
    se.gap = e->gap;
    se.input = b->strings[e->input];
    se.agent_id = b->agent_id;
    size_t sz = vigil__stored_event__get_packed_size (&se);
    vg_buf_reset (&in->buf2);
    int rc = vg_buf_reserve (&in->buf2, sz);
    if (rc < 0)
        return rc;
    vigil__stored_event__pack (&se, in->buf2.data);
    uint8_t k[VG_EVENT_KEY_LEN];
    vg_key_event (k, vg_store_bucket (e->ts_ms, vg_store_bucket_ms (in->store)), e->ts_ms,
                  vg_hash64 (in->buf2.data, sz, VG_EVENT_ID_SEED));
    vg_store_txn_put (txn, VG_CF_EVENTS, k, sizeof k, in->buf2.data, sz);
    return 0;
}

static int
s_plan_cmp (const void *a, const void *b)
{
    const vg_ingest__plan_t *x = *(const vg_ingest__plan_t *const *) a, *y = *(const vg_ingest__plan_t *const *) b;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    if (x->sid != y->sid)
        return x->sid < y->sid ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Put in->order (the n plans) in store key order: (bucket, series id, position), a total
 * order.  An agent's batches mostly repeat their series in the same order and buckets, so
 * the last batch's order is reused when every (series id, bucket) matches (sorting 10 k
 * plans per batch was ~7 % of ingest's time); on allocation failure it just sorts. */
static void
s_plan_order (vg_ingest_t *in, size_t n)
{
    bool same = n == in->nokeys;
    for (size_t i = 0; same && i < n; i++)
        same = in->okeys[i].sid == in->plans[i].sid && in->okeys[i].bucket == in->plans[i].bucket;
    if (same) {
        for (size_t i = 0; i < n; i++)
            in->order[i] = &in->plans[in->operm[i]];
        return;
    }
    qsort (in->order, n, sizeof *in->order, s_plan_cmp);
    if (vg_array_reserve ((void **) &in->okeys, &in->capokeys, n, sizeof *in->okeys) < 0 ||
        vg_array_reserve ((void **) &in->operm, &in->capoperm, n, sizeof *in->operm) < 0) {
        in->nokeys = 0;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        in->okeys[i] = (struct vg_ingest__okey) { in->plans[i].sid, in->plans[i].bucket };
        in->operm[i] = in->order[i]->index;
    }
    in->nokeys = n;
}

/* Record (epoch, seq) as the agent's committed position, in txn and in the view.
 * Returns the agent record, or NULL when out of memory. */
static vg_ingest__agent_t *
s_advance_to (vg_ingest_t *in, vg_store_txn_t *txn, vg_ingest__agent_t *agent, const char *agent_id, uint64_t epoch,
              uint64_t seq, int64_t now_ms)
{
    Vigil__AgentState st = VIGIL__AGENT_STATE__INIT;
    st.epoch = epoch;
    st.committed_seq = seq;
    st.last_seen_ms = now_ms;
    uint8_t stbuf[64];
    size_t stlen = vigil__agent_state__pack (&st, stbuf);
    vg_store_txn_put (txn, VG_CF_AGENTS, agent_id, strlen (agent_id), stbuf, stlen);
    if (!agent)
        agent = vg_ingest__agent_add (in, agent_id, NULL);
    if (agent) {
        agent->epoch = epoch;
        agent->seq = seq;
    }
    return agent;
}

static vg_ingest__agent_t *
s_advance (vg_ingest_t *in, vg_store_txn_t *txn, vg_ingest__agent_t *agent, const Vigil__Batch *b, int64_t now_ms)
{
    return s_advance_to (in, txn, agent, b->agent_id, b->epoch, b->seq, now_ms);
}

/* One batch; *in_order is set once the batch is known to be the agent's next one (so a
 * rejection from then on consumes its sequence number). */
static int
s_batch (vg_ingest_t *in, const uint8_t *p, size_t len, int64_t now_ms, vg_store_txn_t *txn,
         vg_ingest_result_t *res, const Vigil__Batch **in_order, vg_buf_t *view)
{
    memset (res, 0, sizeof *res);
    if (view)
        vg_buf_reset (view);
    if (len > in->cfg.max_batch_bytes)
        return s_reject (in, res, -VG_ETOOBIG, "batch of %zu bytes exceeds max_batch_bytes %zu", len,
                         in->cfg.max_batch_bytes);
    vg_arena_reset (&in->arena);
    Vigil__Batch *b = vigil__batch__unpack (&in->alloc, len, p);
    if (!b)
        return s_reject (in, res, -VG_EPROTO, "not a valid vigil.Batch protobuf (%zu bytes)", len);
    if (!s_str_ok (b->agent_id, VG_MAX_ID_LEN) || !b->agent_id[0])
        return s_reject (in, res, -VG_EPROTO, "missing or oversized agent_id");
    snprintf (res->agent_id, sizeof res->agent_id, "%s", b->agent_id);
    res->epoch = b->epoch;
    res->seq = b->seq;
    vg_ingest__agent_t *agent = vg_ingest__agent_find (in, b->agent_id);
    if (!agent && !in->cfg.allow_unknown_agents)
        return s_reject (in, res, -VG_EPROTO, "unknown agent '%s'", b->agent_id);
    if (b->seq == 0 || b->epoch == 0)
        return s_reject (in, res, -VG_EPROTO, "batch without epoch or sequence number");
    if (agent && agent->epoch == b->epoch && b->seq <= agent->seq) {
        in->stats.duplicates++;
        return VG_INGEST_DUP;
    }
    /* Within an epoch batches are stored strictly in sequence: acknowledgements are
     * cumulative, so accepting N+2 while N+1 is still in flight somewhere (lost with a
     * crashed collector's socket buffer, say) would let the agent forget N+1. */
    if (agent && agent->epoch == b->epoch && b->seq != agent->seq + 1) {
        in->stats.gaps++;
        res->expected_seq = agent->seq + 1;
        snprintf (res->reason, sizeof res->reason, "expected seq %llu", (unsigned long long) agent->seq + 1);
        return VG_INGEST_GAP;
    }
    *in_order = b;

    /* ---- pass 1: structure (every index and bound, once) and the agent's device ACL ---- */
    vg_batch_limits_t lim = { in->cfg.max_series, in->cfg.max_events, in->cfg.max_series_samples };
    size_t total = 0;
    char why[sizeof res->reason];
    int vrc = vg_batch_validate (b, &lim, &total, why, sizeof why);
    if (vrc < 0)
        return s_reject (in, res, vrc, "%s", why);
    if (in->cfg.max_samples && total > in->cfg.max_samples)
        return s_reject (in, res, -VG_ETOOBIG, "%zu samples in the batch (ingest.max_samples %u)", total,
                         in->cfg.max_samples);
    for (size_t i = 0; agent && i < b->n_devices; i++)
        if (!s_acl_allows (agent->acl, b->devices[i]->id))
            return s_reject (in, res, -VG_EPROTO, "agent '%s' may not report device '%s'", b->agent_id,
                             b->devices[i]->id);
    int rc = s_scratch (in, total);
    if (rc == 0 && b->n_series > in->plans_cap) {
        vg_ingest__plan_t *np = realloc (in->plans, b->n_series * sizeof *np);
        if (np)
            in->plans = np;
        vg_ingest__plan_t **no = realloc (in->order, b->n_series * sizeof *no);
        if (no)
            in->order = no;
        if (np && no)
            in->plans_cap = b->n_series;
        else
            rc = -VG_ENOMEM;
    }
    if (rc < 0)
        return s_reject (in, res, rc, "out of memory for %zu samples", total);
    /* The detect stage's view of the batch, filled as pass 1 decodes (none when it does
     * not fit in memory: the stage then decodes the batch itself). */
    vg_batch_view_series_t *vser = NULL;
    int64_t *vts = NULL;
    double *vv = NULL;
    size_t vsize = view ? vg_batch_view_size (b->n_series, total) : 0;
    if (vsize && vg_buf_reserve (view, vsize) == 0) {
        vg_batch_view_hdr_t h = { VG_BATCH_VIEW_MAGIC, (uint32_t) b->n_series, total };
        memcpy (view->data, &h, sizeof h);
        vser = (vg_batch_view_series_t *) (void *) (view->data + sizeof h);
        vts = (int64_t *) (void *) (vser + b->n_series);
        vv = (double *) (void *) (vts + total);
    }

    /* ---- pass 1: samples ---- */
    int64_t lo = now_ms - in->cfg.max_past_ms, hi = now_ms + in->cfg.max_future_ms;
    int64_t bms = vg_store_bucket_ms (in->store);
    size_t off = 0;
    vg_u64map_clear (&in->batch_new);
    uint64_t agent_h = vg_ingest__id_hash (b->agent_id);
    uint32_t series_room = in->cfg.max_agent_series ? in->cfg.max_agent_series : UINT32_MAX;
    uint32_t had = vg_ingest__agent_series (in, agent_h);
    series_room = had < series_room ? series_room - had : 0;
    uint32_t nrefused = 0;
    for (size_t i = 0; i < b->n_series; i++) {
        const Vigil__Series *s = b->series[i];
        vg_ingest__plan_t *pl = &in->plans[i];
        size_t n = 0, used = 0;
        rc = vg_chunk_decode_num (s->chunk.data, s->chunk.len, in->scratch.ts + off, in->scratch.num + off, s->count,
                                  &n, &used, &pl->type);
        if (rc < 0 || n != s->count || used != s->chunk.len)
            return s_reject (in, res, -VG_EPROTO, "series %zu: corrupt chunk (%s)", i,
                             rc < 0 ? vg_strerror (rc) : "count or length mismatch");
        pl->sid = s_series_id (b, s);
        pl->index = (uint32_t) i;
        in->order[i] = pl;
        pl->off = off;
        pl->n = n;
        pl->kept = 0;
        pl->single_bucket = true;
        pl->bucket = vg_store_bucket (in->scratch.ts[off], bms);
        vg_ingest__series_t *known = vg_ingest__series_find (in, pl->sid);
        /* batch_new holds 1 + the kind of a series' first occurrence in this batch: the same
         * series twice with two kinds would reach pass 2 with no state names to map onto. */
        uint32_t first = 0;
        bool seen = !known && vg_u64map_get (&in->batch_new, pl->sid, &first);
        pl->is_new = !known && !seen;
        /* Over the agent's series ceiling: not stored (counted); not remembered as new either,
         * so its other occurrences in the batch are refused the same way. */
        pl->refused = !known && !seen && series_room == 0;
        if (pl->refused)
            pl->is_new = false;
        else if (pl->is_new)
            series_room--;
        if (pl->is_new && vg_u64map_put (&in->batch_new, pl->sid, 1u + (uint32_t) s->kind) < 0)
            return s_reject (in, res, -VG_ENOMEM, "out of memory");
        int was = known ? known->kind : seen ? (int) first - 1 : (int) s->kind;
        if (was != (int) s->kind)
            return s_reject (in, res, -VG_EPROTO, "series %zu: kind changed from %d to %d", i, was, (int) s->kind);
        for (size_t j = 0; j < n; j++) {
            int64_t t = in->scratch.ts[off + j];
            double v = vg_num_to_double (in->scratch.num[off + j], pl->type);
            bool ok = t >= lo && t <= hi && !pl->refused;
            if (s->kind == VIGIL__SERIES_KIND__SERIES_KIND_STATE &&
                !(v >= 0 && v < (double) s->n_state_names && v == floor (v)))
                return s_reject (in, res, -VG_EPROTO, "series %zu: state value out of range", i);
            in->keep[off + j] = ok;
            if (vv)
                vv[off + j] = v;
            pl->kept += ok;
            if (ok && vg_store_bucket (t, bms) != pl->bucket)
                pl->single_bucket = false;
        }
        nrefused += pl->refused ? (uint32_t) n : 0;
        if (vser) {
            vser[i] = (vg_batch_view_series_t) { pl->sid, (uint32_t) n,
                                                 pl->refused ? VG_BATCH_VIEW_REFUSED : UINT32_MAX };
            memcpy (vts + off, in->scratch.ts + off, n * sizeof *vts);
        }
        off += n;
    }
    if (vser)
        view->len = vsize;

    /* ---- pass 2: writes, in store key order ----
     * RocksDB's memtable skiplist inserts cheaply when consecutive keys are close, so the
     * merges of a batch go in (bucket, series) order rather than the agent's order. */
    if (b->n_series > 1)
        s_plan_order (in, b->n_series);
    Vigil__Attr attrs[VG_MAX_LABELS];
    Vigil__Attr *attr_ptrs[VG_MAX_LABELS];
    uint32_t stored = 0, dropped = 0;
    for (size_t i = 0; i < b->n_series; i++) {
        vg_ingest__plan_t *pl = in->order[i];
        const Vigil__Series *s = b->series[pl->index];
        dropped += (uint32_t) (pl->n - pl->kept);
        if (pl->refused)
            continue;
        vg_ingest__series_t *ser = vg_ingest__series_find (in, pl->sid);
        Vigil__SeriesMeta *fresh = NULL;
        if (!ser) {
            fresh = s_meta_for (in, b, s, attrs, attr_ptrs);
            ser = fresh ? vg_ingest__series_add (in, pl->sid, s->kind) : NULL;
            if (!ser || vg_u64map_put (&in->agent_series, agent_h, vg_ingest__agent_series (in, agent_h) + 1) < 0)
                goto oom;
            in->stats.series_new++;
        }
        if (vser)
            vser[pl->index].idx = (uint32_t) (ser - in->series);
        bool meta_changed = fresh != NULL;
        if (s->kind == VIGIL__SERIES_KIND__SERIES_KIND_STATE) {
            rc = vg_ingest__map_states (in, ser, s, fresh, in->scratch.num + pl->off, &pl->type, pl->n, &meta_changed);
            if (rc < 0)
                goto oom;
        }
        if (meta_changed) {
            rc = s_put_meta (in, txn, pl->sid, ser->meta ? ser->meta : fresh);
            if (rc < 0)
                goto oom;
        }
        if (pl->kept == 0)
            continue;
        if (pl->kept == pl->n && pl->single_bucket && s->kind != VIGIL__SERIES_KIND__SERIES_KIND_STATE) {
            /* The agent's chunk was verified above: store it as it came. */
            uint8_t k[VG_SAMPLE_KEY_LEN];
            vg_key_sample (k, pl->bucket, pl->sid);
            vg_store_txn_merge (txn, VG_CF_SAMPLES, k, sizeof k, s->chunk.data, s->chunk.len);
        } else {
            rc = s_write_samples (in, txn, pl->sid, pl->off, pl->n, pl->type);
            if (rc < 0)
                goto oom;
        }
        stored += (uint32_t) pl->kept;
    }
    uint32_t events = 0;
    for (size_t i = 0; i < b->n_events; i++) {
        const Vigil__Event *e = b->events[i];
        if (e->ts_ms < lo || e->ts_ms > hi) {
            dropped++;
            continue;
        }
        rc = s_put_event (in, txn, b, e);
        if (rc < 0)
            goto oom;
        events++;
    }
    if (!s_advance (in, txn, agent, b, now_ms))
        goto oom;
    res->samples = stored;
    res->samples_rejected = dropped;
    res->series_refused = nrefused;
    if (nrefused)
        snprintf (res->reason, sizeof res->reason,
                  "%u samples of new series refused: agent at its series ceiling (limits.agent_series %u)", nrefused,
                  in->cfg.max_agent_series);
    else if (dropped)
        snprintf (res->reason, sizeof res->reason, "%u samples/events outside the accepted time window", dropped);
    in->stats.batches++;
    in->stats.samples += stored;
    in->stats.samples_rejected += dropped;
    in->stats.series_refused += nrefused;
    in->stats.events += events;
    in->stats.bytes += len;
    return 0;
oom:
    /* Writes for this batch may be partly in the txn: the caller must roll back the group. */
    snprintf (res->reason, sizeof res->reason, "out of memory while converting the batch");
    in->stats.rejected++;
    return -VG_ENOMEM;
}

int
vg_ingest_batch (vg_ingest_t *in, const uint8_t *p, size_t len, int64_t now_ms, vg_store_txn_t *txn,
                 vg_ingest_result_t *res)
{
    return vg_ingest_batch_view (in, p, len, now_ms, txn, res, NULL);
}

int
vg_ingest_batch_view (vg_ingest_t *in, const uint8_t *p, size_t len, int64_t now_ms, vg_store_txn_t *txn,
                      vg_ingest_result_t *res, vg_buf_t *view)
{
    const Vigil__Batch *in_order = NULL;
    int rc = s_batch (in, p, len, now_ms, txn, res, &in_order, view);
    if (rc != 0 && view)
        vg_buf_reset (view); /* only an accepted batch has a view */
    /* The agent drops a rejected batch for good and sends the next sequence number, so a
     * rejected batch that was next in order is consumed: the agent's position moves past it
     * in the same commit (otherwise every later batch of the epoch would be a gap). */
    if (rc < 0 && rc != -VG_ENOMEM && in_order &&
        !s_advance (in, txn, vg_ingest__agent_find (in, in_order->agent_id), in_order, now_ms))
        return -VG_ENOMEM;
    return rc;
}

void
vg_ingest_commit (vg_ingest_t *in)
{
    /* The in-memory view was updated as batches were accepted; the counters now count them. */
    in->durable = in->stats;
}

void
vg_ingest_rollback (vg_ingest_t *in)
{
    /* Rare (store failure): rebuild the view from what is durable.  The counters of what
     * was stored forget the pending batches too (they are resent and counted then); the
     * refusals (rejected, duplicates, gaps) stay counted as they were answered. */
    (void) vg_ingest__load (in);
    vg_ingest_stats_t now = in->stats;
    in->stats = in->durable;
    in->stats.rejected = now.rejected;
    in->stats.duplicates = now.duplicates;
    in->stats.gaps = now.gaps;
    in->durable = in->stats;
}

bool
vg_ingest_agent_known (const vg_ingest_t *in, const char *agent_id)
{
    return in->cfg.allow_unknown_agents || vg_ingest__agent_find (in, agent_id) != NULL;
}

int
vg_ingest_agent_resume (vg_ingest_t *in, const char *agent_id, uint64_t epoch, uint64_t acked_seq, int64_t now_ms,
                        vg_store_txn_t *txn)
{
    vg_ingest__agent_t *a = vg_ingest__agent_find (in, agent_id);
    bool new_epoch = a && a->epoch != epoch;
    if (!a || !epoch || (!new_epoch && acked_seq <= a->seq))
        return 0;
    if (!s_advance_to (in, txn, a, agent_id, epoch, acked_seq, now_ms))
        return -VG_ENOMEM;
    if (acked_seq == 0)
        return 0; /* a new epoch from its start: nothing skipped */
    in->stats.resumes++;
    return 1;
}

void
vg_ingest_agent_state (const vg_ingest_t *in, const char *agent_id, uint64_t *epoch, uint64_t *seq)
{
    const vg_ingest__agent_t *a = vg_ingest__agent_find (in, agent_id);
    *epoch = a ? a->epoch : 0;
    *seq = a ? a->seq : 0;
}

const vg_ingest_stats_t *
vg_ingest_stats (const vg_ingest_t *in)
{
    return &in->stats;
}

size_t
vg_ingest_series_count (const vg_ingest_t *in)
{
    return in->nseries;
}
