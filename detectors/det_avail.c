/* det_avail.c - availability detectors: silence (A01), flaps (A02), seasonal anomaly /
 * throughput collapse (A03), error bursts (A04), resource exhaustion (A05), RAN KPI success
 * ratios (A06), BGP session and prefix swings (A08).
 * Invariant: each instance's mutable state is one plain struct `st` (saved and loaded as is,
 * then validated); parameters are read from the rule, never copied into saved state. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"
#include "detectors/uni.h"

/* Counter -> per-second rate. Returns 1 with *rate set, 0 when the interval is dropped
 * (first sample, reset/wrap, non-increasing time). */
typedef struct {
    double raw;
    int64_t ts;
    int has;
} s_ctr_t;

static int
s_rate (s_ctr_t *c, int64_t ts, double raw, double *rate)
{
    int had = c->has;
    double prev = c->raw;
    int64_t pts = c->ts;
    c->raw = raw;
    c->ts = ts;
    c->has = 1;
    if (!had || ts <= pts || raw < prev)
        return 0;
    *rate = (raw - prev) * 1000.0 / (double) (ts - pts);
    return 1;
}

/* =========================================================================================
 * silence (A01): per-series staleness; the engine aggregates device and collector silence.
 */
enum { SIL_K, SIL_MIN, SIL_INTERVAL, SIL_FRAC, SIL_MIND, SIL_EXTRA };
static const vg_param_def_t s_sil_params[] = {
    { .name = "k", .type = VG_PARAM_NUM, .def = 3, .min = 1, .max = 100,
      .help = "silent after k expected intervals without a sample" },
    { .name = "min_silence", .type = VG_PARAM_DUR, .def = 30000, .min = 0, .max = 86400000.0 * 7,
      .help = "never silent before this long" },
    { .name = "interval", .type = VG_PARAM_DUR, .min = 0, .max = 86400000.0,
      .help = "expected interval; 0 = learn from the series" },
    { .name = "outage_fraction", .type = VG_PARAM_NUM, .def = 0.3, .min = 0.01, .max = 1,
      .help = "fraction of watched devices silent together => one collector/transport finding" },
    { .name = "outage_min_devices", .type = VG_PARAM_NUM, .def = 3, .min = 1, .max = 1e6,
      .help = "minimum silent devices for the collector finding" },
    { .name = "max_extra", .type = VG_PARAM_DUR, .def = 600000, .min = 0, .max = 86400000.0,
      .help = "cap: silent after at most one interval plus this (slow reporters alert while the silence lasts)" },
};

typedef struct {
    vg_detector_t base;
    struct {
        int64_t last_ts;
        double interval;
        uint32_t n;
    } st;
} s_sil_t;

static int
s_sil_sample (vg_detector_t *self, int64_t ts, double v, vg_verdict_t *out)
{
    s_sil_t *d = (s_sil_t *) self;
    if (d->st.n > 0 && ts > d->st.last_ts) {
        double gap = (double) (ts - d->st.last_ts);
        if (d->st.n == 1)
            d->st.interval = gap;
        else {
            if (gap > 4 * d->st.interval)
                gap = 4 * d->st.interval; /* a gap is not the cadence */
            d->st.interval += 0.1 * (gap - d->st.interval);
        }
    }
    if (ts > d->st.last_ts)
        d->st.last_ts = ts;
    d->st.n++;
    return 0;
}

static int
s_sil_tick (vg_detector_t *self, int64_t now, vg_verdict_t *out)
{
    s_sil_t *d = (s_sil_t *) self;
    const vg_rule_t *r = self->rule;
    double iv = vg_param (r, SIL_INTERVAL) > 0 ? vg_param (r, SIL_INTERVAL) : d->st.interval;
    if (d->st.n == 0 || (vg_param (r, SIL_INTERVAL) <= 0 && d->st.n < 2))
        return 0;
    double thr = vg_param (r, SIL_K) * iv;
    if (thr > iv + vg_param (r, SIL_EXTRA))
        thr = iv + vg_param (r, SIL_EXTRA);
    if (thr < vg_param (r, SIL_MIN))
        thr = vg_param (r, SIL_MIN);
    double age = (double) (now - d->st.last_ts);
    out->state = age > thr ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR;
    out->observed = age;
    out->expected = thr;
    out->score = age > thr ? 1.0 : age / thr;
    out->window_start_ms = d->st.last_ts;
    out->window_end_ms = now;
    return 0;
}

