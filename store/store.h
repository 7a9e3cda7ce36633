/* store.h - the collector's RocksDB store: column families, keys, atomic commits.
 *
 * One RocksDB database with a column family per purpose (series metadata, samples, events,
 * agent state, alerts, outbox, detector state, episode history).  All writes of one ingest
 * round go into one write batch committed with one fsync, so data and the agents' committed
 * sequence numbers move together.  Keys are big-endian so RocksDB order is time order; samples and
 * events lead with a time bucket so retention is one DeleteRange.  A store can be opened
 * read-write (the collector), read-only, or as a secondary that follows a running primary
 * (vigil query / inspect while the collector runs). */
#ifndef VG_STORE_H
#define VG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/byteorder.h"

typedef enum { VG_STORE_RW = 0, VG_STORE_READONLY = 1, VG_STORE_SECONDARY = 2 } vg_store_mode_t;

typedef enum {
    VG_CF_META = 0,   /* store format and settings */
    VG_CF_SERIES,     /* u64 series id -> vigil.SeriesMeta */
    VG_CF_SAMPLES,    /* u32 bucket, u64 series id -> concatenated chunks (merge operator) */
    VG_CF_EVENTS,     /* u32 bucket, i64 ts, u64 identity hash, u32 0 -> vigil.StoredEvent */
    VG_CF_AGENTS,     /* agent id -> vigil.AgentState */
    VG_CF_ALERTS,     /* alert records (detectors) */
    VG_CF_OUTBOX,     /* alerts awaiting Kafka delivery */
    VG_CF_DETSTATE,   /* saved detector state; the fleet publisher's journal ("fleetj/...", fleet_publish.h) */
    VG_CF_EPISODES,   /* alert episode history: one entry per lifecycle record (alert_store.h) */
    VG_CF_FLEETBOX,   /* fleet messages awaiting Kafka delivery (outbox.h layout; fleet_publish.h) */
    VG_CF__COUNT
} vg_cf_t;

typedef struct {
    const char *path;
    vg_store_mode_t mode;
    int64_t bucket_ms;      /* samples/events time bucket; fixed when the store is created */
    bool sync;              /* fsync the WAL on every commit (durability); default true */
    uint64_t cache_bytes;   /* block cache; 0 = RocksDB default */
} vg_store_cfg_t;

typedef struct vg_store vg_store_t;
typedef struct vg_store_txn vg_store_txn_t;

/* Open (creating in RW mode) the store. NULL on failure with the reason in err. */
vg_store_t *vg_store_open (const vg_store_cfg_t *cfg, char *err, size_t errlen);
void vg_store_destroy (vg_store_t **self_p);

/* Samples the merge operator dropped since open because their (series, timestamp) was
 * already stored (store/sample_merge.h): *same with the same value (a re-sent interval),
 * *conflicting with another value (the first written is kept).  Counted when RocksDB merges
 * a key (flush, compaction, or a read in this process), so a duplicate shows up once its
 * key is compacted.  Any thread. */
void vg_store_sample_dups (vg_store_t *s, uint64_t *same, uint64_t *conflicting);

/* The bucket width the store was created with. */
int64_t vg_store_bucket_ms (const vg_store_t *s);
const char *vg_store_path (const vg_store_t *s);

/* A write batch bound to store s. Reusable: vg_store_txn_clear() after each commit. */
vg_store_txn_t *vg_store_txn_new (vg_store_t *s);
void vg_store_txn_destroy (vg_store_txn_t **self_p);
void vg_store_txn_clear (vg_store_txn_t *t);
size_t vg_store_txn_count (const vg_store_txn_t *t);
void vg_store_txn_put (vg_store_txn_t *t, vg_cf_t cf, const void *k, size_t kl, const void *v, size_t vl);
void vg_store_txn_merge (vg_store_txn_t *t, vg_cf_t cf, const void *k, size_t kl, const void *v, size_t vl);
void vg_store_txn_delete (vg_store_txn_t *t, vg_cf_t cf, const void *k, size_t kl);
/* Delete every key in [from, to) of cf with the txn's write (one range tombstone). */
void vg_store_txn_delete_range (vg_store_txn_t *t, vg_cf_t cf, const void *from, size_t fl, const void *to, size_t tl);

/* Commit atomically (fsync'd when cfg.sync). 0 or -VG_ESTORE (reason in err if given). */
int vg_store_commit (vg_store_t *s, vg_store_txn_t *t, char *err, size_t errlen);

/* Fault seam for tests: the next n commits (n >= 0; replaces what was left) fail with
 * -VG_ESTORE and the reason "injected failure" without writing anything, as a full disk
 * makes them fail.  Any thread. */
void vg_store_fail_commits (vg_store_t *s, int n);

/* Read one value into out (replacing its contents). 0, -VG_ENOTFOUND or -VG_ESTORE. */
int vg_store_get (vg_store_t *s, vg_cf_t cf, const void *k, size_t kl, vg_buf_t *out);

/* Visit keys in [from, to) in order (to == NULL: to the end).  fn returns 0 to go on,
 * non-zero to stop (returned).  Returns 0, fn's value, or -VG_ESTORE. */
typedef int (*vg_store_kv_fn) (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl);
int vg_store_scan (vg_store_t *s, vg_cf_t cf, const void *from, size_t fl, const void *to, size_t tl,
                   vg_store_kv_fn fn, void *ctx);

