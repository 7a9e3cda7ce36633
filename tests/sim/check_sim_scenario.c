/* check_sim_scenario.c - labelled incident scenarios: every catalogue entry has a labelled
 * incident, the injected effects are really in the telemetry (silence, flaps, resets, SA
 * reports, flows), the same seed gives identical telemetry and labels, and a run without a
 * scenario is unchanged. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/hash.h"
#include "sim/sim.h"
#include "sim/sim_scenario.h"
#include "tests/support/suite.h"

#define DAY 86400000LL

/* A sink that hashes the stream and records what the tests look for. */
typedef struct {
    uint64_t h, samples, events;
    const char *watch_dev;        /* device whose samples are counted per time */
    int64_t from, to;             /* window for watch_dev */
    uint64_t in_win, out_win;     /* watched device samples inside / outside the window */
    uint64_t downs, ups;          /* oper-status / session-state of watch_dev in the window */
    uint64_t sa0, sa_up, ntp, ext_flows, reboots, mirror, logins_ext;
    double boot_first, boot_last; /* watch_dev boot-time */
    uint64_t counter_drops;       /* watch_dev counters that decreased */
    double last[4096];
    uint64_t seen_hint[4096];
    long fail_at, calls;
} col_t;

static void
s_mix (col_t *c, const void *p, size_t n)
{
    c->h = vg_hash64 (p, n, c->h);
}

static int
s_dev (void *ctx, const vg_device_t *d)
{
    return 0;
}

static int
s_sample (void *ctx, const vg_point_t *p)
{
    col_t *c = ctx;
    if (c->fail_at && ++c->calls == c->fail_at)
        return -VG_EFULL;
    c->samples++;
    s_mix (c, &p->ts_ms, sizeof p->ts_ms);
    s_mix (c, &p->value, sizeof p->value);
    s_mix (c, &p->series_hint, sizeof p->series_hint);
    if (p->state)
        s_mix (c, p->state, strlen (p->state));
    if (!c->watch_dev || strcmp (p->device, c->watch_dev) != 0)
        return 0;
    int in = p->ts_ms >= c->from && p->ts_ms < c->to;
    if (in)
        c->in_win++;
    else
        c->out_win++;
    if (p->state && in) {
        if (strcmp (p->state, "UP") == 0 || strcmp (p->state, "ESTABLISHED") == 0)
            c->ups++;
        else
            c->downs++;
    }
    if (strcmp (p->path, "/system/state/boot-time") == 0) {
        if (c->boot_first == 0)
            c->boot_first = p->value;
        c->boot_last = p->value;
    }
    if (p->kind == VG_KIND_COUNTER) {
        size_t i = (size_t) (p->series_hint % 4096);
        if (c->seen_hint[i] == p->series_hint && p->value < c->last[i])
            c->counter_drops++;
        c->seen_hint[i] = p->series_hint;
        c->last[i] = p->value;
    }
    return 0;
}

static const char *
s_attr (const vg_event_t *e, const char *k)
{
    for (size_t i = 0; i < e->nattrs; i++)
        if (strcmp (e->attrs[i].key, k) == 0)
            return e->attrs[i].value;
    return NULL;
}

static int
s_event (void *ctx, const vg_event_t *e)
{
    col_t *c = ctx;
    c->events++;
    s_mix (c, &e->ts_ms, sizeof e->ts_ms);
    s_mix (c, &e->type, sizeof e->type);
    s_mix (c, e->device, strlen (e->device));
    for (size_t i = 0; i < e->nattrs; i++)
        s_mix (c, e->attrs[i].value, strlen (e->attrs[i].value));
    if (e->flow) {
        s_mix (c, &e->flow->bytes, sizeof e->flow->bytes);
        s_mix (c, e->flow->dst, strlen (e->flow->dst));
        if (strncmp (e->flow->dst, "10.", 3) != 0 && strncmp (e->flow->dst, "192.0.2.", 8) != 0)
            c->ext_flows++;
    }
    const char *sa = s_attr (e, "sa_count");
    if (e->type == VG_EV_CRYPTO_STATE && sa && strcmp (sa, "0") == 0)
        c->sa0++;
    else if (e->type == VG_EV_CRYPTO_STATE && sa)
        c->sa_up++;
    if (e->type == VG_EV_NTP_CHANGE)
        c->ntp++;
    if (e->type == VG_EV_REBOOT)
        c->reboots++;
    if (e->type == VG_EV_MIRROR_SESSION)
        c->mirror++;
    const char *src = s_attr (e, "source");
    if (e->type == VG_EV_LOGIN && src && strncmp (src, "10.255.10.", 10) != 0)
        c->logins_ext++;
    return 0;
}

