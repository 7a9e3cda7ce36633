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
 * Delivery: idempotent producer, acks=all; a message not acknowledged when the collector
 * dies is not sent again (at most once from a site; the fleet tier itself is exactly once).
 * Threads: the detect stage's thread only (hooks of collector/detect_stage.h). */
#ifndef VG_FLEET_PUBLISH_H
#define VG_FLEET_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "collector/alerter.h"
#include "detectors/alert.h"
#include "detectors/rules.h"
#include "proto/vigil.pb-c.h"

typedef struct {
    const char *brokers;            /* bootstrap.servers */
    const char *topic;              /* the fleet topic; required */
    int partitions;                 /* the topic is created with this many when missing */
    const vg_alerter_prop_t *props; /* librdkafka properties (TLS, SASL, ...), after the defaults */
    size_t nprops;
    const char *collector_id;       /* FleetBatch.collector_id */
    const vg_rules_t *rules;        /* borrowed while the publisher lives: which findings count */
} vg_fleet_pub_cfg_t;

typedef struct {
    uint64_t messages, bytes;       /* produced */
    uint64_t series, samples;       /* KPI counter series / samples published */
    uint64_t devices, findings;     /* inventory records and findings published */
    uint64_t delivered, delivery_errors, produce_errors;
} vg_fleet_pub_stats_t;

typedef struct vg_fleet_pub vg_fleet_pub_t;

/* Create the producer (cfg strings are copied; rules borrowed) and the topic when missing.
 * Returns NULL with the reason in err. */
vg_fleet_pub_t *vg_fleet_pub_new (const vg_fleet_pub_cfg_t *cfg, char *err, size_t errlen);
/* Wait up to 5 s for outstanding deliveries, then free.  NULL-safe; sets *self_p to NULL. */
void vg_fleet_pub_destroy (vg_fleet_pub_t **self_p);

/* A validated batch fed to the detectors: publish its new inventory and its KPI counter
 * series (one message per scope).  Never blocks; a full producer queue drops and counts. */
void vg_fleet_pub_batch (vg_fleet_pub_t *p, const Vigil__Batch *b);
/* An alert record: kept when it is the Create of a finding a fleet rule counts. */
void vg_fleet_pub_alert (vg_fleet_pub_t *p, const vg_alert_t *a);
/* The alerts kept so far were committed to the store: publish them (one message per vendor). */
void vg_fleet_pub_flush (vg_fleet_pub_t *p);
/* Serve delivery reports (no wait). */
void vg_fleet_pub_poll (vg_fleet_pub_t *p);

void vg_fleet_pub_stats (const vg_fleet_pub_t *p, vg_fleet_pub_stats_t *out);

#endif
