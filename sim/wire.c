/* wire.c - the simulator's vendor wire output (see wire.h): routes each device's samples
 * to its vendor's encoder (wire_mdt.c, wire_jti.c, wire_pm.c) and the pcap writer
 * (wire_pcap.c).  Samples update a per-device view as they arrive; vg_wire_flush encodes
 * the routers that reported in the step and rolls the gNBs' ROP accumulators.
 * Invariant: within each pcap, packet times never decrease: every device sends at its own
 * fixed phase inside the step, in device order. */
#include "sim/wire.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/array.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/hash.h"
#include "sim/wire_jti.h"
#include "sim/wire_mdt.h"
#include "sim/wire_pcap.h"
#include "sim/wire_pm.h"
#include "sim/wire_udpnotif.h"

#define ROP_MS 900000LL
#define COLLECTOR_IP 0x0afa0901u /* 10.250.9.1 */
#define N_GCTR 8                 /* ROP counters per cell */

enum { T_NONE, T_MDT, T_JTI, T_PM, T_UDPN };
static const char *const s_tname[] = { "none", "mdt", "jti", "pm", "udp-notif" };

typedef struct {
    const char *id, *vendor, *role, *sw;
    char host[64];
    char wid[64];            /* device id the decoder will give it */
    int transport;
    uint32_t ip;
    int seen;                /* samples in the current step */
    int64_t ts_ms;
    vg_wire_router_t r;
    double bg_err[VG_WIRE_MAX_IFS], bg_disc[VG_WIRE_MAX_IFS];
    int reboot;              /* a reboot event in the current step */
    vg_wire_tcp_t tcp;
    uint16_t sessions;
    uint64_t coll_id;
    vg_wire_jti_t jti;
    vg_wire_udpnotif_t un;
    /* gNB: ROP accumulators */
    int64_t rop;             /* ROP index being accumulated, -1 none */
    int64_t rop_ts;          /* newest sample time in it */
    unsigned rop_steps;      /* sample times seen in it */
    double base[VG_WIRE_MAX_CELLS][N_GCTR], cur[VG_WIRE_MAX_CELLS][N_GCTR];
    uint8_t base_set[VG_WIRE_MAX_CELLS];
    double gsum[VG_WIRE_MAX_CELLS][5], gmax[VG_WIRE_MAX_CELLS];
    unsigned gn[VG_WIRE_MAX_CELLS];
    size_t ncells;
} s_dev_t;

struct vg_wire {
    vg_wire_cfg_t cfg;
    char dir[512];
    s_dev_t *devs;
    size_t ndevs, cap, last;
    size_t nmdt, njti, nun;
    vg_wire_pcap_t *mdt, *jti, *un;
    vg_buf_t buf, scratch;
    FILE *pmlog;             /* pm_files lines of the manifest, kept in a temporary file */
    int64_t step_ts, first_ts; /* first_ts: first sample time, -1 none yet */
    uint64_t pm_files, pm_late, pm_missing, pm_down;
    int err;
};

static uint64_t
s_h (uint64_t seed, const char *id, uint64_t a, uint64_t b)
{
    uint64_t h = vg_hash64 (id, strlen (id), seed);
    return vg_hash_mix64 (h ^ vg_hash_mix64 (a * 0x9e3779b97f4a7c15ULL + b));
}

static double
s_unit (uint64_t r)
{
    return (double) (r >> 11) * (1.0 / 9007199254740992.0);
}

