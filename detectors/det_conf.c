/* det_conf.c - confidentiality detectors: management-plane call-home (C01), volume to
 * external destinations (C02), mirror/capture sessions (C03), logins from unknown sources
 * or local accounts (C04), encryption turned off while traffic flows (C05).
 * Invariant: event findings are oneshot (no clear condition); state is bounded per
 * instance (fixed novelty rings and beacon tables). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"

/* =========================================================================================
 * callhome (C01): element-originated flows to destinations outside an allowlist, or never
 * seen before for the element's role; beaconing (regular inter-arrival) raises severity.
 */
enum { CH_AL, CH_VRF, CH_LEARN, CH_NOVEL, CH_CAP, CH_BN, CH_BCV };
static const vg_param_def_t s_ch_params[] = {
    { .name = "allowlist", .type = VG_PARAM_STR, .choices = "",
      .help = "allowed destinations (CIDR + ports); outside => high at once; empty = novelty only" },
    { .name = "vrf", .type = VG_PARAM_STR, .choices = "", .help = "only flows in this VRF (e.g. MGMT); empty = all" },
    { .name = "learn", .type = VG_PARAM_DUR, .def = 7.0 * 86400000, .min = 0, .max = 366.0 * 86400000,
      .help = "novelty learning period per role (allowlist violations fire during it)" },
    { .name = "novelty", .type = VG_PARAM_BOOL, .def = 1, .min = 0, .max = 1,
      .help = "report first-seen destinations (info inside the allowlist, rule severity without one)" },
    { .name = "capacity", .type = VG_PARAM_NUM, .def = 512, .min = 1, .max = 512,
      .help = "destinations remembered per role" },
    { .name = "beacon_n", .type = VG_PARAM_NUM, .def = 10, .min = 3, .max = 1000,
      .help = "flows to one flagged destination before the beacon test" },
    { .name = "beacon_cv", .type = VG_PARAM_NUM, .def = 0.2, .min = 0, .max = 10,
      .help = "inter-arrival coefficient of variation below this => beaconing (severity +1)" },
};

#define CH_BEACONS 16
typedef struct {
    vg_detector_t base;
    const vg_allowlist_t *al;
    char sig[128];
    struct {
        int64_t first_ts;
        vg_novel_t seen;
        struct {
            uint64_t key;
            int64_t last;
            double n, mean, m2;
        } bc[CH_BEACONS];
        uint32_t bpos;
    } st;
} s_ch_t;

static vg_detector_t *
s_ch_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_ch_t *d = calloc (1, sizeof *d);
    if (!d)
        return NULL;
    d->al = vg_rules_allowlist (r->rules, r->ps[CH_AL]);
    return &d->base;
}

/* Track inter-arrival of a flagged destination; returns 1 when it looks like a beacon. */
static int
s_ch_beacon (s_ch_t *d, uint64_t key, int64_t ts)
{
    const vg_rule_t *r = d->base.rule;
    int slot = -1;
    for (int i = 0; i < CH_BEACONS; i++)
        if (d->st.bc[i].key == key)
            slot = i;
    if (slot < 0) {
        slot = (int) (d->st.bpos++ % CH_BEACONS);
        memset (&d->st.bc[slot], 0, sizeof d->st.bc[slot]);
        d->st.bc[slot].key = key;
        d->st.bc[slot].last = ts;
        return 0;
    }
    double gap = (double) (ts - d->st.bc[slot].last);
    d->st.bc[slot].last = ts;
    if (gap <= 0)
        return 0;
    double n = ++d->st.bc[slot].n, dm = gap - d->st.bc[slot].mean;
    d->st.bc[slot].mean += dm / n;
    d->st.bc[slot].m2 += dm * (gap - d->st.bc[slot].mean);
    if (n + 1 < vg_param (r, CH_BN) || d->st.bc[slot].mean <= 0)
        return 0;
    double cv = sqrt (d->st.bc[slot].m2 / n) / d->st.bc[slot].mean;
    return cv < vg_param (r, CH_BCV);
}

