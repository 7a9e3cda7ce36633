/* uni.c - seasonal robust-z baseline + anomaly likelihood + SPOT threshold (see uni.h).
 *
 * Invariant: every update uses only the current and past samples; a dropped sample leaves
 * the baseline untouched; peaks above the current decision threshold are not learned, so
 * an anomaly does not raise its own bar. */
#include "detectors/uni.h"

#include <math.h>
#include <string.h>

#include "common/err.h"

void
vg_uni_cfg_default (vg_uni_cfg_t *c)
{
    memset (c, 0, sizeof *c);
    c->season = VG_SEASON_WEEK;
    c->direction = VG_DIR_BOTH;
    c->alpha = 0.1;
    c->warmup_ms = 14LL * 86400000;
    c->min_slot_n = 2;
    c->short_alpha = 0.5;
    c->lik_alpha = 0.002;
    c->q = 1e-4;
    c->init_sigma = 2.0;
    c->init_n = 200;
    c->min_z = 3.0;
    c->clip_z = 4.0;
    c->rel_floor = 0.01;
    c->abs_floor = 1e-9;
}

void
vg_uni_init (vg_uni_t *u)
{
    memset (u, 0, sizeof *u);
    u->lik_v = 1.0 / 3.0;
}

int
vg_uni_slot (int season, int64_t ts_ms)
{
    int64_t hours = ts_ms >= 0 ? ts_ms / 3600000 : (ts_ms - 3599999) / 3600000;
    if (season == VG_SEASON_DAY)
        return (int) (((hours % 24) + 24) % 24);
    if (season == VG_SEASON_WEEK)
        return (int) ((((hours + 72) % 168) + 168) % 168); /* epoch day was a Thursday */
    return 0;
}

static int
s_nslots (int season)
{
    return season == VG_SEASON_WEEK ? 168 : season == VG_SEASON_DAY ? 24 : 1;
}

/* Fold the finished visit into its slot. */
static void
s_commit (vg_uni_t *u, const vg_uni_cfg_t *c)
{
    int slot = u->acc_slot;
    double n = u->acc_n, sum = u->acc_sum, dev = u->acc_dev, w = 1.0;
    if (n == 0 && u->acc_out > 0) {
        n = u->acc_out;
        sum = u->acc_osum;
        dev = u->acc_odev;
        w = 0.25;
    }
    if (n > 0) {
        double mean = sum / n, mad = dev / n;
        if (u->slot_n[slot] == 0) {
            u->slot_m[slot] = (float) mean;
            u->slot_d[slot] = (float) mad;
        } else {
            double a = 1.0 / (u->slot_n[slot] + 1.0);
            if (a < c->alpha)
                a = c->alpha;
            a *= w;
            u->slot_m[slot] = (float) (u->slot_m[slot] + a * (mean - u->slot_m[slot]));
            u->slot_d[slot] = (float) (u->slot_d[slot] + a * (mad - u->slot_d[slot]));
        }
        if (u->slot_n[slot] < 255)
            u->slot_n[slot]++;
    }
    u->acc_n = u->acc_out = 0;
    u->acc_sum = u->acc_dev = u->acc_osum = u->acc_odev = 0;
}

/* SPOT decision threshold from the peaks' generalised Pareto fit (method of moments). */
static void
s_spot_update (vg_uni_t *u, const vg_uni_cfg_t *c)
{
    double sd = sqrt (u->lik_v);
    double zq = u->t + 3.0 * sd; /* until enough peaks */
    if (u->n_pk >= 8 && u->pk_m > 0) {
        double m = u->pk_m, v = u->pk_v > 1e-12 ? u->pk_v : 1e-12;
        double xi = 0.5 * (1.0 - m * m / v);
        double sigma = 0.5 * m * (1.0 + m * m / v);
        if (xi > 0.45)
            xi = 0.45;
        if (xi < -1.0)
            xi = -1.0;
        double r = c->q * u->n_obs / u->n_pk;
        if (r >= 1.0)
            zq = u->t;
        else if (fabs (xi) < 1e-6)
            zq = u->t - sigma * log (r);
        else
            zq = u->t + sigma / xi * (pow (r, -xi) - 1.0);
    }
    if (zq < c->min_z)
        zq = c->min_z;
    u->zq = zq;
}

