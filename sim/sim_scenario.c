/* sim_scenario.c - incident injection and ground-truth labels for the simulated fleet (see
 * sim_scenario.h).  Incidents are planned once in vg_sim_new from a counter-based hash of the
 * seed; generation then only reads the plan (modifier chains per series / device and a
 * step-sorted event list), so steps stay deterministic and retryable.
 * Invariant: an incident's modifiers, events and labels are all added by its own plan
 * function; devices carrying an incident are reserved (with a margin) so incidents do not
 * overlap on one device. */
#include "sim/sim_scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "sim/sim_int.h"

#define HOUR_MS (60 * MIN_MS)
#define RESV_MAX 32
#define RESV_MARGIN (6 * HOUR_MS)
#define MAX_INC_EVENTS 200000 /* injected events per scenario */
#define MAX_GT_LABELS 4096
#define DEF_HORIZON (17 * DAY_MS)
#define SA_UP "2" /* IPsec SAs of a cell-site router towards the security gateway */

typedef struct {
    uint64_t step;
    uint32_t dev, seq;
    int type;
    vg_label_t attrs[6];
    size_t nattrs;
    vg_flow_t flow;
    int has_flow;
} sevent_t;

typedef struct sblock {
    struct sblock *next;
    size_t used;
    char data[4096];
} sblock_t;

typedef struct {
    int64_t from, to;
} resv_t;

struct vg_scen {
    const char *name;
    uint64_t seed, ctr;
    int64_t horizon;
    uint64_t nsteps;
    smod_t *mods;
    size_t nmods, capmods;
    sevent_t *evs;
    size_t nevs, capevs;
    vg_sim_label_t *labels;
    size_t nlabels, caplabels;
    sblock_t *strs;
    resv_t *resv;
    uint8_t *nresv;
    uint32_t ninc, nseq;
    uint64_t cache_k;
    size_t cache_pos;
    int cache_ok, oom;
    char sabuf[8];
};

typedef struct s_itype s_itype_t;
typedef int (*s_plan_fn) (vg_sim_t *s, const s_itype_t *t);

struct s_itype {
    const char *name, *det;
    char cia;
    int benign;
    double warm_days;      /* earliest start after the beginning (detector warm-up) */
    int h0, h1;            /* start hour range (UTC), h0 <= h < h1 */
    double dmin, dmax;     /* duration range, minutes */
    s_plan_fn plan;
    const char *note;
};

/* ---- plumbing ------------------------------------------------------------------------- */

static uint64_t
s_rnd (struct vg_scen *sc)
{
    sc->ctr++;
    return vg_hash_mix64 (sc->seed ^ vg_hash_mix64 (sc->ctr * GOLDEN + 0x5ce7a210ULL));
}

static double
s_uni (struct vg_scen *sc, double lo, double hi)
{
    return lo + (hi - lo) * s_unit (s_rnd (sc));
}

static uint32_t
s_pick (struct vg_scen *sc, uint32_t n)
{
    return n ? (uint32_t) (s_rnd (sc) % n) : 0;
}

static const char *
s_str (struct vg_scen *sc, const char *str)
{
    size_t n = strlen (str) + 1;
    if (n > sizeof sc->strs->data)
        return NULL;
    if (!sc->strs || sc->strs->used + n > sizeof sc->strs->data) {
        sblock_t *b = calloc (1, sizeof *b);
        if (!b) {
            sc->oom = 1;
            return NULL;
        }
        b->next = sc->strs;
        sc->strs = b;
    }
    char *p = sc->strs->data + sc->strs->used;
    memcpy (p, str, n);
    sc->strs->used += n;
    return p;
}

static const char *
s_strf (struct vg_scen *sc, const char *fmt, unsigned a, unsigned b)
{
    char buf[64];
    snprintf (buf, sizeof buf, fmt, a, b);
    return s_str (sc, buf);
}

static int64_t
s_ts (const vg_sim_t *s, uint64_t step)
{
    return s->cfg.start_ms + (int64_t) step * s->cfg.interval_ms;
}

static int
s_mod_add (vg_sim_t *s, uint32_t *head, int op, uint64_t from, uint64_t to, double p)
{
    struct vg_scen *sc = s->scen;
    if (sc->nmods == sc->capmods) {
        size_t nc = sc->capmods ? sc->capmods * 2 : 256;
        smod_t *n = realloc (sc->mods, nc * sizeof *n);
        if (!n) {
            sc->oom = 1;
            return -VG_ENOMEM;
        }
        sc->mods = n;
        sc->capmods = nc;
    }
    smod_t *m = &sc->mods[sc->nmods++];
    m->from = from;
    m->to = to;
    m->p = p;
    m->op = (uint8_t) op;
    m->next = *head;
    *head = (uint32_t) sc->nmods;
    return 0;
}

static sevent_t *
s_event (vg_sim_t *s, uint64_t step, size_t di, int type)
{
    struct vg_scen *sc = s->scen;
    if (sc->nevs >= MAX_INC_EVENTS || step >= sc->nsteps)
        return NULL;
    if (sc->nevs == sc->capevs) {
        size_t nc = sc->capevs ? sc->capevs * 2 : 256;
        sevent_t *n = realloc (sc->evs, nc * sizeof *n);
        if (!n) {
            sc->oom = 1;
            return NULL;
        }
        sc->evs = n;
        sc->capevs = nc;
    }
    sevent_t *e = &sc->evs[sc->nevs++];
    memset (e, 0, sizeof *e);
    e->step = step;
    e->dev = (uint32_t) di;
    e->seq = sc->nseq++;
    e->type = type;
    return e;
}

static void
s_attr (sevent_t *e, const char *k, const char *v)
{
    if (e && v && e->nattrs < sizeof e->attrs / sizeof e->attrs[0])
        e->attrs[e->nattrs++] = (vg_label_t) { k, v };
}

static vg_sim_label_t *
s_label (vg_sim_t *s, const s_itype_t *t, const char *det, char cia, uint64_t from, uint64_t to, double mag)
{
    struct vg_scen *sc = s->scen;
    if (sc->nlabels >= MAX_GT_LABELS)
        return NULL;
    if (sc->nlabels == sc->caplabels) {
        size_t nc = sc->caplabels ? sc->caplabels * 2 : 64;
        vg_sim_label_t *n = realloc (sc->labels, nc * sizeof *n);
        if (!n) {
            sc->oom = 1;
            return NULL;
        }
        sc->labels = n;
        sc->caplabels = nc;
    }
    vg_sim_label_t *l = &sc->labels[sc->nlabels++];
    memset (l, 0, sizeof *l);
    snprintf (l->id, sizeof l->id, "inc%03u", sc->ninc);
    l->scenario = sc->name;
    l->type = t->name;
    l->detector = det ? det : t->det;
    l->cia = cia ? cia : t->cia;
    l->benign = t->benign;
    l->start_ms = s_ts (s, from);
    l->end_ms = s_ts (s, to);
    l->magnitude = mag;
    l->note = t->note;
    return l;
}

