/* ndjson_sink.c - one JSON line per sample/event; device vendors from a bounded table.
 *
 * Invariant: the device table never holds more than max_devices entries (open addressing,
 * load <= 1/2); every line is complete valid JSON ending in '\n'. */
#include "cli/ndjson_sink.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/num.h"

typedef struct {
    char *id;       /* NULL = empty slot */
    char *vendor;   /* NULL when unknown */
} s_dev_t;

struct vg_ndjson_sink {
    FILE *out;
    vg_buf_t line;
    s_dev_t *devs;
    size_t ndevs, slots, max_devices;
    uint64_t lines, dropped;
};

vg_ndjson_sink_t *
vg_ndjson_sink_new (FILE *out, size_t max_devices)
{
    vg_ndjson_sink_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->out = out;
    self->max_devices = max_devices ? max_devices : VG_NDJSON_MAX_DEVICES;
    /* Start small; the table doubles as devices arrive (load <= 1/2). */
    self->devs = calloc (16, sizeof *self->devs);
    if (!self->devs) {
        free (self);
        return NULL;
    }
    self->slots = 16;
    return self;
}

void
vg_ndjson_sink_destroy (vg_ndjson_sink_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_ndjson_sink_t *self = *self_p;
    for (size_t i = 0; i < self->slots; i++) {
        free (self->devs[i].id);
        free (self->devs[i].vendor);
    }
    free (self->devs);
    vg_buf_free (&self->line);
    free (self);
    *self_p = NULL;
}

uint64_t
vg_ndjson_sink_lines (const vg_ndjson_sink_t *self)
{
    return self->lines;
}

uint64_t
vg_ndjson_sink_devices_dropped (const vg_ndjson_sink_t *self)
{
    return self->dropped;
}

static s_dev_t *
s_dev_find (s_dev_t *devs, size_t slots, const char *id)
{
    size_t mask = slots - 1;
    size_t i = (size_t) vg_hash64 (id, strlen (id), 0x6e646a73) & mask;
    while (devs[i].id && strcmp (devs[i].id, id) != 0)
        i = (i + 1) & mask;
    return &devs[i];
}

static int
s_dev_grow (vg_ndjson_sink_t *self)
{
    size_t nslots = self->slots * 2;
    s_dev_t *nd = calloc (nslots, sizeof *nd);
    if (!nd)
        return -VG_ENOMEM;
    for (size_t i = 0; i < self->slots; i++)
        if (self->devs[i].id)
            *s_dev_find (nd, nslots, self->devs[i].id) = self->devs[i];
    free (self->devs);
    self->devs = nd;
    self->slots = nslots;
    return 0;
}

static int
s_device (void *ctx, const vg_device_t *d)
{
    vg_ndjson_sink_t *self = ctx;
    if (!d || !d->id)
        return -VG_EINVAL;
    s_dev_t *e = s_dev_find (self->devs, self->slots, d->id);
    const char *vendor = d->vendor && *d->vendor ? d->vendor : NULL;
    if (e->id) {
        /* A re-announcement without a vendor keeps what we know; a different vendor wins. */
        if (vendor && (!e->vendor || strcmp (vendor, e->vendor) != 0)) {
            char *v = strdup (vendor);
            if (!v)
                return -VG_ENOMEM;
            free (e->vendor);
            e->vendor = v;
        }
        return 0;
    }
    if (self->ndevs >= self->max_devices) {
        self->dropped++;
        return 0;
    }
    if ((self->ndevs + 1) * 2 > self->slots) {
        int rc = s_dev_grow (self);
        if (rc < 0)
            return rc;
        e = s_dev_find (self->devs, self->slots, d->id);
    }
    char *id = strdup (d->id);
    char *v = vendor ? strdup (vendor) : NULL;
    if (!id || (vendor && !v)) {
        free (id);
        free (v);
        return -VG_ENOMEM;
    }
    e->id = id;
    e->vendor = v;
    self->ndevs++;
    return 0;
}

