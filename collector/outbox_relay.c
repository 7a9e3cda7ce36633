/* outbox_relay.c - committed outbox records to a Kafka topic, deleted on acknowledgement
 * (outbox_relay.h).
 * Invariant: records below `cursor` were produced (in flight or delivered) unless a rescan
 * is pending; a rescan starts from the first id only when nothing is in flight and every
 * deletion is committed, so what it finds was never acknowledged. */
#include "collector/outbox_relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/topic_check.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/u64map.h"

#define S_DELETE_EVERY_MS 50
#define S_DELETE_BATCH 4096
#define S_RETRY_MS 1000

struct vg_relay {
    vg_relay_cfg_t cfg;
    vg_outbox_t *ob;
    vg_store_txn_t *del;      /* deletions from delivery reports */
    vg_topic_check_t *check;  /* reading the topic back after a restart */
    int64_t check_t0_ms;
    uint64_t cursor;          /* next id to produce */
    bool pending;             /* committed records may wait at or after cursor */
    bool rescan;              /* produce again from the first id (after a failure) */
    int64_t retry_at_ms;
    int64_t deletes_at_ms;
    size_t inflight, staged;
    vg_ratelimit_t rl;
    vg_relay_stats_t st;
};

static void
s_commit_deletes (vg_relay_t *r, bool force)
{
    size_t n = vg_store_txn_count (r->del);
    int64_t now = vg_clock_mono_ms ();
    if (!n || (!force && n < S_DELETE_BATCH && now - r->deletes_at_ms < S_DELETE_EVERY_MS))
        return;
    r->deletes_at_ms = now;
    char e[256];
    if (vg_store_commit (r->cfg.store, r->del, e, sizeof e) < 0) {
        /* Kept and tried again with the next ones; stopped before, the records are read back
         * from the topic after the restart (or sent again: a duplicate, never a loss). */
        r->st.store_errors++;
        vg_log_rl (&r->rl, VG_LOG_WARN, r->cfg.tag, "committing outbox deletions failed: %s; kept for the next try", e);
        return;
    }
    vg_store_txn_clear (r->del);
}

static int
s_first_id (void *ctx, const vg_outbox_rec_t *rec)
{
    *(uint64_t *) ctx = rec->id;
    return 1;
}

vg_relay_t *
vg_relay_new (const vg_relay_cfg_t *cfg, char *err, size_t errlen)
{
    vg_relay_t *r = calloc (1, sizeof *r);
    if (!r) {
        snprintf (err, errlen, "outbox relay: out of memory");
        return NULL;
    }
    r->cfg = *cfg;
    if (!r->cfg.max_inflight)
        r->cfg.max_inflight = 10000;
    if (!r->cfg.tag)
        r->cfg.tag = "relay";
    r->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 5);
    /* Never an id of an earlier run, even one that left an empty outbox, or the read-back
     * after a later crash could take an old run's message for a record of this one
     * (topic_check.h stops at an older id): the outbox's stored mark sees to it whatever the
     * clock does (outbox.h); the wall clock (microseconds) is only the floor. */
    int64_t now_ms = vg_clock_now_ms ();
    r->ob = vg_outbox_open (cfg->store, cfg->cf, now_ms > 0 ? (uint64_t) now_ms * 1000 : 1, err, errlen);
    r->del = r->ob ? vg_store_txn_new (cfg->store) : NULL;
    if (!r->del)
        goto fail;
    vg_outbox_stats_t os;
    vg_outbox_stats (r->ob, &os);
    r->st.outbox_count = os.count;
    if (os.count) {
        uint64_t first = 0;
        if (vg_outbox_scan (r->ob, 0, s_first_id, &first) >= 0 && first) {
            r->check_t0_ms = vg_clock_mono_ms ();
            r->check = vg_topic_check_start (cfg->brokers, cfg->props, cfg->nprops, cfg->topic, cfg->origin, first);
        }
        vg_log (VG_LOG_INFO, r->cfg.tag, "%llu message(s) (%llu bytes) left in the outbox: %s",
                (unsigned long long) os.count, (unsigned long long) os.bytes,
                r->check ? "reading the topic back before sending them" : "sending them again");
        r->pending = true;
    }
    return r;
