/* batcher.c - sample pool, series and device tables, events, gaps and flush policy (see
 * batcher.h); the flush itself is batcher_flush.c.  The vigil.Batch layout is not known
 * here: a flush groups the pool per series and hands devices, series and events to the
 * batch writer (proto/batch_writer.h), then compresses.
 *
 * Invariants: strings of devices and series are interned for the agent's lifetime, so a
 * pointer identifies a string; the pool holds (ts, value, type) in arrival order, each
 * sample linked to the next one of its series (a series' samples of the batch are the list
 * from its head), and grows by doubling up to max_samples only as batches need it; event
 * data lives in a fixed arena reset at every flush; everything admitted fits the bounds of
 * the batch reader (proto/batch.h), so the writer does not refuse it. */
#include "agent/batcher_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/array.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/u64map.h"
#include "proto/batch.h"
#include "proto/batch_writer.h"

#define POOL_FIRST 1024u

/* Intern s; returns the canonical copy, or NULL on allocation failure. */
const char *
vg_batcher__intern (vg_batcher_t *b, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen (s);
    uint64_t h = vg_hash64 (s, n, 0x737472);
    h = h ? h : 1;
    uint32_t idx;
    while (vg_u64map_get (&b->str_map, h, &idx)) {
        if (strcmp (b->strs[idx], s) == 0)
            return b->strs[idx];
        h = vg_hash_mix64 (h + 1); /* collision: probe a derived key */
        h = h ? h : 1;
    }
    if (vg_array_reserve ((void **) &b->strs, &b->strs_cap, b->nstrs + 1, sizeof *b->strs) < 0)
        return NULL;
    char *copy = malloc (n + 1);
    if (!copy)
        return NULL;
    memcpy (copy, s, n + 1);
    if (vg_u64map_put (&b->str_map, h, (uint32_t) b->nstrs) < 0) {
        free (copy);
        return NULL;
    }
    b->strs[b->nstrs++] = copy;
    return copy;
}

/* Make arrays *ts and *v hold cap items each; 0, or -VG_ENOMEM (either may have grown). */
int
vg_batcher__grow_tv (int64_t **ts, vg_num_t **v, size_t cap)
{
    int64_t *t = realloc (*ts, cap * sizeof *t);
    if (!t)
        return -VG_ENOMEM;
    *ts = t;
    vg_num_t *n = realloc (*v, cap * sizeof *n);
    if (!n)
        return -VG_ENOMEM;
    *v = n;
    return 0;
}

/* Double the pool's capacity (the first call: POOL_FIRST samples), never past max_samples.
 * A live agent's batches, flushed every max_age, stay small; only a replay at full speed
 * or a burst makes the pool as large as max_samples.  0, or -VG_ENOMEM (the pool as it was). */
static int
s_pool_grow (vg_batcher_t *b)
{
    size_t cap = b->pool_cap ? 2 * b->pool_cap : POOL_FIRST;
    if (cap > b->cfg.max_samples)
        cap = b->cfg.max_samples;
    if (cap <= b->pool_cap)
        return -VG_ENOMEM;
    int32_t *tso = realloc (b->tso, cap * sizeof *tso);
    if (!tso)
        return -VG_ENOMEM;
    b->tso = tso;
    if (b->tsw) {
        int64_t *tsw = realloc (b->tsw, cap * sizeof *tsw);
        if (!tsw)
            return -VG_ENOMEM;
        b->tsw = tsw;
    }
    vg_num_t *v = realloc (b->v, cap * sizeof *v);
    if (!v)
        return -VG_ENOMEM;
    b->v = v;
    uint8_t *vt = realloc (b->vt, cap);
    if (vt)
        b->vt = vt;
    uint32_t *next = vt ? realloc (b->next, cap * sizeof *next) : NULL;
    if (!next)
        return -VG_ENOMEM;
    b->next = next;
    b->pool_cap = cap;
    return 0;
}

vg_batcher_t *
vg_batcher_new (const vg_batcher_cfg_t *cfg)
{
    vg_batcher_t *b = calloc (1, sizeof *b);
    if (!b)
        return NULL;
    b->cfg = *cfg;
    if (b->cfg.max_samples == 0)
        b->cfg.max_samples = 65536;
    if (b->cfg.max_events == 0)
        b->cfg.max_events = 4096;
    if (b->cfg.max_series == 0)
        b->cfg.max_series = 1u << 20;
    b->events = malloc ((size_t) b->cfg.max_events * sizeof *b->events);
    b->arena = malloc (VG_BATCHER__EVENT_ARENA);
    b->writer = vg_batch_writer_new (0);
    if (s_pool_grow (b) < 0 || !b->events || !b->arena || !b->writer)
        vg_batcher_destroy (&b);
    return b;
}

