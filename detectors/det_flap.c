/* det_flap.c - flap (A02): oper-status transitions (state 1/0) or a transitions counter,
 * with BGP-style exponential penalty damping.
 * Invariant: the penalty decays only forward in event time; the state is one plain struct
 * `st` (the generic save/load). */
#include <math.h>
#include <stdlib.h>

#include "common/err.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"

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
        vg_ctr_t ctr;
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
    if (out->state == VG_VERDICT_FIRE) /* the engine reads the evidence of a FIRE only */
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
        (void) vg_ctr_rate (&d->st.ctr, ts, v, &rate);
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
