/* sim_fleet.c - builds the simulated fleet: devices, vendors, series and their generator
 * parameters, and the daily profile tables.  Runs once in vg_sim_new (allocation allowed);
 * every per-device constant is drawn from a hash of (seed, device id, salt). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/err.h"
#include "sim/sim_int.h"

typedef struct {
    const char *vendor, *model, *sw;
} vmodel_t;

static const char *const s_role_name[R__COUNT] = { "gnb", "router", "amf", "smf", "upf", "router" };

static const vmodel_t s_models[R__COUNT][4] = {
    [R_GNB] = { { "Ericsson", "Baseband 6648", "23.Q4" }, { "Nokia", "AirScale ASIL", "SBTS24R1" },
                { "Huawei", "BBU5900", "SRAN19.1" }, { "Samsung", "CDU 50", "NR22.0.1" } },
    [R_CSR] = { { "Cisco", "NCS-540", "7.9.2" }, { "Juniper", "ACX7100-48L", "23.2R1" },
                { "Nokia", "7250 IXR-e", "23.10.R1" }, { "Huawei", "ATN 910C-K", "V800R022C00" } },
    [R_AMF] = { { "Ericsson", "PCC", "1.30" }, { "Nokia", "CMM", "23.5" },
                { "Huawei", "UNC", "20.9.2" }, { "Cisco", "UCC AMF", "2024.02" } },
    [R_SMF] = { { "Ericsson", "PCC", "1.30" }, { "Nokia", "CMG", "23.5" },
                { "Huawei", "UNC", "20.9.2" }, { "Cisco", "UCC SMF", "2024.02" } },
    [R_UPF] = { { "Ericsson", "PCG", "1.30" }, { "Nokia", "CMG", "23.5" },
                { "Huawei", "UDG", "20.9.2" }, { "Cisco", "UCC UPF", "2024.02" } },
    [R_PE] = { { "Cisco", "ASR 9906", "7.9.2" }, { "Juniper", "MX10003", "23.2R1" },
               { "Nokia", "7750 SR-1", "23.10.R1" }, { "Huawei", "NE40E-X8A", "V800R022C00" } },
};

/* Interface name formats per router vendor (same order as s_models[R_CSR] / [R_PE]). */
static const char *const s_ifname_csr[4] = { "TenGigE0/0/0/%u", "xe-0/0/%u", "1/1/%u", "10GE0/2/%u" };
static const char *const s_ifname_pe[4] = { "HundredGigE0/0/0/%u", "et-0/0/%u", "1/1/c%u/1",
                                             "100GE0/1/%u" };

/* Two-harmonic daily profiles (fraction of peak; least-squares fits of the §7.1 shapes),
 * then clamped to [floor, 1] (the business plateau) and normalised to a peak of 1. */
static const double s_harm[P__COUNT][5] = {
    { 0.6277, -0.0643, -0.3044, 0.0462, -0.1590 },
    { 0.5375, -0.4428, -0.1817, 0.0874, -0.0212 },
};
static const double s_floor[P__COUNT] = { 0.15, 0.10 };

