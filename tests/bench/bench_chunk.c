/* bench_chunk.c - encode/decode speed and size of the sample chunk codec.
 *
 * Usage: bench_chunk [--store] [samples_per_chunk [samples_per_run]]   (defaults 1000 and 2,000,000)
 * Prints one JSON object: per synthetic series shape, bytes/sample and the best of 15 runs
 * of encode and decode ns/sample; "mixed" is the four double shapes taken together.  The
 * fifth shape, a uint64 octet counter above 2^60, goes through the integer codec
 * (vg_chunk_encode_num / vg_chunk_decode_num) and is not part of "mixed".  --store encodes
 * every shape with the storage encoder (vg_chunk_encode_store: version 3 chunks, what the
 * store's merge operator writes) instead of the wire's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/chunk.h"
#include "common/clock.h"
#include "tests/support/rng.h"

enum { SHAPES = 5, DOUBLE_SHAPES = 4, RUNS = 15 };
static const char *const s_shape_name[SHAPES] = { "regular_counter", "gauge_2dec", "random_doubles",
                                                  "constant", "u64_counter" };

/* Values are 8-byte cells: doubles for shapes 0-3, uint64 for shape 4. */
static void
s_fill (int shape, int64_t *ts, vg_num_t *v, size_t n, uint64_t *rs)
{
    int64_t t = INT64_C (1764367381000);
    double c = 9876543210.0;
    uint64_t u = (UINT64_C (1) << 60) + 1;
    long g = 4537; /* 45.37 */
    for (size_t i = 0; i < n; i++) {
        switch (shape) {
        case 0: /* interface octet counter, 10 s polling, rate ~2500/s +- noise */
            ts[i] = t + (int64_t) i * 10000;
            for (int k = 0; k < 4; k++)
                c += 625 + (double) (rng_splitmix (rs) % 174) - 86;
            v[i].f = c;
            break;
        case 1: /* temperature-like gauge, 2 decimals, random walk; ts jitter 0..20 ms */
            ts[i] = t + (int64_t) i * 10000 + (int64_t) (rng_splitmix (rs) % 21);
            g += (long) (rng_splitmix (rs) % 41) - 20;
            v[i].f = (double) g / 100.0;
            break;
        case 2: /* full-precision doubles */
            ts[i] = t + (int64_t) i * 1000;
            v[i].f = (double) (rng_splitmix (rs) >> 11) / 9007199254740992.0 * 1000.0;
            break;
        case 4: /* 64-bit octet counter past 2^60, 10 s polling, ~1 Gb/s +- noise */
            ts[i] = t + (int64_t) i * 10000;
            u += 1250000000 + rng_splitmix (rs) % 100000;
            v[i].u = u;
            break;
        default: /* constant */
            ts[i] = t + (int64_t) i * 10000;
            v[i].f = 1.0;
            break;
        }
    }
}

static const char *
s_codec_name (int codec)
{
    static const char *const names[] = { "?", "gorilla", "decimal", "integer", "decimal2", "integer2", "decimal3", "integer3" };
    return codec >= 0 && codec < (int) (sizeof names / sizeof names[0]) ? names[codec] : "?";
}

/* Shapes 0-3 through the double API (what every version of the codec measured), shape 4
 * through the typed API as uint64. */
static int
s_encode (int shape, int store, const int64_t *ts, const vg_num_t *v, size_t n, vg_buf_t *out)
{
    if (store)
        return vg_chunk_encode_store (ts, v, shape == DOUBLE_SHAPES ? VG_NUM_U64 : VG_NUM_F64, n, out);
    if (shape == DOUBLE_SHAPES)
        return vg_chunk_encode_num (ts, v, VG_NUM_U64, n, out);
    return vg_chunk_encode (ts, &v[0].f, n, out);
}

static int
s_decode (int shape, const vg_buf_t *in, int64_t *ts, vg_num_t *v, size_t cap, size_t *n, size_t *used)
{
    vg_numtype_t t;
    if (shape == DOUBLE_SHAPES)
        return vg_chunk_decode_num (in->data, in->len, ts, v, cap, n, used, &t);
    return vg_chunk_decode (in->data, in->len, ts, &v[0].f, cap, n, used);
}

