/* det_fleet.c - cross-cutting fleet detectors: same-vendor common-mode events (X01, fed with
 * other rules' findings) and vendor divergence within a site (X02, fed with KPI series).
 * Invariant: bounded rings/tables per instance; X01 counts each device once per window. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/alert.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"

/* =========================================================================================
 * common_mode (X01): k distinct devices of one vendor with a finding from the source kinds
 * within W; fire when P(X >= k | n, p0) < alpha and k >= min_k (binomial surprise), and the
 * vendor stands out from the rest of the fleet: when k_o of the other vendors' n_o devices
 * have findings of the kind most of the vendor's k have (reboot, silence, ...) within W too,
 * the chance that k or more of all k + k_o fall on this vendor's n devices by their share of
 * the fleet (hypergeometric tail) is below fleet_alpha.  The engine hands each vendor's instance the other vendors' findings too
 * (a->vendor differs; peers = devices of the other vendors).
 */
#define CM_RING 256
enum { CM_SRC, CM_WIN, CM_P0, CM_ALPHA, CM_MINK, CM_CRIT, CM_FLEET, CM_HOLD };
static const vg_param_def_t s_cm_params[] = {
    { .name = "sources", .type = VG_PARAM_STR, .choices = "reboot,silence,config_change,image_change,cell_outage",
      .help = "detector kinds whose findings count" },
    { .name = "window", .type = VG_PARAM_DUR, .def = 900000, .min = 60000, .max = 86400000.0,
      .help = "W: findings within this window count together" },
    { .name = "p0", .type = VG_PARAM_NUM, .def = 0.001, .min = 1e-9, .max = 0.5,
      .help = "base rate: probability that one device has such a finding within W" },
    { .name = "alpha", .type = VG_PARAM_NUM, .def = 1e-6, .min = 1e-15, .max = 0.1,
      .help = "fire when the binomial tail probability is below this" },
    { .name = "min_k", .type = VG_PARAM_NUM, .def = 2, .min = 1, .max = 1e6,
      .help = "and at least this many devices (2: never a single element; the binomial test scales the count with fleet size)" },
    { .name = "critical_fraction", .type = VG_PARAM_NUM, .def = 0.2, .min = 0, .max = 1,
      .help = "critical when more than this fraction of the vendor's devices" },
    { .name = "fleet_alpha", .type = VG_PARAM_NUM, .def = 0.1, .min = 0, .max = 1,
      .help = "when other vendors' devices have findings of the vendor's most common kind within W too, fire only if this vendor's share of them is this unlikely by its share of the fleet (0 = off)" },
    { .name = "hold", .type = VG_PARAM_DUR, .def = 0, .min = 0, .max = 86400000.0,
      .help = "judge a cluster only once the fleet's findings up to this long after it are in (fleet time), with them (0 = at each finding)" },
};

/* Distinct devices with a finding, their latest finding time and the kinds of their
 * findings within the window of it (bit i: the i-th of `sources`) (a ring). */
typedef struct {
    uint64_t dev[CM_RING];
    int64_t ts[CM_RING];
    uint8_t kinds[CM_RING];
    uint32_t pos, n;
} s_cm_ring_t;

typedef struct {
    vg_detector_t base;
    const char *vendor;
    struct {
        s_cm_ring_t own, other;   /* this vendor's devices; the other vendors' */
        uint32_t peers, opeers;
        int firing;
        int64_t fire_lo, fire_hi; /* times of the findings counted when it last fired (0: never) */
        int64_t cand;             /* hold: time of the finding whose cluster waits to be judged (0: none) */
    } st;
} s_cm_t;

static vg_detector_t *
s_cm_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_cm_t *d = calloc (1, sizeof *d);
    if (d)
        d->vendor = e->key ? e->key : "";
    return d ? &d->base : NULL;
}

/* log P(X >= k) for X ~ Binomial(n, p). */
static double
s_log_tail (uint32_t n, uint32_t k, double p)
{
    if (k == 0)
        return 0;
    if (k > n)
        return -INFINITY;
    double lp = log (p), lq = log1p (-p), best = -INFINITY, sum = 0;
    double lt[400];
    uint32_t m = 0;
    for (uint32_t i = k; i <= n && m < 400; i++, m++) {
        lt[m] = lgamma (n + 1.0) - lgamma (i + 1.0) - lgamma (n - i + 1.0) + i * lp + (n - i) * lq;
        if (lt[m] > best)
            best = lt[m];
    }
    for (uint32_t i = 0; i < m; i++)
        sum += exp (lt[i] - best);
    return best + log (sum);
}