/* Append a series to the device being built; returns it zeroed-but-templated, or NULL. */
static series_t *
s_add (vg_sim_t *s, device_t *d, const char *path, vg_kind_t kind, const char *unit,
       const char *k1, const char *v1, const char *k2, const char *v2)
{
    if (vg_array_reserve ((void **) &s->series, &s->cap, s->nseries + 1, sizeof *s->series) < 0)
        return NULL;
    series_t *se = &s->series[s->nseries];
    memset (se, 0, sizeof *se);
    size_t nl = 0;
    if (k1) {
        se->labels[nl].key = k1;
        se->labels[nl++].value = vg_arena_strdup (&s->arena, v1);
    }
    if (k2) {
        se->labels[nl].key = k2;
        se->labels[nl++].value = vg_arena_strdup (&s->arena, v2);
    }
    for (size_t i = 0; i < nl; i++)
        if (!se->labels[i].value)
            return NULL;
    se->pt.device = d->id;
    se->pt.path = path;
    se->pt.nlabels = nl;
    se->pt.kind = kind;
    se->pt.input = "sim";
    se->pt.unit = unit;
    se->pt.series_hint = vg_series_id (d->id, path, se->labels, nl);
    /* Values derive from the unprefixed id: a prefixed fleet is the same fleet renamed. */
    uint64_t bare = d->id_off ? vg_series_id (d->id + d->id_off, path, se->labels, nl) : se->pt.series_hint;
    se->key = vg_hash_mix64 (s->cfg.seed ^ vg_hash_mix64 (bare));
    se->ref = -1;
    se->xsel = X_ONE;
    se->qinv = 1;
    se->lo = -1e300;
    se->hi = 1e300;
    s->nseries++;
    d->nseries++;
    return se;
}

/* Mean of level over a day (loads average ~0.55, squared loads ~0.35), for initial totals. */
static double
s_mean_level (const series_t *se)
{
    static const double mean_x[] = { [X_LOAD] = 0.55, [X_LOAD2] = 0.35, [X_ONE] = 1.0, [X_INV] = 0.4,
                                     [X_MIX] = 0.45 };
    double mx = mean_x[se->xsel];
    return se->a + se->b * mx;
}

/* Give a counter the total it would have reached since boot (wrapped below 2^48). */
static void
s_counter_init (const vg_sim_t *s, const device_t *d, series_t *se)
{
    double steps = (double) (s->cfg.start_ms - d->boot_ms) / (double) s->cfg.interval_ms;
    const series_t *ref = se->ref >= 0 ? &s->series[se->ref] : NULL;
    double t;
    switch (se->gen) {
    case G_SUCC: t = floor (ref->state[0] * (1.0 - se->a)); break;
    case G_SCALED: t = floor (ref->state[0] * se->a); break;
    case G_PLUS: t = ref->state[0] + floor (se->a * steps); break;
    default: /* the since-boot average varies per series (0.6-1.4 x) */
        t = floor (s_mean_level (se) * steps * (0.6 + 0.8 * s_unit (se->key)));
        break;
    }
    se->state[0] = fmod (t, INIT_CAP);
}

/* Uniform in [lo, hi) drawn from a device constant (salted). */
static double
s_dconst (const device_t *d, uint64_t salt, double lo, double hi)
{
    return lo + (hi - lo) * s_unit (vg_hash_mix64 (d->key ^ vg_hash_mix64 (salt)));
}

static void
s_gauge (series_t *se, uint32_t driver, int xsel, double a, double b, double sigma, double sd,
         double lo, double hi, double qinv)
{
    se->gen = G_GAUGE;
    se->driver = driver;
    se->xsel = (uint8_t) xsel;
    se->a = a;
    se->b = b;
    se->sigma = sigma;
    se->sd = sd;
    se->lo = lo;
    se->hi = hi;
    se->qinv = qinv;
}

static void
s_counter (vg_sim_t *s, device_t *d, series_t *se, uint32_t driver, int xsel, double a, double b,
           double sigma)
{
    double tf = (double) s->cfg.interval_ms / (double) MIN_MS; /* rates are given per minute */
    se->gen = G_COUNTER;
    se->driver = driver;
    se->xsel = (uint8_t) xsel;
    se->a = a * tf;
    se->b = b * tf;
    se->sigma = sigma;
    s_counter_init (s, d, se);
}

/* A counter derived from the series added just before `se` was (its index is ref). */
static void
s_derived (vg_sim_t *s, device_t *d, series_t *se, int gen, size_t ref, double a, double sigma)
{
    se->gen = (uint8_t) gen;
    se->ref = (int32_t) ref;
    se->a = a;
    se->sigma = sigma;
    if (gen == G_PLUS)
        se->a = a * (double) s->cfg.interval_ms / (double) MIN_MS;
    s_counter_init (s, d, se);
}

