/* detect_journal.c - the detect stage's journal: every committed batch is analysed once,
 * also across a crash (detect_stage.h, "Journal").
 *
 * Records (VG_CF_DETSTATE): "detj/" + the batch's accept order (8 bytes big-endian) ->
 * the vigil.Batch as the agent sent it (zstd-compressed or plain), put by ingest's write (vg_detect_stage_journal, server thread);
 * "detj-done" -> the order of the last batch whose alerts a commit holds, put by every
 * stage commit with alerts.  A state save deletes the entries of the batches it covers
 * (one range tombstone, in the same write).  At start the entries left are fed again
 * from the saved state, in order; the alerts of those up to "detj-done" were committed
 * before the stop and are not written again.
 *
 * Invariant: runs in the stage thread or before it starts, except vg_detect_stage_journal
 * (stateless: the server's thread). */
#include "collector/detect_stage_int.h"

#include <stdio.h>
#include <string.h>

#include "common/byteorder.h"
#include "common/err.h"
#include "common/log.h"

#define S_JPREFIX "detj/"
#define S_JPREFIX_END "detj0" /* '/' + 1: the end of the prefix's range */
#define S_JMARK "detj-done"
#define S_JKEY_LEN (sizeof S_JPREFIX - 1 + 8)
#define S_RECOVER_GROUP 64 /* batches fed per commit while recovering */

static size_t
s_jkey (uint8_t *k, uint64_t order)
{
    memcpy (k, S_JPREFIX, sizeof S_JPREFIX - 1);
    vg_be64 (k + sizeof S_JPREFIX - 1, order);
    return S_JKEY_LEN;
}

void
vg_detect_stage_journal (void *ctx, const char *agent_id, uint64_t epoch, uint64_t seq, uint64_t order,
                         const uint8_t *batch, size_t len, vg_store_txn_t *txn)
{
    (void) ctx;
    (void) agent_id;
    (void) epoch;
    (void) seq;
    uint8_t k[S_JKEY_LEN];
    vg_store_txn_put (txn, VG_CF_DETSTATE, k, s_jkey (k, order), batch, len);
}

void
vg_detect__journal_txn (vg_detect_stage_t *st, int save)
{
    if (!st->jlast)
        return;
    if (save) {
        if (st->jlast != st->jsaved) {
            uint8_t to[S_JKEY_LEN];
            vg_store_txn_delete_range (st->txn, VG_CF_DETSTATE, S_JPREFIX, sizeof S_JPREFIX - 1, to,
                                       s_jkey (to, st->jlast + 1));
        }
        vg_store_txn_delete (st->txn, VG_CF_DETSTATE, S_JMARK, sizeof S_JMARK - 1); /* all covered */
    } else if (st->txn_alerts) {
        uint8_t v[8];
        for (int i = 0; i < 8; i++)
            v[i] = (uint8_t) (st->jlast >> (8 * (7 - i)));
        vg_store_txn_put (st->txn, VG_CF_DETSTATE, S_JMARK, sizeof S_JMARK - 1, v, sizeof v);
    }
}

typedef struct {
    vg_detect_stage_t *st;
    uint64_t mark;            /* alerts committed up to this order */
    uint64_t fed, silent, bad;
    uint64_t first, last;     /* orders of the entries fed */
} s_recover_t;

static int
s_recover_one (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_recover_t *r = ctx;
    vg_detect_stage_t *st = r->st;
    if (kl != S_JKEY_LEN) {
        vg_store_txn_delete (st->txn, VG_CF_DETSTATE, k, kl); /* not ours: a damaged store */
        r->bad++;
        return 0;
    }
    uint64_t order = vg_get_be64 (k + sizeof S_JPREFIX - 1);
    r->first = r->first ? r->first : order;
    r->last = order;
    st->jsilent = order <= r->mark;
    r->silent += st->jsilent;
    if (vg_detect__feed (st, v, vl, order) < 0)
        r->bad++; /* counted by the feed too */
    st->jsilent = false;
    if (++r->fed % S_RECOVER_GROUP == 0) {
        vg_detect__finish (st, 0);
        if (st->poll_fn)
            st->poll_fn (st->poll_ctx);
    }
    return 0;
}