int
main (int argc, char **argv)
{
    int store = argc > 1 && strcmp (argv[1], "--store") == 0;
    argc -= store;
    argv += store;
    size_t per = argc > 1 ? (size_t) strtoul (argv[1], NULL, 10) : 1000;
    size_t total = argc > 2 ? (size_t) strtoul (argv[2], NULL, 10) : 2000000;
    if (per < 1 || per > VG_CHUNK_MAX_SAMPLES || total < per) {
        fprintf (stderr, "usage: bench_chunk [--store] [samples_per_chunk [samples_per_run]]\n");
        return 2;
    }
    /* 16 distinct chunks per shape, cycled, so the branch predictor cannot learn one. */
    enum { DISTINCT = 16 };
    size_t reps = total / per;
    int64_t *ts = malloc (DISTINCT * per * sizeof *ts), *ts2 = malloc (per * sizeof *ts2);
    vg_num_t *v = malloc (DISTINCT * per * sizeof *v), *v2 = malloc (per * sizeof *v2);
    vg_buf_t enc[DISTINCT];
    if (!ts || !ts2 || !v || !v2)
        return 1;
    for (int d = 0; d < DISTINCT; d++)
        enc[d] = (vg_buf_t) VG_BUF_INIT;

    double sum_enc = 0, sum_dec = 0, sum_bytes = 0;
    printf ("{\"bench\":\"chunk\",\"samples_per_chunk\":%zu,\"samples_per_run\":%zu,\"series\":[",
            per, reps * per);
    for (int s = 0; s < SHAPES; s++) {
        uint64_t rs = 42 + (uint64_t) s;
        size_t bytes = 0;
        int codec = 0;
        for (int d = 0; d < DISTINCT; d++) {
            s_fill (s, ts + d * per, v + d * per, per, &rs);
            if (s_encode (s, store, ts + d * per, v + d * per, per, &enc[d]) < 0)
                return 1;
            bytes += enc[d].len;
            codec = enc[d].data[0];
        }

        vg_buf_t b = VG_BUF_INIT;
        double best_enc = 1e30, best_dec = 1e30;
        for (int run = 0; run < RUNS; run++) {
            int64_t t0 = vg_clock_mono_ns ();
            for (size_t r = 0; r < reps; r++) {
                size_t d = r % DISTINCT;
                vg_buf_reset (&b);
                if (s_encode (s, store, ts + d * per, v + d * per, per, &b) < 0)
                    return 1;
            }
            int64_t t1 = vg_clock_mono_ns ();
            volatile double sink = 0;
            for (size_t r = 0; r < reps; r++) {
                size_t d = r % DISTINCT, n, used;
                if (s_decode (s, &enc[d], ts2, v2, per, &n, &used) < 0)
                    return 1;
                sink += v2[n - 1].f;
            }
            int64_t t2 = vg_clock_mono_ns ();
            (void) sink;
            double e = (double) (t1 - t0) / (double) (reps * per);
            double dd = (double) (t2 - t1) / (double) (reps * per);
            best_enc = e < best_enc ? e : best_enc;
            best_dec = dd < best_dec ? dd : best_dec;
        }
        vg_buf_free (&b);
        /* correctness guard: the last chunk decodes to its input */
        size_t n, used;
        if (s_decode (s, &enc[DISTINCT - 1], ts2, v2, per, &n, &used) < 0
            || memcmp (v2, v + (DISTINCT - 1) * per, per * sizeof *v2) != 0
            || memcmp (ts2, ts + (DISTINCT - 1) * per, per * sizeof *ts2) != 0) {
            fprintf (stderr, "round trip failed for %s\n", s_shape_name[s]);
            return 1;
        }
        double bps = (double) bytes / (double) (DISTINCT * per);
        printf ("%s{\"shape\":\"%s\",\"codec\":\"%s\",\"bytes_per_sample\":%.3f,"
                "\"encode_ns_per_sample\":%.2f,\"decode_ns_per_sample\":%.2f}",
                s ? "," : "", s_shape_name[s],
                s_codec_name (codec),
                bps, best_enc, best_dec);
        if (s < DOUBLE_SHAPES) {
            sum_enc += best_enc;
            sum_dec += best_dec;
            sum_bytes += bps;
        }
        for (int d = 0; d < DISTINCT; d++)
            vg_buf_free (&enc[d]);
    }
    printf ("],\"mixed\":{\"bytes_per_sample\":%.3f,\"encode_ns_per_sample\":%.2f,"
            "\"decode_ns_per_sample\":%.2f}}\n",
            sum_bytes / DOUBLE_SHAPES, sum_enc / DOUBLE_SHAPES, sum_dec / DOUBLE_SHAPES);
    free (ts);
    free (ts2);
    free (v);
    free (v2);
    return 0;
}
