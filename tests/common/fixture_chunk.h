/* fixture_chunk.h - what the chunk codec suites (check_chunk*.c) share: exact round trips
 * through both decode APIs, for a chunk of doubles and for one of typed values written by
 * either encoder (wire or storage), regular timestamps, and a double from its bits.
 *
 * Test-only: failures are Check assertions. */
#ifndef VG_TEST_FIXTURE_CHUNK_H
#define VG_TEST_FIXTURE_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/chunk.h"

#define FX_T0_MS INT64_C (1764367381000) /* the first timestamp of most test series */

/* An encoder of typed values: vg_chunk_encode_num (wire) or vg_chunk_encode_store. */
typedef int (*fx_chunk_encoder_t) (const int64_t *ts, const vg_num_t *v, vg_numtype_t type, size_t n,
                                   vg_buf_t *out);

/* The double whose IEEE 754 bits are u. */
double fx_bits_to_double (uint64_t u);

/* ts[i] = FX_T0_MS + i * step_ms for i in [0, n). */
void fx_regular (int64_t *ts, size_t n, int64_t step_ms);

/* Encode ts[0..n), v[0..n) with vg_chunk_encode, check the header (count n, Gorilla or
 * decimal), decode and compare bit for bit.  Returns the chunk size; the codec chosen in
 * *codec_out unless it is NULL. */
size_t fx_chunk_rt (const int64_t *ts, const double *v, size_t n, int *codec_out);

/* fx_chunk_rt, asserting the codec the encoder chose. */
size_t fx_chunk_rt_as (const int64_t *ts, const double *v, size_t n, int want_codec);

/* Encode ts[0..n), v[0..n) of type with enc, check the header (count n; codec want_codec
 * unless it is 0), decode through vg_chunk_decode_num (the same values and type, bit for
 * bit) and vg_chunk_decode (each value's nearest double, bit for bit).  Returns the chunk
 * size. */
size_t fx_chunk_rt_num (fx_chunk_encoder_t enc, const int64_t *ts, const vg_num_t *v, vg_numtype_t type, size_t n,
                        int want_codec);

/* Decode a private copy of p[0..len) (so ASan sees a read past its end) through both APIs
 * with room for cap samples: each either succeeds within bounds (1..cap samples, 1..len
 * bytes used) or fails cleanly (-VG_ETRUNC, -VG_EPROTO or -VG_ETOOBIG; *n and *used 0). */
void fx_chunk_bounded (const uint8_t *p, size_t len, size_t cap);

/* Every strict prefix of the valid chunk p[0..len) fails cleanly through both APIs
 * (-VG_ETRUNC or -VG_EPROTO; *n and *used 0), with room for cap samples. */
void fx_chunk_prefixes_fail (const uint8_t *p, size_t len, size_t cap);

#endif
