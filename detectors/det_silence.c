/* det_silence.c - silence (A01): per-series staleness against the series' learned (or
 * configured) cadence; the engine aggregates these instances into device and collector
 * silence.
 * Invariant: the state is one plain struct `st` (the generic save/load); parameters are read
 * from the rule, never saved. */
#include <math.h>
#include <stdlib.h>

#include "common/err.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"

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
    .sample_quiet = 1, /* s_sil_sample only learns the cadence */
};
