/* batch_skim.h - unpack a vigil.Batch for a reader that never needs its sample bytes copied
 * (the collector's detect stage): everything but the series through protobuf-c, each series
 * by a small reader of its own that takes its fields in place.
 *
 * Invariant: the result is what vigil__batch__unpack gives for every field but two: a
 * series' chunk points into the input instead of a copy, and its unit is left empty (no
 * reader of a skimmed batch uses it).  The result is allocated from the arena behind
 * alloc, so it is released by resetting that arena; the input must outlive it. */
#ifndef VG_BATCH_SKIM_H
#define VG_BATCH_SKIM_H

#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/buf.h"
#include "proto/vigil.pb-c.h"

/* Unpack batch p[0..len).  alloc must allocate from arena (vg_batch_arena_allocator);
 * rest is scratch (the batch's bytes without its series, kept for reuse by the caller).
 * Returns the batch, or NULL when p is not a well-formed vigil.Batch (as protobuf-c would
 * refuse it: truncated field, bad wire type of a known field, group wire types) or on
 * allocation failure.  Not thread-safe (as the arena). */
Vigil__Batch *vg_batch_skim (ProtobufCAllocator *alloc, vg_arena_t *arena, vg_buf_t *rest, const uint8_t *p,
                             size_t len);

#endif
