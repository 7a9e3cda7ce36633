/* check_sim.c - the simulated fleet is deterministic, realistic in range and shape, and
 * honours the step / end / error contract.  A collecting sink hashes the stream and keeps
 * per-series state in a small open-addressing table. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/hash.h"
#include "sim/sim.h"
#include "tests/support/suite.h"

#define TAB 16384 /* > 4 x the largest fleet used here */
#define WEEK_STEPS (7 * 1440)

typedef struct {
    uint64_t hint;  /* 0 = empty slot */
    double last;    /* previous value */
    double inc;     /* this step's increment (counters) */
    int seen, prof; /* prof: 0 residential, 1 business, -1 other */
    double sum;     /* sum of increments */
} slot_t;

typedef struct {
    const vg_sim_t *sim;
    uint64_t h, step_h;      /* committed stream hash, hash of the current step */
    size_t samples, events, devices;
    long fail_at;            /* fail this (1-based) sample call once; 0 = never */
    long calls;
    int check;               /* run the range checks */
    slot_t *tab;
    char bad[256];           /* first violation, "" if none */
    /* seasonality: PRB DL sums per profile and hour of day, weekday/weekend (business) */
    double prb[2][24], prbn[2][24], bus_wd, bus_wdn, bus_we, bus_wen;
    /* UPF DL octets and cell DL volume per hour of day */
    double upf[24], cells[24], upf_ul;
    size_t cfg_changes, cfg_outside, logins, flows, flows_bad;
    char vendors[8][32];
    int nvendors;
    int roles; /* bit set of seen roles */
} col_t;

static slot_t *
s_slot (col_t *c, uint64_t hint)
{
    size_t i = (size_t) (hint % TAB);
    while (c->tab[i].hint && c->tab[i].hint != hint)
        i = (i + 1) % TAB;
    c->tab[i].hint = hint;
    return &c->tab[i];
}

static void
s_bad (col_t *c, const vg_point_t *p, const char *why)
{
    if (c->bad[0] == '\0')
        snprintf (c->bad, sizeof c->bad, "%s %s%s%s = %.17g: %s", p->device, p->path,
                  p->nlabels ? " " : "", p->nlabels ? p->labels[0].value : "", p->value, why);
}

static int
s_dev (void *ctx, const vg_device_t *d)
{
    col_t *c = ctx;
    static const char *const roles[] = { "gnb", "router", "amf", "smf", "upf" };
    c->devices++;
    for (int i = 0; i < 5; i++)
        if (strcmp (d->role, roles[i]) == 0)
            c->roles |= 1 << i;
    int found = 0;
    for (int i = 0; i < c->nvendors; i++)
        found |= strcmp (c->vendors[i], d->vendor) == 0;
    if (!found && c->nvendors < 8)
        snprintf (c->vendors[c->nvendors++], sizeof c->vendors[0], "%s", d->vendor);
    if (!strchr (d->id, '/') || !d->model || !*d->model || !d->sw_version || !*d->sw_version)
        snprintf (c->bad, sizeof c->bad, "device %s incomplete", d->id);
    return 0;
}

static int
s_is (const vg_point_t *p, const char *path)
{
    return strcmp (p->path, path) == 0;
}

/* Attempt path a success counter pairs with, or NULL. */
static const char *
s_attempt_of (const char *path)
{
    static const char *const pairs[][2] = {
        { "RRC.ConnEstabSucc", "RRC.ConnEstabAtt" },   { "MM.HoExeInterSucc", "MM.HoExeInterReq" },
        { "MM.HoExeIntraSucc", "MM.HoExeIntraReq" },   { "RM.RegInitSucc", "RM.RegInitReq" },
        { "SM.PduSessionCreationSucc", "SM.PduSessionCreationReq" },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp (path, pairs[i][0]) == 0)
            return pairs[i][1];
    return NULL;
}

