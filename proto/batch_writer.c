/* batch_writer.c - builds and packs one vigil.Batch at a time (see batch_writer.h).
 *
 * Invariants: strs[0] is ""; str_map maps a content hash (probed on collision) to an index
 * in strs, ptr_map a string's address to the same index (a borrowed string does not change
 * before pack, so an address seen before needs no hashing: callers that intern their own
 * strings, as the batcher does, pay one map lookup per string), dev_map maps device ids; pointers between the protobuf-c structs (label
 * lists, chunks, attributes, flow, gap) are stored as offsets while the arrays may grow and
 * resolved only in vg_batch_writer_pack. */
#include "proto/batch_writer.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/chunk.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/u64map.h"
#include "proto/batch.h"
#include "proto/vigil.pb-c.h"

typedef struct {
    Vigil__Series x;
    size_t label_off;           /* into labels */
    size_t chunk_off, chunk_len; /* into chunks */
} s_series_t;

typedef struct {
    Vigil__Event x;
    size_t attr_off;            /* into attrs */
    int32_t flow, gap;          /* index into flows / gaps, -1 = none */
} s_event_t;

struct vg_batch_writer {
    size_t max_bytes;
    Vigil__Batch batch;
    int err;                    /* first error of this batch */
    /* string table */
    vg_u64map_t str_map;
    vg_u64map_t ptr_map;
    const char **strs;
    size_t nstrs, strs_cap;
    /* devices */
    vg_u64map_t dev_map;
    Vigil__Device *devs;
    Vigil__Device **devp;
    size_t ndevs, devs_cap, devp_cap;
    /* series */
    s_series_t *ser;
    Vigil__Series **serp;
    size_t nser, ser_cap, serp_cap;
    uint32_t *labels;
    size_t nlabels, labels_cap;
    vg_buf_t chunks;
    /* events */
    s_event_t *ev;
    Vigil__Event **evp;
    size_t nev, ev_cap, evp_cap;
    Vigil__Attr *attrs;
    Vigil__Attr **attrp;
    size_t nattrs, attrs_cap, attrp_cap;
    Vigil__FlowSummary *flows;
    size_t nflows, flows_cap;
    Vigil__Gap *gaps;
    size_t ngaps, gaps_cap;
};

/* Record rc as the batch's error if it is the first. */
static int
s_fail (vg_batch_writer_t *w, int rc)
{
    if (rc < 0 && w->err == 0)
        w->err = rc;
    return rc;
}

/* The string or "" (protobuf-c wants no NULL in repeated or nested strings). */
static char *
s_str (const char *s)
{
    return (char *) (s ? s : "");
}

/* True if s is shorter than max (the reader's bound on a string). */
static bool
s_fits (const char *s, size_t max)
{
    return !s || strnlen (s, max) < max;
}

static uint64_t
s_key (const char *s, uint64_t seed)
{
    uint64_t h = vg_hash64 (s, strlen (s), seed);
    return h ? h : 1;
}

static uint64_t
s_probe (uint64_t h)
{
    h = vg_hash_mix64 (h + 1); /* collision: probe a derived key */
    return h ? h : 1;
}

vg_batch_writer_t *
vg_batch_writer_new (size_t max_bytes)
{
    vg_batch_writer_t *w = calloc (1, sizeof *w);
    if (!w)
        return NULL;
    w->max_bytes = max_bytes;
    vg_batch_writer_begin (w, "", 0, 0, 0);
    return w;
}

void
vg_batch_writer_trim (vg_batch_writer_t *w)
{
    free (w->strs);
    free (w->devs);
    free (w->devp);
    free (w->ser);
    free (w->serp);
    free (w->labels);
    vg_buf_free (&w->chunks);
    free (w->ev);
    free (w->evp);
    free (w->attrs);
    free (w->attrp);
    free (w->flows);
    free (w->gaps);
    w->strs = NULL;
    w->devs = NULL;
    w->devp = NULL;
    w->ser = NULL;
    w->serp = NULL;
    w->labels = NULL;
    w->ev = NULL;
    w->evp = NULL;
    w->attrs = NULL;
    w->attrp = NULL;
    w->flows = NULL;
    w->gaps = NULL;
    w->nstrs = w->strs_cap = w->ndevs = w->devs_cap = w->devp_cap = 0;
    w->nser = w->ser_cap = w->serp_cap = w->nlabels = w->labels_cap = 0;
    w->nev = w->ev_cap = w->evp_cap = w->nattrs = w->attrs_cap = w->attrp_cap = 0;
    w->nflows = w->flows_cap = w->ngaps = w->gaps_cap = 0;
}

