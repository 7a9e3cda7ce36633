/* sample_merge.c - merge operator over concatenated sample chunks (see sample_merge.h). */
#include "store/sample_merge.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/byteorder.h"
#include "common/chunk.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/samples.h"
#include "store/store.h"

typedef struct {
    int64_t ts;
    vg_num_t v;
} s_sample_t;

/* Keep the first sample of each timestamp in all[0..count) (sorted, stable: the first is the
 * one written first) and count the others into dups (NULL: not counted).  Returns the new
 * count. */
static size_t
s_dedup (s_sample_t *all, size_t count, vg_sample_dups_t *dups)
{
    size_t w = count ? 1 : 0;
    for (size_t i = 1; i < count; i++) {
        if (all[i].ts != all[w - 1].ts) {
            all[w++] = all[i];
            continue;
        }
        if (!dups)
            continue;
        if (all[i].v.u == all[w - 1].v.u) { /* same bits: the same value (NaN included) */
            dups->same++;
        } else {
            if (!dups->conflicting)
                *dups = (vg_sample_dups_t) { dups->same, 0, all[i].ts, all[w - 1].v, all[i].v, dups->type };
            dups->conflicting++;
        }
    }
    return w;
}

/* Decode every chunk; returns count (>= 0) with *out (malloc'd) sorted by time, one sample
 * per timestamp (the first written: see s_dedup; the others counted into dups, which may
 * be NULL) and every value converted to the one type *type they share without loss (see
 * vg_num_join_type: integer chunks merged with older double chunks of whole numbers stay
 * integers), or < 0. */
static int64_t
s_decode_all (const uint8_t *p, size_t len, s_sample_t **out, vg_numtype_t *type, vg_sample_dups_t *dups)
{
    uint8_t *types = NULL; /* type of each decoded sample's chunk */
    vg_num_join_t join = VG_NUM_JOIN_INIT;
    int mixed = 0;
    vg_numtype_t first = VG_NUM_F64;
    size_t off = 0;
    size_t cap = 0, count = 0;
    s_sample_t *all = NULL;
    vg_samples_t dec = VG_SAMPLES_INIT; /* one chunk, decoded */
    int rc = 0;
    while (off < len) {
        int codec;
        uint32_t n;
        int hl = vg_chunk_header (p + off, len - off, &codec, &n);
        if (hl < 0) {
            rc = hl;
            goto fail;
        }
        if (count + n > cap) {
            size_t ncap = cap ? cap : 1024;
            while (ncap < count + n)
                ncap *= 2;
            s_sample_t *na = realloc (all, ncap * sizeof *na);
            if (!na) {
                rc = -VG_ENOMEM;
                goto fail;
            }
            all = na;
            uint8_t *nt = realloc (types, ncap);
            if (!nt) {
                rc = -VG_ENOMEM;
                goto fail;
            }
            types = nt;
            cap = ncap;
        }
        if (vg_samples_reserve (&dec, n) < 0) {
            rc = -VG_ENOMEM;
            goto fail;
        }
        size_t got = 0, used = 0;
        vg_numtype_t t;
        rc = vg_chunk_decode_num (p + off, len - off, dec.ts, dec.num, n, &got, &used, &t);
        if (rc < 0)
            goto fail;
        if (count == 0)
            first = t;
        mixed |= t != first;
        for (size_t i = 0; i < got; i++) {
            all[count + i].ts = dec.ts[i];
            all[count + i].v = dec.num[i];
            types[count + i] = (uint8_t) t;
            vg_num_join_add (&join, dec.num[i], t);
        }
        count += got;
        off += used;
    }
    vg_samples_free (&dec);
    /* One type per value: chunks of one type (the usual case) need no conversion. */
    *type = first;
    if (mixed) {
        *type = vg_num_join_type (&join);
        for (size_t i = 0; i < count; i++)
            all[i].v = vg_num_convert (all[i].v, (vg_numtype_t) types[i], *type);
    }
    free (types);
    types = NULL;
    /* Stable order by time: chunks arrive mostly in order, so check before sorting. */
    int sorted = 1;
    for (size_t i = 1; i < count && sorted; i++)
        sorted = all[i - 1].ts <= all[i].ts;
    if (!sorted) {
        /* Bottom-up merge sort: stable, so equal timestamps keep arrival order. */
        s_sample_t *tmp = malloc (count * sizeof *tmp);
        if (!tmp) {
            free (all);
            return -VG_ENOMEM;
        }
        memcpy (tmp, all, count * sizeof *tmp);
        for (size_t width = 1; width < count; width *= 2) {
            for (size_t lo = 0; lo < count; lo += 2 * width) {
                size_t mid = lo + width < count ? lo + width : count;
                size_t hi = lo + 2 * width < count ? lo + 2 * width : count;
                size_t a = lo, b = mid, k = lo;
                while (a < mid && b < hi)
                    all[k++] = tmp[b].ts < tmp[a].ts ? tmp[b++] : tmp[a++];
                while (a < mid)
                    all[k++] = tmp[a++];
                while (b < hi)
                    all[k++] = tmp[b++];
            }
            memcpy (tmp, all, count * sizeof *tmp);
        }
        free (tmp);
    }
    if (dups)
        dups->type = *type;
    *out = all;
    return (int64_t) s_dedup (all, count, dups);
fail:
    free (all);
    free (types);
    vg_samples_free (&dec);
    return rc;
}