static void
s_label_dev (vg_sim_label_t *l, const device_t *d)
{
    if (!l)
        return;
    if (l->ndevices < VG_SIM_LABEL_DEVS)
        l->devices[l->ndevices++] = d->id;
    l->ndevices_total++;
    if (!l->entity)
        l->entity = d->id;
}

/* Is device di free of incidents over [from, to) (with the margin)? */
static int
s_free (const struct vg_scen *sc, size_t di, int64_t from, int64_t to)
{
    const resv_t *r = &sc->resv[di * RESV_MAX];
    if (sc->nresv[di] >= RESV_MAX)
        return 0;
    for (uint8_t i = 0; i < sc->nresv[di]; i++)
        if (from < r[i].to + RESV_MARGIN && r[i].from < to + RESV_MARGIN)
            return 0;
    return 1;
}

static void
s_reserve (struct vg_scen *sc, size_t di, int64_t from, int64_t to)
{
    if (sc->nresv[di] < RESV_MAX) {
        sc->resv[di * RESV_MAX + sc->nresv[di]] = (resv_t) { from, to };
        sc->nresv[di]++;
    }
}

/* Pick a start step and duration for t: start within [warm-up, end - duration], at an hour
 * in [h0, h1).  Returns 0, or -1 when the horizon is too short. */
static int
s_when (vg_sim_t *s, const s_itype_t *t, uint64_t *from, uint64_t *to)
{
    struct vg_scen *sc = s->scen;
    int64_t iv = s->cfg.interval_ms, st = s->cfg.start_ms;
    double dur = s_uni (sc, t->dmin, t->dmax) * MIN_MS;
    int64_t nstep = (int64_t) ceil (dur / (double) iv);
    if (nstep < 1)
        nstep = 1;
    double warm = t->warm_days * DAY_MS;
    if (warm > (double) sc->horizon - 1.5 * DAY_MS) /* too short a run: earlier, maybe undetectable */
        warm = 0.6 * (double) sc->horizon;
    int64_t tmin = st + (int64_t) warm, tmax = st + sc->horizon - nstep * iv - HOUR_MS;
    if (tmax < tmin)
        return -1;
    for (int tries = 0; tries < 64; tries++) {
        int64_t t0 = tmin + (int64_t) (s_unit (s_rnd (sc)) * (double) (tmax - tmin));
        int64_t day = t0 - (t0 % DAY_MS + DAY_MS) % DAY_MS;
        int64_t tod = (int64_t) (s_uni (sc, t->h0, t->h1) * HOUR_MS);
        int64_t ts = day + tod;
        if (ts < tmin || ts > tmax)
            continue;
        int64_t k = (ts - st + iv - 1) / iv;
        *from = (uint64_t) k;
        *to = (uint64_t) (k + nstep);
        return 0;
    }
    return -1;
}

#define ROLE(r) (1u << (r))
#define ANY_ROLE 0x3fu

/* Plan time and a free device of one of the roles.  Returns the device index or -1. */
static int
s_place (vg_sim_t *s, const s_itype_t *t, unsigned roles, uint64_t *from, uint64_t *to)
{
    struct vg_scen *sc = s->scen;
    for (int tries = 0; tries < 40; tries++) {
        if (s_when (s, t, from, to))
            return -1;
        int64_t a = s_ts (s, *from), b = s_ts (s, *to);
        for (int k = 0; k < 24; k++) {
            size_t di = s_pick (sc, (uint32_t) s->ndevs);
            if (!(roles & ROLE (s->devs[di].role)) || !s_free (sc, di, a, b))
                continue;
            s_reserve (sc, di, a, b);
            return (int) di;
        }
    }
    return -1;
}

/* The n-th series (0-based) of device di with this path, or NULL. */
static series_t *
s_nth (vg_sim_t *s, size_t di, const char *path, uint32_t n)
{
    const device_t *d = &s->devs[di];
    for (uint32_t i = 0; i < d->nseries; i++) {
        series_t *se = &s->series[d->first + i];
        if (strcmp (se->pt.path, path) == 0 && n-- == 0)
            return se;
    }
    return NULL;
}

static uint32_t
s_count (vg_sim_t *s, size_t di, const char *path)
{
    const device_t *d = &s->devs[di];
    uint32_t n = 0;
    for (uint32_t i = 0; i < d->nseries; i++)
        n += strcmp (s->series[d->first + i].pt.path, path) == 0;
    return n;
}

static int
s_mod_path (vg_sim_t *s, size_t di, const char *path, int op, uint64_t from, uint64_t to, double p)
{
    uint32_t n = s_count (s, di, path);
    for (uint32_t i = 0; i < n; i++) {
        series_t *se = s_nth (s, di, path, i);
        if (se && s_mod_add (s, &se->mod, op, from, to, p))
            return -VG_ENOMEM;
    }
    return 0;
}

static const char *
s_ext_ip (vg_sim_t *s)
{
    static const char *const nets[] = { "203.0.113.%u", "198.51.100.%u", "185.220.%u.%u", "45.133.%u.%u" };
    struct vg_scen *sc = s->scen;
    uint32_t k = s_pick (sc, 4);
    return s_strf (sc, nets[k], 1 + s_pick (sc, 250), 1 + s_pick (sc, 250));
}

/* A reboot of device di at step k: event, boot-time jump, counters restart. */
static int
s_reboot (vg_sim_t *s, size_t di, uint64_t k, const char *reason, const char *ticket)
{
    sevent_t *e = s_event (s, k, di, VG_EV_REBOOT);
    s_attr (e, "reason", reason);
    s_attr (e, "ticket", ticket);
    const device_t *d = &s->devs[di];
    int rc = s_mod_path (s, di, "/system/state/boot-time", M_FORCE, k, UINT64_MAX,
                         (double) (s_ts (s, k) - s->cfg.interval_ms / 2));
    for (uint32_t i = 0; i < d->nseries && rc == 0; i++) {
        series_t *se = &s->series[d->first + i];
        if (se->gen >= G_COUNTER && se->gen <= G_PLUS)
            rc = s_mod_add (s, &se->mod, M_RESET, k, k + 1, 0);
    }
    return rc;
}

/* ---- incident plans ------------------------------------------------------------------- */

static int
s_p_silence (vg_sim_t *s, const s_itype_t *t)
{
    uint64_t a, b;
    int di = s_place (s, t, ANY_ROLE, &a, &b);
    if (di < 0)
        return 0;
    vg_sim_label_t *l = s_label (s, t, NULL, 0, a, b, (double) (b - a) * s->cfg.interval_ms / MIN_MS);
    s_label_dev (l, &s->devs[di]);
    return s_mod_add (s, &s->devs[di].dmod, M_SILENT, a, b, 0);
}

