/* det_outage.c - outage detectors: an interface that is down while administratively up
 * (link_down, A02), a traffic collapse against a seasonal baseline usable after one day
 * (collapse, A03) and a cell whose attempts and traffic fall to zero against a non-zero
 * baseline while its PM data keeps arriving (cell_outage, A06).
 * Invariant: both are entity-scoped (device + labels, slot = the rule's path pattern); each
 * instance's mutable state is one plain struct `st` (saved and loaded as is, then
 * validated); an outage needs evidence that the entity worked before (seen UP / a baseline),
 * so ports that were never up and cells that are idle anyway never fire. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"

/* Last element of a series path ("/interfaces/.../in-octets" -> "in-octets"). */
static const char *
s_leaf2 (const char *path)
{
    const char *q = path ? strrchr (path, '/') : NULL;
    return q && q[1] ? q + 1 : path ? path : "";
}

static void
s_dur (char *buf, size_t size, double ms)
{
    if (ms < 120000)
        snprintf (buf, size, "%.0f s", ms / 1000.0);
    else if (ms < 2 * 3600000.0)
        snprintf (buf, size, "%.0f min", ms / 60000.0);
    else
        snprintf (buf, size, "%.1f h", ms / 3600000.0);
}

/* =========================================================================================
 * link_down (A02): slot 0 = oper-status (state series: up-like = 1), slot 1 = admin-status
 * (optional).  Fires while oper-status is DOWN and admin-status is not DOWN, for an interface
 * that has been seen UP, once it has been DOWN for the hold: `hold`, or `hold_intervals` of
 * the interface's own learned step when that is shorter (DOWN in two samples in a row at any
 * cadence; ticks re-assert the condition, so on-change sources that send DOWN once are
 * covered by `hold`).  Clears on UP or admin DOWN.
 */
enum { LD_NEEDUP, LD_RESUME, LD_HOLD, LD_HOLD_IV };
static const vg_param_def_t s_ld_params[] = {
    { .name = "require_up", .type = VG_PARAM_BOOL, .def = 1, .min = 0, .max = 1,
      .help = "only interfaces seen UP before can be down (ports never up are not outages)" },
    { .name = "resume_hold", .type = VG_PARAM_DUR, .def = 180000, .min = 0, .max = 86400000.0,
      .help = "DOWN first seen when the stream resumes after a gap (> 4 intervals, >= 1 min: the device restarted) must last this long (ports still coming up; 0 = off)" },
    { .name = "hold", .type = VG_PARAM_DUR, .def = 30000, .min = 0, .max = 86400000.0,
      .help = "DOWN must last this long (on-change sources; the longest hold)" },
    { .name = "hold_intervals", .type = VG_PARAM_NUM, .def = 0.75, .min = 0, .max = 100,
      .help = "or this many of the interface's learned sample intervals when shorter (0.75: DOWN in two samples in a row; 0 = hold only)" },
};

typedef struct {
    vg_detector_t base;
    const vg_entity_t *ent;
    struct {
        int oper, admin;       /* -1 unknown, 0 down, 1 up */
        int was_up, resumed;   /* resumed: the DOWN came after a gap in the stream */
        int64_t down_since, last_ts;
        double iv;             /* EWMA of oper-status sample gaps (ms) */
        uint32_t n;
    } st;
} s_ld_t;

static vg_detector_t *
s_ld_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_ld_t *d = (s_ld_t *) vg_detector_new_plain (r, e); /* fresh state: s_ld_cold */
    if (!d)
        return NULL;
    d->ent = e;
    return &d->base;
}

