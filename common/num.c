/* num.c - joining, converting, printing and parsing doubles and exact 64-bit integers. */
#include "common/num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    S_INT = 1,  /* some value had an integer type */
    S_NEG = 2,  /* some value is negative */
    S_BIG = 4,  /* some value is above INT64_MAX */
    S_FRAC = 8  /* some double is not a whole number that an int64 or uint64 holds */
};

#define S_TWO63 9223372036854775808.0 /* 2^63 */

/* True when f is a whole number some int64 or uint64 holds exactly (not -0.0, NaN, Inf). */
static int
s_whole (double f)
{
    if (!(f >= -S_TWO63 && f < 2 * S_TWO63))
        return 0;
    if (f == 0)
        return !signbit (f);
    /* Every double at or above 2^63 is whole (its unit in the last place is 2^11). */
    return f >= S_TWO63 || f == (double) (int64_t) f;
}

void
vg_num_join_add (vg_num_join_t *j, vg_num_t v, vg_numtype_t t)
{
    switch (t) {
    case VG_NUM_I64:
        j->flags |= S_INT | (v.i < 0 ? S_NEG : 0);
        break;
    case VG_NUM_U64:
        j->flags |= S_INT | (v.u > (uint64_t) INT64_MAX ? S_BIG : 0);
        break;
    default: {
        double f = v.f;
        if (!s_whole (f))
            j->flags |= S_FRAC;
        else if (f < 0)
            j->flags |= S_NEG;
        else if (f >= S_TWO63)
            j->flags |= S_BIG;
        break;
    }
    }
}

vg_numtype_t
vg_num_join_type (const vg_num_join_t *j)
{
    unsigned f = j->flags;
    if (!(f & S_INT) || (f & S_FRAC) || ((f & S_NEG) && (f & S_BIG)))
        return VG_NUM_F64;
    return (f & S_NEG) ? VG_NUM_I64 : VG_NUM_U64;
}

vg_num_t
vg_num_convert (vg_num_t v, vg_numtype_t from, vg_numtype_t to)
{
    if (from == to)
        return v;
    if (to == VG_NUM_F64)
        return vg_num_f64 (vg_num_to_double (v, from));
    if (to == VG_NUM_I64) {
        if (from == VG_NUM_U64)
            return vg_num_i64 (v.u > (uint64_t) INT64_MAX ? INT64_MAX : (int64_t) v.u);
        double f = v.f;
        return vg_num_i64 (!(f == f) ? 0 : f >= S_TWO63 ? INT64_MAX : f < -S_TWO63 ? INT64_MIN : (int64_t) f);
    }
    if (from == VG_NUM_I64)
        return vg_num_u64 (v.i < 0 ? 0 : (uint64_t) v.i);
    double f = v.f;
    return vg_num_u64 (!(f > 0) ? 0 : f >= 2 * S_TWO63 ? UINT64_MAX : (uint64_t) f);
}

/* The decimal digits of u into buf, NUL-terminated; returns their count (1..20).  What
 * "%llu" prints, without printf's format parsing (export prints millions of these). */
static size_t
s_u64_text (char *buf, uint64_t u)
{
    char rev[20];
    size_t n = 0;
    do {
        rev[n++] = (char) ('0' + u % 10);
        u /= 10;
    } while (u);
    for (size_t i = 0; i < n; i++)
        buf[i] = rev[n - 1 - i];
    buf[n] = '\0';
    return n;
}

size_t
vg_num_i64_text (char *buf, int64_t v)
{
    if (v >= 0)
        return s_u64_text (buf, (uint64_t) v);
    buf[0] = '-';
    return 1 + s_u64_text (buf + 1, 0 - (uint64_t) v);
}

size_t
vg_num_format (char *buf, vg_num_t v, vg_numtype_t t)
{
    int n;
    if (t == VG_NUM_I64)
        return vg_num_i64_text (buf, v.i);
    if (t == VG_NUM_U64)
        return s_u64_text (buf, v.u);
    if (v.f != v.f)
        n = snprintf (buf, VG_NUM_TEXT_MAX, "NaN");
    else if (v.f - v.f != 0)
        n = snprintf (buf, VG_NUM_TEXT_MAX, v.f < 0 ? "-Inf" : "Inf");
    else if (v.f > -9007199254740992.0 && v.f < 9007199254740992.0 && v.f == (double) (int64_t) v.f)
        /* whole: what "%.0f" prints, "-0" for negative zero included */
        return v.f == 0 && signbit (v.f) ? (size_t) snprintf (buf, VG_NUM_TEXT_MAX, "-0")
                                         : vg_num_i64_text (buf, (int64_t) v.f);
    else {
        for (int prec = 15;; prec++) {
            n = snprintf (buf, VG_NUM_TEXT_MAX, "%.*g", prec, v.f);
            double back = strtod (buf, NULL);
            if (prec == 17 || memcmp (&back, &v.f, sizeof back) == 0)
                break;
        }
    }
    return n > 0 ? (size_t) n : 0;
}

int
vg_num_parse_int (const char *s, size_t len, vg_num_t *v, vg_numtype_t *t)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == len)
        return 0;
    uint64_t u = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned) (unsigned char) s[i] - '0';
        if (d > 9 || u > (UINT64_MAX - d) / 10)
            return 0;
        u = u * 10 + d;
    }
    if (!neg) {
        v->u = u;
        *t = VG_NUM_U64;
        return 1;
    }
    if (u > (uint64_t) INT64_MAX + 1)
        return 0;
    v->i = u ? -(int64_t) (u - 1) - 1 : 0; /* no overflow at INT64_MIN; "-0" is 0 */
    *t = u ? VG_NUM_I64 : VG_NUM_U64;
    return 1;
}
