/* det_exhaustion.c - exhaustion (A05): level threshold + Theil-Sen trend -> time to
 * exhaustion, and a leak test on the trend's growth (with `past_range`, only while the
 * value is past what the series reached before the trend window: a leak makes new highs, a
 * slow cycle comes back to levels it had).
 * Invariant: bounded (EX_RING trend points, fitted in place without allocation); the
 * state is one plain struct `st` (the generic save/load).  The pairwise slopes are kept
 * sorted beside the state (`c`, a cache rebuilt whenever it does not describe the ring):
 * a new trend point replaces the oldest point's slopes by its own in one merge pass, so a
 * refit costs O(EX_RING^2) moves instead of a selection over every pair, with the same
 * median bit for bit.  Only this file's store and a load (which drops the cache) change
 * the ring, so c.ok alone says whether the cache describes it; with it the cache also
 * holds the ring's oldest and newest times, which a sample would otherwise scan for. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"

#define EX_RING 32
#define EX_PAIRS (EX_RING * (EX_RING - 1) / 2)
#define EX_BUCKETS 24 /* past_range in this many buckets (24 h: hourly extremes) */
enum { EX_LEVEL, EX_DIR, EX_LIMIT, EX_HORIZON, EX_MINSPAN, EX_STRIDE, EX_EVERY, EX_GROWTH, EX_HYST, EX_PAST };
static const vg_param_def_t s_ex_params[] = {
    { .name = "level", .type = VG_PARAM_NUM, .def = 90, .min = -1e18, .max = 1e18,
      .help = "fire while the value is beyond this level (CPU 90 %, free memory 10 %)" },
    { .name = "direction", .type = VG_PARAM_ENUM, .choices = "rising|falling",
      .help = "rising: utilisation; falling: free resource" },
    { .name = "limit", .type = VG_PARAM_NUM, .def = 100, .min = -1e18, .max = 1e18,
      .help = "value at which the resource is exhausted (100 % used / 0 free)" },
    { .name = "horizon", .type = VG_PARAM_DUR, .def = 86400000, .min = 60000, .max = 366.0 * 86400000,
      .help = "fire when the trend reaches the limit within this time" },
    { .name = "min_span", .type = VG_PARAM_DUR, .def = 3600000, .min = 0, .max = 366.0 * 86400000,
      .help = "trend needs samples spanning at least this long" },
    { .name = "stride", .type = VG_PARAM_NUM, .def = 1, .min = 1, .max = 1000,
      .help = "recompute the Theil-Sen slope every stride stored points" },
    { .name = "every", .type = VG_PARAM_DUR, .def = 300000, .min = 0, .max = 86400000.0,
      .help = "store at most one trend point per this interval (32 points kept)" },
    { .name = "max_growth", .type = VG_PARAM_NUM, .min = 0, .max = 100,
      .help = "fire when the trend grows (rising) or shrinks (falling) by more than this fraction of the current value per hour (0 = off; leak test for absolute series such as bytes used)" },
    { .name = "hysteresis", .type = VG_PARAM_NUM, .def = 0.1, .min = 0, .max = 1,
      .help = "a breached level holds until the value is back by this fraction of the level (CPU 90 %: below 81 %), so noise around the level does not restart the rule's hold" },
    { .name = "past_range", .type = VG_PARAM_DUR, .def = 0, .min = 0, .max = 30 * 86400000.0,
      .help = "max_growth fires only while the value is beyond the highest (rising) or lowest (falling) value of this much history before the trend window (0 = off): a slow cycle's rise is back within the range it had, a leak leaves it" },
};

typedef struct {
    vg_detector_t base;
    struct {
        int64_t ts[EX_RING];
        float v[EX_RING];
        uint32_t pos, n, since;
        double slope, icpt; /* value = icpt + slope * (t - ts_ref) in ms */
        int64_t ts_ref;
        int32_t in_level;   /* the level is breached (held with hysteresis) */
        /* past_range: per bucket of past_range / EX_BUCKETS, the bucket's index (time /
         * width + 1; 0 = empty) and its extreme in the rule's direction (rising: max of v,
         * falling: max of -v) */
        int64_t pb[EX_BUCKETS];
        float px[EX_BUCKETS];
    } st;
    struct {                     /* not saved: derived from st (s_ex_cache_ok) */
        int64_t ts[EX_RING];     /* the ring the slopes describe */
        float v[EX_RING];
        uint32_t pos, n, ns, ok;
        int64_t oldest, newest;  /* of the ring's times */
        double srt[EX_PAIRS];    /* the ring's pairwise slopes, ascending */
    } c;
} s_ex_t;