#define ADD(path, kind, unit, k1, v1, k2, v2)                                                      \
    do {                                                                                           \
        se = s_add (s, d, path, kind, unit, k1, v1, k2, v2);                                       \
        if (!se)                                                                                   \
            return -VG_ENOMEM;                                                                     \
    } while (0)
#define LAST ((size_t) (se - s->series))

/* Health series every element has: CPU, memory, boot time, NTP offset. */
static int
s_build_common (vg_sim_t *s, device_t *d, uint32_t driver, double cpu0, double cpu1, double mem_gib)
{
    series_t *se;
    ADD ("/components/component/cpu/utilization/state/instant", VG_KIND_GAUGE, "%", "name", "CPU0", NULL,
         NULL);
    s_gauge (se, driver, X_LOAD, cpu0 * s_dconst (d, 1, 0.8, 1.2), cpu1, 0.06, 0.8, 1, 100, 1);
    double phys = mem_gib * 1073741824.0;
    ADD ("/system/memory/state/physical", VG_KIND_GAUGE, "By", NULL, NULL, NULL, NULL);
    se->gen = G_CONST;
    se->a = phys;
    ADD ("/system/memory/state/used", VG_KIND_GAUGE, "By", NULL, NULL, NULL, NULL);
    s_gauge (se, 0, X_ONE, phys * s_dconst (d, 2, 0.3, 0.7), 0, 0.002, 0, 0, phys, 1.0 / 4096);
    ADD ("/system/state/boot-time", VG_KIND_GAUGE, "ms", NULL, NULL, NULL, NULL);
    se->gen = G_CONST;
    se->a = (double) d->boot_ms;
    ADD ("/system/ntp/servers/server/state/offset", VG_KIND_GAUGE, "ms", "address", SIM_NTP_SERVER, NULL,
         NULL);
    s_gauge (se, 0, X_ONE, s_dconst (d, 3, -0.8, 0.8), 0, 0, 0.25, -1000, 1000, 1000);
    return 0;
}

/* A cell's attempt counter (peak b x its capacity, on its load driver; commuter-shaped when
 * commute) and the success counter that follows it at a ratio fixed per device in [lo, hi)
 * (salt).  Returns 0 or -VG_ENOMEM. */
static int
s_attempts (vg_sim_t *s, device_t *d, const char *cell, uint32_t drv, double cap, const char *att,
            const char *succ, double a, double b, double sigma, int commute, uint64_t salt, double lo, double hi)
{
    series_t *se;
    ADD (att, VG_KIND_COUNTER, NULL, "cell", cell, NULL, NULL);
    s_counter (s, d, se, drv, X_LOAD, a, b * cap, sigma);
    if (commute)
        se->shape = SH_COMMUTE;
    size_t ref = LAST;
    ADD (succ, VG_KIND_COUNTER, NULL, "cell", cell, NULL, NULL);
    se->driver = drv;
    se->cong = cap;
    s_derived (s, d, se, G_SUCC, ref, 1 - s_dconst (d, salt, lo, hi), 0);
    return 0;
}

