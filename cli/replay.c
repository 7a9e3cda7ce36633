/* replay.c - stored samples and events through a fresh detector engine, bucket by bucket, in
 * data-time order (see replay.h).
 *
 * Invariant: every sample and event of the range of a selected device reaches the engine
 * once, in (time, series key order) order with a bucket's samples before its events of the
 * same millisecond, or is counted as corrupt; memory held for data is one time slice of a
 * bucket's samples (the whole bucket when it holds at most cfg.max_held samples, else
 * the bucket cut into equal stretches of data time, its chunks decoded once per stretch)
 * plus one series' chunk and one slice of their merge (scratch arrays grow to the largest,
 * never per sample); events are read as the merge reaches their time. */
#include "cli/replay.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/fleet_scope.h"
#include "cli/replay_merge.h"
#include "collector/detect_feed.h"
#include "common/array.h"
#include "common/buf.h"
#include "common/byteorder.h"
#include "common/chunk.h"
#include "common/err.h"
#include "common/samples.h"
#include "common/u64map.h"
#include "detectors/engine.h"
#include "proto/batch.h"
#include "proto/vigil.pb-c.h"
#include "store/sample_merge.h"
#include "store/series_meta.h"

#define S_DEFAULT_HELD ((size_t) 4 << 20) /* samples held at once by default: 64 MiB decoded */
#define S_MAX_STRETCHES 1024

typedef struct {
    uint64_t sid;
    Vigil__SeriesMeta *m;     /* kept for state names; NULL when the series is not selected */
    vg_engine_series_ref_t *ref; /* the engine's series (when selected) */
    int state;                /* a state series (m->kind, kept here: m is a cache miss per sample) */
} s_ser_t;

struct vg_replay {
    vg_replay_cfg_t cfg;
    vg_store_t *s;            /* borrowed */
    vg_store_view_t *v;       /* borrowed */
    vg_engine_t *engine;
    vg_detect_feed_t *feed;   /* the device inventory (and its engine declarations) */
    vg_alert_fn on_alert;
    void *ctx;
    vg_replay_stats_t st;
    int64_t lo, hi;           /* data fed: [lo, hi) */
    /* series seen, selected or not */
    vg_u64map_t sermap;       /* series id -> index in ser */
    s_ser_t *ser;
    size_t nser, capser;
    vg_buf_t meta;            /* scratch: a packed SeriesMeta */
    char source[2 * VG_MAX_ID_LEN];
    /* A narrow selection (replay.h): the selected series ids in key order, read with one
     * point lookup per bucket each instead of a scan of every key; NULL = scan. */
    uint64_t *pick;
    size_t npick, cappick;
    vg_buf_t val;             /* scratch: one samples value (point lookups) */
    /* the current bucket, or the stretch [slo, shi) of it being read */
    int64_t slo, shi;
    vg_samples_t buf;
    size_t used;
    uint32_t *runser;         /* run -> index in ser */
    size_t caprun;
    vg_replay_merge_t *merge;
    /* time */
    int64_t event_time, last_tick;
};

/* ------------------------------------------------------------------------------------ */
/* Devices and series */

static int
s_glob (const char *pattern, const char *s)
{
    return !pattern || fnmatch (pattern, s ? s : "", 0) == 0;
}

/* The inventory view of device id (added with what the store knows when the collector's
 * saved inventory lacks it), or NULL when it cannot be kept. */
static const vg_device_t *
s_device (vg_replay_t *r, const char *id, const char *vendor)
{
    const vg_device_t *d = vg_detect_feed_find (r->feed, id);
    if (d)
        return d;
    vg_device_t in = { id, vendor, "", "", "", "" };
    return vg_detect_feed_device (r->feed, &in);
}

/* The device is selected by --device, --site and --vendor (ignoring case: the sources spell
 * vendors their own way, "Nokia", and operators type "nokia").  Without an inventory site the
 * part of the id before its first '/' stands for the site ("site001/gnb1"). */
static int
s_selected (const vg_replay_t *r, const vg_device_t *d)
{
    if (!s_glob (r->cfg.device, d->id) || !vg_cli_glob_nocase (r->cfg.vendor, d->vendor))
        return 0;
    if (!r->cfg.site)
        return 1;
    char site[VG_MAX_ID_LEN];
    return s_glob (r->cfg.site, vg_device_site (d->id, d->site, site, sizeof site));
}

