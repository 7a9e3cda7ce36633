/* topic_check.c - read back the topic's tail to find outbox records already delivered
 * (see topic_check.h).  A plain assign-and-read consumer: no group, nothing committed. */
#include "collector/topic_check.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/kafka_conf.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"

#define S_FIRST_WINDOW 4096          /* messages read back first, per partition */
#define S_MAX_WINDOW (1LL << 28)

size_t
vg_topic_check_header (const char *origin, uint64_t id, char *buf, size_t size)
{
    int n = snprintf (buf, size, "%s:%" PRIu64, origin, id);
    return n < 0 ? 0 : (size_t) n < size ? (size_t) n : size - 1;
}

/* The outbox id in a message of origin, or 0. */
static uint64_t
s_id_of (const rd_kafka_message_t *m, const char *origin, size_t olen)
{
    rd_kafka_headers_t *h = NULL;
    const void *v;
    size_t vl;
    if (rd_kafka_message_headers (m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last (h, VG_OUTBOX_HEADER, &v, &vl) != RD_KAFKA_RESP_ERR_NO_ERROR || vl <= olen + 1 ||
        vl > olen + 21 || memcmp (v, origin, olen) || ((const char *) v)[olen] != ':')
        return 0;
    uint64_t id = 0;
    for (size_t i = olen + 1; i < vl; i++) {
        char c = ((const char *) v)[i];
        if (c < '0' || c > '9')
            return 0;
        id = id * 10 + (uint64_t) (c - '0');
    }
    return id;
}

/* Read [from, hi) of partition p; put origin's ids >= min_id into seen.  Returns messages
 * read, with *older set when an id of origin below min_id was met; < 0 on timeout. */
static int64_t
s_read (rd_kafka_topic_t *rkt, int32_t p, int64_t from, int64_t hi, const char *origin, uint64_t min_id,
        vg_u64map_t *seen, bool *older, int64_t deadline_ms, const atomic_int *stop)
{
    size_t olen = strlen (origin);
    if (rd_kafka_consume_start (rkt, p, from) < 0)
        return -VG_EIO;
    int64_t n = 0, next = from;
    int rc = 0;
    while (next < hi) {
        if (vg_clock_mono_ms () > deadline_ms || (stop && atomic_load (stop))) {
            rc = -VG_EAGAIN;
            break;
        }
        rd_kafka_message_t *m = rd_kafka_consume (rkt, p, 200);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            n++;
            next = m->offset + 1;
            uint64_t id = s_id_of (m, origin, olen);
            if (id && id < min_id)
                *older = true;
            else if (id && vg_u64map_put (seen, id, 1) < 0)
                rc = -VG_ENOMEM;
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            rc = -VG_EIO;
        rd_kafka_message_destroy (m);
        if (rc < 0)
            break;
    }
    rd_kafka_consume_stop (rkt, p);
    return rc < 0 ? rc : n;
}

int64_t
vg_topic_check_read (const char *brokers, const vg_alerter_prop_t *props, size_t nprops, const char *topic,
                     const char *origin, uint64_t min_id, vg_u64map_t *seen, int64_t timeout_ms, const atomic_int *stop,
                     char *err, size_t errlen)
{
    int64_t deadline = vg_clock_mono_ms () + timeout_ms;
    /* The alerter's security and broker settings; producer-only ones are ignored. */
    const char *const defs[][2] = { { "client.id", "vigil-collector-topic-check" },
                                    { "enable.partition.eof", "true" },
                                    { NULL, NULL } };
    rd_kafka_conf_t *conf = vg_kafka_conf (defs, brokers, props, nprops, err, errlen);
    if (!conf)
        return -VG_ECONFIG;
    rd_kafka_t *rk = vg_kafka_new (RD_KAFKA_CONSUMER, conf, err, errlen);
    if (!rk)
        return -VG_ECONFIG;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new (rk, topic, NULL);
    const rd_kafka_metadata_t *md = NULL;
    int64_t total = 0;
    int rc = 0;
    if (!rkt || rd_kafka_metadata (rk, 0, rkt, &md, (int) timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR || !md ||
        md->topic_cnt != 1) {
        snprintf (err, errlen, "metadata of topic '%s' not available", topic);
        rc = -VG_EAGAIN;
        goto done;
    }
    for (int i = 0; rc == 0 && i < md->topics[0].partition_cnt; i++) {
        int32_t p = md->topics[0].partitions[i].id;
        int64_t lo, hi;
        if (rd_kafka_query_watermark_offsets (rk, topic, p, &lo, &hi, (int) timeout_ms) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            snprintf (err, errlen, "offsets of %s [%d] not available", topic, (int) p);
            rc = -VG_EAGAIN;
            break;
        }
        /* Read back further until a message of origin older than min_id (everything of
         * origin after it is in the window) or the partition's start. */
        for (int64_t w = S_FIRST_WINDOW; hi > lo; w *= 8) {
            int64_t from = hi - w > lo ? hi - w : lo;
            bool older = false;
            int64_t n = s_read (rkt, p, from, hi, origin, min_id, seen, &older, deadline, stop);
            if (n < 0) {
                snprintf (err, errlen, "reading %s [%d]: %s", topic, (int) p,
                          n == -VG_EAGAIN ? "timed out" : vg_strerror ((int) n));
                rc = (int) n;
                break;
            }
            total += n;
            if (older || from == lo)
                break;
            if (w >= S_MAX_WINDOW) {
                snprintf (err, errlen, "%s [%d]: no message of '%s' older than the outbox in the last %lld", topic,
                          (int) p, origin, (long long) w);
                rc = -VG_ETOOBIG;
                break;
            }
        }
    }
done:
    if (md)
        rd_kafka_metadata_destroy (md);
    if (rkt)
        rd_kafka_topic_destroy (rkt);
    rd_kafka_destroy (rk);
    return rc < 0 ? rc : total;
}

/* ---------------------------------------------------------------- the thread */

#define S_READ_TIMEOUT_MS 20000
#define S_RETRY_MS 3000

struct vg_topic_check {
    const char *brokers, *topic, *origin;
    const vg_alerter_prop_t *props;
    size_t nprops;
    uint64_t min_id;
    pthread_t thread;
    atomic_int stop, state;  /* state: 0 running, 1 done, -1 failed */
    vg_u64map_t seen;        /* written by the thread until state != 0 */
    int64_t nread;
    char err[512];
};

static void *
s_run (void *arg)
{
    vg_topic_check_t *c = arg;
    for (int attempt = 1; !atomic_load (&c->stop); attempt++) {
        vg_u64map_clear (&c->seen);
        int64_t n = vg_topic_check_read (c->brokers, c->props, c->nprops, c->topic, c->origin, c->min_id, &c->seen,
                                         S_READ_TIMEOUT_MS, &c->stop, c->err, sizeof c->err);
        if (n >= 0) {
            c->nread = n;
            atomic_store (&c->state, 1);
            return NULL;
        }
        if (n != -VG_EAGAIN)
            break;
        if (attempt == 1)
            vg_log (VG_LOG_WARN, "alerter", "checking topic %s for alerts delivered before the restart: %s; "
                    "trying again every %d s (the outbox waits)", c->topic, c->err, S_RETRY_MS / 1000);
        for (int i = 0; i < S_RETRY_MS / 100 && !atomic_load (&c->stop); i++)
            nanosleep (&(struct timespec) { 0, 100 * 1000 * 1000 }, NULL);
    }
    if (atomic_load (&c->stop))
        snprintf (c->err, sizeof c->err, "stopped");
    atomic_store (&c->state, -1);
    return NULL;
}

vg_topic_check_t *
vg_topic_check_start (const char *brokers, const vg_alerter_prop_t *props, size_t nprops, const char *topic,
                      const char *origin, uint64_t min_id)
{
    vg_topic_check_t *c = calloc (1, sizeof *c);
    if (!c)
        return NULL;
    *c = (vg_topic_check_t) { .brokers = brokers, .topic = topic, .origin = origin, .props = props,
                              .nprops = nprops, .min_id = min_id, .seen = VG_U64MAP_INIT };
    atomic_init (&c->stop, 0);
    atomic_init (&c->state, 0);
    if (pthread_create (&c->thread, NULL, s_run, c) != 0) {
        free (c);
        return NULL;
    }
    return c;
}

int
vg_topic_check_result (vg_topic_check_t *c, const vg_u64map_t **seen, int64_t *nread, char *err, size_t errlen)
{
    int st = atomic_load (&c->state);
    if (st == 1) {
        *seen = &c->seen;
        *nread = c->nread;
    } else if (st < 0)
        snprintf (err, errlen, "%s", c->err);
    return st;
}

void
vg_topic_check_destroy (vg_topic_check_t **c_p)
{
    if (!c_p || !*c_p)
        return;
    vg_topic_check_t *c = *c_p;
    atomic_store (&c->stop, 1);
    pthread_join (c->thread, NULL);
    vg_u64map_free (&c->seen);
    free (c);
    *c_p = NULL;
}
