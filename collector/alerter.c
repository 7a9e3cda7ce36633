/* alerter.c - librdkafka producer fed from the outbox (see alerter.h for the guarantees).
 *
 * In-flight records live in a fixed slot table (collector/inflight.h; the slot index is the
 * message opaque), so a poll that resends from the outbox skips what librdkafka still
 * holds.  `backlog` says the outbox may hold committed records that are not in flight;
 * while it is set, new records are not produced directly (order is kept) and polls scan the
 * outbox from `cursor`, the lowest id that may need sending. */
#include "common/version.h"
#include "collector/alerter.h"

#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/u64map.h"
#include "collector/inflight.h"
#include "collector/kafka_conf.h"
#include "collector/topic_check.h"

#define S_PRODUCER "vigil-collector/" VG_VERSION
#define S_RENDER_MIN 16384
#define S_RETRY_MS 1000
#define S_HIST 320
/* Outbox deletions are committed at most this often (or when this many are pending): a
 * deletion lost in a crash only means a duplicate, so they need not cost an fsync each. */
#define S_DELETE_EVERY_MS 50
#define S_DELETE_BATCH 4096

const vg_alerter_prop_t vg_alerter_headers[] = {
    { "content-type", "application/json" },
    { "schema", VG_OCSF_SCHEMA },
    { "schema-version", VG_OCSF_VERSION },
    { "ocsf-version", VG_OCSF_VERSION },
    { "ocsf-class", VG_OCSF_CLASS },
    { "producer", S_PRODUCER },
    { NULL, NULL },
};

typedef struct {
    uint64_t id;
    size_t off, key_len, payload_len;
} s_staged_t;

/* Counters read by other threads: relaxed atomics, written by the owning thread only. */
typedef struct {
    atomic_uint_fast64_t staged, produced, resent, already_delivered, delivered, delivery_errors, produce_errors, queue_full,
        render_errors, store_errors, kafka_errors, fatal_resets, outbox_count, outbox_bytes, inflight,
        latency_count, latency_sum_us, latency_max_us;
    atomic_uint_fast64_t hist[S_HIST];
} s_stats_t;

struct vg_alerter {
    vg_store_t *store;
    vg_outbox_t *outbox;
    vg_store_txn_t *del;          /* outbox deletions from delivery reports */
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    char *topic, *brokers;
    const char *origin;      /* this collector in the vigil-outbox header: its id, else its store path */
    vg_topic_check_t *check; /* reading the topic back after a restart; nothing resent meanwhile */
    int64_t check_t0_ms;
    vg_alerter_prop_t *props;     /* copies */
    size_t nprops;
    int format;
    int64_t flush_ms;
    vg_ocsf_ctx_t ocsf;
    char *ocsf_strs[3];
    void (*on_delivery) (void *ctx, const vg_alerter_delivery_t *d);
    void *ctx;
    int pipe_r, pipe_w;

    vg_inflight_t *inflight;

    bool backlog;
    uint64_t cursor;
    int64_t retry_at_ms;          /* no outbox scan before this (after errors) */
    int64_t deletes_at_ms;        /* last commit of deletions */
    bool deletes_failed;          /* the last commit of deletions failed: the next waits S_DELETE_EVERY_MS */

    vg_buf_t render, sdata;
    s_staged_t *staged;
    size_t nstaged, staged_cap;
    vg_ratelimit_t rl;
    s_stats_t st;
};

#define S_INC(a, f) atomic_fetch_add_explicit (&(a)->st.f, 1, memory_order_relaxed)
#define S_SET(a, f, v) atomic_store_explicit (&(a)->st.f, (v), memory_order_relaxed)
#define S_GET(a, f) atomic_load_explicit (&(a)->st.f, memory_order_relaxed)
#define S_ADD(a, f, v) atomic_fetch_add_explicit (&(a)->st.f, (v), memory_order_relaxed)

/* ---------------------------------------------------------------- latency histogram */