static vg_sink_t
s_sink (col_t *c)
{
    return (vg_sink_t) { c, s_dev, s_sample, s_event };
}

static vg_sim_cfg_t
s_cfg (const char *scenario, uint32_t sites, double days, int64_t iv)
{
    vg_sim_cfg_t cfg;
    vg_sim_cfg_defaults (&cfg);
    cfg.scenario = scenario;
    cfg.sites = sites;
    cfg.interval_ms = iv;
    cfg.end_ms = cfg.start_ms + (int64_t) (days * DAY);
    return cfg;
}

static void
s_run_all (vg_sim_t *s, col_t *c)
{
    vg_sink_t k = s_sink (c);
    ck_assert_int_eq (vg_sim_announce (s, &k), 0);
    while (vg_sim_next_ts (s) != INT64_MAX)
        ck_assert_int_ge (vg_sim_step (s, &k), 0);
}

static uint64_t
s_labels_hash (const vg_sim_t *s)
{
    char buf[4096];
    uint64_t h = 0;
    for (size_t i = 0; i < vg_sim_label_count (s); i++) {
        size_t n = vg_sim_label_json (vg_sim_label (s, i), buf, sizeof buf);
        ck_assert_uint_lt (n, sizeof buf);
        h = vg_hash64 (buf, n, h);
    }
    return h;
}

/* First label of a type, or NULL. */
static const vg_sim_label_t *
s_find (const vg_sim_t *s, const char *type)
{
    for (size_t i = 0; i < vg_sim_label_count (s); i++)
        if (strcmp (vg_sim_label (s, i)->type, type) == 0)
            return vg_sim_label (s, i);
    return NULL;
}

START_TEST (names_and_errors)
{
    const char *const *n = vg_sim_scenario_names ();
    size_t k = 0;
    for (; n[k]; k++)
        ck_assert_ptr_nonnull (vg_sim_scenario_help (n[k]));
    ck_assert_uint_ge (k, 20);
    ck_assert_ptr_null (vg_sim_scenario_help ("nosuch"));
    vg_sim_cfg_t cfg = s_cfg ("nosuch", 5, 1, 300000);
    int err = 0;
    ck_assert_ptr_null (vg_sim_new (&cfg, &err));
    ck_assert_int_eq (err, -VG_EINVAL);
    /* "" means no scenario; no labels. */
    cfg.scenario = "";
    vg_sim_t *s = vg_sim_new (&cfg, &err);
    ck_assert_ptr_nonnull (s);
    ck_assert_uint_eq (vg_sim_label_count (s), 0);
    ck_assert_ptr_null (vg_sim_label (s, 0));
    vg_sim_destroy (&s);
}
END_TEST

/* The catalogue scenario labels every catalogue entry and the three benign look-alikes;
 * labels are inside the run, name existing devices and have a sane JSON form. */
