/* det_integ.c - integrity detectors: config change outside a change window (I01), image
 * change / downgrade / hash not in the golden registry (I02), unexpected reboot (I03), NTP
 * offset and steps (I04) and time-source changes (I04, events).
 * Invariant: previous values (config hash, version, uptime, boot time) persist in the saved
 * state, so a restart does not mistake the first sample for a change. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/det_util.h"
#include "detectors/rules.h"

/* =========================================================================================
 * config_change (I01): config_change events (attrs hash, user, class) or a change of the
 * last-configuration-timestamp series (slot 0).
 */
enum { CC_SEC, CC_INFO, CC_INWIN };
static const vg_param_def_t s_cc_params[] = {
    { .name = "security_classes", .type = VG_PARAM_STR, .choices = "aaa,acl,logging,snmp,ntp,crypto,mirror,tunnel,users",
      .help = "stanza classes that make an unwindowed change high severity" },
    { .name = "info_classes", .type = VG_PARAM_STR, .choices = "description",
      .help = "stanza classes reported as info" },
    { .name = "report_in_window", .type = VG_PARAM_BOOL, .min = 0, .max = 1,
      .help = "also report changes inside a change window (info)" },
};

typedef struct {
    vg_detector_t base;
    const vg_device_t *dev;
    struct {
        uint64_t last_hash;
        double last_ts_value;
        int has_ts;
        uint32_t changes, in_window;
    } st;
} s_cc_t;

static vg_detector_t *
s_cc_new (const vg_rule_t *r, const vg_entity_t *e)
{
    s_cc_t *d = calloc (1, sizeof *d);
    if (d)
        d->dev = e->device;
    return d ? &d->base : NULL;
}

static int
s_cc_change (s_cc_t *d, const vg_device_t *dev, int64_t ts, const char *cls, const char *user, const char *hash,
             vg_verdict_t *out)
{
    const vg_rule_t *r = d->base.rule;
    const char *win = NULL;
    d->st.changes++;
    int inw = VG_IN_CHANGE_WINDOW (r, dev, ts, &win);
    if (inw) {
        d->st.in_window++;
        if (vg_param (r, CC_INWIN) <= 0)
            return 0;
    }
    int sev = r->severity;
    if (cls && vg_csv_has (r->ps[CC_SEC], cls))
        sev = VG_SEV_HIGH;
    else if (cls && vg_csv_has (r->ps[CC_INFO], cls))
        sev = VG_SEV_INFO;
    if (inw)
        sev = VG_SEV_INFO;
    vg_verdict_finding (out, sev);
    vg_verdict_note (out, "config change class %s by %s hash %.16s %s", cls ? cls : "?", user ? user : "?",
                     hash ? hash : "?", inw ? "inside change window" : "outside any change window");
    (void) win;
    return 0;
}

static int
s_cc_event (vg_detector_t *self, const vg_event_t *ev, const vg_device_t *dev, vg_verdict_t *out)
{
    s_cc_t *d = (s_cc_t *) self;
    const char *hash = vg_ev_attr (ev, "hash");
    if (hash && hash[0]) {
        uint64_t h = vg_key2 (hash, "");
        if (h == d->st.last_hash)
            return 0; /* "write mem" without a semantic change */
        d->st.last_hash = h;
    }
    return s_cc_change (d, dev, ev->ts_ms, vg_ev_attr (ev, "class"), vg_ev_attr (ev, "user"), hash, out);
}

static int
s_cc_input (vg_detector_t *self, int slot, const vg_device_t *dev, int64_t ts, double v, vg_verdict_t *out)
{
    s_cc_t *d = (s_cc_t *) self;
    if (!isfinite (v))
        return 0;
    int had = d->st.has_ts;
    double prev = d->st.last_ts_value;
    d->st.last_ts_value = v;
    d->st.has_ts = 1;
    if (!had || v == prev)
        return 0;
    return s_cc_change (d, dev, ts, NULL, NULL, NULL, out);
}

const vg_detector_ops_t vg_det_config_change = {
    .name = "config_change", .version = "1.0.0", .cia_class = VG_CIA_I, .scope = VG_SCOPE_DEVICE,
    .event_mask = 1u << VG_EV_CONFIG_CHANGE,
    VG_DETECTOR_PARAMS (s_cc_params), VG_DETECTOR_STATE (s_cc_t, st, 0x43434801),
    .new = s_cc_new, .destroy = vg_detector_free, .on_input = s_cc_input, .on_event = s_cc_event,
};