int
vg_wire_pm_fate (uint64_t seed, const char *dev, int64_t rop_end_ms, int64_t *deliver_ms)
{
    /* Delivery: 90 s .. 6 min after the ROP; 3 % late (20-45 min); 0.5 % never, but never two
     * ROPs in a row of one gNB: the nuisance is a file lost now and then, which the silence
     * rule must tolerate; two in a row are 30 minutes without PM data, a real silence that
     * the labels would not name (seed 43 through the wire: a false A01). */
    double u = s_unit (s_h (seed, dev, (uint64_t) rop_end_ms, 1));
    double v = s_unit (s_h (seed, dev, (uint64_t) rop_end_ms, 2));
    double up = s_unit (s_h (seed, dev, (uint64_t) (rop_end_ms - ROP_MS), 1));
    int lost = u < 0.005, missing = lost && !(up < 0.005), late = !lost && u < 0.035;
    if (deliver_ms)
        *deliver_ms = rop_end_ms + (late ? (int64_t) (1200000 + v * 1500000) : (int64_t) (90000 + v * 270000));
    return missing ? VG_WIRE_PM_MISSING : late ? VG_WIRE_PM_LATE : VG_WIRE_PM_ON_TIME;
}

/* ---- sink ---------------------------------------------------------------------------- */

static s_dev_t *
s_find (vg_wire_t *w, const char *id)
{
    if (w->last < w->ndevs && (w->devs[w->last].id == id || strcmp (w->devs[w->last].id, id) == 0))
        return &w->devs[w->last];
    for (size_t i = 0; i < w->ndevs; i++)
        if (w->devs[i].id == id || strcmp (w->devs[i].id, id) == 0) {
            w->last = i;
            return &w->devs[i];
        }
    return NULL;
}

static int
s_on_device (void *ctx, const vg_device_t *d)
{
    vg_wire_t *w = ctx;
    if (s_find (w, d->id))
        return 0;
    if (vg_array_reserve ((void **) &w->devs, &w->cap, w->ndevs + 1, sizeof *w->devs) < 0)
        return -VG_ENOMEM;
    s_dev_t *x = &w->devs[w->ndevs];
    memset (x, 0, sizeof *x);
    x->id = d->id; /* the sim's devices live as long as the sim */
    x->vendor = d->vendor ? d->vendor : "";
    x->role = d->role ? d->role : "";
    x->sw = d->sw_version;
    snprintf (x->host, sizeof x->host, "%s", d->id);
    for (char *p = x->host; *p; p++)
        if (*p == '/')
            *p = '-';
    if (strcmp (x->role, "router") == 0 && strcmp (x->vendor, "Cisco") == 0)
        x->transport = T_MDT, w->nmdt++;
    else if (strcmp (x->role, "router") == 0 && strcmp (x->vendor, "Juniper") == 0)
        x->transport = T_JTI, w->njti++;
    else if (strcmp (x->role, "router") == 0 && strcmp (x->vendor, "Huawei") == 0)
        x->transport = T_UDPN, w->nun++;
    else if (strcmp (x->role, "gnb") == 0)
        x->transport = T_PM;
    x->ip = 0x0a010001u + (uint32_t) w->ndevs; /* 10.1.0.1 + n */
    x->rop = -1;
    x->jti.export_ip = NULL;
    x->un.odid = 0x01000000u + (uint32_t) w->ndevs;
    if (x->transport == T_UDPN)
        snprintf (x->wid, sizeof x->wid, "%u.%u.%u.%u", x->ip >> 24, (x->ip >> 16) & 0xff, (x->ip >> 8) & 0xff,
                  x->ip & 0xff);
    else
        snprintf (x->wid, sizeof x->wid, "%s", x->host);
    x->un.sub_id = 4;
    w->ndevs++;
    return 0;
}

static vg_wire_if_t *
s_if (s_dev_t *x, const vg_point_t *p)
{
    const char *name = NULL;
    for (size_t i = 0; i < p->nlabels; i++)
        if (strcmp (p->labels[i].key, "name") == 0)
            name = p->labels[i].value;
    if (!name)
        return NULL;
    for (size_t i = 0; i < x->r.nifs; i++)
        if (x->r.ifs[i].name == name || strcmp (x->r.ifs[i].name, name) == 0)
            return &x->r.ifs[i];
    if (x->r.nifs == VG_WIRE_MAX_IFS)
        return NULL;
    vg_wire_if_t *f = &x->r.ifs[x->r.nifs++];
    memset (f, 0, sizeof *f);
    f->name = name; /* series labels live as long as the sim */
    f->up = 1;
    return f;
}