static int
s_sil_valid (const vg_detector_t *self)
{
    const s_sil_t *d = (const s_sil_t *) self;
    return !(d->st.interval >= 0 && isfinite (d->st.interval)) ? -VG_EINVAL : 0;
}

const vg_detector_ops_t vg_det_silence = {
    .name = "silence", .version = "1.0.0", .cia_class = VG_CIA_A, .scope = VG_SCOPE_SERIES, .is_silence = 1,
    VG_DETECTOR_PARAMS (s_sil_params), VG_DETECTOR_STATE (s_sil_t, st, 0x4c495301), .validate = s_sil_valid,
    .new = vg_detector_new_plain, .destroy = vg_detector_free, .on_sample = s_sil_sample, .on_tick = s_sil_tick,
};

/* =========================================================================================
 * flap (A02): oper-status transitions (state 1/0) or a transitions counter, with BGP-style
 * exponential penalty damping.
 */
enum { FL_PEN, FL_SUP, FL_REUSE, FL_HALF };
static const vg_param_def_t s_flap_params[] = {
    { .name = "penalty", .type = VG_PARAM_NUM, .def = 1000, .min = 1, .max = 1e6,
      .help = "penalty added per transition" },
    { .name = "suppress", .type = VG_PARAM_NUM, .def = 2000, .min = 1, .max = 1e7,
      .help = "flapping when the penalty reaches this" },
    { .name = "reuse", .type = VG_PARAM_NUM, .def = 750, .min = 0, .max = 1e7,
      .help = "clear when the penalty decays below this" },
    { .name = "half_life", .type = VG_PARAM_DUR, .def = 900000, .min = 1000, .max = 86400000.0,
      .help = "penalty half-life" },
};

typedef struct {
    vg_detector_t base;
    int counter;
    struct {
        double pen, last_v;
        int64_t pen_ts;
        s_ctr_t ctr;
        int has_v, damped;
        uint32_t transitions;
    } st;
} s_flap_t;

static vg_detector_t *
s_flap_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_flap_t *d = calloc (1, sizeof *d);
    if (d)
        d->counter = e->kind == VG_KIND_COUNTER;
    return d ? &d->base : NULL;
}

static void
s_flap_decay (s_flap_t *d, int64_t ts)
{
    if (ts > d->st.pen_ts && d->st.pen > 0)
        d->st.pen *= exp2 (-(double) (ts - d->st.pen_ts) / vg_param (d->base.rule, FL_HALF));
    if (ts > d->st.pen_ts)
        d->st.pen_ts = ts;
}

static void
s_flap_verdict (s_flap_t *d, vg_verdict_t *out)
{
    const vg_rule_t *r = d->base.rule;
    if (d->st.pen >= vg_param (r, FL_SUP))
        d->st.damped = 1;
    else if (d->st.pen < vg_param (r, FL_REUSE))
        d->st.damped = 0;
    out->state = d->st.damped ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR;
    out->observed = d->st.pen;
    out->expected = vg_param (r, FL_REUSE);
    out->lo = 0;
    out->hi = vg_param (r, FL_SUP);
    out->score = d->st.pen >= vg_param (r, FL_SUP) ? 1.0 : d->st.pen / vg_param (r, FL_SUP);
    vg_verdict_note (out, "%u transitions, penalty %.0f (suppress %.0f, reuse %.0f)", d->st.transitions,
                     d->st.pen, vg_param (r, FL_SUP), vg_param (r, FL_REUSE));
}

static int
s_flap_sample (vg_detector_t *self, int64_t ts, double v, vg_verdict_t *out)
{
    s_flap_t *d = (s_flap_t *) self;
    double n = 0;
    if (!isfinite (v))
        return 0;
    s_flap_decay (d, ts);
    if (d->counter) {
        double prev = d->st.ctr.raw;
        int had = d->st.ctr.has;
        double rate;
        (void) s_rate (&d->st.ctr, ts, v, &rate);
        if (had && v > prev)
            n = v - prev;
    } else {
        if (d->st.has_v && (v >= 0.5) != (d->st.last_v >= 0.5))
            n = 1;
        d->st.last_v = v;
        d->st.has_v = 1;
    }
    if (n > 100)
        n = 100; /* bound one sample's contribution */
    d->st.pen += n * vg_param (self->rule, FL_PEN);
    d->st.transitions += (uint32_t) n;
    s_flap_verdict (d, out);
    return 0;
}