static void
s_ld_verdict (s_ld_t *d, int64_t now, int from_tick, vg_verdict_t *out)
{
    const vg_rule_t *r = d->base.rule;
    int eligible = d->st.was_up || vg_param (r, LD_NEEDUP) <= 0;
    int down = d->st.oper == 0 && d->st.admin != 0 && eligible;
    if (!down) {
        if (!from_tick && d->st.oper >= 0)
            out->state = VG_VERDICT_CLEAR;
        return;
    }
    double ms = (double) (now - d->st.down_since);
    if (d->st.resumed && ms < vg_param (r, LD_RESUME))
        return; /* the device has just come back: its ports may still be coming up */
    double hold = vg_param (r, LD_HOLD);
    if (d->st.n >= 3 && d->st.iv > 0 && vg_param (r, LD_HOLD_IV) > 0 && vg_param (r, LD_HOLD_IV) * d->st.iv < hold)
        hold = vg_param (r, LD_HOLD_IV) * d->st.iv; /* the interface's own step */
    if (ms < hold)
        return;
    char name[200], dur[32];
    s_dur (dur, sizeof dur, ms);
    out->state = VG_VERDICT_FIRE;
    out->observed = 0;
    out->expected = 1;
    out->lo = out->hi = 1;
    out->score = 1.0;
    out->window_start_ms = d->st.down_since;
    out->window_end_ms = now;
    vg_verdict_note (out, "oper-status DOWN for %s, admin-status %s", dur, d->st.admin == 1 ? "UP" : "not reported");
    vg_verdict_title (out, "%s: oper-status DOWN for %s (admin %s)", vg_entity_name (d->ent, name, sizeof name), dur,
                      d->st.admin == 1 ? "UP" : "not reported");
}

static int
s_ld_input (vg_detector_t *self, int slot, const vg_device_t *dev, int64_t ts, double v, vg_verdict_t *out)
{
    s_ld_t *d = (s_ld_t *) self;
    if (!isfinite (v) || slot < 0 || slot > 1)
        return 0;
    int up = v >= 0.5;
    if (slot == 0) {
        double gap = d->st.n ? (double) (ts - d->st.last_ts) : 0;
        if (!up && d->st.oper != 0) {
            d->st.down_since = ts;
            d->st.resumed = d->st.n >= 3 && gap >= 60000 && gap >= 4 * d->st.iv;
        }
        d->st.oper = up;
        d->st.was_up |= up;
        if (d->st.n && gap > 0) { /* cadence: gaps clipped at 4x so an outage does not teach it */
            double g = d->st.n == 1 ? gap : fmin (gap, 4 * d->st.iv);
            d->st.iv = d->st.n == 1 ? g : d->st.iv + 0.1 * (g - d->st.iv);
        }
        if (ts > d->st.last_ts)
            d->st.last_ts = ts;
        d->st.n++;
    } else {
        d->st.admin = up;
    }
    s_ld_verdict (d, ts, 0, out);
    return 0;
}

static int
s_ld_tick (vg_detector_t *self, int64_t now, vg_verdict_t *out)
{
    s_ld_t *d = (s_ld_t *) self;
    if (d->st.oper == 0 && now >= d->st.down_since)
        s_ld_verdict (d, now, 1, out);
    return 0;
}

/* Fresh state: its non-zero fields. */
static void
s_ld_cold (vg_detector_t *self)
{
    s_ld_t *d = (s_ld_t *) self;
    d->st.oper = d->st.admin = -1;
}

static int
s_ld_valid (const vg_detector_t *self)
{
    const s_ld_t *d = (const s_ld_t *) self;
    return (d->st.oper < -1 || d->st.oper > 1 || d->st.admin < -1 || d->st.admin > 1 || !isfinite (d->st.iv)) ? -VG_EINVAL : 0;
}

const vg_detector_ops_t vg_det_link_down = {
    .name = "link_down", .version = "1.1.0", .cia_class = VG_CIA_A, .scope = VG_SCOPE_ENTITY,
    VG_DETECTOR_PARAMS (s_ld_params), VG_DETECTOR_STATE (s_ld_t, st, 0x4c444e01), .validate = s_ld_valid,
    .cold = s_ld_cold,
    .new = s_ld_new, .destroy = vg_detector_free, .on_input = s_ld_input, .on_tick = s_ld_tick,
};

/* =========================================================================================
 * cell_outage (A06): slot 0 = attempts per reporting period (RRC.ConnEstabAtt), slots 1..
 * = traffic volumes (DRB.PdcpSduVolumeDL/UL); PM values are per-ROP gauges (counter-kind
 * series are turned into per-interval deltas).  A ROP (all of the cell's inputs with one
 * timestamp) is dead when attempts <= near_zero x the expected attempts for that hour of day
 * (expected >= min_baseline) and every traffic input is <= near_zero x its own level.  The
 * cell fires after min_rops consecutive dead ROPs; baselines learn from live ROPs only.
 * Expected = the hour-of-day slot once that hour has been seen, else a fast level (which
 * follows a smooth evening decline, so a quiet cell at night is not an outage).
 */
