/* det_exhaustion.c - exhaustion (A05): level threshold + Theil-Sen trend -> time to
 * exhaustion, and a leak test on the trend's growth.
 * Invariant: bounded (EX_RING trend points, fitted in place without allocation); the
 * state is one plain struct `st` (the generic save/load). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/err.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"

#define EX_RING 32
enum { EX_LEVEL, EX_DIR, EX_LIMIT, EX_HORIZON, EX_MINSPAN, EX_STRIDE, EX_EVERY, EX_GROWTH };
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
};

typedef struct {
    vg_detector_t base;
    struct {
        int64_t ts[EX_RING];
        float v[EX_RING];
        uint32_t pos, n, since;
        double slope, icpt; /* value = icpt + slope * (t - ts_ref) in ms */
        int64_t ts_ref;
    } st;
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

static void
s_ex_fit (s_ex_t *d)
{
    double sl[EX_RING * (EX_RING - 1) / 2], res[EX_RING];
    size_t ns = 0, n = d->st.n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            int64_t dt = d->st.ts[j] - d->st.ts[i];
            if (dt != 0)
                sl[ns++] = ((double) d->st.v[j] - d->st.v[i]) / (double) dt;
        }
    if (!ns)
        return;
    d->st.slope = s_median (sl, ns);
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
        d->st.ts[d->st.pos] = ts;
        d->st.v[d->st.pos] = (float) v;
        d->st.pos = (d->st.pos + 1) % EX_RING;
        if (d->st.n < EX_RING)
            d->st.n++;
        if (++d->st.since >= (uint32_t) vg_param (r, EX_STRIDE)) {
            d->st.since = 0;
            s_ex_fit (d);
        }
    }
    int rising = vg_param (r, EX_DIR) == 0;
    int level = rising ? v >= vg_param (r, EX_LEVEL) : v <= vg_param (r, EX_LEVEL);
    int64_t oldest = INT64_MAX, newest = INT64_MIN;
    for (uint32_t i = 0; i < d->st.n; i++) {
        if (d->st.ts[i] < oldest)
            oldest = d->st.ts[i];
        if (d->st.ts[i] > newest)
            newest = d->st.ts[i];
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

static int
s_ex_valid (const vg_detector_t *self)
{
    const s_ex_t *d = (const s_ex_t *) self;
    return (d->st.pos >= EX_RING || d->st.n > EX_RING || !isfinite (d->st.slope) || !isfinite (d->st.icpt)) ? -VG_EINVAL : 0;
}

const vg_detector_ops_t vg_det_exhaustion = {
    .name = "exhaustion", .version = "1.0.0", .cia_class = VG_CIA_A, .scope = VG_SCOPE_SERIES,
    VG_DETECTOR_PARAMS (s_ex_params), VG_DETECTOR_STATE (s_ex_t, st, 0x45584801), .validate = s_ex_valid,
    .new = vg_detector_new_plain, .destroy = vg_detector_free, .on_sample = s_ex_sample,
};