/* Remember device key's finding of kind bit `kind` at ts in ring g (kinds older than w are
 * forgotten). */
static void
s_cm_note (s_cm_ring_t *g, uint64_t key, int64_t ts, uint8_t kind, int64_t w)
{
    for (uint32_t i = 0; i < g->n; i++)
        if (g->dev[i] == key) {
            g->kinds[i] = (uint8_t) ((llabs (ts - g->ts[i]) <= w ? g->kinds[i] : 0) | kind);
            g->ts[i] = ts;
            return;
        }
    g->dev[g->pos] = key;
    g->ts[g->pos] = ts;
    g->kinds[g->pos] = kind;
    g->pos = (g->pos + 1) % CM_RING;
    if (g->n < CM_RING)
        g->n++;
}

/* Devices of ring g with a finding within w of now (both sides: the vendor's devices reach
 * the engine through sources whose data times differ, so a finding stamped after `now`, from
 * a source ahead of this one, is as near as one before it; counting it as "within the
 * window" forever fired X01 on findings hours apart), and none after ub (hold: the picture
 * as of a time); their time span into lo/hi; per kind bit b, the devices with such a finding
 * into per[b]. */
static uint32_t
s_cm_within (const s_cm_ring_t *g, int64_t now, int64_t w, int64_t ub, int64_t *lo, int64_t *hi, uint32_t per[8])
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < g->n; i++)
        if (llabs (now - g->ts[i]) <= w && g->ts[i] <= ub) {
            k++;
            for (int b = 0; b < 8; b++)
                per[b] += (g->kinds[i] >> b) & 1u;
            *lo = g->ts[i] < *lo ? g->ts[i] : *lo;
            *hi = g->ts[i] > *hi ? g->ts[i] : *hi;
        }
    return k;
}

/* The test at time now over the findings within W of it and not after ub: fire or not,
 * with what made the decision. */
typedef struct {
    uint32_t k, n, ko, no;
    double lt, lh;
    int64_t lo, hi;
    int fire;
} s_cm_judge_t;

static s_cm_judge_t
s_cm_judge (const s_cm_t *d, int64_t now, int64_t ub)
{
    const vg_rule_t *r = d->base.rule;
    s_cm_judge_t j = { .lo = INT64_MAX, .hi = INT64_MIN };
    int64_t w = (int64_t) vg_param (r, CM_WIN), olo = INT64_MAX, ohi = INT64_MIN;
    uint32_t per[8] = { 0 }, oper[8] = { 0 };
    j.k = s_cm_within (&d->st.own, now, w, ub, &j.lo, &j.hi, per);
    uint32_t ko_all = s_cm_within (&d->st.other, now, w, ub, &olo, &ohi, oper);
    j.n = d->st.peers > j.k ? d->st.peers : j.k;
    j.no = d->st.opeers > ko_all ? d->st.opeers : ko_all;
    j.lt = s_log_tail (j.n, j.k, vg_param (r, CM_P0));
    j.fire = j.k >= (uint32_t) vg_param (r, CM_MINK) && j.lt < log (vg_param (r, CM_ALPHA));
    /* A common mode is the same abnormal state on many devices: the vendor's cluster is
     * judged against the other vendors' findings of its most common kind (a reboot wave or a
     * collector outage is that kind everywhere; an unrelated silence elsewhere is not). */
    int kb = 0;
    for (int b = 1; b < 8; b++)
        kb = per[b] > per[kb] ? b : kb;
    uint32_t kk = per[kb] ? per[kb] : j.k;
    j.ko = per[kb] ? oper[kb] : ko_all;
    j.lh = 0; /* log P of this vendor's share of the fleet's findings of that kind */
    if (j.fire && j.ko > 0 && vg_param (r, CM_FLEET) > 0) {
        j.lh = vg_log_hyper_tail (j.n, j.no, kk, j.ko);
        j.fire = j.lh < log (vg_param (r, CM_FLEET));
    }
    return j;
}

