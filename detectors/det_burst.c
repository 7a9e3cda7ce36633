/* det_burst.c - burst (A04): error/drop counters of one interface (entity scope: device +
 * labels; slot = the rule's path pattern, e.g. in-errors, in-fcs-errors, in-discards).  Each
 * counter's count per interval is compared with that counter's own background rate
 * (time-weighted EWMA of quiet intervals): an interval is a burst when its count is at least
 * `ratio` times the background count expected for that interval and its rate at least
 * `min_count` per minute.  The interface fires once a counter's run of consecutive burst
 * intervals is `min_intervals` long and holds `min_count` events, so the same burst is found
 * after the same number of intervals whatever the cadence (a count per interval tuned on
 * 60-s samples needed 9 intervals at 10 s); in-errors and in-fcs-errors of one burst make
 * one finding.
 * With `season` (24 h in the default rule), an interval is a burst only when its rate is
 * also above the counter's own peak rate around the same time one season ago (BU_BUCKETS
 * buckets per season: the bucket, the one before and the one after): congestion discards
 * that come back at every evening peak are that counter's daily background, not a burst.
 * Invariant: bounded (BU_SLOTS counters per interface); the background learns only from
 * quiet intervals; the state is one plain struct `st` (the generic save/load). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"

#define BU_SLOTS 8
#define BU_BUCKETS 12 /* peak rates per season (24 h: two-hour buckets) */
enum { BU_MAX, BU_RATIO, BU_MINCOUNT, BU_MININT, BU_TAU, BU_WARM, BU_MINRATE, BU_SEASON };
static const vg_param_def_t s_bu_params[] = {
    { .name = "max_rate", .type = VG_PARAM_NUM, .min = 0, .max = 1e18,
      .help = "fire at once above this rate per second (0 = off)" },
    { .name = "ratio", .type = VG_PARAM_NUM, .def = 10, .min = 1, .max = 1e9,
      .help = "an interval is a burst when its count is at least ratio x the background count for that interval" },
    { .name = "min_count", .type = VG_PARAM_NUM, .def = 10, .min = 1, .max = 1e18,
      .help = "and at least this many events per minute; the burst fires once its run holds this many" },
    { .name = "min_intervals", .type = VG_PARAM_NUM, .def = 2, .min = 1, .max = 1000,
      .help = "consecutive burst intervals before the interface fires" },
    { .name = "background", .type = VG_PARAM_DUR, .def = 3600000, .min = 60000, .max = 30 * 86400000.0,
      .help = "time constant of each counter's background rate (learned from quiet intervals)" },
    { .name = "warmup_samples", .type = VG_PARAM_NUM, .def = 10, .min = 0, .max = 1e6,
      .help = "intervals a counter needs before it can be a burst" },
    { .name = "min_rate", .type = VG_PARAM_NUM, .min = 0, .max = 1e18,
      .help = "rates per second below this never count as a burst" },
    { .name = "season", .type = VG_PARAM_DUR, .def = 0, .min = 0, .max = 30 * 86400000.0,
      .help = "a burst must also beat the counter's peak rate around the same time one season ago (0 = off; 24h: a daily recurring rate is background)" },
};

typedef struct {
    vg_ctr_t ctr;
    double lam;             /* background events per second */
    double last_c, last_dt; /* latest interval: count and length (s) */
    double run_sum;         /* events in the current run of burst intervals */
    uint32_t n, run;        /* quiet intervals learned; consecutive burst intervals */
    int64_t run_start;
    int32_t pb[BU_BUCKETS]; /* season: the bucket's index (time / width + 1; 0 = empty) */
    float pk[BU_BUCKETS];   /* and the highest rate per second seen in it */
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
        if (d->st.s[i].run >= need && d->st.s[i].run > 0 && d->st.s[i].run_sum >= vg_param (r, BU_MINCOUNT)) {
            fire = 1;
            if (d->st.s[i].run_start < start)
                start = d->st.s[i].run_start;
            if (d->st.s[i].last_c > obs) {
                obs = d->st.s[i].last_c;
                exp_ = e;
            }
            if (o < sizeof ev)
                o += (size_t) snprintf (ev + o, sizeof ev - o, "%s%s %.0f in %.0f s (background %.2g)", o ? ", " : "",
                                        vg_rule_leaf (r, i, "counter"), d->st.s[i].last_c, d->st.s[i].last_dt, e);
        }
        double sc = d->st.s[i].last_c / (vg_param (r, BU_RATIO) * e + vg_param (r, BU_MINCOUNT) * d->st.s[i].last_dt / 60);
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
        if (!vg_ctr_rate (&s->ctr, ts, v, &rate)) {
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
    int burst = warm && c > 0 && c >= vg_param (r, BU_MINCOUNT) * dt / 60 && c >= vg_param (r, BU_RATIO) * e &&
                c / dt >= vg_param (r, BU_MINRATE);
    double season = vg_param (r, BU_SEASON);
    if (season > 0) {
        int64_t w = season >= BU_BUCKETS ? (int64_t) (season / BU_BUCKETS) : 1, b = ts / w + 1;
        if (b > 0 && b < INT32_MAX) {
            uint32_t k = (uint32_t) (b % BU_BUCKETS);
            float rate = (float) (c / dt);
            /* the same time one season ago: that bucket and its neighbours */
            float ago = 0;
            for (int64_t j = b - BU_BUCKETS - 1; j <= b - BU_BUCKETS + 1; j++)
                if (j > 0 && s->pb[j % BU_BUCKETS] == j && s->pk[j % BU_BUCKETS] > ago)
                    ago = s->pk[j % BU_BUCKETS];
            if (burst && rate <= ago)
                burst = 0;
            if (s->pb[k] != (int32_t) b) {
                s->pb[k] = (int32_t) b;
                s->pk[k] = rate;
            } else if (rate > s->pk[k]) {
                s->pk[k] = rate;
            }
        }
    }
    if (vg_param (r, BU_MAX) > 0 && c / dt > vg_param (r, BU_MAX))
        burst = 1;
    s->last_c = c;
    s->last_dt = dt;
    if (burst) {
        if (s->run == 0) {
            s->run_start = ts - (int64_t) (dt * 1000);
            s->run_sum = 0;
        }
        s->run++;
        s->run_sum += c;
        if (vg_param (r, BU_MAX) > 0 && c / dt > vg_param (r, BU_MAX)) {
            if (s->run < (uint32_t) vg_param (r, BU_MININT))
                s->run = (uint32_t) vg_param (r, BU_MININT);
            if (s->run_sum < vg_param (r, BU_MINCOUNT))
                s->run_sum = vg_param (r, BU_MINCOUNT);
        }
    } else {
        s->run = 0;
        s->run_sum = 0;
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
        if (!(isfinite (d->st.s[i].lam) && d->st.s[i].lam >= 0 && isfinite (d->st.s[i].last_c) &&
              isfinite (d->st.s[i].run_sum)))
            return -VG_EINVAL;
        else
            for (int k = 0; k < BU_BUCKETS; k++)
                if (d->st.s[i].pb[k] < 0 || !isfinite (d->st.s[i].pk[k]))
                    return -VG_EINVAL;
    return 0;
}

const vg_detector_ops_t vg_det_burst = {
    .name = "burst", .version = "2.2.0", .cia_class = VG_CIA_A, .scope = VG_SCOPE_ENTITY,
    VG_DETECTOR_PARAMS (s_bu_params), VG_DETECTOR_STATE (s_bu_t, st, 0x42555204), .validate = s_bu_valid,
    .new = s_bu_new, .destroy = vg_detector_free, .on_input = s_bu_input,
};