#define CO_IN 5
enum { CO_MINB, CO_NEAR, CO_MINR, CO_ALPHA, CO_LALPHA };
static const vg_param_def_t s_co_params[] = {
    { .name = "min_baseline", .type = VG_PARAM_NUM, .def = 20, .min = 0, .max = 1e12,
      .help = "expected attempts per ROP needed before zero means outage" },
    { .name = "near_zero", .type = VG_PARAM_NUM, .def = 0.05, .min = 0, .max = 0.5,
      .help = "attempts and traffic at or below this fraction of expected count as zero" },
    { .name = "min_rops", .type = VG_PARAM_NUM, .def = 2, .min = 1, .max = 1000,
      .help = "consecutive dead ROPs before the cell fires" },
    { .name = "alpha", .type = VG_PARAM_NUM, .def = 0.2, .min = 0.001, .max = 1,
      .help = "EWMA weight of an hour-of-day slot per live ROP" },
    { .name = "level_alpha", .type = VG_PARAM_NUM, .def = 0.3, .min = 0.001, .max = 1,
      .help = "EWMA weight of the fast level per live ROP (used until the hour has a slot)" },
};

typedef struct {
    vg_detector_t base;
    int counter;
    const vg_entity_t *ent;
    struct {
        float slot_m[24];
        uint8_t slot_n[24];
        double level[CO_IN];      /* fast level per input (per ROP) */
        uint32_t nlevel[CO_IN];
        double raw[CO_IN];        /* counter-kind inputs: previous raw value */
        int64_t raw_ts[CO_IN];    /* ... and its time */
        uint8_t has_raw[CO_IN];
        uint32_t seen, have;      /* inputs ever seen / seen for the pending ROP */
        int64_t pend_ts, prev_ts, rop_ms;
        double pend[CO_IN];
        uint32_t dead_n;
        int64_t dead_since;
        double dead_exp, dead_obs, dead_tr, dead_trexp;
    } st;
} s_co_t;

static vg_detector_t *
s_co_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_co_t *d = calloc (1, sizeof *d);
    if (d) {
        d->counter = e->kind == VG_KIND_COUNTER;
        d->ent = e;
    }
    return d ? &d->base : NULL;
}

static int
s_hour (int64_t ts)
{
    int64_t h = ts >= 0 ? ts / 3600000 : (ts - 3599999) / 3600000;
    return (int) (((h % 24) + 24) % 24);
}