static int
s_ends (const char *s, const char *suffix)
{
    size_t a = strlen (s), b = strlen (suffix);
    return a >= b && memcmp (s + a - b, suffix, b) == 0;
}

/* The interface leaves the encoders use: path suffix -> its double in vg_wire_if_t. */
static const struct {
    const char *suffix;
    size_t offset;
} s_if_leaves[] = {
    { "/in-octets", offsetof (vg_wire_if_t, in_octets) },
    { "/in-pkts", offsetof (vg_wire_if_t, in_pkts) },
    { "/out-octets", offsetof (vg_wire_if_t, out_octets) },
    { "/out-pkts", offsetof (vg_wire_if_t, out_pkts) },
    { "/in-errors", offsetof (vg_wire_if_t, in_errors) },
    { "/in-fcs-errors", offsetof (vg_wire_if_t, in_fcs_errors) },
    { "/in-discards", offsetof (vg_wire_if_t, in_discards) },
    { "/out-discards", offsetof (vg_wire_if_t, out_discards) },
    { "input-power/instant", offsetof (vg_wire_if_t, rx_dbm) },
    { "output-power/instant", offsetof (vg_wire_if_t, tx_dbm) },
};

static void
s_router_sample (s_dev_t *x, const vg_point_t *p)
{
    const char *path = p->path;
    if (strncmp (path, "/interfaces/", 12) == 0 || strncmp (path, "/components/component/transceiver", 33) == 0) {
        vg_wire_if_t *f = s_if (x, p);
        if (!f)
            return;
        if (s_ends (path, "/oper-status"))
            f->up = p->state && strcmp (p->state, "UP") == 0;
        for (size_t i = 0; i < sizeof s_if_leaves / sizeof s_if_leaves[0]; i++)
            if (s_ends (path, s_if_leaves[i].suffix)) {
                memcpy ((char *) f + s_if_leaves[i].offset, &p->value, sizeof p->value);
                break;
            }
    } else if (s_ends (path, "/cpu/utilization/state/instant"))
        x->r.cpu = p->value;
    else if (strcmp (path, "/system/memory/state/physical") == 0)
        x->r.mem_phys = p->value;
    else if (strcmp (path, "/system/memory/state/used") == 0)
        x->r.mem_used = p->value;
    else if (strcmp (path, "/system/state/boot-time") == 0)
        x->r.boot_ms = (int64_t) p->value;
}

/* ROP counter slot of a gNB counter path, or -1; gauge slot in *g (or -1). */
static int
s_gnb_slot (const char *path, int *g)
{
    static const char *const ctr[N_GCTR] = { "RRC.ConnEstabAtt", "RRC.ConnEstabSucc", "MM.HoExeInterReq",
                                             "MM.HoExeInterSucc", "MM.HoExeIntraReq", "MM.HoExeIntraSucc",
                                             "DRB.PdcpSduVolumeDL", "DRB.PdcpSduVolumeUL" };
    static const char *const gau[6] = { "RRU.PrbTotDl", "RRU.PrbTotUl", "RRC.ConnMean", "DRB.UEThpDl",
                                        "DRB.UEThpUl", "RRC.ConnMax" };
    *g = -1;
    for (int i = 0; i < N_GCTR; i++)
        if (strcmp (path, ctr[i]) == 0)
            return i;
    for (int i = 0; i < 6; i++)
        if (strcmp (path, gau[i]) == 0)
            *g = i;
    return -1;
}

/* Close x's ROP; final_ms: the end of the simulated range when closing at the end, else 0. */
static int s_rop_close (vg_wire_t *w, s_dev_t *x, int64_t final_ms);