/* k-th smallest of a[0..n) (0-based) by quickselect with a middle pivot; reorders a so
 * that a[0..k) <= a[k] <= a[k+1..n).  Linear on average, deterministic. */
static double
s_select (double *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double piv = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < piv)
                i++;
            while (a[j] > piv)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return a[k];
    }
    return a[k];
}

static double
s_median (double *a, size_t n)
{
    double hi = s_select (a, n, n / 2);
    if (n % 2)
        return hi;
    double lo = a[0]; /* a[0..n/2) <= hi: the lower middle is their maximum */
    for (size_t i = 1; i < n / 2; i++)
        lo = a[i] > lo ? a[i] : lo;
    return 0.5 * (lo + hi);
}


/* Slope between ring slots i and j, computed in slot order (as the full fit does) so that
 * a pair gives the same bits when it enters and when it leaves. */
static inline double
s_pair (const s_ex_t *d, uint32_t i, uint32_t j)
{
    uint32_t a = i < j ? i : j, b = i < j ? j : i;
    return ((double) d->st.v[b] - d->st.v[a]) / (double) (d->st.ts[b] - d->st.ts[a]);
}

static void
s_sort_small (double *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        double x = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > x; j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
}

static int
s_cmp_double (const void *x, const void *y)
{
    double a = *(const double *) x, b = *(const double *) y;
    return (a > b) - (a < b);
}

/* Does the cache describe the ring as it is now?  The ring changes only in s_ex_sample
 * (which keeps the cache or drops it) and in a load (s_ex_load drops it). */
static int
s_ex_cache_ok (const s_ex_t *d)
{
    return d->c.ok;
}

/* The ring's oldest and newest times, as a sample needs them. */
static void
s_ex_span (const s_ex_t *d, int64_t *oldest, int64_t *newest)
{
    *oldest = INT64_MAX;
    *newest = INT64_MIN;
    for (uint32_t i = 0; i < d->st.n; i++) {
        if (d->st.ts[i] < *oldest)
            *oldest = d->st.ts[i];
        if (d->st.ts[i] > *newest)
            *newest = d->st.ts[i];
    }
}

/* The cache now describes the ring: its copy of the ring (all of it, or only slot p when
 * p < EX_RING) and the ring's span. */
static void
s_ex_cache_take (s_ex_t *d, uint32_t p)
{
    if (p < EX_RING) {
        d->c.ts[p] = d->st.ts[p];
        d->c.v[p] = d->st.v[p];
    } else {
        memcpy (d->c.ts, d->st.ts, sizeof d->c.ts);
        memcpy (d->c.v, d->st.v, sizeof d->c.v);
    }
    d->c.pos = d->st.pos;
    d->c.n = d->st.n;
    s_ex_span (d, &d->c.oldest, &d->c.newest);
}

/* Rebuild the sorted slopes from the ring (after a load, or a non-finite slope). */
static void
s_ex_cache_build (s_ex_t *d)
{
    size_t ns = 0;
    d->c.ok = 0;
    for (uint32_t i = 0; i < d->st.n; i++)
        for (uint32_t j = i + 1; j < d->st.n; j++)
            if (d->st.ts[j] != d->st.ts[i]) {
                double sl = s_pair (d, i, j);
                if (!isfinite (sl))
                    return;
                d->c.srt[ns++] = sl;
            }
    qsort (d->c.srt, ns, sizeof *d->c.srt, s_cmp_double);
    d->c.ns = (uint32_t) ns;
    d->c.ok = 1;
    s_ex_cache_take (d, EX_RING);
}

/* The point at slot p was just stored (over the one the cache holds there, if the ring
 * was full): swap that slot's slopes in the sorted array.  Falls back to a rebuild when
 * the cache did not describe the ring before the store or a slope is not finite. */
