/* onset.c - multi-scale z + daily profile + anomaly likelihood + new range + onset gate
 * (see onset.h).
 *
 * Invariant: a sample is scored against state built from earlier samples only, then folded
 * in; nothing depends on the series length or on samples not yet seen. */
#include "detectors/onset.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "common/err.h"

/* The parameter table: name, offset, type, range, default, help. */
typedef struct {
    const char *name;
    size_t off;
    int is_int;
    double min, max, def;
    const char *help;
} s_param_t;

#define S_D(field) offsetof (vg_onset_cfg_t, field)
static const s_param_t s_params[] = {
    { "fast", S_D (scale[0]), 0, 1, 1e7, 8, "shortest baseline span, samples" },
    { "mid", S_D (scale[1]), 0, 1, 1e7, 64, "middle baseline span, samples" },
    { "slow", S_D (scale[2]), 0, 1, 1e7, 512, "longest baseline span, samples" },
    { "zcap", S_D (zcap), 0, 0.5, 1e3, 3, "z at which the raw surprise saturates" },
    { "zlo", S_D (zlo), 0, 0, 1e3, 0, "z below which the raw surprise is 0 (< zcap)" },
    { "clip", S_D (clip), 0, 0, 1e3, 0, "winsorise baseline updates at this many sd (0 = off)" },
    { "short_n", S_D (short_n), 1, 1, VG_ONSET_SHORT_MAX, 20, "samples in the short average of surprises" },
    { "long_n", S_D (long_n), 0, 2, 1e9, 2000, "span of the long-run distribution of surprises, samples" },
    { "min_sd", S_D (min_sd), 0, 1e-9, 1, 0.01, "floor of the long-run standard deviation of surprises" },
    { "warmup", S_D (warmup), 1, 0, 1e9, 100, "samples scored 0 at the start" },
    { "tail_q", S_D (tail_q), 0, 0, 0.99999, 0.98, "likelihood tail calibrated at this quantile of the short average (0 = off)" },
    { "tail_eta", S_D (tail_eta), 0, 1e-6, 1, 0.05, "step of the tail quantile tracker, long-run sd" },
    { "hold", S_D (hold), 0, 1, 1e9, 300, "samples for the onset hold to decay by 1" },
    { "suppress", S_D (suppress), 0, 0, 1, 0.25, "factor on a score that does not rise above the hold" },
    { "escalate", S_D (escalate), 0, 0, 10, 0.25, "after a passed score, the hold is that score x (1 + this)" },
    { "range_margin", S_D (range_margin), 0, 0, 1e3, 0.05, "new-range margin, fraction of the seen range" },
    { "range_score", S_D (range_score), 0, 0, 1, 0.5, "minimum score of a value beyond the seen range" },
    { "range_gap", S_D (range_gap), 0, 0, 1, 0.05, "no new-range score if that side had one within this fraction of the samples" },
    { "season_alpha", S_D (season_alpha), 0, 0, 1, 0.3, "daily profile: EWMA weight per day (0 = off)" },
    { "season_gain", S_D (season_gain), 0, 0, 1e3, 0.5, "daily profile used when its residual sd < this x mid sd" },
    { "week_alpha", S_D (week_alpha), 0, 0, 1, 0.3, "weekly profile: EWMA weight per week (0 = off)" },
    { "week_gain", S_D (week_gain), 0, 0, 1e3, 0.7, "weekly profile used when its residual sd < this x the sd otherwise used" },
    { "range_step", S_D (range_step), 0, 0, 1e6, 0.5, "new-range margin at least this x the mean absolute step (0 = off)" },
    { "rel_floor", S_D (rel_floor), 0, 0, 1, 1e-3, "deviation floor, fraction of the seen range" },
    { "run_score", S_D (run_score), 0, 0, 1, 0.5, "minimum score, once, of a repeated-value run longer than run_factor x the longest before (0 = off)" },
    { "run_factor", S_D (run_factor), 0, 1, 1e3, 1.2, "a run scores once longer than this x the longest earlier run" },
    { "run_mult", S_D (run_mult), 0, 0, 1e6, 10, "a run scores only when also longer than this x the mean earlier run of 2 or more" },
    { "run_min", S_D (run_min), 1, 1, 1e9, 10, "longest earlier run needed before a run scores, samples" },
};
#define S_NPARAMS (sizeof s_params / sizeof s_params[0])

/* Write / read the field of parameter p in a configuration. */
static void
s_put (vg_onset_cfg_t *c, const s_param_t *p, double v)
{
    char *base = (char *) c + p->off;
    if (p->is_int) {
        int i = (int) v;
        memcpy (base, &i, sizeof i);
    } else
        memcpy (base, &v, sizeof v);
}