static int
s_gnb_sample (vg_wire_t *w, s_dev_t *x, const vg_point_t *p)
{
    unsigned cell = 0;
    for (size_t i = 0; i < p->nlabels; i++)
        if (strcmp (p->labels[i].key, "cell") == 0)
            sscanf (p->labels[i].value, "NRCellDU=%u", &cell);
    if (cell == 0 || cell > VG_WIRE_MAX_CELLS)
        return 0;
    int64_t rop = (p->ts_ms - 1) / ROP_MS; /* a value at the ROP end belongs to it */
    if (x->rop >= 0 && rop != x->rop) {
        int64_t prev = x->rop;
        int rc = s_rop_close (w, x, 0);
        if (rc)
            return rc;
        if (rop > prev + 1) /* whole ROPs without a sample: down, no file */
            w->pm_down += (uint64_t) (rop - prev - 1);
    }
    x->rop = rop;
    if (p->ts_ms > x->rop_ts) {
        x->rop_ts = p->ts_ms;
        x->rop_steps++;
    }
    size_t c = cell - 1;
    if (c + 1 > x->ncells)
        x->ncells = c + 1;
    int g, k = s_gnb_slot (p->path, &g);
    if (k >= 0) {
        x->cur[c][k] = p->value;
        if (!(x->base_set[c] & 1))
            memcpy (x->base[c], x->cur[c], sizeof x->base[c]);
        if (k == N_GCTR - 1)
            x->base_set[c] |= 1; /* every counter of the cell seen once */
    } else if (g == 5) {
        x->gmax[c] = p->value > x->gmax[c] ? p->value : x->gmax[c];
    } else if (g >= 0) {
        x->gsum[c][g] += p->value;
        if (g == 2)
            x->gn[c]++;
    }
    return 0;
}

static int
s_on_sample (void *ctx, const vg_point_t *p)
{
    vg_wire_t *w = ctx;
    s_dev_t *x = s_find (w, p->device);
    if (!x || x->transport == T_NONE)
        return 0;
    x->seen = 1;
    x->ts_ms = p->ts_ms;
    if (w->first_ts < 0)
        w->first_ts = p->ts_ms;
    w->step_ts = p->ts_ms;
    if (x->transport == T_PM)
        return s_gnb_sample (w, x, p);
    s_router_sample (x, p);
    return 0;
}

static int
s_on_event (void *ctx, const vg_event_t *e)
{
    vg_wire_t *w = ctx;
    s_dev_t *x = s_find (w, e->device);
    if (x && e->type == VG_EV_REBOOT)
        x->reboot = 1;
    return 0;
}

vg_sink_t
vg_wire_sink (vg_wire_t *w)
{
    vg_sink_t s = { w, s_on_device, s_on_sample, s_on_event };
    return s;
}

/* ---- PM files ------------------------------------------------------------------------ */