/* =========================================================================================
 * image_change (I02): image_change events (attrs version, image, hash).
 */
enum { IC_INWIN };
static const vg_param_def_t s_ic_params[] = {
    { .name = "report_in_window", .type = VG_PARAM_BOOL, .min = 0, .max = 1,
      .help = "also report clean upgrades inside a change window (info)" },
};

typedef struct {
    vg_detector_t base;
    struct {
        char version[64];
        int has;
    } st;
} s_ic_t;

/* Compare dotted versions numerically ("7.10.1" > "7.9"); non-digits compare as text. */
static int
s_vercmp (const char *a, const char *b)
{
    while (*a || *b) {
        if ((*a >= '0' && *a <= '9') && (*b >= '0' && *b <= '9')) {
            char *ea, *eb;
            unsigned long x = strtoul (a, &ea, 10), y = strtoul (b, &eb, 10);
            if (x != y)
                return x < y ? -1 : 1;
            a = ea;
            b = eb;
            continue;
        }
        if (*a != *b)
            return (unsigned char) *a < (unsigned char) *b ? -1 : 1;
        a++;
        b++;
    }
    return 0;
}

static int
s_ic_event (vg_detector_t *self, const vg_event_t *ev, const vg_device_t *dev, vg_verdict_t *out)
{
    s_ic_t *d = (s_ic_t *) self;
    const vg_rule_t *r = self->rule;
    const char *ver = vg_ev_attr (ev, "version"), *hash = vg_ev_attr (ev, "hash");
    const char *win = NULL;
    int inw = VG_IN_CHANGE_WINDOW (r, dev, ev->ts_ms, &win);
    int down = ver && d->st.has && s_vercmp (ver, d->st.version) < 0;
    int golden = hash && hash[0] ? vg_rules_golden (r->rules, dev->vendor, ver, hash) : -1;
    char prev[64];
    snprintf (prev, sizeof prev, "%s", d->st.has ? d->st.version : "?");
    if (ver) {
        snprintf (d->st.version, sizeof d->st.version, "%s", ver);
        d->st.has = 1;
    }
    int sev = 0;
    const char *why = "";
    if (golden == 0) {
        sev = VG_SEV_CRITICAL;
        why = "image hash not in the golden registry";
    } else if (down) {
        sev = VG_SEV_HIGH;
        why = "version downgrade";
    } else if (!inw) {
        sev = VG_SEV_HIGH;
        why = "image change outside any change window";
    } else if (vg_param (r, IC_INWIN) > 0) {
        sev = VG_SEV_INFO;
        why = "image change inside change window";
    }
    if (!sev)
        return 0;
    vg_verdict_finding (out, sev);
    vg_verdict_note (out, "%s: %s -> %s (hash %.16s)", why, prev, ver ? ver : "?", hash ? hash : "?");
    return 0;
}

static int
s_ic_valid (const vg_detector_t *self)
{
    const s_ic_t *d = (const s_ic_t *) self;
    return memchr (d->st.version, 0, sizeof d->st.version) == NULL ? -VG_EINVAL : 0;
}

const vg_detector_ops_t vg_det_image_change = {
    .name = "image_change", .version = "1.0.0", .cia_class = VG_CIA_I, .scope = VG_SCOPE_DEVICE,
    .event_mask = 1u << VG_EV_IMAGE_CHANGE,
    VG_DETECTOR_PARAMS (s_ic_params), VG_DETECTOR_STATE (s_ic_t, st, 0x49434801), .validate = s_ic_valid,
    .new = vg_detector_new_plain, .destroy = vg_detector_free, .on_event = s_ic_event,
};

/* =========================================================================================
 * reboot (I03): reboot events (attr reason), an up-time decrease (slot 0), a boot-time
 * increase (slot 1) or counters restarting (slot 2: most of the device's large counters
 * dropping to near zero within `restart_window`; one counter wrapping or one interface's
 * counters being cleared is not a reboot); one finding per reboot even when several signals
 * report it.
 */