fail:
    vg_relay_destroy (&r);
    return NULL;
}

void
vg_relay_destroy (vg_relay_t **self_p)
{
    vg_relay_t *r = self_p ? *self_p : NULL;
    if (!r)
        return;
    vg_topic_check_destroy (&r->check);
    if (r->del)
        s_commit_deletes (r, true);
    vg_store_txn_destroy (&r->del);
    vg_outbox_destroy (&r->ob);
    free (r);
    *self_p = NULL;
}

int
vg_relay_add (vg_relay_t *r, vg_store_txn_t *txn, const void *key, size_t key_len, const void *payload,
              size_t payload_len)
{
    vg_outbox_rec_t rec = { 0, VG_OUTBOX_PROTOBUF, vg_clock_now_ms (), key, key_len, payload, payload_len };
    int rc = vg_outbox_add (r->ob, txn, &rec, NULL);
    if (rc < 0) {
        r->st.add_errors++;
        vg_log_rl (&r->rl, VG_LOG_WARN, r->cfg.tag, "a message of %zu bytes cannot be staged: %s", payload_len,
                   vg_strerror (rc));
        return rc;
    }
    r->staged++;
    return 0;
}

void
vg_relay_committed (vg_relay_t *r, bool ok)
{
    vg_outbox_committed (r->ob, ok);
    if (ok) {
        r->st.added += r->staged;
        r->pending = r->pending || r->staged;
    } else if (r->staged)
        r->rescan = true;
    r->staged = 0;
}

void
vg_relay_rescan (vg_relay_t *r)
{
    r->rescan = true;
}

void
vg_relay_delivered (vg_relay_t *r, const rd_kafka_message_t *m)
{
    uint64_t id = (uint64_t) (uintptr_t) m->_private;
    if (r->inflight)
        r->inflight--;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        vg_outbox_remove (r->ob, r->del, id, vg_outbox_rec_size (m->key_len, m->len));
        r->st.delivered++;
        return;
    }
    r->st.delivery_errors++;
    vg_log_rl (&r->rl, VG_LOG_WARN, r->cfg.tag, "delivery of outbox record %llu failed: %s (kept, will retry)",
               (unsigned long long) id, rd_kafka_err2str (m->err));
    r->rescan = true;
    r->retry_at_ms = vg_clock_mono_ms () + S_RETRY_MS;
}

/* ---------------------------------------------------------------- producing */

typedef struct {
    vg_relay_t *r;
    int stopped;
} s_pump_t;

static int
s_produce_one (void *ctx, const vg_outbox_rec_t *rec)
{
    s_pump_t *pu = ctx;
    vg_relay_t *r = pu->r;
    if (r->inflight >= r->cfg.max_inflight) {
        pu->stopped = 1;
        return 1;
    }
    char hv[320];
    size_t hl = vg_topic_check_header (r->cfg.origin, rec->id, hv, sizeof hv);
    rd_kafka_resp_err_t e = rd_kafka_producev (
        r->cfg.rk, RD_KAFKA_V_RKT (r->cfg.rkt), RD_KAFKA_V_PARTITION (RD_KAFKA_PARTITION_UA),
        RD_KAFKA_V_MSGFLAGS (RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY (rec->key, rec->key_len),
        RD_KAFKA_V_VALUE ((void *) rec->payload, rec->payload_len), RD_KAFKA_V_HEADER (VG_OUTBOX_HEADER, hv, (ssize_t) hl),
        RD_KAFKA_V_OPAQUE ((void *) (uintptr_t) rec->id), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            r->st.produce_errors++;
            r->retry_at_ms = vg_clock_mono_ms () + S_RETRY_MS;
            vg_log_rl (&r->rl, VG_LOG_WARN, r->cfg.tag, "produce of outbox record %llu refused: %s (kept, will retry)",
                       (unsigned long long) rec->id, rd_kafka_err2str (e));
        }
        pu->stopped = 1;
        return 1;
    }
    r->inflight++;
    r->st.produced++;
    r->cursor = rec->id + 1;
    return 0;
}