/* Judge the pending ROP. */
static void
s_co_close (s_co_t *d, vg_verdict_t *out)
{
    const vg_rule_t *r = d->base.rule;
    int64_t ts = d->st.pend_ts;
    uint32_t have = d->st.have;
    d->st.have = 0;
    if (!(have & 1u))
        return; /* no attempts this ROP: no decision */
    if (d->st.prev_ts && ts > d->st.prev_ts) {
        int64_t gap = ts - d->st.prev_ts;
        if (!d->st.rop_ms || gap < d->st.rop_ms)
            d->st.rop_ms = gap;
    }
    d->st.prev_ts = ts;
    int h = s_hour (ts);
    double att = d->st.pend[0];
    double exp_att = d->st.slot_n[h] ? (double) d->st.slot_m[h] : d->st.nlevel[0] ? d->st.level[0] : NAN;
    double near = vg_param (r, CO_NEAR);
    int dead = isfinite (exp_att) && exp_att >= vg_param (r, CO_MINB) && exp_att > 0 && att <= near * exp_att;
    double tr = 0, trexp = 0;
    for (int i = 1; dead && i < CO_IN; i++) {
        if (!(have & (1u << i)) || !d->st.nlevel[i])
            continue;
        tr += d->st.pend[i];
        trexp += d->st.level[i];
        if (d->st.pend[i] > near * d->st.level[i])
            dead = 0; /* traffic still flows: not an outage */
    }
    if (!dead) {
        if (d->st.dead_n > 0 || (isfinite (exp_att) && exp_att >= vg_param (r, CO_MINB)))
            out->state = VG_VERDICT_CLEAR;
        d->st.dead_n = 0;
        d->st.dead_exp = d->st.dead_obs = d->st.dead_tr = d->st.dead_trexp = 0;
        /* Learn from a live ROP. */
        if (d->st.slot_n[h] == 0)
            d->st.slot_m[h] = (float) att;
        else {
            double a = d->st.slot_n[h] < 4 ? 1.0 / (d->st.slot_n[h] + 1) : vg_param (r, CO_ALPHA);
            if (a < vg_param (r, CO_ALPHA))
                a = vg_param (r, CO_ALPHA);
            d->st.slot_m[h] = (float) (d->st.slot_m[h] + a * (att - d->st.slot_m[h]));
        }
        if (d->st.slot_n[h] < 255)
            d->st.slot_n[h]++;
        for (int i = 0; i < CO_IN; i++) {
            if (!(have & (1u << i)))
                continue;
            double a = d->st.nlevel[i] ? vg_param (r, CO_LALPHA) : 1.0;
            d->st.level[i] += a * (d->st.pend[i] - d->st.level[i]);
            d->st.nlevel[i]++;
        }
        return;
    }
    int64_t rop = d->st.rop_ms ? d->st.rop_ms : 900000;
    if (d->st.dead_n == 0)
        d->st.dead_since = ts - rop;
    d->st.dead_n++;
    d->st.dead_exp += exp_att;
    d->st.dead_obs += att;
    d->st.dead_tr += tr;
    d->st.dead_trexp += trexp;
    if (d->st.dead_n < (uint32_t) vg_param (r, CO_MINR))
        return; /* pending evidence: no opinion yet */
    char name[200], dur[32], per[32], trs[96] = "";
    s_dur (dur, sizeof dur, (double) (ts - d->st.dead_since));
    s_dur (per, sizeof per, (double) rop);
    double n = d->st.dead_n;
    if (d->st.dead_trexp > 0)
        snprintf (trs, sizeof trs, ", traffic %.3g per ROP (baseline %.3g)", d->st.dead_tr / n, d->st.dead_trexp / n);
    out->state = VG_VERDICT_FIRE;
    out->observed = d->st.dead_obs / n;
    out->expected = d->st.dead_exp / n;
    out->lo = near * out->expected;
    out->hi = INFINITY;
    out->score = 1.0;
    out->window_start_ms = d->st.dead_since;
    out->window_end_ms = ts;
    vg_verdict_note (out, "%s %.0f for %s (baseline %.0f per %s)%s", vg_rule_leaf (r, 0, "input"), d->st.dead_obs / n, dur,
                     d->st.dead_exp / n, per, trs);
    vg_verdict_title (out, "%s: %s %.0f for %s (baseline %.0f per %s)%s", vg_entity_name (d->ent, name, sizeof name),
                      vg_rule_leaf (r, 0, "input"), d->st.dead_obs / n, dur, d->st.dead_exp / n, per, trs);
}

static int
s_co_input (vg_detector_t *self, int slot, const vg_device_t *dev, int64_t ts, double v, vg_verdict_t *out)
{
    s_co_t *d = (s_co_t *) self;
    if (slot < 0 || slot >= CO_IN || !isfinite (v))
        return 0;
    if (d->counter) {
        int had = d->st.has_raw[slot];
        double prev = d->st.raw[slot];
        int64_t prev_ts = d->st.raw_ts[slot];
        d->st.raw[slot] = v;
        d->st.raw_ts[slot] = ts;
        d->st.has_raw[slot] = 1;
        if (!had || v < prev)
            return 0;
        /* A delta across missing ROPs (files lost, the gNB silent) is several periods'
         * worth: it is neither one ROP's value nor something to learn from. */
        if (d->st.rop_ms && ts - prev_ts > d->st.rop_ms + d->st.rop_ms / 2)
            return 0;
        v -= prev;
    }
    if (v < 0)
        return 0;
    d->st.seen |= 1u << slot; /* the cell has this input: later ROPs wait for it */
    if (d->st.prev_ts && ts <= d->st.prev_ts)
        return 0; /* an input of a ROP already judged */
    if (d->st.have && ts != d->st.pend_ts) {
        if (ts < d->st.pend_ts)
            return 0; /* late input of an already judged ROP */
        s_co_close (d, out); /* the previous ROP is incomplete: judge what it has */
    }
    if (!d->st.have)
        d->st.pend_ts = ts;
    d->st.pend[slot] = v;
    d->st.have |= 1u << slot;
    if ((d->st.have & d->st.seen) == d->st.seen)
        s_co_close (d, out);
    return 0;
}

