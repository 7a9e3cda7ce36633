/* det_seasonal.c - seasonal (A03 throughput collapse, and the generic univariate anomaly
 * scorer): a thin kind around uni.c, whose configuration it builds from the rule.
 * Invariant: the state is the univariate scorer's vg_uni_t, saved as is and checked by
 * vg_uni_validate; the configuration is rebuilt from the rule, never saved. */
#include "common/err.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"
#include "detectors/uni.h"

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
    s_se_t *d = (s_se_t *) vg_detector_new_plain (r, e); /* fresh state: s_se_cold */
    if (!d)
        return NULL;
    int rate = (int) vg_param (r, SE_RATE);
    d->counter = rate == 1 || (rate == 0 && e->kind == VG_KIND_COUNTER);
    vg_seasonal_cfg (r, &d->cfg);
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
