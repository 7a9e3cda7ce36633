/* sample_merge.h - the RocksDB merge operator that keeps a series' samples in one chunk.
 *
 * A samples value is a concatenation of self-delimiting chunks (common/chunk.h).  Ingest
 * appends one chunk per series per batch with Merge; the operator's full merge decodes
 * every chunk of the key, orders the samples by time (stable, so equal timestamps keep
 * arrival order) and re-encodes them as one chunk; partial merge only concatenates.  Reads
 * therefore see raw and sealed data alike, and compaction seals chunks without any extra
 * write on the ingest path.  Chunks of different value types in one key (a store written
 * before integer chunks existed, then appended to) merge into the type that holds every
 * value exactly (common/num.h): whole-number doubles next to integers become integers. */
#ifndef VG_SAMPLE_MERGE_H
#define VG_SAMPLE_MERGE_H

#include <rocksdb/c.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/num.h"
#include "common/samples.h"

/* A new merge operator (owned by the caller; rocksdb_mergeoperator_destroy frees it). */
rocksdb_mergeoperator_t *vg_sample_merge_operator (void);

/* Decode every chunk in value[0..len) into one time-ordered run, re-encoded as a single
 * chunk appended to out.  Returns samples, or -VG_EPROTO / -VG_ETRUNC / -VG_ENOMEM. */
int vg_sample_merge_value (const uint8_t *value, size_t len, vg_buf_t *out);

/* Callback per sample, in time order, for values read from the store. */
typedef int (*vg_sample_fn) (void *ctx, int64_t ts_ms, double value);

/* Decode all chunks of a stored value, sort by time, and call fn for samples in
 * [from_ms, to_ms).  Stops early if fn returns non-zero (that value is returned).
 * Integers arrive as their nearest doubles. */
int vg_sample_value_scan (const uint8_t *value, size_t len, int64_t from_ms, int64_t to_ms, vg_sample_fn fn,
                          void *ctx);

/* Same samples appended in bulk: those of [from_ms, to_ms) go to out->ts / out->v from
 * index *used on (out grows as needed; num is not touched), *used advanced past them.
 * Returns 0 or -VG_EPROTO / -VG_ETRUNC / -VG_ENOMEM (then *used is unchanged). */
int vg_sample_value_append (const uint8_t *value, size_t len, int64_t from_ms, int64_t to_ms, vg_samples_t *out,
                            size_t *used);

/* Same, with every value exactly as stored; all samples of one call share one type. */
typedef int (*vg_sample_num_fn) (void *ctx, int64_t ts_ms, vg_num_t value, vg_numtype_t type);
int vg_sample_value_scan_num (const uint8_t *value, size_t len, int64_t from_ms, int64_t to_ms,
                              vg_sample_num_fn fn, void *ctx);

/* Count samples of a stored value from chunk headers only (no decoding). */
int64_t vg_sample_value_count (const uint8_t *value, size_t len);

#endif