static int
s_flap_tick (vg_detector_t *self, int64_t now, vg_verdict_t *out)
{
    s_flap_t *d = (s_flap_t *) self;
    if (!d->st.damped)
        return 0;
    s_flap_decay (d, now);
    s_flap_verdict (d, out);
    return 0;
}

static int
s_flap_valid (const vg_detector_t *self)
{
    const s_flap_t *d = (const s_flap_t *) self;
    return !(d->st.pen >= 0 && isfinite (d->st.pen)) ? -VG_EINVAL : 0;
}

const vg_detector_ops_t vg_det_flap = {
    .name = "flap", .version = "1.0.0", .cia_class = VG_CIA_A, .scope = VG_SCOPE_SERIES,
    VG_DETECTOR_PARAMS (s_flap_params), VG_DETECTOR_STATE (s_flap_t, st, 0x464c4101),
    .validate = s_flap_valid,
    .new = s_flap_new, .destroy = vg_detector_free, .on_sample = s_flap_sample, .on_tick = s_flap_tick,
};

/* =========================================================================================
 * seasonal (A03 throughput collapse, and the generic univariate anomaly scorer).
 */
enum { SE_SEASON, SE_DIR, SE_ALPHA, SE_WARM, SE_MINSLOT, SE_Q, SE_MINZ, SE_DROP, SE_RISE, SE_FLOOR,
       SE_MINDELTA, SE_SHORT, SE_INITN, SE_RELFLOOR, SE_RATE };
static const vg_param_def_t s_se_params[] = {
    { .name = "season", .type = VG_PARAM_ENUM, .def = 2, .choices = "none|day|week",
      .help = "baseline slots: one, hour-of-day or hour-of-week (UTC)" },
    { .name = "direction", .type = VG_PARAM_ENUM, .def = 2, .choices = "low|high|both",
      .help = "which deviations are anomalous" },
    { .name = "alpha", .type = VG_PARAM_NUM, .def = 0.1, .min = 1e-4, .max = 1,
      .help = "EWMA weight of a slot's mean and mean absolute deviation per visit (one hour)" },
    { .name = "warmup", .type = VG_PARAM_DUR, .def = 14.0 * 86400000, .min = 0, .max = 366.0 * 86400000,
      .help = "no decision before the series is this old" },
    { .name = "min_slot_visits", .type = VG_PARAM_NUM, .def = 2, .min = 1, .max = 255,
      .help = "visits (hours; 16 samples without season) a slot needs before it decides" },
    { .name = "q", .type = VG_PARAM_NUM, .def = 1e-4, .min = 1e-9, .max = 0.1,
      .help = "SPOT risk: per-sample probability of exceeding the threshold" },
    { .name = "min_z", .type = VG_PARAM_NUM, .def = 3, .min = 0, .max = 100,
      .help = "floor of the decision threshold (average robust z)" },
    { .name = "drop_ratio", .type = VG_PARAM_NUM, .min = 0, .max = 1,
      .help = "direction low: also need observed < drop_ratio x expected (0 = off)" },
    { .name = "rise_ratio", .type = VG_PARAM_NUM, .min = 0, .max = 1e6,
      .help = "direction high: also need observed > rise_ratio x expected (0 = off)" },
    { .name = "floor", .type = VG_PARAM_NUM, .min = 0, .max = 1e18,
      .help = "direction low: ignore when expected <= floor (idle series)" },
    { .name = "min_delta", .type = VG_PARAM_NUM, .min = 0, .max = 1e18,
      .help = "ignore deviations |observed - expected| <= min_delta" },
    { .name = "short_alpha", .type = VG_PARAM_NUM, .def = 0.5, .min = 0.01, .max = 1,
      .help = "EWMA weight of the short average of robust z" },
    { .name = "init_samples", .type = VG_PARAM_NUM, .def = 200, .min = 10, .max = 1e6,
      .help = "warm samples before the SPOT initial threshold is frozen" },
    { .name = "rel_floor", .type = VG_PARAM_NUM, .def = 0.01, .min = 0, .max = 1,
      .help = "deviation scale floor as a fraction of |expected|" },
    { .name = "rate", .type = VG_PARAM_ENUM, .choices = "auto|yes|no",
      .help = "convert to per-second rate: auto = for counter series" },
};

typedef struct {
    vg_detector_t base;
    int counter;
    vg_uni_cfg_t cfg;
    vg_uni_t st;
} s_se_t;