static int
s_ch_event (vg_detector_t *self, const vg_event_t *ev, const vg_device_t *dev, vg_verdict_t *out)
{
    s_ch_t *d = (s_ch_t *) self;
    const vg_rule_t *r = self->rule;
    const vg_flow_t *f = ev->flow;
    if (!f || !f->dst)
        return -VG_EINVAL;
    if (r->ps[CH_VRF][0] && (!f->vrf || strcmp (f->vrf, r->ps[CH_VRF])))
        return 0;
    if (!d->st.first_ts)
        d->st.first_ts = ev->ts_ms;
    char port[16];
    snprintf (port, sizeof port, "%u", f->dst_port);
    uint64_t key = vg_key2 (f->dst, port);
    int allowed = 1;
    if (d->al) {
        allowed = vg_allowlist_match (d->al, f->dst, f->dst_port);
        if (allowed < 0)
            return -VG_EINVAL;
    }
    int seen = vg_novel_seen (&d->st.seen, key, (uint32_t) vg_param (r, CH_CAP));
    int learning = ev->ts_ms - d->st.first_ts < (int64_t) vg_param (r, CH_LEARN);
    int sev = 0;
    if (!allowed)
        sev = VG_SEV_HIGH;
    else if (!seen && !learning && vg_param (r, CH_NOVEL) > 0)
        sev = d->al ? VG_SEV_INFO : r->severity;
    if (!sev)
        return 0;
    if (!allowed && s_ch_beacon (d, key, ev->ts_ms))
        sev = sev < VG_SEV_CRITICAL ? sev + 1 : sev;
    snprintf (d->sig, sizeof d->sig, "dst=%s:%u", f->dst, f->dst_port);
    out->state = VG_VERDICT_FIRE;
    out->oneshot = 1;
    out->severity = sev;
    out->signal = d->sig;
    out->device = dev;
    out->observed = (double) f->bytes;
    out->expected = 0;
    out->lo = out->hi = 0;
    out->score = 1.0;
    out->window_start_ms = ev->ts_ms - f->interval_ms;
    out->window_end_ms = ev->ts_ms;
    vg_verdict_note (out, "%s %s:%u proto %u asn %u country %s: %llu bytes, %llu packets%s",
                     allowed ? "first-seen destination" : "destination outside allowlist", f->dst, f->dst_port,
                     f->protocol, f->dst_asn, f->dst_country ? f->dst_country : "?",
                     (unsigned long long) f->bytes, (unsigned long long) f->packets,
                     sev == VG_SEV_CRITICAL || (!allowed && sev > VG_SEV_HIGH) ? ", beaconing" : "");
    return 0;
}

static int
s_ch_valid (const vg_detector_t *self)
{
    const s_ch_t *d = (const s_ch_t *) self;
    return !vg_novel_valid (&d->st.seen) ? -VG_EINVAL : 0;
}

const vg_detector_ops_t vg_det_callhome = {
    .name = "callhome", .version = "1.0.0", .cia_class = VG_CIA_C, .scope = VG_SCOPE_ROLE,
    .event_mask = 1u << VG_EV_FLOW_SUMMARY,
    VG_DETECTOR_PARAMS (s_ch_params), VG_DETECTOR_STATE (s_ch_t, st, 0x43484f01), .validate = s_ch_valid,
    .new = s_ch_new, .destroy = vg_detector_free, .on_event = s_ch_event,
};

/* =========================================================================================
 * exfil_volume (C02): bytes per bucket to destinations outside an internal allowlist, robust
 * z against an EWMA baseline; fires early inside a bucket once the running sum is enough.
 */