static void
s_check_sample (col_t *c, const vg_point_t *p)
{
    slot_t *sl = s_slot (c, p->series_hint);
    if (!sl->seen) {
        const char *pr = vg_sim_device_profile (c->sim, p->device);
        sl->prof = pr ? (strcmp (pr, "business") == 0) : -1;
        if (p->series_hint != vg_series_id (p->device, p->path, p->labels, p->nlabels))
            s_bad (c, p, "series_hint is not vg_series_id");
    }
    int hour = (int) ((p->ts_ms / 3600000) % 24), dow = (int) ((p->ts_ms / 86400000 + 3) % 7);
    if (p->kind == VG_KIND_COUNTER) {
        if (p->value != floor (p->value) || p->value < 0)
            s_bad (c, p, "counter not a non-negative integer");
        if (sl->seen && p->value < sl->last)
            s_bad (c, p, "counter decreased");
        sl->inc = sl->seen ? p->value - sl->last : 0;
        sl->sum += sl->inc;
        const char *att = s_attempt_of (p->path);
        if (att) {
            slot_t *a = s_slot (c, vg_series_id (p->device, att, p->labels, p->nlabels));
            if (!a->seen || p->value > a->last || sl->inc > a->inc)
                s_bad (c, p, "success above attempts");
        }
        if (sl->seen && s_is (p, "DRB.PdcpSduVolumeDL"))
            c->cells[hour] += sl->inc;
        if (sl->seen && s_is (p, "GTP.OutDataOctN3UPF"))
            c->upf[hour] += sl->inc;
        if (sl->seen && s_is (p, "GTP.InDataOctN3UPF"))
            c->upf_ul += sl->inc;
    } else if (p->kind == VG_KIND_STATE) {
        if (!p->state || (strcmp (p->state, "UP") != 0 && strcmp (p->state, "ESTABLISHED") != 0))
            s_bad (c, p, "state not UP / ESTABLISHED");
        if (strstr (p->path, "oper-status") && strcmp (p->state, "UP") != 0)
            s_bad (c, p, "oper-status not UP");
    } else {
        double v = p->value;
        if (strncmp (p->path, "RRU.PrbTot", 10) == 0) {
            if (v < 0 || v > 100 || fabs (v * 10 - nearbyint (v * 10)) > 1e-6)
                s_bad (c, p, "PRB outside 0..100 or more than one decimal");
            if (s_is (p, "RRU.PrbTotDl") && sl->prof >= 0) {
                c->prb[sl->prof][hour] += v;
                c->prbn[sl->prof][hour] += 1;
                if (sl->prof == 1 && hour >= 10 && hour < 16) {
                    if (dow < 5) {
                        c->bus_wd += v;
                        c->bus_wdn += 1;
                    } else {
                        c->bus_we += v;
                        c->bus_wen += 1;
                    }
                }
            }
        } else if (strstr (p->path, "cpu/utilization")) {
            if (v < 0 || v > 100 || v != floor (v))
                s_bad (c, p, "CPU % outside 0..100 or not an integer");
        } else if (strstr (p->path, "ntp")) {
            if (fabs (v) >= 10)
                s_bad (c, p, "NTP offset >= 10 ms");
        } else if (strstr (p->path, "input-power")) {
            if (v > 0 || v < -14.4 || fabs (v * 100 - nearbyint (v * 100)) > 1e-6)
                s_bad (c, p, "optical Rx power out of range");
        } else if (s_is (p, "RRC.ConnMean") && (v < 0 || v > 600 || v != floor (v))) {
            s_bad (c, p, "RRC.ConnMean out of range");
        } else if (s_is (p, "DRB.UEThpDl") && (v < 20000 || v > 450000)) {
            s_bad (c, p, "DRB.UEThpDl outside 20-450 Mbit/s");
        } else if (s_is (p, "/system/memory/state/used") && fmod (v, 4096) != 0) {
            s_bad (c, p, "memory not in pages");
        }
    }
    sl->last = p->value;
    sl->seen = 1;
}

