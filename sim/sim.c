/* sim.c - deterministic simulated multi-vendor 5G fleet (see sim.h): the API and the per-step
 * generation; sim_fleet.c builds the devices and series, sim_int.h holds the shared structs.
 *
 * Invariant: a value depends only on (seed, series index, step index) and the series' own
 * running state; randomness comes from a counter-based hash, never from a sequential stream.
 * Running state is double-buffered by step parity, so a step that fails half-way in the sink
 * is regenerated identically on the next call.
 *
 * Fleet.  Per site NNN (1-based): "siteNNN/gnb1" (role gnb) with cells_per_gnb cells and
 * "siteNNN/csr1" (role router, 4 x 10G ports: 2 uplinks, 2 gNB-facing; 2 BGP peers).
 * Core (site "core"): amf1-2, smf1-2, upf1-2 and pe1-4 (role router, 8 x 100G, 4 BGP peers).
 * Vendors: a seed-chosen permutation of four vendors per role, rotated over sites / instances,
 * so every fleet with >= 3 sites has >= 3 RAN vendors and the four PEs use four vendors.
 *
 * Path conventions (input "sim", all times UTC):
 *   RAN cells   path = 3GPP TS 28.552 name ("RRU.PrbTotDl", "DRB.PdcpSduVolumeDL", ...),
 *               label cell="NRCellDU=<n>".  PM counters are cumulative COUNTER series emitted
 *               every interval (not per 15-min ROP); a consumer takes deltas.  Gauges:
 *               RRU.PrbTot* (%, 1 decimal), RRC.ConnMean/Max (UEs), DRB.UEThp* (kbit/s, int).
 *               DRB.PdcpSduVolume* are in Mbit.
 *   Core NFs    path = 3GPP name, no labels (RM.*, SM.*, GTP.*DataOctN3UPF in octets).
 *   Routers     OpenConfig: /interfaces/interface/state/counters/<c> and .../state/oper-status
 *               with label name=<ifname>; optics .../transceiver/physical-channels/channel/
 *               state/{input,output}-power/instant (dBm, 2 decimals) labelled with the
 *               *interface* name; BGP .../neighbor/state/session-state and .../afi-safi/
 *               state/prefixes/received labelled neighbor-address (+ afi-safi-name).
 *   Every device /components/component/cpu/utilization/state/instant {name=CPU0} (%, int),
 *               /system/memory/state/{physical,used} (bytes, used in 4 KiB pages),
 *               /system/state/boot-time (ms since the epoch, not OpenConfig's ns: it must stay
 *               exact in a double), /system/ntp/servers/server/state/offset {address=} (ms).
 * Counters wrap modulo 2^53 (values travel as doubles); initial totals are capped at 2^48,
 * so at UPF scale a wrap comes after roughly 40 simulated days at the earliest. */
#include "sim/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "sim/sim_int.h"

static const char *const s_profile_name[P__COUNT] = { "residential", "business" };

static const double s_week[P__COUNT][7] = { /* Monday first */
    { 1.0, 1.0, 1.0, 1.0, 1.02, 1.08, 1.06 },
    { 1.0, 1.0, 1.0, 1.0, 0.97, 0.60, 0.55 },
};

typedef struct {
    const char *name, *ip;
    uint32_t port, proto;
    double bytes; /* per 15 minutes */
    double pkt;   /* mean packet size */
} flowdst_t;

static const flowdst_t s_flowdst[] = {
    { "ntp", SIM_NTP_SERVER, 123, 17, 2700, 90 },
    { "dns", "10.250.0.53", 53, 17, 12000, 110 },
    { "syslog", "10.250.1.10", 514, 17, 180000, 220 },
    { "oss", "10.250.2.20", 443, 6, 2500000, 900 },
};
#define N_FLOWDST (sizeof s_flowdst / sizeof s_flowdst[0])

static const char *const s_users[] = { "noc-alice", "noc-bob", "noc-chen", "noc-dara", "svc-ansible" };
static const char *const s_classes[] = { "interfaces", "qos", "routing", "descriptions", "ntp", "snmp" };
static const char *const s_bastions[] = { "10.255.10.11", "10.255.10.12", "10.255.10.13" };