enum { XV_AL, XV_BUCKET, XV_Z, XV_MIN, XV_ALPHA, XV_WARM };
static const vg_param_def_t s_xv_params[] = {
    { .name = "internal_allowlist", .type = VG_PARAM_STR, .choices = "",
      .help = "destinations that are not external (OSS, collectors); empty = all external" },
    { .name = "bucket", .type = VG_PARAM_DUR, .def = 3600000, .min = 60000, .max = 86400000.0,
      .help = "aggregation bucket" },
    { .name = "z", .type = VG_PARAM_NUM, .def = 5, .min = 0.5, .max = 1000, .help = "robust z above baseline" },
    { .name = "min_bytes", .type = VG_PARAM_NUM, .def = 10e6, .min = 0, .max = 1e18,
      .help = "and at least this many bytes over baseline" },
    { .name = "alpha", .type = VG_PARAM_NUM, .def = 0.05, .min = 1e-4, .max = 1,
      .help = "baseline EWMA weight per bucket" },
    { .name = "warmup_buckets", .type = VG_PARAM_NUM, .def = 24, .min = 0, .max = 1e6,
      .help = "buckets before deciding" },
};

typedef struct {
    vg_detector_t base;
    const vg_allowlist_t *al;
    struct {
        int64_t cur;       /* current bucket index; -1 = none */
        double sum, mu, mad;
        uint32_t nb;
        int fired;
    } st;
} s_xv_t;

static vg_detector_t *
s_xv_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_xv_t *d = (s_xv_t *) vg_detector_new_plain (r, e); /* fresh state: s_xv_cold */
    if (!d)
        return NULL;
    d->al = vg_rules_allowlist (r->rules, r->ps[XV_AL]);
    return &d->base;
}

static double
s_xv_thr (const s_xv_t *d)
{
    const vg_rule_t *r = d->base.rule;
    double scale = 1.4826 * d->st.mad + fmax (1.0, 0.05 * d->st.mu);
    return fmax (d->st.mu + vg_param (r, XV_Z) * scale, d->st.mu + vg_param (r, XV_MIN));
}

/* Close the current bucket: decide, learn, and learn empty buckets up to `upto`. */
static void
s_xv_close (s_xv_t *d, int64_t upto, vg_verdict_t *out)
{
    const vg_rule_t *r = d->base.rule;
    int64_t bms = (int64_t) vg_param (r, XV_BUCKET);
    int warm = d->st.nb >= (uint32_t) vg_param (r, XV_WARM);
    double thr = s_xv_thr (d), x = d->st.sum;
    int fire = warm && x > thr;
    out->state = warm ? (fire ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR) : VG_VERDICT_NONE;
    out->observed = x;
    out->expected = d->st.mu;
    out->lo = 0;
    out->hi = thr;
    out->score = fire ? 1.0 : thr > 0 ? fmin (1.0, x / thr) : 0;
    out->window_start_ms = d->st.cur * bms;
    out->window_end_ms = (d->st.cur + 1) * bms;
    if (fire)
        vg_verdict_note (out, "%.0f bytes to external destinations in %.0f s, baseline %.0f", x, bms / 1000.0, d->st.mu);
    for (int64_t b = d->st.cur; b < upto && b < d->st.cur + 48; b++) {
        double v = b == d->st.cur ? x : 0.0;
        if (b == d->st.cur && fire)
            continue;
        double a = d->st.nb < 10 ? 1.0 / (d->st.nb + 1) : vg_param (r, XV_ALPHA);
        d->st.mad += a * (fabs (v - d->st.mu) - d->st.mad);
        d->st.mu += a * (v - d->st.mu);
        d->st.nb++;
    }
    d->st.sum = 0;
    d->st.fired = 0;
    d->st.cur = upto;
}