void
vg_seasonal_cfg (const vg_rule_t *r, vg_uni_cfg_t *c)
{
    vg_uni_cfg_default (c);
    c->season = (int) vg_param (r, SE_SEASON);
    c->direction = (int) vg_param (r, SE_DIR);
    c->alpha = vg_param (r, SE_ALPHA);
    c->warmup_ms = (int64_t) vg_param (r, SE_WARM);
    c->min_slot_n = (int) vg_param (r, SE_MINSLOT);
    c->q = vg_param (r, SE_Q);
    c->min_z = vg_param (r, SE_MINZ);
    c->drop_ratio = vg_param (r, SE_DROP);
    c->rise_ratio = vg_param (r, SE_RISE);
    c->floor = vg_param (r, SE_FLOOR);
    c->min_delta = vg_param (r, SE_MINDELTA);
    c->short_alpha = vg_param (r, SE_SHORT);
    c->init_n = (int) vg_param (r, SE_INITN);
    c->rel_floor = vg_param (r, SE_RELFLOOR);
}

static vg_detector_t *
s_se_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_se_t *d = malloc (sizeof *d);
    if (!d)
        return NULL;
    memset (d, 0, sizeof *d);
    int rate = (int) vg_param (r, SE_RATE);
    d->counter = rate == 1 || (rate == 0 && e->kind == VG_KIND_COUNTER);
    vg_seasonal_cfg (r, &d->cfg);
    vg_uni_init (&d->st);
    return &d->base;
}

static int
s_se_sample (vg_detector_t *self, int64_t ts, double v, vg_verdict_t *out)
{
    s_se_t *d = (s_se_t *) self;
    int rc = vg_uni_step (&d->st, &d->cfg, ts, v, d->counter, out);
    if (out->state == VG_VERDICT_FIRE)
        vg_verdict_note (out, "observed %.6g vs expected %.6g (band %.6g..%.6g), score %.4f", out->observed,
                         out->expected, out->lo, out->hi, out->score);
    return rc;
}

static int
s_se_valid (const vg_detector_t *self)
{
    return vg_uni_validate (&((const s_se_t *) self)->st);
}

static void
s_se_cold (vg_detector_t *self)
{
    vg_uni_init (&((s_se_t *) self)->st);
}

const vg_detector_ops_t vg_det_seasonal = {
    .name = "seasonal", .version = "1.0.0", .cia_class = VG_CIA_A, .scope = VG_SCOPE_SERIES,
    VG_DETECTOR_PARAMS (s_se_params), VG_DETECTOR_STATE (s_se_t, st, 0x53454101), .validate = s_se_valid, .cold = s_se_cold,
    .new = s_se_new, .destroy = vg_detector_free, .on_sample = s_se_sample,
};

/* =========================================================================================
 * burst (A04): error/drop counters of one interface (entity scope: device + labels; slot =
 * the rule's path pattern, e.g. in-errors, in-fcs-errors, in-discards).  Each counter's
 * count per interval is compared with that counter's own background rate (time-weighted
 * EWMA of quiet intervals): an interval is a burst when its count is at least `min_count`
 * and at least `ratio` times the background count expected for that interval.  The
 * interface fires after `min_intervals` consecutive burst intervals of any of its counters,
 * so in-errors and in-fcs-errors of one burst make one finding.
 */
#define BU_SLOTS 8
enum { BU_MAX, BU_RATIO, BU_MINCOUNT, BU_MININT, BU_TAU, BU_WARM, BU_MINRATE };
static const vg_param_def_t s_bu_params[] = {
    { .name = "max_rate", .type = VG_PARAM_NUM, .min = 0, .max = 1e18,
      .help = "fire at once above this rate per second (0 = off)" },
    { .name = "ratio", .type = VG_PARAM_NUM, .def = 10, .min = 1, .max = 1e9,
      .help = "an interval is a burst when its count is at least ratio x the background count for that interval" },
    { .name = "min_count", .type = VG_PARAM_NUM, .def = 10, .min = 1, .max = 1e18,
      .help = "and at least this many events in the interval" },
    { .name = "min_intervals", .type = VG_PARAM_NUM, .def = 2, .min = 1, .max = 1000,
      .help = "consecutive burst intervals before the interface fires" },
    { .name = "background", .type = VG_PARAM_DUR, .def = 3600000, .min = 60000, .max = 30 * 86400000.0,
      .help = "time constant of each counter's background rate (learned from quiet intervals)" },
    { .name = "warmup_samples", .type = VG_PARAM_NUM, .def = 10, .min = 0, .max = 1e6,
      .help = "intervals a counter needs before it can be a burst" },
    { .name = "min_rate", .type = VG_PARAM_NUM, .min = 0, .max = 1e18,
      .help = "rates per second below this never count as a burst" },
};