static const char *
s_vendor_of (vg_ndjson_sink_t *self, const char *device)
{
    if (!device)
        return NULL;
    s_dev_t *e = s_dev_find (self->devs, self->slots, device);
    return e->id ? e->vendor : NULL;
}

static int
s_raw (vg_buf_t *b, const char *s)
{
    return vg_buf_append (b, s, strlen (s));
}

int
vg_ndjson_append_str (vg_buf_t *b, const char *s)
{
    if (!s)
        return s_raw (b, "null");
    size_t n = strlen (s);
    if (n > (SIZE_MAX - 3) / 6)
        return -VG_ENOMEM;
    int rc = vg_buf_reserve (b, VG_JSON_ESCAPED_MAX (n) + 3);
    if (rc < 0)
        return rc;
    char *o = (char *) b->data + b->len;
    *o++ = '"';
    o += vg_json_escape (o, VG_JSON_ESCAPED_MAX (n) + 1, s);
    *o++ = '"';
    b->len = (size_t) (o - (char *) b->data);
    return 0;
}

static int
s_key (vg_buf_t *b, const char *k, int first)
{
    int rc = first ? 0 : s_raw (b, ",");
    if (rc == 0)
        rc = vg_ndjson_append_str (b, k);
    if (rc == 0)
        rc = s_raw (b, ":");
    return rc;
}

static int
s_kv_str (vg_buf_t *b, const char *k, const char *v, int first)
{
    int rc = s_key (b, k, first);
    return rc ? rc : vg_ndjson_append_str (b, v);
}

/* A value as a JSON number (integers exact, doubles shortest; null when not finite). */
static int
s_kv_fmt_num (vg_buf_t *b, const char *k, vg_num_t v, vg_numtype_t type)
{
    char num[VG_NUM_TEXT_MAX];
    if (!vg_num_finite (v, type))
        snprintf (num, sizeof num, "null");
    else
        vg_num_format (num, v, type);
    int rc = s_key (b, k, 0);
    return rc ? rc : s_raw (b, num);
}

static int
s_kv_int (vg_buf_t *b, const char *k, long long v)
{
    char num[32];
    snprintf (num, sizeof num, "%lld", v);
    int rc = s_key (b, k, 0);
    return rc ? rc : s_raw (b, num);
}

static int
s_time (vg_buf_t *b, int64_t ts_ms)
{
    char t[40];
    int rc = s_kv_int (b, "ts_ms", (long long) ts_ms);
    if (rc == 0)
        rc = s_kv_str (b, "time", vg_clock_rfc3339 (ts_ms, t, sizeof t), 0);
    return rc;
}

static int
s_labels (vg_buf_t *b, const char *name, const vg_label_t *l, size_t n)
{
    int rc = s_key (b, name, 0);
    if (rc == 0)
        rc = s_raw (b, "{");
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = s_kv_str (b, l[i].key ? l[i].key : "", l[i].value, i == 0);
    if (rc == 0)
        rc = s_raw (b, "}");
    return rc;
}

static int
s_flush (vg_ndjson_sink_t *self)
{
    vg_buf_t *b = &self->line;
    int rc = s_raw (b, "}\n");
    if (rc < 0)
        return rc;
    if (fwrite (b->data, 1, b->len, self->out) != b->len)
        return -VG_EIO;
    self->lines++;
    /* Keep the buffer bounded: a pathological line must not pin memory forever. */
    if (b->cap > (1u << 20))
        vg_buf_free (b);
    return 0;
}