static int
s_build_gnb (vg_sim_t *s, device_t *d, uint32_t site, uint32_t first_cell)
{
    series_t *se;
    int rc = s_build_common (s, d, 1 + site, 12, 15, 16);
    if (rc)
        return rc;
    for (uint32_t c = 0; c < s->cfg.cells_per_gnb; c++) {
        uint32_t drv = (uint32_t) (1 + s->cfg.sites + first_cell + c);
        double cap = s_dconst (d, 100 + c, 0.8, 1.3);
        char cell[32];
        size_t ref;
        snprintf (cell, sizeof cell, "NRCellDU=%u", c + 1);
        ADD ("RRU.PrbTotDl", VG_KIND_GAUGE, "%", "cell", cell, NULL, NULL);
        s_gauge (se, drv, X_MIX, 0.5, 52 * cap, 0.04, 0.3, 0, 100, 10);
        ADD ("RRU.PrbTotUl", VG_KIND_GAUGE, "%", "cell", cell, NULL, NULL);
        s_gauge (se, drv, X_MIX, 3, 25 * cap, 0.05, 0.3, 0, 100, 10);
        ADD ("RRC.ConnMean", VG_KIND_GAUGE, NULL, "cell", cell, NULL, NULL);
        s_gauge (se, drv, X_LOAD2, 1, 200 * cap, 0.04, 1, 0, 5000, 1);
        ref = LAST;
        ADD ("RRC.ConnMax", VG_KIND_GAUGE, NULL, "cell", cell, NULL, NULL);
        se->gen = G_ATLEAST;
        se->ref = (int32_t) ref;
        se->a = 1.45;
        se->sigma = 0.08;
        se->lo = 0;
        se->hi = 10000;
        rc = s_attempts (s, d, cell, drv, cap, "RRC.ConnEstabAtt", "RRC.ConnEstabSucc", 2, 200, 0.03, 0,
                         200 + c, 0.993, 0.9985);
        rc = rc ? rc
                : s_attempts (s, d, cell, drv, cap, "MM.HoExeInterReq", "MM.HoExeInterSucc", 0.2, 8, 0.05, 1,
                              300 + c, 0.98, 0.997);
        rc = rc ? rc
                : s_attempts (s, d, cell, drv, cap, "MM.HoExeIntraReq", "MM.HoExeIntraSucc", 1, 55, 0.05, 1,
                              400 + c, 0.99, 0.999);
        if (rc)
            return rc;
        /* Per-UE throughput falls as the cell fills: peak / (1 + 3 L). */
        double pk = s_dconst (d, 500 + c, 250000, 350000), pku = s_dconst (d, 600 + c, 40000, 60000);
        ADD ("DRB.UEThpDl", VG_KIND_GAUGE, "kbit/s", "cell", cell, NULL, NULL);
        s_gauge (se, drv, X_INV, 0, pk, 0.05, 0, 1000, 2e6, 1);
        ADD ("DRB.UEThpUl", VG_KIND_GAUGE, "kbit/s", "cell", cell, NULL, NULL);
        s_gauge (se, drv, X_INV, 0, pku, 0.05, 0, 500, 5e5, 1);
        ADD ("DRB.PdcpSduVolumeDL", VG_KIND_COUNTER, "Mbit", "cell", cell, NULL, NULL);
        s_counter (s, d, se, drv, X_LOAD, 2, 200 * cap, 0.03);
        ref = LAST;
        ADD ("DRB.PdcpSduVolumeUL", VG_KIND_COUNTER, "Mbit", "cell", cell, NULL, NULL);
        s_derived (s, d, se, G_SCALED, ref, s_dconst (d, 700 + c, 0.1, 0.125), 0.08);
    }
    return 0;
}

#define IFC "/interfaces/interface/state/counters/"
#define XCVR "/components/component/transceiver/physical-channels/channel/state/"
#define BGPN "/network-instances/network-instance/protocols/protocol/bgp/neighbors/neighbor/"

/* One router interface: octets, packets, errors, discards, status, optics (11 series).
 * u_in / u_out are peak utilisations of a link of cap_bps. */
