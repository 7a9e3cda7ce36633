/* batcher_flush.c - one batch out of the batcher (see batcher_int.h): pending gaps become
 * events, each series' samples are gathered in one value type and handed to the batch
 * writer with the devices and events, the batch is packed and compressed, and what it held
 * is remembered in case it is lost.  Invariant: after a flush, successful or not, the pool,
 * the events and the per-batch device and series state are empty. */
#include "agent/batcher_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/compress.h"
#include "common/err.h"

/* Step 1 of a flush: pending gaps become events of this batch (their own arena space is
 * small).  Not through s_on_event: a gap must not count itself as dropped data. */
static void
s_gaps_to_events (vg_batcher_t *b)
{
    size_t ngaps = 0;
    b->gap_first = b->nevents;
    for (size_t i = 0; i < b->ndevices && ngaps < 64; i++) {
        vg_batcher__gap_t *g = &b->gaps[i];
        if (!g->pending || b->nevents >= b->cfg.max_events)
            continue;
        vg_gap_t gap = { g->from_ms, g->to_ms, g->samples, g->events, g->reason };
        int64_t ts = g->to_ms;
        memset (g, 0, sizeof *g);
        b->gaps_pending--;
        vg_batcher__event_t *ev = &b->events[b->nevents];
        memset (ev, 0, sizeof *ev);
        ev->type = VG_EV_GAP;
        ev->device = (uint32_t) i;
        ev->ts_ms = ts;
        ev->input = vg_batcher__intern (b, "agent");
        ev->gap = vg_batcher__arena_copy (b, &gap, sizeof gap);
        if (!ev->gap || !ev->input)
            continue;
        ev->gap->reason = vg_batcher__intern (b, gap.reason ? gap.reason : "");
        b->nevents++;
        ngaps++;
    }
    b->ngap = ngaps;
}

/* Step 2, per series: gather its samples of the batch (the list from its head) into gts/gv
 * in arrival order, in one value type: doubles unless the series sent integers, then the
 * type every one of its samples converts to exactly (common/num.h).  0 or -VG_ENOMEM. */
static int
s_gather (vg_batcher_t *b, vg_batcher__series_t *s)
{
    if (s->count > b->gcap) {
        size_t cap = b->gcap ? b->gcap : 64;
        while (cap < s->count)
            cap *= 2;
        if (vg_batcher__grow_tv (&b->gts, &b->gv, cap) < 0)
            return -VG_ENOMEM;
        b->gcap = cap;
    }
    vg_num_join_t join = VG_NUM_JOIN_INIT;
    uint32_t k = s->head;
    for (uint32_t j = 0; j < s->count; j++, k = b->next[k]) {
        b->gts[j] = vg_batcher__ts (b, k);
        b->gv[j] = b->v[k];
        if (s->has_int)
            vg_num_join_add (&join, b->v[k], (vg_numtype_t) b->vt[k]);
    }
    s->vtype = s->has_int ? (uint8_t) vg_num_join_type (&join) : VG_NUM_F64;
    if (s->has_int) {
        k = s->head;
        for (uint32_t j = 0; j < s->count; j++, k = b->next[k])
            b->gv[j] = vg_num_convert (b->gv[j], (vg_numtype_t) b->vt[k], (vg_numtype_t) s->vtype);
    }
    return 0;
}

/* Batch device index of device dev, adding it to the batch (and to dorder) on first use. */
static int
s_batch_device (vg_batcher_t *b, uint32_t dev, uint32_t *idx)
{
    vg_batcher__device_t *d = &b->devices[dev];
    if (d->batch_idx < 0) {
        vg_device_t x = { d->id, d->vendor, d->model, d->role, d->site, d->sw_version };
        int rc = vg_batch_writer_device (b->writer, &x, idx);
        if (rc < 0)
            return rc;
        d->batch_idx = (int32_t) *idx;
        b->dorder[b->ndorder++] = dev;
    }
    *idx = (uint32_t) d->batch_idx;
    return 0;
}

/* Step 3: hand the touched series (each gathered by step 2), then the events, to the
 * writer.  Devices enter the batch in order of first reference. */
static int
s_write_batch (vg_batcher_t *b, uint64_t epoch, uint64_t seq, int64_t created_ms)
{
    vg_batch_writer_begin (b->writer, b->cfg.agent_id, epoch, seq, created_ms);
    b->ndorder = 0;
    if (vg_array_reserve ((void **) &b->dorder, &b->dorder_cap, b->ndevices, sizeof *b->dorder) < 0)
        return -VG_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < b->ntouched && rc == 0; i++) {
        vg_batcher__series_t *s = &b->series[b->touched[i]];
        rc = s_gather (b, s);
        if (rc < 0)
            break;
        vg_batch_series_t x = {
            .path = s->path,
            .labels = s->labels,
            .nlabels = s->nlabels,
            .kind = (vg_kind_t) s->kind,
            .input = s->input,
            .source = s->source,
            .origin_path = s->origin,
            .unit = s->unit,
            .state_names = s->kind == VG_KIND_STATE ? s->states : NULL,
            .nstate_names = s->kind == VG_KIND_STATE ? s->nstates : 0,
            .ts = b->gts,
            .num = b->gv,
            .vtype = (vg_numtype_t) s->vtype,
            .count = s->count,
        };
        rc = s_batch_device (b, s->device, &x.device);
        rc = rc ? rc : vg_batch_writer_series (b->writer, &x);
    }
    for (size_t i = 0; i < b->nevents && rc == 0; i++) {
        const vg_batcher__event_t *e = &b->events[i];
        vg_event_t x = { NULL, e->ts_ms, e->type, e->attrs, e->nattrs, e->flow, e->gap, e->input };
        uint32_t dev;
        rc = s_batch_device (b, e->device, &dev);
        rc = rc ? rc : vg_batch_writer_event (b->writer, dev, &x);
    }
    return rc;
}

