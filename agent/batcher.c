/* batcher.c - sample pool, series and device tables, batch packing (see batcher.h).
 *
 * Invariants: strings of devices and series are interned for the agent's lifetime, so a
 * pointer identifies a string; the pool holds (series slot, ts, value) triples in arrival
 * order; event data lives in a fixed arena reset at every flush. */
#include "agent/batcher.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/chunk.h"
#include "common/compress.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/u64map.h"
#include "proto/vigil.pb-c.h"

#define MAX_DEVICES 65536u
#define MAX_STATES 256u
#define EVENT_ARENA (1u << 20)

typedef struct {
    char *id, *vendor, *model, *role, *site, *sw_version;
    /* per flush */
    int32_t batch_idx;
    int64_t from_ms, to_ms;     /* data range in the current batch (for gaps) */
    uint64_t samples, events;
} s_device_t;

typedef struct {
    int64_t from_ms, to_ms;
    uint64_t samples, events;
    const char *reason;
    bool pending;
} s_gap_t;

typedef struct {
    uint64_t sid;
    uint32_t device;
    uint8_t kind;
    uint8_t nlabels;
    uint16_t nstates;
    const char *path, *input, *origin, *unit;
    const char **labels;        /* 2 * nlabels interned strings */
    const char **states;        /* STATE series: names seen so far */
    uint32_t count;             /* samples in the current batch */
    uint32_t off;               /* start in the sorted arrays at flush */
} s_series_t;

typedef struct {
    vg_event_type_t type;
    uint32_t device;
    int64_t ts_ms;
    const char *input;
    vg_label_t *attrs;
    size_t nattrs;
    vg_flow_t *flow;
    vg_gap_t *gap;
} s_event_t;

struct vg_batcher {
    vg_batcher_cfg_t cfg;
    /* interned strings */
    vg_u64map_t str_map;        /* hash -> index in strs */
    char **strs;
    size_t nstrs, strs_cap;
    /* devices */
    s_device_t *devices;
    size_t ndevices, devices_cap;
    vg_u64map_t device_map;     /* hash(id) -> index */
    s_gap_t *gaps;              /* per device, pending gap */
    /* series */
    s_series_t *series;
    size_t nseries, series_cap;
    vg_u64map_t series_map;     /* sid -> index */
    /* pool */
    uint32_t *slot;
    int64_t *ts, *ts2;
    double *v, *v2;
    size_t npool;
    uint32_t *touched;          /* series slots with samples in this batch */
    size_t ntouched, touched_cap;
    int64_t oldest_mono;        /* monotonic ms of the first item in the batch, 0 = empty */
    /* events */
    s_event_t *events;
    size_t nevents;
    uint8_t *arena;
    size_t arena_used;
    /* packing scratch, reused */
    vg_u64map_t batch_strs;     /* interned pointer -> batch string index */
    const char **bstrs;
    size_t nbstrs, bstrs_cap;
    vg_buf_t chunks;
    vg_buf_t packed;            /* uncompressed batch before zstd */
    vg_batcher_stats_t stats;
    /* devices touched by the last flush (for lost_last) */
    uint32_t *last_devices;
    s_gap_t *last_ranges;
    size_t nlast;
};

static int
s_grow (void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap *= 2;
    void *np = realloc (*p, ncap * elem);
    if (!np)
        return -VG_ENOMEM;
    *p = np;
    *cap = ncap;
    return 0;
}

/* Intern s; returns the canonical copy, or NULL on allocation failure. */
static const char *
s_intern (vg_batcher_t *b, const char *s)
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
    if (s_grow ((void **) &b->strs, &b->strs_cap, b->nstrs + 1, sizeof *b->strs) < 0)
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
    size_t n = b->cfg.max_samples;
    b->slot = malloc (n * sizeof *b->slot);
    b->ts = malloc (n * sizeof *b->ts);
    b->ts2 = malloc (n * sizeof *b->ts2);
    b->v = malloc (n * sizeof *b->v);
    b->v2 = malloc (n * sizeof *b->v2);
    b->events = malloc ((size_t) b->cfg.max_events * sizeof *b->events);
    b->arena = malloc (EVENT_ARENA);
    if (!b->slot || !b->ts || !b->ts2 || !b->v || !b->v2 || !b->events || !b->arena)
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
    free (b->slot);
    free (b->ts);
    free (b->ts2);
    free (b->v);
    free (b->v2);
    free (b->touched);
    free (b->events);
    free (b->arena);
    vg_u64map_free (&b->batch_strs);
    free (b->bstrs);
    vg_buf_free (&b->chunks);
    vg_buf_free (&b->packed);
    free (b->last_devices);
    free (b->last_ranges);
    free (b);
    *self_p = NULL;
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