static int
s_build_if (vg_sim_t *s, device_t *d, const char *ifn, uint32_t drv, double cap_bps, double u_in,
            double u_out, uint64_t salt)
{
    series_t *se;
    double bpm = cap_bps / 8 * 60; /* bytes per minute at 100 % */
    size_t ref;
    ADD (IFC "in-octets", VG_KIND_COUNTER, "By", "name", ifn, NULL, NULL);
    s_counter (s, d, se, drv, X_LOAD, 0.01 * bpm, u_in * bpm, 0.03);
    ref = LAST;
    ADD (IFC "in-pkts", VG_KIND_COUNTER, NULL, "name", ifn, NULL, NULL);
    s_derived (s, d, se, G_SCALED, ref, 1.0 / 900, 0.02);
    ADD (IFC "out-octets", VG_KIND_COUNTER, "By", "name", ifn, NULL, NULL);
    s_counter (s, d, se, drv, X_LOAD, 0.01 * bpm, u_out * bpm, 0.03);
    ref = LAST;
    ADD (IFC "out-pkts", VG_KIND_COUNTER, NULL, "name", ifn, NULL, NULL);
    s_derived (s, d, se, G_SCALED, ref, 1.0 / 700, 0.02);
    ADD (IFC "in-fcs-errors", VG_KIND_COUNTER, NULL, "name", ifn, NULL, NULL);
    s_counter (s, d, se, 0, X_ONE, 0.0005, 0, 0);
    ref = LAST;
    ADD (IFC "in-errors", VG_KIND_COUNTER, NULL, "name", ifn, NULL, NULL);
    s_derived (s, d, se, G_PLUS, ref, 0.0003, 0);
    ADD (IFC "in-discards", VG_KIND_COUNTER, NULL, "name", ifn, NULL, NULL);
    s_counter (s, d, se, drv, X_LOAD2, 0, 0.003, 0);
    ADD (IFC "out-discards", VG_KIND_COUNTER, NULL, "name", ifn, NULL, NULL);
    s_counter (s, d, se, drv, X_LOAD2, 0, 0.01, 0);
    ADD ("/interfaces/interface/state/oper-status", VG_KIND_STATE, NULL, "name", ifn, NULL, NULL);
    se->gen = G_STATE;
    se->pt.state = "UP";
    ADD (XCVR "input-power/instant", VG_KIND_GAUGE, "dBm", "name", ifn, NULL, NULL);
    s_gauge (se, 0, X_ONE, s_dconst (d, salt, -7, -2.5), 0.15, 0, 0.02, -40, 10, 100);
    se->shape = SH_TEMP;
    ADD (XCVR "output-power/instant", VG_KIND_GAUGE, "dBm", "name", ifn, NULL, NULL);
    s_gauge (se, 0, X_ONE, s_dconst (d, salt + 1, -4, -1.5), 0.05, 0, 0.01, -40, 10, 100);
    se->shape = SH_TEMP;
    return 0;
}

static int
s_build_bgp (vg_sim_t *s, device_t *d, const char *peer, double prefixes)
{
    series_t *se;
    ADD (BGPN "state/session-state", VG_KIND_STATE, NULL, "neighbor-address", peer, NULL, NULL);
    se->gen = G_STATE;
    se->pt.state = "ESTABLISHED";
    ADD (BGPN "afi-safis/afi-safi/state/prefixes/received", VG_KIND_GAUGE, NULL, "afi-safi-name",
         "IPV4_UNICAST", "neighbor-address", peer);
    se->gen = G_STICKY;
    se->a = prefixes;
    se->sd = 0.03; /* redraw probability per step */
    se->sigma = 0.004;
    se->lo = 0;
    se->hi = 1e9;
    se->state[0] = floor (prefixes);
    return 0;
}

static int
s_build_router (vg_sim_t *s, device_t *d, int pe, uint32_t drv)
{
    int rc = s_build_common (s, d, drv, pe ? 15 : 10, pe ? 20 : 10, pe ? 32 : 8);
    int nif = pe ? PE_IFS : CSR_IFS;
    char ifn[40], peer[20];
    for (int i = 0; i < nif && rc == 0; i++) {
        const char *fmt = pe ? s_ifname_pe[d->vendor] : s_ifname_csr[d->vendor];
        double ua = s_dconst (d, 10 + (uint64_t) i, 0.2, 0.5), ub = s_dconst (d, 40 + (uint64_t) i, 0.2, 0.5);
        snprintf (ifn, sizeof ifn, fmt, (unsigned) i);
        if (!pe) /* uplinks 0-1 receive the downlink traffic; gNB-facing 2-3 send it */
            rc = i < 2 ? s_build_if (s, d, ifn, drv, 10e9, ua, ua / 6, 70 + 2 * (uint64_t) i)
                       : s_build_if (s, d, ifn, drv, 10e9, ub / 6, ub, 70 + 2 * (uint64_t) i);
        else
            rc = s_build_if (s, d, ifn, drv, 100e9, ua, ub, 70 + 2 * (uint64_t) i);
    }
    for (int i = 0; i < (pe ? 4 : 2) && rc == 0; i++) {
        snprintf (peer, sizeof peer, pe ? "10.0.1.%d" : "10.0.0.%d", i + 1);
        rc = s_build_bgp (s, d, peer, pe ? s_dconst (d, 90 + (uint64_t) i, 15000, 30000)
                                         : s_dconst (d, 90 + (uint64_t) i, 1200, 2500));
    }
    return rc;
}

