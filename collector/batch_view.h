/* batch_view.h - what ingest learnt decoding a batch, handed to the detect stage with the
 * batch so that it does not decode the chunks or hash the series ids a second time.
 *
 * A view is one flat, 8-byte-aligned byte block, built by ingest while it validates a
 * batch and owned by whoever holds the block (no pointers inside, so it can be copied
 * into a message):
 *     header   { magic, nseries, nsamples }
 *     nseries  x { sid, n, idx }      series in batch order, their decoded sample counts and
 *                                     ingest's dense index of the series (UINT32_MAX: none),
 *                                     a hint a reader may cache by (it checks sid), or
 *                                     VG_BATCH_VIEW_REFUSED: not stored (its agent is at
 *                                     limits.agent_series), so not to be detected on either
 *     nsamples x int64 ts              every decoded sample, series after series
 *     nsamples x double v              (STATE series: the batch's state index)
 * Invariant: sum(n) == nsamples and the block is exactly vg_batch_view_size() bytes; a
 * reader checks both (vg_batch_view_parse) and falls back to decoding the batch itself
 * when they do not hold. */
#ifndef VG_BATCH_VIEW_H
#define VG_BATCH_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define VG_BATCH_VIEW_MAGIC 0x56475657u /* "WVGV" */
#define VG_BATCH_VIEW_REFUSED 0xfffffffeu /* idx of a series ingest refused */

typedef struct {
    uint32_t magic, nseries;
    uint64_t nsamples;
} vg_batch_view_hdr_t;

typedef struct {
    uint64_t sid;
    uint32_t n;
    uint32_t idx;
} vg_batch_view_series_t;

/* A parsed view: pointers into the block. */
typedef struct {
    uint32_t nseries;
    uint64_t nsamples;
    const vg_batch_view_series_t *series;
    const int64_t *ts;
    const double *v;
} vg_batch_view_t;

/* Bytes of a view of nseries series and nsamples samples (0 when that overflows). */
static inline size_t
vg_batch_view_size (size_t nseries, size_t nsamples)
{
    if (nseries > (SIZE_MAX / 2) / sizeof (vg_batch_view_series_t) || nsamples > (SIZE_MAX / 4) / 16)
        return 0;
    return sizeof (vg_batch_view_hdr_t) + nseries * sizeof (vg_batch_view_series_t) + nsamples * 16;
}

/* Parse block p[0..len) into out.  p must be 8-byte aligned.  Returns 0, or -VG_EPROTO
 * when the block is not a well-formed view (wrong magic, size or counts). */
static inline int
vg_batch_view_parse (const uint8_t *p, size_t len, vg_batch_view_t *out)
{
    vg_batch_view_hdr_t h;
    if (!p || len < sizeof h || ((uintptr_t) p & 7u))
        return -VG_EPROTO;
    __builtin_memcpy (&h, p, sizeof h);
    if (h.magic != VG_BATCH_VIEW_MAGIC || vg_batch_view_size (h.nseries, h.nsamples) != len)
        return -VG_EPROTO;
    out->nseries = h.nseries;
    out->nsamples = h.nsamples;
    out->series = (const vg_batch_view_series_t *) (const void *) (p + sizeof h);
    out->ts = (const int64_t *) (const void *) (out->series + h.nseries);
    out->v = (const double *) (const void *) (out->ts + h.nsamples);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < h.nseries; i++) {
        if (out->series[i].n > h.nsamples - sum)
            return -VG_EPROTO;
        sum += out->series[i].n;
    }
    return sum == h.nsamples ? 0 : -VG_EPROTO;
}

#endif