typedef struct {
    vg_relay_t *r;
    const vg_u64map_t *seen;
    uint64_t dropped;
} s_drop_t;

static int
s_drop_one (void *ctx, const vg_outbox_rec_t *rec)
{
    s_drop_t *d = ctx;
    uint32_t v;
    if (vg_u64map_get (d->seen, rec->id, &v)) {
        vg_outbox_remove (d->r->ob, d->r->del, rec->id, vg_outbox_rec_size (rec->key_len, rec->payload_len));
        d->dropped++;
    }
    return 0;
}

/* A restart with records left: once the topic was read back, remove what it already holds
 * (delivered before the crash, the deletion not committed yet); then produce the rest. */
static void
s_check_done (vg_relay_t *r)
{
    const vg_u64map_t *seen = NULL;
    int64_t n = 0;
    char err[600];
    int st = vg_topic_check_result (r->check, &seen, &n, err, sizeof err);
    if (st == 0)
        return;
    if (st < 0)
        vg_log (VG_LOG_WARN, r->cfg.tag,
                "could not check topic %s for messages delivered before the restart (%s): sending the outbox again "
                "(consumers may see duplicates)", r->cfg.topic, err);
    else {
        s_drop_t d = { r, seen, 0 };
        if (seen->count && vg_outbox_scan (r->ob, 0, s_drop_one, &d) == 0 && d.dropped)
            s_commit_deletes (r, true);
        r->st.already_delivered += d.dropped;
        vg_log (VG_LOG_INFO, r->cfg.tag,
                "topic %s checked (%lld messages read back in %lld ms): %llu outbox message(s) were delivered before "
                "the restart and are not sent again", r->cfg.topic, (long long) n,
                (long long) (vg_clock_mono_ms () - r->check_t0_ms), (unsigned long long) d.dropped);
    }
    vg_topic_check_destroy (&r->check);
    r->pending = true;
}

void
vg_relay_poll (vg_relay_t *r)
{
    if (r->check)
        s_check_done (r);
    s_commit_deletes (r, false);
    if (r->check || vg_clock_mono_ms () < r->retry_at_ms)
        return;
    /* A rescan waits until nothing is in flight and every deletion is committed: then each
     * record the scan meets was never acknowledged. */
    if (r->rescan && !r->inflight) {
        s_commit_deletes (r, true);
        if (vg_store_txn_count (r->del))
            return;
        r->rescan = false;
        r->cursor = 0;
        r->pending = true;
    }
    if (!r->pending || r->rescan)
        return;
    s_pump_t pu = { r, 0 };
    if (vg_outbox_scan (r->ob, r->cursor, s_produce_one, &pu) < 0) {
        r->st.store_errors++;
        r->retry_at_ms = vg_clock_mono_ms () + S_RETRY_MS;
        vg_log_rl (&r->rl, VG_LOG_WARN, r->cfg.tag, "outbox scan failed");
        return;
    }
    r->pending = pu.stopped;
}

int
vg_relay_flush (vg_relay_t *r, int timeout_ms)
{
    int64_t deadline = vg_clock_mono_ms () + timeout_ms;
    for (;;) {
        vg_relay_poll (r);
        vg_outbox_stats_t os;
        vg_outbox_stats (r->ob, &os);
        if (!r->inflight && !os.count && !r->check) {
            s_commit_deletes (r, true);
            return 0;
        }
        int64_t left = deadline - vg_clock_mono_ms ();
        if (left <= 0)
            return -VG_EAGAIN;
        rd_kafka_poll (r->cfg.rk, left < 10 ? (int) left : 10);
    }
}

void
vg_relay_stats (const vg_relay_t *r, vg_relay_stats_t *out)
{
    *out = r->st;
    vg_outbox_stats_t os;
    vg_outbox_stats (r->ob, &os);
    out->outbox_count = os.count;
    out->inflight = r->inflight;
}