static int
s_rop_close (vg_wire_t *w, s_dev_t *x, int64_t final_ms)
{
    vg_wire_rop_t r;
    memset (&r, 0, sizeof r);
    r.host = x->host;
    r.vendor = x->vendor;
    r.sw = x->sw;
    r.end_ms = (x->rop + 1) * ROP_MS;
    r.begin_ms = r.end_ms - ROP_MS;
    r.utc_offset_min = w->cfg.nokia_utc_offset_min;
    r.ncells = x->ncells;
    for (size_t c = 0; c < x->ncells; c++) {
        vg_wire_cell_t *cell = &r.cells[c];
        double d[N_GCTR];
        for (int k = 0; k < N_GCTR; k++) {
            d[k] = x->cur[c][k] - x->base[c][k];
            if (d[k] < 0) /* counter restart (reboot): count from zero */
                d[k] = x->cur[c][k];
        }
        double n = x->gn[c] ? x->gn[c] : 1;
        cell->id = (unsigned) c + 1;
        cell->rrc_att = d[0], cell->rrc_succ = d[1];
        cell->ho_inter_req = d[2], cell->ho_inter_succ = d[3];
        cell->ho_intra_req = d[4], cell->ho_intra_succ = d[5];
        cell->vol_dl_mbit = d[6], cell->vol_ul_mbit = d[7];
        cell->prb_dl = nearbyint (x->gsum[c][0] / n * 10) / 10;
        cell->prb_ul = nearbyint (x->gsum[c][1] / n * 10) / 10;
        cell->conn_mean = nearbyint (x->gsum[c][2] / n * 10) / 10;
        cell->thp_dl = nearbyint (x->gsum[c][3] / n);
        cell->thp_ul = nearbyint (x->gsum[c][4] / n);
        cell->conn_max = x->gmax[c];
        cell->samples = x->gn[c];
        memcpy (x->base[c], x->cur[c], sizeof x->base[c]);
        memset (x->gsum[c], 0, sizeof x->gsum[c]);
        x->gmax[c] = 0;
        x->gn[c] = 0;
    }
    x->rop = -1;
    int64_t last = x->rop_ts;
    unsigned steps = x->rop_steps;
    x->rop_ts = 0;
    x->rop_steps = 0;
    if (r.begin_ms < w->first_ts - w->cfg.interval_ms)
        return 0; /* the ROP before the first sample: nothing to report */
    /* A gNB writes a ROP's file when the ROP ends: one that is down (silent) then writes
     * none; one that came back during the ROP writes what it counted since, flagged
     * suspect.  The simulation's own first ROP is partial only because it starts there. */
    int64_t need = r.end_ms; /* the sample at the ROP's end */
    if (final_ms > 0 && final_ms - w->cfg.interval_ms < need)
        need = final_ms - w->cfg.interval_ms; /* the range ends first: its last step */
    if (last < need) {
        w->pm_down++;
        return 0;
    }
    r.suspect = r.begin_ms >= w->first_ts && (int64_t) steps * w->cfg.interval_ms < need - r.begin_ms;
    char name[256], path[900];
    if (vg_wire_pm_filename (&r, name, sizeof name) < 0)
        return -VG_EINVAL;
    int64_t deliver;
    int fate = vg_wire_pm_fate (w->cfg.seed, x->id, r.end_ms, &deliver);
    int missing = fate == VG_WIRE_PM_MISSING, late = fate == VG_WIRE_PM_LATE;
    fprintf (w->pmlog, "%s{\"file\":\"pm/%s\",\"device\":\"%s\",\"rop_end_ms\":%lld,\"deliver_ms\":%lld,"
             "\"late\":%d,\"missing\":%d}",
             w->pm_files + w->pm_missing ? ",\n    " : "    ", name, x->id, (long long) r.end_ms, (long long) deliver,
             late, missing);
    if (missing) {
        w->pm_missing++;
        return 0;
    }
    w->pm_late += (uint64_t) late;
    vg_buf_reset (&w->buf);
    int rc = vg_wire_pm_encode (&r, &w->buf);
    if (rc)
        return rc;
    snprintf (path, sizeof path, "%s/pm/%s", w->dir, name);
    FILE *f = fopen (path, "wb");
    if (!f)
        return -VG_EIO;
    int bad = fwrite (w->buf.data, 1, w->buf.len, f) != w->buf.len;
    bad |= fclose (f) != 0;
    if (bad)
        return -VG_EIO;
    struct timespec ts[2] = { { (time_t) (deliver / 1000), (long) (deliver % 1000) * 1000000L },
                              { (time_t) (deliver / 1000), (long) (deliver % 1000) * 1000000L } };
    utimensat (AT_FDCWD, path, ts, 0);
    w->pm_files++;
    return 0;
}

/* ---- routers ------------------------------------------------------------------------- */

/* Where a router's datagrams go: one capture, the router's source port, the collector's
 * port; each datagram is 30 us after the one before (*ts). */
typedef struct {
    vg_wire_pcap_t *pcap;
    uint32_t src_ip;
    uint16_t sport, dport;
    int64_t *ts;
} s_udp_to_t;

static int
s_udp_send (void *arg, const uint8_t *p, size_t len)
{
    s_udp_to_t *to = arg;
    int rc = vg_wire_pcap_udp (to->pcap, *to->ts, to->src_ip, to->sport, COLLECTOR_IP, to->dport, p, len);
    *to->ts += 30;
    return rc;
}