static int
s_xv_event (vg_detector_t *self, const vg_event_t *ev, const vg_device_t *dev, vg_verdict_t *out)
{
    s_xv_t *d = (s_xv_t *) self;
    const vg_rule_t *r = self->rule;
    const vg_flow_t *f = ev->flow;
    if (!f || !f->dst)
        return -VG_EINVAL;
    int internal = 0;
    if (d->al) {
        internal = vg_allowlist_match (d->al, f->dst, f->dst_port);
        if (internal < 0)
            return -VG_EINVAL;
    }
    /* Every flow advances the bucket clock, so a device whose traffic is all internal
     * still learns its (zero) external baseline and warms up. */
    int64_t b = ev->ts_ms / (int64_t) vg_param (r, XV_BUCKET);
    if (d->st.cur < 0)
        d->st.cur = b;
    if (b < d->st.cur)
        b = d->st.cur; /* late flow: count it in the current bucket */
    if (b > d->st.cur)
        s_xv_close (d, b, out);
    if (internal)
        return 0;
    d->st.sum += (double) f->bytes;
    if (out->state != VG_VERDICT_FIRE && !d->st.fired && d->st.nb >= (uint32_t) vg_param (r, XV_WARM) &&
        d->st.sum > s_xv_thr (d)) {
        d->st.fired = 1;
        out->state = VG_VERDICT_FIRE;
        out->observed = d->st.sum;
        out->expected = d->st.mu;
        out->lo = 0;
        out->hi = s_xv_thr (d);
        out->score = 1.0;
        out->window_start_ms = b * (int64_t) vg_param (r, XV_BUCKET);
        out->window_end_ms = ev->ts_ms;
        vg_verdict_note (out, "%.0f bytes to external destinations so far this bucket (latest %s:%u), baseline %.0f",
                         d->st.sum, f->dst, f->dst_port, d->st.mu);
    }
    return 0;
}

static int
s_xv_tick (vg_detector_t *self, int64_t now, vg_verdict_t *out)
{
    s_xv_t *d = (s_xv_t *) self;
    int64_t b = now / (int64_t) vg_param (self->rule, XV_BUCKET);
    if (d->st.cur >= 0 && b > d->st.cur)
        s_xv_close (d, b, out);
    return 0;
}

/* Fresh state: its non-zero fields. */
static void
s_xv_cold (vg_detector_t *self)
{
    s_xv_t *d = (s_xv_t *) self;
    d->st.cur = -1;
}

static int
s_xv_valid (const vg_detector_t *self)
{
    const s_xv_t *d = (const s_xv_t *) self;
    return !(d->st.sum >= 0 && isfinite (d->st.mu) && d->st.mad >= 0) ? -VG_EINVAL : 0;
}

const vg_detector_ops_t vg_det_exfil_volume = {
    .name = "exfil_volume", .version = "1.0.0", .cia_class = VG_CIA_C, .scope = VG_SCOPE_DEVICE,
    .event_mask = 1u << VG_EV_FLOW_SUMMARY,
    VG_DETECTOR_PARAMS (s_xv_params), VG_DETECTOR_STATE (s_xv_t, st, 0x58564f01), .validate = s_xv_valid,
    .cold = s_xv_cold,
    .new = s_xv_new, .destroy = vg_detector_free, .on_event = s_xv_event, .on_tick = s_xv_tick,
};

/* =========================================================================================
 * mirror (C03): mirror/capture/exporter session created or retargeted (mirror_session
 * events, or config changes of class "mirror").
 */
enum { MI_AL };
static const vg_param_def_t s_mi_params[] = {
    { .name = "allowlist", .type = VG_PARAM_STR, .choices = "",
      .help = "approved mirror/capture destinations (probes); inside => low, else high" },
};

typedef struct {
    vg_detector_t base;
    const vg_allowlist_t *al;
    char sig[128];
    struct {
        uint32_t n;
    } st;
} s_mi_t;

static vg_detector_t *
s_mi_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_mi_t *d = calloc (1, sizeof *d);
    if (!d)
        return NULL;
    d->al = vg_rules_allowlist (r->rules, r->ps[MI_AL]);
    return &d->base;
}