static int
s_co_valid (const vg_detector_t *self)
{
    const s_co_t *d = (const s_co_t *) self;
    for (int i = 0; i < CO_IN; i++)
        if (!isfinite (d->st.level[i]) || !isfinite (d->st.pend[i]))
            return -VG_EINVAL;
    for (int i = 0; i < 24; i++)
        if (!isfinite (d->st.slot_m[i]))
            return -VG_EINVAL;
    return 0;
}

const vg_detector_ops_t vg_det_cell_outage = {
    .name = "cell_outage", .version = "1.1.0", .cia_class = VG_CIA_A, .scope = VG_SCOPE_ENTITY,
    VG_DETECTOR_PARAMS (s_co_params), VG_DETECTOR_STATE (s_co_t, st, 0x434f5502), .validate = s_co_valid,
    .new = s_co_new, .destroy = vg_detector_free, .on_input = s_co_input,
};

/* =========================================================================================
 * collapse (A03 throughput collapse): a traffic series (counter -> per-second rate; gauges as
 * they are, e.g. per-ROP volumes) against its own seasonal baseline, usable after one day:
 * 48 day-type slots (weekday / weekend x hour of day, UTC) decide first, and the 168
 * hour-of-week slots take over once a slot has `week_visits` visits.  A slot is an EWMA over
 * past visits (one clock hour) of the mean and the mean absolute deviation; the current
 * visit is folded in when the hour ends, and samples that are collapsed do not count (a visit
 * made only of them is learned at a quarter weight, so a lasting change is accepted).
 * Fires when observed < drop_ratio x expected and the robust z < -min_z and expected > floor.
 */
#define CL_WEEK 168
#define CL_SLOTS (CL_WEEK + 48)
enum { CL_DROP, CL_MINZ, CL_FLOOR, CL_RELF, CL_ALPHA, CL_WEEKV, CL_ZERO, CL_RATE };
static const vg_param_def_t s_cl_params[] = {
    { .name = "drop_ratio", .type = VG_PARAM_NUM, .def = 0.5, .min = 0.01, .max = 1,
      .help = "fire only when observed < drop_ratio x expected" },
    { .name = "min_z", .type = VG_PARAM_NUM, .def = 4, .min = 0, .max = 100,
      .help = "and the robust z is below -min_z" },
    { .name = "floor", .type = VG_PARAM_NUM, .min = 0, .max = 1e18,
      .help = "ignore when expected <= floor (idle series)" },
    { .name = "rel_floor", .type = VG_PARAM_NUM, .def = 0.05, .min = 0, .max = 1,
      .help = "deviation scale floor as a fraction of expected" },
    { .name = "alpha", .type = VG_PARAM_NUM, .def = 0.2, .min = 0.001, .max = 1,
      .help = "EWMA weight of a slot per visit (early visits average)" },
    { .name = "week_visits", .type = VG_PARAM_NUM, .def = 1, .min = 1, .max = 255,
      .help = "visits an hour-of-week slot needs before it replaces the day-type slot" },
    { .name = "zero_ratio", .type = VG_PARAM_NUM, .min = 0, .max = 1,
      .help = "no opinion when observed <= zero_ratio x expected (left to an outage rule; 0 = off)" },
    { .name = "rate", .type = VG_PARAM_ENUM, .choices = "auto|yes|no",
      .help = "convert to per-second rate: auto = for counter series" },
};

typedef struct {
    vg_detector_t base;
    int counter;
    const vg_entity_t *ent;
    struct {
        double raw;
        int64_t ts, hour;
        int has;
        double acc_sum, acc_dev, acc_osum, acc_odev;
        uint32_t acc_n, acc_out;
        uint32_t dt_slot, wk_slot; /* slots of the current visit */
        float m[CL_SLOTS], d[CL_SLOTS];
        uint8_t n[CL_SLOTS];
    } st;
} s_cl_t;

