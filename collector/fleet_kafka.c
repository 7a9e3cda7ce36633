/* fleet_kafka.c - topic creation for the fleet tier.
 * Invariant: nothing here keeps state; every handle made is returned or destroyed. */
#include "collector/fleet_kafka.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"

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
