/* fleet_kafka.h - topic creation for the fleet tier's publisher and consumer (their client
 * configuration is collector/kafka_conf.h), with a given partition count (the broker's
 * default is often 1, which would cap the consumer group at one busy instance). */
#ifndef VG_FLEET_KAFKA_H
#define VG_FLEET_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "collector/alerter.h"

/* Largest state record (one partition's FleetState, compressed batch): the state topic's
 * max.message.bytes and the fleet producers' message.max.bytes. */
#define VG_FLEET_STATE_MAX "67108864"

/* Create topic with partitions partitions (compact: cleanup.policy=compact and
 * max.message.bytes=VG_FLEET_STATE_MAX, for a state topic) unless it
 * exists; waits up to timeout_ms.  Returns 0 (created or already there) or -VG_EIO with the
 * broker's reason in err.  rk is any client handle of the cluster. */
int vg_fleet_topic_ensure (rd_kafka_t *rk, const char *topic, int partitions, int compact, int timeout_ms,
                           char *err, size_t errlen);

#endif
