/* changes.c - change finding over one series (see changes.h).  Everything is O(n log n) in
 * the number of points and allocates only scratch arrays freed before returning. */
#include "cli/changes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"

#define S_LEVEL_NOISE 8.0  /* noise units a level shift must exceed */
#define S_LEVEL_RANGE 0.25 /* and this fraction of the series' range */
#define S_LEVEL_REL 0.10   /* and this fraction of the level itself */
#define S_WMAX 12          /* widest window (samples) each side of a shift */
#define S_GAP_FACTOR 3     /* intervals of silence that make a gap */

const char *
vg_change_kind_name (vg_change_kind_t k)
{
    static const char *const names[] = { "level", "state", "gap", "reset", "start", "stop" };
    return (unsigned) k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static int
s_cmp_i64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

static int
s_cmp_dbl (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

int64_t
vg_changes_interval (const int64_t *ts, size_t n)
{
    if (n < 2)
        return 0;
    int64_t *d = malloc ((n - 1) * sizeof *d);
    if (!d)
        return ts[n - 1] > ts[0] ? (ts[n - 1] - ts[0]) / (int64_t) (n - 1) : 0; /* the mean will do */
    for (size_t i = 1; i < n; i++)
        d[i - 1] = ts[i] - ts[i - 1];
    qsort (d, n - 1, sizeof *d, s_cmp_i64);
    int64_t m = d[(n - 1) / 2];
    free (d);
    return m;
}

size_t
vg_changes_rate (const int64_t *ts, const double *v, size_t n, int64_t *rts, double *rate)
{
    size_t m = 0;
    for (size_t i = 1; i < n; i++) {
        int64_t dt = ts[i] - ts[i - 1];
        if (dt <= 0)
            continue;
        double dv = v[i] >= v[i - 1] ? v[i] - v[i - 1] : v[i]; /* a reset counts from zero */
        rts[m] = ts[i];
        rate[m++] = dv * 1000.0 / (double) dt;
    }
    return m;
}

double
vg_changes_spread (const double *v, size_t n, int is_state)
{
    double *s = malloc ((n ? n : 1) * sizeof *s);
    if (!s)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan (v[i]))
            s[m++] = v[i];
    double out = 0;
    if (m > 1) {
        qsort (s, m, sizeof *s, s_cmp_dbl);
        if (is_state) {
            for (size_t i = 1; i < m; i++)
                out += s[i] != s[i - 1];
        } else {
            double p5 = s[m * 5 / 100], p95 = s[m * 95 / 100];
            double mag = fabs (p5) > fabs (p95) ? fabs (p5) : fabs (p95);
            out = p95 > p5 && isfinite (p95 - p5) ? (p95 - p5) / mag : 0;
        }
    }
    free (s);
    return out > 2 ? 2 : out;
}

/* Robust noise of x (n finite points) from its successive differences: the larger of their
 * median and (trimmed) mean absolute deviation, each scaled to a standard deviation of one
 * point.  Near 0 when x is a step function. */
static double
s_noise (const double *x, size_t n, double *scratch)
{
    if (n < 3)
        return 0;
    for (size_t i = 1; i < n; i++)
        scratch[i - 1] = x[i] - x[i - 1];
    qsort (scratch, n - 1, sizeof *scratch, s_cmp_dbl);
    double med = scratch[(n - 1) / 2];
    for (size_t i = 0; i < n - 1; i++)
        scratch[i] = fabs (scratch[i] - med);
    qsort (scratch, n - 1, sizeof *scratch, s_cmp_dbl);
    /* The median absolute deviation is 0 for a series of small counts that mostly repeat
     * (0, 0, 2, 0, 2, ...): the mean deviation of the lower 95 % still sees that noise. */
    size_t keep = (n - 1) * 95 / 100 ? (n - 1) * 95 / 100 : 1;
    double sum = 0;
    for (size_t i = 0; i < keep; i++)
        sum += scratch[i];
    double mad = scratch[(n - 1) / 2] * 1.4826, mean = sum / (double) keep * 1.2533;
    return (mad > mean ? mad : mean) / sqrt (2.0);
}

typedef struct {
    vg_change_t *v;
    size_t n, cap;
    int failed;
} s_list_t;

static void
s_add (s_list_t *l, vg_change_kind_t kind, int64_t ts, int64_t until, double before, double after, double strength)
{
    if (vg_array_reserve ((void **) &l->v, &l->cap, l->n + 1, sizeof *l->v) < 0) {
        l->failed = 1;
        return;
    }
    l->v[l->n++] = (vg_change_t) { kind, ts, until, before, after, strength };
}

/* Median of the w values at x (w <= 2 * S_WMAX), by a sorted copy. */
static double
s_median (const double *x, size_t w)
{
    double tmp[2 * S_WMAX];
    for (size_t i = 0; i < w; i++) {
        size_t k = i;
        while (k > 0 && tmp[k - 1] > x[i]) {
            tmp[k] = tmp[k - 1];
            k--;
        }
        tmp[k] = x[i];
    }
    return w % 2 ? tmp[w / 2] : (tmp[w / 2 - 1] + tmp[w / 2]) / 2.0;
}

/* Level shifts of x at ts (n finite points): window medians, so isolated spikes (a
 * sparse error counter's occasional increment) do not count. */
static void
s_levels (s_list_t *l, const int64_t *ts, const double *x, size_t n)
{
    size_t w = n / 24;
    w = w < 3 ? 3 : w > S_WMAX ? S_WMAX : w;
    if (n < 2 * w + 1)
        return;
    double lo = x[0], hi = x[0];
    for (size_t i = 1; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    if (!(hi > lo))
        return;
    double *stat = calloc (n, sizeof *stat), *md = calloc (n, sizeof *md);
    double *scratch = malloc (n * sizeof *scratch), *wmed = malloc (n * sizeof *wmed);
    if (!stat || !md || !scratch || !wmed) {
        l->failed = 1;
        free (stat);
        free (md);
        free (scratch);
        free (wmed);
        return;
    }
    for (size_t k = 0; k + w <= n; k++)
        wmed[k] = s_median (x + k, w); /* the window starting at k */
    double sigma = s_noise (x, n, scratch);
    if (!(sigma > 0))
        sigma = 1e-9 * (fabs (hi) > fabs (lo) ? fabs (hi) : fabs (lo)) + 1e-12;
    double unit = 1.2533 * sigma * sqrt (2.0 / (double) w); /* spread of a difference of medians */
    /* Detection by window medians; location by window means, which peak exactly at a
     * step where medians stay level for half a window either side. */
    double sb = 0, sa = 0;
    for (size_t i = 0; i < w; i++) {
        sb += x[i];
        sa += x[w + i];
    }
    for (size_t i = w; i + w <= n; i++) {
        if (i > w) {
            sb += x[i - 1] - x[i - 1 - w];
            sa += x[i - 1 + w] - x[i - 1];
        }
        md[i] = fabs (sa - sb) / (double) w;
        double mb = wmed[i - w], ma = wmed[i], d = fabs (ma - mb);
        double level = fabs (mb) > fabs (ma) ? fabs (mb) : fabs (ma);
        if (d >= S_LEVEL_RANGE * (hi - lo) && d >= S_LEVEL_REL * level && d / unit >= S_LEVEL_NOISE)
            stat[i] = d / unit;
    }
    for (size_t i = w; i + w <= n; i++) {
        if (stat[i] == 0)
            continue;
        int peak = 1;
        for (size_t j = i - w; j <= i + w && j < n && peak; j++)
            if (stat[j] > 0 && (md[j] > md[i] || (md[j] == md[i] && j < i)))
                peak = 0;
        if (peak)
            s_add (l, VG_CHANGE_LEVEL, ts[i], ts[i], wmed[i - w], wmed[i], stat[i]);
    }
    free (stat);
    free (md);
    free (scratch);
    free (wmed);
}

/* Keep order for the cap: facts (non-level) in time order first, then levels by strength. */
static int
s_cmp_keep (const void *a, const void *b)
{
    const vg_change_t *x = a, *y = b;
    int lx = x->kind == VG_CHANGE_LEVEL, ly = y->kind == VG_CHANGE_LEVEL;
    if (lx != ly)
        return lx - ly;
    if (lx && x->strength != y->strength)
        return x->strength > y->strength ? -1 : 1;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int
s_cmp_time (const void *a, const void *b)
{
    const vg_change_t *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return (int) x->kind - (int) y->kind;
}

size_t
vg_changes_find (const int64_t *ts, const double *x, size_t n, int is_state, int is_counter, int64_t span_from,
                 int64_t span_to, vg_change_t *out, size_t max)
{
    s_list_t l = { 0 };
    int64_t *t = malloc ((n ? n : 1) * sizeof *t);
    double *v = malloc ((n ? n : 1) * sizeof *v);
    if (!t || !v) {
        free (t);
        free (v);
        return 0;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan (x[i])) {
            t[m] = ts[i];
            v[m++] = x[i];
        }
    int64_t iv = vg_changes_interval (t, m);
    if (m > 0 && iv > 0) {
        if (t[0] - span_from > S_GAP_FACTOR * iv)
            s_add (&l, VG_CHANGE_START, t[0], span_from, NAN, NAN, 0);
        if (span_to - t[m - 1] > S_GAP_FACTOR * iv)
            s_add (&l, VG_CHANGE_STOP, t[m - 1], span_to, NAN, NAN, 0);
    }
    for (size_t i = 1; i < m; i++) {
        if (iv > 0 && t[i] - t[i - 1] > S_GAP_FACTOR * iv)
            s_add (&l, VG_CHANGE_GAP, t[i - 1], t[i], v[i - 1], v[i], 0);
        if (is_state && v[i] != v[i - 1])
            s_add (&l, VG_CHANGE_STATE, t[i], t[i], v[i - 1], v[i], 0);
        if (is_counter && v[i] < v[i - 1])
            s_add (&l, VG_CHANGE_RESET, t[i], t[i], v[i - 1], v[i], 0);
    }
    if (!is_state && !is_counter) {
        s_levels (&l, t, v, m);
    } else if (is_counter && m > 1) {
        size_t r = vg_changes_rate (t, v, m, t, v); /* in place: writes index i-1 after reading i-1, i */
        s_levels (&l, t, v, r);
    }
    free (t);
    free (v);
    if (l.failed) {
        free (l.v);
        return 0;
    }
    size_t found = l.n;
    if (l.n > max) {
        qsort (l.v, l.n, sizeof *l.v, s_cmp_keep);
        l.n = max;
    }
    if (l.n) { /* no qsort on an empty (NULL) list */
        qsort (l.v, l.n, sizeof *l.v, s_cmp_time);
        memcpy (out, l.v, l.n * sizeof *out);
    }
    free (l.v);
    return found;
}