void
vg_batch_writer_destroy (vg_batch_writer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_batch_writer_t *w = *self_p;
    vg_u64map_free (&w->str_map);
    vg_u64map_free (&w->ptr_map);
    vg_u64map_free (&w->dev_map);
    vg_batch_writer_trim (w);
    free (w);
    *self_p = NULL;
}

void
vg_batch_writer_begin (vg_batch_writer_t *w, const char *agent_id, uint64_t epoch, uint64_t seq, int64_t created_ms)
{
    vigil__batch__init (&w->batch);
    w->batch.agent_id = s_str (agent_id);
    w->batch.epoch = epoch;
    w->batch.seq = seq;
    w->batch.created_ms = created_ms;
    w->err = 0;
    vg_u64map_clear (&w->str_map);
    vg_u64map_clear (&w->ptr_map);
    vg_u64map_clear (&w->dev_map);
    w->nstrs = w->ndevs = w->nser = w->nlabels = w->nev = w->nattrs = w->nflows = w->ngaps = 0;
    vg_buf_reset (&w->chunks);
    /* Index 0 is the empty string; a failure here surfaces at the first add or at pack. */
    if (vg_array_reserve ((void **) &w->strs, &w->strs_cap, 1, sizeof *w->strs) < 0) {
        w->err = -VG_ENOMEM;
        return;
    }
    w->strs[w->nstrs++] = "";
}

int
vg_batch_writer_string (vg_batch_writer_t *w, const char *s, uint32_t *idx)
{
    *idx = 0;
    if (w->nstrs == 0)
        return s_fail (w, -VG_ENOMEM);
    if (!s || !s[0])
        return 0;
    uint64_t addr = (uint64_t) (uintptr_t) s;
    uint32_t i;
    if (vg_u64map_get (&w->ptr_map, addr, &i)) {
        *idx = i;
        return 0;
    }
    if (!s_fits (s, VG_MAX_PATH_LEN))
        return s_fail (w, -VG_EINVAL);
    uint64_t h = s_key (s, 0x737472);
    bool found = false;
    while (!found && vg_u64map_get (&w->str_map, h, &i)) {
        found = strcmp (w->strs[i], s) == 0;
        h = found ? h : s_probe (h);
    }
    if (!found) {
        if (w->nstrs >= VG_BATCH_MAX_STRINGS)
            return s_fail (w, -VG_ETOOBIG);
        if (vg_array_reserve ((void **) &w->strs, &w->strs_cap, w->nstrs + 1, sizeof *w->strs) < 0 ||
            vg_u64map_put (&w->str_map, h, (uint32_t) w->nstrs) < 0)
            return s_fail (w, -VG_ENOMEM);
        i = (uint32_t) w->nstrs;
        w->strs[w->nstrs++] = s;
    }
    if (vg_u64map_put (&w->ptr_map, addr, i) < 0)
        return s_fail (w, -VG_ENOMEM);
    *idx = i;
    return 0;
}

int
vg_batch_writer_device (vg_batch_writer_t *w, const vg_device_t *d, uint32_t *idx)
{
    *idx = 0;
    if (!d || !d->id || !d->id[0] || !s_fits (d->id, VG_MAX_ID_LEN) || !s_fits (d->vendor, VG_MAX_ID_LEN))
        return s_fail (w, -VG_EINVAL);
    uint64_t h = s_key (d->id, 0x646576);
    uint32_t i;
    while (vg_u64map_get (&w->dev_map, h, &i)) {
        if (strcmp (w->devs[i].id, d->id) == 0) {
            *idx = i;
            return 0;
        }
        h = s_probe (h);
    }
    if (w->ndevs >= VG_BATCH_MAX_DEVICES)
        return s_fail (w, -VG_ETOOBIG);
    if (vg_array_reserve ((void **) &w->devs, &w->devs_cap, w->ndevs + 1, sizeof *w->devs) < 0 ||
        vg_u64map_put (&w->dev_map, h, (uint32_t) w->ndevs) < 0)
        return s_fail (w, -VG_ENOMEM);
    Vigil__Device *x = &w->devs[w->ndevs];
    vigil__device__init (x);
    x->id = s_str (d->id);
    x->vendor = s_str (d->vendor);
    x->model = s_str (d->model);
    x->role = s_str (d->role);
    x->site = s_str (d->site);
    x->sw_version = s_str (d->sw_version);
    *idx = (uint32_t) w->ndevs++;
    return 0;
}