/* Verdict at time now from judgement jp (s_cm_judge). */
static void
s_cm_verdict (s_cm_t *d, const s_cm_judge_t *jp, int64_t now, vg_verdict_t *out)
{
    const vg_rule_t *r = d->base.rule;
    int64_t w = (int64_t) vg_param (r, CM_WIN), lo = jp->lo, hi = jp->hi;
    uint32_t k = jp->k, n = jp->n, ko = jp->ko, no = jp->no;
    double lt = jp->lt, lh = jp->lh;
    int fire = jp->fire;
    out->state = fire ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR;
    out->observed = k;
    out->expected = n * vg_param (r, CM_P0);
    out->lo = 0;
    out->hi = vg_param (r, CM_MINK);
    out->score = fmin (1.0, -lt / -log (vg_param (r, CM_ALPHA)));
    out->severity = fire && n > 0 && (double) k / n > vg_param (r, CM_CRIT) ? VG_SEV_CRITICAL : 0;
    out->window_start_ms = now - w;
    out->window_end_ms = now;
    if (fire) {
        vg_verdict_note (out, "%u of %u devices of this vendor within %.0f min, P(X>=k)=%.2g (base rate %.2g); other vendors %u of %u (P=%.2g)",
                         k, n, vg_param (r, CM_WIN) / 60000.0, exp (lt), vg_param (r, CM_P0), ko, no, exp (lh));
        vg_verdict_title (out, "vendor %s: %u of %u devices with %s findings within %.0f min (P=%.2g)", d->vendor, k, n,
                          r->ps[CM_SRC], vg_param (r, CM_WIN) / 60000.0, exp (lt));
    } else if (d->st.firing && (d->st.fire_lo || d->st.fire_hi) && d->st.fire_hi + w < now)
        /* The cluster that fired left the window at its last finding + W, whenever the next
         * evaluation came (a tick at another source's data time may come hours later). */
        out->clear_since_ms = d->st.fire_hi + w;
    if (fire) {
        /* A cluster more than W away from the one that last fired is a new common-mode
         * event, even if no clear was seen in between (its sources were at other times). */
        out->fresh = (d->st.fire_hi || d->st.fire_lo) && (lo > d->st.fire_hi + w || hi < d->st.fire_lo - w);
        d->st.fire_lo = lo;
        d->st.fire_hi = hi;
    }
    d->st.firing = fire;
}

static void
s_cm_eval (s_cm_t *d, int64_t now, vg_verdict_t *out)
{
    s_cm_judge_t j = s_cm_judge (d, now, INT64_MAX);
    s_cm_verdict (d, &j, now, out);
}

/* hold > 0 and not firing: the cluster of the finding at cand is judged once fleet time
 * `now` has passed cand + hold, with every finding up to then (the other vendors' findings
 * of those minutes included: a reboot wave's other vendors reboot a few minutes after the
 * first one's), whenever the tick comes.  The next candidate is the first own finding after
 * that picture whose cluster the test fires on as of its own time.  Bounded: each round
 * moves cand to a later finding of the ring. */
static void
s_cm_hold (s_cm_t *d, int64_t now, vg_verdict_t *out)
{
    int64_t hold = (int64_t) vg_param (d->base.rule, CM_HOLD);
    for (uint32_t round = 0; d->st.cand && now >= d->st.cand + hold && round <= CM_RING; round++) {
        int64_t ub = d->st.cand + hold;
        s_cm_judge_t j = s_cm_judge (d, d->st.cand, ub);
        d->st.cand = 0;
        if (j.fire) {
            /* At the time it became due (window_end_ms; the engine applies it then), not at
             * whenever this tick came: the record does not depend on tick spacing. */
            s_cm_verdict (d, &j, ub, out);
            return;
        }
        /* The next own finding after ub whose cluster, as of its time, fires. */
        int64_t next = INT64_MAX;
        for (uint32_t i = 0; i < d->st.own.n; i++) {
            int64_t t = d->st.own.ts[i];
            if (t > ub && t <= now && t < next && s_cm_judge (d, t, t).fire)
                next = t;
        }
        d->st.cand = next == INT64_MAX ? 0 : next;
    }
}