static size_t
s_bucket (uint64_t us)
{
    if (us < 16)
        return (size_t) us;
    int e = 4;
    while (e < 63 && (us >> (e + 1)))
        e++;
    size_t b = 16 + (size_t) (e - 4) * 8 + (size_t) ((us >> (e - 3)) & 7);
    return b < S_HIST ? b : S_HIST - 1;
}

/* Upper bound of bucket b in microseconds. */
static uint64_t
s_bucket_hi (size_t b)
{
    if (b < 16)
        return b;
    size_t e = (b - 16) / 8 + 4, sub = (b - 16) % 8;
    return ((8 + sub + 1) << (e - 3)) - 1;
}

static uint64_t
s_quantile (const vg_alerter_t *a, double q)
{
    uint64_t n = S_GET (a, latency_count);
    if (!n)
        return 0;
    uint64_t want = (uint64_t) (q * (double) n), seen = 0;
    if (want >= n)
        want = n - 1;
    for (size_t b = 0; b < S_HIST; b++) {
        seen += atomic_load_explicit (&a->st.hist[b], memory_order_relaxed);
        if (seen > want)
            return s_bucket_hi (b);
    }
    return S_GET (a, latency_max_us);
}

/* ---------------------------------------------------------------- producer */

static void
s_outbox_gauges (vg_alerter_t *a)
{
    vg_outbox_stats_t os;
    vg_outbox_stats (a->outbox, &os);
    S_SET (a, outbox_count, os.count);
    S_SET (a, outbox_bytes, os.bytes);
}

/* Delivery report: runs inside rd_kafka_poll / rd_kafka_flush, in the owning thread. */
static void
s_on_dr (rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void) rk;
    vg_alerter_t *a = opaque;
    vg_inflight_rec_t sl;
    if (!vg_inflight_release (a->inflight, (int32_t) (intptr_t) m->_private, &sl))
        return; /* purged after a reset: the slot was already released */
    S_SET (a, inflight, vg_inflight_count (a->inflight));
    int64_t lat_us = (vg_clock_mono_ns () - sl.t0_ns) / 1000;
    if (lat_us < 0)
        lat_us = 0;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        vg_outbox_remove (a->outbox, a->del, sl.id, sl.bytes);
        S_INC (a, delivered);
        if (!sl.resent) {
            S_INC (a, latency_count);
            atomic_fetch_add_explicit (&a->st.latency_sum_us, (uint64_t) lat_us, memory_order_relaxed);
            if ((uint64_t) lat_us > S_GET (a, latency_max_us))
                S_SET (a, latency_max_us, (uint64_t) lat_us);
            atomic_fetch_add_explicit (&a->st.hist[s_bucket ((uint64_t) lat_us)], 1, memory_order_relaxed);
        }
    } else {
        S_INC (a, delivery_errors);
        if (m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && m->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
            vg_log_rl (&a->rl, VG_LOG_WARN, "alerter", "delivery of outbox record %llu failed: %s (kept, will retry)",
                       (unsigned long long) sl.id, rd_kafka_err2str (m->err));
        a->backlog = true;
        if (sl.id < a->cursor)
            a->cursor = sl.id;
        a->retry_at_ms = vg_clock_mono_ms () + S_RETRY_MS;
    }
    if (a->on_delivery) {
        vg_alerter_delivery_t d = { sl.id,         (int) m->err,   rd_kafka_err2str (m->err),
                                    sl.resent,     lat_us,         m->partition,
                                    m->offset,     m->key,         m->key_len,
                                    m->payload,    m->len };
        a->on_delivery (a->ctx, &d);
    }
}

static void
s_on_error (rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void) rk;
    vg_alerter_t *a = opaque;
    S_INC (a, kafka_errors);
    vg_log_rl (&a->rl, VG_LOG_WARN, "alerter", "kafka: %s: %s", rd_kafka_err2name ((rd_kafka_resp_err_t) err), reason);
}