static int
s_mi_event (vg_detector_t *self, const vg_event_t *ev, const vg_device_t *dev, vg_verdict_t *out)
{
    s_mi_t *d = (s_mi_t *) self;
    const char *cls = vg_ev_attr (ev, "class");
    if (ev->type == VG_EV_CONFIG_CHANGE && (!cls || strcmp (cls, "mirror")))
        return 0;
    const char *action = vg_ev_attr (ev, "action");
    const char *sess = vg_ev_attr (ev, "session");
    const char *dst = vg_ev_attr (ev, "destination");
    int sev = VG_SEV_HIGH;
    if (action && (!strcmp (action, "delete") || !strcmp (action, "removed") || !strcmp (action, "stop")))
        sev = VG_SEV_INFO;
    else if (dst && d->al && vg_allowlist_match (d->al, dst, 0) == 1)
        sev = VG_SEV_LOW;
    d->st.n++;
    snprintf (d->sig, sizeof d->sig, "session=%s", sess ? sess : "?");
    vg_verdict_finding (out, sev);
    out->signal = d->sig;
    vg_verdict_note (out, "%s session %s %s destination %s%s", ev->type == VG_EV_CONFIG_CHANGE ? "config: mirror" : "mirror",
                     sess ? sess : "?", action ? action : "created", dst ? dst : "?",
                     sev == VG_SEV_HIGH ? " (not an approved probe)" : "");
    return 0;
}

const vg_detector_ops_t vg_det_mirror = {
    .name = "mirror", .version = "1.0.0", .cia_class = VG_CIA_C, .scope = VG_SCOPE_DEVICE,
    .event_mask = (1u << VG_EV_MIRROR_SESSION) | (1u << VG_EV_CONFIG_CHANGE),
    VG_DETECTOR_PARAMS (s_mi_params), VG_DETECTOR_STATE (s_mi_t, st, 0x4d495201),
    .new = s_mi_new, .destroy = vg_detector_free, .on_event = s_mi_event,
};

/* =========================================================================================
 * login (C04): success from outside the bastion allowlist or with a local account => high;
 * first-seen (user, source) after learning => low; failure bursts => rule severity.
 */
enum { LG_AL, LG_LOCAL, LG_BURST, LG_WIN, LG_NOVEL, LG_LEARN };
static const vg_param_def_t s_lg_params[] = {
    { .name = "allowlist", .type = VG_PARAM_STR, .choices = "",
      .help = "bastion / jump-host sources; empty = no source check" },
    { .name = "local_methods", .type = VG_PARAM_STR, .choices = "local,console",
      .help = "login methods that bypass AAA (always alert)" },
    { .name = "fail_burst", .type = VG_PARAM_NUM, .def = 10, .min = 2, .max = 32,
      .help = "failures within fail_window => burst finding" },
    { .name = "fail_window", .type = VG_PARAM_DUR, .def = 300000, .min = 1000, .max = 86400000.0,
      .help = "failure burst window" },
    { .name = "novelty", .type = VG_PARAM_BOOL, .def = 1, .min = 0, .max = 1,
      .help = "report first-seen (user, source) pairs after learning" },
    { .name = "learn", .type = VG_PARAM_DUR, .def = 7.0 * 86400000, .min = 0, .max = 366.0 * 86400000,
      .help = "novelty learning period per device" },
};

typedef struct {
    vg_detector_t base;
    const vg_allowlist_t *al;
    char sig[160];
    struct {
        int64_t first_ts;
        int64_t fails[32];
        uint32_t fpos, fn;
        vg_novel_t seen;
    } st;
} s_lg_t;

static vg_detector_t *
s_lg_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_lg_t *d = calloc (1, sizeof *d);
    if (!d)
        return NULL;
    d->al = vg_rules_allowlist (r->rules, r->ps[LG_AL]);
    return &d->base;
}

