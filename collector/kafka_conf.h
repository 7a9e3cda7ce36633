/* kafka_conf.h - one librdkafka client configuration for every Kafka client of the
 * collector and `vigil replay` (alerter, fleet publisher and consumer): defaults, brokers,
 * then the operator's pass-through properties, with librdkafka's log lines sent to vg_log,
 * and a client made from it. */
#ifndef VG_KAFKA_CONF_H
#define VG_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "collector/alerter.h"

/* A configuration with defs (NULL-terminated {key, value} pairs) applied first, then
 * bootstrap.servers = brokers (when not NULL or ""), then props (nprops of them; the
 * operator's settings win over defs).  Returns the new configuration (the caller owns it:
 * rd_kafka_new takes it, else rd_kafka_conf_destroy), or NULL with
 * "kafka property 'k': reason" in err (vg_kafka_prop_error: a secret's value never shown).  Any thread. */
rd_kafka_conf_t *vg_kafka_conf (const char *const (*defs)[2], const char *brokers, const vg_alerter_prop_t *props,
                                size_t nprops, char *err, size_t errlen);

/* A client of type (producer or consumer) from conf, which this call always takes (the
 * client owns it, or it is destroyed; NULL conf: nothing is made, err is left as the failed
 * vg_kafka_conf wrote it).  Returns the client, or NULL with "kafka producer: reason" (or
 * consumer) in err. */
rd_kafka_t *vg_kafka_new (rd_kafka_type_t type, rd_kafka_conf_t *conf, char *err, size_t errlen);

#endif
