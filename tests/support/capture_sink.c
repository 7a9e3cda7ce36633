/* capture_sink.c - the recording sink of the tests (see capture_sink.h).
 * Invariant: every string held is a private copy; nothing points into the producer. */
#include "tests/support/capture_sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/err.h"

static char *
s_dup (const char *s)
{
    return s ? strdup (s) : NULL;
}

char *
vg_test_labels (char *out, size_t size, const vg_label_t *labels, size_t n)
{
    size_t off = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && off < size; i++) {
        int k = snprintf (out + off, size - off, "%s%s=%s", i ? "," : "", labels[i].key, labels[i].value);
        if (k < 0)
            break;
        off += (size_t) k;
    }
    return out;
}

int
vg_test_labels_sorted (const vg_label_t *labels, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp (labels[i - 1].key, labels[i].key) >= 0)
            return 0;
    return 1;
}

void
vg_test_device_note (const vg_device_t *d, char *id, size_t id_size, char *vendor, size_t vendor_size)
{
    snprintf (id, id_size, "%s", d->id ? d->id : "");
    snprintf (vendor, vendor_size, "%s", d->vendor ? d->vendor : "");
}

int
vg_test_devices_note (void *ctx, const vg_device_t *d)
{
    vg_test_devices_t *r = ctx;
    r->devices++;
    vg_test_device_note (d, r->device, sizeof r->device, r->vendor, sizeof r->vendor);
    return 0;
}

static int
s_device (void *ctx, const vg_device_t *d)
{
    vg_test_capture_t *c = ctx;
    c->ndevices++;
    vg_test_device_note (d, c->last_device, sizeof c->last_device, c->last_vendor, sizeof c->last_vendor);
    return 0;
}

static int
s_sample (void *ctx, const vg_point_t *p)
{
    vg_test_capture_t *c = ctx;
    c->sample_calls++;
    if (c->fail_at > 0 && c->sample_calls == c->fail_at)
        return c->fail_rc ? c->fail_rc : -VG_EFULL;
    if (vg_array_reserve ((void **) &c->samples, &c->samples_cap, c->nsamples + 1, sizeof *c->samples) < 0)
        return -VG_ENOMEM;
    char labels[VG_MAX_LABELS * (2 * VG_MAX_LABEL_LEN + 2) + 1];
    vg_test_labels (labels, sizeof labels, p->labels, p->nlabels);
    vg_test_sample_t *s = &c->samples[c->nsamples++];
    s->device = s_dup (p->device);
    s->path = s_dup (p->path);
    s->labels = s_dup (labels);
    s->input = s_dup (p->input);
    s->origin = s_dup (p->origin_path);
    s->unit = s_dup (p->unit);
    s->state = s_dup (p->state);
    s->kind = p->kind;
    s->ts_ms = p->ts_ms;
    s->value = p->value;
    return 0;
}

static int
s_event (void *ctx, const vg_event_t *e)
{
    vg_test_capture_t *c = ctx;
    if (vg_array_reserve ((void **) &c->events, &c->events_cap, c->nevents + 1, sizeof *c->events) < 0)
        return -VG_ENOMEM;
    vg_test_event_t *r = &c->events[c->nevents++];
    r->device = s_dup (e->device);
    r->input = s_dup (e->input);
    r->type = e->type;
    r->ts_ms = e->ts_ms;
    r->nattrs = e->nattrs;
    r->gap_samples = e->gap ? e->gap->samples : 0;
    if ((int) e->type >= 0 && e->type < VG_EV__COUNT)
        c->events_by_type[e->type]++;
    return 0;
}

void
vg_test_capture_init (vg_test_capture_t *c)
{
    memset (c, 0, sizeof *c);
}

void
vg_test_capture_free (vg_test_capture_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nsamples; i++) {
        vg_test_sample_t *s = &c->samples[i];
        free (s->device);
        free (s->path);
        free (s->labels);
        free (s->input);
        free (s->origin);
        free (s->unit);
        free (s->state);
    }
    for (size_t i = 0; i < c->nevents; i++) {
        free (c->events[i].device);
        free (c->events[i].input);
    }
    free (c->samples);
    free (c->events);
    vg_test_capture_init (c);
}

vg_sink_t
vg_test_capture_sink (vg_test_capture_t *c)
{
    vg_sink_t s = { c, s_device, s_sample, s_event };
    return s;
}

const vg_test_sample_t *
vg_test_capture_find (const vg_test_capture_t *c, const char *path, const char *labels)
{
    for (size_t i = 0; i < c->nsamples; i++) {
        const vg_test_sample_t *s = &c->samples[i];
        if (s->path && !strcmp (s->path, path) && (!labels || !strcmp (s->labels, labels)))
            return s;
    }
    return NULL;
}

size_t
vg_test_capture_count (const vg_test_capture_t *c, const char *path)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nsamples; i++)
        n += c->samples[i].path && !strcmp (c->samples[i].path, path);
    return n;
}
