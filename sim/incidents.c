/* incidents.c - what each incident type does to the fleet, and the type table with
 * durations, start hours, warm-up and notes.  A type that hits one device names its roles
 * in its row and has an s_on_<type> for its series modifiers, events and labels (the
 * shared plan s_p_placed finds the device); a type that chooses several devices has its own
 * plan s_p_<type>.  The engine (sim_scenario.c) runs the table.
 * Invariant: a plan adds all of its incident's modifiers, events and labels through
 * scenario_int.h, and only on devices it reserved, so incidents do not overlap. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "sim/scenario_int.h"
#include "sim/sim_int.h"

/* ---- effects several plans share -------------------------------------------------------- */

/* A random external (non-fleet) address. */
static const char *
s_ext_ip (vg_sim_t *s)
{
    static const char *const nets[] = { "203.0.113.%u", "198.51.100.%u", "185.220.%u.%u", "45.133.%u.%u" };
    struct vg_scen *sc = s->scen;
    uint32_t k = vg_scen__pick (sc, 4);
    return vg_scen__strf (sc, nets[k], 1 + vg_scen__pick (sc, 250), 1 + vg_scen__pick (sc, 250));
}

/* A reboot of device di at step k: event, boot-time jump, counters restart. */
static int
s_reboot (vg_sim_t *s, size_t di, uint64_t k, const char *reason, const char *ticket)
{
    vg_scen__event_t *e = vg_scen__event (s, k, di, VG_EV_REBOOT);
    vg_scen__attr (e, "reason", reason);
    vg_scen__attr (e, "ticket", ticket);
    const device_t *d = &s->devs[di];
    int rc = vg_scen__mod_path (s, di, "/system/state/boot-time", M_FORCE, k, UINT64_MAX,
                         (double) (vg_scen__ts (s, k) - s->cfg.interval_ms / 2));
    for (uint32_t i = 0; i < d->nseries && rc == 0; i++) {
        series_t *se = &s->series[d->first + i];
        if (se->gen >= G_COUNTER && se->gen <= G_PLUS)
            rc = vg_scen__mod_add (s, &se->mod, M_RESET, k, k + 1, 0);
    }
    return rc;
}

/* ---- incident plans --------------------------------------------------------------------- *
 * s_p_<type>: a plan that chooses its own devices; s_on_<type>: the effects of a type that
 * hits one device, which s_p_placed chooses from the table row's roles. */

/* The type's own label for the placed incident, with magnitude mag, on its device. */
static vg_sim_label_t *
s_label (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at, double mag)
{
    vg_sim_label_t *l = vg_scen__label (s, t, NULL, 0, at->a, at->b, mag);
    vg_scen__label_dev (s, l, &s->devs[at->di]);
    return l;
}

static int
s_on_silence (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    s_label (s, t, at, (double) (at->b - at->a) * s->cfg.interval_ms / MIN_MS);
    return vg_scen__mod_add (s, &s->devs[at->di].dmod, M_SILENT, at->a, at->b, 0);
}

static int
s_p_outage (vg_sim_t *s, const vg_scen__type_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    size_t n = s->ndevs, need = (size_t) ceil (0.3 * (double) n) + 1;
    int rc = 0;
    for (int tries = 0; tries < 20; tries++) {
        if (vg_scen__when (s, t, &a, &b))
            break;
        double f = vg_scen__uni (sc, 0.35, 0.6);
        size_t got;
        const uint32_t *idx = vg_scen__free_devs (s, a, b, (size_t) ceil (f * (double) n), NULL, &got);
        if (got < need)
            continue;
        vg_sim_label_t *l = vg_scen__label (s, t, NULL, 0, a, b, (double) got / (double) n);
        for (size_t i = 0; i < got && rc == 0; i++) {
            vg_scen__reserve (sc, idx[i], vg_scen__ts (s, a), vg_scen__ts (s, b));
            vg_scen__label_dev (s, l, &s->devs[idx[i]]);
            rc = vg_scen__mod_add (s, &s->devs[idx[i]].dmod, M_SILENT, a, b, 0);
        }
        if (l)
            l->entity = "collector";
        break;
    }
    return rc;
}

#define OPER "/interfaces/interface/state/oper-status"
#define SESS "/network-instances/network-instance/protocols/protocol/bgp/neighbors/neighbor/state/session-state"
#define PFX "/network-instances/network-instance/protocols/protocol/bgp/neighbors/neighbor/afi-safis/afi-safi/state/prefixes/received"
#define IFC "/interfaces/interface/state/counters/"