/* A --device that names one device (no glob characters): its id must occur in the raw
 * record of every series or event of that device, so records without it are skipped
 * unread.  NULL when the selection is not one literal id. */
static const char *
s_literal_device (const vg_replay_t *r)
{
    const char *d = r->cfg.device;
    return d && d[0] && !d[strcspn (d, "*?[\\")] ? d : NULL;
}

/* Whether a raw record may belong to the selection (cheap pre-check before unpacking). */
static int
s_may_match (const vg_replay_t *r, const uint8_t *v, size_t vl)
{
    const char *lit = s_literal_device (r);
    return !lit || vg_mem_contains (v, vl, lit);
}

typedef struct {
    vg_replay_t *r;
    uint64_t all;             /* series records read */
} s_pick_scan_t;

/* One series record of the pre-selection: keep its id when its device is selected (the
 * inventory is only looked at here, never added to: the feed learns devices when their
 * data is read, as in a scan). */
static int
s_pick_key (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_pick_scan_t *ps = ctx;
    vg_replay_t *r = ps->r;
    ps->all++;
    if (kl != VG_SERIES_KEY_LEN || !s_may_match (r, v, vl))
        return 0;
    Vigil__SeriesMeta *m = vigil__series_meta__unpack (NULL, vl, v);
    if (!m)
        return 0; /* counted as corrupt if its samples are read */
    int keep = 0;
    if (m->device) {
        const vg_device_t *d = vg_detect_feed_find (r->feed, m->device);
        vg_device_t tmp = { m->device, m->vendor ? m->vendor : "", "", "", "", "" };
        keep = s_selected (r, d ? d : &tmp);
    }
    vigil__series_meta__free_unpacked (m, NULL);
    if (keep && (vg_array_reserve ((void **) &r->pick, &r->cappick, r->npick + 1, sizeof *r->pick) < 0))
        return -VG_ENOMEM;
    if (keep)
        r->pick[r->npick++] = vg_get_be64 (k);
    return 0;
}

/* With a device, site or vendor selection, list the selected series (in key order); when
 * they are a small part of the store (under a quarter), buckets are read by point lookups
 * of those keys only.  Same series, same order as a scan: the output does not change. */
static int
s_preselect (vg_replay_t *r)
{
    if (!r->cfg.device && !r->cfg.site && !r->cfg.vendor)
        return 0;
    s_pick_scan_t ps = { r, 0 };
    int rc = vg_store_view_scan (r->v, VG_CF_SERIES, NULL, 0, NULL, 0, s_pick_key, &ps);
    if (rc < 0)
        return rc;
    if (r->npick * 4 >= ps.all) {
        free (r->pick);
        r->pick = NULL;
        r->npick = r->cappick = 0;
    } else if (!r->pick) {
        r->pick = malloc (sizeof *r->pick); /* nothing selected: read nothing */
        if (!r->pick)
            return -VG_ENOMEM;
        r->cappick = 1;
    }
    return 0;
}

static int
s_inventory_device (void *ctx, const Vigil__Device *d)
{
    vg_replay_t *r = ctx;
    vg_device_t in = { d->id, d->vendor, d->model, d->role, d->site, d->sw_version };
    vg_detect_feed_device (r->feed, &in);
    return 0;
}

/* Load the collector's saved device inventory, if any (a store without detection has none). */
static int
s_load_inventory (vg_replay_t *r)
{
    int rc = vg_inventory_read (r->v, &r->meta, s_inventory_device, r);
    if (rc > 0)
        r->st.corrupt++;
    return rc > 0 ? 0 : rc;
}

/* Declare a stored series in the engine, as the collector did: its device, path, labels,
 * kind and source ("agent/input"), its handle in *ref.  Returns 0 when declared, 1 when not
 * selected. */