typedef struct {
    s_ctr_t ctr;
    double lam;             /* background events per second */
    double last_c, last_dt; /* latest interval: count and length (s) */
    uint32_t n, run;        /* quiet intervals learned; consecutive burst intervals */
    int64_t run_start;
} s_bu_slot_t;

typedef struct {
    vg_detector_t base;
    int counter;
    const vg_entity_t *ent;
    struct {
        s_bu_slot_t s[BU_SLOTS];
        int firing;
    } st;
} s_bu_t;

static vg_detector_t *
s_bu_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_bu_t *d = calloc (1, sizeof *d);
    if (d) {
        d->counter = e->kind == VG_KIND_COUNTER;
        d->ent = e;
    }
    return d ? &d->base : NULL;
}

/* Last element of a rule path pattern ("*\/in-fcs-errors" -> "in-fcs-errors"). */
static const char *
s_leaf (const vg_rule_t *r, int slot)
{
    if (slot < 0 || (size_t) slot >= r->npaths)
        return "counter";
    const char *p = r->paths[slot], *q = strrchr (p, '/');
    return q && q[1] ? q + 1 : p;
}

static void
s_bu_verdict (s_bu_t *d, int64_t ts, vg_verdict_t *out)
{
    const vg_rule_t *r = d->base.rule;
    uint32_t need = (uint32_t) vg_param (r, BU_MININT);
    char ev[256], name[200];
    size_t o = 0;
    int fire = 0, warm = 0;
    double score = 0, obs = 0, exp_ = 0;
    int64_t start = ts;
    ev[0] = '\0';
    for (int i = 0; i < BU_SLOTS; i++) {
        if (!d->st.s[i].ctr.has)
            continue;
        warm |= d->st.s[i].n >= (uint32_t) vg_param (r, BU_WARM);
        double e = d->st.s[i].lam * d->st.s[i].last_dt;
        if (d->st.s[i].run >= need && d->st.s[i].run > 0) {
            fire = 1;
            if (d->st.s[i].run_start < start)
                start = d->st.s[i].run_start;
            if (d->st.s[i].last_c > obs) {
                obs = d->st.s[i].last_c;
                exp_ = e;
            }
            if (o < sizeof ev)
                o += (size_t) snprintf (ev + o, sizeof ev - o, "%s%s %.0f in %.0f s (background %.2g)", o ? ", " : "",
                                        s_leaf (r, i), d->st.s[i].last_c, d->st.s[i].last_dt, e);
        }
        double sc = d->st.s[i].last_c / (vg_param (r, BU_RATIO) * e + vg_param (r, BU_MINCOUNT));
        score = sc > score ? sc : score;
    }
    d->st.firing = fire;
    out->state = fire ? VG_VERDICT_FIRE : warm ? VG_VERDICT_CLEAR : VG_VERDICT_NONE;
    out->observed = obs;
    out->expected = exp_;
    out->lo = 0;
    out->hi = fmax (vg_param (r, BU_MINCOUNT), vg_param (r, BU_RATIO) * exp_);
    out->score = fmin (1.0, score);
    if (fire) {
        out->window_start_ms = start;
        out->window_end_ms = ts;
        vg_verdict_note (out, "%s", ev);
        vg_verdict_title (out, "%s: %s", vg_entity_name (d->ent, name, sizeof name), ev);
    }
}