/* AMF and SMF: registered subscribers or sessions, and the procedure that adds them. */
typedef struct {
    const char *mean, *att, *succ;
    uint64_t salt;     /* salt, +1, +2: the mean's level, the attempts' peak, the success ratio */
    double mean0, mean1, cpu0, cpu1, att0, att1, att2, ok0, ok1;
} s_nf_t;

static const s_nf_t s_nfs[] = {
    { "RM.RegisteredSubNbrMean", "RM.RegInitReq", "RM.RegInitSucc", 20, 0.6e6, 1.4e6, 20, 30, 300, 1400, 2200, 0.988,
      0.997 },
    { "SM.SessionNbrMean", "SM.PduSessionCreationReq", "SM.PduSessionCreationSucc", 30, 0.9e6, 2.0e6, 15, 25, 400,
      2000, 3000, 0.992, 0.998 },
};

static int
s_build_core (vg_sim_t *s, device_t *d)
{
    series_t *se;
    size_t ref;
    int rc;
    switch (d->role) {
    case R_AMF:
    case R_SMF: {
        const s_nf_t *n = &s_nfs[d->role == R_AMF ? 0 : 1];
        double mean = s_dconst (d, n->salt, n->mean0, n->mean1);
        rc = s_build_common (s, d, 0, n->cpu0, n->cpu1, 64);
        if (rc)
            return rc;
        ADD (n->mean, VG_KIND_GAUGE, NULL, NULL, NULL, NULL, NULL);
        s_gauge (se, 0, X_LOAD, 0.85 * mean, 0.15 * mean, 0.003, 0, 0, 1e8, 1);
        ADD (n->att, VG_KIND_COUNTER, NULL, NULL, NULL, NULL, NULL);
        s_counter (s, d, se, 0, X_LOAD, n->att0, s_dconst (d, n->salt + 1, n->att1, n->att2), 0.04);
        ref = LAST;
        ADD (n->succ, VG_KIND_COUNTER, NULL, NULL, NULL, NULL, NULL);
        s_derived (s, d, se, G_SUCC, ref, 1 - s_dconst (d, n->salt + 2, n->ok0, n->ok1), 0);
        return 0;
    }
    default: { /* UPF: N3 downlink ~ the fleet's cells scaled up to the market it serves */
        double dl = MARKET_CELLS / N_UPF * 200 * 125000 * s_dconst (d, 40, 0.9, 1.1);
        size_t out;
        rc = s_build_common (s, d, 0, 20, 35, 64);
        if (rc)
            return rc;
        ADD ("GTP.OutDataOctN3UPF", VG_KIND_COUNTER, "By", NULL, NULL, NULL, NULL);
        s_counter (s, d, se, 0, X_LOAD, 0.02 * dl, dl, 0.02);
        out = LAST;
        ADD ("GTP.InDataOctN3UPF", VG_KIND_COUNTER, "By", NULL, NULL, NULL, NULL);
        s_derived (s, d, se, G_SCALED, out, s_dconst (d, 41, 1.0 / 12, 1.0 / 8), 0.04);
        ref = LAST;
        ADD ("GTP.OutDataPktN3UPF", VG_KIND_COUNTER, NULL, NULL, NULL, NULL, NULL);
        s_derived (s, d, se, G_SCALED, out, 1.0 / 1100, 0.01);
        ADD ("GTP.InDataPktN3UPF", VG_KIND_COUNTER, NULL, NULL, NULL, NULL, NULL);
        s_derived (s, d, se, G_SCALED, ref, 1.0 / 400, 0.01);
        return 0;
    }
    }
}

