/* chunk.h - compressed sample chunks: the codec for samples on the wire and on disk.
 *
 * A chunk holds the n samples (ts_ms, value) of one series, in the order given.  It is
 * self-describing and self-delimiting:
 *   byte 0      codec: 1 = Gorilla (delta-of-delta ts + XOR doubles),
 *                      2 = decimal, 3 = integer (version 1: read, no longer written),
 *                      4 = decimal, 5 = integer (version 2, see chunk.c),
 *                      6 = decimal, 7 = integer (version 3: written for storage only)
 *   varint      n, the sample count (1..VG_CHUNK_MAX_SAMPLES)
 *   ...         codec-specific: first timestamp, bit stream padded to a whole byte
 * The encoder picks the codec that fits: decimal when every value is finite and exactly
 * v = m / 10^e for one small e (counters, percentages, dBm with a decimal) and that is not
 * larger than Gorilla, which round-trips every bit pattern (NaN payloads, +-Inf, -0.0,
 * subnormals).  Values given as integers (vg_chunk_encode_num with VG_NUM_I64 /
 * VG_NUM_U64) take the integer codec, exact for every int64 and uint64; the chunk records
 * which of the two it holds.  Version 2 chunks cost no timestamp bits at a regular
 * interval and no value bits while a value (or its rate) stays constant; the values in
 * between are Rice-coded deltas or delta-of-deltas, chosen per block of 128.
 * Timestamps may be in any order and any int64 (huge or negative deltas cost more bits
 * but round-trip exactly).  The decoder treats its input as hostile: it never reads past
 * `len`, never writes past `cap`, and rejects counts larger than the input could hold for
 * version 1 codecs; a version 2 chunk of a constant at a regular interval holds any count
 * in a few bytes, so callers bound counts (batch limits) before sizing arrays by them. */
#ifndef VG_CHUNK_H
#define VG_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/num.h"

#define VG_CHUNK_MAX_SAMPLES (1u << 20)

enum {
    VG_CHUNK_GORILLA = 1,
    VG_CHUNK_DECIMAL = 2,  /* version 1: read, no longer written */
    VG_CHUNK_INTEGER = 3,  /* version 1: read, no longer written */
    VG_CHUNK_DECIMAL2 = 4, /* version 2: first delta in the header, regular flag, Rice codes */
    VG_CHUNK_INTEGER2 = 5,
    VG_CHUNK_DECIMAL3 = 6, /* version 3: version 2 with prediction modes and a common factor */
    VG_CHUNK_INTEGER3 = 7,
};

/* Append the encoding of n samples (1 <= n <= VG_CHUNK_MAX_SAMPLES) to out.  The encoder
 * costs every candidate (Gorilla; decimal with deltas or delta-of-deltas) exactly and
 * writes the smallest; it grows out once (up to 8 bytes of slack beyond the chunk) and
 * does not allocate otherwise.  ts and v are read only; no shared state (thread-safe).
 * Returns 0, -VG_EINVAL (n out of range) or -VG_ENOMEM (out is then unchanged). */
int vg_chunk_encode (const int64_t *ts, const double *v, size_t n, vg_buf_t *out);

/* Same for values of one type: VG_NUM_F64 encodes exactly as vg_chunk_encode; VG_NUM_I64
 * and VG_NUM_U64 use the integer codec. */
int vg_chunk_encode_num (const int64_t *ts, const vg_num_t *v, vg_numtype_t type, size_t n, vg_buf_t *out);

/* For storage (the store's merge operator sealing a bucket): as vg_chunk_encode_num, but
 * decimal and integer values take the version 3 codecs (6 and 7): per block also a rate or
 * level prediction mode, and a common factor of the values' steps.  Smaller for noisy
 * series, about twice the encoding cost; decoders before version 3 reject these chunks
 * (-VG_EPROTO), so the wire keeps version 2.  Same returns. */
int vg_chunk_encode_store (const int64_t *ts, const vg_num_t *v, vg_numtype_t type, size_t n, vg_buf_t *out);

/* Read the header of the chunk at p[0..len): codec and sample count.  Returns the number
 * of header bytes, or -VG_ETRUNC / -VG_EPROTO (unknown codec, count 0 or above
 * VG_CHUNK_MAX_SAMPLES, overlong varint).  Use it to size ts[] and v[] before decoding
 * (the count of untrusted input bounded first: see above). */
int vg_chunk_header (const uint8_t *p, size_t len, int *codec, uint32_t *n);

/* Decode the chunk at p[0..len) into ts[] and v[] (room for cap samples).  Sets *n to the
 * sample count and *used to the bytes the chunk occupies (chunks can be concatenated:
 * decode again at p + *used).  Does not allocate.
 * Returns 0, -VG_ETRUNC (input ends early, or the count cannot fit in the bytes left),
 * -VG_EPROTO (corrupt) or -VG_ETOOBIG (count > cap).  On error *n and *used are 0 and
 * ts[0..cap) and v[0..cap) hold unspecified values. */
int vg_chunk_decode (const uint8_t *p, size_t len, int64_t *ts, double *v, size_t cap, size_t *n,
                     size_t *used);
/* Integer chunks decode to the nearest doubles there (exact below 2^53); to keep every bit
 * use vg_chunk_decode_num, which fills v[] as stored and sets *type (VG_NUM_F64 for the
 * Gorilla and decimal codecs).  Same returns. */
int vg_chunk_decode_num (const uint8_t *p, size_t len, int64_t *ts, vg_num_t *v, size_t cap, size_t *n,
                         size_t *used, vg_numtype_t *type);

/* The bits the timestamps after the first (which is in the header) take in a chunk of
 * codec `codec` holding ts[0..n): the timestamp codes, and for version 2 codecs the first
 * delta and the regular flag.  For measurement tools that split a chunk's bytes into
 * header, timestamps and values.  No allocation; thread-safe. */
uint64_t vg_chunk_ts_bits (int codec, const int64_t *ts, size_t n);

#endif