/* A point-in-time view (a RocksDB snapshot): reads through it see the store as it was
 * when the view was taken, whatever the writer does after.  Long exports read through one
 * so their output is one consistent state.  A secondary has no snapshots: its view is the
 * state of its last catch-up (and stays readable while the primary compacts, as the
 * secondary keeps its files open), so a reader that needs one state catches up before
 * taking the view and not while reading.  The view borrows s, which must outlive it.
 * NULL on allocation failure. */
typedef struct vg_store_view vg_store_view_t;
vg_store_view_t *vg_store_view_new (vg_store_t *s);
void vg_store_view_destroy (vg_store_view_t **self_p);
/* vg_store_get / vg_store_scan through view v (same contracts). */
int vg_store_view_get (vg_store_view_t *v, vg_cf_t cf, const void *k, size_t kl, vg_buf_t *out);
int vg_store_view_scan (vg_store_view_t *v, vg_cf_t cf, const void *from, size_t fl, const void *to, size_t tl,
                        vg_store_kv_fn fn, void *ctx);

/* The same pass as vg_store_view_scan, pulled one key at a time (a reader that merges it
 * with other data, as replay merges events with samples): an iterator over [from, to) of
 * cf (to may be NULL: to the end; from and to are copied).  The blocks it reads bypass the
 * block cache (one-pass reads).  NULL on allocation failure.  The view must outlive it. */
typedef struct vg_store_iter vg_store_iter_t;
vg_store_iter_t *vg_store_view_iter (vg_store_view_t *v, vg_cf_t cf, const void *from, size_t fl, const void *to,
                                     size_t tl);
/* The next key and value (*k, *v valid until the next call or the destroy).  Returns 1,
 * 0 at the end, or -VG_ESTORE (then at the end). */
int vg_store_iter_next (vg_store_iter_t *it, const uint8_t **k, size_t *kl, const uint8_t **v, size_t *vl);
/* NULL-safe; sets *self_p to NULL. */
void vg_store_iter_destroy (vg_store_iter_t **self_p);

/* The time bucket of the first key at or after bucket b in cf, for the families whose keys
 * lead with a big-endian u32 bucket (samples, events), through view v: *out = the bucket,
 * or UINT64_MAX when there is none.  Readers skip empty buckets with it (one seek).
 * Returns 0 or -VG_ESTORE. */
int vg_store_view_next_bucket (vg_store_view_t *v, vg_cf_t cf, uint32_t b, uint64_t *out);

/* Delete every key in [from, to) of cf (retention) and compact the range. */
int vg_store_delete_range (vg_store_t *s, vg_cf_t cf, const void *from, size_t fl, const void *to, size_t tl);

/* vg_store_delete_range after counting the keys in [from, to) into *n (nothing deleted when
 * there are none: no compaction either).  Returns 0 or a negative code. */
int vg_store_drop_range (vg_store_t *s, vg_cf_t cf, const void *from, size_t fl, const void *to, size_t tl,
                         uint64_t *n);

/* Secondary mode: catch up with the primary's latest writes. */
int vg_store_catch_up (vg_store_t *s);

/* Integer RocksDB property of a column family (e.g. "rocksdb.total-sst-files-size"). */
int vg_store_property (vg_store_t *s, vg_cf_t cf, const char *name, uint64_t *out);

/* The RocksDB name of column family cf ("default" for VG_CF_META, "series", "samples", ...;
 * "?" when cf is out of range).  A static string; any thread. */
const char *vg_store_cf_name (vg_cf_t cf);

/* Flush memtables to SST files (tests and inspection). */
int vg_store_flush (vg_store_t *s);
/* Compact the whole of cf, bottommost level included (seals every sample chunk). 0 or
 * -VG_ENOMEM. */
int vg_store_compact (vg_store_t *s, vg_cf_t cf);

/* ---- keys (big-endian) ---- */
#define VG_SAMPLE_KEY_LEN 12
#define VG_EVENT_KEY_LEN 24

/* Bucket of a timestamp; timestamps before 1970 share bucket 0. */
static inline uint32_t
vg_store_bucket (int64_t ts_ms, int64_t bucket_ms)
{
    if (ts_ms <= 0)
        return 0;
    int64_t b = ts_ms / bucket_ms;
    return b > (int64_t) UINT32_MAX ? UINT32_MAX : (uint32_t) b;
}

static inline void
vg_key_sample (uint8_t k[VG_SAMPLE_KEY_LEN], uint32_t bucket, uint64_t sid)
{
    vg_be32 (k, bucket);
    vg_be64 (k + 4, sid);
}

/* Event key: bucket, timestamp (sign-flipped so order is numeric), then the event's
 * identity: id = vg_hash64 (packed vigil.StoredEvent, VG_EVENT_ID_SEED), the value stored,
 * which holds everything the event says (device, vendor, time, type, attributes, flow, gap,
 * input, agent), and 4 zero bytes.  The same event sent twice, in any batch, is a put of
 * the same value to the same key: stored once.  Two events equal in every field at the same
 * millisecond are one event; distinct events at one millisecond share a key only on a
 * 64-bit hash collision.  (Stores written before 2026-12-07 hold a hash of agent, epoch and
 * seq and the index in the batch in these 12 bytes; readers never look inside them.) */
#define VG_EVENT_ID_SEED 0x76696769ULL

static inline void
vg_key_event (uint8_t k[VG_EVENT_KEY_LEN], uint32_t bucket, int64_t ts_ms, uint64_t id)
{
    vg_be32 (k, bucket);
    vg_be64 (k + 4, (uint64_t) ts_ms ^ (1ULL << 63));
    vg_be64 (k + 12, id);
    vg_be32 (k + 20, 0);
}

#endif