#undef ADD
#undef LAST

static device_t *
s_device (vg_sim_t *s, const char *site, const char *name, int role, int vendor, int profile)
{
    device_t *d = &s->devs[s->ndevs];
    uint32_t idx = (uint32_t) s->ndevs++;
    /* The key (and so every value) comes from the unprefixed id: a prefixed fleet is the
     * same fleet under other names. */
    snprintf (d->id, sizeof d->id, "%s/%s", site, name);
    d->key = vg_hash_mix64 (s->cfg.seed ^ vg_hash64 (d->id, strlen (d->id), 0x646576));
    const char *pfx = s->cfg.site_prefix ? s->cfg.site_prefix : "";
    snprintf (d->site, sizeof d->site, "%s%s", pfx, site);
    snprintf (d->id, sizeof d->id, "%s%s/%s", pfx, site, name);
    d->id_off = strlen (pfx);
    snprintf (d->mgmt, sizeof d->mgmt, "10.%u.%u.%u", 64 + idx / 65536, (idx / 256) % 256, idx % 256);
    d->role = role;
    d->vendor = vendor;
    d->profile = profile;
    d->first = (uint32_t) s->nseries;
    /* Booted 1-200 days before the start, on a whole second. */
    d->boot_ms = s->cfg.start_ms - (int64_t) s_dconst (d, 5, 1, 200) * DAY_MS
                 - (int64_t) s_dconst (d, 6, 0, 86400) * 1000;
    d->p_login = s_dconst (d, 7, 5, 20) * (double) s->cfg.interval_ms / (double) DAY_MS;
    d->dev.id = d->id;
    d->dev.vendor = s_models[role][vendor].vendor;
    d->dev.model = s_models[role][vendor].model;
    d->dev.sw_version = s_models[role][vendor].sw;
    d->dev.role = s_role_name[role];
    d->dev.site = d->site;
    return d;
}

