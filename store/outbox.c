/* outbox.c - outbox records in VG_CF_OUTBOX (or another family): encoding, ids, counts, scans.
 *
 * Value layout: u8 version (1), u8 format, u16 key length, i64 created ms (all big-endian),
 * then the key, then the payload (to the end of the value).
 * Id high-water mark: VG_CF_META key "outbox.<cf>.next_id" (u64 big-endian) is above every id
 * handed out, written in the same write batch as the record that first passes the previous
 * mark, reserving S_RESERVE ids at a time; an opened outbox starts at or above it. */
#include "store/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"

#define S_VERSION 1
#define S_RESERVE 4096 /* ids reserved per high-water write: one META put per this many records */

struct vg_outbox {
    vg_store_t *store;
    vg_cf_t cf;
    vg_outbox_stats_t st;
    uint64_t staged_count, staged_bytes; /* added to a txn whose commit is not confirmed */
    uint64_t mark;                       /* high-water mark as staged: ids below it are reserved */
    uint64_t mark_committed;             /* ... as the store holds it (mark goes back to it on a failed commit) */
    vg_buf_t enc;                        /* reused encoding buffer */
};

/* The META key of cf's high-water mark. */
static size_t
s_mark_key (vg_cf_t cf, char *k, size_t n)
{
    int l = snprintf (k, n, "outbox.%d.next_id", (int) cf);
    return l > 0 && (size_t) l < n ? (size_t) l : 0;
}

typedef struct {
    uint64_t count, bytes, max_id;
} s_census_t;

static int
s_census (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_census_t *c = ctx;
    if (kl == VG_OUTBOX_KEY_LEN) {
        uint64_t id = vg_get_be64 (k);
        if (id > c->max_id)
            c->max_id = id;
    }
    c->count++;
    c->bytes += vl;
    return 0;
}

vg_outbox_t *
vg_outbox_new (vg_store_t *s, char *err, size_t errlen)
{
    return vg_outbox_open (s, VG_CF_OUTBOX, 0, err, errlen);
}

vg_outbox_t *
vg_outbox_open (vg_store_t *s, vg_cf_t cf, uint64_t min_next_id, char *err, size_t errlen)
{
    vg_outbox_t *ob = calloc (1, sizeof *ob);
    if (!ob) {
        snprintf (err, errlen, "outbox: out of memory");
        return NULL;
    }
    ob->store = s;
    ob->cf = cf;
    s_census_t c = { 0, 0, 0 };
    int rc = vg_store_scan (s, cf, NULL, 0, NULL, 0, s_census, &c);
    if (rc < 0) {
        snprintf (err, errlen, "outbox: scanning the store failed: %s", vg_strerror (rc));
        free (ob);
        return NULL;
    }
    /* The mark: ids an earlier run may have used even though its outbox is empty now. */
    char mk[32];
    vg_buf_t v = { 0 };
    uint64_t mark = 0;
    rc = vg_store_get (s, VG_CF_META, mk, s_mark_key (cf, mk, sizeof mk), &v);
    if (rc == 0 && v.len == 8)
        mark = vg_get_be64 (v.data);
    vg_buf_free (&v);
    if (rc < 0 && rc != -VG_ENOTFOUND) {
        snprintf (err, errlen, "outbox: reading its id mark failed: %s", vg_strerror (rc));
        free (ob);
        return NULL;
    }
    ob->st.count = c.count;
    ob->st.bytes = c.bytes;
    uint64_t next = c.max_id + 1;
    if (next < min_next_id)
        next = min_next_id;
    if (next < mark)
        next = mark;
    ob->st.next_id = next;
    ob->mark = ob->mark_committed = mark;
    return ob;
}

void
vg_outbox_destroy (vg_outbox_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_buf_free (&(*self_p)->enc);
    free (*self_p);
    *self_p = NULL;
}

size_t
vg_outbox_rec_size (size_t key_len, size_t payload_len)
{
    return VG_OUTBOX_HDR_LEN + key_len + payload_len;
}