int
vg_uni_step (vg_uni_t *u, const vg_uni_cfg_t *c, int64_t ts, double raw, int is_counter,
             vg_verdict_t *out)
{
    out->state = VG_VERDICT_NONE;
    out->score = NAN;
    if (!isfinite (raw)) {
        u->dropped++;
        return 0;
    }
    if ((u->n > 0 || u->has_raw) && ts <= u->last_ts) {
        u->dropped++;
        return 0;
    }
    double x = raw;
    if (is_counter) {
        int had = u->has_raw;
        double prev = u->last_raw;
        int64_t dt = ts - u->last_ts;
        u->last_raw = raw;
        u->has_raw = 1;
        u->last_ts = ts;
        if (!had) {
            if (!u->first_ts)
                u->first_ts = ts;
            return 0;
        }
        if (raw < prev) { /* reset or wrap: drop this interval */
            u->resets++;
            return 0;
        }
        x = (raw - prev) * 1000.0 / (double) dt;
    }
    u->last_ts = ts;
    if (u->n == 0 && !u->first_ts)
        u->first_ts = ts;
    u->n++;

    int ns = s_nslots (c->season);
    int slot = vg_uni_slot (c->season, ts);
    /* Baseline update: samples accumulate per visit of a slot (one clock hour, or 16
     * samples without seasonality) and the slot's EWMA moves once per visit, so an anomaly
     * inside the current hour cannot drag its own baseline.  Outliers (|z| > clip_z) are
     * left out of the visit; a visit made only of outliers (a lasting level change) is
     * learned at a quarter of the weight, winsorised. */
    int64_t hour = ts >= 0 ? ts / 3600000 : (ts - 3599999) / 3600000;
    if (u->n > 1 && (hour != u->acc_hour || (ns == 1 && u->acc_n + u->acc_out >= 16)))
        s_commit (u, c);
    u->acc_hour = hour;
    u->acc_slot = (uint8_t) slot;

    double m = u->slot_m[slot], d = u->slot_d[slot];
    int known = u->slot_n[slot] > 0;
    /* z is computed (and the likelihood/SPOT statistics learn) from the first completed
     * visit on; decisions wait for min_slot_n visits and the warm-up period. */
    int warm_slot = known;
    if (ns > 1 && known) {
        /* Interpolate towards the neighbouring slot's centre. */
        double frac = (double) (((ts % 3600000) + 3600000) % 3600000) / 3600000.0;
        int nb = frac >= 0.5 ? (slot + 1) % ns : (slot + ns - 1) % ns;
        double w = frac >= 0.5 ? frac - 0.5 : 0.5 - frac;
        if (u->slot_n[nb] > 0) {
            m = (1 - w) * m + w * u->slot_m[nb];
            d = (1 - w) * d + w * u->slot_d[nb];
        }
    }
    double floor = c->rel_floor * fabs (m);
    if (floor < c->abs_floor)
        floor = c->abs_floor;
    double scale = 1.4826 * d + floor;
    double z = warm_slot ? (x - m) / scale : 0.0;
    int warm = u->slot_n[slot] >= c->min_slot_n && ts - u->first_ts >= c->warmup_ms;

    int outlier = warm_slot && fabs (z) > c->clip_z;
    double ref = known ? m : u->acc_n > 0 ? u->acc_sum / u->acc_n : x;
    if (!outlier) {
        u->acc_n++;
        u->acc_sum += x;
        u->acc_dev += fabs (x - ref);
    } else {
        double lim = c->clip_z * scale;
        u->acc_out++;
        u->acc_osum += x > m ? m + lim : m - lim;
        u->acc_odev += lim;
    }

    double zd = c->direction == VG_DIR_HIGH ? z : c->direction == VG_DIR_LOW ? -z : fabs (z);
    u->s += c->short_alpha * (zd - u->s);
    out->observed = x;
    out->expected = m;
    out->lo = m - u->zq * scale;
    out->hi = m + u->zq * scale;
    if (!warm_slot)
        return 0; /* the likelihood and SPOT statistics learn once the slot is warm */

    double sd = sqrt (u->lik_v > 1e-12 ? u->lik_v : 1e-12);
    double uu = (u->s - u->lik_m) / sd;
    out->score = 0.5 * erfc (-uu / sqrt (2.0));

    int fire = 0;
    if (!u->frozen) {
        u->n_obs++;
        if (u->n_obs >= c->init_n) {
            u->t = u->lik_m + c->init_sigma * sd;
            u->frozen = 1;
            s_spot_update (u, c);
        }
    } else {
        u->n_obs++;
        if (u->s > u->zq) {
            fire = 1;
        } else if (u->s > u->t) {
            double y = u->s - u->t;
            u->n_pk++;
            double w = u->n_pk < 1000 ? 1.0 / u->n_pk : 1.0 / 1000;
            double dm = y - u->pk_m;
            u->pk_m += w * dm;
            u->pk_v = (1 - w) * (u->pk_v + w * dm * dm);
            s_spot_update (u, c);
        }
    }
    /* Running distribution of s, winsorised so anomalies do not widen it. */
    double sc = u->s, lim = u->lik_m + 5 * sd;
    if (sc > lim)
        sc = lim;
    double dm = sc - u->lik_m;
    u->lik_m += c->lik_alpha * dm;
    u->lik_v = (1 - c->lik_alpha) * (u->lik_v + c->lik_alpha * dm * dm);

    if (fire && c->direction == VG_DIR_LOW) {
        if (c->drop_ratio > 0 && !(x < c->drop_ratio * m))
            fire = 0;
        if (m <= c->floor)
            fire = 0;
    }
    if (fire && c->direction == VG_DIR_HIGH && c->rise_ratio > 0 && !(x > c->rise_ratio * m))
        fire = 0;
    if (fire && fabs (x - m) <= c->min_delta)
        fire = 0;
    if (!warm) { /* still inside the warm-up period: learn, do not decide */
        out->score = NAN;
        return 0;
    }
    out->state = fire ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR;
    out->lo = m - u->zq * scale;
    out->hi = m + u->zq * scale;
    return 0;
}

int
vg_uni_validate (const vg_uni_t *u)
{
    if (!isfinite (u->acc_sum) || !isfinite (u->acc_dev) || !isfinite (u->acc_osum) || !isfinite (u->acc_odev) ||
        u->acc_slot >= VG_UNI_SLOTS)
        return -VG_EINVAL;
    if (!isfinite (u->s) || !isfinite (u->lik_m) || !(u->lik_v >= 0) || !isfinite (u->t) ||
        !isfinite (u->zq) || u->n_pk < 0 || u->n_obs < 0 || u->frozen > 1 || u->has_raw > 1)
        return -VG_EINVAL;
    for (int i = 0; i < VG_UNI_SLOTS; i++)
        if (!isfinite (u->slot_m[i]) || !isfinite (u->slot_d[i]))
            return -VG_EINVAL;
    return 0;
}