static int
s_declare (vg_replay_t *r, uint64_t sid, const Vigil__SeriesMeta *m, vg_engine_series_ref_t **ref)
{
    if (!m->device || !m->path || m->n_labels > VG_MAX_LABELS || (int) m->kind < 0 ||
        m->kind > VIGIL__SERIES_KIND__SERIES_KIND_STATE)
        return 1;
    const vg_device_t *d = s_device (r, m->device, m->vendor);
    if (!d || !s_selected (r, d))
        return 1;
    vg_label_t labels[VG_MAX_LABELS];
    for (size_t i = 0; i < m->n_labels; i++)
        labels[i] = (vg_label_t) { m->labels[i]->key, m->labels[i]->value };
    vg_series_info_t info = { d, m->path, labels, m->n_labels, (vg_kind_t) m->kind };
    /* The source as the collector's feed names it: agent and input instance, else input kind. */
    const char *src = m->source && m->source[0] ? m->source : m->input && m->input[0] ? m->input : "-";
    snprintf (r->source, sizeof r->source, "%s/%s", m->agent_id ? m->agent_id : "", src);
    return vg_engine_series_ref (r->engine, sid, &info, r->source, ref) < 0 ? 1 : 0;
}

/* The index in r->ser of series sid (looked up and declared on first sight), its record in
 * *out (NULL when not selected).  Returns 0 or a store / memory error. */
