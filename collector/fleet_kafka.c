/* fleet_kafka.c - topic creation for the fleet tier.
 * Invariant: nothing here keeps state; every handle made is returned or destroyed. */
#include "collector/fleet_kafka.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"

/* Wait until the metadata of a just created topic shows every partition with a leader: a
 * produce racing the partitions' first leader election lost the first messages of a
 * partition in test_fleet_outbox (acknowledged, never in the log).  0, or -VG_EAGAIN. */
static int
s_wait_leaders (rd_kafka_t *rk, const char *topic, int partitions, int timeout_ms)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new (rk, topic, NULL);
    if (!rkt)
        return -VG_EAGAIN;
    int64_t deadline = vg_clock_mono_ms () + timeout_ms;
    int rc = -VG_EAGAIN;
    while (rc < 0 && vg_clock_mono_ms () < deadline) {
        const rd_kafka_metadata_t *md = NULL;
        if (rd_kafka_metadata (rk, 0, rkt, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR && md && md->topic_cnt == 1 &&
            md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[0].partition_cnt == partitions) {
            int ok = 1;
            for (int i = 0; i < partitions; i++)
                ok &= md->topics[0].partitions[i].leader >= 0 &&
                      md->topics[0].partitions[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
            rc = ok ? 0 : -VG_EAGAIN;
        }
        if (md)
            rd_kafka_metadata_destroy (md);
        if (rc < 0) {
            struct timespec ts = { 0, 100 * 1000000L };
            nanosleep (&ts, NULL);
        }
    }
    rd_kafka_topic_destroy (rkt);
    return rc;
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
        if (te == RD_KAFKA_RESP_ERR_NO_ERROR) {
            vg_log (VG_LOG_INFO, "fleet", "created topic %s with %d partitions%s", topic, partitions,
                    compact ? " (compacted)" : "");
            if (s_wait_leaders (rk, topic, partitions, timeout_ms) < 0)
                vg_log (VG_LOG_WARN, "fleet", "topic %s: not every partition has a leader after %d ms", topic,
                        timeout_ms);
        }
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