static int
s_p_outage (vg_sim_t *s, const s_itype_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    size_t n = s->ndevs, need = (size_t) ceil (0.3 * (double) n) + 1;
    uint32_t *idx = malloc (n * sizeof *idx);
    if (!idx)
        return -VG_ENOMEM;
    int rc = 0;
    for (int tries = 0; tries < 20; tries++) {
        if (s_when (s, t, &a, &b))
            break;
        double f = s_uni (sc, 0.35, 0.6);
        size_t m = (size_t) ceil (f * (double) n), got = 0;
        for (size_t i = 0; i < n; i++)
            idx[i] = (uint32_t) i;
        for (size_t i = 0; i < n && got < m; i++) { /* partial shuffle, keep free devices */
            size_t j = i + s_pick (sc, (uint32_t) (n - i));
            uint32_t tmp = idx[i];
            idx[i] = idx[j];
            idx[j] = tmp;
            if (s_free (sc, idx[i], s_ts (s, a), s_ts (s, b)))
                idx[got++] = idx[i];
        }
        if (got < need)
            continue;
        vg_sim_label_t *l = s_label (s, t, NULL, 0, a, b, (double) got / (double) n);
        for (size_t i = 0; i < got && rc == 0; i++) {
            s_reserve (sc, idx[i], s_ts (s, a), s_ts (s, b));
            s_label_dev (l, &s->devs[idx[i]]);
            rc = s_mod_add (s, &s->devs[idx[i]].dmod, M_SILENT, a, b, 0);
        }
        if (l)
            l->entity = "collector";
        break;
    }
    free (idx);
    return rc;
}

#define OPER "/interfaces/interface/state/oper-status"
#define SESS "/network-instances/network-instance/protocols/protocol/bgp/neighbors/neighbor/state/session-state"
#define PFX "/network-instances/network-instance/protocols/protocol/bgp/neighbors/neighbor/afi-safis/afi-safi/state/prefixes/received"
#define IFC "/interfaces/interface/state/counters/"

static int
s_p_flap (vg_sim_t *s, const s_itype_t *t)
{
    uint64_t a, b;
    int di = s_place (s, t, ROLE (R_CSR) | ROLE (R_PE), &a, &b);
    if (di < 0)
        return 0;
    uint32_t j = s_pick (s->scen, s_count (s, (size_t) di, OPER));
    series_t *se = s_nth (s, (size_t) di, OPER, j);
    s_label_dev (s_label (s, t, NULL, 0, a, b, (double) (b - a)), &s->devs[di]);
    return se ? s_mod_add (s, &se->mod, M_DOWN, a, b, 1) : 0;
}

/* One interface of a router goes down and stays down (no flapping): oper-status DOWN while
 * administratively up, and its traffic stops. */
static int
s_p_link_down (vg_sim_t *s, const s_itype_t *t)
{
    uint64_t a, b;
    int di = s_place (s, t, ROLE (R_CSR) | ROLE (R_PE), &a, &b);
    if (di < 0)
        return 0;
    uint32_t j = s_pick (s->scen, s_count (s, (size_t) di, OPER));
    series_t *oper = s_nth (s, (size_t) di, OPER, j);
    series_t *in = s_nth (s, (size_t) di, IFC "in-octets", j), *out = s_nth (s, (size_t) di, IFC "out-octets", j);
    s_label_dev (s_label (s, t, NULL, 0, a, b, (double) (b - a)), &s->devs[di]);
    int rc = oper ? s_mod_add (s, &oper->mod, M_DOWN, a, b, 0) : 0;
    rc = rc == 0 && in ? s_mod_add (s, &in->mod, M_SCALE, a, b, 0) : rc;
    return rc == 0 && out ? s_mod_add (s, &out->mod, M_SCALE, a, b, 0) : rc;
}

/* One cell of a gNB stops carrying traffic (RRC attempts and PDCP volumes fall to zero)
 * while the gNB keeps reporting its other cells. */
static int
s_p_cell_outage (vg_sim_t *s, const s_itype_t *t)
{
    static const char *const paths[] = { "RRC.ConnEstabAtt", "RRC.ConnEstabSucc", "DRB.PdcpSduVolumeDL",
                                         "DRB.PdcpSduVolumeUL" };
    uint64_t a, b;
    int di = s_place (s, t, ROLE (R_GNB), &a, &b);
    if (di < 0)
        return 0;
    uint32_t j = s_pick (s->scen, s_count (s, (size_t) di, paths[0]));
    s_label_dev (s_label (s, t, NULL, 0, a, b, (double) j), &s->devs[di]);
    for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
        series_t *se = s_nth (s, (size_t) di, paths[k], j);
        if (se && s_mod_add (s, &se->mod, M_SCALE, a, b, 0))
            return -VG_ENOMEM;
    }
    return 0;
}

static int
s_p_collapse (vg_sim_t *s, const s_itype_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    double f = s_uni (sc, 0.1, 0.35);
    int upf = s_unit (s_rnd (sc)) < 0.3;
    int di = s_place (s, t, upf ? ROLE (R_UPF) : ROLE (R_CSR), &a, &b);
    if (di < 0)
        return 0;
    vg_sim_label_t *l = s_label (s, t, NULL, 0, a, b, f);
    s_label_dev (l, &s->devs[di]);
    if (upf)
        return s_mod_path (s, (size_t) di, "GTP.OutDataOctN3UPF", M_SCALE, a, b, f);
    int rc = s_mod_path (s, (size_t) di, IFC "in-octets", M_SCALE, a, b, f);
    rc = rc ? rc : s_mod_path (s, (size_t) di, IFC "out-octets", M_SCALE, a, b, f);
    /* The site's gNB (built just before its router) carries the same collapse. */
    if (rc == 0 && di > 0 && s->devs[di - 1].role == R_GNB && strcmp (s->devs[di - 1].site, s->devs[di].site) == 0) {
        s_reserve (sc, (size_t) di - 1, s_ts (s, a), s_ts (s, b));
        s_label_dev (l, &s->devs[di - 1]);
        rc = s_mod_path (s, (size_t) di - 1, "DRB.PdcpSduVolumeDL", M_SCALE, a, b, f);
    }
    return rc;
}

static int
s_p_burst (vg_sim_t *s, const s_itype_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    int di = s_place (s, t, ROLE (R_CSR) | ROLE (R_PE), &a, &b);
    if (di < 0)
        return 0;
    uint32_t j = s_pick (sc, s_count (s, (size_t) di, IFC "in-fcs-errors"));
    series_t *fcs = s_nth (s, (size_t) di, IFC "in-fcs-errors", j);
    series_t *oct = s_nth (s, (size_t) di, IFC "in-octets", j);
    double ber = exp (s_uni (sc, log (1e-5), log (2e-4)));
    s_label_dev (s_label (s, t, NULL, 0, a, b, ber), &s->devs[di]);
    if (!fcs || !oct)
        return 0;
    double pkts = (oct->a + 0.5 * oct->b) / 900.0; /* per step at a mid load */
    return s_mod_add (s, &fcs->mod, M_ADD, a, b, ber * pkts);
}