/* Doubles that a long run as one chunk leaves to Gorilla (one value of the run is not
 * decimal) may be mostly decimal: try the run in pieces of S_PIECE samples, each with its
 * own codec, and keep whichever is smaller.  Readers take concatenated chunks anyway. */
#define S_PIECE 128

static int
s_encode_run (const int64_t *ts, const vg_num_t *v, vg_numtype_t type, size_t n, vg_buf_t *out)
{
    size_t start = out->len;
    int rc = vg_chunk_encode_store (ts, v, type, n, out);
    if (rc < 0 || type != VG_NUM_F64 || n <= 2 * S_PIECE || out->data[start] != VG_CHUNK_GORILLA)
        return rc;
    size_t whole = out->len - start;
    for (size_t off = 0; off < n && rc == 0; off += S_PIECE)
        rc = vg_chunk_encode_store (ts + off, v + off, type, n - off < S_PIECE ? n - off : S_PIECE, out);
    if (rc < 0) {
        out->len = start + whole; /* the whole-run chunk stands */
        return 0;
    }
    size_t pieces = out->len - start - whole;
    if (pieces < whole)
        memmove (out->data + start, out->data + start + whole, pieces);
    out->len = start + (pieces < whole ? pieces : whole);
    return 0;
}

int
vg_sample_merge_value (const uint8_t *value, size_t len, vg_buf_t *out)
{
    return vg_sample_merge_value_dups (value, len, out, NULL);
}

int
vg_sample_merge_value_dups (const uint8_t *value, size_t len, vg_buf_t *out, vg_sample_dups_t *dups)
{
    s_sample_t *all = NULL;
    vg_numtype_t type;
    int64_t n = s_decode_all (value, len, &all, &type, dups);
    if (n < 0)
        return (int) n;
    if (n == 0) {
        free (all);
        return 0;
    }
    int rc = 0;
    int64_t *ts = malloc ((size_t) n * sizeof *ts);
    vg_num_t *v = malloc ((size_t) n * sizeof *v);
    if (!ts || !v) {
        rc = -VG_ENOMEM;
        goto done;
    }
    for (int64_t i = 0; i < n; i++) {
        ts[i] = all[i].ts;
        v[i] = all[i].v;
    }
    /* A chunk holds at most VG_CHUNK_MAX_SAMPLES; longer runs become several chunks. */
    for (int64_t off = 0; off < n && rc == 0; off += VG_CHUNK_MAX_SAMPLES) {
        int64_t k = n - off < VG_CHUNK_MAX_SAMPLES ? n - off : VG_CHUNK_MAX_SAMPLES;
        rc = s_encode_run (ts + off, v + off, type, (size_t) k, out);
    }
done:
    free (ts);
    free (v);
    free (all);
    return rc < 0 ? rc : (int) n;
}