START_TEST (catalog_labels)
{
    vg_sim_cfg_t cfg = s_cfg ("catalog", 20, 17, 300000);
    vg_sim_t *s = vg_sim_new (&cfg, NULL);
    ck_assert_ptr_nonnull (s);
    static const char *const need[] = { "A01", "A02", "A03", "A04", "A05", "A06", "A08", "C01", "C02",
                                        "C03", "C04", "C05", "I01", "I02", "I03", "I04", "X01", "X02" };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        int found = 0;
        for (size_t j = 0; j < vg_sim_label_count (s); j++)
            found |= !vg_sim_label (s, j)->benign && strcmp (vg_sim_label (s, j)->detector, need[i]) == 0;
        ck_assert_msg (found, "no incident for %s", need[i]);
    }
    static const char *const benign[] = { "maint-reboot", "traffic-shift", "allowlisted-dst" };
    for (size_t i = 0; i < 3; i++) {
        const vg_sim_label_t *l = s_find (s, benign[i]);
        ck_assert_msg (l && l->benign, "no benign %s", benign[i]);
    }
    ck_assert_ptr_nonnull (s_find (s, "collector-outage"));
    char buf[4096];
    for (size_t j = 0; j < vg_sim_label_count (s); j++) {
        const vg_sim_label_t *l = vg_sim_label (s, j);
        ck_assert_int_ge (l->start_ms, cfg.start_ms);
        ck_assert_int_le (l->end_ms, cfg.end_ms);
        ck_assert_int_lt (l->start_ms, l->end_ms);
        ck_assert_uint_ge (l->ndevices, 1);
        ck_assert_ptr_nonnull (l->entity);
        for (size_t d = 0; d < l->ndevices; d++)
            ck_assert_ptr_nonnull (strchr (l->devices[d], '/'));
        ck_assert (strchr ("ACIX", l->cia) != NULL);
        size_t n = vg_sim_label_json (l, buf, sizeof buf);
        ck_assert_uint_lt (n, sizeof buf);
        ck_assert (buf[0] == '{' && buf[n - 1] == '}');
        ck_assert_ptr_nonnull (strstr (buf, "\"detector\":\""));
        ck_assert_ptr_nonnull (strstr (buf, l->benign ? "\"benign\":true" : "\"benign\":false"));
    }
    /* A03 needs two weeks of baseline: its incidents start after day 14. */
    const vg_sim_label_t *c = s_find (s, "collapse");
    ck_assert_int_ge (c->start_ms, cfg.start_ms + 14 * DAY);
    /* The common-mode incident names a vendor and >= 5 devices. */
    const vg_sim_label_t *x = s_find (s, "common-mode-reboot");
    ck_assert_uint_ge (x->ndevices_total, 5);
    ck_assert_ptr_null (strchr (x->entity, '/'));
    /* A truncated buffer reports the needed length. */
    size_t need_len = vg_sim_label_json (x, NULL, 0);
    ck_assert_uint_eq (vg_sim_label_json (x, buf, 10), need_len);
    vg_sim_destroy (&s);
}
END_TEST

/* Same seed: identical telemetry and labels; another seed moves incidents; no scenario
 * gives the same stream as before (the scenario only adds to it). */
START_TEST (deterministic)
{
    vg_sim_cfg_t cfg = s_cfg ("catalog", 4, 3, 900000);
    col_t *a = calloc (1, sizeof *a), *b = calloc (1, sizeof *b), *c = calloc (1, sizeof *c);
    vg_sim_t *sa = vg_sim_new (&cfg, NULL), *sb = vg_sim_new (&cfg, NULL);
    ck_assert_ptr_nonnull (sa);
    ck_assert_uint_eq (s_labels_hash (sa), s_labels_hash (sb));
    ck_assert_uint_gt (vg_sim_label_count (sa), 10);
    s_run_all (sa, a);
    s_run_all (sb, b);
    ck_assert_uint_eq (a->h, b->h);
    ck_assert_uint_eq (a->events, b->events);
    cfg.seed = 2;
    vg_sim_t *sc = vg_sim_new (&cfg, NULL);
    ck_assert_uint_ne (s_labels_hash (sa), s_labels_hash (sc));
    s_run_all (sc, c);
    ck_assert_uint_ne (a->h, c->h);
    vg_sim_destroy (&sc);

    /* Without a scenario the stream differs from the scenario run only by the incidents. */
    col_t *p = calloc (1, sizeof *p), *q = calloc (1, sizeof *q);
    vg_sim_cfg_t plain = s_cfg (NULL, 4, 1, 900000), empty = s_cfg ("", 4, 1, 900000);
    vg_sim_t *s1 = vg_sim_new (&plain, NULL), *s2 = vg_sim_new (&empty, NULL);
    s_run_all (s1, p);
    s_run_all (s2, q);
    ck_assert_uint_eq (p->h, q->h);
    ck_assert_uint_ne (p->h, a->h);
    ck_assert_uint_eq (vg_sim_series_count (s1), vg_sim_series_count (sa));
    vg_sim_destroy (&s1);
    vg_sim_destroy (&s2);
    vg_sim_destroy (&sa);
    vg_sim_destroy (&sb);
    free (a);
    free (b);
    free (c);
    free (p);
    free (q);
}
END_TEST