static int
s_sample (void *ctx, const vg_point_t *p)
{
    col_t *c = ctx;
    c->calls++;
    if (c->fail_at && c->calls == c->fail_at) {
        c->fail_at = 0;
        return -VG_EFULL;
    }
    uint64_t x = p->series_hint ^ vg_hash_mix64 ((uint64_t) p->ts_ms);
    uint64_t bits;
    memcpy (&bits, &p->value, sizeof bits);
    x ^= vg_hash_mix64 (bits + (uint64_t) p->kind);
    if (p->state)
        x ^= vg_hash64 (p->state, strlen (p->state), 7);
    c->step_h = vg_hash_mix64 (c->step_h ^ x) + 1;
    c->samples++;
    if (c->check)
        s_check_sample (c, p);
    return 0;
}

static int
s_event (void *ctx, const vg_event_t *e)
{
    col_t *c = ctx;
    c->events++;
    c->step_h = vg_hash_mix64 (c->step_h ^ vg_hash64 (e->device, strlen (e->device), (uint64_t) e->type)
                               ^ (uint64_t) e->ts_ms);
    int minute = (int) ((e->ts_ms / 60000) % 1440);
    if (e->type == VG_EV_CONFIG_CHANGE) {
        c->cfg_changes++;
        if (minute >= 300 || e->nattrs != 4)
            c->cfg_outside++;
    } else if (e->type == VG_EV_LOGIN) {
        c->logins++;
        for (size_t i = 0; i < e->nattrs; i++)
            if (strcmp (e->attrs[i].key, "source") == 0 && strncmp (e->attrs[i].value, "10.255.10.", 10) != 0)
                snprintf (c->bad, sizeof c->bad, "login from %s", e->attrs[i].value);
    } else if (e->type == VG_EV_FLOW_SUMMARY) {
        c->flows++;
        if (!e->flow || strncmp (e->flow->dst, "10.250.", 7) != 0 || e->flow->bytes == 0
            || (e->flow->dst_port != 123 && e->flow->dst_port != 53 && e->flow->dst_port != 514
                && e->flow->dst_port != 443))
            c->flows_bad++;
    }
    return 0;
}

static col_t *
s_col_new (const vg_sim_t *sim, int check)
{
    col_t *c = calloc (1, sizeof *c);
    ck_assert_ptr_nonnull (c);
    c->sim = sim;
    c->check = check;
    c->tab = calloc (TAB, sizeof *c->tab);
    ck_assert_ptr_nonnull (c->tab);
    return c;
}

static void
s_col_free (col_t *c)
{
    free (c->tab);
    free (c);
}

static vg_sink_t
s_sink (col_t *c)
{
    vg_sink_t k = { c, s_dev, s_sample, s_event };
    return k;
}

/* Run n steps; commit each completed step's hash. */
static void
s_run (vg_sim_t *s, col_t *c, int n)
{
    vg_sink_t k = s_sink (c);
    for (int i = 0; i < n; i++) {
        c->step_h = 0;
        int rc = vg_sim_step (s, &k);
        ck_assert_int_eq (rc, (int) vg_sim_series_count (s));
        c->h = vg_hash_mix64 (c->h ^ c->step_h);
    }
}

/* The default configuration with sites cell sites (0: the default number). */
static vg_sim_cfg_t
s_cfg (uint32_t sites)
{
    vg_sim_cfg_t cfg;
    vg_sim_cfg_defaults (&cfg);
    if (sites)
        cfg.sites = sites;
    return cfg;
}