static int
s_p_leak (vg_sim_t *s, const s_itype_t *t)
{
    uint64_t a, b;
    int di = s_place (s, t, ANY_ROLE, &a, &b);
    if (di < 0)
        return 0;
    double pct = s_uni (s->scen, 1.0, 4.0); /* % of physical memory per hour */
    series_t *phys = s_nth (s, (size_t) di, "/system/memory/state/physical", 0);
    s_label_dev (s_label (s, t, NULL, 0, a, b, pct), &s->devs[di]);
    if (!phys)
        return 0;
    double per_step = phys->a * pct / 100.0 * (double) s->cfg.interval_ms / (double) HOUR_MS;
    return s_mod_path (s, (size_t) di, "/system/memory/state/used", M_RAMP, a, b, per_step);
}

static int
s_p_cpu (vg_sim_t *s, const s_itype_t *t)
{
    uint64_t a, b;
    int di = s_place (s, t, ANY_ROLE, &a, &b);
    if (di < 0)
        return 0;
    double lvl = s_uni (s->scen, 93, 99);
    s_label_dev (s_label (s, t, NULL, 0, a, b, lvl), &s->devs[di]);
    return s_mod_path (s, (size_t) di, "/components/component/cpu/utilization/state/instant", M_LEVEL, a, b, lvl);
}

static int
s_p_rrc (vg_sim_t *s, const s_itype_t *t)
{
    uint64_t a, b;
    int di = s_place (s, t, ROLE (R_GNB), &a, &b);
    if (di < 0)
        return 0;
    double sr = s_uni (s->scen, 0.90, 0.96);
    s_label_dev (s_label (s, t, NULL, 0, a, b, sr), &s->devs[di]);
    return s_mod_path (s, (size_t) di, "RRC.ConnEstabSucc", M_LEVEL, a, b, 1.0 - sr);
}

static int
s_p_bgp (vg_sim_t *s, const s_itype_t *t)
{
    uint64_t a, b;
    int di = s_place (s, t, ROLE (R_CSR) | ROLE (R_PE), &a, &b);
    if (di < 0)
        return 0;
    uint32_t j = s_pick (s->scen, s_count (s, (size_t) di, SESS));
    series_t *ss = s_nth (s, (size_t) di, SESS, j), *px = s_nth (s, (size_t) di, PFX, j);
    s_label_dev (s_label (s, t, NULL, 0, a, b, (double) (b - a)), &s->devs[di]);
    int rc = ss ? s_mod_add (s, &ss->mod, M_DOWN, a, b, 0) : 0;
    return rc == 0 && px ? s_mod_add (s, &px->mod, M_FORCE, a, b, 0) : rc;
}

/* Flow summaries from device di to dst:port every `every` steps over [a, b). */
static void
s_flows (vg_sim_t *s, size_t di, uint64_t a, uint64_t b, uint64_t every, const char *dst, uint32_t port,
         double bytes, double jitter)
{
    struct vg_scen *sc = s->scen;
    for (uint64_t k = a; k < b; k += every) {
        sevent_t *e = s_event (s, k, di, VG_EV_FLOW_SUMMARY);
        if (!e)
            return;
        double v = bytes * (1 + jitter * (2 * s_unit (s_rnd (sc)) - 1));
        e->has_flow = 1;
        e->flow = (vg_flow_t) { .src = s->devs[di].mgmt, .dst = dst, .vrf = "mgmt", .dst_port = port,
                                .protocol = 6, .interval_ms = (uint32_t) (every * (uint64_t) s->cfg.interval_ms),
                                .bytes = (uint64_t) v, .packets = (uint64_t) ceil (v / 700.0) };
    }
}

static int
s_p_callhome (vg_sim_t *s, const s_itype_t *t)
{
    static const uint32_t ports[] = { 443, 8443, 4444, 8080, 22 };
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    int di = s_place (s, t, ANY_ROLE, &a, &b);
    if (di < 0)
        return 0;
    const char *dst = s_ext_ip (s);
    double bytes = s_uni (sc, 1500, 20000) * (double) s->cfg.interval_ms / MIN_MS;
    s_label_dev (s_label (s, t, NULL, 0, a, b, bytes), &s->devs[di]);
    s_flows (s, (size_t) di, a, b, 1, dst, ports[s_pick (sc, 5)], bytes, 0.1);
    return 0;
}

static int
s_p_exfil (vg_sim_t *s, const s_itype_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    int di = s_place (s, t, ANY_ROLE, &a, &b);
    if (di < 0)
        return 0;
    double total = exp (s_uni (sc, log (2e8), log (2e9)));
    const char *dst = s_ext_ip (s);
    s_label_dev (s_label (s, t, NULL, 0, a, b, total), &s->devs[di]);
    /* Leaving to an unknown external host is also a call-home finding. */
    s_label_dev (s_label (s, t, "C01", 'C', a, b, total), &s->devs[di]);
    s_flows (s, (size_t) di, a, b, 1, dst, 443, total / (double) (b - a), 0.3);
    return 0;
}

static int
s_p_mirror (vg_sim_t *s, const s_itype_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    int di = s_place (s, t, ROLE (R_CSR) | ROLE (R_PE) | ROLE (R_UPF), &a, &b);
    if (di < 0)
        return 0;
    const char *sess = s_strf (sc, "mon-%u%u", s_pick (sc, 9) + 1, s_pick (sc, 10));
    const char *dst = s_ext_ip (s);
    s_label_dev (s_label (s, t, NULL, 0, a, b, 1), &s->devs[di]);
    sevent_t *e = s_event (s, a, (size_t) di, VG_EV_MIRROR_SESSION);
    s_attr (e, "action", "create");
    s_attr (e, "session", sess);
    s_attr (e, "destination", dst);
    s_attr (e, "type", s_unit (s_rnd (sc)) < 0.5 ? "erspan" : "rspan-gre");
    e = s_event (s, b, (size_t) di, VG_EV_MIRROR_SESSION);
    s_attr (e, "action", "delete");
    s_attr (e, "session", sess);
    s_attr (e, "destination", dst);
    return 0;
}