/* Run a one-type scenario and watch the first incident's first device. */
static vg_sim_t *
s_watch (const char *type, col_t *c, double days, const vg_sim_label_t **out)
{
    vg_sim_cfg_t cfg = s_cfg (type, 6, days, 300000);
    cfg.scenario_n = 1;
    vg_sim_t *s = vg_sim_new (&cfg, NULL);
    ck_assert_ptr_nonnull (s);
    const vg_sim_label_t *l = s_find (s, type);
    ck_assert_msg (l != NULL, "no %s incident", type);
    c->watch_dev = l->devices[0];
    c->from = l->start_ms;
    c->to = l->end_ms;
    *out = l;
    s_run_all (s, c);
    return s;
}

START_TEST (effects)
{
    const vg_sim_label_t *l;
    col_t *c = calloc (1, sizeof *c);
    vg_sim_t *s = s_watch ("silence", c, 4, &l);
    ck_assert_uint_eq (c->in_win, 0);     /* no sample while silent */
    ck_assert_uint_gt (c->out_win, 1000); /* but before and after */
    vg_sim_destroy (&s);

    memset (c, 0, sizeof *c);
    s = s_watch ("flap", c, 4, &l);
    ck_assert_uint_ge (c->downs, 2);
    ck_assert_uint_ge (c->ups, 2);
    vg_sim_destroy (&s);

    memset (c, 0, sizeof *c);
    s = s_watch ("bgp-down", c, 4, &l);
    ck_assert_uint_ge (c->downs, 4);
    vg_sim_destroy (&s);

    memset (c, 0, sizeof *c);
    s = s_watch ("reboot", c, 4, &l);
    ck_assert_uint_eq (c->reboots, 1);
    ck_assert (c->boot_last > c->boot_first);
    ck_assert (c->boot_last >= (double) (l->start_ms - 300000) && c->boot_last <= (double) l->start_ms);
    ck_assert_uint_gt (c->counter_drops, 10); /* counters restart from 0 */
    vg_sim_destroy (&s);

    memset (c, 0, sizeof *c);
    s = s_watch ("ipsec-off", c, 4, &l);
    ck_assert_uint_ge (c->sa0, 1);
    ck_assert_uint_gt (c->sa_up, 10);
    ck_assert_uint_ge (c->ntp, 1); /* time-source baseline reports at the start */
    vg_sim_destroy (&s);

    memset (c, 0, sizeof *c);
    s = s_watch ("callhome", c, 4, &l);
    ck_assert_uint_ge (c->ext_flows, (uint64_t) ((l->end_ms - l->start_ms) / 300000));
    vg_sim_destroy (&s);

    memset (c, 0, sizeof *c);
    s = s_watch ("allowlisted-dst", c, 10, &l);
    ck_assert_uint_eq (c->ext_flows, 0); /* the benign destination is internal */
    ck_assert_int_eq (l->benign, 1);
    vg_sim_destroy (&s);

    memset (c, 0, sizeof *c);
    s = s_watch ("mirror", c, 4, &l);
    ck_assert_uint_eq (c->mirror, 2); /* create, then delete at the end */
    vg_sim_destroy (&s);

    memset (c, 0, sizeof *c);
    s = s_watch ("common-mode-reboot", c, 4, &l);
    ck_assert_uint_ge (c->reboots, 5);
    ck_assert_str_eq (l->detector, "X01");
    vg_sim_destroy (&s);
    free (c);
}
END_TEST