/* Intern the label list of s into w->labels at *off. */
static int
s_add_labels (vg_batch_writer_t *w, const vg_batch_series_t *s, size_t *off)
{
    size_t n = 2 * s->nlabels;
    if (vg_array_reserve ((void **) &w->labels, &w->labels_cap, w->nlabels + n, sizeof *w->labels) < 0)
        return -VG_ENOMEM;
    *off = w->nlabels;
    for (size_t j = 0; j < n; j++) {
        if (!s->labels[j] || !s_fits (s->labels[j], VG_MAX_LABEL_LEN))
            return -VG_EINVAL;
        int rc = vg_batch_writer_string (w, s->labels[j], &w->labels[*off + j]);
        if (rc < 0)
            return rc;
    }
    w->nlabels += n;
    return 0;
}

int
vg_batch_writer_series (vg_batch_writer_t *w, const vg_batch_series_t *s)
{
    if (s->device >= w->ndevs || !s->path || !s->path[0] || (int) s->kind < 0 || s->kind > VG_KIND_STATE ||
        s->count == 0 || !s->ts || (!s->v && !s->num) || !s_fits (s->unit, VG_MAX_PATH_LEN))
        return s_fail (w, -VG_EINVAL);
    if (s->nlabels > VG_MAX_LABELS || s->nstate_names > VG_BATCH_MAX_STATE_NAMES)
        return s_fail (w, -VG_ETOOBIG);
    for (size_t j = 0; j < s->nstate_names; j++)
        if (!s->state_names[j] || !s_fits (s->state_names[j], VG_MAX_STATE_LEN))
            return s_fail (w, -VG_EINVAL);
    if (vg_array_reserve ((void **) &w->ser, &w->ser_cap, w->nser + 1, sizeof *w->ser) < 0)
        return s_fail (w, -VG_ENOMEM);
    s_series_t *r = &w->ser[w->nser];
    Vigil__Series *x = &r->x;
    vigil__series__init (x);
    x->device = s->device;
    int rc = vg_batch_writer_string (w, s->path, &x->path);
    if (rc == 0)
        rc = s_add_labels (w, s, &r->label_off);
    x->n_labels = 2 * s->nlabels;
    if (rc == 0)
        rc = vg_batch_writer_string (w, s->input, &x->input);
    if (rc == 0)
        rc = vg_batch_writer_string (w, s->source, &x->source);
    if (rc == 0)
        rc = vg_batch_writer_string (w, s->origin_path, &x->origin_path);
    if (rc < 0)
        return s_fail (w, rc);
    x->kind = (Vigil__SeriesKind) s->kind;
    x->unit = s_str (s->unit);
    x->count = s->count;
    x->n_state_names = s->nstate_names;
    x->state_names = (char **) s->state_names;
    r->chunk_off = w->chunks.len;
    rc = s->num ? vg_chunk_encode_num (s->ts, s->num, s->vtype, s->count, &w->chunks)
                : vg_chunk_encode (s->ts, s->v, s->count, &w->chunks);
    if (rc < 0)
        return s_fail (w, rc);
    r->chunk_len = w->chunks.len - r->chunk_off;
    w->nser++;
    return 0;
}

/* Copy the attributes of e into w->attrs at *off. */
static int
s_add_attrs (vg_batch_writer_t *w, const vg_event_t *e, size_t *off)
{
    if (vg_array_reserve ((void **) &w->attrs, &w->attrs_cap, w->nattrs + e->nattrs, sizeof *w->attrs) < 0)
        return -VG_ENOMEM;
    *off = w->nattrs;
    for (size_t j = 0; j < e->nattrs; j++) {
        if (!s_fits (e->attrs[j].key, VG_MAX_LABEL_LEN) || !s_fits (e->attrs[j].value, VG_MAX_PATH_LEN))
            return -VG_EINVAL;
        Vigil__Attr *a = &w->attrs[*off + j];
        vigil__attr__init (a);
        a->key = s_str (e->attrs[j].key);
        a->value = s_str (e->attrs[j].value);
    }
    w->nattrs += e->nattrs;
    return 0;
}

static int
s_add_flow (vg_batch_writer_t *w, const vg_flow_t *f, int32_t *idx)
{
    if (vg_array_reserve ((void **) &w->flows, &w->flows_cap, w->nflows + 1, sizeof *w->flows) < 0)
        return -VG_ENOMEM;
    Vigil__FlowSummary *x = &w->flows[w->nflows];
    vigil__flow_summary__init (x);
    x->src = s_str (f->src);
    x->dst = s_str (f->dst);
    x->dst_port = f->dst_port;
    x->protocol = f->protocol;
    x->bytes = f->bytes;
    x->packets = f->packets;
    x->interval_ms = f->interval_ms;
    x->vrf = s_str (f->vrf);
    x->dst_asn = f->dst_asn;
    x->dst_country = s_str (f->dst_country);
    *idx = (int32_t) w->nflows++;
    return 0;
}