START_TEST (defaults_fleet)
{
    vg_sim_cfg_t cfg = s_cfg (0);
    vg_sim_t *s = vg_sim_new (&cfg, NULL);
    ck_assert_ptr_nonnull (s);
    ck_assert_uint_eq (vg_sim_device_count (s), 50);
    ck_assert_uint_eq (vg_sim_series_count (s), 2454);
    col_t *c = s_col_new (s, 1);
    vg_sink_t k = s_sink (c);
    ck_assert_int_eq (vg_sim_announce (s, &k), 0);
    ck_assert_uint_eq (c->devices, 50);
    ck_assert_int_ge (c->nvendors, 3);
    ck_assert_int_eq (c->roles, 0x1f); /* gnb, router, amf, smf, upf */
    ck_assert_str_eq (c->bad, "");
    ck_assert_str_eq (vg_sim_device_profile (s, "core/upf1") ? "x" : "null", "null");
    ck_assert_ptr_null (vg_sim_device_profile (s, "nope"));
    const char *p = vg_sim_device_profile (s, "site001/gnb1");
    ck_assert (p && (strcmp (p, "residential") == 0 || strcmp (p, "business") == 0));
    s_run (s, c, 2); /* also verifies series_hint == vg_series_id for every series */
    ck_assert_str_eq (c->bad, "");
    s_col_free (c);
    vg_sim_destroy (&s);
    ck_assert_ptr_null (s);
    vg_sim_destroy (&s); /* NULL-safe */
}
END_TEST

START_TEST (bad_config)
{
    vg_sim_cfg_t cfg;
    int err = 0;
    vg_sim_cfg_defaults (&cfg);
    cfg.sites = 0;
    ck_assert_ptr_null (vg_sim_new (&cfg, &err));
    ck_assert_int_eq (err, -VG_EINVAL);
    vg_sim_cfg_defaults (&cfg);
    cfg.cells_per_gnb = 25;
    ck_assert_ptr_null (vg_sim_new (&cfg, &err));
    vg_sim_cfg_defaults (&cfg);
    cfg.interval_ms = 10;
    ck_assert_ptr_null (vg_sim_new (&cfg, &err));
    vg_sim_cfg_defaults (&cfg);
    cfg.start_ms = -1;
    ck_assert_ptr_null (vg_sim_new (&cfg, &err));
    ck_assert_ptr_null (vg_sim_new (NULL, &err));
    ck_assert_int_eq (err, -VG_EINVAL);
}
END_TEST

/* Same seed: identical stream, however announce / next_ts / step calls interleave. */
START_TEST (deterministic)
{
    vg_sim_cfg_t cfg = s_cfg (5);
    vg_sim_t *a = vg_sim_new (&cfg, NULL), *b = vg_sim_new (&cfg, NULL);
    ck_assert_ptr_nonnull (a);
    ck_assert_ptr_nonnull (b);
    col_t *ca = s_col_new (a, 0), *cb = s_col_new (b, 0);
    vg_sink_t ka = s_sink (ca), kb = s_sink (cb);
    ck_assert_int_eq (vg_sim_announce (a, &ka), 0);
    s_run (a, ca, 300);
    s_run (b, cb, 7); /* b: steps before announcing, announces twice, polls next_ts */
    ck_assert_int_eq (vg_sim_announce (b, &kb), 0);
    for (int i = 0; i < 293; i++) {
        ck_assert_int_eq (vg_sim_next_ts (b), cfg.start_ms + (7 + i) * cfg.interval_ms);
        s_run (b, cb, 1);
        if (i == 100)
            ck_assert_int_eq (vg_sim_announce (b, &kb), 0);
    }
    ck_assert_uint_eq (ca->h, cb->h);
    ck_assert_uint_eq (ca->samples, cb->samples);
    ck_assert_uint_eq (ca->events, cb->events);
    ck_assert_uint_gt (ca->events, 0);

    /* A different seed gives a different stream. */
    cfg.seed = 2;
    vg_sim_t *c = vg_sim_new (&cfg, NULL);
    col_t *cc = s_col_new (c, 0);
    s_run (c, cc, 300);
    ck_assert_uint_ne (ca->h, cc->h);
    ck_assert_uint_eq (ca->samples, cc->samples);

    s_col_free (ca);
    s_col_free (cb);
    s_col_free (cc);
    vg_sim_destroy (&a);
    vg_sim_destroy (&b);
    vg_sim_destroy (&c);
}
END_TEST