static int
s_p_login (vg_sim_t *s, const s_itype_t *t)
{
    static const char *const users[] = { "admin", "root", "support", "noc-alice", "svc-backup" };
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    int di = s_place (s, t, ANY_ROLE, &a, &b);
    if (di < 0)
        return 0;
    int local = s_unit (s_rnd (sc)) < 0.4;
    s_label_dev (s_label (s, t, NULL, 0, a, b, local), &s->devs[di]);
    sevent_t *e = s_event (s, a, (size_t) di, VG_EV_LOGIN);
    s_attr (e, "method", local ? "console" : "ssh");
    s_attr (e, "result", "success");
    s_attr (e, "source", local ? "" : s_unit (s_rnd (sc)) < 0.5 ? s_ext_ip (s)
                                                                 : s_strf (sc, "10.77.%u.%u", s_pick (sc, 250), 1 + s_pick (sc, 250)));
    s_attr (e, "user", local ? "admin" : users[s_pick (sc, 5)]);
    return 0;
}

static int
s_p_ipsec (vg_sim_t *s, const s_itype_t *t)
{
    uint64_t a, b;
    int di = s_place (s, t, ROLE (R_CSR), &a, &b);
    if (di < 0)
        return 0;
    s_label_dev (s_label (s, t, NULL, 0, a, b, 0), &s->devs[di]);
    return s_mod_add (s, &s->devs[di].dmod, M_SA0, a, b, 0);
}

static int
s_p_config (vg_sim_t *s, const s_itype_t *t)
{
    static const char *const cls[] = { "acl", "aaa", "logging", "users", "snmp", "routing", "qos" };
    static const char *const users[] = { "admin", "noc-bob", "lab", "svc-ansible" };
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    int di = s_place (s, t, ANY_ROLE, &a, &b);
    if (di < 0)
        return 0;
    s_label_dev (s_label (s, t, NULL, 0, a, b, 1), &s->devs[di]);
    sevent_t *e = s_event (s, a, (size_t) di, VG_EV_CONFIG_CHANGE);
    s_attr (e, "class", cls[s_pick (sc, 7)]);
    s_attr (e, "hash", s_strf (sc, "%08x%08x", (unsigned) s_rnd (sc), (unsigned) s_rnd (sc)));
    s_attr (e, "user", users[s_pick (sc, 4)]);
    return 0;
}

static int
s_p_image (vg_sim_t *s, const s_itype_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    int di = s_place (s, t, ANY_ROLE, &a, &b);
    if (di < 0)
        return 0;
    const device_t *d = &s->devs[di];
    char ver[48];
    const char *sw = d->dev.sw_version;
    if (sw[0] >= '1' && sw[0] <= '9')
        snprintf (ver, sizeof ver, "%ld%s", strtol (sw, NULL, 10) - 1, sw + strspn (sw, "0123456789"));
    else
        snprintf (ver, sizeof ver, "%s-eng", sw);
    s_label_dev (s_label (s, t, NULL, 0, a, b, 1), &s->devs[di]);
    s_label_dev (s_label (s, t, "I03", 'I', a, b, 1), &s->devs[di]); /* it reboots to load */
    sevent_t *e = s_event (s, a, (size_t) di, VG_EV_IMAGE_CHANGE);
    s_attr (e, "version", s_str (sc, ver));
    s_attr (e, "hash", s_strf (sc, "%08x%08x", (unsigned) s_rnd (sc), (unsigned) s_rnd (sc)));
    s_attr (e, "image", s_strf (sc, "img-%u.%u.bin", s_pick (sc, 90) + 10, s_pick (sc, 10)));
    return s_reboot (s, (size_t) di, a + 1 < b ? a + 1 : a, "image-activation", NULL);
}

static int
s_p_reboot (vg_sim_t *s, const s_itype_t *t)
{
    static const char *const why[] = { "unknown", "crash", "watchdog", "power" };
    uint64_t a, b;
    int di = s_place (s, t, ANY_ROLE, &a, &b);
    if (di < 0)
        return 0;
    s_label_dev (s_label (s, t, NULL, 0, a, b, 1), &s->devs[di]);
    return s_reboot (s, (size_t) di, a, why[s_pick (s->scen, 4)], NULL);
}

static int
s_p_ntp (vg_sim_t *s, const s_itype_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    int di = s_place (s, t, ANY_ROLE, &a, &b);
    if (di < 0)
        return 0;
    double jump = s_uni (sc, 1500, 5000) * (s_unit (s_rnd (sc)) < 0.5 ? -1 : 1);
    s_label_dev (s_label (s, t, NULL, 0, a, b, jump), &s->devs[di]);
    sevent_t *e = s_event (s, a, (size_t) di, VG_EV_NTP_CHANGE);
    s_attr (e, "server", s_ext_ip (s));
    s_attr (e, "stratum", "1");
    e = s_event (s, b, (size_t) di, VG_EV_NTP_CHANGE);
    s_attr (e, "server", SIM_NTP_SERVER);
    s_attr (e, "stratum", "2");
    return s_mod_path (s, (size_t) di, "/system/ntp/servers/server/state/offset", M_ADD, a, b, jump);
}

static int
s_p_common_mode (vg_sim_t *s, const s_itype_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    size_t n = s->ndevs;
    uint32_t *idx = malloc (n * sizeof *idx);
    if (!idx)
        return -VG_ENOMEM;
    int rc = 0;
    for (int tries = 0; tries < 20; tries++) {
        if (s_when (s, t, &a, &b))
            break;
        const char *vendor = s->devs[s_pick (sc, (uint32_t) n)].dev.vendor;
        size_t nv = 0, got = 0;
        for (size_t i = 0; i < n; i++)
            nv += strcmp (s->devs[i].dev.vendor, vendor) == 0;
        size_t k = (size_t) ceil (s_uni (sc, 0.15, 0.4) * (double) nv);
        k = k < 5 ? 5 : k;
        if (nv < 5)
            continue;
        for (size_t i = 0; i < n; i++)
            idx[i] = (uint32_t) i;
        for (size_t i = 0; i < n && got < k; i++) {
            size_t j = i + s_pick (sc, (uint32_t) (n - i));
            uint32_t tmp = idx[i];
            idx[i] = idx[j];
            idx[j] = tmp;
            if (strcmp (s->devs[idx[i]].dev.vendor, vendor) == 0 && s_free (sc, idx[i], s_ts (s, a), s_ts (s, b)))
                idx[got++] = idx[i];
        }
        if (got < 5)
            continue;
        vg_sim_label_t *l = s_label (s, t, NULL, 0, a, b, (double) got / (double) nv);
        if (l)
            l->entity = vendor;
        uint64_t spread = (uint64_t) (8 * MIN_MS / s->cfg.interval_ms);
        for (size_t i = 0; i < got && rc == 0; i++) {
            uint64_t k0 = a + (spread ? s_rnd (sc) % (spread + 1) : 0);
            s_reserve (sc, idx[i], s_ts (s, a), s_ts (s, b));
            s_label_dev (l, &s->devs[idx[i]]);
            s_label_dev (s_label (s, t, "I03", 'I', a, b, 1), &s->devs[idx[i]]);
            rc = s_reboot (s, idx[i], k0 < b ? k0 : a, "unknown", NULL);
        }
        break;
    }
    free (idx);
    return rc;
}

