/* fuzz_chunk.c - libFuzzer target for the chunk decoder.
 *
 * Decodes arbitrary bytes as a sequence of concatenated chunks.  Every successful decode
 * must stay within cap and len; its samples are re-encoded and decoded again, and must
 * come back bit for bit (the encoder need not reproduce the input bytes: a hostile chunk
 * may be non-canonical).  The typed reader (vg_chunk_decode_num) must agree on count and
 * length, and its values re-encoded with their type must come back bit for bit too, by the
 * wire encoder and by the storage one (version 3). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/chunk.h"
#include "common/err.h"
#include "tests/fuzz/fuzz_seed.h"

enum { S_CAP = 4096 };

static int64_t s_ts[S_CAP], s_ts2[S_CAP];
static double s_v[S_CAP], s_v2[S_CAP];
static vg_num_t s_n[S_CAP], s_n2[S_CAP];

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Seeds: a capacity byte, then a noisy counter as a version 2 (wire) and a version 3
 * (storage) chunk, doubles in steps of 4096 (the common factor) as version 3, and a
 * counter of rare steps (sparse blocks) as version 3. */
static void
vg_fuzz_seeds (const char *dir)
{
    enum { N = 300 };
    vg_buf_t b = VG_BUF_INIT;
    uint64_t c = UINT64_MAX - 20000, x = 7;
    for (size_t i = 0; i < N; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        s_ts[i] = 1764367381000 + (int64_t) i * 60000 + (i == 100 ? 17 : 0);
        c += 1000 + (x >> 54);
        s_n[i].u = c;
        s_n2[i].f = 4096.0 * (double) (250000 + (x >> 58));
    }
    uint8_t capb = 0xff;
    if (vg_buf_append (&b, &capb, 1) < 0 || vg_chunk_encode_num (s_ts, s_n, VG_NUM_U64, N, &b) < 0
        || vg_chunk_encode_store (s_ts, s_n, VG_NUM_U64, N, &b) < 0)
        exit (2);
    vg_fuzz_seed_write (dir, "counter_v2_v3", b.data, b.len);
    b.len = 1;
    if (vg_chunk_encode_store (s_ts, s_n2, VG_NUM_F64, N, &b) < 0)
        exit (2);
    vg_fuzz_seed_write (dir, "pages_v3", b.data, b.len);
    for (size_t i = 0; i < N; i++) /* an error counter: sparse blocks */
        s_n[i].u = i / 37 + (i > 200);
    b.len = 1;
    if (vg_chunk_encode_store (s_ts, s_n, VG_NUM_U64, N, &b) < 0)
        exit (2);
    vg_fuzz_seed_write (dir, "sparse_v3", b.data, b.len);
    vg_buf_free (&b);
}

static void
vg_fuzz_setup (void)
{
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    /* The first byte picks the capacity so that -VG_ETOOBIG paths are reached too. */
    size_t cap = size ? 1 + (size_t) data[0] * 16 : S_CAP;
    if (cap > S_CAP)
        cap = S_CAP;
    size_t pos = size ? 1 : 0;
    vg_buf_t b = VG_BUF_INIT;
    while (pos < size) {
        size_t n = 0, used = 0;
        int rc = vg_chunk_decode (data + pos, size - pos, s_ts, s_v, cap, &n, &used);
        if (rc < 0) {
            if (rc != -VG_ETRUNC && rc != -VG_EPROTO && rc != -VG_ETOOBIG)
                abort ();
            if (n != 0 || used != 0)
                abort ();
            break;
        }
        if (n == 0 || n > cap || used == 0 || used > size - pos)
            abort ();
        int codec;
        uint32_t hn;
        if (vg_chunk_header (data + pos, size - pos, &codec, &hn) <= 0 || hn != n)
            abort ();

        vg_numtype_t t, t2;
        size_t nn = 0, nused = 0;
        if (vg_chunk_decode_num (data + pos, size - pos, s_ts, s_n, cap, &nn, &nused, &t) != 0 || nn != n
            || nused != used)
            abort ();
        vg_buf_reset (&b);
        if (vg_chunk_encode_num (s_ts, s_n, t, n, &b) != 0)
            abort ();
        if (vg_chunk_decode_num (b.data, b.len, s_ts2, s_n2, n, &nn, &nused, &t2) != 0 || nn != n || t2 != t
            || memcmp (s_n, s_n2, n * sizeof s_n[0]) != 0)
            abort ();

        /* the storage encoder (version 3) too */
        vg_buf_reset (&b);
        if (vg_chunk_encode_store (s_ts, s_n, t, n, &b) != 0)
            abort ();
        if (vg_chunk_decode_num (b.data, b.len, s_ts2, s_n2, n, &nn, &nused, &t2) != 0 || nn != n || t2 != t
            || nused != b.len || memcmp (s_ts, s_ts2, n * sizeof s_ts[0]) != 0
            || memcmp (s_n, s_n2, n * sizeof s_n[0]) != 0)
            abort ();

        vg_buf_reset (&b);
        if (vg_chunk_encode (s_ts, s_v, n, &b) != 0)
            abort ();
        size_t n2 = 0, used2 = 0;
        if (vg_chunk_decode (b.data, b.len, s_ts2, s_v2, n, &n2, &used2) != 0)
            abort ();
        if (n2 != n || used2 != b.len)
            abort ();
        if (memcmp (s_ts, s_ts2, n * sizeof s_ts[0]) != 0 || memcmp (s_v, s_v2, n * sizeof s_v[0]) != 0)
            abort ();
        pos += used;
    }
    vg_buf_free (&b);
    return 0;
}