/* Poisson(lambda) from one 64-bit random: inversion below 30, normal approximation above. */
static double
s_poisson (double lambda, uint64_t r)
{
    if (!(lambda > 0))
        return 0;
    if (lambda < 0.02)
        return s_unit (r) < lambda ? 1 : 0;
    if (lambda < 30) {
        double u = s_unit (r), p = exp (-lambda), f = p;
        double k = 0;
        while (u > f && k < 200) {
            k += 1;
            p *= lambda / k;
            f += p;
        }
        return k;
    }
    double v = nearbyint (lambda + sqrt (lambda) * s_normal (r));
    return v < 0 ? 0 : v;
}

/* ---- public API ---------------------------------------------------------------------- */

void
vg_sim_cfg_defaults (vg_sim_cfg_t *cfg)
{
    memset (cfg, 0, sizeof *cfg);
    cfg->seed = 1;
    cfg->sites = 20;
    cfg->cells_per_gnb = 3;
    cfg->start_ms = 1767225600000LL; /* 2026-01-01T00:00:00Z, a Thursday */
    cfg->interval_ms = MIN_MS;
    cfg->end_ms = 0;
}

vg_sim_t *
vg_sim_new (const vg_sim_cfg_t *cfg, int *err)
{
    vg_sim_t *s = NULL;
    int rc = -VG_EINVAL;
    if (!cfg || cfg->sites < 1 || cfg->sites > 10000 || cfg->cells_per_gnb < 1 || cfg->cells_per_gnb > 24
        || cfg->start_ms < 0 || cfg->interval_ms < 1000 || cfg->interval_ms > DAY_MS || cfg->end_ms < 0
        || cfg->majority_pct > 100)
        goto fail;
    if (cfg->site_prefix
        && (strlen (cfg->site_prefix) > VG_SIM_SITE_PREFIX_MAX || strchr (cfg->site_prefix, '/') != NULL))
        goto fail;
    rc = -VG_ENOMEM;
    s = calloc (1, sizeof *s);
    if (!s)
        goto fail;
    s->cfg = *cfg;
    s->ncells = (size_t) cfg->sites * cfg->cells_per_gnb;
    s->ndrivers = 1 + cfg->sites + s->ncells;
    s->devs = calloc ((size_t) cfg->sites * 2 + N_AMF + N_SMF + N_UPF + N_PE, sizeof *s->devs);
    s->load = calloc (s->ndrivers, sizeof *s->load);
    s->load2 = calloc (s->ndrivers, sizeof *s->load2);
    s->loadinv = calloc (s->ndrivers, sizeof *s->loadinv);
    s->dkey = calloc (s->ndrivers, sizeof *s->dkey);
    s->cell_profile = calloc (s->ncells, sizeof *s->cell_profile);
    if (!s->devs || !s->load || !s->load2 || !s->loadinv || !s->dkey || !s->cell_profile)
        goto fail;
    vg_sim__build_profiles (s);
    s->p_cfg = 0.02 * (double) cfg->interval_ms / (double) (MAINT_END_MIN * MIN_MS);
    rc = vg_sim__build (s);
    s->cfg.site_prefix = NULL; /* borrowed: only the build reads it */
    if (rc)
        goto fail;
    if (cfg->scenario && cfg->scenario[0]) {
        rc = vg_sim__scenario_build (s);
        if (rc)
            goto fail;
    }
    if (err)
        *err = 0;
    return s;
fail:
    vg_sim_destroy (&s);
    if (err)
        *err = rc;
    return NULL;
}

void
vg_sim_destroy (vg_sim_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_sim_t *s = *self_p;
    vg_sim__scenario_free (s);
    vg_arena_free (&s->arena);
    free (s->devs);
    free (s->series);
    free (s->load);
    free (s->load2);
    free (s->loadinv);
    free (s->dkey);
    free (s->cell_profile);
    free (s);
    *self_p = NULL;
}

int
vg_sim_announce (vg_sim_t *s, const vg_sink_t *sink)
{
    for (size_t i = 0; i < s->ndevs; i++) {
        int rc = vg_sink_device (sink, &s->devs[i].dev);
        if (rc)
            return rc;
    }
    return 0;
}