static int
s_on_flap (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    uint32_t j = vg_scen__pick (s->scen, vg_scen__count (s, at->di, OPER));
    series_t *se = vg_scen__nth (s, at->di, OPER, j);
    s_label (s, t, at, (double) (at->b - at->a));
    return se ? vg_scen__mod_add (s, &se->mod, M_DOWN, at->a, at->b, 1) : 0;
}

/* One interface of a router goes down and stays down (no flapping): oper-status DOWN while
 * administratively up, and its traffic stops. */
static int
s_on_link_down (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    uint32_t j = vg_scen__pick (s->scen, vg_scen__count (s, at->di, OPER));
    series_t *oper = vg_scen__nth (s, at->di, OPER, j);
    series_t *in = vg_scen__nth (s, at->di, IFC "in-octets", j);
    series_t *out = vg_scen__nth (s, at->di, IFC "out-octets", j);
    s_label (s, t, at, (double) (at->b - at->a));
    int rc = oper ? vg_scen__mod_add (s, &oper->mod, M_DOWN, at->a, at->b, 0) : 0;
    rc = rc == 0 && in ? vg_scen__mod_add (s, &in->mod, M_SCALE, at->a, at->b, 0) : rc;
    return rc == 0 && out ? vg_scen__mod_add (s, &out->mod, M_SCALE, at->a, at->b, 0) : rc;
}

/* One cell of a gNB stops carrying traffic (RRC attempts and PDCP volumes fall to zero)
 * while the gNB keeps reporting its other cells. */
static int
s_on_cell_outage (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    static const char *const paths[] = { "RRC.ConnEstabAtt", "RRC.ConnEstabSucc", "DRB.PdcpSduVolumeDL",
                                         "DRB.PdcpSduVolumeUL" };
    uint32_t j = vg_scen__pick (s->scen, vg_scen__count (s, at->di, paths[0]));
    s_label (s, t, at, (double) j);
    for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
        series_t *se = vg_scen__nth (s, at->di, paths[k], j);
        if (se && vg_scen__mod_add (s, &se->mod, M_SCALE, at->a, at->b, 0))
            return -VG_ENOMEM;
    }
    return 0;
}

static int
s_p_collapse (vg_sim_t *s, const vg_scen__type_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    double f = vg_scen__uni (sc, 0.1, 0.35);
    int upf = s_unit (vg_scen__rnd (sc)) < 0.3;
    int di = vg_scen__place (s, t, upf ? ROLE (R_UPF) : ROLE (R_CSR), &a, &b);
    if (di < 0)
        return 0;
    vg_sim_label_t *l = vg_scen__label (s, t, NULL, 0, a, b, f);
    vg_scen__label_dev (s, l, &s->devs[di]);
    if (upf)
        return vg_scen__mod_path (s, (size_t) di, "GTP.OutDataOctN3UPF", M_SCALE, a, b, f);
    int rc = vg_scen__mod_path (s, (size_t) di, IFC "in-octets", M_SCALE, a, b, f);
    rc = rc ? rc : vg_scen__mod_path (s, (size_t) di, IFC "out-octets", M_SCALE, a, b, f);
    /* The site's gNB (built just before its router) carries the same collapse. */
    if (rc == 0 && di > 0 && s->devs[di - 1].role == R_GNB && strcmp (s->devs[di - 1].site, s->devs[di].site) == 0) {
        vg_scen__reserve (sc, (size_t) di - 1, vg_scen__ts (s, a), vg_scen__ts (s, b));
        vg_scen__label_dev (s, l, &s->devs[di - 1]);
        rc = vg_scen__mod_path (s, (size_t) di - 1, "DRB.PdcpSduVolumeDL", M_SCALE, a, b, f);
    }
    return rc;
}

static int
s_on_burst (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    struct vg_scen *sc = s->scen;
    uint32_t j = vg_scen__pick (sc, vg_scen__count (s, at->di, IFC "in-fcs-errors"));
    series_t *fcs = vg_scen__nth (s, at->di, IFC "in-fcs-errors", j);
    series_t *oct = vg_scen__nth (s, at->di, IFC "in-octets", j);
    double ber = exp (vg_scen__uni (sc, log (1e-5), log (2e-4)));
    s_label (s, t, at, ber);
    if (!fcs || !oct)
        return 0;
    double pkts = (oct->a + 0.5 * oct->b) / 900.0; /* per step at a mid load */
    return vg_scen__mod_add (s, &fcs->mod, M_ADD, at->a, at->b, ber * pkts);
}