int
vg_sample_value_scan_num (const uint8_t *value, size_t len, int64_t from_ms, int64_t to_ms, vg_sample_num_fn fn,
                          void *ctx)
{
    s_sample_t *all = NULL;
    vg_numtype_t type;
    int64_t n = s_decode_all (value, len, &all, &type, NULL);
    if (n < 0)
        return (int) n;
    int rc = 0;
    for (int64_t i = 0; i < n && rc == 0; i++)
        if (all[i].ts >= from_ms && all[i].ts < to_ms)
            rc = fn (ctx, all[i].ts, all[i].v, type);
    free (all);
    return rc;
}

typedef struct {
    vg_sample_fn fn;
    void *ctx;
} s_as_double_t;

static int
s_as_double (void *ctx, int64_t ts_ms, vg_num_t v, vg_numtype_t type)
{
    s_as_double_t *d = ctx;
    return d->fn (d->ctx, ts_ms, vg_num_to_double (v, type));
}

int
vg_sample_value_scan (const uint8_t *value, size_t len, int64_t from_ms, int64_t to_ms, vg_sample_fn fn, void *ctx)
{
    s_as_double_t d = { fn, ctx };
    return vg_sample_value_scan_num (value, len, from_ms, to_ms, s_as_double, &d);
}

/* The usual stored value, one chunk in time order (a sealed bucket, or one batch's chunk),
 * decoded straight into out: 1 when done (*used advanced past the samples of [from_ms,
 * to_ms)), 0 when the value is not that (several chunks, out of order or a timestamp twice,
 * unreadable: the general path decides), -VG_ENOMEM. */
static int
s_append_one_chunk (const uint8_t *value, size_t len, int64_t from_ms, int64_t to_ms, vg_samples_t *out,
                    size_t *used)
{
    int codec;
    uint32_t n;
    if (vg_chunk_header (value, len, &codec, &n) < 0 || n == 0)
        return 0;
    size_t k = *used, got = 0, took = 0;
    if (vg_samples_reserve (out, k + n) < 0)
        return -VG_ENOMEM;
    int64_t *ts = out->ts + k;
    double *v = out->v + k;
    if (vg_chunk_decode (value, len, ts, v, n, &got, &took) < 0 || took != len)
        return 0;
    for (size_t i = 1; i < got; i++)
        if (ts[i - 1] >= ts[i]) /* out of order, or a timestamp twice: s_dedup decides */
            return 0;
    size_t kept = 0;
    for (size_t i = 0; i < got; i++)
        if (ts[i] >= from_ms && ts[i] < to_ms) {
            ts[kept] = ts[i];
            v[kept++] = v[i];
        }
    *used = k + kept;
    return 1;
}

int
vg_sample_value_append (const uint8_t *value, size_t len, int64_t from_ms, int64_t to_ms, vg_samples_t *out,
                        size_t *used)
{
    int one = s_append_one_chunk (value, len, from_ms, to_ms, out, used);
    if (one != 0)
        return one < 0 ? one : 0;
    s_sample_t *all = NULL;
    vg_numtype_t type;
    int64_t n = s_decode_all (value, len, &all, &type, NULL);
    if (n < 0)
        return (int) n;
    size_t k = *used;
    int rc = vg_samples_reserve (out, k + (size_t) n) < 0 ? -VG_ENOMEM : 0;
    for (int64_t i = 0; i < n && rc == 0; i++)
        if (all[i].ts >= from_ms && all[i].ts < to_ms) {
            out->ts[k] = all[i].ts;
            out->v[k++] = vg_num_to_double (all[i].v, type);
        }
    free (all);
    if (rc == 0)
        *used = k;
    return rc;
}

int64_t
vg_sample_value_count (const uint8_t *value, size_t len)
{
    /* Chunk headers carry counts but not byte lengths, so walking the chunks needs a decode. */
    s_sample_t *all = NULL;
    vg_numtype_t type;
    int64_t n = s_decode_all (value, len, &all, &type, NULL);
    free (all);
    return n;
}