/* Index (0..7) of detector kind det in the comma-separated list csv (7 past the eighth). */
static int
s_cm_kind (const char *csv, const char *det)
{
    size_t dl = strlen (det);
    int i = 0;
    for (const char *p = csv; p && *p && i < 7; i++) {
        const char *e = strchr (p, ',');
        size_t l = e ? (size_t) (e - p) : strlen (p);
        if (l == dl && strncmp (p, det, l) == 0)
            return i;
        p = e ? e + 1 : NULL;
    }
    return 7;
}

static int
s_cm_alert (vg_detector_t *self, const vg_alert_t *a, uint32_t peers, vg_verdict_t *out)
{
    s_cm_t *d = (s_cm_t *) self;
    const vg_rule_t *r = self->rule;
    if (!vg_csv_has (r->ps[CM_SRC], a->detector) || !strcmp (a->rule_id, r->id))
        return 0;
    uint64_t key = vg_key2 (a->device, "");
    uint8_t kind = (uint8_t) (1u << s_cm_kind (r->ps[CM_SRC], a->detector));
    int64_t w = (int64_t) vg_param (r, CM_WIN);
    if (a->vendor && d->vendor[0] && strcmp (a->vendor, d->vendor) != 0) {
        /* Another vendor's finding: the fleet this vendor is judged against. */
        s_cm_note (&d->st.other, key, a->time_ms, kind, w);
        d->st.opeers = peers;
        return 0;
    }
    int held = vg_param (r, CM_HOLD) > 0;
    if (held && !d->st.firing && d->st.cand) {
        /* A cluster whose hold has passed is judged before this finding moves its device's
         * time out of the picture (a fleet partition may tick only at the vendor's next
         * finding, hours later). */
        s_cm_hold (d, a->time_ms, out);
        if (out->state == VG_VERDICT_FIRE) {
            s_cm_note (&d->st.own, key, a->time_ms, kind, w);
            d->st.peers = peers;
            return 0;
        }
    }
    s_cm_note (&d->st.own, key, a->time_ms, kind, w);
    d->st.peers = peers;
    if (held && !d->st.firing) {
        /* Held: a cluster that fires as of now is judged when the fleet's picture of the
         * following `hold` is in (s_cm_hold, at a tick). */
        if (!d->st.cand && s_cm_judge (d, a->time_ms, a->time_ms).fire)
            d->st.cand = a->time_ms;
        s_cm_hold (d, a->time_ms, out);
        return 0;
    }
    s_cm_eval (d, a->time_ms, out);
    return 0;
}

static int
s_cm_tick (vg_detector_t *self, int64_t now, vg_verdict_t *out)
{
    s_cm_t *d = (s_cm_t *) self;
    if (d->st.firing)
        s_cm_eval (d, now, out);
    else if (d->st.cand)
        s_cm_hold (d, now, out);
    return 0;
}

static int
s_cm_valid (const vg_detector_t *self)
{
    const s_cm_t *d = (const s_cm_t *) self;
    return (d->st.own.pos >= CM_RING || d->st.own.n > CM_RING || d->st.other.pos >= CM_RING ||
            d->st.other.n > CM_RING) ? -VG_EINVAL : 0;
}

const vg_detector_ops_t vg_det_common_mode = {
    .name = "common_mode", .version = "1.5.0", .cia_class = VG_CIA_X, .scope = VG_SCOPE_VENDOR,
    VG_DETECTOR_PARAMS (s_cm_params), VG_DETECTOR_STATE (s_cm_t, st, 0x434d4f05), .validate = s_cm_valid,
    .new = s_cm_new, .destroy = vg_detector_free, .on_tick = s_cm_tick, .on_alert = s_cm_alert,
};

/* =========================================================================================
 * divergence (X02): per site, each vendor's KPI bucket mean relative to its own slow
 * baseline; a vendor whose relative change departs from the other vendors' median by more
 * than k robust sd (of that gap's own history) diverges.
 */