static int
s_on_leak (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    double pct = vg_scen__uni (s->scen, 1.0, 4.0); /* % of physical memory per hour */
    series_t *phys = vg_scen__nth (s, at->di, "/system/memory/state/physical", 0);
    s_label (s, t, at, pct);
    if (!phys)
        return 0;
    double per_step = phys->a * pct / 100.0 * (double) s->cfg.interval_ms / (double) HOUR_MS;
    return vg_scen__mod_path (s, at->di, "/system/memory/state/used", M_RAMP, at->a, at->b, per_step);
}

static int
s_on_cpu (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    double lvl = vg_scen__uni (s->scen, 93, 99);
    s_label (s, t, at, lvl);
    const char *path = "/components/component/cpu/utilization/state/instant";
    return vg_scen__mod_path (s, at->di, path, M_LEVEL, at->a, at->b, lvl);
}

static int
s_on_rrc (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    double sr = vg_scen__uni (s->scen, 0.90, 0.96);
    s_label (s, t, at, sr);
    return vg_scen__mod_path (s, at->di, "RRC.ConnEstabSucc", M_LEVEL, at->a, at->b, 1.0 - sr);
}

static int
s_on_bgp (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    uint32_t j = vg_scen__pick (s->scen, vg_scen__count (s, at->di, SESS));
    series_t *ss = vg_scen__nth (s, at->di, SESS, j), *px = vg_scen__nth (s, at->di, PFX, j);
    s_label (s, t, at, (double) (at->b - at->a));
    int rc = ss ? vg_scen__mod_add (s, &ss->mod, M_DOWN, at->a, at->b, 0) : 0;
    return rc == 0 && px ? vg_scen__mod_add (s, &px->mod, M_FORCE, at->a, at->b, 0) : rc;
}

/* Flow summaries from device di to dst:port every `every` steps over [a, b). */
static void
s_flows (vg_sim_t *s, size_t di, uint64_t a, uint64_t b, uint64_t every, const char *dst, uint32_t port,
         double bytes, double jitter)
{
    struct vg_scen *sc = s->scen;
    for (uint64_t k = a; k < b; k += every) {
        vg_scen__event_t *e = vg_scen__event (s, k, di, VG_EV_FLOW_SUMMARY);
        if (!e)
            return;
        double v = bytes * (1 + jitter * (2 * s_unit (vg_scen__rnd (sc)) - 1));
        e->has_flow = 1;
        e->flow = (vg_flow_t) { .src = s->devs[di].mgmt, .dst = dst, .vrf = "mgmt", .dst_port = port,
                                .protocol = 6, .interval_ms = (uint32_t) (every * (uint64_t) s->cfg.interval_ms),
                                .bytes = (uint64_t) v, .packets = (uint64_t) ceil (v / 700.0) };
    }
}

static int
s_on_callhome (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    static const uint32_t ports[] = { 443, 8443, 4444, 8080, 22 };
    struct vg_scen *sc = s->scen;
    const char *dst = s_ext_ip (s);
    double bytes = vg_scen__uni (sc, 1500, 20000) * (double) s->cfg.interval_ms / MIN_MS;
    s_label (s, t, at, bytes);
    s_flows (s, at->di, at->a, at->b, 1, dst, ports[vg_scen__pick (sc, 5)], bytes, 0.1);
    return 0;
}

static int
s_on_exfil (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    struct vg_scen *sc = s->scen;
    double total = exp (vg_scen__uni (sc, log (2e8), log (2e9)));
    const char *dst = s_ext_ip (s);
    s_label (s, t, at, total);
    /* Leaving to an unknown external host is also a call-home finding. */
    vg_scen__label_dev (s, vg_scen__label (s, t, "C01", 'C', at->a, at->b, total), &s->devs[at->di]);
    s_flows (s, at->di, at->a, at->b, 1, dst, 443, total / (double) (at->b - at->a), 0.3);
    return 0;
}

static int
s_on_mirror (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    struct vg_scen *sc = s->scen;
    const char *sess = vg_scen__strf (sc, "mon-%u%u", vg_scen__pick (sc, 9) + 1, vg_scen__pick (sc, 10));
    const char *dst = s_ext_ip (s);
    s_label (s, t, at, 1);
    vg_scen__event_t *e = vg_scen__event (s, at->a, at->di, VG_EV_MIRROR_SESSION);
    vg_scen__attr (e, "action", "create");
    vg_scen__attr (e, "session", sess);
    vg_scen__attr (e, "destination", dst);
    vg_scen__attr (e, "type", s_unit (vg_scen__rnd (sc)) < 0.5 ? "erspan" : "rspan-gre");
    e = vg_scen__event (s, at->b, at->di, VG_EV_MIRROR_SESSION);
    vg_scen__attr (e, "action", "delete");
    vg_scen__attr (e, "session", sess);
    vg_scen__attr (e, "destination", dst);
    return 0;
}