static int
s_bu_input (vg_detector_t *self, int slot, const vg_device_t *dev, int64_t ts, double v, vg_verdict_t *out)
{
    s_bu_t *d = (s_bu_t *) self;
    const vg_rule_t *r = self->rule;
    if (slot < 0 || slot >= BU_SLOTS || !isfinite (v))
        return 0;
    s_bu_slot_t *s = &d->st.s[slot];
    double c, dt;
    if (d->counter) {
        int had = s->ctr.has;
        double prev = s->ctr.raw;
        int64_t pts = s->ctr.ts;
        double rate;
        if (!s_rate (&s->ctr, ts, v, &rate)) {
            if (had && v < prev)
                s->run = 0; /* reset or wrap: that interval says nothing */
            return 0;
        }
        c = v - prev;
        dt = (double) (ts - pts) / 1000.0;
    } else { /* per-interval counts (PM gauges) */
        int64_t pts = s->ctr.ts;
        int had = s->ctr.has;
        s->ctr.raw = v;
        s->ctr.ts = ts;
        s->ctr.has = 1;
        if (!had || ts <= pts || v < 0)
            return 0;
        c = v;
        dt = (double) (ts - pts) / 1000.0;
    }
    double e = s->lam * dt;
    int warm = s->n >= (uint32_t) vg_param (r, BU_WARM);
    int burst = warm && c >= vg_param (r, BU_MINCOUNT) && c >= vg_param (r, BU_RATIO) * e && c / dt >= vg_param (r, BU_MINRATE);
    if (vg_param (r, BU_MAX) > 0 && c / dt > vg_param (r, BU_MAX))
        burst = 1;
    s->last_c = c;
    s->last_dt = dt;
    if (burst) {
        if (s->run == 0)
            s->run_start = ts - (int64_t) (dt * 1000);
        s->run++;
        if (vg_param (r, BU_MAX) > 0 && c / dt > vg_param (r, BU_MAX) && s->run < (uint32_t) vg_param (r, BU_MININT))
            s->run = (uint32_t) vg_param (r, BU_MININT);
    } else {
        s->run = 0;
        double a = dt * 1000.0 / (vg_param (r, BU_TAU) + dt * 1000.0); /* ~1 - exp(-dt/tau), no exp per sample */
        if (s->n < 10 && a < 1.0 / (s->n + 1))
            a = 1.0 / (s->n + 1);
        s->lam += a * (c / dt - s->lam);
        s->n++;
    }
    s_bu_verdict (d, ts, out);
    return 0;
}

static int
s_bu_valid (const vg_detector_t *self)
{
    const s_bu_t *d = (const s_bu_t *) self;
    for (int i = 0; i < BU_SLOTS; i++)
        if (!(isfinite (d->st.s[i].lam) && d->st.s[i].lam >= 0 && isfinite (d->st.s[i].last_c)))
            return -VG_EINVAL;
    return 0;
}

const vg_detector_ops_t vg_det_burst = {
    .name = "burst", .version = "2.0.0", .cia_class = VG_CIA_A, .scope = VG_SCOPE_ENTITY,
    VG_DETECTOR_PARAMS (s_bu_params), VG_DETECTOR_STATE (s_bu_t, st, 0x42555202), .validate = s_bu_valid,
    .new = s_bu_new, .destroy = vg_detector_free, .on_input = s_bu_input,
};

/* =========================================================================================
 * exhaustion (A05): level threshold + Theil-Sen trend -> time to exhaustion.
 */
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

/* =========================================================================================
 * ran_kpi (A06): success ratio from a success and an attempt series of one entity (slot 0 =
 * successes, slot 1 = attempts, paired by timestamp), pooled to a minimum denominator,
 * Wilson interval vs a slow baseline and an SLA floor.
 */
enum { RK_MIN, RK_DELTA, RK_SLA, RK_Z, RK_ALPHA, RK_WARM, RK_CUM };
static const vg_param_def_t s_rk_params[] = {
    { .name = "min_attempts", .type = VG_PARAM_NUM, .def = 100, .min = 1, .max = 1e12,
      .help = "pool intervals until this many attempts" },
    { .name = "delta", .type = VG_PARAM_NUM, .def = 0.02, .min = 0, .max = 1,
      .help = "fire when the Wilson upper bound is this far below the baseline" },
    { .name = "sla", .type = VG_PARAM_NUM, .min = 0, .max = 1,
      .help = "fire when the Wilson upper bound is below this floor (0 = off)" },
    { .name = "z", .type = VG_PARAM_NUM, .def = 1.96, .min = 0.1, .max = 10, .help = "Wilson interval z" },
    { .name = "alpha", .type = VG_PARAM_NUM, .def = 0.01, .min = 1e-5, .max = 1,
      .help = "baseline EWMA weight per pooled window" },
    { .name = "warmup_windows", .type = VG_PARAM_NUM, .def = 10, .min = 0, .max = 1e6,
      .help = "pooled windows before the baseline test decides" },
    { .name = "cumulative", .type = VG_PARAM_BOOL, .min = 0, .max = 1,
      .help = "inputs are cumulative counters (use deltas) rather than per-interval counts; always so for counter-kind series" },
};