int64_t
vg_sim_next_ts (const vg_sim_t *s)
{
    const vg_sim_cfg_t *c = &s->cfg;
    if (s->step > (uint64_t) ((INT64_MAX - c->start_ms) / c->interval_ms))
        return INT64_MAX;
    int64_t ts = c->start_ms + (int64_t) s->step * c->interval_ms;
    if (c->end_ms != 0 && ts >= c->end_ms)
        return INT64_MAX;
    return ts;
}

size_t
vg_sim_series_count (const vg_sim_t *s)
{
    return s->nseries;
}

size_t
vg_sim_device_count (const vg_sim_t *s)
{
    return s->ndevs;
}

const char *
vg_sim_device_profile (const vg_sim_t *s, const char *device_id)
{
    for (size_t i = 0; i < s->ndevs; i++)
        if (strcmp (s->devs[i].id, device_id) == 0)
            return s->devs[i].profile < 0 ? NULL : s_profile_name[s->devs[i].profile];
    return NULL;
}

/* ---- generation ---------------------------------------------------------------------- */

/* Per-step drivers: every cell's load (fraction of its busy-hour load), site means, fleet
 * mean.  cell = daily(profile, minute) * weekly(profile, day) * day factor * (1 + noise),
 * the noise shared half by the site, half by the cell. */
static void
s_drivers (vg_sim_t *s, int64_t ts, uint64_t k)
{
    const vg_sim_cfg_t *c = &s->cfg;
    int minute = (int) ((ts / MIN_MS) % 1440);
    uint64_t day = (uint64_t) (ts / DAY_MS);
    int dow = (int) ((day + 3) % 7); /* 1970-01-01 was a Thursday; Monday = 0 */
    double prof[P__COUNT], fleet = 0;
    for (int p = 0; p < P__COUNT; p++)
        prof[p] = s->daily[p][minute] * s_week[p][dow];
    for (int sh = 0; sh < SH__COUNT; sh++)
        s->shape[sh] = s->shapes_day[sh][minute];
    for (uint32_t i = 0; i < c->sites; i++) {
        size_t sd = 1 + i;
        double zs = s_normal (s_rand (s->dkey[sd], k)), sum = 0;
        for (uint32_t j = 0; j < c->cells_per_gnb; j++) {
            size_t cell = (size_t) i * c->cells_per_gnb + j, dv = 1 + c->sites + cell;
            double zc = s_normal (s_rand (s->dkey[dv], k));
            double dayf = 1 + 0.05 * s_normal (s_rand (s->dkey[dv] ^ 0xda7da7ULL, day));
            double l = prof[s->cell_profile[cell]] * dayf * (1 + 0.05 * zs + 0.05 * zc);
            l = l < 0.005 ? 0.005 : l;
            s->load[dv] = l;
            s->load2[dv] = l * l;
            s->loadinv[dv] = 1.0 / (1.0 + 3.0 * l);
            sum += l;
        }
        s->load[sd] = sum / c->cells_per_gnb;
        s->load2[sd] = s->load[sd] * s->load[sd];
        s->loadinv[sd] = 1.0 / (1.0 + 3.0 * s->load[sd]);
        fleet += s->load[sd];
    }
    s->load[0] = fleet / c->sites;
    s->load2[0] = s->load[0] * s->load[0];
    s->loadinv[0] = 1.0 / (1.0 + 3.0 * s->load[0]);
}

static inline double
s_quant (const series_t *se, double v)
{
    v = v < se->lo ? se->lo : v > se->hi ? se->hi : v;
    return nearbyint (v * se->qinv) / se->qinv;
}

/* This step's increment of a counter series whose expected rate is `level`. */
static double
s_counter_inc (const vg_sim_t *s, const series_t *se, const series_t *ref, double level, uint64_t r,
               uint64_t r2)
{
    double inc;
    switch ((gen_t) se->gen) {
    case G_COUNTER: return s_poisson (level * (1 + se->sigma * s_normal (r)), r2);
    case G_SUCC: {
        /* Failures grow only near congestion: the cell's PRB (52 cap (L + L^2) / 2) above 85 %. */
        double l = s->load[se->driver];
        double over = se->cong * 0.5 * (l + l * l) - 1.62, pf = level;
        if (se->cong > 0 && over > 0)
            pf *= 1 + 20 * over;
        double fail = s_poisson (ref->inc * (pf > 1 ? 1 : pf), r2);
        return ref->inc - (fail > ref->inc ? ref->inc : fail);
    }
    case G_SCALED:
        inc = nearbyint (ref->inc * level * (1 + se->sigma * s_normal (r)));
        return inc < 0 ? 0 : inc;
    case G_PLUS: return ref->inc + s_poisson (level, r2);
    default: return 0;
    }
}