void
vg_batcher_destroy (vg_batcher_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_batcher_t *b = *self_p;
    for (size_t i = 0; i < b->nstrs; i++)
        free (b->strs[i]);
    free (b->strs);
    vg_u64map_free (&b->str_map);
    free (b->devices);
    free (b->gaps);
    vg_u64map_free (&b->device_map);
    for (size_t i = 0; i < b->nseries; i++) {
        free (b->series[i].labels);
        free (b->series[i].states);
    }
    free (b->series);
    vg_u64map_free (&b->series_map);
    free (b->tso);
    free (b->tsw);
    free (b->v);
    free (b->vt);
    free (b->next);
    free (b->gts);
    free (b->gv);
    free (b->touched);
    free (b->events);
    free (b->arena);
    vg_batch_writer_destroy (&b->writer);
    free (b->dorder);
    vg_buf_free (&b->packed);
    free (b->last_devices);
    free (b->last_ranges);
    free (b);
    *self_p = NULL;
}

/* True if s does not fit the reader's bound max (strings must be shorter than max): items
 * that would make the writer, or the collector, refuse the batch are refused on entry. */
static bool
s_too_long (const char *s, size_t max)
{
    return s && strnlen (s, max) >= max;
}

static uint64_t
s_dev_key (const char *id)
{
    uint64_t h = vg_hash64 (id, strlen (id), 0x646576);
    return h ? h : 1;
}

static int
s_find_device (const vg_batcher_t *b, const char *id, uint32_t *idx)
{
    return vg_u64map_get (&b->device_map, s_dev_key (id), idx) && strcmp (b->devices[*idx].id, id) == 0;
}

/* Set a device attribute to v, unless v is empty and a value is known. */
static int
s_attr (vg_batcher_t *b, char **field, const char *v)
{
    if ((!v || !v[0]) && *field)
        return 0;
    *field = (char *) vg_batcher__intern (b, v);
    return *field ? 0 : -VG_ENOMEM;
}

static int
s_on_device (void *ctx, const vg_device_t *d)
{
    vg_batcher_t *b = ctx;
    if (!d || !d->id || !d->id[0] || s_too_long (d->id, VG_MAX_ID_LEN) || s_too_long (d->vendor, VG_MAX_ID_LEN)) {
        b->stats.rejected_points++;
        return -VG_EINVAL;
    }
    uint32_t idx;
    vg_batcher__device_t *dev;
    if (s_find_device (b, d->id, &idx)) {
        dev = &b->devices[idx];
    } else {
        if (b->ndevices >= VG_BATCH_MAX_DEVICES)
            return -VG_EFULL;
        if (vg_array_reserve ((void **) &b->devices, &b->devices_cap, b->ndevices + 1, sizeof *b->devices) < 0)
            return -VG_ENOMEM;
        size_t gcap = b->devices_cap;
        vg_batcher__gap_t *ng = realloc (b->gaps, gcap * sizeof *ng);
        if (!ng)
            return -VG_ENOMEM;
        b->gaps = ng;
        idx = (uint32_t) b->ndevices;
        dev = &b->devices[idx];
        memset (dev, 0, sizeof *dev);
        memset (&b->gaps[idx], 0, sizeof b->gaps[idx]);
        dev->batch_idx = -1;
        dev->id = (char *) vg_batcher__intern (b, d->id);
        if (!dev->id || vg_u64map_put (&b->device_map, s_dev_key (d->id), idx) < 0)
            return -VG_ENOMEM;
        b->ndevices++;
        b->stats.devices = b->ndevices;
    }
    /* Identity may change (software upgrade): the next batch carries the new values.  An
     * attribute the message does not carry (NULL or "") keeps the one known: a Huawei
     * UDP-notif message without its vendor module must not make the router vendor-less. */
    if (s_attr (b, &dev->vendor, d->vendor) < 0 || s_attr (b, &dev->model, d->model) < 0 ||
        s_attr (b, &dev->role, d->role) < 0 || s_attr (b, &dev->site, d->site) < 0 ||
        s_attr (b, &dev->sw_version, d->sw_version) < 0)
        return -VG_ENOMEM;
    return 0;
}

static void
s_range (int64_t *from, int64_t *to, int64_t ts)
{
    if (*from == 0 || ts < *from)
        *from = ts;
    if (ts > *to)
        *to = ts;
}