#define DV_VENDORS 8
enum { DV_BUCKET, DV_ALPHA, DV_K, DV_WARM, DV_DIR, DV_MINGAP, DV_SALPHA };
static const vg_param_def_t s_dv_params[] = {
    { .name = "bucket", .type = VG_PARAM_DUR, .def = 900000, .min = 60000, .max = 86400000.0,
      .help = "aggregation bucket" },
    { .name = "alpha", .type = VG_PARAM_NUM, .def = 0.01, .min = 1e-5, .max = 1,
      .help = "per-vendor baseline EWMA weight per bucket (0.01 = ~25 h at 15 min)" },
    { .name = "k", .type = VG_PARAM_NUM, .def = 3, .min = 0.5, .max = 100,
      .help = "fire when the gap exceeds k robust sd of its history" },
    { .name = "warmup_buckets", .type = VG_PARAM_NUM, .def = 96, .min = 0, .max = 1e6,
      .help = "buckets before deciding" },
    { .name = "direction", .type = VG_PARAM_ENUM, .choices = "low|high|both",
      .help = "low: KPI where lower is worse (success ratios)" },
    { .name = "min_gap", .type = VG_PARAM_NUM, .def = 0.005, .min = 0, .max = 10,
      .help = "ignore relative gaps smaller than this" },
    { .name = "scale_alpha", .type = VG_PARAM_NUM, .def = 0.005, .min = 1e-5, .max = 1,
      .help = "EWMA weight per bucket of the gap scale after warm-up (slow, so a drift over days is not absorbed into its own scale)" },
};

typedef struct {
    vg_detector_t base;
    char sig[96];
    struct {
        int64_t cur;
        uint32_t nv;
        int firing;        /* vendor index + 1 of the open finding, 0 = none */
        struct {
            char name[64];
            double sum, cnt, base, mad, last_gap;
            uint32_t nb;
        } v[DV_VENDORS];
    } st;
} s_dv_t;

static void
s_dv_close (s_dv_t *d, vg_verdict_t *out)
{
    const vg_rule_t *r = d->base.rule;
    double dev[DV_VENDORS];
    int have[DV_VENDORS] = { 0 }, nh = 0;
    for (uint32_t i = 0; i < d->st.nv; i++) {
        if (d->st.v[i].cnt <= 0)
            continue;
        double m = d->st.v[i].sum / d->st.v[i].cnt, b = d->st.v[i].base;
        dev[i] = d->st.v[i].nb ? (m - b) / fmax (fabs (b), 1e-9) : 0;
        have[i] = 1;
        nh++;
    }
    int worst = -1;
    double worst_u = 0;
    if (nh >= 2) {
        for (uint32_t i = 0; i < d->st.nv; i++) {
            if (!have[i])
                continue;
            double others[DV_VENDORS] = { 0 };
            int no = 0;
            for (uint32_t j = 0; j < d->st.nv; j++)
                if (j != i && have[j])
                    others[no++] = dev[j];
            /* median of the others (no <= 7): insertion sort */
            for (int a = 1; a < no; a++)
                for (int b = a; b > 0 && others[b - 1] > others[b]; b--) {
                    double t = others[b];
                    others[b] = others[b - 1];
                    others[b - 1] = t;
                }
            double med = no % 2 ? others[no / 2] : 0.5 * (others[no / 2 - 1] + others[no / 2]);
            double gap = dev[i] - med, scale = 1.4826 * d->st.v[i].mad + 1e-6;
            double u = vg_param (r, DV_DIR) == 0 ? -gap / scale : vg_param (r, DV_DIR) == 1 ? gap / scale : fabs (gap) / scale;
            d->st.v[i].last_gap = gap;
            int warm = d->st.v[i].nb >= (uint32_t) vg_param (r, DV_WARM);
            if (warm && u > vg_param (r, DV_K) && fabs (gap) > vg_param (r, DV_MINGAP) && u > worst_u) {
                worst = (int) i;
                worst_u = u;
            }
            /* Learn the scale only from ordinary gaps, in either direction: a vendor looks
             * "better" while another one drifts, and that gap must not inflate its scale. */
            if (!(warm && fabs (gap) / scale > vg_param (r, DV_K))) {
                double a = d->st.v[i].nb < 10 ? 0.5 : !warm ? 0.05 : vg_param (r, DV_SALPHA);
                d->st.v[i].mad += a * (fabs (gap) - d->st.v[i].mad);
            }
        }
    }
    /* Learn baselines from vendors that are not diverging. */
    for (uint32_t i = 0; i < d->st.nv; i++) {
        if (!have[i] || (int) i == worst)
            continue;
        double m = d->st.v[i].sum / d->st.v[i].cnt;
        double a = d->st.v[i].nb < 10 ? 1.0 / (d->st.v[i].nb + 1) : vg_param (r, DV_ALPHA);
        d->st.v[i].base += a * (m - d->st.v[i].base);
        d->st.v[i].nb++;
    }
    int64_t bms = (int64_t) vg_param (r, DV_BUCKET);
    if (worst >= 0) {
        d->st.firing = worst + 1;
        snprintf (d->sig, sizeof d->sig, "vendor=%s", d->st.v[worst].name);
        out->state = VG_VERDICT_FIRE;
        out->signal = d->sig;
        out->observed = d->st.v[worst].sum / d->st.v[worst].cnt;
        out->expected = d->st.v[worst].base;
        out->lo = out->expected * (1 - vg_param (r, DV_K) * 1.4826 * d->st.v[worst].mad);
        out->hi = out->expected * (1 + vg_param (r, DV_K) * 1.4826 * d->st.v[worst].mad);
        out->score = fmin (1.0, worst_u / (2 * vg_param (r, DV_K)));
        out->window_start_ms = d->st.cur * bms;
        out->window_end_ms = (d->st.cur + 1) * bms;
        vg_verdict_note (out, "vendor %s KPI %.4g vs own baseline %.4g: relative change %.2f %% differs from other vendors by %.1f robust sd",
                         d->st.v[worst].name, out->observed, out->expected, 100 * dev[worst], worst_u);
    } else if (d->st.firing) {
        int f = d->st.firing - 1;
        snprintf (d->sig, sizeof d->sig, "vendor=%s", d->st.v[f].name);
        out->state = VG_VERDICT_CLEAR;
        out->signal = d->sig;
        d->st.firing = 0;
    }
    for (uint32_t i = 0; i < d->st.nv; i++)
        d->st.v[i].sum = d->st.v[i].cnt = 0;
}

