/* kafka_props.h - kafka.properties as the collector hands them to librdkafka: which ones
 * hold secrets, and error lines about them that never show a secret's value.
 *
 * A property's value may come inline or from a file (kafka.properties[].value_file, read
 * once at load: collector_cfg.c); either way the value goes only to rd_kafka_conf_set. */
#ifndef VG_KAFKA_PROPS_H
#define VG_KAFKA_PROPS_H

#include <stdbool.h>
#include <stddef.h>

/* Does librdkafka property `key` hold a secret (a password, a private key, a client secret,
 * an OAuth configuration)?  By name: *password*, *secret*, ssl.key.pem, ssl.keystore.*,
 * sasl.oauthbearer.config, sasl.jaas.config.  Pure. */
bool vg_kafka_prop_is_secret (const char *key);

/* "kafka property 'KEY': REASON" into err (truncated to errlen), where reason is
 * librdkafka's rd_err for a failed rd_kafka_conf_set of (key, value): every occurrence of
 * value in it is replaced by "<redacted>" when key holds a secret or value is longer than 64
 * characters.  Pure. */
void vg_kafka_prop_error (char *err, size_t errlen, const char *key, const char *value, const char *rd_err);

#endif