/* The value of series se at step k (cur = k & 1).  Reads state[cur], writes state[!cur]. */
static double
s_series_next (vg_sim_t *s, series_t *se, uint64_t k, int cur)
{
    uint64_t r = s_rand (se->key, k), r2 = vg_hash_mix64 (r ^ GOLDEN);
    double x = se->xsel == X_LOAD    ? s->load[se->driver]
               : se->xsel == X_LOAD2 ? s->load2[se->driver]
               : se->xsel == X_INV   ? s->loadinv[se->driver]
               : se->xsel == X_MIX   ? 0.5 * (s->load[se->driver] + s->load2[se->driver])
                                     : 1.0;
    double level = se->a + se->b * x * s->shape[se->shape];
    /* Incident modifiers (sim_scenario.c): scale or offset `level`, force a value or a state
     * string, or reset the running state, keyed by (series, step).  Nothing else changes. */
    int force = 0;
    double fv = 0;
    if (se->mod)
        level = vg_sim__modify (s, se, k, cur, level, &force, &fv);
    const series_t *ref = se->ref >= 0 ? &s->series[se->ref] : NULL;
    double prev = se->state[cur], v, inc = 0;
    switch ((gen_t) se->gen) {
    case G_CONST: v = level; break;
    case G_STATE: v = 0; break;
    case G_GAUGE: {
        double z = s_normal (r);
        v = s_quant (se, level * (1 + se->sigma * z) + se->sd * z);
        break;
    }
    case G_STICKY:
        v = s_unit (r) < se->sd ? s_quant (se, level * (1 + se->sigma * s_normal (r2))) : prev;
        se->state[cur ^ 1] = v;
        break;
    case G_ATLEAST:
        v = s_quant (se, ref->last * level * (1 + se->sigma * s_normal (r)));
        v = v < ref->last ? ref->last : v;
        break;
    default: /* counters */
        inc = s_counter_inc (s, se, ref, level, r, r2);
        v = prev + inc;
        if (v >= WRAP)
            v -= WRAP;
        se->state[cur ^ 1] = v;
        break;
    }
    if (force && (se->gen == G_CONST || se->gen == G_GAUGE || se->gen == G_STICKY || se->gen == G_ATLEAST))
        v = fv;
    se->inc = inc;
    se->last = v;
    return v;
}