/* Background errors and discards on busy links: a steady trickle that is not an incident. */
static void
s_nuisance (vg_wire_t *w, s_dev_t *x, uint64_t step)
{
    /* A rate per minute (0.9 errors, 0.6 discards), whatever the step: three draws per
     * minute of samples, so 10-s samples do not carry six times the background. */
    double mins = (double) w->cfg.interval_ms / 60000.0;
    uint64_t draws = mins > 1 ? (uint64_t) fmin (8, ceil (3 * mins)) : 3; /* hash inputs step*8+j */
    double scale = 3 * mins / (double) draws;
    for (size_t i = 0; i < x->r.nifs; i++) {
        if (s_unit (s_h (w->cfg.seed, x->id, i, 0x6275)) >= 0.5)
            continue; /* half of the links are busy enough to show them */
        for (uint64_t j = 0; j < draws; j++) {
            x->bg_err[i] += s_unit (s_h (w->cfg.seed, x->id, i, step * 8 + j)) < 0.3 * scale;
            x->bg_disc[i] += s_unit (s_h (w->cfg.seed, x->id, i + 100, step * 8 + j)) < 0.2 * scale;
        }
    }
}

static int
s_router_flush (vg_wire_t *w, s_dev_t *x, size_t order, size_t n)
{
    int64_t iv = w->cfg.interval_ms;
    int64_t spacing_us = n ? (iv * 500 / (int64_t) n) : 1000;
    if (spacing_us > 1000000)
        spacing_us = 1000000;
    int64_t t = x->ts_ms * 1000 + 300000 + (int64_t) order * spacing_us;
    uint64_t step = (uint64_t) (x->ts_ms / (iv > 0 ? iv : 1));
    if (x->reboot) {
        memset (x->bg_err, 0, sizeof x->bg_err);
        memset (x->bg_disc, 0, sizeof x->bg_disc);
    }
    vg_wire_router_t r = x->r; /* the view keeps the sim's values; nuisance goes on a copy */
    r.host = x->host; /* here, not at creation: w->devs moves when it grows */
    r.ts_ms = x->ts_ms;
    s_nuisance (w, x, step);
    for (size_t i = 0; i < r.nifs; i++) {
        r.ifs[i].in_errors += x->bg_err[i];
        r.ifs[i].in_fcs_errors += x->bg_err[i];
        r.ifs[i].in_discards += x->bg_disc[i];
    }
    int rc = 0;
    if (x->transport == T_MDT) {
        if (x->reboot && x->tcp.open) /* the reload drops the session; the router dials again */
            rc = vg_wire_pcap_tcp_close (w->mdt, &x->tcp, t - 2000);
        if (rc == 0 && !x->tcp.open) {
            x->tcp.cli_ip = x->ip;
            x->tcp.srv_ip = COLLECTOR_IP;
            x->tcp.cli_port = (uint16_t) (40000 + (x->sessions++ * 97 + (uint16_t) (x->ip & 0xff)) % 20000);
            x->tcp.srv_port = w->cfg.mdt_port;
            rc = vg_wire_pcap_tcp_open (w->mdt, &x->tcp, t - 1000,
                                        (uint32_t) s_h (w->cfg.seed, x->id, x->sessions, 0x5359));
        }
        vg_buf_reset (&w->buf);
        if (rc == 0)
            rc = vg_wire_mdt_encode (&r, "vigil", &x->coll_id, w->cfg.mdt_encap, &w->buf);
        if (rc >= 0)
            rc = vg_wire_pcap_tcp_send (w->mdt, &x->tcp, t, w->buf.data, w->buf.len);
    } else if (x->transport == T_UDPN) {
        if (x->reboot)
            x->un.msg_id = 0;
        s_udp_to_t to = { w->un, x->ip, 10003, w->cfg.un_port, &t };
        rc = vg_wire_udpnotif_encode (&r, &x->un, &w->scratch, s_udp_send, &to);
    } else {
        if (x->reboot)
            x->jti.seq_ifd = x->jti.seq_mem = 0;
        char ip[20];
        snprintf (ip, sizeof ip, "10.1.%u.%u", (x->ip >> 8) & 0xff, x->ip & 0xff);
        x->jti.export_ip = ip;
        s_udp_to_t to = { w->jti, x->ip, 21000, w->cfg.jti_port, &t };
        rc = vg_wire_jti_encode (&r, &x->jti, &w->scratch, s_udp_send, &to);
        x->jti.export_ip = NULL;
        rc = rc < 0 ? rc : 0;
    }
    return rc < 0 ? rc : 0;
}