/* A seed-chosen permutation of the four vendors of a role. */
static void
s_perm (uint64_t seed, int role, int perm[4])
{
    for (int i = 0; i < 4; i++)
        perm[i] = i;
    for (int i = 3; i > 0; i--) {
        int j = (int) (vg_hash_mix64 (seed ^ vg_hash_mix64 ((uint64_t) (role * 8 + i))) % (uint64_t) (i + 1));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

/* Vendor of a site's element: the first four sites take the permutation (so three or more
 * sites always show three or more vendors), later ones a seeded draw: even, or with
 * probability c->majority_pct % c->majority_vendor when it makes this role. */
static int
s_site_vendor (const vg_sim_cfg_t *c, int role, uint32_t site, const int perm[4])
{
    if (site < 4)
        return perm[site];
    uint64_t h = vg_hash_mix64 (c->seed ^ vg_hash_mix64 (0x7e4d0000ULL + (uint64_t) role * 100003 + site));
    if (c->majority_vendor && c->majority_vendor[0] && vg_hash_mix64 (h ^ 0x6d616a6fULL) % 100 < c->majority_pct)
        for (int v = 0; v < 4; v++)
            if (strcmp (s_models[role][v].vendor, c->majority_vendor) == 0)
                return v;
    return (int) (h % 4);
}

void
vg_sim__build_profiles (vg_sim_t *s)
{
    const double tw = 6.283185307179586;
    for (int p = 0; p < P__COUNT; p++) {
        const double *c = s_harm[p];
        double mx = 0;
        for (int m = 0; m < 1440; m++) {
            double w = tw * m / 1440.0;
            double v = c[0] + c[1] * cos (w) + c[2] * sin (w) + c[3] * cos (2 * w) + c[4] * sin (2 * w);
            v = v < s_floor[p] ? s_floor[p] : v > 1.0 ? 1.0 : v;
            s->daily[p][m] = v;
            mx = v > mx ? v : mx;
        }
        for (int m = 0; m < 1440; m++)
            s->daily[p][m] /= mx;
    }
    double mean = 0;
    for (int m = 0; m < 1440; m++)
        mean += s->daily[P_BUS][m] / 1440.0;
    for (int m = 0; m < 1440; m++) {
        double h = m / 60.0;
        s->shapes_day[SH_ONE][m] = 1.0;
        /* Handovers: commute bumps around 08:00 and 18:00. */
        s->shapes_day[SH_COMMUTE][m]
            = 1.0 + 0.4 * exp (-0.5 * (h - 8) * (h - 8)) + 0.4 * exp (-0.5 * (h - 18) * (h - 18));
        /* Optics temperature drift: warmest at 15:00. */
        s->shapes_day[SH_TEMP][m] = sin (tw * (h - 9) / 24.0);
        s->login_shape[m] = s->daily[P_BUS][m] / mean;
    }
}

int
vg_sim__build (vg_sim_t *s)
{
    const vg_sim_cfg_t *c = &s->cfg;
    int perm[R__COUNT][4];
    char site[16], name[16];
    int rc = 0;
    s->arena = (vg_arena_t) VG_ARENA_INIT (8192, SIZE_MAX);
    for (int r = 0; r < R__COUNT; r++)
        s_perm (c->seed, r, perm[r]);
    for (uint32_t i = 0; i < c->sites && rc == 0; i++) {
        uint64_t rp = vg_hash_mix64 (c->seed ^ vg_hash_mix64 (0x5173 + (uint64_t) i));
        int prof = s_unit (rp) < 0.65 ? P_RES : P_BUS; /* 65 % residential sites */
        snprintf (site, sizeof site, "site%03u", i + 1);
        for (uint32_t k = 0; k < c->cells_per_gnb; k++)
            s->cell_profile[i * c->cells_per_gnb + k] = prof;
        device_t *d = s_device (s, site, "gnb1", R_GNB, s_site_vendor (c, R_GNB, i, perm[R_GNB]), prof);
        rc = s_build_gnb (s, d, i, i * c->cells_per_gnb);
        if (rc == 0) {
            d = s_device (s, site, "csr1", R_CSR, s_site_vendor (c, R_CSR, i, perm[R_CSR]), prof);
            rc = s_build_router (s, d, 0, 1 + i);
        }
    }
    static const struct { int role, n; const char *name; } core[] = {
        { R_AMF, N_AMF, "amf" }, { R_SMF, N_SMF, "smf" }, { R_UPF, N_UPF, "upf" }, { R_PE, N_PE, "pe" }
    };
    for (size_t k = 0; k < sizeof core / sizeof core[0] && rc == 0; k++)
        for (int i = 0; i < core[k].n && rc == 0; i++) {
            snprintf (name, sizeof name, "%s%d", core[k].name, i + 1);
            device_t *d = s_device (s, "core", name, core[k].role, perm[core[k].role][i % 4], -1);
            rc = core[k].role == R_PE ? s_build_router (s, d, 1, 0) : s_build_core (s, d);
        }
    if (rc)
        return rc;
    for (size_t i = 0; i < s->nseries; i++) { /* the array no longer moves */
        s->series[i].pt.labels = s->series[i].pt.nlabels ? s->series[i].labels : NULL;
        s->series[i].state0 = s->series[i].pt.state;
    }
    for (size_t i = 0; i < s->ndrivers; i++)
        s->dkey[i] = vg_hash_mix64 (c->seed ^ vg_hash_mix64 (0xd71e + (uint64_t) i));
    return 0;
}