/* X02: one core vendor's success ratio (AMF registration or SMF PDU session) drifts down
 * while the other vendors of the site stay flat; one drift at a time per site. */
static int
s_p_divergence (vg_sim_t *s, const s_itype_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    for (int tries = 0; tries < 40; tries++) {
        if (s_when (s, t, &a, &b))
            return 0;
        size_t cand[N_AMF + N_SMF] = { 0 }, nc = 0;
        for (size_t i = 0; i < s->ndevs && nc < N_AMF + N_SMF; i++)
            if (s->devs[i].role == R_AMF || s->devs[i].role == R_SMF)
                cand[nc++] = i;
        if (nc == 0)
            return 0;
        size_t di = cand[s_pick (sc, (uint32_t) nc)];
        const device_t *d = &s->devs[di];
        int ok = 1;
        for (size_t i = 0; i < s->ndevs && ok; i++)
            if ((s->devs[i].role == R_AMF || s->devs[i].role == R_SMF) && strcmp (s->devs[i].site, d->site) == 0)
                ok = s_free (sc, i, s_ts (s, a), s_ts (s, b));
        if (!ok)
            continue;
        for (size_t i = 0; i < s->ndevs; i++)
            if ((s->devs[i].role == R_AMF || s->devs[i].role == R_SMF) && strcmp (s->devs[i].site, d->site) == 0)
                s_reserve (sc, i, s_ts (s, a), s_ts (s, b));
        double pp = s_uni (sc, 0.02, 0.05); /* final drop of the success ratio */
        const char *path = d->role == R_AMF ? "RM.RegInitSucc" : "SM.PduSessionCreationSucc";
        vg_sim_label_t *l = s_label (s, t, NULL, 0, a, b, pp);
        s_label_dev (l, d);
        if (l)
            l->entity = d->site;
        return s_mod_path (s, di, path, M_RAMP, a, b, pp / (double) (b - a));
    }
    return 0;
}

static int
s_p_maint_reboot (vg_sim_t *s, const s_itype_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    int di = s_place (s, t, ROLE (R_GNB) | ROLE (R_CSR) | ROLE (R_PE), &a, &b);
    if (di < 0)
        return 0;
    s_label_dev (s_label (s, t, NULL, 0, a, b, 1), &s->devs[di]);
    return s_reboot (s, (size_t) di, a, "reload", s_strf (sc, "CHG%04u%03u", s_pick (sc, 10000), s_pick (sc, 1000)));
}

static int
s_p_shift (vg_sim_t *s, const s_itype_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    double f = s_uni (sc, 0.2, 0.4);
    if (s_unit (s_rnd (sc)) < 0.3) { /* UPF pair rebalanced */
        size_t u1 = SIZE_MAX, u2 = SIZE_MAX;
        for (size_t i = 0; i < s->ndevs; i++)
            if (s->devs[i].role == R_UPF) {
                if (u1 == SIZE_MAX)
                    u1 = i;
                else if (u2 == SIZE_MAX)
                    u2 = i;
            }
        for (int tries = 0; tries < 20 && u2 != SIZE_MAX; tries++) {
            if (s_when (s, t, &a, &b))
                return 0;
            if (!s_free (sc, u1, s_ts (s, a), s_ts (s, b)) || !s_free (sc, u2, s_ts (s, a), s_ts (s, b)))
                continue;
            s_reserve (sc, u1, s_ts (s, a), s_ts (s, b));
            s_reserve (sc, u2, s_ts (s, a), s_ts (s, b));
            vg_sim_label_t *l = s_label (s, t, NULL, 0, a, b, f);
            s_label_dev (l, &s->devs[u1]);
            s_label_dev (l, &s->devs[u2]);
            int rc = s_mod_path (s, u1, "GTP.OutDataOctN3UPF", M_SCALE, a, b, 1 - f);
            return rc ? rc : s_mod_path (s, u2, "GTP.OutDataOctN3UPF", M_SCALE, a, b, 1 + f);
        }
        return 0;
    }
    int di = s_place (s, t, ROLE (R_CSR), &a, &b);
    if (di < 0)
        return 0;
    s_label_dev (s_label (s, t, NULL, 0, a, b, f), &s->devs[di]);
    int rc = 0;
    for (uint32_t j = 0; j < 2 && rc == 0; j++) { /* uplink 0 -> uplink 1 */
        series_t *in = s_nth (s, (size_t) di, IFC "in-octets", j), *out = s_nth (s, (size_t) di, IFC "out-octets", j);
        double g = j == 0 ? 1 - f : 1 + f;
        if (in)
            rc = s_mod_add (s, &in->mod, M_SCALE, a, b, g);
        if (out && rc == 0)
            rc = s_mod_add (s, &out->mod, M_SCALE, a, b, g);
    }
    return rc;
}

static int
s_p_allowed_dst (vg_sim_t *s, const s_itype_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    int di = s_place (s, t, ANY_ROLE, &a, &b);
    if (di < 0)
        return 0;
    int tls = s_unit (s_rnd (sc)) < 0.5;
    const char *dst = tls ? s_strf (sc, "10.250.%u.%u", 3 + s_pick (sc, 4), 10 + s_pick (sc, 200))
                          : s_strf (sc, "192.0.2.%u", 10 + s_pick (sc, 200), 0);
    uint64_t every = (uint64_t) (FLOW_PERIOD_MS / s->cfg.interval_ms);
    s_label_dev (s_label (s, t, NULL, 0, a, b, 0), &s->devs[di]);
    s_flows (s, (size_t) di, a, b, every ? every : 1, dst, tls ? 6514 : 443, 150000, 0.2);
    return 0;
}