#define RB_CTRS 256 /* counters tracked per device (the first ones seen) */
enum { RB_HIGH, RB_DEDUP, RB_INWIN, RB_RWIN, RB_RFRAC, RB_RMIN, RB_RBIG, RB_RNEAR };
static const vg_param_def_t s_rb_params[] = {
    { .name = "high_reasons", .type = VG_PARAM_STR, .choices = "crash,watchdog,unknown,power,kernel-panic",
      .help = "reboot reasons that make it high severity" },
    { .name = "dedup", .type = VG_PARAM_DUR, .def = 600000, .min = 0, .max = 86400000.0,
      .help = "signals of one reboot within this time make one finding" },
    { .name = "report_in_window", .type = VG_PARAM_BOOL, .min = 0, .max = 1,
      .help = "also report reboots inside a change window (info)" },
    { .name = "restart_window", .type = VG_PARAM_DUR, .def = 600000, .min = 10000, .max = 86400000.0,
      .help = "counter restarts within this time count together" },
    { .name = "restart_fraction", .type = VG_PARAM_NUM, .def = 0.5, .min = 0.01, .max = 1,
      .help = "fraction of the device's large counters that must restart together" },
    { .name = "restart_min", .type = VG_PARAM_NUM, .def = 4, .min = 1, .max = 1e6,
      .help = "and at least this many counters" },
    { .name = "restart_large", .type = VG_PARAM_NUM, .def = 1e4, .min = 0, .max = 1e18,
      .help = "a counter takes part once its value exceeds this" },
    { .name = "restart_near_zero", .type = VG_PARAM_NUM, .def = 0.01, .min = 0, .max = 0.5,
      .help = "a restart is a drop to at most this fraction of the previous value" },
};

typedef struct {
    uint64_t id;     /* series id; 0 = empty */
    double last;
    int64_t drop_ts; /* latest restart of this counter, 0 = none */
} s_rb_ctr_t;

typedef struct {
    vg_detector_t base;
    struct {
        double uptime, boot;
        int has_up, has_boot;
        int64_t last_fire;
        uint32_t reboots;
        uint32_t nctr;
        s_rb_ctr_t ctr[RB_CTRS];
    } st;
} s_rb_t;

static int
s_rb_fire (s_rb_t *d, const vg_device_t *dev, int64_t ts, const char *reason, const char *via, vg_verdict_t *out)
{
    const vg_rule_t *r = d->base.rule;
    if (d->st.last_fire && ts - d->st.last_fire < (int64_t) vg_param (r, RB_DEDUP) && ts >= d->st.last_fire)
        return 0;
    d->st.last_fire = ts;
    d->st.reboots++;
    const char *win = NULL;
    int inw = VG_IN_CHANGE_WINDOW (r, dev, ts, &win);
    if (inw && vg_param (r, RB_INWIN) <= 0)
        return 0;
    int sev = inw ? VG_SEV_INFO : (reason && vg_csv_has (r->ps[RB_HIGH], reason)) ? VG_SEV_HIGH : r->severity;
    vg_verdict_finding (out, sev);
    vg_verdict_note (out, "reboot (%s) reason %s %s", via, reason ? reason : "?",
                     inw ? "inside change window" : "outside any change window");
    vg_verdict_title (out, "%s rebooted: %s, reason %s, %s", dev && dev->id ? dev->id : "device", via,
                      reason ? reason : "unknown", inw ? "inside change window" : "outside any change window");
    return 0;
}

static int
s_rb_event (vg_detector_t *self, const vg_event_t *ev, const vg_device_t *dev, vg_verdict_t *out)
{
    return s_rb_fire ((s_rb_t *) self, dev, ev->ts_ms, vg_ev_attr (ev, "reason"), "event", out);
}

/* A counter sample: track it; on a drop to near zero of a large counter, count the device's
 * recent restarts against its large counters. */
static int
s_rb_counter (s_rb_t *d, uint64_t id, const vg_device_t *dev, int64_t ts, double v, vg_verdict_t *out)
{
    const vg_rule_t *r = d->base.rule;
    if (!id)
        return 0;
    uint32_t h = (uint32_t) (vg_hash_mix64 (id) % RB_CTRS), i = h;
    while (d->st.ctr[i].id && d->st.ctr[i].id != id) {
        i = (i + 1) % RB_CTRS;
        if (i == h)
            return 0; /* table full: only the first RB_CTRS counters take part */
    }
    s_rb_ctr_t *c = &d->st.ctr[i];
    if (!c->id) {
        c->id = id;
        c->last = v;
        d->st.nctr++;
        return 0;
    }
    double prev = c->last;
    c->last = v;
    if (!(prev >= vg_param (r, RB_RBIG) && v <= vg_param (r, RB_RNEAR) * prev))
        return 0;
    c->drop_ts = ts;
    int64_t win = (int64_t) vg_param (r, RB_RWIN);
    uint32_t dropped = 0, large = 0;
    for (uint32_t k = 0; k < RB_CTRS; k++) {
        const s_rb_ctr_t *x = &d->st.ctr[k];
        if (!x->id)
            continue;
        int recent = x->drop_ts && ts - x->drop_ts <= win && x->drop_ts <= ts;
        dropped += recent;
        large += recent || x->last >= vg_param (r, RB_RBIG);
    }
    if (dropped < (uint32_t) vg_param (r, RB_RMIN) || dropped < vg_param (r, RB_RFRAC) * large)
        return 0;
    char via[96];
    snprintf (via, sizeof via, "%u of %u counters restarted", dropped, large);
    return s_rb_fire (d, dev, ts, NULL, via, out);
}

