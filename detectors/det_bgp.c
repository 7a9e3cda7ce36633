/* det_bgp.c - bgp (A08): session state (1 = ESTABLISHED) and received-prefix swings vs a
 * slow baseline.
 * Invariant: the prefix baseline learns only from samples that do not fire; the state is
 * one plain struct `st` (the generic save/load). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"

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
