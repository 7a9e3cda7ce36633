/* fleet_kafka.h - librdkafka set-up shared by the fleet tier's publisher and consumer: a
 * configuration from defaults, brokers and pass-through properties, and topic creation
 * with a given partition count (the broker's default is often 1, which would cap the
 * consumer group at one busy instance). */
#ifndef VG_FLEET_KAFKA_H
#define VG_FLEET_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "collector/alerter.h"

/* Largest state record (one partition's FleetState, compressed batch): the state topic's
 * max.message.bytes and the fleet producers' message.max.bytes. */
#define VG_FLEET_STATE_MAX "67108864"

/* A configuration with defs (NULL-terminated {key, value} pairs) applied first, then
 * bootstrap.servers = brokers (when not NULL or ""), then props; log lines go to vg_log.
 * Returns NULL with "kafka property 'k': reason" in err. */
rd_kafka_conf_t *vg_fleet_conf (const char *const (*defs)[2], const char *brokers, const vg_alerter_prop_t *props,
                                size_t nprops, char *err, size_t errlen);

/* Create topic with partitions partitions (compact: cleanup.policy=compact and
 * max.message.bytes=VG_FLEET_STATE_MAX, for a state topic) unless it
 * exists; waits up to timeout_ms.  Returns 0 (created or already there) or -VG_EIO with the
 * broker's reason in err.  rk is any client handle of the cluster. */
int vg_fleet_topic_ensure (rd_kafka_t *rk, const char *topic, int partitions, int compact, int timeout_ms,
                           char *err, size_t errlen);

#endif