static int
s_on_login (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    static const char *const users[] = { "admin", "root", "support", "noc-alice", "svc-backup" };
    struct vg_scen *sc = s->scen;
    int local = s_unit (vg_scen__rnd (sc)) < 0.4;
    s_label (s, t, at, local);
    vg_scen__event_t *e = vg_scen__event (s, at->a, at->di, VG_EV_LOGIN);
    vg_scen__attr (e, "method", local ? "console" : "ssh");
    vg_scen__attr (e, "result", "success");
    const char *src = ""; /* console */
    if (!local && s_unit (vg_scen__rnd (sc)) < 0.5)
        src = s_ext_ip (s);
    else if (!local)
        src = vg_scen__strf (sc, "10.77.%u.%u", vg_scen__pick (sc, 250), 1 + vg_scen__pick (sc, 250));
    vg_scen__attr (e, "source", src);
    vg_scen__attr (e, "user", local ? "admin" : users[vg_scen__pick (sc, 5)]);
    return 0;
}

static int
s_on_ipsec (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    s_label (s, t, at, 0);
    return vg_scen__mod_add (s, &s->devs[at->di].dmod, M_SA0, at->a, at->b, 0);
}

static int
s_on_config (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    static const char *const cls[] = { "acl", "aaa", "logging", "users", "snmp", "routing", "qos" };
    static const char *const users[] = { "admin", "noc-bob", "lab", "svc-ansible" };
    struct vg_scen *sc = s->scen;
    s_label (s, t, at, 1);
    vg_scen__event_t *e = vg_scen__event (s, at->a, at->di, VG_EV_CONFIG_CHANGE);
    vg_scen__attr (e, "class", cls[vg_scen__pick (sc, 7)]);
    vg_scen__attr (e, "hash", vg_scen__strf (sc, "%08x%08x", (unsigned) vg_scen__rnd (sc),
                                             (unsigned) vg_scen__rnd (sc)));
    vg_scen__attr (e, "user", users[vg_scen__pick (sc, 4)]);
    return 0;
}

static int
s_on_image (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    struct vg_scen *sc = s->scen;
    const device_t *d = &s->devs[at->di];
    char ver[48];
    const char *sw = d->dev.sw_version;
    if (sw[0] >= '1' && sw[0] <= '9')
        snprintf (ver, sizeof ver, "%ld%s", strtol (sw, NULL, 10) - 1, sw + strspn (sw, "0123456789"));
    else
        snprintf (ver, sizeof ver, "%s-eng", sw);
    s_label (s, t, at, 1);
    /* it reboots to load */
    vg_scen__label_dev (s, vg_scen__label (s, t, "I03", 'I', at->a, at->b, 1), &s->devs[at->di]);
    vg_scen__event_t *e = vg_scen__event (s, at->a, at->di, VG_EV_IMAGE_CHANGE);
    vg_scen__attr (e, "version", vg_scen__str (sc, ver));
    vg_scen__attr (e, "hash", vg_scen__strf (sc, "%08x%08x", (unsigned) vg_scen__rnd (sc),
                                             (unsigned) vg_scen__rnd (sc)));
    vg_scen__attr (e, "image",
                   vg_scen__strf (sc, "img-%u.%u.bin", vg_scen__pick (sc, 90) + 10, vg_scen__pick (sc, 10)));
    return s_reboot (s, at->di, at->a + 1 < at->b ? at->a + 1 : at->a, "image-activation", NULL);
}

static int
s_on_reboot (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    static const char *const why[] = { "unknown", "crash", "watchdog", "power" };
    s_label (s, t, at, 1);
    return s_reboot (s, at->di, at->a, why[vg_scen__pick (s->scen, 4)], NULL);
}