typedef struct {
    vg_detector_t base;
    int counter; /* the entity's series are cumulative counters (VG_KIND_COUNTER) */
    struct {
        int64_t pend_ts, pool_start;
        double pend[2];
        int have[2];
        double last_raw[2];
        int has_raw[2];
        double s, n, base;
        uint32_t nb;
        uint32_t unpaired, bad;
    } st;
} s_rk_t;

static vg_detector_t *
s_rk_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_rk_t *d = calloc (1, sizeof *d);
    if (d)
        d->counter = e->kind == VG_KIND_COUNTER;
    return d ? &d->base : NULL;
}

static int
s_rk_input (vg_detector_t *self, int slot, const vg_device_t *dev, int64_t ts, double v, vg_verdict_t *out)
{
    s_rk_t *d = (s_rk_t *) self;
    const vg_rule_t *r = self->rule;
    if (slot < 0 || slot > 1 || !isfinite (v))
        return 0;
    if (vg_param (r, RK_CUM) > 0 || d->counter) {
        double prev = d->st.last_raw[slot];
        int had = d->st.has_raw[slot];
        d->st.last_raw[slot] = v;
        d->st.has_raw[slot] = 1;
        if (!had || v < prev) {
            d->st.have[0] = d->st.have[1] = 0;
            return 0;
        }
        v -= prev;
    }
    if (v < 0) {
        d->st.bad++;
        return -VG_EINVAL;
    }
    if (ts != d->st.pend_ts) {
        if (d->st.have[0] || d->st.have[1])
            d->st.unpaired++;
        d->st.have[0] = d->st.have[1] = 0;
        d->st.pend_ts = ts;
    }
    d->st.pend[slot] = v;
    d->st.have[slot] = 1;
    if (!d->st.have[0] || !d->st.have[1])
        return 0;
    d->st.have[0] = d->st.have[1] = 0;
    double s = d->st.pend[0], n = d->st.pend[1];
    if (s > n) {
        d->st.bad++;
        return -VG_EINVAL;
    }
    if (d->st.n == 0)
        d->st.pool_start = ts;
    d->st.s += s;
    d->st.n += n;
    if (d->st.n < vg_param (r, RK_MIN))
        return 0;
    double z = vg_param (r, RK_Z), N = d->st.n, ph = d->st.s / N;
    double den = 1 + z * z / N;
    double ctr = (ph + z * z / (2 * N)) / den;
    double half = z * sqrt (ph * (1 - ph) / N + z * z / (4 * N * N)) / den;
    double lb = ctr - half, ub = ctr + half;
    int warm = d->st.nb >= (uint32_t) vg_param (r, RK_WARM);
    int base_fire = warm && ub < d->st.base - vg_param (r, RK_DELTA);
    int sla_fire = vg_param (r, RK_SLA) > 0 && ub < vg_param (r, RK_SLA);
    int fire = base_fire || sla_fire;
    out->state = fire ? VG_VERDICT_FIRE : (warm || vg_param (r, RK_SLA) > 0 ? VG_VERDICT_CLEAR : VG_VERDICT_NONE);
    out->observed = ph;
    out->expected = d->st.nb ? d->st.base : NAN;
    out->lo = lb;
    out->hi = ub;
    out->window_start_ms = d->st.pool_start;
    out->window_end_ms = ts;
    out->score = d->st.nb && d->st.base > 0 ? fmax (0.0, fmin (1.0, (d->st.base - ub) / (2 * vg_param (r, RK_DELTA) + 1e-9) + 0.5)) : NAN;
    if (fire)
        vg_verdict_note (out, "success ratio %.4f (%.0f/%.0f, Wilson %.4f..%.4f) vs baseline %.4f%s", ph, d->st.s, N, lb,
                         ub, d->st.base, sla_fire ? ", below SLA" : "");
    if (!fire) {
        double a = d->st.nb < 10 ? 1.0 / (d->st.nb + 1) : vg_param (r, RK_ALPHA);
        d->st.base += a * (ph - d->st.base);
        d->st.nb++;
    }
    d->st.s = d->st.n = 0;
    return 0;
}