static int
s_rb_series (vg_detector_t *self, int slot, uint64_t id, const vg_device_t *dev, int64_t ts, double v, vg_verdict_t *out)
{
    s_rb_t *d = (s_rb_t *) self;
    if (!isfinite (v))
        return 0;
    if (slot == 0) {
        int had = d->st.has_up;
        double prev = d->st.uptime;
        d->st.uptime = v;
        d->st.has_up = 1;
        /* A real reset, not jitter: the new up-time is well below the previous one. */
        if (had && v < prev && v < 0.9 * prev) {
            char via[96];
            snprintf (via, sizeof via, "up-time %.6g -> %.6g", prev, v);
            return s_rb_fire (d, dev, ts, NULL, via, out);
        }
    } else if (slot == 1) {
        int had = d->st.has_boot;
        double prev = d->st.boot;
        d->st.boot = v;
        d->st.has_boot = 1;
        /* boot-time is epoch-based in any unit: a later boot moves it forward by at least
         * the time between boots; a relative 1e-8 (~17 s at 2026) ignores recomputation
         * jitter of devices that derive it from now - uptime. */
        if (had && v > prev + 1e-8 * fabs (prev))
            return s_rb_fire (d, dev, ts, NULL, "boot-time changed", out);
    } else {
        return s_rb_counter (d, id, dev, ts, v, out);
    }
    return 0;
}

/* A counter's table slot is a cache miss per sample (the table is 6 KiB): fetch where its
 * probe starts. */
static void
s_rb_prefetch (const vg_detector_t *self, int slot, uint64_t id, int64_t ts)
{
    (void) ts;
    if (slot >= 2 && id)
        __builtin_prefetch (&((const s_rb_t *) self)->st.ctr[vg_hash_mix64 (id) % RB_CTRS]);
}

static int
s_rb_input (vg_detector_t *self, int slot, const vg_device_t *dev, int64_t ts, double v, vg_verdict_t *out)
{
    return s_rb_series (self, slot, 0, dev, ts, v, out);
}

static int
s_rb_valid (const vg_detector_t *self)
{
    const s_rb_t *d = (const s_rb_t *) self;
    if (d->st.nctr > RB_CTRS || !isfinite (d->st.uptime) || !isfinite (d->st.boot))
        return -VG_EINVAL;
    for (int i = 0; i < RB_CTRS; i++)
        if (!isfinite (d->st.ctr[i].last))
            return -VG_EINVAL;
    return 0;
}

const vg_detector_ops_t vg_det_reboot = {
    .name = "reboot", .version = "2.0.0", .cia_class = VG_CIA_I, .scope = VG_SCOPE_DEVICE,
    .event_mask = 1u << VG_EV_REBOOT,
    VG_DETECTOR_PARAMS (s_rb_params), VG_DETECTOR_STATE (s_rb_t, st, 0x52424f02), .validate = s_rb_valid,
    .new = vg_detector_new_plain, .destroy = vg_detector_free, .on_input = s_rb_input, .on_event = s_rb_event,
    .on_series_input = s_rb_series, .prefetch = s_rb_prefetch,
};

/* =========================================================================================
 * ntp (I04): |offset| above a bound (level, clears) and steps between consecutive samples
 * (oneshot, signal "step").
 */
enum { NT_MAX, NT_STEP, NT_SCALE };
static const vg_param_def_t s_nt_params[] = {
    { .name = "max_offset", .type = VG_PARAM_NUM, .def = 100, .min = 0, .max = 1e12,
      .help = "fire while |offset| exceeds this (ms)" },
    { .name = "step", .type = VG_PARAM_NUM, .def = 1000, .min = 0, .max = 1e12,
      .help = "fire when the offset jumps by more than this between samples (ms)" },
    { .name = "scale", .type = VG_PARAM_NUM, .def = 1, .min = 1e-12, .max = 1e12,
      .help = "multiply samples by this to get ms (e.g. 1000 for seconds)" },
};