/* A sink error mid-step does not consume the step: the retry re-emits it identically. */
START_TEST (sink_error_retry)
{
    vg_sim_cfg_t cfg = s_cfg (4);
    vg_sim_t *a = vg_sim_new (&cfg, NULL), *b = vg_sim_new (&cfg, NULL);
    col_t *ca = s_col_new (a, 0), *cb = s_col_new (b, 0);
    vg_sink_t kb = s_sink (cb);
    s_run (a, ca, 50);
    s_run (b, cb, 3);
    cb->fail_at = cb->calls + 100;
    cb->step_h = 0;
    int64_t ts = vg_sim_next_ts (b);
    ck_assert_int_eq (vg_sim_step (b, &kb), -VG_EFULL);
    ck_assert_int_eq (vg_sim_next_ts (b), ts); /* not consumed */
    s_run (b, cb, 47);
    ck_assert_uint_eq (ca->h, cb->h);
    s_col_free (ca);
    s_col_free (cb);
    vg_sim_destroy (&a);
    vg_sim_destroy (&b);
}
END_TEST

START_TEST (end_and_interval)
{
    vg_sim_cfg_t cfg = s_cfg (2);
    cfg.interval_ms = 15 * 60000;
    cfg.end_ms = cfg.start_ms + 4 * cfg.interval_ms + 1; /* steps at +0, +15, +30, +45, +60 min */
    vg_sim_t *s = vg_sim_new (&cfg, NULL);
    ck_assert_ptr_nonnull (s);
    col_t *c = s_col_new (s, 1);
    vg_sink_t k = s_sink (c);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq (vg_sim_next_ts (s), cfg.start_ms + i * cfg.interval_ms);
        ck_assert_int_eq (vg_sim_step (s, &k), (int) vg_sim_series_count (s));
    }
    ck_assert_int_eq (vg_sim_next_ts (s), INT64_MAX);
    size_t n = c->samples;
    ck_assert_int_eq (vg_sim_step (s, &k), 0);
    ck_assert_uint_eq (c->samples, n);
    ck_assert_str_eq (c->bad, "");
    s_col_free (c);
    vg_sim_destroy (&s);

    /* end_ms <= start: no step at all. */
    cfg.end_ms = cfg.start_ms;
    s = vg_sim_new (&cfg, NULL);
    ck_assert_int_eq (vg_sim_next_ts (s), INT64_MAX);
    vg_sim_destroy (&s);
}
END_TEST

/* 15-minute steps: PM counters scale with the interval (RRC attempts 100-5000 per ROP). */
START_TEST (rop_rates)
{
    vg_sim_cfg_t cfg = s_cfg (3);
    cfg.interval_ms = 15 * 60000;
    vg_sim_t *s = vg_sim_new (&cfg, NULL);
    col_t *c = s_col_new (s, 1);
    s_run (s, c, 96 * 2);
    ck_assert_str_eq (c->bad, "");
    /* Every cell's attempt counter: mean per ROP within 100..5000. */
    size_t cells = 0;
    vg_label_t l = { "cell", "NRCellDU=1" };
    char dev[32];
    for (int site = 1; site <= 3; site++) {
        snprintf (dev, sizeof dev, "site%03d/gnb1", site);
        slot_t *sl = s_slot (c, vg_series_id (dev, "RRC.ConnEstabAtt", &l, 1));
        double per_rop = sl->sum / (96 * 2 - 1);
        ck_assert_msg (per_rop >= 100 && per_rop <= 5000, "%s attempts per ROP %.0f", dev, per_rop);
        cells++;
    }
    ck_assert_uint_eq (cells, 3);
    s_col_free (c);
    vg_sim_destroy (&s);
}
END_TEST

/* A simulated week: ranges, monotonic counters, success <= attempts, seasonality, UPF ~ sum of
 * cells, rare events. */