static void
s_ex_cache_store (s_ex_t *d, uint32_t p, int was_ok)
{
    if (!was_ok) {
        s_ex_cache_build (d);
        return;
    }
    double out[EX_RING], in[EX_RING], merged[EX_PAIRS];
    size_t nout = 0, nin = 0;
    int full = d->c.n == EX_RING; /* slot p held the evicted point */
    for (uint32_t q = 0; q < d->st.n; q++) {
        if (q == p)
            continue;
        if (full && d->c.ts[p] != d->c.ts[q]) {
            uint32_t a = p < q ? p : q, b = p < q ? q : p;
            out[nout++] = ((double) d->c.v[b] - d->c.v[a]) / (double) (d->c.ts[b] - d->c.ts[a]);
        }
        if (d->st.ts[p] != d->st.ts[q]) {
            double sl = s_pair (d, p, q);
            if (!isfinite (sl)) {
                d->c.ok = 0;
                return;
            }
            in[nin++] = sl;
        }
    }
    s_sort_small (out, nout);
    s_sort_small (in, nin);
    size_t i = 0, k = 0, a = 0, m = 0;
    while (i < d->c.ns || a < nin) {
        if (i < d->c.ns && k < nout && d->c.srt[i] == out[k]) {
            i++, k++; /* a pair of the evicted point */
            continue;
        }
        if (a < nin && (i == d->c.ns || in[a] < d->c.srt[i]))
            merged[m++] = in[a++];
        else
            merged[m++] = d->c.srt[i++];
    }
    if (k != nout) { /* some evicted slope was not found: cannot happen, but rebuild */
        s_ex_cache_build (d);
        return;
    }
    memcpy (d->c.srt, merged, m * sizeof *merged);
    d->c.ns = (uint32_t) m;
    s_ex_cache_take (d, p);
}

static void
s_ex_fit (s_ex_t *d)
{
    double sl[EX_PAIRS], res[EX_RING];
    size_t ns = 0, n = d->st.n;
    if (s_ex_cache_ok (d)) {
        ns = d->c.ns;
        if (!ns)
            return;
        d->st.slope = ns % 2 ? d->c.srt[ns / 2] : 0.5 * (d->c.srt[ns / 2 - 1] + d->c.srt[ns / 2]);
    } else {
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                int64_t dt = d->st.ts[j] - d->st.ts[i];
                if (dt != 0)
                    sl[ns++] = ((double) d->st.v[j] - d->st.v[i]) / (double) dt;
            }
        if (!ns)
            return;
        d->st.slope = s_median (sl, ns);
    }
    d->st.ts_ref = d->st.ts[(d->st.pos + EX_RING - 1) % EX_RING];
    for (size_t i = 0; i < n; i++)
        res[i] = d->st.v[i] - d->st.slope * (double) (d->st.ts[i] - d->st.ts_ref);
    d->st.icpt = s_median (res, n);
}

static int
s_ex_sample (vg_detector_t *self, int64_t ts, double v, vg_verdict_t *out)
{
    s_ex_t *d = (s_ex_t *) self;
    const vg_rule_t *r = self->rule;
    if (!isfinite (v))
        return 0;
    int64_t lastp = d->st.n ? d->st.ts[(d->st.pos + EX_RING - 1) % EX_RING] : INT64_MIN;
    if (d->st.n == 0 || ts - lastp >= (int64_t) vg_param (r, EX_EVERY)) {
        uint32_t p = d->st.pos;
        int was_ok = s_ex_cache_ok (d);
        d->st.ts[p] = ts;
        d->st.v[p] = (float) v;
        d->st.pos = (p + 1) % EX_RING;
        if (d->st.n < EX_RING)
            d->st.n++;
        s_ex_cache_store (d, p, was_ok);
        if (++d->st.since >= (uint32_t) vg_param (r, EX_STRIDE)) {
            d->st.since = 0;
            s_ex_fit (d);
        }
    }
    int rising = vg_param (r, EX_DIR) == 0;
    double lv = vg_param (r, EX_LEVEL), back = vg_param (r, EX_HYST) * fabs (lv);
    int level = rising ? v >= lv || (d->st.in_level && v >= lv - back) : v <= lv || (d->st.in_level && v <= lv + back);
    d->st.in_level = level;
    int64_t oldest, newest;
    if (s_ex_cache_ok (d)) {
        oldest = d->c.oldest;
        newest = d->c.newest;
    } else {
        s_ex_span (d, &oldest, &newest);
    }
    double tte = INFINITY;
    double fit = d->st.icpt + d->st.slope * (double) (ts - d->st.ts_ref);
    double toward = rising ? d->st.slope : -d->st.slope;
    if (d->st.n >= 8 && (double) (newest - oldest) >= vg_param (r, EX_MINSPAN) && toward > 0)
        tte = (rising ? vg_param (r, EX_LIMIT) - fit : fit - vg_param (r, EX_LIMIT)) / toward;
    if (tte < 0)
        tte = 0;
    int trend = tte < vg_param (r, EX_HORIZON);
    double growth = 0; /* trend per hour as a fraction of the fitted value */
    if (vg_param (r, EX_GROWTH) > 0 && d->st.n >= 8 && (double) (newest - oldest) >= vg_param (r, EX_MINSPAN) && fit != 0)
        growth = toward * 3600000.0 / fabs (fit);
    int leak = vg_param (r, EX_GROWTH) > 0 && growth > vg_param (r, EX_GROWTH);
    double past = vg_param (r, EX_PAST);
    if (past > 0) {
        int64_t w = past >= EX_BUCKETS ? (int64_t) (past / EX_BUCKETS) : 1, b = ts / w + 1;
        float x = (float) (rising ? v : -v);
        uint32_t k = (uint32_t) (b % EX_BUCKETS);
        if (d->st.pb[k] != b) {
            d->st.pb[k] = b;
            d->st.px[k] = x;
        } else if (x > d->st.px[k]) {
            d->st.px[k] = x;
        }
        /* the range before the trend window: buckets wholly older than its oldest point */
        int64_t first = b - EX_BUCKETS, before = oldest / w + 1;
        int seen = 0;
        float top = 0;
        for (uint32_t i = 0; i < EX_BUCKETS; i++)
            if (d->st.pb[i] > first && d->st.pb[i] < before && (!seen || d->st.px[i] > top)) {
                top = d->st.px[i];
                seen = 1;
            }
        if (leak && seen && x <= top)
            leak = 0;
    }
    trend |= leak;
    out->state = level || trend ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR;
    out->observed = v;
    out->expected = vg_param (r, EX_LEVEL);
    out->lo = rising ? -INFINITY : vg_param (r, EX_LEVEL);
    out->hi = rising ? vg_param (r, EX_LEVEL) : INFINITY;
    out->score = level ? 1.0 : isfinite (tte) ? 1.0 - tte / (tte + vg_param (r, EX_HORIZON)) : 0.0;
    if (leak && !level)
        out->score = fmin (1.0, growth / (2 * vg_param (r, EX_GROWTH)));
    if (out->state == VG_VERDICT_FIRE && leak && !level)
        vg_verdict_note (out, "steady growth %.2f %% per hour (limit %.2f %%), trend %.4g per hour", 100 * growth,
                         100 * vg_param (r, EX_GROWTH), d->st.slope * 3600000.0);
    else if (out->state == VG_VERDICT_FIRE)
        vg_verdict_note (out, "%s; trend %.4g per hour, limit %.4g in %.1f h", level ? "level breached" : "trend",
                         d->st.slope * 3600000.0, vg_param (r, EX_LIMIT), isfinite (tte) ? tte / 3600000.0 : -1.0);
    return 0;
}