static int
s_series (vg_replay_t *r, uint64_t sid, const s_ser_t **out)
{
    uint32_t idx;
    if (vg_u64map_get (&r->sermap, sid, &idx)) {
        *out = &r->ser[idx];
        return 0;
    }
    uint8_t k[VG_SERIES_KEY_LEN];
    vg_be64 (k, sid);
    int rc = vg_store_view_get (r->v, VG_CF_SERIES, k, sizeof k, &r->meta);
    if (rc < 0 && rc != -VG_ENOTFOUND)
        return rc;
    Vigil__SeriesMeta *m = rc == 0 ? vigil__series_meta__unpack (NULL, r->meta.len, r->meta.data) : NULL;
    vg_engine_series_ref_t *ref = NULL;
    if (!m)
        r->st.corrupt++;
    else if (s_declare (r, sid, m, &ref) != 0) {
        vigil__series_meta__free_unpacked (m, NULL);
        m = NULL;
        r->st.series_skipped++;
    } else {
        r->st.series++;
    }
    if (vg_array_reserve ((void **) &r->ser, &r->capser, r->nser + 1, sizeof *r->ser) < 0 ||
        vg_u64map_put (&r->sermap, sid, (uint32_t) r->nser) < 0) {
        if (m)
            vigil__series_meta__free_unpacked (m, NULL);
        return -VG_ENOMEM;
    }
    r->ser[r->nser] = (s_ser_t) { sid, m, ref, m && m->kind == VIGIL__SERIES_KIND__SERIES_KIND_STATE };
    *out = &r->ser[r->nser++];
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Feeding */

/* Data time advanced to t: tick the engine whenever it moved tick_ms (as the feed does). */
static void
s_advance (vg_replay_t *r, int64_t t)
{
    if (t > r->event_time)
        r->event_time = t;
    if (r->last_tick == INT64_MIN || r->event_time - r->last_tick >= r->cfg.tick_ms) {
        vg_engine_tick (r->engine, r->event_time);
        r->last_tick = r->event_time;
    }
}

static void
s_feed_sample (vg_replay_t *r, const s_ser_t *x, int64_t t, double v)
{
    if (x->state) {
        const Vigil__SeriesMeta *m = x->m;
        if (!(v >= 0 && v < (double) m->n_state_names)) {
            r->st.corrupt++;
            return;
        }
        vg_engine_state (r->engine, x->sid, t, m->state_names[(size_t) v]);
    } else {
        vg_engine_sample_ref (r->engine, x->ref, t, v);
    }
    r->st.samples++;
    s_advance (r, t);
}

static void
s_feed_event (vg_replay_t *r, const uint8_t *v, size_t vl)
{
    Vigil__StoredEvent *e = vigil__stored_event__unpack (NULL, vl, v);
    const vg_device_t *d = e && e->device && e->n_attrs <= VG_MAX_ATTRS ? s_device (r, e->device, e->vendor) : NULL;
    if (!d) {
        r->st.corrupt++;
        goto done;
    }
    if (!s_selected (r, d))
        goto done;
    vg_label_t attrs[VG_MAX_ATTRS];
    for (size_t i = 0; i < e->n_attrs; i++)
        attrs[i] = (vg_label_t) { e->attrs[i]->key, e->attrs[i]->value };
    vg_flow_t flow;
    vg_gap_t gap;
    vg_event_t ev = { d->id, e->ts_ms, (vg_event_type_t) e->type, attrs, e->n_attrs, NULL, NULL, e->input };
    vg_batch_event_extras (e->flow, e->gap, &flow, &gap, &ev);
    if (vg_engine_event (r->engine, &ev, d) == 0) {
        r->st.events++;
        s_advance (r, e->ts_ms);
    }
done:
    if (e)
        vigil__stored_event__free_unpacked (e, NULL);
}

/* ------------------------------------------------------------------------------------ */
/* Reading a bucket */

/* One samples key of the bucket: decode its samples of the range as one run. */
static int
s_sample_key (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    vg_replay_t *r = ctx;
    if (kl != VG_SAMPLE_KEY_LEN) {
        r->st.corrupt++;
        return 0;
    }
    const s_ser_t *x;
    int rc = s_series (r, vg_get_be64 (k + 4), &x);
    if (rc < 0 || !x->m)
        return rc;
    size_t off = r->used, run = vg_replay_merge_runs (r->merge);
    rc = vg_sample_value_append (v, vl, r->slo, r->shi, &r->buf, &r->used);
    if (rc == -VG_EPROTO || rc == -VG_ETRUNC) {
        r->st.corrupt++;
        return 0;
    }
    if (rc < 0)
        return rc;
    if (vg_array_reserve ((void **) &r->runser, &r->caprun, run + 1, sizeof *r->runser) < 0 ||
        vg_replay_merge_add (r->merge, off, r->used - off) < 0)
        return -VG_ENOMEM;
    r->runser[run] = (uint32_t) (x - r->ser);
    return 0;
}

/* The bucket's next event (keys are in time order) inside the range that may be the
 * selection's: 1 with its time and stored record (valid until the iterator moves), 0 when
 * there is none, or -VG_ESTORE.  Events are pulled as the samples' merge reaches their
 * time, not collected first: the first alert of a range does not wait for every event of
 * the bucket to be read (a day bucket of a 100-site fleet holds 83,000). */
static int
s_next_event (vg_replay_t *r, vg_store_iter_t *it, int64_t *ts, const uint8_t **v, size_t *vl)
{
    const uint8_t *k;
    size_t kl;
    int rc;
    while ((rc = vg_store_iter_next (it, &k, &kl, v, vl)) == 1) {
        if (kl != VG_EVENT_KEY_LEN) {
            r->st.corrupt++;
            continue;
        }
        *ts = (int64_t) (vg_get_be64 (k + 4) ^ (1ULL << 63));
        if (*ts >= r->lo && *ts < r->hi && s_may_match (r, *v, *vl))
            return 1;
    }
    return rc;
}

/* The first bucket >= b holding samples or events (UINT64_MAX: none): empty buckets cost
 * one seek per column family, so a range from 0 costs no more than its data. */
static int
s_next_bucket (vg_replay_t *r, uint32_t b, uint64_t *out)
{
    uint64_t ns = UINT64_MAX, ne = UINT64_MAX;
    int rc = vg_store_view_next_bucket (r->v, VG_CF_SAMPLES, b, &ns);
    rc = rc ? rc : vg_store_view_next_bucket (r->v, VG_CF_EVENTS, b, &ne);
    *out = ns < ne ? ns : ne;
    return rc;
}

/* The selected series' keys of bucket b, one point lookup each, in key order. */
static int
s_pick_bucket (vg_replay_t *r, uint32_t b)
{
    for (size_t i = 0; i < r->npick; i++) {
        uint8_t k[VG_SAMPLE_KEY_LEN];
        vg_key_sample (k, b, r->pick[i]);
        int rc = vg_store_view_get (r->v, VG_CF_SAMPLES, k, sizeof k, &r->val);
        if (rc == -VG_ENOTFOUND)
            continue;
        rc = rc < 0 ? rc : s_sample_key (r, k, sizeof k, r->val.data, r->val.len);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* One samples key of a bucket: add an upper bound of its samples to *(uint64_t *) ctx.  A
 * value is one chunk once sealed (its header says how many), a few small ones before:
 * count a sample per byte as well, so an unsealed value is not undercounted. */
static int
s_count_key (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void) k;
    (void) kl;
    int codec;
    uint32_t n = 0;
    if (vg_chunk_header (v, vl, &codec, &n) < 0)
        n = 0;
    *(uint64_t *) ctx += n > vl ? n : vl;
    return 0;
}

/* Into how many stretches of data time bucket b's part [lo, hi) (of its bms) is cut so
 * that one stretch holds about cfg.max_held samples at most, the bucket's samples taken as
 * spread evenly over it (1 for a narrow selection: few series). */
static int
s_stretches (vg_replay_t *r, const uint8_t *k0, const uint8_t *end, double part, int *out)
{
    *out = 1;
    if (r->pick)
        return 0;
    uint64_t n = 0;
    int rc = vg_store_view_scan (r->v, VG_CF_SAMPLES, k0, 4, end, end ? 4 : 0, s_count_key, &n);
    if (rc < 0)
        return rc;
    uint64_t k = ((uint64_t) ((double) n * part) + r->cfg.max_held - 1) / r->cfg.max_held;
    *out = k < 1 ? 1 : k > S_MAX_STRETCHES ? S_MAX_STRETCHES : (int) k;
    return 0;
}

/* Decode the samples of [r->slo, r->shi) of bucket b into the merge's runs. */
static int
s_read_stretch (vg_replay_t *r, uint32_t b, const uint8_t *k0, const uint8_t *end)
{
    r->used = 0;
    vg_replay_merge_reset (r->merge);
    int rc = r->pick ? s_pick_bucket (r, b) : vg_store_view_scan (r->v, VG_CF_SAMPLES, k0, 4, end, end ? 4 : 0,
                                                                  s_sample_key, r);
    if (rc == 0 && r->used > r->st.max_bucket_samples)
        r->st.max_bucket_samples = r->used;
    return rc;
}

/* Read bucket b and feed it in time order, one stretch of data time after the other: the
 * events of a stretch go with its samples (those of its last millisecond after them), so
 * the order is the one the whole bucket read at once gives. */
static int
s_bucket (vg_replay_t *r, uint32_t b)
{
    uint8_t k0[4], k1[4];
    vg_be32 (k0, b);
    vg_be32 (k1, b + 1);
    const uint8_t *end = b == UINT32_MAX ? NULL : k1;
    int64_t bms = vg_store_bucket_ms (r->s), lo = (int64_t) b * bms, hi = lo + bms;
    if (lo < r->lo)
        lo = r->lo;
    if (hi > r->hi)
        hi = r->hi;
    int ns = 1;
    int rc = s_stretches (r, k0, end, hi > lo ? (double) (hi - lo) / (double) bms : 1.0, &ns);
    if (rc < 0)
        return rc;
    r->st.buckets++;
    if ((uint64_t) ns > r->st.max_stretches)
        r->st.max_stretches = (uint64_t) ns;
    vg_store_iter_t *it = vg_store_view_iter (r->v, VG_CF_EVENTS, k0, 4, end, end ? 4 : 0);
    if (!it)
        return -VG_ENOMEM;
    int64_t te = INT64_MAX;
    const uint8_t *ev = NULL;
    size_t evl = 0;
    int has = s_next_event (r, it, &te, &ev, &evl);
    rc = has < 0 ? has : 0;
    for (int i = 0; i < ns && rc == 0; i++) {
        /* One stretch; the first and last open-ended, so that nothing of the range is missed. */
        r->slo = i == 0 ? r->lo : lo + (hi - lo) / ns * i;
        r->shi = i == ns - 1 ? r->hi : lo + (hi - lo) / ns * (i + 1);
        rc = s_read_stretch (r, b, k0, end);
        rc = rc < 0 ? rc : vg_replay_merge_start (r->merge, r->buf.ts, r->buf.v);
        while (rc == 0) {
            int64_t ts = vg_replay_merge_peek (r->merge);
            vg_replay_sample_t x;
            if (ts <= (has == 1 ? te : INT64_MAX) && (rc = vg_replay_merge_next (r->merge, &x)) == 1) {
                s_feed_sample (r, &r->ser[r->runser[x.run]], x.ts, x.v);
                rc = 0;
            } else if (rc == 0 && has == 1 && te < r->shi) {
                s_feed_event (r, ev, evl); /* samples first within a millisecond */
                has = s_next_event (r, it, &te, &ev, &evl);
                rc = has < 0 ? has : 0;
            } else {
                break;
            }
        }
    }
    vg_store_iter_destroy (&it);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Life cycle */

static void
s_on_alert (void *ctx, const vg_alert_t *a)
{
    vg_replay_t *r = ctx;
    if (a->time_ms < r->cfg.from_ms) {
        r->st.warmup_alerts++;
        return;
    }
    r->st.alerts++;
    r->on_alert (r->ctx, a);
}

vg_replay_t *
vg_replay_new (const vg_replay_cfg_t *cfg, vg_store_t *s, vg_store_view_t *v, const vg_rules_t *rules,
               vg_alert_fn on_alert, void *ctx, char *err, size_t errlen)
{
    vg_replay_t *r = calloc (1, sizeof *r);
    if (!r) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    r->cfg = *cfg;
    if (r->cfg.tick_ms <= 0)
        r->cfg.tick_ms = 10000;
    if (r->cfg.lateness_ms < 0)
        r->cfg.lateness_ms = 30000;
    if (r->cfg.warmup_ms < 0)
        r->cfg.warmup_ms = 0;
    if (r->cfg.max_held == 0)
        r->cfg.max_held = S_DEFAULT_HELD;
    r->s = s;
    r->v = v;
    r->on_alert = on_alert;
    r->ctx = ctx;
    r->event_time = r->last_tick = INT64_MIN;
    r->hi = r->cfg.to_ms;
    r->lo = r->cfg.from_ms < INT64_MIN + r->cfg.warmup_ms ? INT64_MIN : r->cfg.from_ms - r->cfg.warmup_ms;
    vg_engine_cfg_t ec = { 0 };
    ec.lateness_ms = r->cfg.lateness_ms;
    ec.tick_ms = r->cfg.tick_ms;
    ec.max_buffered = r->cfg.max_buffered;
    r->engine = vg_engine_new (rules, &ec, s_on_alert, r);
    vg_detect_feed_cfg_t fc = { r->cfg.tick_ms, 0, 0, r->cfg.lateness_ms, 0 };
    r->feed = r->engine ? vg_detect_feed_new (&fc, r->engine) : NULL;
    r->merge = vg_replay_merge_new ();
    if (!r->feed || !r->merge) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    int rc = s_load_inventory (r);
    if (rc < 0) {
        snprintf (err, errlen, "reading the device inventory: %s", vg_strerror (rc));
        goto fail;
    }
    rc = s_preselect (r);
    if (rc < 0) {
        snprintf (err, errlen, "reading the series: %s", vg_strerror (rc));
        goto fail;
    }
    return r;
fail:
    vg_replay_destroy (&r);
    return NULL;
}

int
vg_replay_run (vg_replay_t *r)
{
    if (r->hi <= r->lo)
        return 0;
    int64_t bms = vg_store_bucket_ms (r->s);
    uint64_t b = vg_store_bucket (r->lo, bms), last = vg_store_bucket (r->hi - 1, bms);
    while (b <= last) {
        uint64_t next;
        int rc = s_next_bucket (r, (uint32_t) b, &next);
        if (rc < 0)
            return rc;
        if (next > last)
            break;
        rc = s_bucket (r, (uint32_t) next);
        if (rc < 0)
            return rc;
        b = next + 1;
    }
    /* The end of the range is the end of input: release what the reorder buffers hold. */
    vg_engine_flush (r->engine);
    if (r->event_time != INT64_MIN)
        vg_engine_tick (r->engine, r->event_time);
    return 0;
}

void
vg_replay_stats (const vg_replay_t *r, vg_replay_stats_t *out)
{
    *out = r->st;
}

void
vg_replay_destroy (vg_replay_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_replay_t *r = *self_p;
    /* The engine holds views of the feed's devices: it goes first. */
    vg_engine_destroy (&r->engine);
    vg_detect_feed_destroy (&r->feed);
    for (size_t i = 0; i < r->nser; i++)
        if (r->ser[i].m)
            vigil__series_meta__free_unpacked (r->ser[i].m, NULL);
    free (r->ser);
    vg_u64map_free (&r->sermap);
    vg_buf_free (&r->meta);
    vg_buf_free (&r->val);
    free (r->pick);
    vg_samples_free (&r->buf);
    free (r->runser);
    vg_replay_merge_destroy (&r->merge);
    free (r);
    *self_p = NULL;
}
