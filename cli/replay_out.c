/* replay_out.c - replayed alerts as OCSF JSON lines or Kafka messages (see replay_out.h).
 *
 * Invariant: every alert handed over is written or produced once, or the flush reports the
 * failure (write error, refused produce, failed delivery). */
#include "cli/replay_out.h"

#include <errno.h>
#include <stdint.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/alerter.h"
#include "collector/kafka_conf.h"
#include "detectors/ocsf.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"

#define S_MSG_TIMEOUT "30000" /* a message not delivered by then is reported failed */
#define S_FLUSH_MS 60000        /* flush waits at most this (longer than the message timeout) */
#define S_LINES_MS 200          /* written lines reach the file at least this often */

struct vg_replay_out {
    FILE *f;                  /* lines; NULL with Kafka */
    int own_f;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    vg_ocsf_ctx_t ocsf;
    vg_buf_t render;
    int failed;               /* a write or produce failed */
    int64_t first_ms;         /* monotonic time the first record was handed over (-1: none yet) */
    int64_t flushed_ms;       /* monotonic time of the last flush of lines */
    uint64_t failed_deliveries;
};

static void
s_on_dr (rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void) rk;
    vg_replay_out_t *o = opaque;
    if (m->err && o->failed_deliveries++ == 0)
        fprintf (stderr, "vigil replay: kafka delivery failed: %s\n", rd_kafka_err2str (m->err));
}

/* A producer for topic on brokers. 0, or -VG_ECONFIG with the reason in err. */
static int
s_kafka (vg_replay_out_t *o, const vg_replay_out_cfg_t *cfg, char *err, size_t errlen)
{
    const char *const defs[][2] = { { "enable.idempotence", "true" }, { "acks", "all" },
                                    { "linger.ms", "5" },                { "client.id", "vigil-replay" },
                                    { "message.timeout.ms", S_MSG_TIMEOUT }, { NULL, NULL } };
    rd_kafka_conf_t *conf = vg_kafka_conf (defs, cfg->brokers, NULL, 0, err, errlen);
    if (!conf)
        return -VG_ECONFIG;
    rd_kafka_conf_set_opaque (conf, o);
    rd_kafka_conf_set_dr_msg_cb (conf, s_on_dr);
    o->rk = vg_kafka_new (RD_KAFKA_PRODUCER, conf, err, errlen);
    if (!o->rk)
        return -VG_ECONFIG;
    o->rkt = rd_kafka_topic_new (o->rk, cfg->topic, NULL);
    if (!o->rkt) {
        snprintf (err, errlen, "kafka topic '%s': %s", cfg->topic, rd_kafka_err2str (rd_kafka_last_error ()));
        return -VG_ECONFIG;
    }
    return 0;
}

vg_replay_out_t *
vg_replay_out_new (const vg_replay_out_cfg_t *cfg, char *err, size_t errlen)
{
    vg_replay_out_t *o = calloc (1, sizeof *o);
    if (!o) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    o->ocsf = (vg_ocsf_ctx_t) { cfg->version, "replay", cfg->store, cfg->topic, true };
    o->first_ms = -1;
    if (cfg->topic) {
        if (s_kafka (o, cfg, err, errlen) < 0)
            goto fail;
    } else if (cfg->path) {
        o->f = fopen (cfg->path, "w");
        o->own_f = 1;
        if (!o->f) {
            snprintf (err, errlen, "%s: %s", cfg->path, strerror (errno));
            goto fail;
        }
    } else {
        o->f = stdout;
    }
    return o;
fail:
    vg_replay_out_destroy (&o);
    return NULL;
}

int
vg_replay_out_alert (vg_replay_out_t *o, const vg_alert_t *a)
{
    size_t need = vg_ocsf_render (a, &o->ocsf, (char *) o->render.data, o->render.cap);
    if (need >= o->render.cap) {
        if (vg_buf_reserve (&o->render, need + 2) < 0)
            return -VG_ENOMEM;
        vg_ocsf_render (a, &o->ocsf, (char *) o->render.data, o->render.cap);
    }
    if (o->f) {
        o->render.data[need] = '\n';
        if (fwrite (o->render.data, 1, need + 1, o->f) != need + 1) {
            o->failed = 1;
            return -VG_EIO;
        }
        /* The first line at once, then whatever waits at least every S_LINES_MS: someone
         * reading a pipe sees the first alert without waiting for the replay's end, and a
         * replay of many alerts still writes in large blocks. */
        int64_t now = vg_clock_mono_ms ();
        if (o->first_ms < 0 || now - o->flushed_ms >= S_LINES_MS) {
            if (o->first_ms < 0)
                o->first_ms = now;
            o->flushed_ms = now;
            if (fflush (o->f) != 0) {
                o->failed = 1;
                return -VG_EIO;
            }
        }
        return 0;
    }
    if (o->first_ms < 0)
        o->first_ms = vg_clock_mono_ms ();
    for (;;) {
        /* The collector's headers (schema, version, ...), and one that says replay. */
        rd_kafka_headers_t *hs = rd_kafka_headers_new (8);
        for (const vg_alerter_prop_t *h = vg_alerter_headers; h->key; h++)
            rd_kafka_header_add (hs, h->key, -1, h->value, -1);
        rd_kafka_header_add (hs, "vigil-replay", -1, "true", -1);
        rd_kafka_resp_err_t e = rd_kafka_producev (
            o->rk, RD_KAFKA_V_RKT (o->rkt), RD_KAFKA_V_PARTITION (RD_KAFKA_PARTITION_UA),
            RD_KAFKA_V_MSGFLAGS (RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY (a->dedup_key, strnlen (a->dedup_key, sizeof a->dedup_key)),
            RD_KAFKA_V_VALUE (o->render.data, need), RD_KAFKA_V_HEADERS (hs), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
            break; /* the message owns the headers now */
        rd_kafka_headers_destroy (hs);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fprintf (stderr, "vigil replay: kafka produce: %s\n", rd_kafka_err2str (e));
            o->failed = 1;
            return -VG_EIO;
        }
        rd_kafka_poll (o->rk, 100); /* a full queue: serve delivery reports, then retry */
    }
    rd_kafka_poll (o->rk, 0);
    return 0;
}

int64_t
vg_replay_out_first_ms (const vg_replay_out_t *o)
{
    return o->first_ms;
}

int
vg_replay_out_flush (vg_replay_out_t *o)
{
    if (o->f && fflush (o->f) != 0)
        o->failed = 1;
    if (o->rk && rd_kafka_flush (o->rk, S_FLUSH_MS) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf (stderr, "vigil replay: kafka: deliveries still outstanding after %d s\n", S_FLUSH_MS / 1000);
        o->failed = 1;
    }
    if (o->failed_deliveries)
        fprintf (stderr, "vigil replay: kafka: %llu alerts not delivered\n", (unsigned long long) o->failed_deliveries);
    return o->failed || o->failed_deliveries ? -VG_EIO : 0;
}

void
vg_replay_out_destroy (vg_replay_out_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_replay_out_t *o = *self_p;
    if (o->rkt)
        rd_kafka_topic_destroy (o->rkt);
    if (o->rk)
        rd_kafka_destroy (o->rk);
    if (o->own_f)
        fclose (o->f);
    vg_buf_free (&o->render);
    free (o);
    *self_p = NULL;
}