static int
s_add_gap (vg_batch_writer_t *w, const vg_gap_t *g, int32_t *idx)
{
    if (vg_array_reserve ((void **) &w->gaps, &w->gaps_cap, w->ngaps + 1, sizeof *w->gaps) < 0)
        return -VG_ENOMEM;
    Vigil__Gap *x = &w->gaps[w->ngaps];
    vigil__gap__init (x);
    x->from_ms = g->from_ms;
    x->to_ms = g->to_ms;
    x->samples = g->samples;
    x->events = g->events;
    x->reason = s_str (g->reason);
    *idx = (int32_t) w->ngaps++;
    return 0;
}

int
vg_batch_writer_event (vg_batch_writer_t *w, uint32_t device, const vg_event_t *e)
{
    if (device >= w->ndevs || (int) e->type < 0 || e->type >= VG_EV__COUNT || (e->nattrs && !e->attrs))
        return s_fail (w, -VG_EINVAL);
    if (e->nattrs > VG_MAX_ATTRS)
        return s_fail (w, -VG_ETOOBIG);
    if (vg_array_reserve ((void **) &w->ev, &w->ev_cap, w->nev + 1, sizeof *w->ev) < 0)
        return s_fail (w, -VG_ENOMEM);
    s_event_t *r = &w->ev[w->nev];
    Vigil__Event *x = &r->x;
    vigil__event__init (x);
    x->device = device;
    x->ts_ms = e->ts_ms;
    x->type = (Vigil__EventType) e->type;
    r->flow = r->gap = -1;
    int rc = vg_batch_writer_string (w, e->input, &x->input);
    if (rc == 0)
        rc = s_add_attrs (w, e, &r->attr_off);
    x->n_attrs = e->nattrs;
    if (rc == 0 && e->flow)
        rc = s_add_flow (w, e->flow, &r->flow);
    if (rc == 0 && e->gap)
        rc = s_add_gap (w, e->gap, &r->gap);
    if (rc < 0)
        return s_fail (w, rc);
    w->nev++;
    return 0;
}

/* Resolve the offsets kept while building into the pointers protobuf-c packs. */
static int
s_link (vg_batch_writer_t *w)
{
    if (vg_array_reserve ((void **) &w->devp, &w->devp_cap, w->ndevs, sizeof *w->devp) < 0 ||
        vg_array_reserve ((void **) &w->serp, &w->serp_cap, w->nser, sizeof *w->serp) < 0 ||
        vg_array_reserve ((void **) &w->evp, &w->evp_cap, w->nev, sizeof *w->evp) < 0 ||
        vg_array_reserve ((void **) &w->attrp, &w->attrp_cap, w->nattrs, sizeof *w->attrp) < 0)
        return -VG_ENOMEM;
    for (size_t i = 0; i < w->ndevs; i++)
        w->devp[i] = &w->devs[i];
    for (size_t i = 0; i < w->nser; i++) {
        s_series_t *r = &w->ser[i];
        r->x.labels = w->labels + r->label_off;
        r->x.chunk.data = w->chunks.data + r->chunk_off;
        r->x.chunk.len = r->chunk_len;
        w->serp[i] = &r->x;
    }
    for (size_t i = 0; i < w->nattrs; i++)
        w->attrp[i] = &w->attrs[i];
    for (size_t i = 0; i < w->nev; i++) {
        s_event_t *r = &w->ev[i];
        r->x.attrs = w->attrp + r->attr_off;
        r->x.flow = r->flow >= 0 ? &w->flows[r->flow] : NULL;
        r->x.gap = r->gap >= 0 ? &w->gaps[r->gap] : NULL;
        w->evp[i] = &r->x;
    }
    Vigil__Batch *b = &w->batch;
    b->n_strings = w->nstrs;
    b->strings = (char **) w->strs;
    b->n_devices = w->ndevs;
    b->devices = w->devp;
    b->n_series = w->nser;
    b->series = w->serp;
    b->n_events = w->nev;
    b->events = w->evp;
    return 0;
}

int
vg_batch_writer_pack (vg_batch_writer_t *w, vg_buf_t *out)
{
    if (w->err < 0)
        return w->err;
    int rc = s_link (w);
    if (rc < 0)
        return s_fail (w, rc);
    size_t sz = vigil__batch__get_packed_size (&w->batch);
    if (w->max_bytes && sz > w->max_bytes)
        return -VG_ETOOBIG;
    vg_buf_reset (out);
    rc = vg_buf_reserve (out, sz);
    if (rc < 0)
        return rc;
    out->len = vigil__batch__pack (&w->batch, out->data);
    return 0;
}

size_t
vg_batch_writer_nstrings (const vg_batch_writer_t *w)
{
    return w->nstrs;
}

size_t
vg_batch_writer_ndevices (const vg_batch_writer_t *w)
{
    return w->ndevs;
}
