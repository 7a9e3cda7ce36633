/* fleet_consume.h - vigil-collector --role fleet: one member of the fleet consumer group
 * (docs/SCALING.md).
 *
 * Kafka assigns the fleet topic's partitions to the group's members; for each partition it
 * holds, an instance keeps a fleet task (collector/fleet_task.h) and a transactional
 * producer whose transactional.id names the partition.  Every commit is one Kafka
 * transaction holding the alerts the partition's messages produced, the task's state
 * (vigil.FleetState, with the offset to resume at) in the state topic and the consumer
 * offset.  A partition's new owner fences the old one (same transactional.id: its open
 * transaction is aborted), loads the last committed state and resumes at its offset, so
 * read_committed consumers of the alerts topic see every alert record exactly once however
 * instances come and go.  Single-threaded: librdkafka's own threads do the I/O. */
#ifndef VG_FLEET_CONSUME_H
#define VG_FLEET_CONSUME_H

#include "common/metrics_opts.h"
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/alerter.h"
#include "detectors/ocsf.h"

typedef struct {
    const char *brokers;            /* bootstrap.servers */
    const char *topic;              /* the fleet topic (input) */
    int partitions;                 /* created with this many when missing */
    const char *group;              /* consumer group id; also prefixes the transactional ids */
    const char *state_topic;        /* compacted; as many partitions as the fleet topic */
    const char *alerts_topic;       /* OCSF alerts, as collectors send them (docs/KAFKA.md) */
    const vg_alerter_prop_t *props; /* librdkafka properties for every client, after the defaults */
    size_t nprops;
    const char *rules_path;         /* detector rules; the fleet rules among them run here */
    int64_t commit_every_ms;        /* transaction length (wall clock) */
    int64_t session_timeout_ms;     /* consumer group session: how soon a dead member's partitions move */
    vg_ocsf_ctx_t ocsf;             /* product version and instance id in the alerts */
    const char *metrics_listen;     /* host:port for /metrics and /healthz; NULL or "" = off */
    const vg_metrics_opts_t *metrics; /* its basic auth and TLS; NULL = none */
} vg_fleet_cfg_t;

typedef struct {
    uint64_t messages, bad_messages, samples, kpis, findings, alerts;
    uint64_t commits, aborts, assigned, revoked, restored;
    uint64_t partitions;            /* gauge: partitions held */
    uint64_t state_bytes;           /* largest state record committed */
} vg_fleet_stats_t;

typedef struct vg_fleet vg_fleet_t;

/* Read the rules, create the topics when missing and join the group (cfg borrowed for
 * the instance's life).  NULL with the reason in err. */
vg_fleet_t *vg_fleet_new (const vg_fleet_cfg_t *cfg, char *err, size_t errlen);
/* Consume until *stop, committing every commit_every_ms; at stop commit and leave the
 * group.  Returns 0, or -VG_EIO after a fatal client error. */
int vg_fleet_run (vg_fleet_t *f, volatile sig_atomic_t *stop);
/* NULL-safe; sets *self_p to NULL. */
void vg_fleet_destroy (vg_fleet_t **self_p);

void vg_fleet_stats (const vg_fleet_t *f, vg_fleet_stats_t *out);

#endif
