/* kafka_conf.c - librdkafka client configuration shared by the collector's Kafka clients
 * (see kafka_conf.h).  Invariant: nothing here keeps state. */
#include "collector/kafka_conf.h"
#include "collector/kafka_props.h"

#include <stdio.h>

#include "common/log.h"

static void
s_on_log (const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void) rk;
    vg_log (level <= 3 ? VG_LOG_ERROR : level <= 4 ? VG_LOG_WARN : level <= 6 ? VG_LOG_INFO : VG_LOG_DEBUG,
            "rdkafka", "%s: %s", fac, buf);
}

rd_kafka_conf_t *
vg_kafka_conf (const char *const (*defs)[2], const char *brokers, const vg_alerter_prop_t *props, size_t nprops,
               char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new ();
    char e[256];
    const char *k = NULL, *v = NULL;
    for (size_t i = 0; defs && defs[i][0]; i++)
        if (rd_kafka_conf_set (conf, (k = defs[i][0]), (v = defs[i][1]), e, sizeof e) != RD_KAFKA_CONF_OK)
            goto fail;
    if (brokers && brokers[0] &&
        rd_kafka_conf_set (conf, (k = "bootstrap.servers"), (v = brokers), e, sizeof e) != RD_KAFKA_CONF_OK)
        goto fail;
    for (size_t i = 0; i < nprops; i++)
        if (rd_kafka_conf_set (conf, (k = props[i].key), (v = props[i].value), e, sizeof e) != RD_KAFKA_CONF_OK)
            goto fail;
    rd_kafka_conf_set_log_cb (conf, s_on_log);
    return conf;
fail:
    vg_kafka_prop_error (err, errlen, k, v, e); /* never shows a secret */
    rd_kafka_conf_destroy (conf);
    return NULL;
}

rd_kafka_t *
vg_kafka_new (rd_kafka_type_t type, rd_kafka_conf_t *conf, char *err, size_t errlen)
{
    if (!conf)
        return NULL;
    char e[512];
    rd_kafka_t *rk = rd_kafka_new (type, conf, e, sizeof e);
    if (!rk) {
        rd_kafka_conf_destroy (conf);
        snprintf (err, errlen, "kafka %s: %s", type == RD_KAFKA_PRODUCER ? "producer" : "consumer", e);
    }
    return rk;
}