/* Merge a range and counts into the device's pending gap. */
void
vg_batcher__gap_merge (vg_batcher_t *b, uint32_t dev, int64_t ts, uint64_t samples, uint64_t events, const char *reason)
{
    vg_batcher__gap_t *g = &b->gaps[dev];
    s_range (&g->from_ms, &g->to_ms, ts);
    g->samples += samples;
    g->events += events;
    g->reason = reason;
    if (!g->pending)
        b->gaps_pending++;
    g->pending = true;
}

/* Count data the batch could not hold into the device's pending gap. */
void
vg_batcher__gap_add (vg_batcher_t *b, uint32_t dev, int64_t ts, uint64_t samples, uint64_t events, const char *reason)
{
    vg_batcher__gap_merge (b, dev, ts, samples, events, reason);
    b->stats.samples_dropped += samples;
    b->stats.events_dropped += events;
}

static vg_batcher__series_t *
s_series_for (vg_batcher_t *b, const vg_point_t *p, uint32_t dev)
{
    uint64_t sid = p->series_hint ? p->series_hint : vg_series_id (p->device, p->path, p->labels, p->nlabels);
    uint32_t idx;
    if (vg_u64map_get (&b->series_map, sid, &idx))
        return &b->series[idx];
    if (b->nseries >= b->cfg.max_series)
        return NULL;
    if (!p->path || !p->path[0] || s_too_long (p->path, VG_MAX_PATH_LEN) || p->nlabels > VG_MAX_LABELS ||
        s_too_long (p->input, VG_MAX_PATH_LEN) || s_too_long (p->origin_path, VG_MAX_PATH_LEN) ||
        s_too_long (p->unit, VG_MAX_PATH_LEN))
        return NULL;
    for (size_t i = 0; i < p->nlabels; i++)
        if (!p->labels[i].key || !p->labels[i].value || s_too_long (p->labels[i].key, VG_MAX_LABEL_LEN) ||
            s_too_long (p->labels[i].value, VG_MAX_LABEL_LEN))
            return NULL;
    if (vg_array_reserve ((void **) &b->series, &b->series_cap, b->nseries + 1, sizeof *b->series) < 0)
        return NULL;
    vg_batcher__series_t *s = &b->series[b->nseries];
    memset (s, 0, sizeof *s);
    s->sid = sid;
    s->device = dev;
    s->kind = (uint8_t) p->kind;
    s->path = vg_batcher__intern (b, p->path);
    s->input = vg_batcher__intern (b, p->input);
    s->source = vg_batcher__intern (b, b->source);
    s->origin = vg_batcher__intern (b, p->origin_path && strcmp (p->origin_path, p->path) != 0 ? p->origin_path : "");
    s->unit = vg_batcher__intern (b, p->unit);
    s->labels = p->nlabels ? malloc (2 * p->nlabels * sizeof *s->labels) : NULL;
    if (!s->path || !s->input || !s->source || !s->origin || !s->unit || (p->nlabels && !s->labels)) {
        free (s->labels);
        return NULL;
    }
    for (size_t i = 0; i < p->nlabels; i++) {
        s->labels[2 * i] = vg_batcher__intern (b, p->labels[i].key);
        s->labels[2 * i + 1] = vg_batcher__intern (b, p->labels[i].value);
        if (!s->labels[2 * i] || !s->labels[2 * i + 1]) {
            free (s->labels);
            return NULL;
        }
    }
    s->nlabels = (uint8_t) p->nlabels;
    if (vg_u64map_put (&b->series_map, sid, (uint32_t) b->nseries) < 0) {
        free (s->labels);
        return NULL;
    }
    b->nseries++;
    b->stats.series = b->nseries;
    return s;
}

/* Index of a state name in the series' list, adding it. -1 if the list is full. */
static int
s_state_index (vg_batcher_t *b, vg_batcher__series_t *s, const char *state)
{
    for (uint16_t i = 0; i < s->nstates; i++)
        if (strcmp (s->states[i], state) == 0)
            return i;
    if (s->nstates >= VG_BATCH_MAX_STATE_NAMES || s_too_long (state, VG_MAX_STATE_LEN))
        return -1;
    const char **ns = realloc (s->states, (s->nstates + 1u) * sizeof *ns);
    if (!ns)
        return -1;
    s->states = ns;
    const char *name = vg_batcher__intern (b, state);
    if (!name)
        return -1;
    s->states[s->nstates] = name;
    return s->nstates++;
}

