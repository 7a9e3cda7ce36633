/* fleet_publish.h - a site collector's side of the fleet tier (docs/SCALING.md): what the
 * fleet-level detectors consume, published to the fleet topic as vigil.FleetBatch messages.
 *
 * Published (and nothing else): the device inventory (each device once per run, again when
 * its identity changes), the PM counter series the KPI stage pairs (kpi_stage.h; chunks as
 * the agent sent them) and the Create records of per-device rules that a fleet rule counts
 * (X01's sources).  One message per committed batch and fleet scope, never per sample; the
 * Kafka key is the scope a fleet rule keeps its state under: "vendor/<v>" for inventory and
 * findings (X01 counts a vendor's devices across sites), "site/<s>" for KPI counters (X02
 * compares a site's vendors), so one partition holds all input of a scope.
 * Delivery: exactly once for readers of the topic, through an outbox in the store
 * (VG_CF_FLEETBOX, relayed by outbox_relay.h): a finding's message is written in the same
 * write as its alert record; a batch's messages in the publisher's own write right after
 * the detect stage's group commit (the poll hook); each is produced after its commit and
 * deleted when acknowledged, and a restart reads the topic back before producing what is
 * left.  Batches committed but not yet published at a crash (the detect stage had not
 * reached them, or the outbox write after it had not happened) are published after the
 * restart, once: ingest's write holds each accepted batch in a journal too
 * (vg_fleet_pub_journal, VG_CF_DETSTATE keys "fleetj/..."); the outbox write that holds a
 * batch's messages deletes its journal entry; vg_fleet_pub_new publishes what is left.
 * Threads: the detect stage's thread only (hooks of collector/detect_stage.h), except
 * vg_fleet_pub_journal (the server's thread; it touches no publisher state). */
#ifndef VG_FLEET_PUBLISH_H
#define VG_FLEET_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "collector/alerter.h"
#include "detectors/alert.h"
#include "store/store.h"
#include "detectors/rules.h"
#include "proto/vigil.pb-c.h"

typedef struct {
    const char *brokers;            /* bootstrap.servers */
    const char *topic;              /* the fleet topic; required */
    int partitions;                 /* the topic is created with this many when missing */
    const vg_alerter_prop_t *props; /* librdkafka properties (TLS, SASL, ...), after the defaults */
    size_t nprops;
    const char *collector_id;       /* FleetBatch.collector_id and the outbox header's origin; required */
    vg_store_t *store;              /* borrowed: the outbox (VG_CF_FLEETBOX) lives there; required */
    const vg_rules_t *rules;        /* borrowed while the publisher lives: which findings count */
} vg_fleet_pub_cfg_t;

typedef struct {
    uint64_t messages, bytes;       /* produced */
    uint64_t series, samples;       /* KPI counter series / samples published */
    uint64_t devices, findings;     /* inventory records and findings published */
    uint64_t delivered, delivery_errors, produce_errors;
    uint64_t journal_replayed;      /* batches published at start from the journal (a crash's) */
    uint64_t journal_bad;           /* journal entries that did not decode (dropped, logged) */
} vg_fleet_pub_stats_t;

typedef struct vg_fleet_pub vg_fleet_pub_t;

/* Create the producer (cfg strings are copied; rules and store borrowed), the topic when
 * missing, and open the outbox (left records: the topic is read back, then they are sent);
 * then publish the batches left in the journal (committed by ingest, never published) in
 * one outbox write that deletes their entries.  Call before the server takes batches.
 * Returns NULL with the reason in err. */
vg_fleet_pub_t *vg_fleet_pub_new (const vg_fleet_pub_cfg_t *cfg, char *err, size_t errlen);
/* Write pending messages to the outbox, wait up to 5 s for deliveries, then free
 * (undelivered messages stay in the outbox for the next run).  NULL-safe; sets *self_p. */
void vg_fleet_pub_destroy (vg_fleet_pub_t **self_p);

/* A vg_server_accept_fn (ctx unused, may be NULL; server thread): put the accepted batch
 * into txn's journal entry, so that it is published even if the collector stops before the
 * detect stage fed it.  Stateless: safe beside the publisher's own thread. */
void vg_fleet_pub_journal (void *ctx, const char *agent_id, uint64_t epoch, uint64_t seq, uint64_t order,
                           const uint8_t *batch, size_t len, vg_store_txn_t *txn);

/* A collector without fleet.publish.topic (or without the detect stage): delete the fleet
 * journal an earlier run that published left, with a WARN line saying how many batches
 * will not reach the fleet topic.  Returns the entries dropped or a negative code. */
int vg_fleet_pub_journal_drop (vg_store_t *store);

/* A validated batch fed to the detectors: pack its new inventory and its KPI counter
 * series (one message per scope) for the next vg_fleet_pub_poll's outbox write, which also
 * deletes the batch's journal entry. */
void vg_fleet_pub_batch (vg_fleet_pub_t *p, const Vigil__Batch *b);
/* An alert record being added to txn (the detect stage's write): when it is the Create of a
 * finding a fleet rule counts, its message (one finding) joins txn's outbox records. */
void vg_fleet_pub_alert (vg_fleet_pub_t *p, const vg_alert_t *a, vg_store_txn_t *txn);
/* The write holding the alerts seen since the last call was committed: their messages may go. */
void vg_fleet_pub_committed (vg_fleet_pub_t *p);
/* After the detect stage's commit (every loop turn): findings not confirmed are forgotten
 * (that commit failed), the batches' messages are committed to the outbox in one write,
 * delivery reports are served and committed records produced.  Blocks only on the write. */
void vg_fleet_pub_poll (vg_fleet_pub_t *p);

void vg_fleet_pub_stats (const vg_fleet_pub_t *p, vg_fleet_pub_stats_t *out);

#endif
