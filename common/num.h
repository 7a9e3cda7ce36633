/* num.h - sample values that are either doubles or exact 64-bit integers, and their text.
 *
 * A value travels as a vg_num_t (8 bytes: the double, or the integer's two's complement
 * bits) plus a vg_numtype_t that says which, kept once per series or chunk, never per
 * sample on the wire.  Counters above 2^53 stay exact this way from the decoder to the
 * chunk codec, the store and every printer.  vg_num_join_* finds the one type a run of
 * mixed values can share without loss (integers when every value is an integer that fits,
 * else doubles), and vg_num_format prints integers as integers and doubles in the
 * shortest form that reads back as the same bits.  No state, no allocation. */
#ifndef VG_NUM_H
#define VG_NUM_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    VG_NUM_F64 = 0, /* IEEE double (the default: zero-initialised points are doubles) */
    VG_NUM_I64 = 1, /* signed 64-bit integer */
    VG_NUM_U64 = 2  /* unsigned 64-bit integer */
} vg_numtype_t;

typedef union {
    double f;
    int64_t i;
    uint64_t u;
} vg_num_t;

static inline vg_num_t
vg_num_f64 (double f)
{
    vg_num_t n;
    n.f = f;
    return n;
}

static inline vg_num_t
vg_num_i64 (int64_t i)
{
    vg_num_t n;
    n.i = i;
    return n;
}

static inline vg_num_t
vg_num_u64 (uint64_t u)
{
    vg_num_t n;
    n.u = u;
    return n;
}

/* The nearest double of v read as type t (exact below 2^53). */
static inline double
vg_num_to_double (vg_num_t v, vg_numtype_t t)
{
    return t == VG_NUM_I64 ? (double) v.i : t == VG_NUM_U64 ? (double) v.u : v.f;
}

/* Join state: what a run of values needs.  Start from VG_NUM_JOIN_INIT, add each value,
 * then ask for the type. */
typedef struct {
    unsigned flags;
} vg_num_join_t;

#define VG_NUM_JOIN_INIT { 0 }

/* Account for value v of type t. */
void vg_num_join_add (vg_num_join_t *j, vg_num_t v, vg_numtype_t t);
/* The type every value added so far converts to without loss: F64 when no value was an
 * integer type (doubles stay doubles, as before integers existed), or when some double is
 * not an integer (fraction, NaN, Inf, -0.0, out of 64-bit range), or when both a negative
 * value and one above INT64_MAX were seen; else I64 if some value is negative, else U64. */
vg_numtype_t vg_num_join_type (const vg_num_join_t *j);

/* v (of type from) as type to.  Exact whenever vg_num_join_type chose `to` for a run that
 * includes v; otherwise the nearest double (to == F64) or a saturated integer. */
vg_num_t vg_num_convert (vg_num_t v, vg_numtype_t from, vg_numtype_t to);

/* Longest text vg_num_format writes, terminator included. */
#define VG_NUM_TEXT_MAX 32

/* Write v as text into buf[VG_NUM_TEXT_MAX]: integers in decimal; doubles that are whole
 * numbers below 2^53 in magnitude as integers ("42", "-0"); other finite doubles in the
 * shortest %.15g/%.16g/%.17g form that strtod reads back as the same bits; "NaN", "Inf",
 * "-Inf" for the rest.  Returns the length. */
size_t vg_num_format (char *buf, vg_num_t v, vg_numtype_t t);

/* Write v in decimal into buf (room for 21 bytes), NUL-terminated, as "%lld" would;
 * returns the length. */
size_t vg_num_i64_text (char *buf, int64_t v);

/* True unless v is a NaN or an infinity (integers are always finite). */
static inline int
vg_num_finite (vg_num_t v, vg_numtype_t t)
{
    return t != VG_NUM_F64 || v.f - v.f == 0;
}

/* Parse a whole decimal integer s[0..len) ("-12", "18446744073709551615"; optional '+',
 * no spaces) into *v and *t (U64 when non-negative, I64 when negative).  Returns 1, or 0
 * when s is not an integer or does not fit (callers fall back to strtod). */
int vg_num_parse_int (const char *s, size_t len, vg_num_t *v, vg_numtype_t *t);

#endif
