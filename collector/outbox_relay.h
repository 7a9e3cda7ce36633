/* outbox_relay.h - a store outbox (store/outbox.h) relayed to one Kafka topic, so that a
 * reader of the topic sees every committed record exactly once across crashes.
 *
 * Invariant: a record is produced only after the write holding it was committed, in id
 * order, and deleted only after the broker acknowledged it (idempotent producer, acks=all).
 * After a restart with records left, the topic's tail is read back first (topic_check.h:
 * every message carries a `vigil-outbox` header "<origin>:<id>") and the records it already
 * holds are removed instead of being produced again; when the topic cannot be read back,
 * they are produced again (a duplicate with the same header, never a loss).
 * The relay borrows its producer: the owner's delivery-report callback hands every report
 * to vg_relay_delivered.  Nothing here blocks except vg_relay_flush.
 * Threads: one thread owns the relay and calls every function (the detect stage's thread
 * in a site collector).  The alerter (alerter.h) does the same for alerts with its own
 * copy of this logic (latency histogram, fatal-error resets); it may move onto this. */
#ifndef VG_OUTBOX_RELAY_H
#define VG_OUTBOX_RELAY_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/alerter.h"
#include "store/outbox.h"
#include "store/store.h"

typedef struct {
    vg_store_t *store;              /* borrowed; must outlive the relay */
    vg_cf_t cf;                     /* the outbox's column family */
    rd_kafka_t *rk;                 /* borrowed producer (idempotent, acks=all) */
    rd_kafka_topic_t *rkt;          /* borrowed topic handle of rk */
    const char *brokers;            /* borrowed, for the restart check's consumer */
    const vg_alerter_prop_t *props; /* borrowed, idem */
    size_t nprops;
    const char *topic;              /* borrowed */
    const char *origin;             /* borrowed: this producer in the header (the collector id) */
    size_t max_inflight;            /* produced, not yet reported; 0 = 10000 */
    const char *tag;                /* log tag ("fleet") */
} vg_relay_cfg_t;

typedef struct {
    uint64_t added;             /* records committed */
    uint64_t produced;          /* handed to librdkafka (a record produced again counts again) */
    uint64_t delivered;         /* acknowledged and removed */
    uint64_t already_delivered; /* found on the topic at start: removed, not produced again */
    uint64_t delivery_errors;   /* failed reports: the record stays and is produced again */
    uint64_t produce_errors;    /* refused by librdkafka for a reason other than a full queue */
    uint64_t add_errors;        /* records that could not be staged (too large, no memory) */
    uint64_t store_errors;      /* failed commits of deletions, failed scans */
    uint64_t outbox_count;      /* gauge: committed records not yet removed */
    uint64_t inflight;          /* gauge */
} vg_relay_stats_t;

typedef struct vg_relay vg_relay_t;

/* Open the outbox of cfg->cf.  When records are left from an earlier run, start reading
 * the topic back (nothing is produced until that check ended).  NULL with err on failure. */
vg_relay_t *vg_relay_new (const vg_relay_cfg_t *cfg, char *err, size_t errlen);
/* Commit pending deletions and free (records not acknowledged stay in the outbox; call
 * vg_relay_flush first to wait for them).  The producer is not touched.  NULL-safe; sets
 * *self_p to NULL. */
void vg_relay_destroy (vg_relay_t **self_p);

/* Stage one record (key and payload copied) into txn, which the caller commits and then
 * reports with vg_relay_committed.  Returns 0, -VG_EINVAL (empty or oversized: counted)
 * or -VG_ENOMEM. */
int vg_relay_add (vg_relay_t *r, vg_store_txn_t *txn, const void *key, size_t key_len, const void *payload,
                  size_t payload_len);
/* The write holding the records staged since the last call was committed (ok: they are
 * produced by the next vg_relay_poll) or not (!ok: they are forgotten; should the write
 * still be committed later, a rescan of the outbox produces them). */
void vg_relay_committed (vg_relay_t *r, bool ok);

/* Records may have been committed out of id order (a write retried after a failure):
 * produce from the first id again once nothing is in flight. */
void vg_relay_rescan (vg_relay_t *r);

/* A delivery report of rk (call from the owner's dr_msg callback for every message the
 * relay produced, i.e. whose opaque is non-NULL). */
void vg_relay_delivered (vg_relay_t *r, const rd_kafka_message_t *m);

/* Finish the restart check when it is done, commit deletions (at most every 50 ms), and
 * produce committed records that are not in flight, in id order.  Does not serve delivery
 * reports (the owner polls rk).  Never blocks. */
void vg_relay_poll (vg_relay_t *r);
/* Serve reports and produce until nothing is in flight and the outbox is empty, or
 * timeout_ms passes.  Returns 0 or -VG_EAGAIN (something is left). */
int vg_relay_flush (vg_relay_t *r, int timeout_ms);

void vg_relay_stats (const vg_relay_t *r, vg_relay_stats_t *out);

#endif