static int
s_dv_input (vg_detector_t *self, int slot, const vg_device_t *dev, int64_t ts, double v, vg_verdict_t *out)
{
    s_dv_t *d = (s_dv_t *) self;
    if (!isfinite (v) || !dev)
        return 0;
    const char *vendor = dev->vendor ? dev->vendor : "";
    int idx = -1;
    for (uint32_t i = 0; i < d->st.nv; i++)
        if (!strncmp (d->st.v[i].name, vendor, sizeof d->st.v[i].name - 1))
            idx = (int) i;
    if (idx < 0) {
        if (d->st.nv >= DV_VENDORS)
            return -VG_EFULL;
        idx = (int) d->st.nv++;
        snprintf (d->st.v[idx].name, sizeof d->st.v[idx].name, "%s", vendor);
    }
    int64_t b = ts / (int64_t) vg_param (self->rule, DV_BUCKET);
    if (d->st.cur < 0)
        d->st.cur = b;
    if (b > d->st.cur) {
        s_dv_close (d, out);
        d->st.cur = b;
    }
    d->st.v[idx].sum += v;
    d->st.v[idx].cnt += 1;
    return 0;
}

/* Fresh state: its non-zero fields. */
static void
s_dv_cold (vg_detector_t *self)
{
    s_dv_t *d = (s_dv_t *) self;
    d->st.cur = -1;
}

static int
s_dv_valid (const vg_detector_t *self)
{
    const s_dv_t *d = (const s_dv_t *) self;
    if (d->st.nv > DV_VENDORS || d->st.firing < 0 || d->st.firing > DV_VENDORS)
        return -VG_EINVAL;
    for (uint32_t i = 0; i < d->st.nv; i++)
        if (!memchr (d->st.v[i].name, 0, sizeof d->st.v[i].name))
            return -VG_EINVAL;
    return 0;
}

const vg_detector_ops_t vg_det_divergence = {
    .name = "divergence", .version = "1.0.0", .cia_class = VG_CIA_X, .scope = VG_SCOPE_SITE,
    VG_DETECTOR_PARAMS (s_dv_params), VG_DETECTOR_STATE (s_dv_t, st, 0x44495601), .validate = s_dv_valid,
    .cold = s_dv_cold,
    .new = vg_detector_new_plain, .destroy = vg_detector_free, .on_input = s_dv_input,
};