static int64_t
s_floordiv (int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Events of device d at step k: planned config changes in the nightly window, logins from
 * the bastion subnet, and management-plane flow summaries every 15 minutes. */
static int
s_events (vg_sim_t *s, const device_t *d, int64_t ts, uint64_t k, int minute, const vg_sink_t *sink)
{
    uint64_t r = s_rand (d->key ^ 0x6576656e7473ULL, k);
    vg_label_t at[4];   /* the attributes of a config change or a login */
    vg_event_t ev = { .device = d->id, .ts_ms = ts, .input = "sim", .attrs = at, .nattrs = 4 };
    int rc;
    if (minute < MAINT_END_MIN && s_unit (r) < s->p_cfg) {
        uint64_t r2 = vg_hash_mix64 (r ^ 0xc0f1ULL);
        snprintf (s->scratch[0], sizeof s->scratch[0], "CHG%07u", (unsigned) (r2 % 10000000u));
        snprintf (s->scratch[1], sizeof s->scratch[1], "%016llx", (unsigned long long) vg_hash_mix64 (r2));
        at[0] = (vg_label_t) { "class", s_classes[(r2 >> 24) % (sizeof s_classes / sizeof *s_classes)] };
        at[1] = (vg_label_t) { "config_hash", s->scratch[1] };
        at[2] = (vg_label_t) { "ticket", s->scratch[0] };
        at[3] = (vg_label_t) { "user", s_users[(r2 >> 40) % (sizeof s_users / sizeof *s_users)] };
        ev.type = VG_EV_CONFIG_CHANGE;
        rc = vg_sink_event (sink, &ev);
        if (rc)
            return rc;
    }
    r = vg_hash_mix64 (r + GOLDEN);
    if (s_unit (r) < d->p_login * s->login_shape[minute]) {
        uint64_t r2 = vg_hash_mix64 (r ^ 0x10617ULL);
        const char *user = s_users[(r2 >> 8) % (sizeof s_users / sizeof *s_users)];
        at[0] = (vg_label_t) { "method", strcmp (user, "svc-ansible") == 0 ? "netconf" : "ssh" };
        at[1] = (vg_label_t) { "result", s_unit (r2) < 0.03 ? "failure" : "success" };
        at[2] = (vg_label_t) { "source", s_bastions[(r2 >> 32) % (sizeof s_bastions / sizeof *s_bastions)] };
        at[3] = (vg_label_t) { "user", user };
        ev.type = VG_EV_LOGIN;
        rc = vg_sink_event (sink, &ev);
        if (rc)
            return rc;
    }
    int64_t phase = (int64_t) (d->key % 15) * MIN_MS;
    int64_t now_p = s_floordiv (ts - phase, FLOW_PERIOD_MS);
    int64_t prev_p = s_floordiv (ts - s->cfg.interval_ms - phase, FLOW_PERIOD_MS);
    if (now_p == prev_p)
        return 0;
    for (size_t i = 0; i < N_FLOWDST; i++) {
        const flowdst_t *f = &s_flowdst[i];
        double periods = (double) (now_p - prev_p);
        double z = s_normal (s_rand (d->key ^ (0xf10 + i), k));
        double bytes = nearbyint (f->bytes * periods * (1 + 0.2 * z));
        vg_flow_t fl = { .src = d->mgmt, .dst = f->ip, .vrf = "mgmt", .dst_port = f->port,
                         .protocol = f->proto,
                         .interval_ms = (uint32_t) ((now_p - prev_p) * FLOW_PERIOD_MS),
                         .bytes = (uint64_t) bytes, .packets = (uint64_t) ceil (bytes / f->pkt) };
        ev.type = VG_EV_FLOW_SUMMARY;
        ev.attrs = NULL;
        ev.nattrs = 0;
        ev.flow = &fl;
        rc = vg_sink_event (sink, &ev);
        if (rc)
            return rc;
    }
    return 0;
}

int
vg_sim_step (vg_sim_t *s, const vg_sink_t *sink)
{
    int64_t ts = vg_sim_next_ts (s);
    if (ts == INT64_MAX)
        return 0;
    uint64_t k = s->step;
    int cur = (int) (k & 1), n = 0, rc;
    int minute = (int) ((ts / MIN_MS) % 1440);
    s_drivers (s, ts, k);
    for (size_t i = 0; i < s->ndevs; i++) {
        const device_t *d = &s->devs[i];
        series_t *se = &s->series[d->first], *end = se + d->nseries;
        int silent = d->dmod && vg_sim__silent (s, d, k); /* values still advance */
        for (; se < end; se++) {
            se->pt.value = s_series_next (s, se, k, cur);
            se->pt.ts_ms = ts;
            if (silent)
                continue;
            rc = vg_sink_sample (sink, &se->pt);
            if (rc)
                return rc;
            n++;
        }
        if (silent)
            continue;
        rc = s_events (s, d, ts, k, minute, sink);
        if (rc)
            return rc;
        if (s->scen) {
            rc = vg_sim__inject (s, i, k, ts, sink);
            if (rc)
                return rc;
        }
    }
    s->step++;
    return n;
}

_Static_assert (MAINT_END_MIN == 300, "vg_sim_windows_yaml says 05:00");

const char *
vg_sim_windows_yaml (void)
{
    return "windows:\n"
           "  - name: sim-nightly-change\n"
           "    kind: change\n"
           "    daily: \"00:00-05:00\"\n"
           "  - name: sim-nightly-maintenance\n"
           "    kind: maintenance\n"
           "    daily: \"00:00-05:00\"\n"
           "    match:\n"
           "      role: [gnb]\n";
}