static int
s_on_ntp (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    struct vg_scen *sc = s->scen;
    double jump = vg_scen__uni (sc, 1500, 5000) * (s_unit (vg_scen__rnd (sc)) < 0.5 ? -1 : 1);
    s_label (s, t, at, jump);
    vg_scen__event_t *e = vg_scen__event (s, at->a, at->di, VG_EV_NTP_CHANGE);
    vg_scen__attr (e, "server", s_ext_ip (s));
    vg_scen__attr (e, "stratum", "1");
    e = vg_scen__event (s, at->b, at->di, VG_EV_NTP_CHANGE);
    vg_scen__attr (e, "server", SIM_NTP_SERVER);
    vg_scen__attr (e, "stratum", "2");
    const char *path = "/system/ntp/servers/server/state/offset";
    return vg_scen__mod_path (s, at->di, path, M_ADD, at->a, at->b, jump);
}

/* The devices of one group reboot in [a, b) (a picker of s_group_reboot): idx[*got] free
 * for [a, b), NULL when too few are (another try); *share is the group label's value and
 * *entity its entity. */
typedef const uint32_t *(*s_group_pick_fn) (vg_sim_t *s, uint64_t a, uint64_t b, size_t *got, double *share,
                                           const char **entity);

/* A group incident of type t: up to 20 tries at a time and a group (pick).  The group's
 * label names every device; each device is reserved for [a, b), reboots within 8 minutes of
 * a with this reason and has an I03 label of its own (real: benign cleared, the reboot is
 * unexpected).  Returns 0 or the first reboot's error. */
static int
s_group_reboot (vg_sim_t *s, const vg_scen__type_t *t, s_group_pick_fn pick, const char *reason, bool real)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    for (int tries = 0; tries < 20; tries++) {
        if (vg_scen__when (s, t, &a, &b))
            return 0;
        size_t got;
        double share;
        const char *entity;
        const uint32_t *idx = pick (s, a, b, &got, &share, &entity);
        if (!idx)
            continue;
        vg_sim_label_t *l = vg_scen__label (s, t, NULL, 0, a, b, share);
        if (l)
            l->entity = entity;
        /* The I03 labels below may move the label array: keep the group label's index. */
        size_t li = l ? vg_sim_label_count (s) - 1 : SIZE_MAX;
        uint64_t spread = (uint64_t) (8 * MIN_MS / s->cfg.interval_ms);
        int rc = 0;
        for (size_t i = 0; i < got && rc == 0; i++) {
            uint64_t k0 = a + (spread ? vg_scen__rnd (sc) % (spread + 1) : 0);
            vg_scen__reserve (sc, idx[i], vg_scen__ts (s, a), vg_scen__ts (s, b));
            vg_scen__label_dev (s, vg_scen__label_at (s, li), &s->devs[idx[i]]);
            vg_sim_label_t *r = vg_scen__label (s, t, "I03", 'I', a, b, 1);
            if (r && real)
                r->benign = 0;
            vg_scen__label_dev (s, r, &s->devs[idx[i]]);
            rc = s_reboot (s, idx[i], k0 < b ? k0 : a, reason, NULL);
        }
        return rc;
    }
    return 0;
}

/* X01's group: 15-40 % (at least 5) of one vendor's elements; entity the vendor. */
static const uint32_t *
s_pick_vendor (vg_sim_t *s, uint64_t a, uint64_t b, size_t *got, double *share, const char **entity)
{
    struct vg_scen *sc = s->scen;
    size_t n = s->ndevs;
    const char *vendor = s->devs[vg_scen__pick (sc, (uint32_t) n)].dev.vendor;
    size_t nv = 0;
    for (size_t i = 0; i < n; i++)
        nv += strcmp (s->devs[i].dev.vendor, vendor) == 0;
    size_t k = (size_t) ceil (vg_scen__uni (sc, 0.15, 0.4) * (double) nv);
    k = k < 5 ? 5 : k;
    if (nv < 5)
        return NULL;
    const uint32_t *idx = vg_scen__free_devs (s, a, b, k, vendor, got);
    if (*got < 5)
        return NULL;
    *share = (double) *got / (double) nv;
    *entity = vendor;
    return idx;
}

static int
s_p_common_mode (vg_sim_t *s, const vg_scen__type_t *t)
{
    return s_group_reboot (s, t, s_pick_vendor, "unknown", false);
}

/* The reboot wave's group: 30-60 % of all elements (at least half of them free), whatever
 * their vendor; entity "fleet". */
static const uint32_t *
s_pick_fleet (vg_sim_t *s, uint64_t a, uint64_t b, size_t *got, double *share, const char **entity)
{
    size_t n = s->ndevs;
    size_t want = (size_t) ceil (vg_scen__uni (s->scen, 0.3, 0.6) * (double) n);
    const uint32_t *idx = vg_scen__free_devs (s, a, b, want, NULL, got);
    if (*got < want / 2 + 1)
        return NULL;
    *share = (double) *got / (double) n;
    *entity = "fleet";
    return idx;
}