static const s_itype_t s_types[] = {
    { "silence", "A01", 'A', 0, 2, 6, 23, 30, 90, s_p_silence, "one element stops reporting" },
    { "collector-outage", "A01", 'A', 0, 2, 6, 23, 20, 40, s_p_outage, "35-60 % of elements silent at once (collector/transport)" },
    { "flap", "A02", 'A', 0, 2, 6, 23, 20, 40, s_p_flap, "interface oper-status flaps at every sample" },
    { "collapse", "A03", 'A', 0, 15, 9, 20, 60, 180, s_p_collapse, "busy-hour throughput collapses to 10-35 %" },
    { "error-burst", "A04", 'A', 0, 2, 6, 23, 30, 60, s_p_burst, "FCS error burst, BER 1e-5..2e-4" },
    { "memory-leak", "A05", 'A', 0, 2, 6, 23, 240, 480, s_p_leak, "memory leak of 1-4 % of physical memory per hour" },
    { "cpu-runaway", "A05", 'A', 0, 2, 6, 23, 30, 90, s_p_cpu, "CPU pinned at 93-99 %" },
    { "rrc-drop", "A06", 'A', 0, 2, 8, 21, 60, 180, s_p_rrc, "RRC setup success ratio drops to 90-96 % on every cell of a gNB" },
    { "bgp-down", "A08", 'A', 0, 2, 6, 23, 20, 60, s_p_bgp, "BGP session down, prefixes withdrawn" },
    { "callhome", "C01", 'C', 0, 1, 0, 24, 60, 180, s_p_callhome, "management-plane beacon to an external host" },
    { "exfil", "C02", 'C', 0, 2, 0, 24, 30, 90, s_p_exfil, "0.2-2 GB upload to an external host" },
    { "mirror", "C03", 'C', 0, 1, 0, 24, 30, 120, s_p_mirror, "ERSPAN/GRE mirror session to an external address" },
    { "rogue-login", "C04", 'C', 0, 1, 0, 24, 5, 5, s_p_login, "login from a non-bastion source or a local/console account" },
    { "ipsec-off", "C05", 'C', 0, 1, 6, 23, 30, 120, s_p_ipsec, "IPsec SA count 0 while traffic flows" },
    { "config-change", "I01", 'I', 0, 1, 6, 23, 5, 5, s_p_config, "unticketed configuration change outside the change window" },
    { "image-change", "I02", 'I', 0, 1, 6, 23, 15, 15, s_p_image, "software image changed (older/engineering build) and rebooted outside the window" },
    { "reboot", "I03", 'I', 0, 1, 6, 23, 10, 10, s_p_reboot, "unexpected reboot (unknown/crash/watchdog/power)" },
    { "ntp-jump", "I04", 'I', 0, 1, 6, 23, 30, 180, s_p_ntp, "time source changed to an external server and clock stepped 1.5-5 s" },
    { "common-mode-reboot", "X01", 'X', 0, 1, 6, 23, 10, 10, s_p_common_mode, ">= 5 elements of one vendor reboot within 8 minutes" },
    { "vendor-divergence", "X02", 'X', 0, 3, 6, 18, 1440, 2880, s_p_divergence, "one core vendor's success ratio drifts down 2-5 points over 1-2 days" },
    { "link-down", "A02", 'A', 0, 2, 6, 23, 20, 60, s_p_link_down, "one router interface down (not flapping) while admin up; its traffic stops" },
    { "cell-outage", "A06", 'A', 0, 2, 8, 20, 60, 180, s_p_cell_outage, "one cell's RRC attempts and traffic fall to zero while its gNB keeps reporting" },
    { "maint-reboot", "I03", 'I', 1, 1, 1, 4, 10, 10, s_p_maint_reboot, "benign: ticketed reload inside the nightly change window" },
    { "traffic-shift", "A03", 'A', 1, 15, 8, 20, 120, 360, s_p_shift, "benign: planned 20-40 % traffic shift between uplinks or UPFs" },
    { "allowlisted-dst", "C01", 'C', 1, 8, 0, 24, 360, 1440, s_p_allowed_dst, "benign: new management destination inside the allowlist" },
};
#define N_TYPES (sizeof s_types / sizeof s_types[0])

static const char *const s_names[] = {
    "catalog", "benign", "silence", "collector-outage", "flap", "collapse", "error-burst", "memory-leak",
    "cpu-runaway", "rrc-drop", "bgp-down", "callhome", "exfil", "mirror", "rogue-login", "ipsec-off",
    "config-change", "image-change", "reboot", "ntp-jump", "common-mode-reboot", "vendor-divergence",
    "link-down", "cell-outage", "maint-reboot", "traffic-shift", "allowlisted-dst", NULL,
};

const char *const *
vg_sim_scenario_names (void)
{
    return s_names;
}

const char *
vg_sim_scenario_help (const char *name)
{
    if (!name)
        return NULL;
    if (strcmp (name, "catalog") == 0)
        return "every incident type (3 each) plus the benign look-alikes";
    if (strcmp (name, "benign") == 0)
        return "benign look-alikes only (6 each): maintenance reboots, traffic shifts, allowlisted destinations";
    for (size_t i = 0; i < N_TYPES; i++)
        if (strcmp (name, s_types[i].name) == 0)
            return s_types[i].note;
    return NULL;
}

/* ---- build / apply -------------------------------------------------------------------- */