static double
s_get (const vg_onset_cfg_t *c, const s_param_t *p)
{
    const char *base = (const char *) c + p->off;
    if (p->is_int) {
        int i;
        memcpy (&i, base, sizeof i);
        return (double) i;
    }
    double v;
    memcpy (&v, base, sizeof v);
    return v;
}

/* Upper tail probability of the standard normal. */
static double
s_q (double z)
{
    return 0.5 * erfc (z / sqrt (2.0));
}

/* The z whose upper tail is 1 - q (0 for q = 0, the tail calibration off), by bisection. */
static double
s_norm_z (double q)
{
    if (!(q > 0))
        return 0;
    double lo = -40, hi = 40;
    for (int i = 0; i < 200 && hi - lo > 1e-13; i++) {
        double mid = 0.5 * (lo + hi);
        if (s_q (mid) > 1 - q)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

void
vg_onset_cfg_default (vg_onset_cfg_t *c)
{
    memset (c, 0, sizeof *c);
    for (size_t i = 0; i < S_NPARAMS; i++)
        s_put (c, &s_params[i], s_params[i].def);
    c->tail_zg = s_norm_z (c->tail_q);
}

int
vg_onset_cfg_set (vg_onset_cfg_t *c, const char *name, double v)
{
    if (!c || !name || !isfinite (v))
        return -VG_EINVAL;
    for (size_t i = 0; i < S_NPARAMS; i++) {
        const s_param_t *p = &s_params[i];
        if (strcmp (p->name, name) != 0)
            continue;
        if (v < p->min || v > p->max || (p->is_int && v != floor (v)))
            return -VG_EINVAL;
        s_put (c, p, v);
        c->tail_zg = s_norm_z (c->tail_q);
        return 0;
    }
    return -VG_EINVAL;
}

int
vg_onset_cfg_check (const vg_onset_cfg_t *c)
{
    if (!c)
        return -VG_EINVAL;
    for (size_t i = 0; i < S_NPARAMS; i++) {
        double v = s_get (c, &s_params[i]);
        if (!(v >= s_params[i].min && v <= s_params[i].max))
            return -VG_EINVAL;
    }
    if (fabs (c->tail_zg - s_norm_z (c->tail_q)) > 1e-9)
        return -VG_EINVAL;
    return c->zlo < c->zcap ? 0 : -VG_EINVAL;
}

const char *
vg_onset_param (size_t i, const char **help, double *min, double *max)
{
    if (i >= S_NPARAMS)
        return NULL;
    if (help)
        *help = s_params[i].help;
    if (min)
        *min = s_params[i].min;
    if (max)
        *max = s_params[i].max;
    return s_params[i].name;
}

void
vg_onset_init (vg_onset_t *o)
{
    memset (o, 0, sizeof *o);
    o->day.cur = -1;
    o->week.cur = -1;
}

#define S_DAY_MS 86400000LL
#define S_DAY_SLOTS 288
#define S_WEEK_SLOTS 336

/* Slot of ts_ms (UTC) in a period of period_ms cut into nslots slots. */
static int
s_slot (int64_t ts_ms, int64_t period_ms, int nslots)
{
    int64_t t = ts_ms % period_ms;
    if (t < 0)
        t += period_ms;
    return (int) (t / (period_ms / nslots));
}

/* Enter slot (the visit of the previous one ends: its mean is folded into that slot). */
static void
s_prof_enter (vg_onset_prof_t *p, int slot, double alpha)
{
    if (slot == p->cur)
        return;
    if (p->acc_n > 0 && p->cur >= 0 && p->cur < VG_ONSET_SLOTS) {
        int s = p->cur;
        double mean = p->acc_sum / p->acc_n;
        if (p->n[s] == 0)
            p->m[s] = (float) mean;
        else
            p->m[s] += (float) (alpha * (mean - (double) p->m[s]));
        if (p->n[s] < 255)
            p->n[s]++;
    }
    p->acc_sum = 0;
    p->acc_n = 0;
    p->cur = slot;
}

/* Residual of x against the current slot; 0 when the slot has never been visited. */
static int
s_prof_resid (const vg_onset_prof_t *p, double x, double *resid)
{
    if (p->cur < 0 || p->n[p->cur] == 0)
        return 0;
    *resid = x - (double) p->m[p->cur];
    return 1;
}

/* z of a residual against the profile's residual distribution, when the slot has two
 * periods behind it and the profile's residual variance is below gain^2 x var_other. */
static int
s_prof_z (const vg_onset_prof_t *p, double resid, double gain, double var_other, double floor_sd,
          double *z)
{
    if (p->n[p->cur] < 2 || !(p->rv < gain * gain * var_other))
        return 0;
    double sd = sqrt (p->rv);
    if (sd < floor_sd)
        sd = floor_sd;
    *z = fabs (resid - p->rm) / sd;
    return 1;
}

/* Fold x (and its residual, when it had one) into the profile. */
static void
s_prof_add (vg_onset_prof_t *p, double x, int has_resid, double resid, double a)
{
    if (has_resid) {
        double dr = resid - p->rm;
        p->rm += a * dr;
        p->rv = (1 - a) * (p->rv + a * dr * dr);
    }
    p->acc_sum += x;
    p->acc_n++;
}

double
vg_onset_step (vg_onset_t *o, const vg_onset_cfg_t *c, int64_t ts_ms, double x)
{
    if (!isfinite (x) || fabs (x) > VG_ONSET_MAX_ABS) {
        o->dropped++;
        return 0.0;
    }
    if (o->n == 0) {
        for (int k = 0; k < VG_ONSET_SCALES; k++) {
            o->m[k] = x;
            o->v[k] = 0;
        }
        o->lo = o->hi = x;
        o->xprev = x;
        o->run = 1;
        o->lm = 0;
        o->lv = 0;
        o->n = 1;
        if (c->season_alpha > 0) {
            s_prof_enter (&o->day, s_slot (ts_ms, S_DAY_MS, S_DAY_SLOTS), c->season_alpha);
            s_prof_add (&o->day, x, 0, 0, 0);
        }
        if (c->week_alpha > 0) {
            s_prof_enter (&o->week, s_slot (ts_ms, 7 * S_DAY_MS, S_WEEK_SLOTS), c->week_alpha);
            s_prof_add (&o->week, x, 0, 0, 0);
        }
        return 0.0;
    }
    double range = o->hi - o->lo;
    double floor_sd = c->rel_floor * range + 1e-12 * fabs (x) + 1e-300;

    /* Raw surprise: the largest z over the baselines, squashed into [0,1]. */
    double zmax = 0;
    for (int k = 0; k < VG_ONSET_SCALES; k++) {
        double sd = sqrt (o->v[k]);
        if (sd < floor_sd)
            sd = floor_sd;
        double z = fabs (x - o->m[k]) / sd;
        if (z > zmax)
            zmax = z;
    }
    /* Daily profile: when it explains the series clearly better than the baselines, its
     * residual z replaces theirs (a missing daily swing is then an anomaly, a regular one
     * not).  The weekly profile likewise replaces that when it explains the series clearly
     * better still (weekends, a weekday that looks like a Sunday). */
    double dres = 0, wres = 0, zs;
    int has_day = 0, has_week = 0;
    double var_used = o->xv;
    if (c->season_alpha > 0) {
        s_prof_enter (&o->day, s_slot (ts_ms, S_DAY_MS, S_DAY_SLOTS), c->season_alpha);
        has_day = s_prof_resid (&o->day, x, &dres);
        if (has_day && s_prof_z (&o->day, dres, c->season_gain, o->xv, floor_sd, &zs)) {
            zmax = zs;
            var_used = o->day.rv;
        }
    }
    if (c->week_alpha > 0) {
        s_prof_enter (&o->week, s_slot (ts_ms, 7 * S_DAY_MS, S_WEEK_SLOTS), c->week_alpha);
        has_week = s_prof_resid (&o->week, x, &wres);
        if (has_week && s_prof_z (&o->week, wres, c->week_gain, var_used, floor_sd, &zs))
            zmax = zs;
    }
    double raw = zmax >= c->zcap ? 1.0 : zmax <= c->zlo ? 0.0 : (zmax - c->zlo) / (c->zcap - c->zlo);

    /* Short average of raw surprises (including this one). */
    int sn = c->short_n;
    if (o->ring_n == (uint32_t) sn)
        o->ring_sum -= o->ring[o->ring_pos];
    else
        o->ring_n++;
    o->ring[o->ring_pos] = raw;
    o->ring_sum += raw;
    o->ring_pos = (o->ring_pos + 1) % (uint32_t) sn;
    double avg = o->ring_sum / o->ring_n;

    /* Likelihood of that average under the long-run distribution (past samples only). */
    double sd = sqrt (o->lv);
    if (sd < c->min_sd)
        sd = c->min_sd;
    double zl = (avg - o->lm) / sd;
    if (c->tail_q > 0) {
        /* Tail calibration: where the tracked tail_q quantile lies further out than a
         * Gaussian's (z_q > z_g: bursts are this series' normal), z shrinks by z_g / z_q. */
        double zq = (o->lq - o->lm) / sd;
        if (zq > c->tail_zg)
            zl *= c->tail_zg / zq;
    }
    double p = s_q (zl);
    if (p < 1e-300)
        p = 1e-300;
    double score = -log10 (2 * p) / 10.0; /* 0 at the median, 1 at p = 5e-11 */
    if (score > 1)
        score = 1;
    if (score < 0)
        score = 0;

    /* New value range. */
    double beyond = x > o->hi ? x - o->hi : x < o->lo ? o->lo - x : 0;
    /* (beyond by less than a fraction of the series' usual row-to-row step, the edge of
     * the range was merely reached by ordinary noise) */
    if (beyond > c->range_margin * range && beyond > c->range_step * o->dabs) {
        /* Under an i.i.d. series the previous extension of a side is uniform over the past;
         * one that was recent says the series drifts there (random walk, trend, plateaus
         * stepping by quanta), where new records are expected. */
        uint64_t *last = x > o->hi ? &o->hi_n : &o->lo_n;
        double gap = (double) (o->n - *last);
        if (gap >= c->range_gap * (double) o->n && score < c->range_score)
            score = c->range_score;
        *last = o->n;
    }

    /* Run of one repeated value (a stuck sensor, a rate at zero) longer than any before:
     * scored once, on the row that makes it longer than run_factor x the longest earlier
     * run (once that is run_min long) and run_mult x the mean earlier run of two or more
     * (the longest of N geometric runs is about the mean x ln N: a record of ordinary idle
     * runs is not enough). */
    if (x == o->xprev) {
        if (o->run < UINT32_MAX)
            o->run++;
    } else {
        if (o->run > o->run_max)
            o->run_max = o->run;
        if (o->run >= 2) {
            o->run_cnt++;
            double w = o->run_cnt < (uint64_t) c->long_n ? (double) o->run_cnt : c->long_n;
            o->run_mean += ((double) o->run - o->run_mean) / w;
        }
        o->run = 1;
    }
    if (c->run_score > 0 && o->run_max >= (uint32_t) c->run_min && score < c->run_score) {
        double len = c->run_factor * o->run_max;
        if (len < c->run_mult * o->run_mean)
            len = c->run_mult * o->run_mean;
        if (len < 4e9 && o->run == (uint32_t) len + 1)
            score = c->run_score;
    }

    /* Fold the sample in. */
    double n1 = (double) o->n + 1.0;
    for (int k = 0; k < VG_ONSET_SCALES; k++) {
        double a = 2.0 / (c->scale[k] + 1.0);
        if (a < 1.0 / n1)
            a = 1.0 / n1;
        double d = x - o->m[k];
        if (c->clip > 0 && o->n > 2) {
            double lim = c->clip * (sqrt (o->v[k]) > floor_sd ? sqrt (o->v[k]) : floor_sd);
            if (d > lim)
                d = lim;
            else if (d < -lim)
                d = -lim;
        }
        o->m[k] += a * d;
        o->v[k] = (1 - a) * (o->v[k] + a * d * d);
    }
    {
        double a = 2.0 / (c->long_n + 1.0);
        if (a < 1.0 / n1)
            a = 1.0 / n1;
        double d = avg - o->lm;
        o->lm += a * d;
        o->lv = (1 - a) * (o->lv + a * d * d);
        if (c->tail_q > 0) {
            /* quantile by stochastic approximation: up q, down 1 - q steps of eta sd */
            double step = c->tail_eta * (sqrt (o->lv) > c->min_sd ? sqrt (o->lv) : c->min_sd);
            o->lq += avg > o->lq ? step * c->tail_q : -step * (1 - c->tail_q);
        }
    }
    {
        double a = 2.0 / (c->long_n + 1.0);
        if (a < 1.0 / n1)
            a = 1.0 / n1;
        double d = x - o->m[1];
        o->xv = (1 - a) * (o->xv + a * d * d);
        if (c->season_alpha > 0)
            s_prof_add (&o->day, x, has_day, dres, a);
        if (c->week_alpha > 0)
            s_prof_add (&o->week, x, has_week, wres, a);
    }
    {
        /* mean absolute step: a move the series makes from one row to the next anyway */
        double a = 2.0 / (c->long_n + 1.0);
        if (a < 1.0 / n1)
            a = 1.0 / n1;
        o->dabs += a * (fabs (x - o->xprev) - o->dabs);
        o->xprev = x;
    }
    if (x < o->lo)
        o->lo = x;
    if (x > o->hi)
        o->hi = x;
    o->n++;
    if (o->n <= (uint64_t) c->warmup)
        return 0.0;

    /* Onset gate: pass a score only while it rises above the decaying hold; a passed score
     * lifts the hold above itself, so a rise is reported at its start and as it escalates. */
    double decayed = o->hold - 1.0 / c->hold;
    if (score > o->hold) {
        o->hold = score * (1.0 + c->escalate);
        return score;
    }
    o->hold = score > decayed ? score : decayed > 0 ? decayed : 0;
    return score * c->suppress;
}