/* Step 4: pack (into out, or into the scratch buffer and then compressed into out). */
static int
s_pack (vg_batcher_t *b, vg_buf_t *out)
{
    vg_buf_t *dst = b->cfg.compression >= 0 ? &b->packed : out;
    int rc = vg_batch_writer_pack (b->writer, dst);
    if (rc < 0)
        return rc;
    b->stats.bytes_raw += dst->len;
    /* A large batch's packed buffer is given back after compression, and, when the batch
     * holds at least VG_BATCHER__TRIM_SAMPLES samples a series, the writer's arrays (its
     * series records and chunks, all in dst now) before it: zstd's context, the packed and
     * the compressed batch are then not resident with them, nor with the next batch's pool
     * as it fills (the agent's peak; docs/PERFORMANCE.md "Agent memory").  The arrays grow
     * with the series of a batch and cost their page faults again at the next flush: with
     * few samples a series (10,454 series, 6 a batch) that was 15 % more agent CPU. */
    bool large = dst->cap >= VG_BATCHER__KEEP_BYTES;
    if (large && b->npool >= VG_BATCHER__TRIM_SAMPLES * b->ntouched)
        vg_batch_writer_trim (b->writer);
    if (dst != out) {
        rc = vg_zstd_compress (dst->data, dst->len, b->cfg.compression ? b->cfg.compression : 1, out);
        if (large)
            vg_buf_free (&b->packed);
    }
    if (rc == 0) {
        b->stats.batches++;
        b->stats.bytes_out += out->len;
    }
    return rc;
}

/* Step 5: remember what the batch held per device, in case it cannot be kept, and the gaps
 * it carried: if it is lost, what they reported was never told and must be reported again. */
static void
s_remember_last (vg_batcher_t *b)
{
    size_t n = b->ndorder + b->ngap;
    free (b->last_devices);
    free (b->last_ranges);
    b->last_devices = malloc ((n ? n : 1) * sizeof *b->last_devices);
    b->last_ranges = malloc ((n ? n : 1) * sizeof *b->last_ranges);
    b->nlast = b->nlast_data = 0;
    if (!b->last_devices || !b->last_ranges)
        return;
    for (size_t i = 0; i < b->ndorder; i++) {
        const vg_batcher__device_t *d = &b->devices[b->dorder[i]];
        if (d->samples + d->events == 0)
            continue; /* in the batch only for a gap it carries */
        b->last_devices[b->nlast] = b->dorder[i];
        b->last_ranges[b->nlast++] = (vg_batcher__gap_t) { d->from_ms, d->to_ms, d->samples, d->events, NULL, false };
    }
    b->nlast_data = b->nlast;
    for (size_t i = b->gap_first; i < b->gap_first + b->ngap; i++) {
        const vg_batcher__event_t *e = &b->events[i];
        b->last_devices[b->nlast] = e->device;
        b->last_ranges[b->nlast++] =
            (vg_batcher__gap_t) { e->gap->from_ms, e->gap->to_ms, e->gap->samples, e->gap->events, NULL, false };
    }
}

/* Step 6: empty the pool, the events and the per-batch device and series state. */
static void
s_reset_batch (vg_batcher_t *b)
{
    for (size_t i = 0; i < b->ndorder; i++) {
        vg_batcher__device_t *d = &b->devices[b->dorder[i]];
        d->batch_idx = -1;
        d->from_ms = d->to_ms = 0;
        d->samples = d->events = 0;
    }
    b->ndorder = 0;
    for (size_t i = 0; i < b->ntouched; i++)
        b->series[b->touched[i]].count = 0;
    b->ntouched = 0;
    b->npool = 0;
    free (b->tsw); /* the next batch starts with offsets again */
    b->tsw = NULL;
    b->nevents = 0;
    b->ngap = 0;
    b->arena_used = 0;
    b->oldest_mono = 0;
}

int
vg_batcher_flush (vg_batcher_t *b, uint64_t epoch, uint64_t seq, int64_t created_ms, vg_buf_t *out)
{
    s_gaps_to_events (b);
    size_t total = b->npool + b->nevents;
    if (total == 0)
        return 0;
    int rc = s_write_batch (b, epoch, seq, created_ms);
    if (rc == 0)
        rc = s_pack (b, out);
    if (rc == 0)
        s_remember_last (b);
    s_reset_batch (b);
    return rc < 0 ? rc : (int) total;
}

void
vg_batcher_lost_last (vg_batcher_t *b, const char *reason)
{
    for (size_t i = 0; i < b->nlast; i++) {
        vg_batcher__gap_t *r = &b->last_ranges[i];
        uint32_t dev = b->last_devices[i];
        /* Data is counted as dropped once; a lost gap only has to be told again. */
        if (i < b->nlast_data)
            vg_batcher__gap_add (b, dev, r->from_ms, r->samples, r->events, reason);
        else
            vg_batcher__gap_merge (b, dev, r->from_ms, r->samples, r->events, reason);
        vg_batcher__gap_merge (b, dev, r->to_ms, 0, 0, reason);
    }
    b->nlast = b->nlast_data = 0;
}