static void
s_touch (vg_batcher_t *b)
{
    if (b->oldest_mono == 0) {
        struct timespec t;
        clock_gettime (CLOCK_MONOTONIC, &t);
        b->oldest_mono = (int64_t) t.tv_sec * 1000 + t.tv_nsec / 1000000;
        if (b->oldest_mono == 0)
            b->oldest_mono = 1;
    }
}

/* Keep ts as pool sample i's timestamp: an int32 offset from the batch's first, or, from the
 * first that does not fit on (a batch spanning more than 24 days), every timestamp of the
 * batch in full.  0, or -VG_ENOMEM (nothing changed but ts_base). */
static int
s_ts_put (vg_batcher_t *b, size_t i, int64_t ts)
{
    if (b->tsw) {
        b->tsw[i] = ts;
        return 0;
    }
    if (i == 0)
        b->ts_base = ts;
    uint64_t up = (uint64_t) ts - (uint64_t) b->ts_base, down = (uint64_t) b->ts_base - (uint64_t) ts;
    if (ts >= b->ts_base ? up <= INT32_MAX : down <= (uint64_t) INT32_MAX + 1) {
        b->tso[i] = (int32_t) (ts - b->ts_base);
        return 0;
    }
    int64_t *w = malloc (b->pool_cap * sizeof *w);
    if (!w)
        return -VG_ENOMEM;
    for (size_t k = 0; k < i; k++)
        w[k] = b->ts_base + b->tso[k];
    w[i] = ts;
    b->tsw = w;
    return 0;
}

static int
s_on_sample (void *ctx, const vg_point_t *p)
{
    vg_batcher_t *b = ctx;
    uint32_t dev;
    if (!p->device || !s_find_device (b, p->device, &dev)) {
        b->stats.rejected_points++;
        return -VG_EINVAL;
    }
    b->stats.samples_in++;
    if (b->npool >= b->cfg.max_samples) {
        vg_batcher__gap_add (b, dev, p->ts_ms, 1, 0, "batch_full");
        return -VG_EFULL;
    }
    if (b->npool == b->pool_cap && s_pool_grow (b) < 0) {
        vg_batcher__gap_add (b, dev, p->ts_ms, 1, 0, "out_of_memory");
        return -VG_ENOMEM;
    }
    vg_batcher__series_t *s = s_series_for (b, p, dev);
    if (!s) {
        vg_batcher__gap_add (b, dev, p->ts_ms, 1, 0, "series_limit");
        return -VG_EFULL;
    }
    vg_num_t v = vg_num_f64 (p->value);
    vg_numtype_t vt = VG_NUM_F64;
    if (s->kind == VG_KIND_STATE) {
        int si = p->state ? s_state_index (b, s, p->state) : -1;
        if (si < 0) {
            b->stats.rejected_points++;
            return -VG_EINVAL;
        }
        v = vg_num_f64 (si);
    } else if (p->vtype == VG_NUM_I64 || p->vtype == VG_NUM_U64) {
        v = p->exact;
        vt = p->vtype;
    }
    size_t i = b->npool;
    if (s_ts_put (b, i, p->ts_ms) < 0) {
        vg_batcher__gap_add (b, dev, p->ts_ms, 1, 0, "out_of_memory");
        return -VG_ENOMEM;
    }
    if (s->count == 0) {
        if (vg_array_reserve ((void **) &b->touched, &b->touched_cap, b->ntouched + 1, sizeof *b->touched) < 0)
            return -VG_ENOMEM;
        b->touched[b->ntouched++] = (uint32_t) (s - b->series);
        s->has_int = false;
        s->head = (uint32_t) i;
    } else {
        b->next[s->tail] = (uint32_t) i;
    }
    s->tail = (uint32_t) i;
    s->has_int |= vt != VG_NUM_F64;
    s->count++;
    b->npool++;
    b->v[i] = v;
    b->vt[i] = (uint8_t) vt;
    vg_batcher__device_t *d = &b->devices[dev];
    s_range (&d->from_ms, &d->to_ms, p->ts_ms);
    d->samples++;
    s_touch (b);
    return 0;
}

void *
vg_batcher__arena_copy (vg_batcher_t *b, const void *src, size_t n)
{
    size_t need = (n + 7) & ~(size_t) 7;
    if (b->arena_used + need > VG_BATCHER__EVENT_ARENA)
        return NULL;
    void *p = b->arena + b->arena_used;
    if (src)
        memcpy (p, src, n);
    b->arena_used += need;
    return p;
}

static const char *
s_arena_str (vg_batcher_t *b, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strnlen (s, VG_MAX_PATH_LEN);
    if (n >= VG_MAX_PATH_LEN)
        return NULL;
    char *p = vg_batcher__arena_copy (b, NULL, n + 1);
    if (p) {
        memcpy (p, s, n);
        p[n] = '\0';
    }
    return p;
}