int
vg_wire_write_sim (vg_wire_t *w, vg_sim_t *sim, int64_t end_ms)
{
    vg_sink_t sink = vg_wire_sink (w);
    int rc = vg_sim_announce (sim, &sink);
    while (rc >= 0 && vg_sim_next_ts (sim) != INT64_MAX) {
        rc = vg_sim_step (sim, &sink);
        if (rc >= 0)
            rc = vg_wire_flush (w);
    }
    if (rc >= 0)
        rc = vg_wire_finish (w, end_ms);
    return rc < 0 ? rc : 0;
}

int
vg_wire_flush (vg_wire_t *w)
{
    size_t om = 0, oj = 0, ou = 0;
    for (size_t i = 0; i < w->ndevs && w->err == 0; i++) {
        s_dev_t *x = &w->devs[i];
        if (x->seen && x->transport == T_MDT)
            w->err = s_router_flush (w, x, om, w->nmdt);
        else if (x->seen && x->transport == T_JTI)
            w->err = s_router_flush (w, x, oj, w->njti);
        else if (x->seen && x->transport == T_UDPN)
            w->err = s_router_flush (w, x, ou, w->nun);
        om += x->transport == T_MDT;
        oj += x->transport == T_JTI;
        ou += x->transport == T_UDPN;
        x->seen = 0;
        x->reboot = 0;
    }
    return w->err;
}

/* ---- lifecycle ----------------------------------------------------------------------- */

vg_wire_t *
vg_wire_new (const vg_wire_cfg_t *cfg, int *err)
{
    int rc = -VG_ENOMEM;
    vg_wire_t *w = calloc (1, sizeof *w);
    if (!w)
        goto fail;
    w->cfg = *cfg;
    w->first_ts = -1;
    if (!w->cfg.mdt_encap)
        w->cfg.mdt_encap = VG_WIRE_MDT_JSON;
    if (!w->cfg.mdt_port)
        w->cfg.mdt_port = 57500;
    if (!w->cfg.jti_port)
        w->cfg.jti_port = 50000;
    if (!w->cfg.un_port)
        w->cfg.un_port = 10003;
    if (!w->cfg.interval_ms)
        w->cfg.interval_ms = 60000;
    rc = -VG_EIO;
    char path[600];
    snprintf (w->dir, sizeof w->dir, "%s", cfg->dir ? cfg->dir : ".");
    snprintf (path, sizeof path, "%s/pm", w->dir);
    if ((mkdir (w->dir, 0755) < 0 && errno != EEXIST) || (mkdir (path, 0755) < 0 && errno != EEXIST))
        goto fail;
    snprintf (path, sizeof path, "%s/mdt.pcap", w->dir);
    if (!(w->mdt = vg_wire_pcap_new (path)))
        goto fail;
    snprintf (path, sizeof path, "%s/jti.pcap", w->dir);
    if (!(w->jti = vg_wire_pcap_new (path)))
        goto fail;
    snprintf (path, sizeof path, "%s/udpnotif.pcap", w->dir);
    if (!(w->un = vg_wire_pcap_new (path)))
        goto fail;
    if (!(w->pmlog = tmpfile ()))
        goto fail;
    return w;
fail:
    vg_wire_destroy (&w);
    if (err)
        *err = rc;
    return NULL;
}