/* ---- RocksDB callbacks ---- */

static char *
s_emit (vg_buf_t *b, unsigned char *success, size_t *new_len)
{
    *success = 1;
    *new_len = b->len;
    if (b->len == 0) {
        /* RocksDB expects a valid pointer even for an empty value. */
        return malloc (1);
    }
    return (char *) b->data; /* ownership passes to RocksDB; freed by s_delete_value */
}

/* Add one merge's duplicates to the store's counters; a conflict is logged at most once a
 * minute (the first one since, with how many there were in all). */
static void
s_account (vg_sample_merge_stats_t *st, const char *key, size_t key_len, const vg_sample_dups_t *d)
{
    if (!st || (!d->same && !d->conflicting))
        return;
    atomic_fetch_add (&st->same, d->same);
    uint64_t all = atomic_fetch_add (&st->conflicting, d->conflicting) + d->conflicting;
    if (!d->conflicting)
        return;
    int64_t now = vg_clock_mono_ms (), next = atomic_load (&st->next_log_ms);
    if (now < next || !atomic_compare_exchange_strong (&st->next_log_ms, &next, now + 60000))
        return;
    uint64_t sid = key_len == VG_SAMPLE_KEY_LEN ? vg_get_be64 ((const uint8_t *) key + 4) : 0;
    double kept = vg_num_to_double (d->kept, d->type), dropped = vg_num_to_double (d->dropped, d->type);
    vg_log (VG_LOG_WARN, "store",
            "series %016" PRIx64 " has %" PRIu64 " samples at timestamps already stored with another value "
            "(first at %" PRId64 ": %.17g kept, %.17g dropped; the first write wins); %" PRIu64
            " such samples in all",
            sid, d->conflicting, d->ts, kept, dropped, all);
}

static char *
s_full_merge (void *state, const char *key, size_t key_len, const char *existing, size_t existing_len,
              const char *const *ops, const size_t *ops_len, int nops, unsigned char *success, size_t *new_len)
{
    vg_sample_dups_t dups = { 0 };
    vg_buf_t cat = VG_BUF_INIT, out = VG_BUF_INIT;
    *success = 0;
    if (existing && vg_buf_append (&cat, existing, existing_len) < 0)
        goto fail;
    for (int i = 0; i < nops; i++)
        if (vg_buf_append (&cat, ops[i], ops_len[i]) < 0)
            goto fail;
    if (vg_sample_merge_value_dups (cat.data, cat.len, &out, &dups) < 0) {
        /* Corrupt operand: keep the bytes as they are rather than fail the compaction;
         * readers report the damage. */
        vg_buf_free (&out);
        return s_emit (&cat, success, new_len);
    }
    s_account (state, key, key_len, &dups);
    vg_buf_free (&cat);
    return s_emit (&out, success, new_len);
fail:
    vg_buf_free (&cat);
    vg_buf_free (&out);
    return NULL;
}

static char *
s_partial_merge (void *state, const char *key, size_t key_len, const char *const *ops, const size_t *ops_len,
                 int nops, unsigned char *success, size_t *new_len)
{
    (void) state;
    (void) key;
    (void) key_len;
    vg_buf_t cat = VG_BUF_INIT;
    *success = 0;
    for (int i = 0; i < nops; i++)
        if (vg_buf_append (&cat, ops[i], ops_len[i]) < 0) {
            vg_buf_free (&cat);
            return NULL;
        }
    return s_emit (&cat, success, new_len);
}

static void
s_delete_value (void *state, const char *value, size_t len)
{
    (void) state;
    (void) len;
    free ((void *) value);
}

static void
s_destructor (void *state)
{
    (void) state;
}

static const char *
s_name (void *state)
{
    (void) state;
    return "vigil.sample_merge.v1";
}

rocksdb_mergeoperator_t *
vg_sample_merge_operator (vg_sample_merge_stats_t *stats)
{
    return rocksdb_mergeoperator_create (stats, s_destructor, s_full_merge, s_partial_merge, s_delete_value, s_name);
}