static int
s_rk_valid (const vg_detector_t *self)
{
    const s_rk_t *d = (const s_rk_t *) self;
    return !(d->st.s >= 0 && d->st.n >= d->st.s && isfinite (d->st.base)) ? -VG_EINVAL : 0;
}

const vg_detector_ops_t vg_det_ran_kpi = {
    .name = "ran_kpi", .version = "1.0.0", .cia_class = VG_CIA_A, .scope = VG_SCOPE_ENTITY,
    VG_DETECTOR_PARAMS (s_rk_params), VG_DETECTOR_STATE (s_rk_t, st, 0x524b5001), .validate = s_rk_valid,
    .new = s_rk_new, .destroy = vg_detector_free, .on_input = s_rk_input,
};

/* =========================================================================================
 * bgp (A08): session state (1 = ESTABLISHED) and received-prefix swings vs a slow baseline.
 */
enum { BG_MODE, BG_MAXDEV, BG_ALPHA, BG_WARM };
static const vg_param_def_t s_bg_params[] = {
    { .name = "mode", .type = VG_PARAM_ENUM, .choices = "auto|session|prefixes",
      .help = "auto: state series = session, else prefixes" },
    { .name = "max_deviation", .type = VG_PARAM_NUM, .def = 0.10, .min = 0, .max = 100,
      .help = "prefixes: fire when |x - baseline| / baseline exceeds this" },
    { .name = "alpha", .type = VG_PARAM_NUM, .def = 0.01, .min = 1e-5, .max = 1,
      .help = "prefixes: baseline EWMA weight (learns from normal samples only)" },
    { .name = "warmup_samples", .type = VG_PARAM_NUM, .def = 20, .min = 0, .max = 1e6,
      .help = "prefixes: samples before deciding" },
};

typedef struct {
    vg_detector_t base;
    int session;
    struct {
        double base;
        uint32_t n;
    } st;
} s_bg_t;

static vg_detector_t *
s_bg_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_bg_t *d = calloc (1, sizeof *d);
    if (!d)
        return NULL;
    int mode = (int) vg_param (r, BG_MODE);
    d->session = mode == 1 || (mode == 0 && (e->kind == VG_KIND_STATE || (e->path && strstr (e->path, "session-state"))));
    return &d->base;
}

static int
s_bg_sample (vg_detector_t *self, int64_t ts, double v, vg_verdict_t *out)
{
    s_bg_t *d = (s_bg_t *) self;
    const vg_rule_t *r = self->rule;
    if (!isfinite (v))
        return 0;
    if (d->session) {
        out->state = v < 0.5 ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR;
        out->observed = v;
        out->expected = 1;
        out->lo = out->hi = 1;
        out->score = v < 0.5 ? 1.0 : 0.0;
        if (v < 0.5)
            vg_verdict_note (out, "session not established");
        return 0;
    }
    double b = d->st.base;
    double dev = b > 0 ? fabs (v - b) / b : 0;
    int warm = d->st.n >= (uint32_t) vg_param (r, BG_WARM);
    int fire = warm && dev > vg_param (r, BG_MAXDEV);
    if (!fire) {
        double a = d->st.n < 10 ? 1.0 / (d->st.n + 1) : vg_param (r, BG_ALPHA);
        d->st.base += a * (v - d->st.base);
        d->st.n++;
    }
    out->state = warm ? (fire ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR) : VG_VERDICT_NONE;
    out->observed = v;
    out->expected = b;
    out->lo = b * (1 - vg_param (r, BG_MAXDEV));
    out->hi = b * (1 + vg_param (r, BG_MAXDEV));
    out->score = fmin (1.0, dev / (2 * vg_param (r, BG_MAXDEV) + 1e-12));
    if (fire)
        vg_verdict_note (out, "prefixes %.0f vs baseline %.0f (%.1f %%)", v, b, 100 * dev);
    return 0;
}

static int
s_bg_valid (const vg_detector_t *self)
{
    const s_bg_t *d = (const s_bg_t *) self;
    return !isfinite (d->st.base) ? -VG_EINVAL : 0;
}

const vg_detector_ops_t vg_det_bgp = {
    .name = "bgp", .version = "1.0.0", .cia_class = VG_CIA_A, .scope = VG_SCOPE_SERIES,
    VG_DETECTOR_PARAMS (s_bg_params), VG_DETECTOR_STATE (s_bg_t, st, 0x42475001), .validate = s_bg_valid,
    .new = s_bg_new, .destroy = vg_detector_free, .on_sample = s_bg_sample,
};
