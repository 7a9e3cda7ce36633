/* det_ran_kpi.c - ran_kpi (A06): success ratio from a success and an attempt series of one
 * entity (slot 0 = successes, slot 1 = attempts, paired by timestamp), pooled to a minimum
 * denominator, Wilson interval vs a slow baseline and an SLA floor.
 * Invariant: the baseline learns only from windows that do not fire; the state is one
 * plain struct `st` (the generic save/load). */
#include <math.h>
#include <stdlib.h>

#include "common/err.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"

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
