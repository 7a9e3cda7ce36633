/* fleet_kafka.c - librdkafka configuration and topic creation for the fleet tier.
 * Invariant: nothing here keeps state; every handle made is returned or destroyed. */
#include "collector/fleet_kafka.h"
#include "collector/kafka_props.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"

static void
s_on_log (const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void) rk;
    vg_log (level <= 3 ? VG_LOG_ERROR : level <= 4 ? VG_LOG_WARN : level <= 6 ? VG_LOG_INFO : VG_LOG_DEBUG,
            "rdkafka", "%s: %s", fac, buf);
}

rd_kafka_conf_t *
vg_fleet_conf (const char *const (*defs)[2], const char *brokers, const vg_alerter_prop_t *props, size_t nprops,
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

int
vg_fleet_topic_ensure (rd_kafka_t *rk, const char *topic, int partitions, int compact, int timeout_ms, char *err,
                       size_t errlen)
{
    char e[256] = "";
    int rc = -VG_EIO;
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new (topic, partitions, -1, e, sizeof e);
    rd_kafka_queue_t *q = rd_kafka_queue_new (rk);
    rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new (rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_event_t *ev = NULL;
    if (!nt || !q || !opt) {
        snprintf (err, errlen, "topic %s: %s", topic, e[0] ? e : "out of memory");
        goto done;
    }
    /* A state topic: compacted, and room for a partition's whole state in one record. */
    if (compact && (rd_kafka_NewTopic_set_config (nt, "cleanup.policy", "compact") != RD_KAFKA_RESP_ERR_NO_ERROR ||
                    rd_kafka_NewTopic_set_config (nt, "max.message.bytes", VG_FLEET_STATE_MAX) != RD_KAFKA_RESP_ERR_NO_ERROR))
        goto done;
    rd_kafka_AdminOptions_set_operation_timeout (opt, timeout_ms, e, sizeof e);
    rd_kafka_AdminOptions_set_request_timeout (opt, timeout_ms, e, sizeof e);
    rd_kafka_CreateTopics (rk, &nt, 1, opt, q);
    ev = rd_kafka_queue_poll (q, timeout_ms + 1000);
    if (!ev) {
        snprintf (err, errlen, "topic %s: no answer from the cluster in %d ms", topic, timeout_ms);
        goto done;
    }
    if (rd_kafka_event_error (ev)) {
        snprintf (err, errlen, "topic %s: %s", topic, rd_kafka_event_error_string (ev));
        goto done;
    }
    size_t n = 0;
    const rd_kafka_topic_result_t **res = rd_kafka_CreateTopics_result_topics (rd_kafka_event_CreateTopics_result (ev), &n);
    rd_kafka_resp_err_t te = n ? rd_kafka_topic_result_error (res[0]) : RD_KAFKA_RESP_ERR_NO_ERROR;
    if (te == RD_KAFKA_RESP_ERR_NO_ERROR || te == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        rc = 0;
        if (te == RD_KAFKA_RESP_ERR_NO_ERROR)
            vg_log (VG_LOG_INFO, "fleet", "created topic %s with %d partitions%s", topic, partitions,
                    compact ? " (compacted)" : "");
    } else
        snprintf (err, errlen, "topic %s: %s", topic, rd_kafka_topic_result_error_string (res[0]));
done:
    if (ev)
        rd_kafka_event_destroy (ev);
    if (opt)
        rd_kafka_AdminOptions_destroy (opt);
    if (q)
        rd_kafka_queue_destroy (q);
    if (nt)
        rd_kafka_NewTopic_destroy (nt);
    return rc;
}