int
vg_outbox_add (vg_outbox_t *ob, vg_store_txn_t *txn, vg_outbox_rec_t *rec, uint64_t *id)
{
    if ((rec->format != VG_OUTBOX_JSON && rec->format != VG_OUTBOX_PROTOBUF) || !rec->key_len ||
        rec->key_len > VG_OUTBOX_MAX_KEY || !rec->payload_len || rec->payload_len > VG_OUTBOX_MAX_PAYLOAD)
        return -VG_EINVAL;
    size_t n = vg_outbox_rec_size (rec->key_len, rec->payload_len);
    vg_buf_reset (&ob->enc);
    if (vg_buf_reserve (&ob->enc, n) < 0)
        return -VG_ENOMEM;
    uint8_t *p = ob->enc.data;
    p[0] = S_VERSION;
    p[1] = (uint8_t) rec->format;
    p[2] = (uint8_t) (rec->key_len >> 8);
    p[3] = (uint8_t) rec->key_len;
    vg_be64 (p + 4, (uint64_t) rec->created_ms);
    memcpy (p + VG_OUTBOX_HDR_LEN, rec->key, rec->key_len);
    memcpy (p + VG_OUTBOX_HDR_LEN + rec->key_len, rec->payload, rec->payload_len);
    ob->enc.len = n;
    uint8_t k[VG_OUTBOX_KEY_LEN];
    rec->id = ob->st.next_id++;
    vg_be64 (k, rec->id);
    vg_store_txn_put (txn, ob->cf, k, sizeof k, ob->enc.data, n);
    if (rec->id >= ob->mark) {
        /* Past the reserved ids: the new mark goes into the record's own write, so no id
         * can be handed out again after a restart, whatever the caller's clock does. */
        char mk[32];
        uint8_t mv[8];
        ob->mark = rec->id + S_RESERVE;
        vg_be64 (mv, ob->mark);
        vg_store_txn_put (txn, VG_CF_META, mk, s_mark_key (ob->cf, mk, sizeof mk), mv, sizeof mv);
    }
    ob->staged_count++;
    ob->staged_bytes += n;
    if (id)
        *id = rec->id;
    return 0;
}

void
vg_outbox_committed (vg_outbox_t *ob, bool ok)
{
    if (ok) {
        ob->st.count += ob->staged_count;
        ob->st.bytes += ob->staged_bytes;
        ob->st.added += ob->staged_count;
        ob->mark_committed = ob->mark;
    } else {
        ob->mark = ob->mark_committed; /* the next record writes it again */
    }
    ob->staged_count = ob->staged_bytes = 0;
}

void
vg_outbox_remove (vg_outbox_t *ob, vg_store_txn_t *txn, uint64_t id, size_t bytes)
{
    uint8_t k[VG_OUTBOX_KEY_LEN];
    vg_be64 (k, id);
    vg_store_txn_delete (txn, ob->cf, k, sizeof k);
    if (ob->st.count)
        ob->st.count--;
    ob->st.bytes = ob->st.bytes >= bytes ? ob->st.bytes - bytes : 0;
    ob->st.removed++;
}

int
vg_outbox_decode (uint64_t id, const uint8_t *v, size_t vl, vg_outbox_rec_t *rec)
{
    if (vl < VG_OUTBOX_HDR_LEN || v[0] != S_VERSION || (v[1] != VG_OUTBOX_JSON && v[1] != VG_OUTBOX_PROTOBUF))
        return -VG_EPROTO;
    size_t kl = (size_t) v[2] << 8 | v[3];
    if (!kl || kl > VG_OUTBOX_MAX_KEY || vl - VG_OUTBOX_HDR_LEN <= kl)
        return -VG_EPROTO;
    rec->id = id;
    rec->format = v[1];
    rec->created_ms = (int64_t) vg_get_be64 (v + 4);
    rec->key = (const char *) v + VG_OUTBOX_HDR_LEN;
    rec->key_len = kl;
    rec->payload = v + VG_OUTBOX_HDR_LEN + kl;
    rec->payload_len = vl - VG_OUTBOX_HDR_LEN - kl;
    return 0;
}

typedef struct {
    vg_outbox_t *ob;
    vg_outbox_fn fn;
    void *ctx;
} s_scan_t;

static int
s_visit (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_scan_t *sc = ctx;
    vg_outbox_rec_t rec;
    if (kl != VG_OUTBOX_KEY_LEN || vg_outbox_decode (vg_get_be64 (k), v, vl, &rec) < 0) {
        sc->ob->st.corrupt++;
        return 0;
    }
    return sc->fn (sc->ctx, &rec);
}

int
vg_outbox_scan (vg_outbox_t *ob, uint64_t from_id, vg_outbox_fn fn, void *ctx)
{
    uint8_t k[VG_OUTBOX_KEY_LEN];
    vg_be64 (k, from_id);
    s_scan_t sc = { ob, fn, ctx };
    return vg_store_scan (ob->store, ob->cf, k, sizeof k, NULL, 0, s_visit, &sc);
}

void
vg_outbox_stats (const vg_outbox_t *ob, vg_outbox_stats_t *out)
{
    *out = ob->st;
}
