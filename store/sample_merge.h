/* sample_merge.h - the RocksDB merge operator that keeps a series' samples in one chunk.
 *
 * A samples value is a concatenation of self-delimiting chunks (common/chunk.h).  Ingest
 * appends one chunk per series per batch with Merge; the operator's full merge decodes
 * every chunk of the key, orders the samples by time and re-encodes them as one chunk;
 * partial merge only concatenates.  Reads therefore see raw and sealed data alike, and
 * compaction seals chunks without any extra write on the ingest path.  Chunks of different
 * value types in one key (a store written before integer chunks existed, then appended to)
 * merge into the type that holds every value exactly (common/num.h): whole-number doubles
 * next to integers become integers.
 *
 * Idempotent per (series, timestamp): a key holds one sample per timestamp.  Of samples
 * with equal timestamps the first written is kept (the order is stable and RocksDB hands
 * the operands over oldest first), the others are dropped: with the same value a
 * duplicate (a re-sent interval), with another value a conflict.  Readers apply the same
 * rule, so a query sees each (series, timestamp) once before compaction too; the merge
 * that RocksDB runs at flush and compaction counts what it dropped (vg_sample_merge_stats_t).
 * A re-sent interval thus costs its bytes until the next compaction of its key, and nothing
 * on the ingest path (no read before a write). */
#ifndef VG_SAMPLE_MERGE_H
#define VG_SAMPLE_MERGE_H

#include <rocksdb/c.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/num.h"
#include "common/samples.h"

/* What the operator's merges dropped, added up from RocksDB's threads (atomics).  A sample
 * is counted once per merge that drops it: at the flush or compaction that seals its key,
 * and again by any read in the same process that merges the key before that (the collector
 * never reads samples; tests do).  Zero-initialise. */
typedef struct {
    atomic_uint_fast64_t same;        /* (series, ts) again with the same value */
    atomic_uint_fast64_t conflicting; /* (series, ts) again with another value: the first kept */
    atomic_int_fast64_t next_log_ms;  /* a conflict is logged (WARN) at most once a minute */
} vg_sample_merge_stats_t;

/* A new merge operator (owned by the caller; rocksdb_mergeoperator_destroy frees it) that
 * counts into stats (borrowed, may be NULL; must outlive every merge the operator runs). */
rocksdb_mergeoperator_t *vg_sample_merge_operator (vg_sample_merge_stats_t *stats);

/* Duplicates one merge met (see the file comment). */
typedef struct {
    uint64_t same, conflicting;
    int64_t ts;               /* the first conflict: its timestamp, */
    vg_num_t kept, dropped;   /* the value kept and the one dropped, */
    vg_numtype_t type;        /* of this type */
} vg_sample_dups_t;

/* Decode every chunk in value[0..len) into one time-ordered run, one sample per timestamp
 * (the first written), re-encoded as a single chunk appended to out.  Returns samples, or
 * -VG_EPROTO / -VG_ETRUNC / -VG_ENOMEM. */
int vg_sample_merge_value (const uint8_t *value, size_t len, vg_buf_t *out);
/* The same, adding the samples it dropped to *dups (zero-initialised by the caller). */
int vg_sample_merge_value_dups (const uint8_t *value, size_t len, vg_buf_t *out, vg_sample_dups_t *dups);

/* Callback per sample, in time order, for values read from the store. */
typedef int (*vg_sample_fn) (void *ctx, int64_t ts_ms, double value);

/* Decode all chunks of a stored value, sort by time (one sample per timestamp, as the merge
 * keeps), and call fn for samples in [from_ms, to_ms).  Stops early if fn returns non-zero
 * (that value is returned).  Integers arrive as their nearest doubles. */
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

/* Count the samples of a stored value (one per timestamp, as the merge keeps). */
int64_t vg_sample_value_count (const uint8_t *value, size_t len);

#endif