/* Build the producer and topic handles and hook the wake-up pipe to the main queue. */
static int
s_producer_new (vg_alerter_t *a, char *err, size_t errlen)
{
    char n[32];
    snprintf (n, sizeof n, "%zu", vg_inflight_max (a->inflight));
    /* Defaults first; the configured properties pass through unchanged afterwards. */
    const char *const defs[][2] = { { "enable.idempotence", "true" },  { "acks", "all" },
                                    { "linger.ms", "1" },               { "client.id", "vigil-collector" },
                                    { "queue.buffering.max.messages", n }, { "message.timeout.ms", "300000" },
                                    { NULL, NULL } };
    rd_kafka_conf_t *conf = vg_kafka_conf (defs, a->brokers, a->props, a->nprops, err, errlen);
    if (!conf)
        return -VG_ECONFIG;
    char v[64];
    size_t vl = sizeof v;
    if (rd_kafka_conf_get (conf, "enable.idempotence", v, &vl) == RD_KAFKA_CONF_OK && strcmp (v, "true"))
        vg_log (VG_LOG_WARN, "alerter", "enable.idempotence overridden to %s: retries may reorder or duplicate", v);
    rd_kafka_conf_set_opaque (conf, a);
    rd_kafka_conf_set_dr_msg_cb (conf, s_on_dr);
    rd_kafka_conf_set_error_cb (conf, s_on_error);
    a->rk = vg_kafka_new (RD_KAFKA_PRODUCER, conf, err, errlen);
    if (!a->rk)
        return -VG_ECONFIG;
    a->rkt = rd_kafka_topic_new (a->rk, a->topic, NULL);
    if (!a->rkt) {
        snprintf (err, errlen, "kafka topic '%s': %s", a->topic, rd_kafka_err2str (rd_kafka_last_error ()));
        rd_kafka_destroy (a->rk);
        a->rk = NULL;
        return -VG_ECONFIG;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_get_main (a->rk);
    rd_kafka_queue_io_event_enable (q, a->pipe_w, "1", 1);
    rd_kafka_queue_destroy (q);
    return 0;
}

static void
s_producer_destroy (vg_alerter_t *a)
{
    if (!a->rk)
        return;
    rd_kafka_purge (a->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll (a->rk, 0); /* purge reports: the records stay in the outbox */
    rd_kafka_queue_t *q = rd_kafka_queue_get_main (a->rk);
    rd_kafka_queue_io_event_enable (q, -1, NULL, 0);
    rd_kafka_queue_destroy (q);
    if (a->rkt)
        rd_kafka_topic_destroy (a->rkt);
    a->rkt = NULL;
    rd_kafka_destroy (a->rk);
    a->rk = NULL;
    vg_inflight_reset (a->inflight);
    S_SET (a, inflight, 0);
}

/* Hand one record to librdkafka.  Returns 0, -VG_EFULL (bound or queue full: keep it in the
 * outbox) or -VG_EIO (refused; counted). */
static int
s_produce (vg_alerter_t *a, uint64_t id, const void *key, size_t kl, const void *payload, size_t pl,
           int64_t t0_ns, bool resent)
{
    int32_t s = vg_inflight_take (a->inflight, id, t0_ns, vg_outbox_rec_size (kl, pl), resent);
    if (s < 0)
        return -VG_EFULL;
    S_SET (a, inflight, vg_inflight_count (a->inflight));
    const vg_alerter_prop_t *h = vg_alerter_headers;
    char ob[320];
    size_t obl = vg_topic_check_header (a->origin, id, ob, sizeof ob);
    rd_kafka_resp_err_t e = rd_kafka_producev (
        a->rk, RD_KAFKA_V_RKT (a->rkt), RD_KAFKA_V_PARTITION (RD_KAFKA_PARTITION_UA),
        RD_KAFKA_V_MSGFLAGS (RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY (key, kl), RD_KAFKA_V_VALUE ((void *) payload, pl),
        RD_KAFKA_V_HEADER (h[0].key, h[0].value, -1), RD_KAFKA_V_HEADER (h[1].key, h[1].value, -1),
        RD_KAFKA_V_HEADER (h[2].key, h[2].value, -1), RD_KAFKA_V_HEADER (h[3].key, h[3].value, -1),
        RD_KAFKA_V_HEADER (h[4].key, h[4].value, -1), RD_KAFKA_V_HEADER (h[5].key, h[5].value, -1),
        RD_KAFKA_V_HEADER (VG_OUTBOX_HEADER, ob, (ssize_t) obl), RD_KAFKA_V_OPAQUE ((void *) (intptr_t) s), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        S_INC (a, produced);
        if (resent)
            S_INC (a, resent);
        return 0;
    }
    vg_inflight_free (a->inflight, s);
    S_SET (a, inflight, vg_inflight_count (a->inflight));
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        S_INC (a, queue_full);
        return -VG_EFULL;
    }
    S_INC (a, produce_errors);
    vg_log_rl (&a->rl, VG_LOG_WARN, "alerter", "produce of outbox record %llu refused: %s (kept, will retry)",
               (unsigned long long) id, rd_kafka_err2str (e));
    return -VG_EIO;
}

typedef struct {
    vg_alerter_t *a;
    uint64_t last;
    int stopped;
} s_resend_t;

static int
s_resend_one (void *ctx, const vg_outbox_rec_t *rec)
{
    s_resend_t *r = ctx;
    vg_alerter_t *a = r->a;
    if (vg_inflight_has (a->inflight, rec->id)) {
        r->last = rec->id;
        return 0;
    }
    int rc = s_produce (a, rec->id, rec->key, rec->key_len, rec->payload, rec->payload_len, vg_clock_mono_ns (), true);
    if (rc < 0) {
        a->cursor = rec->id;
        if (rc == -VG_EIO)
            a->retry_at_ms = vg_clock_mono_ms () + S_RETRY_MS;
        r->stopped = 1;
        return 1;
    }
    r->last = rec->id;
    return 0;
}

/* Produce committed records that are not in flight, from the cursor on, in id order. */
static void
s_resend (vg_alerter_t *a)
{
    if (a->check || !a->backlog || vg_inflight_count (a->inflight) >= vg_inflight_max (a->inflight) ||
        vg_clock_mono_ms () < a->retry_at_ms)
        return;
    s_resend_t r = { a, 0, 0 };
    int rc = vg_outbox_scan (a->outbox, a->cursor, s_resend_one, &r);
    if (rc < 0) {
        S_INC (a, store_errors);
        a->retry_at_ms = vg_clock_mono_ms () + S_RETRY_MS;
        vg_log_rl (&a->rl, VG_LOG_WARN, "alerter", "outbox scan failed: %s", vg_strerror (rc));
        return;
    }
    if (!r.stopped) {
        a->backlog = false;
        if (r.last >= a->cursor)
            a->cursor = r.last + 1;
    }
}

static void s_commit_deletes (vg_alerter_t *a, bool force);

typedef struct {
    vg_alerter_t *a;
    const vg_u64map_t *seen;
    uint64_t first, dropped;
} s_drop_t;

static int
s_first_id (void *ctx, const vg_outbox_rec_t *rec)
{
    ((s_drop_t *) ctx)->first = rec->id;
    return 1;
}

/* Records in the outbox at start: read the topic back first (s_check_done). */
static void
s_check_start (vg_alerter_t *a)
{
    s_drop_t d = { a, NULL, 0, 0 };
    if (vg_outbox_scan (a->outbox, 0, s_first_id, &d) < 0 || d.first == 0)
        return;
    a->check_t0_ms = vg_clock_mono_ms ();
    a->check = vg_topic_check_start (a->brokers, a->props, a->nprops, a->topic, a->origin, d.first);
    if (!a->check)
        vg_log (VG_LOG_WARN, "alerter", "cannot start the topic check: sending the outbox again");
}

static int
s_drop_one (void *ctx, const vg_outbox_rec_t *rec)
{
    s_drop_t *d = ctx;
    uint32_t v;
    if (vg_u64map_get (d->seen, rec->id, &v)) {
        vg_outbox_remove (d->a->outbox, d->a->del, rec->id, vg_outbox_rec_size (rec->key_len, rec->payload_len));
        d->dropped++;
    }
    return 0;
}

/* A restart with records in the outbox: once the topic has been read back (topic_check.h),
 * remove the records it already holds (delivered before a crash, their deletion not yet
 * committed) instead of sending them again.  Until then nothing is produced from the outbox.
 * When the topic cannot be checked, everything is sent again (logged). */
static void
s_check_done (vg_alerter_t *a)
{
    const vg_u64map_t *seen = NULL;
    int64_t n = 0;
    char err[600];
    int st = vg_topic_check_result (a->check, &seen, &n, err, sizeof err);
    if (st == 0)
        return;
    s_drop_t d = { a, seen, 0, 0 };
    if (st < 0)
        vg_log (VG_LOG_WARN, "alerter",
                "could not check topic %s for alerts delivered before the restart (%s): sending the outbox "
                "again (consumers may see duplicates)", a->topic, err);
    else {
        if (seen->count && vg_outbox_scan (a->outbox, 0, s_drop_one, &d) == 0 && d.dropped)
            s_commit_deletes (a, true);
        vg_log (VG_LOG_INFO, "alerter",
                "topic %s checked (%lld messages read back in %lld ms): %llu outbox alert(s) were delivered before "
                "the restart and are not sent again", a->topic, (long long) n,
                (long long) (vg_clock_mono_ms () - a->check_t0_ms), (unsigned long long) d.dropped);
        S_ADD (a, already_delivered, d.dropped);
    }
    vg_topic_check_destroy (&a->check);
    s_outbox_gauges (a);
}

/* ---------------------------------------------------------------- public */

static char *
s_dup (const char *s)
{
    return s ? strdup (s) : NULL;
}

vg_alerter_t *
vg_alerter_new (const vg_alerter_cfg_t *cfg, vg_store_t *store, char *err, size_t errlen)
{
    _Static_assert (sizeof (intptr_t) >= sizeof (int32_t), "slot index must fit a pointer");
    if (!cfg->topic || !cfg->topic[0]) {
        snprintf (err, errlen, "kafka: a topic is required");
        return NULL;
    }
    if (cfg->format != VG_OUTBOX_JSON) {
        snprintf (err, errlen, "kafka: only the json format is implemented");
        return NULL;
    }
    vg_alerter_t *a = calloc (1, sizeof *a);
    if (!a) {
        snprintf (err, errlen, "kafka: out of memory");
        return NULL;
    }
    a->pipe_r = a->pipe_w = -1;
    a->store = store;
    a->format = cfg->format;
    a->flush_ms = cfg->flush_ms;
    a->on_delivery = cfg->on_delivery;
    a->ctx = cfg->ctx;
    a->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 5);
    size_t max_inflight = cfg->max_inflight ? cfg->max_inflight : 10000;
    if (max_inflight > (1u << 24))
        max_inflight = 1u << 24;
    a->topic = strdup (cfg->topic);
    a->brokers = s_dup (cfg->brokers);
    a->ocsf_strs[0] = s_dup (cfg->ocsf.product_version);
    a->ocsf_strs[1] = s_dup (cfg->ocsf.collector_id);
    a->ocsf_strs[2] = s_dup (cfg->ocsf.store_path);
    a->ocsf = (vg_ocsf_ctx_t){ a->ocsf_strs[0], a->ocsf_strs[1], a->ocsf_strs[2], a->topic, cfg->ocsf.replayed };
    a->origin = a->ocsf_strs[1] && a->ocsf_strs[1][0] ? a->ocsf_strs[1] : a->ocsf_strs[2] ? a->ocsf_strs[2] : "";
    a->inflight = vg_inflight_new (max_inflight);
    a->props = cfg->nprops ? calloc (cfg->nprops, sizeof *a->props) : NULL;
    int fds[2] = { -1, -1 };
    if (!a->topic || !a->inflight || (cfg->nprops && !a->props) || vg_buf_reserve (&a->render, S_RENDER_MIN) < 0) {
        snprintf (err, errlen, "kafka: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < cfg->nprops; i++) {
        a->props[i].key = s_dup (cfg->props[i].key);
        a->props[i].value = s_dup (cfg->props[i].value);
        a->nprops++;
        if (!a->props[i].key || !a->props[i].value) {
            snprintf (err, errlen, "kafka: bad property %zu (missing key or value)", i);
            goto fail;
        }
    }
    if (pipe (fds) < 0) {
        snprintf (err, errlen, "kafka: pipe: %s", strerror (errno));
        goto fail;
    }
    a->pipe_r = fds[0];
    a->pipe_w = fds[1];
    for (int i = 0; i < 2; i++) {
        fcntl (fds[i], F_SETFL, fcntl (fds[i], F_GETFL) | O_NONBLOCK);
        fcntl (fds[i], F_SETFD, FD_CLOEXEC);
    }
    /* Ids never an id of an earlier run, even one that left the outbox empty, or the topic
     * read-back after a later crash would take that run's messages for records of this one
     * and drop them unsent: the outbox's stored mark guarantees it (outbox.h); the wall clock
     * (microseconds) as the floor only makes ids say roughly when, as the fleet outbox's. */
    int64_t now_ms = vg_clock_now_ms ();
    a->outbox = vg_outbox_open (store, VG_CF_OUTBOX, now_ms > 0 ? (uint64_t) now_ms * 1000 : 1, err, errlen);
    a->del = a->outbox ? vg_store_txn_new (store) : NULL;
    if (!a->del)
        goto fail;
    if (s_producer_new (a, err, errlen) < 0)
        goto fail;
    vg_outbox_stats_t os;
    vg_outbox_stats (a->outbox, &os);
    if (os.count) {
        s_check_start (a);
        vg_log (VG_LOG_INFO, "alerter", "%llu alert(s) (%llu bytes) left in the outbox: sending them again",
                (unsigned long long) os.count, (unsigned long long) os.bytes);
        a->backlog = true;
        a->cursor = 0;
    }
    s_outbox_gauges (a);
    return a;
fail:
    vg_alerter_destroy (&a);
    return NULL;
}

static void
s_drain_pipe (vg_alerter_t *a)
{
    char tmp[64];
    while (read (a->pipe_r, tmp, sizeof tmp) > 0)
        ;
}

/* Commit the deletions collected from delivery reports (all now when force, else at most
 * every S_DELETE_EVERY_MS unless many are pending). */
static void
s_commit_deletes (vg_alerter_t *a, bool force)
{
    size_t n = vg_store_txn_count (a->del);
    if (!n)
        return;
    int64_t now = vg_clock_mono_ms ();
    if (!force && (n < S_DELETE_BATCH || a->deletes_failed) && now - a->deletes_at_ms < S_DELETE_EVERY_MS)
        return;
    a->deletes_at_ms = now;
    char e[256];
    if (vg_store_commit (a->store, a->del, e, sizeof e) < 0) {
        /* The records stay: the deletions are kept and tried again with the next ones (the
         * store refuses writes for now, a full disk most often).  Stopped before that, they
         * are sent again after the restart: a duplicate, never a loss. */
        S_INC (a, store_errors);
        vg_log_rl (&a->rl, VG_LOG_WARN, "alerter", "committing outbox deletions failed: %s; kept for the next try", e);
        a->deletes_failed = true;
        return;
    }
    a->deletes_failed = false;
    vg_store_txn_clear (a->del);
}

static void
s_check_fatal (vg_alerter_t *a)
{
    char e[512];
    rd_kafka_resp_err_t f = rd_kafka_fatal_error (a->rk, e, sizeof e);
    if (f == RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    vg_log (VG_LOG_ERROR, "alerter", "fatal producer error %s: %s; recreating the producer", rd_kafka_err2name (f), e);
    S_INC (a, fatal_resets);
    s_producer_destroy (a);
    s_commit_deletes (a, true);
    char err[512];
    if (s_producer_new (a, err, sizeof err) < 0)
        vg_log (VG_LOG_ERROR, "alerter", "recreating the producer failed: %s", err);
    a->backlog = true;
    a->cursor = 0;
}

int
vg_alerter_poll (vg_alerter_t *a, int timeout_ms)
{
    if (!a->rk) {
        char err[512];
        if (s_producer_new (a, err, sizeof err) < 0)
            return 0;
    }
    s_drain_pipe (a);
    int n = rd_kafka_poll (a->rk, timeout_ms);
    s_commit_deletes (a, false);
    s_outbox_gauges (a);
    s_check_fatal (a);
    if (a->check)
        s_check_done (a);
    if (a->rk)
        s_resend (a);
    return n;
}

int
vg_alerter_fd (const vg_alerter_t *a)
{
    return a->pipe_r;
}

int
vg_alerter_stage (vg_alerter_t *a, const vg_alert_t *alert, vg_store_txn_t *txn)
{
    size_t need = vg_ocsf_render (alert, &a->ocsf, (char *) a->render.data, a->render.cap);
    if (need >= a->render.cap) {
        if (need >= VG_OUTBOX_MAX_PAYLOAD) {
            S_INC (a, render_errors);
            return -VG_ETOOBIG;
        }
        if (vg_buf_reserve (&a->render, need + 1) < 0) {
            S_INC (a, render_errors);
            return -VG_ENOMEM;
        }
        vg_ocsf_render (alert, &a->ocsf, (char *) a->render.data, a->render.cap);
    }
    size_t kl = strnlen (alert->dedup_key, sizeof alert->dedup_key);
    if (!kl) {
        S_INC (a, render_errors);
        return -VG_EINVAL;
    }
    if (a->nstaged == a->staged_cap) {
        size_t cap = a->staged_cap ? a->staged_cap * 2 : 64;
        s_staged_t *p = realloc (a->staged, cap * sizeof *p);
        if (!p) {
            S_INC (a, render_errors);
            return -VG_ENOMEM;
        }
        a->staged = p;
        a->staged_cap = cap;
    }
    vg_outbox_rec_t rec = { 0, a->format, vg_clock_now_ms (), alert->dedup_key, kl, a->render.data, need };
    size_t off = a->sdata.len;
    if (vg_buf_append (&a->sdata, alert->dedup_key, kl) < 0 || vg_buf_append (&a->sdata, a->render.data, need) < 0) {
        a->sdata.len = off;
        S_INC (a, render_errors);
        return -VG_ENOMEM;
    }
    int rc = vg_outbox_add (a->outbox, txn, &rec, NULL);
    if (rc < 0) {
        a->sdata.len = off;
        S_INC (a, render_errors);
        return rc;
    }
    a->staged[a->nstaged++] = (s_staged_t){ rec.id, off, kl, need };
    S_INC (a, staged);
    return 0;
}

void
vg_alerter_committed (vg_alerter_t *a, bool ok)
{
    vg_outbox_committed (a->outbox, ok);
    int64_t t0 = vg_clock_mono_ns ();
    for (size_t i = 0; ok && i < a->nstaged; i++) {
        const s_staged_t *s = &a->staged[i];
        if (!a->backlog && a->rk) {
            const uint8_t *base = a->sdata.data + s->off;
            if (s_produce (a, s->id, base, s->key_len, base + s->key_len, s->payload_len, t0, false) == 0) {
                if (s->id >= a->cursor)
                    a->cursor = s->id + 1;
                continue;
            }
        }
        /* Left in the outbox: a later poll produces it, and everything after it, in order. */
        if (!a->backlog || s->id < a->cursor)
            a->cursor = s->id;
        a->backlog = true;
    }
    a->nstaged = 0;
    vg_buf_reset (&a->sdata);
    s_outbox_gauges (a);
    if (a->rk)
        rd_kafka_poll (a->rk, 0);
    s_commit_deletes (a, false);
}

int
vg_alerter_flush (vg_alerter_t *a, int timeout_ms)
{
    int64_t deadline = vg_clock_mono_ms () + timeout_ms;
    for (;;) {
        vg_outbox_stats_t os;
        vg_outbox_stats (a->outbox, &os);
        if (!vg_inflight_count (a->inflight) && !os.count) {
            s_commit_deletes (a, true);
            return 0;
        }
        int64_t left = deadline - vg_clock_mono_ms ();
        if (left <= 0)
            return -VG_EAGAIN;
        /* Waits for the next report (returns as soon as one is served), never spins. */
        vg_alerter_poll (a, left < 10 ? (int) left : 10);
    }
}

void
vg_alerter_stats (const vg_alerter_t *a, vg_alerter_stats_t *o)
{
    o->staged = S_GET (a, staged);
    o->produced = S_GET (a, produced);
    o->resent = S_GET (a, resent);
    o->already_delivered = S_GET (a, already_delivered);
    o->delivered = S_GET (a, delivered);
    o->delivery_errors = S_GET (a, delivery_errors);
    o->produce_errors = S_GET (a, produce_errors);
    o->queue_full = S_GET (a, queue_full);
    o->render_errors = S_GET (a, render_errors);
    o->store_errors = S_GET (a, store_errors);
    o->kafka_errors = S_GET (a, kafka_errors);
    o->fatal_resets = S_GET (a, fatal_resets);
    o->outbox_count = S_GET (a, outbox_count);
    o->outbox_bytes = S_GET (a, outbox_bytes);
    o->inflight = S_GET (a, inflight);
    o->latency_count = S_GET (a, latency_count);
    o->latency_sum_us = S_GET (a, latency_sum_us);
    o->latency_max_us = S_GET (a, latency_max_us);
    o->latency_p50_us = s_quantile (a, 0.50);
    o->latency_p99_us = s_quantile (a, 0.99);
}

void
vg_alerter_destroy (vg_alerter_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_alerter_t *a = *self_p;
    vg_topic_check_destroy (&a->check);
    if (a->rk && a->outbox && a->del) {
        if (a->flush_ms > 0 && vg_alerter_flush (a, (int) a->flush_ms) < 0) {
            vg_outbox_stats_t os;
            vg_outbox_stats (a->outbox, &os);
            vg_log (VG_LOG_WARN, "alerter", "stopping with %llu alert(s) undelivered; they stay in the outbox",
                    (unsigned long long) os.count);
        }
        s_commit_deletes (a, true);
    }
    s_producer_destroy (a);
    if (a->del)
        s_commit_deletes (a, true);
    vg_store_txn_destroy (&a->del);
    vg_outbox_destroy (&a->outbox);
    if (a->pipe_r >= 0)
        close (a->pipe_r);
    if (a->pipe_w >= 0)
        close (a->pipe_w);
    for (size_t i = 0; i < a->nprops; i++) {
        free ((char *) a->props[i].key);
        free ((char *) a->props[i].value);
    }
    free (a->props);
    for (int i = 0; i < 3; i++)
        free (a->ocsf_strs[i]);
    free (a->topic);
    free (a->brokers);
    vg_inflight_destroy (&a->inflight);
    free (a->staged);
    vg_buf_free (&a->render);
    vg_buf_free (&a->sdata);
    free (a);
    *self_p = NULL;
}