/* Every built-in name has a scenario: each single-type name plans only incidents of its own
 * type, and every type the catalogue plans is listed among the names. */
START_TEST (names_match_types)
{
    const char *const *n = vg_sim_scenario_names ();
    ck_assert_str_eq (n[0], "catalog");
    ck_assert_str_eq (n[1], "benign");
    for (size_t k = 2; n[k]; k++) {
        vg_sim_cfg_t cfg = s_cfg (n[k], 8, 17, 900000);
        vg_sim_t *s = vg_sim_new (&cfg, NULL);
        ck_assert_ptr_nonnull (s);
        ck_assert_msg (vg_sim_label_count (s) >= 1, "no incident for %s", n[k]);
        for (size_t i = 0; i < vg_sim_label_count (s); i++) {
            ck_assert_str_eq (vg_sim_label (s, i)->type, n[k]);
            ck_assert_str_eq (vg_sim_label (s, i)->scenario, n[k]);
        }
        vg_sim_destroy (&s);
    }
    vg_sim_cfg_t cfg = s_cfg ("catalog", 8, 17, 900000);
    vg_sim_t *s = vg_sim_new (&cfg, NULL);
    ck_assert_ptr_nonnull (s);
    for (size_t i = 0; i < vg_sim_label_count (s); i++) {
        int listed = 0;
        for (size_t k = 2; n[k]; k++)
            listed |= strcmp (n[k], vg_sim_label (s, i)->type) == 0;
        ck_assert_msg (listed, "type %s not in the names", vg_sim_label (s, i)->type);
    }
    vg_sim_destroy (&s);
}
END_TEST

/* An ordinary label has exactly this JSON form (the labels files compare byte for byte). */
START_TEST (label_json_form)
{
    vg_sim_label_t l = { .id = "inc007", .scenario = "catalog", .type = "silence", .detector = "A01",
                         .cia = 'A', .entity = "s01/gnb1", .devices = (const char *[]) { "s01/gnb1", "s02/csr1" },
                         .ndevices = 2, .ndevices_total = 3, .start_ms = 1793577600000LL,
                         .end_ms = 1793581200000LL, .magnitude = 0.25, .note = "one element stops reporting" };
    char buf[1024];
    const char *want = "{\"scenario\":\"catalog\",\"id\":\"inc007\",\"type\":\"silence\",\"detector\":\"A01\","
                       "\"cia\":\"A\",\"benign\":false,\"entity\":\"s01/gnb1\",\"devices\":[\"s01/gnb1\","
                       "\"s02/csr1\"],\"devices_total\":3,\"start_ms\":1793577600000,\"end_ms\":1793581200000,"
                       "\"magnitude\":0.25,\"note\":\"one element stops reporting\"}";
    ck_assert_uint_eq (vg_sim_label_json (&l, buf, sizeof buf), strlen (want));
    ck_assert_str_eq (buf, want);
    /* No entity / note: empty strings; benign true. */
    l.entity = NULL;
    l.note = NULL;
    l.benign = 1;
    l.ndevices = 0;
    vg_sim_label_json (&l, buf, sizeof buf);
    ck_assert_ptr_nonnull (strstr (buf, "\"benign\":true,\"entity\":\"\",\"devices\":[],"));
    ck_assert_ptr_nonnull (strstr (buf, ",\"note\":\"\"}"));
}
END_TEST

/* Every string is JSON-escaped (quotes, backslashes, control bytes, invalid UTF-8), and a
 * short buffer holds a NUL-terminated prefix while the full length is returned. */
