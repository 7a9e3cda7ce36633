/* sample_merge.c - merge operator over concatenated sample chunks (see sample_merge.h). */
#include "store/sample_merge.h"

#include <stdlib.h>
#include <string.h>

#include "common/chunk.h"
#include "common/err.h"
#include "common/samples.h"

typedef struct {
    int64_t ts;
    double v;
} s_sample_t;

/* Decode every chunk; returns count (>= 0) with *out (malloc'd) sorted by time, or < 0. */
static int64_t
s_decode_all (const uint8_t *p, size_t len, s_sample_t **out)
{
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
            cap = ncap;
        }
        if (vg_samples_reserve (&dec, n) < 0) {
            rc = -VG_ENOMEM;
            goto fail;
        }
        size_t got = 0, used = 0;
        rc = vg_chunk_decode (p + off, len - off, dec.ts, dec.v, n, &got, &used);
        if (rc < 0)
            goto fail;
        for (size_t i = 0; i < got; i++) {
            all[count + i].ts = dec.ts[i];
            all[count + i].v = dec.v[i];
        }
        count += got;
        off += used;
    }
    vg_samples_free (&dec);
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
    *out = all;
    return (int64_t) count;
fail:
    free (all);
    vg_samples_free (&dec);
    return rc;
}

int
vg_sample_merge_value (const uint8_t *value, size_t len, vg_buf_t *out)
{
    s_sample_t *all = NULL;
    int64_t n = s_decode_all (value, len, &all);
    if (n < 0)
        return (int) n;
    if (n == 0) {
        free (all);
        return 0;
    }
    int rc = 0;
    int64_t *ts = malloc ((size_t) n * sizeof *ts);
    double *v = malloc ((size_t) n * sizeof *v);
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
        rc = vg_chunk_encode (ts + off, v + off, (size_t) k, out);
    }
done:
    free (ts);
    free (v);
    free (all);
    return rc < 0 ? rc : (int) n;
}

int
vg_sample_value_scan (const uint8_t *value, size_t len, int64_t from_ms, int64_t to_ms, vg_sample_fn fn, void *ctx)
{
    s_sample_t *all = NULL;
    int64_t n = s_decode_all (value, len, &all);
    if (n < 0)
        return (int) n;
    int rc = 0;
    for (int64_t i = 0; i < n && rc == 0; i++)
        if (all[i].ts >= from_ms && all[i].ts < to_ms)
            rc = fn (ctx, all[i].ts, all[i].v);
    free (all);
    return rc;
}

int64_t
vg_sample_value_count (const uint8_t *value, size_t len)
{
    /* Chunk headers carry counts but not byte lengths, so walking the chunks needs a decode. */
    s_sample_t *all = NULL;
    int64_t n = s_decode_all (value, len, &all);
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

static char *
s_full_merge (void *state, const char *key, size_t key_len, const char *existing, size_t existing_len,
              const char *const *ops, const size_t *ops_len, int nops, unsigned char *success, size_t *new_len)
{
    (void) state;
    (void) key;
    (void) key_len;
    vg_buf_t cat = VG_BUF_INIT, out = VG_BUF_INIT;
    *success = 0;
    if (existing && vg_buf_append (&cat, existing, existing_len) < 0)
        goto fail;
    for (int i = 0; i < nops; i++)
        if (vg_buf_append (&cat, ops[i], ops_len[i]) < 0)
            goto fail;
    if (vg_sample_merge_value (cat.data, cat.len, &out) < 0) {
        /* Corrupt operand: keep the bytes as they are rather than fail the compaction;
         * readers report the damage. */
        vg_buf_free (&out);
        return s_emit (&cat, success, new_len);
    }
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
vg_sample_merge_operator (void)
{
    return rocksdb_mergeoperator_create (NULL, s_destructor, s_full_merge, s_partial_merge, s_delete_value, s_name);
}