static int
s_lg_event (vg_detector_t *self, const vg_event_t *ev, const vg_device_t *dev, vg_verdict_t *out)
{
    s_lg_t *d = (s_lg_t *) self;
    const vg_rule_t *r = self->rule;
    const char *user = vg_ev_attr (ev, "user"), *src = vg_ev_attr (ev, "source");
    const char *method = vg_ev_attr (ev, "method"), *result = vg_ev_attr (ev, "result");
    const char *local = vg_ev_attr (ev, "local");
    if (!user)
        user = "?";
    if (!src)
        src = "";
    if (!d->st.first_ts)
        d->st.first_ts = ev->ts_ms;
    out->expected = 0;
    out->score = 1.0;
    out->oneshot = 1;
    if (result && (!strcmp (result, "fail") || !strcmp (result, "failure") || !strcmp (result, "reject") ||
                   !strcmp (result, "denied"))) {
        uint32_t cap = (uint32_t) vg_param (r, LG_BURST);
        d->st.fails[d->st.fpos] = ev->ts_ms;
        d->st.fpos = (d->st.fpos + 1) % 32;
        if (d->st.fn < 32)
            d->st.fn++;
        uint32_t k = 0;
        for (uint32_t i = 0; i < d->st.fn; i++)
            if (ev->ts_ms - d->st.fails[i] < (int64_t) vg_param (r, LG_WIN))
                k++;
        if (k < cap)
            return 0;
        out->state = VG_VERDICT_FIRE;
        out->signal = "failures";
        out->observed = k;
        out->hi = cap;
        vg_verdict_note (out, "%u failed logins within %.0f s (latest user %s from %s)", k, vg_param (r, LG_WIN) / 1000.0,
                         user, src[0] ? src : "?");
        return 0;
    }
    int is_local = (local && !strcmp (local, "true")) || (method && vg_csv_has (r->ps[LG_LOCAL], method));
    int allowed = 1;
    if (d->al && src[0]) {
        allowed = vg_allowlist_match (d->al, src, 0);
        if (allowed < 0)
            allowed = 0; /* not an address (console, tty): treat as outside the bastion range */
    }
    uint64_t key = vg_key2 (user, src);
    int seen = vg_novel_seen (&d->st.seen, key, VG_NOVEL_MAX);
    int learning = ev->ts_ms - d->st.first_ts < (int64_t) vg_param (r, LG_LEARN);
    int sev = 0;
    const char *why = "";
    if (is_local) {
        sev = VG_SEV_HIGH;
        why = "local account / AAA bypass";
    } else if (!allowed) {
        sev = VG_SEV_HIGH;
        why = "source outside bastion allowlist";
    } else if (!seen && !learning && vg_param (r, LG_NOVEL) > 0) {
        /* Inside the bastion allowlist a new pair is an approved jump host and an AAA
         * account: information only (as call-home novelty inside its allowlist). */
        sev = d->al ? VG_SEV_INFO : VG_SEV_LOW;
        why = "first-seen user/source";
    }
    if (!sev)
        return 0;
    snprintf (d->sig, sizeof d->sig, "user=%.60s:src=%.60s", user, src);
    out->state = VG_VERDICT_FIRE;
    out->severity = sev;
    out->signal = d->sig;
    out->observed = 1;
    vg_verdict_note (out, "login %s by %s from %s via %s: %s", result ? result : "success", user, src[0] ? src : "?",
                     method ? method : "?", why);
    return 0;
}

static int
s_lg_valid (const vg_detector_t *self)
{
    const s_lg_t *d = (const s_lg_t *) self;
    return (d->st.fpos >= 32 || d->st.fn > 32 || !vg_novel_valid (&d->st.seen)) ? -VG_EINVAL : 0;
}

const vg_detector_ops_t vg_det_login = {
    .name = "login", .version = "1.0.0", .cia_class = VG_CIA_C, .scope = VG_SCOPE_DEVICE,
    .event_mask = 1u << VG_EV_LOGIN,
    VG_DETECTOR_PARAMS (s_lg_params), VG_DETECTOR_STATE (s_lg_t, st, 0x4c4f4701), .validate = s_lg_valid,
    .new = s_lg_new, .destroy = vg_detector_free, .on_event = s_lg_event,
};

/* =========================================================================================
 * crypto_off (C05): IPsec SA count (slot 0, gauge) drops to 0 while traffic (slot 1,
 * octet counter) keeps flowing; crypto_state events (attrs sa_count / state) count as SA
 * samples.
 */
enum { CO_MIN, CO_FRESH };
static const vg_param_def_t s_co_params[] = {
    { .name = "min_traffic", .type = VG_PARAM_NUM, .def = 1000, .min = 0, .max = 1e18,
      .help = "traffic rate (bytes/s) that counts as flowing" },
    { .name = "freshness", .type = VG_PARAM_DUR, .def = 600000, .min = 1000, .max = 86400000.0,
      .help = "traffic sample must be at most this old" },
};