START_TEST (week_realism)
{
    vg_sim_cfg_t cfg = s_cfg (10);
    vg_sim_t *s = vg_sim_new (&cfg, NULL);
    col_t *c = s_col_new (s, 1);
    vg_sink_t k = s_sink (c);
    ck_assert_int_eq (vg_sim_announce (s, &k), 0);
    s_run (s, c, WEEK_STEPS);
    ck_assert_msg (c->bad[0] == '\0', "%s", c->bad);

    /* Daily seasonality: residential busy hours 20-22 vs trough 03-05; business 10-16. */
    double res_busy = 0, res_trough = 0, bus_busy = 0, bus_trough = 0;
    for (int h = 20; h < 22; h++)
        res_busy += c->prb[0][h] / c->prbn[0][h] / 2;
    for (int h = 3; h < 5; h++) {
        res_trough += c->prb[0][h] / c->prbn[0][h] / 2;
        bus_trough += c->prb[1][h] / c->prbn[1][h] / 2;
    }
    for (int h = 10; h < 16; h++)
        bus_busy += c->prb[1][h] / c->prbn[1][h] / 6;
    ck_assert_msg (res_busy > 3 * res_trough, "residential busy %.1f trough %.1f", res_busy, res_trough);
    ck_assert_msg (res_busy >= 35 && res_busy <= 75, "residential busy-hour PRB %.1f", res_busy);
    ck_assert_msg (res_trough >= 3 && res_trough <= 12, "residential trough PRB %.1f", res_trough);
    ck_assert_msg (bus_busy > 4 * bus_trough, "business busy %.1f trough %.1f", bus_busy, bus_trough);
    /* Weekly: business weekends are quieter. */
    ck_assert (c->bus_we / c->bus_wen < 0.8 * (c->bus_wd / c->bus_wdn));

    /* UPF downlink follows the sum over cells (hour-of-day correlation) at a realistic rate,
     * and the DL:UL ratio is 8-12. */
    double mu = 0, mc = 0, suu = 0, scc = 0, suc = 0, upf_total = 0;
    for (int h = 0; h < 24; h++) {
        mu += c->upf[h] / 24;
        mc += c->cells[h] / 24;
        upf_total += c->upf[h];
    }
    for (int h = 0; h < 24; h++) {
        suu += (c->upf[h] - mu) * (c->upf[h] - mu);
        scc += (c->cells[h] - mc) * (c->cells[h] - mc);
        suc += (c->upf[h] - mu) * (c->cells[h] - mc);
    }
    double corr = suc / sqrt (suu * scc);
    ck_assert_msg (corr > 0.95, "UPF vs cells hourly correlation %.3f", corr);
    double gbps = upf_total * 8 / (2 * (WEEK_STEPS - 1) * 60.0) / 1e9; /* per UPF instance */
    ck_assert_msg (gbps >= 5 && gbps <= 100, "UPF mean DL %.1f Gbit/s", gbps);
    double ratio = upf_total / c->upf_ul;
    ck_assert_msg (ratio >= 8 && ratio <= 12, "UPF DL:UL %.1f", ratio);

    /* Per-cell DL volume 1-50 GB/day. */
    double gb_day = 0;
    for (int h = 0; h < 24; h++)
        gb_day += c->cells[h];
    gb_day = gb_day / (10 * 3) / 7 / 8 / 1000; /* Mbit -> GB per cell per day */
    ck_assert_msg (gb_day >= 1 && gb_day <= 50, "cell DL %.1f GB/day", gb_day);

    /* Events: present, rare relative to samples, config changes only in 00:00-05:00. */
    ck_assert_uint_gt (c->cfg_changes, 0);
    ck_assert_uint_eq (c->cfg_outside, 0);
    ck_assert_uint_gt (c->logins, 7 * 5 * vg_sim_device_count (s) / 2);
    ck_assert_uint_lt (c->logins, 7 * 50 * vg_sim_device_count (s));
    ck_assert_uint_gt (c->flows, 0);
    ck_assert_uint_eq (c->flows_bad, 0);
    ck_assert_uint_lt (c->events * 100, c->samples); /* < 1 % of samples */
    s_col_free (c);
    vg_sim_destroy (&s);
}
END_TEST

/* Not a timed test: prints the generation rate of one simulated day of the default fleet into
 * a counting sink (asserts only the sample count). */
static int
s_count_sample (void *ctx, const vg_point_t *p)
{
    (void) p;
    (*(size_t *) ctx)++;
    return 0;
}