START_TEST (label_json_escapes)
{
    vg_sim_label_t l = { .id = "in\"c", .scenario = "sc\\n", .type = "t\n", .detector = "A\x01", .cia = '"',
                         .entity = "e\xff", .devices = (const char *[]) { "d\"1", "d\t2" }, .ndevices = 2, .ndevices_total = 2,
                         .note = "caf\xc3\xa9 \"x\"" };
    char full[1024], part[1024];
    size_t n = vg_sim_label_json (&l, full, sizeof full);
    ck_assert_uint_lt (n, sizeof full);
    ck_assert_uint_eq (strlen (full), n);
    const char *want = "{\"scenario\":\"sc\\\\n\",\"id\":\"in\\\"c\",\"type\":\"t\\n\",\"detector\":\"A\\u0001\","
                       "\"cia\":\"\\\"\",\"benign\":false,\"entity\":\"e\\ufffd\",\"devices\":[\"d\\\"1\","
                       "\"d\\t2\"],\"devices_total\":2,\"start_ms\":0,\"end_ms\":0,\"magnitude\":0,"
                       "\"note\":\"caf\xc3\xa9 \\\"x\\\"\"}";
    ck_assert_str_eq (full, want);
    for (size_t size = 0; size <= n + 1; size++) {
        memset (part, 'Z', sizeof part);
        ck_assert_uint_eq (vg_sim_label_json (&l, size ? part : NULL, size), n);
        if (size == 0)
            continue;
        size_t got = strnlen (part, size);
        ck_assert_uint_lt (got, size); /* NUL-terminated inside the buffer */
        ck_assert_int_eq (memcmp (part, full, got), 0);
    }
}
END_TEST

/* A common-mode incident lists every rebooted device on its X01 label, also when the label
 * array grows while the incident adds its per-device I03 labels. */
START_TEST (common_mode_devices)
{
    vg_sim_cfg_t cfg = s_cfg ("common-mode-reboot", 8, 19, 300000);
    cfg.scenario_n = 16;
    vg_sim_t *s = vg_sim_new (&cfg, NULL);
    ck_assert_ptr_nonnull (s);
    size_t nx = 0;
    for (size_t i = 0; i < vg_sim_label_count (s); i++) {
        const vg_sim_label_t *x = vg_sim_label (s, i);
        if (strcmp (x->detector, "X01") != 0)
            continue;
        size_t ni = 0;
        for (size_t j = 0; j < vg_sim_label_count (s); j++)
            ni += strcmp (vg_sim_label (s, j)->id, x->id) == 0 && strcmp (vg_sim_label (s, j)->detector, "I03") == 0;
        ck_assert_uint_eq (x->ndevices_total, ni);
        ck_assert_uint_eq (x->ndevices, ni); /* every device listed */
        nx++;
    }
    ck_assert_uint_ge (nx, 12); /* enough incidents to grow the label array past 64 */
    vg_sim_destroy (&s);
}
END_TEST

/* --majority: one vendor takes most sites' gNB and router (the roles it makes); off, the
 * draw is even.  eval_wire uses it to judge X01 when one vendor is most of the fleet. */
static int
s_count_vendor (void *ctx, const vg_device_t *d)
{
    size_t *n = ctx;
    n[0]++;
    n[1] += d->vendor && strcmp (d->vendor, "Huawei") == 0;
    return 0;
}

START_TEST (majority_vendor)
{
    size_t even[2] = { 0 }, most[2] = { 0 };
    vg_sim_cfg_t cfg = s_cfg (NULL, 40, 1, 300000);
    vg_sim_t *s = vg_sim_new (&cfg, NULL);
    vg_sink_t k = { even, s_count_vendor, NULL, NULL };
    ck_assert_int_eq (vg_sim_announce (s, &k), 0);
    vg_sim_destroy (&s);
    cfg.majority_vendor = "Huawei";
    cfg.majority_pct = 90;
    s = vg_sim_new (&cfg, NULL);
    k.ctx = most;
    ck_assert_int_eq (vg_sim_announce (s, &k), 0);
    vg_sim_destroy (&s);
    ck_assert_uint_eq (even[0], most[0]);
    ck_assert_uint_lt (even[1] * 3, even[0]);  /* even: about a quarter of gNBs and routers */
    ck_assert_uint_gt (most[1] * 10, most[0] * 6); /* most of the 90 devices */
    cfg.majority_pct = 101;
    ck_assert_ptr_null (vg_sim_new (&cfg, NULL));
}
END_TEST