static vg_detector_t *
s_cl_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_cl_t *d = (s_cl_t *) vg_detector_new_plain (r, e); /* fresh state: s_cl_cold */
    if (!d)
        return NULL;
    int rate = (int) vg_param (r, CL_RATE);
    d->counter = rate == 1 || (rate == 0 && e->kind == VG_KIND_COUNTER);
    d->ent = e;
    return &d->base;
}

static void
s_cl_fold (s_cl_t *d, uint32_t slot, double mean, double mad, double w)
{
    const vg_rule_t *r = d->base.rule;
    if (d->st.n[slot] == 0) {
        d->st.m[slot] = (float) mean;
        d->st.d[slot] = (float) mad;
    } else {
        double a = 1.0 / (d->st.n[slot] + 1.0);
        if (a < vg_param (r, CL_ALPHA))
            a = vg_param (r, CL_ALPHA);
        a *= w;
        d->st.m[slot] = (float) (d->st.m[slot] + a * (mean - d->st.m[slot]));
        d->st.d[slot] = (float) (d->st.d[slot] + a * (mad - d->st.d[slot]));
    }
    if (d->st.n[slot] < 255)
        d->st.n[slot]++;
}

static void
s_cl_commit (s_cl_t *d)
{
    double n = d->st.acc_n, sum = d->st.acc_sum, dev = d->st.acc_dev, w = 1.0;
    if (n == 0 && d->st.acc_out > 0) {
        n = d->st.acc_out;
        sum = d->st.acc_osum;
        dev = d->st.acc_odev;
        w = 0.25;
    }
    if (n > 0) {
        s_cl_fold (d, d->st.dt_slot, sum / n, dev / n, w);
        s_cl_fold (d, d->st.wk_slot, sum / n, dev / n, w);
    }
    d->st.acc_n = d->st.acc_out = 0;
    d->st.acc_sum = d->st.acc_dev = d->st.acc_osum = d->st.acc_odev = 0;
}

/* The hour slots a sample at ts reads (s_cl_sample: hour of week and day type) lie apart
 * in three arrays of CL_SLOTS: fetch them. */
static void
s_cl_prefetch (const vg_detector_t *self, int slot, uint64_t id, int64_t ts)
{
    (void) slot;
    (void) id;
    const s_cl_t *d = (const s_cl_t *) self;
    int64_t hour = ts >= 0 ? ts / 3600000 : (ts - 3599999) / 3600000;
    uint32_t wk = (uint32_t) ((((hour + 72) % CL_WEEK) + CL_WEEK) % CL_WEEK);
    uint32_t dt = CL_WEEK + (wk >= 120 ? 24 : 0) + wk % 24;
    __builtin_prefetch (&d->st.n[wk]);
    __builtin_prefetch (&d->st.m[wk]);
    __builtin_prefetch (&d->st.d[wk]);
    __builtin_prefetch (&d->st.m[dt]);
    __builtin_prefetch (&d->st.d[dt]);
}