static int
s_count_event (void *ctx, const vg_event_t *e)
{
    (void) ctx;
    (void) e;
    return 0;
}

START_TEST (generation_rate)
{
    vg_sim_cfg_t cfg = s_cfg (0);
    vg_sim_t *s = vg_sim_new (&cfg, NULL);
    size_t n = 0;
    vg_sink_t k = { &n, NULL, s_count_sample, s_count_event };
    int64_t t0 = vg_clock_mono_ns ();
    for (int i = 0; i < 1440; i++)
        ck_assert_int_gt (vg_sim_step (s, &k), 0);
    double sec = (double) (vg_clock_mono_ns () - t0) / 1e9;
    ck_assert_uint_eq (n, 1440 * vg_sim_series_count (s));
    printf ("sim: %zu devices, %zu series; %zu samples in %.3f s = %.1f M samples/s\n",
            vg_sim_device_count (s), vg_sim_series_count (s), n, sec, (double) n / sec / 1e6);
    vg_sim_destroy (&s);
}
END_TEST

/* The first samples of one step: device ids and values. */
typedef struct {
    char dev[64][48];
    double v[64];
    size_t n;
} s_first_t;

static int
s_first_sample (void *ctx, const vg_point_t *p)
{
    s_first_t *f = ctx;
    if (f->n < 64) {
        snprintf (f->dev[f->n], sizeof f->dev[f->n], "%s", p->device);
        f->v[f->n++] = p->value;
    }
    return 0;
}

/* A site prefix renames every site (core included) and keeps every value; a prefix with a
 * '/' or longer than VG_SIM_SITE_PREFIX_MAX is refused. */
START_TEST (site_prefix)
{
    vg_sim_cfg_t cfg = s_cfg (2);
    vg_sim_t *a = vg_sim_new (&cfg, NULL);
    char pfx[] = "east-";
    cfg.site_prefix = pfx;
    vg_sim_t *b = vg_sim_new (&cfg, NULL);
    pfx[0] = 'X'; /* borrowed only while vg_sim_new runs */
    ck_assert_ptr_nonnull (a);
    ck_assert_ptr_nonnull (b);
    ck_assert_uint_eq (vg_sim_device_count (a), vg_sim_device_count (b));
    ck_assert_ptr_nonnull (vg_sim_device_profile (b, "east-site001/gnb1"));
    ck_assert_ptr_null (vg_sim_device_profile (b, "site001/gnb1"));
    static s_first_t fa, fb;
    memset (&fa, 0, sizeof fa);
    memset (&fb, 0, sizeof fb);
    vg_sink_t ka = { &fa, NULL, s_first_sample, s_count_event };
    vg_sink_t kb = { &fb, NULL, s_first_sample, s_count_event };
    ck_assert_int_gt (vg_sim_step (a, &ka), 0);
    ck_assert_int_gt (vg_sim_step (b, &kb), 0);
    ck_assert_uint_eq (fa.n, 64);
    ck_assert_uint_eq (fb.n, 64);
    for (size_t i = 0; i < fa.n; i++) {
        char want[64];
        snprintf (want, sizeof want, "east-%s", fa.dev[i]);
        ck_assert_str_eq (fb.dev[i], want);
        ck_assert (fa.v[i] == fb.v[i]);
    }
    vg_sim_destroy (&a);
    vg_sim_destroy (&b);
    int err = 0;
    cfg.site_prefix = "a/b";
    ck_assert_ptr_null (vg_sim_new (&cfg, &err));
    ck_assert_int_eq (err, -VG_EINVAL);
    cfg.site_prefix = "0123456789abcdef"; /* 16 bytes */
    ck_assert_ptr_null (vg_sim_new (&cfg, &err));
}
END_TEST

Suite *
vg_sim_suite (void)
{
    const TTest *tests[] = {
        defaults_fleet, bad_config, deterministic, sink_error_retry, end_and_interval, rop_rates,
        week_realism, generation_rate, site_prefix,
    };
    return vg_test_suite ("sim", "sim", tests, sizeof tests / sizeof tests[0], 240, NULL, NULL);
}