typedef struct {
    vg_detector_t base;
    struct {
        double last;
        int has;
    } st;
} s_nt_t;

static int
s_nt_sample (vg_detector_t *self, int64_t ts, double v, vg_verdict_t *out)
{
    s_nt_t *d = (s_nt_t *) self;
    const vg_rule_t *r = self->rule;
    if (!isfinite (v))
        return 0;
    double ms = v * vg_param (r, NT_SCALE);
    int had = d->st.has;
    double prev = d->st.last;
    d->st.last = ms;
    d->st.has = 1;
    out->observed = ms;
    out->expected = 0;
    out->lo = -vg_param (r, NT_MAX);
    out->hi = vg_param (r, NT_MAX);
    out->score = fmin (1.0, fabs (ms) / (2 * vg_param (r, NT_MAX) + 1e-12));
    if (had && fabs (ms - prev) > vg_param (r, NT_STEP)) {
        out->state = VG_VERDICT_FIRE;
        out->oneshot = 1;
        out->signal = "step";
        out->severity = VG_SEV_HIGH;
        out->score = 1.0;
        vg_verdict_note (out, "time step %.1f ms -> %.1f ms", prev, ms);
        return 0;
    }
    out->state = fabs (ms) > vg_param (r, NT_MAX) ? VG_VERDICT_FIRE : VG_VERDICT_CLEAR;
    if (out->state == VG_VERDICT_FIRE)
        vg_verdict_note (out, "offset %.1f ms beyond +-%.1f ms", ms, vg_param (r, NT_MAX));
    return 0;
}

static int
s_nt_valid (const vg_detector_t *self)
{
    const s_nt_t *d = (const s_nt_t *) self;
    return !isfinite (d->st.last) ? -VG_EINVAL : 0;
}

const vg_detector_ops_t vg_det_ntp = {
    .name = "ntp", .version = "1.0.0", .cia_class = VG_CIA_I, .scope = VG_SCOPE_SERIES,
    VG_DETECTOR_PARAMS (s_nt_params), VG_DETECTOR_STATE (s_nt_t, st, 0x4e545001), .validate = s_nt_valid,
    .new = vg_detector_new_plain, .destroy = vg_detector_free, .on_sample = s_nt_sample,
};

/* =========================================================================================
 * ntp_change (I04): time-source changes (ntp_change events, attrs server, stratum) outside a
 * change window.
 */
enum { NC_INWIN };
static const vg_param_def_t s_nc_params[] = {
    { .name = "report_in_window", .type = VG_PARAM_BOOL, .min = 0, .max = 1,
      .help = "also report changes inside a change window (info)" },
};

typedef struct {
    vg_detector_t base;
    struct {
        uint64_t last;
    } st;
} s_nc_t;

static int
s_nc_event (vg_detector_t *self, const vg_event_t *ev, const vg_device_t *dev, vg_verdict_t *out)
{
    s_nc_t *d = (s_nc_t *) self;
    const vg_rule_t *r = self->rule;
    const char *server = vg_ev_attr (ev, "server"), *stratum = vg_ev_attr (ev, "stratum");
    uint64_t k = vg_key2 (server, stratum);
    int first = d->st.last == 0;
    if (k == d->st.last)
        return 0;
    d->st.last = k;
    if (first)
        return 0; /* the first report is the baseline, not a change */
    const char *win = NULL;
    int inw = VG_IN_CHANGE_WINDOW (r, dev, ev->ts_ms, &win);
    if (inw && vg_param (r, NC_INWIN) <= 0)
        return 0;
    out->state = VG_VERDICT_FIRE;
    out->oneshot = 1;
    out->severity = inw ? VG_SEV_INFO : r->severity;
    out->observed = 1;
    out->score = 1.0;
    vg_verdict_note (out, "time source %s server %s stratum %s %s", "changed", server ? server : "?",
                     stratum ? stratum : "?", inw ? "inside change window" : "outside any change window");
    return 0;
}

const vg_detector_ops_t vg_det_ntp_change = {
    .name = "ntp_change", .version = "1.0.0", .cia_class = VG_CIA_I, .scope = VG_SCOPE_DEVICE,
    .event_mask = 1u << VG_EV_NTP_CHANGE,
    VG_DETECTOR_PARAMS (s_nc_params), VG_DETECTOR_STATE (s_nc_t, st, 0x4e434801),
    .new = vg_detector_new_plain, .destroy = vg_detector_free, .on_event = s_nc_event,
};