int
vg_wire_finish (vg_wire_t *w, int64_t end_ms)
{
    int rc = w->err;
    for (size_t i = 0; i < w->ndevs && rc == 0; i++) {
        s_dev_t *x = &w->devs[i];
        if (x->transport == T_PM && x->rop >= 0) {
            int64_t prev = x->rop, lastrop = end_ms / ROP_MS - 1; /* the last ROP that ended */
            rc = s_rop_close (w, x, end_ms);
            if (lastrop > prev)
                w->pm_down += (uint64_t) (lastrop - prev);
        }
        if (x->transport == T_MDT && rc == 0)
            rc = vg_wire_pcap_tcp_close (w->mdt, &x->tcp, end_ms * 1000 + 500000 + (int64_t) i * 1000);
    }
    int r1 = vg_wire_pcap_destroy (&w->mdt), r2 = vg_wire_pcap_destroy (&w->jti), r3 = vg_wire_pcap_destroy (&w->un);
    if (rc == 0)
        rc = r1 ? r1 : r2 ? r2 : r3;
    if (rc)
        return rc;
    char path[600];
    snprintf (path, sizeof path, "%s/manifest.json", w->dir);
    FILE *f = fopen (path, "w");
    if (!f)
        return -VG_EIO;
    fprintf (f, "{\n  \"format\": \"vigil-wire/1\",\n  \"interval_ms\": %lld,\n  \"rop_ms\": %lld,\n"
                "  \"end_ms\": %lld,\n  \"collector_ip\": \"10.250.9.1\",\n"
                "  \"mdt\": {\"file\": \"mdt.pcap\", \"port\": %u, \"encoding\": \"%s\"},\n"
                "  \"jti\": {\"file\": \"jti.pcap\", \"port\": %u},\n"
                "  \"udp_notif\": {\"file\": \"udpnotif.pcap\", \"port\": %u},\n"
                "  \"pm\": {\"dir\": \"pm\", \"files\": %llu, \"late\": %llu, \"missing\": %llu, \"down\": %llu},\n  \"devices\": [\n",
             (long long) w->cfg.interval_ms, ROP_MS, (long long) end_ms, w->cfg.mdt_port,
             w->cfg.mdt_encap == VG_WIRE_MDT_KVGPB ? "kvgpb" : "json", w->cfg.jti_port, w->cfg.un_port,
             (unsigned long long) w->pm_files, (unsigned long long) w->pm_late, (unsigned long long) w->pm_missing,
             (unsigned long long) w->pm_down);
    for (size_t i = 0; i < w->ndevs; i++) {
        const s_dev_t *x = &w->devs[i];
        fprintf (f, "    {\"sim\": \"%s\", \"wire\": \"%s\", \"vendor\": \"%s\", \"role\": \"%s\", \"transport\": \"%s\"}%s\n",
                 x->id, x->transport == T_NONE ? "" : x->wid, x->vendor, x->role, s_tname[x->transport],
                 i + 1 < w->ndevs ? "," : "");
    }
    fprintf (f, "  ],\n  \"pm_files\": [\n");
    rewind (w->pmlog);
    char chunk[8192];
    size_t n;
    while ((n = fread (chunk, 1, sizeof chunk, w->pmlog)) > 0)
        fwrite (chunk, 1, n, f);
    fprintf (f, "\n  ]\n}\n");
    int bad = ferror (f) || ferror (w->pmlog);
    bad |= fclose (f) != 0;
    return bad ? -VG_EIO : 0;
}

void
vg_wire_destroy (vg_wire_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_wire_t *w = *self_p;
    vg_wire_pcap_destroy (&w->mdt);
    vg_wire_pcap_destroy (&w->jti);
    vg_wire_pcap_destroy (&w->un);
    if (w->pmlog)
        fclose (w->pmlog);
    vg_buf_free (&w->buf);
    vg_buf_free (&w->scratch);
    free (w->devs);
    free (w);
    *self_p = NULL;
}
