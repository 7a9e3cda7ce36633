/* outbox.h - alerts awaiting Kafka delivery, kept in the store's VG_CF_OUTBOX column family.
 *
 * Invariant: a record is written in the same write batch as the alert it carries and is
 * deleted only after the broker acknowledged it, so every alert the store holds either sits
 * in the outbox or was delivered.  Keys are 8-byte big-endian ids, strictly increasing within
 * a process and above every id an earlier run handed out (a high-water mark in VG_CF_META,
 * written in the records' own write batches), so key order is production order and an id
 * never names two records, even after the outbox was emptied.
 * Single-threaded: one thread owns an outbox (the detection stage in the collector). */
#ifndef VG_OUTBOX_H
#define VG_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define VG_OUTBOX_KEY_LEN 8
#define VG_OUTBOX_HDR_LEN 12        /* version, format, key length, created ms */
#define VG_OUTBOX_MAX_KEY 1024      /* Kafka key (the dedup key) */
#define VG_OUTBOX_MAX_PAYLOAD (1u << 20)

/* Payload encodings. */
enum { VG_OUTBOX_JSON = 0, VG_OUTBOX_PROTOBUF = 1 };

/* One record.  key and payload are borrowed (by add) or point into the store's iterator
 * (by scan: valid only during the callback). */
typedef struct {
    uint64_t id;          /* set by vg_outbox_add; 0 before */
    int format;           /* VG_OUTBOX_JSON or VG_OUTBOX_PROTOBUF */
    int64_t created_ms;   /* wall clock when the alert was staged */
    const char *key;      /* Kafka key, not NUL-terminated */
    size_t key_len;
    const uint8_t *payload;
    size_t payload_len;
} vg_outbox_rec_t;

typedef struct {
    uint64_t count;       /* committed records not yet removed */
    uint64_t bytes;       /* their encoded size (header + key + payload) */
    uint64_t added;       /* records committed since open */
    uint64_t removed;     /* records removed since open */
    uint64_t corrupt;     /* undecodable records met by scans (left in place) */
    uint64_t next_id;
} vg_outbox_stats_t;

typedef struct vg_outbox vg_outbox_t;

/* Open the outbox of store s (borrowed; must outlive the outbox): one scan counts what an
 * earlier run left and finds the next id.  NULL on failure with the reason in err. */
vg_outbox_t *vg_outbox_new (vg_store_t *s, char *err, size_t errlen);
/* vg_outbox_new on another column family (VG_CF_FLEETBOX: the fleet publisher's outbox);
 * each family is an outbox of its own, with its own ids and mark.  The first id is the
 * largest of min_next_id, the stored high-water mark and the largest id left + 1: ids
 * never go back whatever min_next_id is (a caller may pass a wall clock in microseconds, so
 * that ids also say roughly when; a clock stepped back only makes them start at the mark). */
vg_outbox_t *vg_outbox_open (vg_store_t *s, vg_cf_t cf, uint64_t min_next_id, char *err, size_t errlen);
/* NULL-safe; sets *self_p to NULL.  Records stay in the store. */
void vg_outbox_destroy (vg_outbox_t **self_p);

/* Put rec into txn under a new id (written to rec->id and *id).  The record counts only
 * once vg_outbox_committed (ob, true) confirms the commit of txn.  Returns 0, -VG_EINVAL
 * (bad format, empty or oversized key or payload) or -VG_ENOMEM. */
int vg_outbox_add (vg_outbox_t *ob, vg_store_txn_t *txn, vg_outbox_rec_t *rec, uint64_t *id);
/* Report the outcome of the commit that carried the records added since the last call:
 * ok counts them, !ok forgets them (they never reached the store). */
void vg_outbox_committed (vg_outbox_t *ob, bool ok);

/* Delete record id (encoded size `bytes`, as reported by scan or computed with
 * vg_outbox_rec_size) in txn and uncount it.  The caller commits txn. */
void vg_outbox_remove (vg_outbox_t *ob, vg_store_txn_t *txn, uint64_t id, size_t bytes);

/* Encoded size of a record with these key and payload lengths. */
size_t vg_outbox_rec_size (size_t key_len, size_t payload_len);

/* Visit committed records with id >= from_id in id order.  fn returns 0 to go on,
 * non-zero to stop (that value is returned).  Undecodable records are counted and
 * skipped.  Returns 0, fn's value or -VG_ESTORE. */
typedef int (*vg_outbox_fn) (void *ctx, const vg_outbox_rec_t *rec);
int vg_outbox_scan (vg_outbox_t *ob, uint64_t from_id, vg_outbox_fn fn, void *ctx);

void vg_outbox_stats (const vg_outbox_t *ob, vg_outbox_stats_t *out);

/* Decode a stored value (exposed for tests and tools): 0 with rec pointing into v, or
 * -VG_EPROTO. */
int vg_outbox_decode (uint64_t id, const uint8_t *v, size_t vl, vg_outbox_rec_t *rec);

#endif