int
vg_detect_stage_recover (vg_detect_stage_t *st)
{
    if (st->started)
        return -VG_EINVAL;
    vg_buf_t val = VG_BUF_INIT;
    s_recover_t r = { st, 0, 0, 0, 0, 0, 0 };
    int rc = vg_store_get (st->store, VG_CF_DETSTATE, S_JMARK, sizeof S_JMARK - 1, &val);
    if (rc == 0 && val.len == 8)
        r.mark = vg_get_be64 (val.data);
    vg_buf_free (&val);
    /* The batches were published to the fleet topic by the fleet journal already: the
     * stage's on_batch hook stays off meanwhile. */
    vg_detect_feed_on_batch (st->feed, NULL, NULL);
    rc = vg_store_scan (st->store, VG_CF_DETSTATE, S_JPREFIX, sizeof S_JPREFIX - 1, S_JPREFIX_END,
                        sizeof S_JPREFIX_END - 1, s_recover_one, &r);
    vg_detect_feed_on_batch (st->feed, st->batch_fn, st->batch_ctx);
    if (rc < 0) {
        vg_log (VG_LOG_ERROR, "detect", "reading the detect journal failed: %s (%llu of its batches analysed again)",
                vg_strerror (rc), (unsigned long long) r.fed);
    }
    if (r.fed || r.bad)
        st->dirty = 1;
    if (r.fed || r.bad || r.mark) {
        /* A save covers everything fed: the entries and the mark go in its write. */
        if (!st->jlast)
            vg_store_txn_delete (st->txn, VG_CF_DETSTATE, S_JMARK, sizeof S_JMARK - 1);
        /* The alerts first (kept for the stage's next try if the store refuses them: a
         * forced save would count them lost), then the state with the journal's deletion. */
        int frc = vg_detect__finish (st, 0);
        if (frc == 0)
            frc = vg_detect__finish (st, 1);
        if (st->poll_fn)
            st->poll_fn (st->poll_ctx);
        rc = rc < 0 ? rc : frc;
    }
    if (r.fed || r.bad)
        vg_log (VG_LOG_INFO, "detect",
                "detect journal: %llu batch(es) committed before the restart analysed again from the saved state "
                "(%llu already analysed with their alerts committed: not raised again; %llu unreadable; orders "
                "%llu-%llu, alerts committed up to %llu)%s",
                (unsigned long long) r.fed, (unsigned long long) r.silent, (unsigned long long) r.bad,
                (unsigned long long) r.first, (unsigned long long) r.last, (unsigned long long) r.mark,
                rc < 0 ? "; saving the result failed" : "");
    return rc;
}

int
vg_detect_journal_drop (vg_store_t *store)
{
    uint64_t n = 0;
    int rc = vg_store_drop_range (store, VG_CF_DETSTATE, S_JPREFIX, sizeof S_JPREFIX - 1, S_JPREFIX_END,
                                  sizeof S_JPREFIX_END - 1, &n);
    vg_store_txn_t *t = rc == 0 ? vg_store_txn_new (store) : NULL;
    if (t) {
        vg_store_txn_delete (t, VG_CF_DETSTATE, S_JMARK, sizeof S_JMARK - 1);
        rc = vg_store_commit (store, t, NULL, 0);
        vg_store_txn_destroy (&t);
    }
    if (rc < 0)
        vg_log (VG_LOG_ERROR, "detect", "dropping the detect journal failed: %s", vg_strerror (rc));
    else if (n)
        vg_log (VG_LOG_WARN, "detect",
                "detect journal: %llu batch(es) a run with detect.enabled committed but never analysed dropped "
                "(detect.enabled is false now)",
                (unsigned long long) n);
    return rc < 0 ? rc : (int) (n > INT32_MAX ? INT32_MAX : n);
}