/* A collector outage of a 40-site fleet (35-60 % of 90 devices) names every silent device:
 * the list was cut at 32, so eval_wire scored the silence of the others as false alerts
 * (seed 53, 300-s streams: 5 false a01-silence). */
START_TEST (outage_lists_every_device)
{
    vg_sim_cfg_t cfg = s_cfg ("collector-outage", 40, 3, 300000);
    cfg.seed = 53;
    vg_sim_t *s = vg_sim_new (&cfg, NULL);
    ck_assert_ptr_nonnull (s);
    size_t big = 0;
    for (size_t i = 0; i < vg_sim_label_count (s); i++) {
        const vg_sim_label_t *l = vg_sim_label (s, i);
        ck_assert_uint_eq (l->ndevices, l->ndevices_total);
        big += l->ndevices > 32;
        for (size_t j = 0; j < l->ndevices; j++)
            ck_assert_ptr_nonnull (strchr (l->devices[j], '/'));
        size_t n = vg_sim_label_json (l, NULL, 0);
        char *buf = malloc (n + 1);
        ck_assert_uint_eq (vg_sim_label_json (l, buf, n + 1), n);
        ck_assert_ptr_nonnull (strstr (buf, l->devices[l->ndevices - 1]));
        free (buf);
    }
    ck_assert_uint_ge (big, 1);
    vg_sim_destroy (&s);
}
END_TEST

/* A sink error mid-step with a counter reset in that step: the retry re-emits the step
 * identically (the reset is keyed by step, not applied once). */
START_TEST (retry_with_incidents)
{
    vg_sim_cfg_t cfg = s_cfg ("reboot", 3, 3, 300000);
    vg_sim_t *a = vg_sim_new (&cfg, NULL), *b = vg_sim_new (&cfg, NULL);
    const vg_sim_label_t *l = vg_sim_label (a, 0);
    ck_assert_ptr_nonnull (l);
    col_t *ca = calloc (1, sizeof *ca), *cb = calloc (1, sizeof *cb);
    vg_sink_t ka = s_sink (ca), kb = s_sink (cb);
    while (vg_sim_next_ts (a) != INT64_MAX) {
        if (vg_sim_next_ts (a) == l->start_ms)
            ca->h = 0; /* hash everything from the reboot step on */
        ck_assert_int_ge (vg_sim_step (a, &ka), 0);
    }
    int failed = 0;
    while (vg_sim_next_ts (b) != INT64_MAX) {
        if (vg_sim_next_ts (b) == l->start_ms) {
            cb->fail_at = cb->calls + 50;
            ck_assert_int_eq (vg_sim_step (b, &kb), -VG_EFULL);
            ck_assert_int_eq (vg_sim_next_ts (b), l->start_ms); /* not consumed */
            cb->fail_at = 0;
            cb->h = 0;
            failed = 1;
        }
        ck_assert_int_ge (vg_sim_step (b, &kb), 0);
    }
    ck_assert (failed);
    ck_assert_uint_eq (cb->h, ca->h);
    ck_assert_uint_eq (cb->samples, ca->samples + 49); /* the 49 before the failure */
    vg_sim_destroy (&a);
    vg_sim_destroy (&b);
    free (ca);
    free (cb);
}
END_TEST

Suite *
vg_sim_scenario_suite (void)
{
    const TTest *tests[] = {
        names_and_errors, catalog_labels, deterministic, effects, retry_with_incidents, names_match_types,
        label_json_form, label_json_escapes, common_mode_devices, outage_lists_every_device,
        majority_vendor,
    };
    return vg_test_suite ("sim_scenario", "core", tests, sizeof tests / sizeof tests[0], 120, NULL, NULL);
}