static int
s_sample (void *ctx, const vg_point_t *p)
{
    vg_ndjson_sink_t *self = ctx;
    if (!p || !p->device || !p->path)
        return -VG_EINVAL;
    vg_buf_t *b = &self->line;
    vg_buf_reset (b);
    int rc = s_raw (b, "{");
    if (rc == 0) rc = s_kv_str (b, "device", p->device, 1);
    if (rc == 0) rc = s_kv_str (b, "vendor", s_vendor_of (self, p->device), 0);
    if (rc == 0) rc = s_kv_str (b, "input", p->input, 0);
    if (rc == 0) rc = s_kv_str (b, "path", p->path, 0);
    if (rc == 0) rc = s_kv_str (b, "origin_path", p->origin_path ? p->origin_path : p->path, 0);
    if (rc == 0) rc = s_labels (b, "labels", p->labels, p->nlabels);
    if (rc == 0) rc = s_kv_str (b, "kind", vg_kind_name (p->kind), 0);
    if (rc == 0 && p->unit) rc = s_kv_str (b, "unit", p->unit, 0);
    if (rc == 0) rc = s_time (b, p->ts_ms);
    if (rc == 0) {
        if (p->kind == VG_KIND_STATE)
            rc = s_kv_str (b, "state", p->state, 0);
        else
            rc = p->vtype == VG_NUM_I64 || p->vtype == VG_NUM_U64 ? s_kv_fmt_num (b, "value", p->exact, p->vtype)
                                                                  : s_kv_fmt_num (b, "value", vg_num_f64 (p->value), VG_NUM_F64);
    }
    return rc ? rc : s_flush (self);
}

static int
s_event (void *ctx, const vg_event_t *e)
{
    vg_ndjson_sink_t *self = ctx;
    if (!e || !e->device)
        return -VG_EINVAL;
    vg_buf_t *b = &self->line;
    vg_buf_reset (b);
    int rc = s_raw (b, "{");
    if (rc == 0) rc = s_kv_str (b, "device", e->device, 1);
    if (rc == 0) rc = s_kv_str (b, "vendor", s_vendor_of (self, e->device), 0);
    if (rc == 0) rc = s_kv_str (b, "input", e->input, 0);
    if (rc == 0) rc = s_kv_str (b, "type", vg_event_type_name (e->type), 0);
    if (rc == 0) rc = s_time (b, e->ts_ms);
    if (rc == 0) rc = s_labels (b, "attrs", e->attrs, e->nattrs);
    if (rc == 0 && e->flow) {
        const vg_flow_t *f = e->flow;
        rc = s_key (b, "flow", 0);
        if (rc == 0) rc = s_raw (b, "{");
        if (rc == 0) rc = s_kv_str (b, "src", f->src, 1);
        if (rc == 0) rc = s_kv_str (b, "dst", f->dst, 0);
        if (rc == 0) rc = s_kv_str (b, "vrf", f->vrf, 0);
        if (rc == 0) rc = s_kv_str (b, "dst_country", f->dst_country, 0);
        if (rc == 0) rc = s_kv_int (b, "dst_port", f->dst_port);
        if (rc == 0) rc = s_kv_int (b, "protocol", f->protocol);
        if (rc == 0) rc = s_kv_int (b, "interval_ms", f->interval_ms);
        if (rc == 0) rc = s_kv_int (b, "dst_asn", f->dst_asn);
        if (rc == 0) rc = s_kv_fmt_num (b, "bytes", vg_num_u64 (f->bytes), VG_NUM_U64);
        if (rc == 0) rc = s_kv_fmt_num (b, "packets", vg_num_u64 (f->packets), VG_NUM_U64);
        if (rc == 0) rc = s_raw (b, "}");
    }
    if (rc == 0 && e->gap) {
        const vg_gap_t *g = e->gap;
        rc = s_key (b, "gap", 0);
        if (rc == 0) rc = s_raw (b, "{");
        if (rc == 0) rc = s_kv_str (b, "reason", g->reason, 1);
        if (rc == 0) rc = s_kv_int (b, "from_ms", (long long) g->from_ms);
        if (rc == 0) rc = s_kv_int (b, "to_ms", (long long) g->to_ms);
        if (rc == 0) rc = s_kv_fmt_num (b, "samples", vg_num_u64 (g->samples), VG_NUM_U64);
        if (rc == 0) rc = s_kv_fmt_num (b, "events", vg_num_u64 (g->events), VG_NUM_U64);
        if (rc == 0) rc = s_raw (b, "}");
    }
    return rc ? rc : s_flush (self);
}

vg_sink_t
vg_ndjson_sink_ops (vg_ndjson_sink_t *self)
{
    vg_sink_t s = { self, s_device, s_sample, s_event };
    return s;
}