static int
s_on_event (void *ctx, const vg_event_t *e)
{
    vg_batcher_t *b = ctx;
    uint32_t dev;
    if (!e->device || !s_find_device (b, e->device, &dev) || (int) e->type < 0 || e->type >= VG_EV__COUNT ||
        e->nattrs > VG_MAX_ATTRS || (e->nattrs && !e->attrs) || s_too_long (e->input, VG_MAX_PATH_LEN)) {
        b->stats.rejected_points++;
        return -VG_EINVAL;
    }
    for (size_t i = 0; i < e->nattrs; i++)
        if (s_too_long (e->attrs[i].key, VG_MAX_LABEL_LEN) || s_too_long (e->attrs[i].value, VG_MAX_PATH_LEN)) {
            b->stats.rejected_points++;
            return -VG_EINVAL;
        }
    b->stats.events_in++;
    size_t mark = b->arena_used;
    if (b->nevents >= b->cfg.max_events)
        goto full;
    vg_batcher__event_t *ev = &b->events[b->nevents];
    memset (ev, 0, sizeof *ev);
    ev->type = e->type;
    ev->device = dev;
    ev->ts_ms = e->ts_ms;
    ev->input = vg_batcher__intern (b, e->input);
    if (e->nattrs) {
        ev->attrs = vg_batcher__arena_copy (b, NULL, e->nattrs * sizeof *ev->attrs);
        if (!ev->attrs)
            goto full;
        for (size_t i = 0; i < e->nattrs; i++) {
            ev->attrs[i].key = s_arena_str (b, e->attrs[i].key ? e->attrs[i].key : "");
            ev->attrs[i].value = s_arena_str (b, e->attrs[i].value ? e->attrs[i].value : "");
            if (!ev->attrs[i].key || !ev->attrs[i].value)
                goto full;
        }
        ev->nattrs = e->nattrs;
    }
    if (e->flow) {
        ev->flow = vg_batcher__arena_copy (b, e->flow, sizeof *e->flow);
        if (!ev->flow)
            goto full;
        ev->flow->src = s_arena_str (b, e->flow->src ? e->flow->src : "");
        ev->flow->dst = s_arena_str (b, e->flow->dst ? e->flow->dst : "");
        ev->flow->vrf = s_arena_str (b, e->flow->vrf ? e->flow->vrf : "");
        ev->flow->dst_country = s_arena_str (b, e->flow->dst_country ? e->flow->dst_country : "");
        if (!ev->flow->src || !ev->flow->dst || !ev->flow->vrf || !ev->flow->dst_country)
            goto full;
    }
    if (e->gap) {
        ev->gap = vg_batcher__arena_copy (b, e->gap, sizeof *e->gap);
        if (!ev->gap)
            goto full;
        ev->gap->reason = s_arena_str (b, e->gap->reason ? e->gap->reason : "");
        if (!ev->gap->reason)
            goto full;
    }
    b->nevents++;
    vg_batcher__device_t *d = &b->devices[dev];
    s_range (&d->from_ms, &d->to_ms, e->ts_ms);
    d->events++;
    s_touch (b);
    return 0;
full:
    b->arena_used = mark;
    vg_batcher__gap_add (b, dev, e->ts_ms, 0, 1, "batch_full");
    return -VG_EFULL;
}

void
vg_batcher_set_source (vg_batcher_t *b, const char *source)
{
    snprintf (b->source, sizeof b->source, "%s", source ? source : "");
}

vg_sink_t
vg_batcher_sink (vg_batcher_t *b)
{
    vg_sink_t s = { b, s_on_device, s_on_sample, s_on_event };
    return s;
}

size_t
vg_batcher_pending (const vg_batcher_t *b)
{
    return b->npool + b->nevents + b->gaps_pending;
}

bool
vg_batcher_due (const vg_batcher_t *b, double fill, int64_t now_ms)
{
    if (b->npool >= (size_t) (fill * b->cfg.max_samples) && b->npool > 0)
        return true;
    if (b->nevents >= (size_t) (fill * b->cfg.max_events) && b->nevents > 0)
        return true;
    if (b->gaps_pending)
        return b->oldest_mono == 0 || now_ms - b->oldest_mono >= b->cfg.max_age_ms;
    return b->oldest_mono != 0 && now_ms - b->oldest_mono >= b->cfg.max_age_ms;
}

void
vg_batcher_stats (const vg_batcher_t *b, vg_batcher_stats_t *st)
{
    *st = b->stats;
}