/* A fleet-wide reboot wave (shared power, transport or a common OSS push): 30-60 % of all
 * elements, whatever their vendor, reboot within 8 minutes.  Each reboot is a real I03; the
 * wave is X01's look-alike (the catalogue names a shared dependency as its false positive),
 * labelled benign with entity "fleet": no vendor stands out. */
static int
s_p_reboot_wave (vg_sim_t *s, const vg_scen__type_t *t)
{
    return s_group_reboot (s, t, s_pick_fleet, "power", true);
}

/* X02: one core vendor's success ratio (AMF registration or SMF PDU session) drifts down
 * while the other vendors of the site stay flat; one drift at a time per site. */
static int
s_p_divergence (vg_sim_t *s, const vg_scen__type_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    for (int tries = 0; tries < 40; tries++) {
        if (vg_scen__when (s, t, &a, &b))
            return 0;
        size_t cand[N_AMF + N_SMF] = { 0 }, nc = 0;
        for (size_t i = 0; i < s->ndevs && nc < N_AMF + N_SMF; i++)
            if (s->devs[i].role == R_AMF || s->devs[i].role == R_SMF)
                cand[nc++] = i;
        if (nc == 0)
            return 0;
        size_t di = cand[vg_scen__pick (sc, (uint32_t) nc)];
        const device_t *d = &s->devs[di];
        int ok = 1;
        for (size_t i = 0; i < s->ndevs && ok; i++)
            if ((s->devs[i].role == R_AMF || s->devs[i].role == R_SMF) && strcmp (s->devs[i].site, d->site) == 0)
                ok = vg_scen__is_free (sc, i, vg_scen__ts (s, a), vg_scen__ts (s, b));
        if (!ok)
            continue;
        for (size_t i = 0; i < s->ndevs; i++)
            if ((s->devs[i].role == R_AMF || s->devs[i].role == R_SMF) && strcmp (s->devs[i].site, d->site) == 0)
                vg_scen__reserve (sc, i, vg_scen__ts (s, a), vg_scen__ts (s, b));
        double pp = vg_scen__uni (sc, 0.02, 0.05); /* final drop of the success ratio */
        const char *path = d->role == R_AMF ? "RM.RegInitSucc" : "SM.PduSessionCreationSucc";
        vg_sim_label_t *l = vg_scen__label (s, t, NULL, 0, a, b, pp);
        vg_scen__label_dev (s, l, d);
        if (l)
            l->entity = d->site;
        return vg_scen__mod_path (s, di, path, M_RAMP, a, b, pp / (double) (b - a));
    }
    return 0;
}

static int
s_on_maint_reboot (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    struct vg_scen *sc = s->scen;
    s_label (s, t, at, 1);
    return s_reboot (s, at->di, at->a, "reload",
                     vg_scen__strf (sc, "CHG%04u%03u", vg_scen__pick (sc, 10000), vg_scen__pick (sc, 1000)));
}

static int
s_p_shift (vg_sim_t *s, const vg_scen__type_t *t)
{
    struct vg_scen *sc = s->scen;
    uint64_t a, b;
    double f = vg_scen__uni (sc, 0.2, 0.4);
    if (s_unit (vg_scen__rnd (sc)) < 0.3) { /* UPF pair rebalanced */
        size_t u1 = SIZE_MAX, u2 = SIZE_MAX;
        for (size_t i = 0; i < s->ndevs; i++)
            if (s->devs[i].role == R_UPF) {
                if (u1 == SIZE_MAX)
                    u1 = i;
                else if (u2 == SIZE_MAX)
                    u2 = i;
            }
        for (int tries = 0; tries < 20 && u2 != SIZE_MAX; tries++) {
            if (vg_scen__when (s, t, &a, &b))
                return 0;
            if (!vg_scen__is_free (sc, u1, vg_scen__ts (s, a), vg_scen__ts (s, b))
                || !vg_scen__is_free (sc, u2, vg_scen__ts (s, a), vg_scen__ts (s, b)))
                continue;
            vg_scen__reserve (sc, u1, vg_scen__ts (s, a), vg_scen__ts (s, b));
            vg_scen__reserve (sc, u2, vg_scen__ts (s, a), vg_scen__ts (s, b));
            vg_sim_label_t *l = vg_scen__label (s, t, NULL, 0, a, b, f);
            vg_scen__label_dev (s, l, &s->devs[u1]);
            vg_scen__label_dev (s, l, &s->devs[u2]);
            int rc = vg_scen__mod_path (s, u1, "GTP.OutDataOctN3UPF", M_SCALE, a, b, 1 - f);
            return rc ? rc : vg_scen__mod_path (s, u2, "GTP.OutDataOctN3UPF", M_SCALE, a, b, 1 + f);
        }
        return 0;
    }
    int di = vg_scen__place (s, t, ROLE (R_CSR), &a, &b);
    if (di < 0)
        return 0;
    vg_scen__label_dev (s, vg_scen__label (s, t, NULL, 0, a, b, f), &s->devs[di]);
    int rc = 0;
    for (uint32_t j = 0; j < 2 && rc == 0; j++) { /* uplink 0 -> uplink 1 */
        series_t *in = vg_scen__nth (s, (size_t) di, IFC "in-octets", j);
        series_t *out = vg_scen__nth (s, (size_t) di, IFC "out-octets", j);
        double g = j == 0 ? 1 - f : 1 + f;
        if (in)
            rc = vg_scen__mod_add (s, &in->mod, M_SCALE, a, b, g);
        if (out && rc == 0)
            rc = vg_scen__mod_add (s, &out->mod, M_SCALE, a, b, g);
    }
    return rc;
}