static int
s_ev_cmp (const void *a, const void *b)
{
    const sevent_t *x = a, *y = b;
    if (x->step != y->step)
        return x->step < y->step ? -1 : 1;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
vg_sim__scenario_build (vg_sim_t *s)
{
    const char *name = s->cfg.scenario;
    int all = strcmp (name, "catalog") == 0, benign = strcmp (name, "benign") == 0;
    const char *canon = all ? "catalog" : benign ? "benign" : NULL;
    for (size_t i = 0; i < N_TYPES && !canon; i++)
        if (strcmp (name, s_types[i].name) == 0)
            canon = s_types[i].name;
    if (!canon)
        return -VG_EINVAL;
    struct vg_scen *sc = calloc (1, sizeof *sc);
    if (!sc)
        return -VG_ENOMEM;
    s->scen = sc;
    sc->name = canon;
    s->cfg.scenario = canon; /* the caller's string is only borrowed for vg_sim_new */
    sc->seed = vg_hash_mix64 (s->cfg.seed ^ vg_hash64 (canon, strlen (canon), 0x5ce4));
    sc->horizon = s->cfg.end_ms > s->cfg.start_ms ? s->cfg.end_ms - s->cfg.start_ms : DEF_HORIZON;
    if (s->cfg.end_ms == 0)
        sc->horizon = DEF_HORIZON;
    sc->nsteps = (uint64_t) ((sc->horizon + s->cfg.interval_ms - 1) / s->cfg.interval_ms);
    sc->resv = calloc (s->ndevs * RESV_MAX, sizeof *sc->resv);
    sc->nresv = calloc (s->ndevs, sizeof *sc->nresv);
    if (!sc->resv || !sc->nresv)
        return -VG_ENOMEM;
    uint32_t n = s->cfg.scenario_n ? s->cfg.scenario_n : all ? 3 : benign ? 6 : 4;
    int rc = 0;
    for (uint32_t rep = 0; rep < n && rc == 0; rep++)
        for (size_t i = 0; i < N_TYPES && rc == 0; i++) {
            const s_itype_t *t = &s_types[i];
            if (!(all || (benign && t->benign) || strcmp (canon, t->name) == 0))
                continue;
            size_t before = sc->nlabels;
            sc->ninc++;
            rc = t->plan (s, t);
            if (sc->nlabels == before)
                sc->ninc--; /* did not fit: no incident */
        }
    if (rc == 0 && sc->oom)
        rc = -VG_ENOMEM;
    if (rc == 0 && sc->nevs)
        qsort (sc->evs, sc->nevs, sizeof *sc->evs, s_ev_cmp);
    free (sc->resv);
    free (sc->nresv);
    sc->resv = NULL;
    sc->nresv = NULL;
    return rc;
}

void
vg_sim__scenario_free (vg_sim_t *s)
{
    struct vg_scen *sc = s->scen;
    if (!sc)
        return;
    while (sc->strs) {
        sblock_t *b = sc->strs->next;
        free (sc->strs);
        sc->strs = b;
    }
    free (sc->mods);
    free (sc->evs);
    free (sc->labels);
    free (sc->resv);
    free (sc->nresv);
    free (sc);
    s->scen = NULL;
}

double
vg_sim__modify (vg_sim_t *s, series_t *se, uint64_t k, int cur, double level, int *force, double *fv)
{
    const smod_t *mods = s->scen ? s->scen->mods : NULL;
    uint64_t force_from = 0;
    if (se->gen == G_STATE)
        se->pt.state = se->state0;
    for (uint32_t i = se->mod; i && mods; i = mods[i - 1].next) {
        const smod_t *m = &mods[i - 1];
        if (k < m->from || k >= m->to)
            continue;
        switch (m->op) {
        case M_SCALE: level *= m->p; break;
        case M_ADD: level += m->p; break;
        case M_RAMP: level += m->p * (double) (k - m->from + 1); break;
        case M_LEVEL: level = m->p; break;
        case M_FORCE:
            if (!*force || m->from >= force_from) {
                *force = 1;
                *fv = m->p;
                force_from = m->from;
            }
            break;
        case M_DOWN: {
            int up = se->state0 && strcmp (se->state0, "ESTABLISHED") == 0;
            int down = m->p == 0 || ((k - m->from) & 1) == 0;
            if (down)
                se->pt.state = up ? ((k & 1) ? "CONNECT" : "IDLE") : "DOWN";
            break;
        }
        case M_RESET:
            se->state[cur] = 0;
            break;
        default: break;
        }
    }
    return level;
}

int
vg_sim__silent (const vg_sim_t *s, const device_t *d, uint64_t k)
{
    const smod_t *mods = s->scen ? s->scen->mods : NULL;
    for (uint32_t i = d->dmod; i && mods; i = mods[i - 1].next)
        if (mods[i - 1].op == M_SILENT && k >= mods[i - 1].from && k < mods[i - 1].to)
            return 1;
    return 0;
}

/* SA count report of a cell-site router: at step 0, every clock hour and when an M_SA0
 * incident starts or ends.  Returns 1 and sets *sa when a report is due. */
static int
s_sa_due (const vg_sim_t *s, const device_t *d, uint64_t k, int64_t ts, const char **sa)
{
    const smod_t *mods = s->scen->mods;
    int active = 0, edge = 0;
    for (uint32_t i = d->dmod; i; i = mods[i - 1].next) {
        const smod_t *m = &mods[i - 1];
        if (m->op != M_SA0)
            continue;
        active |= k >= m->from && k < m->to;
        edge |= k == m->from || k == m->to;
    }
    int hour = ts / HOUR_MS != (ts - s->cfg.interval_ms) / HOUR_MS;
    *sa = active ? "0" : SA_UP;
    return k == 0 || hour || edge;
}

int
vg_sim__inject (vg_sim_t *s, size_t di, uint64_t k, int64_t ts, const vg_sink_t *sink)
{
    struct vg_scen *sc = s->scen;
    const device_t *d = &s->devs[di];
    vg_event_t ev = { .device = d->id, .ts_ms = ts, .input = "sim" };
    vg_label_t at[2];
    int rc;
    /* Scenario-mode state reports: time source at the start, IPsec SAs of cell-site routers. */
    if (k == 0) {
        at[0] = (vg_label_t) { "server", SIM_NTP_SERVER };
        at[1] = (vg_label_t) { "stratum", "2" };
        ev.type = VG_EV_NTP_CHANGE;
        ev.attrs = at;
        ev.nattrs = 2;
        rc = vg_sink_event (sink, &ev);
        if (rc)
            return rc;
    }
    const char *sa;
    if (d->role == R_CSR && s_sa_due (s, d, k, ts, &sa)) {
        at[0] = (vg_label_t) { "sa_count", sa };
        at[1] = (vg_label_t) { "tunnel", "segw" };
        ev.type = VG_EV_CRYPTO_STATE;
        ev.attrs = at;
        ev.nattrs = 2;
        rc = vg_sink_event (sink, &ev);
        if (rc)
            return rc;
    }
    if (!sc->cache_ok || sc->cache_k != k) {
        size_t lo = 0, hi = sc->nevs;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (sc->evs[mid].step < k)
                lo = mid + 1;
            else
                hi = mid;
        }
        sc->cache_k = k;
        sc->cache_pos = lo;
        sc->cache_ok = 1;
    }
    for (size_t i = sc->cache_pos; i < sc->nevs && sc->evs[i].step == k; i++) {
        const sevent_t *e = &sc->evs[i];
        if (e->dev != di)
            continue;
        vg_event_t x = { .device = d->id, .ts_ms = ts, .input = "sim", .type = (vg_event_type_t) e->type,
                         .attrs = e->nattrs ? e->attrs : NULL, .nattrs = e->nattrs,
                         .flow = e->has_flow ? &e->flow : NULL };
        rc = vg_sink_event (sink, &x);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- labels --------------------------------------------------------------------------- */

size_t
vg_sim_label_count (const vg_sim_t *s)
{
    return s->scen ? s->scen->nlabels : 0;
}

const vg_sim_label_t *
vg_sim_label (const vg_sim_t *s, size_t i)
{
    return s->scen && i < s->scen->nlabels ? &s->scen->labels[i] : NULL;
}

size_t
vg_sim_label_json (const vg_sim_label_t *l, char *buf, size_t size)
{
    size_t o = 0;
#define OUT(...)                                                                                  \
    do {                                                                                           \
        int w_ = snprintf (buf + (o < size ? o : size), o < size ? size - o : 0, __VA_ARGS__);       \
        o += w_ > 0 ? (size_t) w_ : 0;                                                             \
    } while (0)
    OUT ("{\"scenario\":\"%s\",\"id\":\"%s\",\"type\":\"%s\",\"detector\":\"%s\",\"cia\":\"%c\",\"benign\":%s,"
         "\"entity\":\"%s\",\"devices\":[",
         l->scenario, l->id, l->type, l->detector, l->cia, l->benign ? "true" : "false", l->entity ? l->entity : "");
    for (size_t i = 0; i < l->ndevices; i++)
        OUT ("%s\"%s\"", i ? "," : "", l->devices[i]);
    OUT ("],\"devices_total\":%zu,\"start_ms\":%lld,\"end_ms\":%lld,\"magnitude\":%.6g,\"note\":\"%s\"}",
         l->ndevices_total, (long long) l->start_ms, (long long) l->end_ms, l->magnitude, l->note ? l->note : "");
#undef OUT
    return o;
}