static int
s_on_device (void *ctx, const vg_device_t *d)
{
    vg_batcher_t *b = ctx;
    if (!d || !d->id || !d->id[0] || strlen (d->id) > VG_MAX_ID_LEN) {
        b->stats.rejected_points++;
        return -VG_EINVAL;
    }
    uint32_t idx;
    s_device_t *dev;
    if (s_find_device (b, d->id, &idx)) {
        dev = &b->devices[idx];
    } else {
        if (b->ndevices >= MAX_DEVICES)
            return -VG_EFULL;
        if (s_grow ((void **) &b->devices, &b->devices_cap, b->ndevices + 1, sizeof *b->devices) < 0)
            return -VG_ENOMEM;
        size_t gcap = b->devices_cap;
        s_gap_t *ng = realloc (b->gaps, gcap * sizeof *ng);
        if (!ng)
            return -VG_ENOMEM;
        b->gaps = ng;
        idx = (uint32_t) b->ndevices;
        dev = &b->devices[idx];
        memset (dev, 0, sizeof *dev);
        memset (&b->gaps[idx], 0, sizeof b->gaps[idx]);
        dev->batch_idx = -1;
        dev->id = (char *) s_intern (b, d->id);
        if (!dev->id || vg_u64map_put (&b->device_map, s_dev_key (d->id), idx) < 0)
            return -VG_ENOMEM;
        b->ndevices++;
        b->stats.devices = b->ndevices;
    }
    /* Identity may change (software upgrade): the next batch carries the new values. */
    dev->vendor = (char *) s_intern (b, d->vendor);
    dev->model = (char *) s_intern (b, d->model);
    dev->role = (char *) s_intern (b, d->role);
    dev->site = (char *) s_intern (b, d->site);
    dev->sw_version = (char *) s_intern (b, d->sw_version);
    if (!dev->vendor || !dev->model || !dev->role || !dev->site || !dev->sw_version)
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

/* Count data the batch could not hold into the device's pending gap. */
static void
s_gap_add (vg_batcher_t *b, uint32_t dev, int64_t ts, uint64_t samples, uint64_t events, const char *reason)
{
    s_gap_t *g = &b->gaps[dev];
    s_range (&g->from_ms, &g->to_ms, ts);
    g->samples += samples;
    g->events += events;
    g->reason = reason;
    g->pending = true;
    b->stats.samples_dropped += samples;
    b->stats.events_dropped += events;
}

static s_series_t *
s_series_for (vg_batcher_t *b, const vg_point_t *p, uint32_t dev)
{
    uint64_t sid = p->series_hint ? p->series_hint : vg_series_id (p->device, p->path, p->labels, p->nlabels);
    uint32_t idx;
    if (vg_u64map_get (&b->series_map, sid, &idx))
        return &b->series[idx];
    if (b->nseries >= b->cfg.max_series)
        return NULL;
    if (!p->path || !p->path[0] || strlen (p->path) > VG_MAX_PATH_LEN || p->nlabels > VG_MAX_LABELS)
        return NULL;
    for (size_t i = 0; i < p->nlabels; i++)
        if (!p->labels[i].key || !p->labels[i].value || strlen (p->labels[i].key) > VG_MAX_LABEL_LEN ||
            strlen (p->labels[i].value) > VG_MAX_LABEL_LEN)
            return NULL;
    if (s_grow ((void **) &b->series, &b->series_cap, b->nseries + 1, sizeof *b->series) < 0)
        return NULL;
    s_series_t *s = &b->series[b->nseries];
    memset (s, 0, sizeof *s);
    s->sid = sid;
    s->device = dev;
    s->kind = (uint8_t) p->kind;
    s->path = s_intern (b, p->path);
    s->input = s_intern (b, p->input);
    s->origin = s_intern (b, p->origin_path && strcmp (p->origin_path, p->path) != 0 ? p->origin_path : "");
    s->unit = s_intern (b, p->unit);
    s->labels = p->nlabels ? malloc (2 * p->nlabels * sizeof *s->labels) : NULL;
    if (!s->path || !s->input || !s->origin || !s->unit || (p->nlabels && !s->labels)) {
        free (s->labels);
        return NULL;
    }
    for (size_t i = 0; i < p->nlabels; i++) {
        s->labels[2 * i] = s_intern (b, p->labels[i].key);
        s->labels[2 * i + 1] = s_intern (b, p->labels[i].value);
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
s_state_index (vg_batcher_t *b, s_series_t *s, const char *state)
{
    for (uint16_t i = 0; i < s->nstates; i++)
        if (strcmp (s->states[i], state) == 0)
            return i;
    if (s->nstates >= MAX_STATES || strlen (state) > VG_MAX_STATE_LEN)
        return -1;
    const char **ns = realloc (s->states, (s->nstates + 1u) * sizeof *ns);
    if (!ns)
        return -1;
    s->states = ns;
    const char *name = s_intern (b, state);
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
        s_gap_add (b, dev, p->ts_ms, 1, 0, "batch_full");
        return -VG_EFULL;
    }
    s_series_t *s = s_series_for (b, p, dev);
    if (!s) {
        s_gap_add (b, dev, p->ts_ms, 1, 0, "series_limit");
        return -VG_EFULL;
    }
    double v = p->value;
    if (s->kind == VG_KIND_STATE) {
        int si = p->state ? s_state_index (b, s, p->state) : -1;
        if (si < 0) {
            b->stats.rejected_points++;
            return -VG_EINVAL;
        }
        v = si;
    }
    if (s->count == 0) {
        if (s_grow ((void **) &b->touched, &b->touched_cap, b->ntouched + 1, sizeof *b->touched) < 0)
            return -VG_ENOMEM;
        b->touched[b->ntouched++] = (uint32_t) (s - b->series);
    }
    s->count++;
    size_t i = b->npool++;
    b->slot[i] = (uint32_t) (s - b->series);
    b->ts[i] = p->ts_ms;
    b->v[i] = v;
    s_device_t *d = &b->devices[dev];
    s_range (&d->from_ms, &d->to_ms, p->ts_ms);
    d->samples++;
    s_touch (b);
    return 0;
}

static void *
s_arena_copy (vg_batcher_t *b, const void *src, size_t n)
{
    size_t need = (n + 7) & ~(size_t) 7;
    if (b->arena_used + need > EVENT_ARENA)
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
    size_t n = strnlen (s, VG_MAX_PATH_LEN + 1);
    if (n > VG_MAX_PATH_LEN)
        return NULL;
    char *p = s_arena_copy (b, NULL, n + 1);
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
        e->nattrs > VG_MAX_ATTRS) {
        b->stats.rejected_points++;
        return -VG_EINVAL;
    }
    b->stats.events_in++;
    size_t mark = b->arena_used;
    if (b->nevents >= b->cfg.max_events)
        goto full;
    s_event_t *ev = &b->events[b->nevents];
    memset (ev, 0, sizeof *ev);
    ev->type = e->type;
    ev->device = dev;
    ev->ts_ms = e->ts_ms;
    ev->input = s_intern (b, e->input);
    if (e->nattrs) {
        ev->attrs = s_arena_copy (b, NULL, e->nattrs * sizeof *ev->attrs);
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
        ev->flow = s_arena_copy (b, e->flow, sizeof *e->flow);
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
        ev->gap = s_arena_copy (b, e->gap, sizeof *e->gap);
        if (!ev->gap)
            goto full;
        ev->gap->reason = s_arena_str (b, e->gap->reason ? e->gap->reason : "");
        if (!ev->gap->reason)
            goto full;
    }
    b->nevents++;
    s_device_t *d = &b->devices[dev];
    s_range (&d->from_ms, &d->to_ms, e->ts_ms);
    d->events++;
    s_touch (b);
    return 0;
full:
    b->arena_used = mark;
    s_gap_add (b, dev, e->ts_ms, 0, 1, "batch_full");
    return -VG_EFULL;
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
    return b->npool + b->nevents;
}

bool
vg_batcher_due (const vg_batcher_t *b, double fill, int64_t now_ms)
{
    if (b->npool >= (size_t) (fill * b->cfg.max_samples) && b->npool > 0)
        return true;
    if (b->nevents >= (size_t) (fill * b->cfg.max_events) && b->nevents > 0)
        return true;
    for (size_t i = 0; i < b->ndevices; i++)
        if (b->gaps[i].pending)
            return b->oldest_mono == 0 || now_ms - b->oldest_mono >= b->cfg.max_age_ms;
    return b->oldest_mono != 0 && now_ms - b->oldest_mono >= b->cfg.max_age_ms;
}

/* Batch string index of an interned string. */
static uint32_t
s_bstr (vg_batcher_t *b, const char *s, int *rc)
{
    if (!s || !s[0])
        return 0;
    uint64_t key = (uint64_t) (uintptr_t) s;
    uint32_t idx;
    if (vg_u64map_get (&b->batch_strs, key, &idx))
        return idx;
    if (s_grow ((void **) &b->bstrs, &b->bstrs_cap, b->nbstrs + 1, sizeof *b->bstrs) < 0 ||
        vg_u64map_put (&b->batch_strs, key, (uint32_t) b->nbstrs) < 0) {
        *rc = -VG_ENOMEM;
        return 0;
    }
    b->bstrs[b->nbstrs] = s;
    return (uint32_t) b->nbstrs++;
}

/* Batch device index (adding the device to the batch's table). */
static uint32_t
s_bdev (vg_batcher_t *b, uint32_t dev, uint32_t *order, size_t *norder)
{
    s_device_t *d = &b->devices[dev];
    if (d->batch_idx < 0) {
        d->batch_idx = (int32_t) *norder;
        order[(*norder)++] = dev;
    }
    return (uint32_t) d->batch_idx;
}

int
vg_batcher_flush (vg_batcher_t *b, uint64_t epoch, uint64_t seq, int64_t created_ms, vg_buf_t *out)
{
    /* Pending gaps become events of this batch (their own arena space is small). */
    vg_gap_t gapv[64];
    size_t ngapv = 0;
    for (size_t i = 0; i < b->ndevices && ngapv < 64; i++) {
        s_gap_t *g = &b->gaps[i];
        if (!g->pending || b->nevents >= b->cfg.max_events)
            continue;
        gapv[ngapv] = (vg_gap_t) { g->from_ms, g->to_ms, g->samples, g->events, g->reason };
        int64_t ts = g->to_ms;
        memset (g, 0, sizeof *g);
        /* Not through s_on_event: a gap must not count itself as dropped data. */
        s_event_t *ev = &b->events[b->nevents];
        memset (ev, 0, sizeof *ev);
        ev->type = VG_EV_GAP;
        ev->device = (uint32_t) i;
        ev->ts_ms = ts;
        ev->input = s_intern (b, "agent");
        ev->gap = s_arena_copy (b, &gapv[ngapv], sizeof gapv[ngapv]);
        if (!ev->gap || !ev->input)
            continue;
        ev->gap->reason = s_intern (b, gapv[ngapv].reason ? gapv[ngapv].reason : "");
        b->nevents++;
        ngapv++;
    }
    size_t total = b->npool + b->nevents;
    if (total == 0)
        return 0;
    int rc = 0;
    size_t nser = b->ntouched;
    /* Group samples by series: offsets from per-series counts, then scatter. */
    uint32_t off = 0;
    for (size_t i = 0; i < nser; i++) {
        s_series_t *s = &b->series[b->touched[i]];
        s->off = off;
        off += s->count;
        s->count = 0;
    }
    for (size_t i = 0; i < b->npool; i++) {
        s_series_t *s = &b->series[b->slot[i]];
        size_t j = s->off + s->count++;
        b->ts2[j] = b->ts[i];
        b->v2[j] = b->v[i];
    }
    /* String and device tables. */
    vg_u64map_clear (&b->batch_strs);
    if (s_grow ((void **) &b->bstrs, &b->bstrs_cap, 1, sizeof *b->bstrs) < 0)
        return -VG_ENOMEM;
    b->bstrs[0] = ""; /* index 0 is the empty string */
    b->nbstrs = 1;
    uint32_t *dorder = malloc ((b->ndevices ? b->ndevices : 1) * sizeof *dorder);
    Vigil__Series *sv = calloc (nser ? nser : 1, sizeof *sv);
    Vigil__Series **sp = calloc (nser ? nser : 1, sizeof *sp);
    uint32_t *labels = calloc (nser ? nser * 2 * VG_MAX_LABELS : 1, sizeof *labels);
    size_t *chunk_off = calloc (nser ? nser : 1, sizeof *chunk_off);
    Vigil__Event *evv = calloc (b->nevents ? b->nevents : 1, sizeof *evv);
    Vigil__Event **evp = calloc (b->nevents ? b->nevents : 1, sizeof *evp);
    Vigil__Attr *attrv = calloc (b->nevents ? b->nevents * VG_MAX_ATTRS : 1, sizeof *attrv);
    Vigil__Attr **attrp = calloc (b->nevents ? b->nevents * VG_MAX_ATTRS : 1, sizeof *attrp);
    Vigil__FlowSummary *flowv = calloc (b->nevents ? b->nevents : 1, sizeof *flowv);
    Vigil__Gap *gapp = calloc (b->nevents ? b->nevents : 1, sizeof *gapp);
    Vigil__Device *devv = NULL;
    Vigil__Device **devp = NULL;
    size_t ndev = 0;
    if (!dorder || !sv || !sp || !labels || !chunk_off || !evv || !evp || !attrv || !attrp || !flowv || !gapp) {
        rc = -VG_ENOMEM;
        goto done;
    }
    vg_buf_reset (&b->chunks);
    for (size_t i = 0; i < nser && rc == 0; i++) {
        s_series_t *s = &b->series[b->touched[i]];
        Vigil__Series *x = &sv[i];
        vigil__series__init (x);
        x->device = s_bdev (b, s->device, dorder, &ndev);
        x->path = s_bstr (b, s->path, &rc);
        x->n_labels = 2u * s->nlabels;
        x->labels = labels + i * 2 * VG_MAX_LABELS;
        for (size_t j = 0; j < x->n_labels; j++)
            x->labels[j] = s_bstr (b, s->labels[j], &rc);
        x->kind = (Vigil__SeriesKind) s->kind;
        x->input = s_bstr (b, s->input, &rc);
        x->origin_path = s_bstr (b, s->origin, &rc);
        x->unit = (char *) s->unit;
        x->count = s->count;
        if (s->kind == VG_KIND_STATE) {
            x->n_state_names = s->nstates;
            x->state_names = (char **) s->states;
        }
        chunk_off[i] = b->chunks.len;
        rc = rc ? rc : vg_chunk_encode (b->ts2 + s->off, b->v2 + s->off, s->count, &b->chunks);
        sp[i] = x;
    }
    for (size_t i = 0; i < nser; i++) {
        size_t end = i + 1 < nser ? chunk_off[i + 1] : b->chunks.len;
        sv[i].chunk.data = b->chunks.data + chunk_off[i];
        sv[i].chunk.len = end - chunk_off[i];
    }
    size_t na = 0;
    for (size_t i = 0; i < b->nevents && rc == 0; i++) {
        s_event_t *e = &b->events[i];
        Vigil__Event *x = &evv[i];
        vigil__event__init (x);
        x->device = s_bdev (b, e->device, dorder, &ndev);
        x->ts_ms = e->ts_ms;
        x->type = (Vigil__EventType) e->type;
        x->input = s_bstr (b, e->input, &rc);
        x->attrs = attrp + na;
        for (size_t j = 0; j < e->nattrs; j++) {
            vigil__attr__init (&attrv[na]);
            attrv[na].key = (char *) e->attrs[j].key;
            attrv[na].value = (char *) e->attrs[j].value;
            attrp[na] = &attrv[na];
            na++;
        }
        x->n_attrs = e->nattrs;
        if (e->flow) {
            Vigil__FlowSummary *f = &flowv[i];
            vigil__flow_summary__init (f);
            f->src = (char *) e->flow->src;
            f->dst = (char *) e->flow->dst;
            f->dst_port = e->flow->dst_port;
            f->protocol = e->flow->protocol;
            f->bytes = e->flow->bytes;
            f->packets = e->flow->packets;
            f->interval_ms = e->flow->interval_ms;
            f->vrf = (char *) e->flow->vrf;
            f->dst_asn = e->flow->dst_asn;
            f->dst_country = (char *) e->flow->dst_country;
            x->flow = f;
        }
        if (e->gap) {
            Vigil__Gap *g = &gapp[i];
            vigil__gap__init (g);
            g->from_ms = e->gap->from_ms;
            g->to_ms = e->gap->to_ms;
            g->samples = e->gap->samples;
            g->events = e->gap->events;
            g->reason = (char *) (e->gap->reason ? e->gap->reason : "");
            x->gap = g;
        }
        evp[i] = x;
    }
    if (rc < 0)
        goto done;
    devv = calloc (ndev ? ndev : 1, sizeof *devv);
    devp = calloc (ndev ? ndev : 1, sizeof *devp);
    if (!devv || !devp) {
        rc = -VG_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < ndev; i++) {
        s_device_t *d = &b->devices[dorder[i]];
        vigil__device__init (&devv[i]);
        devv[i].id = d->id;
        devv[i].vendor = d->vendor;
        devv[i].model = d->model;
        devv[i].role = d->role;
        devv[i].site = d->site;
        devv[i].sw_version = d->sw_version;
        devp[i] = &devv[i];
    }
    Vigil__Batch batch = VIGIL__BATCH__INIT;
    batch.agent_id = (char *) b->cfg.agent_id;
    batch.epoch = epoch;
    batch.seq = seq;
    batch.created_ms = created_ms;
    batch.n_strings = b->nbstrs;
    batch.strings = (char **) b->bstrs;
    batch.n_devices = ndev;
    batch.devices = devp;
    batch.n_series = nser;
    batch.series = sp;
    batch.n_events = b->nevents;
    batch.events = evp;
    size_t sz = vigil__batch__get_packed_size (&batch);
    vg_buf_t *dst = b->cfg.compression >= 0 ? &b->packed : out;
    vg_buf_reset (dst);
    rc = vg_buf_reserve (dst, sz);
    if (rc == 0) {
        dst->len = vigil__batch__pack (&batch, dst->data);
        b->stats.bytes_raw += dst->len;
        if (dst != out)
            rc = vg_zstd_compress (dst->data, dst->len, b->cfg.compression ? b->cfg.compression : 1, out);
    }
    if (rc == 0) {
        b->stats.batches++;
        b->stats.bytes_out += out->len;
    }
done:
    /* Remember what this batch held per device, in case it cannot be kept. */
    if (rc == 0) {
        free (b->last_devices);
        free (b->last_ranges);
        b->last_devices = malloc ((ndev ? ndev : 1) * sizeof *b->last_devices);
        b->last_ranges = malloc ((ndev ? ndev : 1) * sizeof *b->last_ranges);
        b->nlast = 0;
        if (b->last_devices && b->last_ranges)
            for (size_t i = 0; i < ndev; i++) {
                s_device_t *d = &b->devices[dorder[i]];
                b->last_devices[i] = dorder[i];
                b->last_ranges[i] = (s_gap_t) { d->from_ms, d->to_ms, d->samples, d->events, NULL, false };
                b->nlast++;
            }
    }
    for (size_t i = 0; i < ndev; i++) {
        s_device_t *d = &b->devices[dorder[i]];
        d->batch_idx = -1;
        d->from_ms = d->to_ms = 0;
        d->samples = d->events = 0;
    }
    for (size_t i = 0; i < nser; i++)
        b->series[b->touched[i]].count = 0;
    b->ntouched = 0;
    b->npool = 0;
    b->nevents = 0;
    b->arena_used = 0;
    b->oldest_mono = 0;
    free (dorder);
    free (sv);
    free (sp);
    free (labels);
    free (chunk_off);
    free (evv);
    free (evp);
    free (attrv);
    free (attrp);
    free (flowv);
    free (gapp);
    free (devv);
    free (devp);
    return rc < 0 ? rc : (int) total;
}

void
vg_batcher_lost_last (vg_batcher_t *b, const char *reason)
{
    for (size_t i = 0; i < b->nlast; i++) {
        s_gap_t *r = &b->last_ranges[i];
        uint32_t dev = b->last_devices[i];
        s_gap_add (b, dev, r->from_ms, r->samples, r->events, reason);
        s_gap_add (b, dev, r->to_ms, 0, 0, reason);
    }
    b->nlast = 0;
}

void
vg_batcher_stats (const vg_batcher_t *b, vg_batcher_stats_t *st)
{
    *st = b->stats;
}