static int
s_cl_sample (vg_detector_t *self, int64_t ts, double v, vg_verdict_t *out)
{
    s_cl_t *d = (s_cl_t *) self;
    const vg_rule_t *r = self->rule;
    if (!isfinite (v) || (d->st.has && ts <= d->st.ts))
        return 0;
    double x = v;
    if (d->counter) {
        int had = d->st.has;
        double prev = d->st.raw;
        int64_t pts = d->st.ts;
        d->st.raw = v;
        d->st.ts = ts;
        d->st.has = 1;
        if (!had || v < prev)
            return 0; /* first sample, reset or wrap */
        x = (v - prev) * 1000.0 / (double) (ts - pts);
    } else {
        d->st.ts = ts;
        d->st.has = 1;
    }
    int64_t hour = ts >= 0 ? ts / 3600000 : (ts - 3599999) / 3600000;
    if (hour != d->st.hour && d->st.hour != INT64_MIN)
        s_cl_commit (d);
    d->st.hour = hour;
    uint32_t wk = (uint32_t) ((((hour + 72) % CL_WEEK) + CL_WEEK) % CL_WEEK); /* Monday 00:00 = 0 */
    uint32_t dt = CL_WEEK + (wk >= 120 ? 24 : 0) + wk % 24;
    d->st.wk_slot = wk;
    d->st.dt_slot = dt;
    int weekly = d->st.n[wk] >= (uint32_t) vg_param (r, CL_WEEKV);
    uint32_t s = weekly ? wk : dt;
    int known = d->st.n[s] > 0;
    double m = d->st.m[s], scale = 1.4826 * d->st.d[s] + vg_param (r, CL_RELF) * fabs (m) + 1e-12;
    double z = known ? (x - m) / scale : 0;
    int collapsed = known && m > vg_param (r, CL_FLOOR) && x < vg_param (r, CL_DROP) * m && z < -vg_param (r, CL_MINZ);
    double ref = known ? m : d->st.acc_n ? d->st.acc_sum / d->st.acc_n : x;
    if (!collapsed) {
        d->st.acc_n++;
        d->st.acc_sum += x;
        d->st.acc_dev += fabs (x - ref);
    } else {
        d->st.acc_out++;
        d->st.acc_osum += x;
        d->st.acc_odev += fabs (x - ref);
    }
    if (!known)
        return 0;
    if (collapsed && vg_param (r, CL_ZERO) > 0 && x <= vg_param (r, CL_ZERO) * m) {
        /* Zero traffic: the outage rule's finding.  It also ends a pending collapse: the
         * partial ROP a cell went down in must not combine with the one it came back in
         * (hours later, a ROP at 41 %) into a collapse held for `for`. */
        out->state = VG_VERDICT_CLEAR;
        out->observed = x;
        out->expected = m;
        return 0;
    }
    out->state = collapsed ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR;
    out->observed = x;
    out->expected = m;
    out->lo = m - vg_param (r, CL_MINZ) * scale;
    out->hi = INFINITY;
    out->score = z < 0 ? fmin (1.0, -z / (2 * vg_param (r, CL_MINZ))) : 0;
    if (collapsed) {
        char name[200];
        const char *unit = d->counter ? "/s" : "";
        vg_verdict_note (out, "%.3g%s vs expected %.3g%s (%.0f %%, robust z %.1f, %s baseline)", x, unit, m, unit,
                         m > 0 ? 100 * x / m : 0, z, weekly ? "hour-of-week" : "daily");
        vg_verdict_title (out, "%s %s: %.0f %% of expected (%.3g%s vs %.3g%s, %s baseline)",
                          vg_entity_name (d->ent, name, sizeof name), s_leaf2 (d->ent->path), m > 0 ? 100 * x / m : 0, x,
                          unit, m, unit, weekly ? "hour-of-week" : "daily");
    }
    return 0;
}

/* Fresh state: its non-zero fields. */
static void
s_cl_cold (vg_detector_t *self)
{
    s_cl_t *d = (s_cl_t *) self;
    d->st.hour = INT64_MIN;
}

static int
s_cl_valid (const vg_detector_t *self)
{
    const s_cl_t *d = (const s_cl_t *) self;
    if (d->st.dt_slot >= CL_SLOTS || d->st.wk_slot >= CL_SLOTS || !isfinite (d->st.acc_sum) ||
        !isfinite (d->st.acc_dev) || !isfinite (d->st.acc_osum) || !isfinite (d->st.acc_odev))
        return -VG_EINVAL;
    for (int i = 0; i < CL_SLOTS; i++)
        if (!isfinite (d->st.m[i]) || !isfinite (d->st.d[i]))
            return -VG_EINVAL;
    return 0;
}

const vg_detector_ops_t vg_det_collapse = {
    .name = "collapse", .version = "1.1.0", .cia_class = VG_CIA_A, .scope = VG_SCOPE_SERIES,
    VG_DETECTOR_PARAMS (s_cl_params), VG_DETECTOR_STATE (s_cl_t, st, 0x434c5001), .validate = s_cl_valid,
    .cold = s_cl_cold,
    .new = s_cl_new, .destroy = vg_detector_free, .on_sample = s_cl_sample,
    .prefetch = s_cl_prefetch,
};
