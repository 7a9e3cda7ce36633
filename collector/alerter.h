/* alerter.h - alerts to Kafka through the outbox: stage in the store's write batch, produce
 * after the commit, delete on the broker's acknowledgement.
 *
 * Invariant: an alert is produced only after its outbox record is committed, and its record
 * is deleted only after a successful delivery report (idempotent producer, acks=all), so a
 * broker outage or a crash never loses an alert.  After a crash, the records the topic
 * already holds are found by reading it back (topic_check.h) and not sent again; a record
 * whose delivery failed, or when the topic cannot be read back, is sent again (consumers may
 * then see a duplicate, with the same finding uid and message uid).
 * Nothing here blocks: when the in-flight bound or librdkafka's queue is full, records stay
 * in the outbox and are produced by later polls in id order.
 * Threads: one thread owns the alerter (stage, committed, poll, flush, destroy: the detection
 * stage); vg_alerter_stats may be called from any thread. */
#ifndef VG_ALERTER_H
#define VG_ALERTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detectors/alert.h"
#include "detectors/ocsf.h"
#include "store/outbox.h"
#include "store/store.h"

/* One librdkafka property passed through unchanged ("security.protocol" = "SASL_SSL"). */
typedef struct {
    const char *key;
    const char *value;
} vg_alerter_prop_t;

/* What a delivery report said about one record (for tests and benchmarks). */
typedef struct {
    uint64_t id;          /* outbox id */
    int err;              /* 0 = acknowledged; else a librdkafka rd_kafka_resp_err_t */
    const char *errstr;
    bool resent;          /* produced from the outbox by a poll (restart, backlog, retry) */
    int64_t latency_us;   /* commit (resent: produce) to the delivery report being served */
    int32_t partition;
    int64_t offset;
    const void *key;      /* the Kafka key and payload, valid during the callback */
    size_t key_len;
    const void *payload;
    size_t payload_len;
} vg_alerter_delivery_t;

typedef struct {
    const char *brokers;              /* bootstrap.servers ("host:port,..."); a property may override */
    const char *topic;                /* required */
    int format;                       /* VG_OUTBOX_JSON (VG_OUTBOX_PROTOBUF is refused for now) */
    const vg_alerter_prop_t *props;   /* librdkafka properties, applied after the defaults */
    size_t nprops;
    size_t max_inflight;              /* produced but not yet reported; 0 = 10000 */
    int64_t flush_ms;                 /* how long destroy waits for outstanding deliveries */
    vg_ocsf_ctx_t ocsf;               /* product version, collector id, store path (topic is set here) */
    void (*on_delivery) (void *ctx, const vg_alerter_delivery_t *d); /* optional, alerter thread */
    void *ctx;
} vg_alerter_cfg_t;

/* Counters; gauges are marked.  Latency is from the commit to the delivery report, for
 * alerts produced right after their commit (not for resends). */
typedef struct {
    uint64_t staged;            /* alerts rendered into a write batch */
    uint64_t produced;          /* messages handed to librdkafka */
    uint64_t resent;            /* of which produced from the outbox by a poll */
    uint64_t already_delivered; /* outbox records found on the topic at start: removed, not sent again */
    uint64_t delivered;         /* acknowledged and removed from the outbox */
    uint64_t delivery_errors;   /* failed delivery reports (the record stays; retried) */
    uint64_t produce_errors;    /* produce calls refused for a reason other than a full queue */
    uint64_t queue_full;        /* produce calls refused because librdkafka's queue was full */
    uint64_t render_errors;     /* alerts that could not be staged (too large, no memory) */
    uint64_t store_errors;      /* failed commits of outbox deletions */
    uint64_t kafka_errors;      /* client errors reported by librdkafka (broker down, ...) */
    uint64_t fatal_resets;      /* producer instances recreated after a fatal error */
    uint64_t outbox_count;      /* gauge: records awaiting delivery */
    uint64_t outbox_bytes;      /* gauge */
    uint64_t inflight;          /* gauge: produced, no report yet */
    uint64_t latency_count;
    uint64_t latency_sum_us;
    uint64_t latency_max_us;
    uint64_t latency_p50_us;    /* from a log-linear histogram (about 12 % resolution) */
    uint64_t latency_p99_us;
} vg_alerter_stats_t;

typedef struct vg_alerter vg_alerter_t;

/* Create the producer (cfg and store borrowed; strings are copied) and open the outbox of
 * the store.  Records left by an earlier run are produced again by the first polls.
 * Returns NULL with the reason in err (bad property, unknown format, no memory). */
vg_alerter_t *vg_alerter_new (const vg_alerter_cfg_t *cfg, vg_store_t *store, char *err, size_t errlen);
/* Wait up to cfg.flush_ms for outstanding deliveries, remove what was acknowledged, then
 * free everything; undelivered records stay in the outbox.  NULL-safe; sets *self_p = NULL. */
void vg_alerter_destroy (vg_alerter_t **self_p);

/* Render alert and add its outbox record to txn (the caller's batch, not yet committed).
 * Returns 0, -VG_ETOOBIG or -VG_ENOMEM (counted; the alert is then not sent). */
int vg_alerter_stage (vg_alerter_t *a, const vg_alert_t *alert, vg_store_txn_t *txn);
/* The batch holding the records staged since the last call was committed (ok) or failed:
 * produce the records (ok) or forget them (!ok).  Never blocks. */
void vg_alerter_committed (vg_alerter_t *a, bool ok);

/* Serve delivery reports (waiting up to timeout_ms for one; 0 = no wait), commit the outbox
 * deletions, and produce records waiting in the outbox.  Call every ~100 ms and whenever
 * vg_alerter_fd is readable.  Returns the number of reports served. */
int vg_alerter_poll (vg_alerter_t *a, int timeout_ms);
/* A descriptor that becomes readable when delivery reports are waiting (add it to a
 * zmq_poll / poll set; vg_alerter_poll drains it). */
int vg_alerter_fd (const vg_alerter_t *a);
/* Poll until nothing is in flight and the outbox is empty, or timeout_ms passes.
 * Returns 0 or -VG_EAGAIN (something is left). */
int vg_alerter_flush (vg_alerter_t *a, int timeout_ms);

/* Snapshot of the counters; safe from any thread. */
void vg_alerter_stats (const vg_alerter_t *a, vg_alerter_stats_t *out);

/* Headers every message carries (name, value), terminated by {NULL, NULL}. */
extern const vg_alerter_prop_t vg_alerter_headers[];

#endif