static int
s_on_allowed_dst (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at)
{
    struct vg_scen *sc = s->scen;
    int tls = s_unit (vg_scen__rnd (sc)) < 0.5;
    const char *dst = tls ? vg_scen__strf (sc, "10.250.%u.%u", 3 + vg_scen__pick (sc, 4),
                                           10 + vg_scen__pick (sc, 200))
                          : vg_scen__strf (sc, "192.0.2.%u", 10 + vg_scen__pick (sc, 200), 0);
    uint64_t every = (uint64_t) (FLOW_PERIOD_MS / s->cfg.interval_ms);
    s_label (s, t, at, 0);
    s_flows (s, at->di, at->a, at->b, every ? every : 1, dst, tls ? 6514 : 443, 150000, 0.2);
    return 0;
}

/* The plan of every type that acts on one device: place it on a free device of the row's
 * roles, then let the row's `on` add its effects. */
static int
s_p_placed (vg_sim_t *s, const vg_scen__type_t *t)
{
    vg_scen__at_t at;
    int di = vg_scen__place (s, t, t->roles, &at.a, &at.b);
    if (di < 0)
        return 0;
    at.di = (size_t) di;
    return t->on (s, t, &at);
}

const vg_scen__type_t vg_scen__types[] = {
    { "silence", "A01", 'A', 0, 2, 6, 23, 30, 90, s_p_placed, "one element stops reporting", ANY_ROLE, s_on_silence, 0 },
    { "collector-outage", "A01", 'A', 0, 2, 6, 23, 20, 40, s_p_outage, "35-60 % of elements silent at once (collector/transport)", 0, NULL, 0 },
    { "flap", "A02", 'A', 0, 2, 6, 23, 20, 40, s_p_placed, "interface oper-status flaps at every sample", ROLE (R_CSR) | ROLE (R_PE), s_on_flap, 0 },
    { "collapse", "A03", 'A', 0, 15, 9, 20, 60, 180, s_p_collapse, "busy-hour throughput collapses to 10-35 %", 0, NULL, 0 },
    { "error-burst", "A04", 'A', 0, 2, 6, 23, 30, 60, s_p_placed, "FCS error burst, BER 1e-5..2e-4", ROLE (R_CSR) | ROLE (R_PE), s_on_burst, 0 },
    { "memory-leak", "A05", 'A', 0, 2, 6, 23, 240, 480, s_p_placed, "memory leak of 1-4 % of physical memory per hour", ANY_ROLE, s_on_leak, 0 },
    { "cpu-runaway", "A05", 'A', 0, 2, 6, 23, 30, 90, s_p_placed, "CPU pinned at 93-99 %", ANY_ROLE, s_on_cpu, 0 },
    { "rrc-drop", "A06", 'A', 0, 2, 8, 21, 60, 180, s_p_placed, "RRC setup success ratio drops to 90-96 % on every cell of a gNB", ROLE (R_GNB), s_on_rrc, 0 },
    { "bgp-down", "A08", 'A', 0, 2, 6, 23, 20, 60, s_p_placed, "BGP session down, prefixes withdrawn", ROLE (R_CSR) | ROLE (R_PE), s_on_bgp, 0 },
    { "callhome", "C01", 'C', 0, 1, 0, 24, 60, 180, s_p_placed, "management-plane beacon to an external host", ANY_ROLE, s_on_callhome, 0 },
    { "exfil", "C02", 'C', 0, 2, 0, 24, 30, 90, s_p_placed, "0.2-2 GB upload to an external host", ANY_ROLE, s_on_exfil, 0 },
    { "mirror", "C03", 'C', 0, 1, 0, 24, 30, 120, s_p_placed, "ERSPAN/GRE mirror session to an external address", ROLE (R_CSR) | ROLE (R_PE) | ROLE (R_UPF), s_on_mirror, 0 },
    { "rogue-login", "C04", 'C', 0, 1, 0, 24, 5, 5, s_p_placed, "login from a non-bastion source or a local/console account", ANY_ROLE, s_on_login, 0 },
    { "ipsec-off", "C05", 'C', 0, 1, 6, 23, 30, 120, s_p_placed, "IPsec SA count 0 while traffic flows", ROLE (R_CSR), s_on_ipsec, 0 },
    { "config-change", "I01", 'I', 0, 1, 6, 23, 5, 5, s_p_placed, "unticketed configuration change outside the change window", ANY_ROLE, s_on_config, 0 },
    { "image-change", "I02", 'I', 0, 1, 6, 23, 15, 15, s_p_placed, "software image changed (older/engineering build) and rebooted outside the window", ANY_ROLE, s_on_image, 0 },
    { "reboot", "I03", 'I', 0, 1, 6, 23, 10, 10, s_p_placed, "unexpected reboot (unknown/crash/watchdog/power)", ANY_ROLE, s_on_reboot, 0 },
    { "ntp-jump", "I04", 'I', 0, 1, 6, 23, 30, 180, s_p_placed, "time source changed to an external server and clock stepped 1.5-5 s", ANY_ROLE, s_on_ntp, 0 },
    { "common-mode-reboot", "X01", 'X', 0, 1, 6, 23, 10, 10, s_p_common_mode, ">= 5 elements of one vendor reboot within 8 minutes", 0, NULL, 0 },
    { "vendor-divergence", "X02", 'X', 0, 3, 6, 18, 1440, 2880, s_p_divergence, "one core vendor's success ratio drifts down 2-5 points over 1-2 days", 0, NULL, 0 },
    { "link-down", "A02", 'A', 0, 2, 6, 23, 20, 60, s_p_placed, "one router interface down (not flapping) while admin up; its traffic stops", ROLE (R_CSR) | ROLE (R_PE), s_on_link_down, 0 },
    { "cell-outage", "A06", 'A', 0, 2, 8, 20, 60, 180, s_p_placed, "one cell's RRC attempts and traffic fall to zero while its gNB keeps reporting", ROLE (R_GNB), s_on_cell_outage, 0 },
    { "maint-reboot", "I03", 'I', 1, 1, 1, 4, 10, 10, s_p_placed, "benign: ticketed reload inside the nightly change window", ROLE (R_GNB) | ROLE (R_CSR) | ROLE (R_PE), s_on_maint_reboot, 0 },
    { "traffic-shift", "A03", 'A', 1, 15, 8, 20, 120, 360, s_p_shift, "benign: planned 20-40 % traffic shift between uplinks or UPFs", 0, NULL, 0 },
    { "allowlisted-dst", "C01", 'C', 1, 8, 0, 24, 360, 1440, s_p_placed, "benign: new management destination inside the allowlist", ANY_ROLE, s_on_allowed_dst, 0 },
    { "reboot-wave", "X01", 'X', 1, 1, 6, 23, 10, 10, s_p_reboot_wave, "benign for X01: 30-60 % of all elements, every vendor, reboot within 8 minutes (shared power or transport); each reboot is an I03", 0, NULL, 1 },
};

const size_t vg_scen__ntypes = sizeof vg_scen__types / sizeof vg_scen__types[0];

/* Keep in step with vg_scen__types (tests/sim/check_sim_scenario.c checks it). */
const char *const vg_scen__names[] = {
    "catalog", "benign", "silence", "collector-outage", "flap", "collapse", "error-burst", "memory-leak",
    "cpu-runaway", "rrc-drop", "bgp-down", "callhome", "exfil", "mirror", "rogue-login", "ipsec-off",
    "config-change", "image-change", "reboot", "ntp-jump", "common-mode-reboot", "vendor-divergence",
    "link-down", "cell-outage", "maint-reboot", "traffic-shift", "allowlisted-dst", "reboot-wave", NULL,
};