typedef struct {
    vg_detector_t base;
    struct {
        double sa, rate;
        int64_t sa_ts, rate_ts;
        int has_sa, had_sa, firing;
        /* Traffic: the octet counters of every matched interface are summed per timestamp;
         * the rate is the difference of two complete sums with the same member count. */
        double cur_sum, prev_sum;
        int64_t cur_ts, prev_ts;
        uint32_t cur_n, prev_n;
    } st;
} s_co_t;

static void
s_co_eval (s_co_t *d, int64_t ts, vg_verdict_t *out)
{
    const vg_rule_t *r = d->base.rule;
    if (!d->st.has_sa)
        return;
    int flowing = d->st.rate_ts && ts - d->st.rate_ts <= (int64_t) vg_param (r, CO_FRESH) && d->st.rate > vg_param (r, CO_MIN);
    int fire = d->st.had_sa && d->st.sa <= 0 && flowing;
    out->state = fire ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR;
    out->observed = d->st.sa;
    out->expected = 1;
    out->lo = 1;
    out->hi = INFINITY;
    out->score = fire ? 1.0 : 0.0;
    if (fire)
        vg_verdict_note (out, "IPsec SA count 0 while traffic flows at %.0f B/s", d->st.rate);
}

static int
s_co_input (vg_detector_t *self, int slot, const vg_device_t *dev, int64_t ts, double v, vg_verdict_t *out)
{
    s_co_t *d = (s_co_t *) self;
    if (!isfinite (v))
        return 0;
    if (slot == 0) {
        d->st.sa = v;
        d->st.sa_ts = ts;
        d->st.has_sa = 1;
        if (v > 0)
            d->st.had_sa = 1;
    } else {
        if (ts < d->st.cur_ts)
            return 0; /* late sample of an older timestamp */
        if (ts > d->st.cur_ts) {
            if (d->st.cur_n && d->st.prev_n == d->st.cur_n && d->st.cur_ts > d->st.prev_ts &&
                d->st.cur_sum >= d->st.prev_sum) { /* a decrease is a reset: no rate */
                d->st.rate = (d->st.cur_sum - d->st.prev_sum) * 1000.0 / (double) (d->st.cur_ts - d->st.prev_ts);
                d->st.rate_ts = d->st.cur_ts;
            }
            d->st.prev_sum = d->st.cur_sum;
            d->st.prev_ts = d->st.cur_ts;
            d->st.prev_n = d->st.cur_n;
            d->st.cur_sum = 0;
            d->st.cur_n = 0;
            d->st.cur_ts = ts;
        }
        d->st.cur_sum += v;
        d->st.cur_n++;
    }
    s_co_eval (d, ts, out);
    return 0;
}

static int
s_co_event (vg_detector_t *self, const vg_event_t *ev, const vg_device_t *dev, vg_verdict_t *out)
{
    const char *sa = vg_ev_attr (ev, "sa_count"), *state = vg_ev_attr (ev, "state");
    double v;
    if (sa) {
        char *end;
        v = strtod (sa, &end);
        if (*end || !isfinite (v))
            return -VG_EINVAL;
    } else if (state) {
        v = (!strcmp (state, "down") || !strcmp (state, "plaintext") || !strcmp (state, "disabled") ||
             !strcmp (state, "none")) ? 0 : 1;
    } else {
        return 0;
    }
    return s_co_input (self, 0, dev, ev->ts_ms, v, out);
}

const vg_detector_ops_t vg_det_crypto_off = {
    .name = "crypto_off", .version = "1.0.0", .cia_class = VG_CIA_C, .scope = VG_SCOPE_DEVICE,
    .event_mask = 1u << VG_EV_CRYPTO_STATE,
    VG_DETECTOR_PARAMS (s_co_params), VG_DETECTOR_STATE (s_co_t, st, 0x434f4601),
    .new = vg_detector_new_plain, .destroy = vg_detector_free, .on_input = s_co_input, .on_event = s_co_event,
};