/* What every sample reads lies past the ring's 384 bytes: the ring's position and fit, and
 * the cache's flag and span. */
static void
s_ex_prefetch (const vg_detector_t *self, int slot, uint64_t id, int64_t ts)
{
    (void) slot;
    (void) id;
    (void) ts;
    const s_ex_t *d = (const s_ex_t *) self;
    __builtin_prefetch (&d->st.pos);
    __builtin_prefetch (&d->st.ts_ref);
    __builtin_prefetch (&d->c.ok);
    __builtin_prefetch (&d->c.newest);
}

/* The generic load, then the cache no longer describes the ring. */
static int
s_ex_load (vg_detector_t *self, const uint8_t *p, size_t len)
{
    int rc = vg_detector_load_state (self, p, len);
    ((s_ex_t *) self)->c.ok = 0;
    return rc;
}

static int
s_ex_valid (const vg_detector_t *self)
{
    const s_ex_t *d = (const s_ex_t *) self;
    if (d->st.pos >= EX_RING || d->st.n > EX_RING || !isfinite (d->st.slope) || !isfinite (d->st.icpt))
        return -VG_EINVAL;
    for (int i = 0; i < EX_BUCKETS; i++)
        if (d->st.pb[i] < 0 || !isfinite (d->st.px[i]))
            return -VG_EINVAL;
    return 0;
}

const vg_detector_ops_t vg_det_exhaustion = {
    .name = "exhaustion", .version = "1.2.0", .cia_class = VG_CIA_A, .scope = VG_SCOPE_SERIES,
    VG_DETECTOR_PARAMS (s_ex_params), .validate = s_ex_valid,
    /* VG_DETECTOR_STATE (s_ex_t, st, 0x45584803) with a load that drops the cache */
    .size = sizeof (s_ex_t), .state_off = offsetof (s_ex_t, st), .state_size = sizeof (((s_ex_t *) 0)->st),
    .state_tag = 0x45584803, .save = vg_detector_save_state, .load = s_ex_load, .prefetch = s_ex_prefetch,
    .new = vg_detector_new_plain, .destroy = vg_detector_free, .on_sample = s_ex_sample,
};
