/* pcap_replay.c - link/IP/UDP/TCP parsing and per-4-tuple TCP reassembly for replay.
 *
 * Invariants: no read past a packet's captured length; at most max_streams TCP streams,
 * each holding at most max_stream_buf out-of-order bytes; a stream's bytes are delivered
 * exactly once, in sequence order; libpcap is open only while a replay runs. */
#include "decode/pcap_replay.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/byteorder.h"
#include "common/dynlib.h"
#include "common/err.h"

#ifndef VG_PCAP_SONAME
#define VG_PCAP_SONAME "libpcap.so.0.8"
#endif

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

typedef struct s_seg {
    struct s_seg *next;
    uint32_t seq;
    size_t len;
    uint8_t data[];
} s_seg_t;

typedef struct {
    int used;
    int family;
    uint8_t saddr[16], daddr[16];
    uint16_t sport, dport;
    uint64_t id;
    uint64_t age;
    int have_seq, opened, fin;
    uint32_t next_seq, fin_seq;
    s_seg_t *ooo;            /* sorted by seq */
    size_t ooo_bytes;
    const vg_pcap_port_t *port;
    char src[64], dst[64];
} s_stream_t;

/* libpcap, opened for the length of one replay (common/dynlib.h), not linked: a process that
 * replays no capture never loads it (nor D-Bus, libsystemd and libgcrypt through it). */
typedef struct {
    void *handle;
    __typeof__ (pcap_open_offline) *open_offline;
    __typeof__ (pcap_fopen_offline) *fopen_offline;
    __typeof__ (pcap_next_ex) *next_ex;
    __typeof__ (pcap_datalink) *datalink;
    __typeof__ (pcap_geterr) *geterr;
    __typeof__ (pcap_close) *close;
} s_pcap_api_t;

#define S_SYM(fn) { "pcap_" #fn, offsetof (s_pcap_api_t, fn) }
static const vg_dynlib_sym_t s_pcap_syms[] = {
    S_SYM (open_offline), S_SYM (fopen_offline), S_SYM (next_ex),
    S_SYM (datalink),     S_SYM (geterr),        S_SYM (close),
};
#undef S_SYM

/* Open libpcap into api; 0, or -VG_EUNSUPP with the reason in st. */
static int
s_pcap_load (s_pcap_api_t *api, vg_pcap_stats_t *st)
{
    static const char *const sonames[] = { VG_PCAP_SONAME, "libpcap.so", NULL };
    memset (api, 0, sizeof *api);
    api->handle = vg_dynlib_open (sonames, s_pcap_syms, sizeof s_pcap_syms / sizeof s_pcap_syms[0], api, false,
                                  st->last_error, sizeof st->last_error);
    return api->handle ? 0 : -VG_EUNSUPP;
}

typedef struct {
    const vg_pcap_cfg_t *cfg;
    vg_pcap_stats_t *st;
    s_stream_t *streams;
    size_t max_streams, max_buf;
    uint64_t next_id, clock;
    int64_t last_ts;
    int linktype;
} s_replay_t;

void
vg_pcap_sleep_real (void *arg, int64_t usec)
{
    (void) arg;
    if (usec <= 0)
        return;
    struct timespec ts = { (time_t) (usec / 1000000), (long) (usec % 1000000) * 1000 };
    while (nanosleep (&ts, &ts) != 0)
        ;
}

static void
s_addr_text (int family, const uint8_t *a, uint16_t port, char *out, size_t size)
{
    char ip[INET6_ADDRSTRLEN];
    if (!inet_ntop (family, a, ip, sizeof ip))
        snprintf (ip, sizeof ip, "?");
    if (family == AF_INET6)
        snprintf (out, size, "[%s]:%u", ip, port);
    else
        snprintf (out, size, "%s:%u", ip, port);
}

static const vg_pcap_port_t *
s_port (const vg_pcap_cfg_t *cfg, int proto, uint16_t dport)
{
    for (size_t i = 0; i < cfg->nports; i++)
        if (cfg->ports[i].port == dport && (cfg->ports[i].proto == 0 || cfg->ports[i].proto == proto))
            return &cfg->ports[i];
    return NULL;
}

static int
s_deliver (s_replay_t *r, const vg_pcap_port_t *pt, vg_pcap_pkt_t *pk, const uint8_t *d, size_t n)
{
    r->st->delivered++;
    r->st->delivered_bytes += n;
    return pt->fn (pt->arg, pk, d, n);
}

/* ---------------------------------------------------------------------------------------
 * TCP */

static void
s_stream_pkt (s_stream_t *s, vg_pcap_pkt_t *pk, int64_t ts)
{
    memset (pk, 0, sizeof *pk);
    pk->proto = VG_PCAP_PROTO_TCP;
    pk->src = s->src;
    pk->dst = s->dst;
    pk->sport = s->sport;
    pk->dport = s->dport;
    pk->ts_us = ts;
    pk->stream_id = s->id;
}

static int
s_stream_data (s_replay_t *r, s_stream_t *s, int64_t ts, unsigned flags, const uint8_t *d, size_t n)
{
    if (n == 0)
        return 0;
    vg_pcap_pkt_t pk;
    s_stream_pkt (s, &pk, ts);
    pk.flags = flags | (s->opened ? 0 : VG_PCAP_F_OPEN);
    s->opened = 1;
    s->next_seq += (uint32_t) n;
    return s_deliver (r, s->port, &pk, d, n);
}

/* Deliver buffered segments that became contiguous. */
static int
s_stream_drain (s_replay_t *r, s_stream_t *s, int64_t ts)
{
    int rc = 0;
    while (rc == 0 && s->ooo) {
        s_seg_t *g = s->ooo;
        int32_t rel = (int32_t) (g->seq - s->next_seq);
        if (rel > 0)
            break;
        s->ooo = g->next;
        s->ooo_bytes -= g->len;
        size_t skip = (size_t) (-(int64_t) rel);
        if (skip < g->len)
            rc = s_stream_data (r, s, ts, 0, g->data + skip, g->len - skip);
        free (g);
    }
    return rc;
}

/* Give up waiting for missing bytes: jump to the first buffered segment. */
static int
s_stream_skip_gap (s_replay_t *r, s_stream_t *s, int64_t ts)
{
    if (!s->ooo)
        return 0;
    r->st->tcp_gaps++;
    s_seg_t *g = s->ooo;
    s->ooo = g->next;
    s->ooo_bytes -= g->len;
    s->next_seq = g->seq;
    int rc = s_stream_data (r, s, ts, VG_PCAP_F_GAP, g->data, g->len);
    free (g);
    return rc ? rc : s_stream_drain (r, s, ts);
}

static int
s_stream_close (s_replay_t *r, s_stream_t *s, int64_t ts)
{
    int rc = 0;
    while (rc == 0 && s->ooo)
        rc = s_stream_skip_gap (r, s, ts);
    while (s->ooo) {
        s_seg_t *g = s->ooo;
        s->ooo = g->next;
        free (g);
    }
    if (rc == 0 && s->opened) {
        vg_pcap_pkt_t pk;
        s_stream_pkt (s, &pk, ts);
        pk.flags = VG_PCAP_F_CLOSE;
        rc = s->port->fn (s->port->arg, &pk, NULL, 0);
    }
    s->used = 0;
    s->ooo_bytes = 0;
    return rc;
}

static s_stream_t *
s_stream_find (s_replay_t *r, int family, const uint8_t *sa, const uint8_t *da, uint16_t sp, uint16_t dp,
               int create, const vg_pcap_port_t *pt, int64_t ts, int *rc)
{
    size_t alen = family == AF_INET6 ? 16 : 4;
    s_stream_t *free_s = NULL, *old = NULL;
    for (size_t i = 0; i < r->max_streams; i++) {
        s_stream_t *s = &r->streams[i];
        if (!s->used) {
            if (!free_s)
                free_s = s;
            continue;
        }
        if (s->family == family && s->sport == sp && s->dport == dp && memcmp (s->saddr, sa, alen) == 0
            && memcmp (s->daddr, da, alen) == 0) {
            s->age = ++r->clock;
            return s;
        }
        if (!old || s->age < old->age)
            old = s;
    }
    if (!create)
        return NULL;
    if (!free_s) {
        r->st->tcp_evicted++;
        *rc = s_stream_close (r, old, ts);
        free_s = old;
    }
    s_stream_t *s = free_s;
    memset (s, 0, sizeof *s);
    s->used = 1;
    s->family = family;
    memcpy (s->saddr, sa, alen);
    memcpy (s->daddr, da, alen);
    s->sport = sp;
    s->dport = dp;
    s->id = ++r->next_id;
    s->age = ++r->clock;
    s->port = pt;
    s_addr_text (family, sa, sp, s->src, sizeof s->src);
    s_addr_text (family, da, dp, s->dst, sizeof s->dst);
    r->st->tcp_streams++;
    return s;
}

static int
s_tcp (s_replay_t *r, int family, const uint8_t *sa, const uint8_t *da, const uint8_t *t, size_t n, int64_t ts)
{
    if (n < 20) {
        r->st->truncated++;
        return 0;
    }
    r->st->tcp++;
    uint16_t sp = vg_get_be16 (t), dp = vg_get_be16 (t + 2);
    uint32_t seq = vg_get_be32 (t + 4);
    size_t off = (size_t) (t[12] >> 4) * 4;
    uint8_t fl = t[13];
    int syn = fl & 0x02, fin = fl & 0x01, rst = fl & 0x04;
    if (off < 20 || off > n) {
        r->st->truncated++;
        return 0;
    }
    const vg_pcap_port_t *pt = s_port (r->cfg, VG_PCAP_PROTO_TCP, dp);
    if (!pt) {
        r->st->unmapped++;
        return 0;
    }
    const uint8_t *d = t + off;
    size_t dn = n - off;
    int rc = 0;
    s_stream_t *s = s_stream_find (r, family, sa, da, sp, dp, syn || dn > 0 || fin, pt, ts, &rc);
    if (rc || !s)
        return rc;
    if (syn) {
        /* A new SYN on a known tuple restarts the stream. */
        if (s->have_seq && s->opened) {
            rc = s_stream_close (r, s, ts);
            if (rc)
                return rc;
            s = s_stream_find (r, family, sa, da, sp, dp, 1, pt, ts, &rc);
            if (rc || !s)
                return rc;
        }
        s->have_seq = 1;
        s->next_seq = seq + 1;
        seq++;
    } else if (!s->have_seq) {
        s->have_seq = 1;     /* capture started mid-stream */
        s->next_seq = seq;
    }
    if (fin) {
        s->fin = 1;
        s->fin_seq = seq + (uint32_t) dn;
    }
    if (dn > 0) {
        int32_t rel = (int32_t) (seq - s->next_seq);
        if (rel <= 0) {
            size_t skip = (size_t) (-(int64_t) rel);
            if (skip >= dn)
                r->st->tcp_retransmits++;
            else {
                if (skip)
                    r->st->tcp_retransmits++;
                rc = s_stream_data (r, s, ts, 0, d + skip, dn - skip);
                if (rc == 0)
                    rc = s_stream_drain (r, s, ts);
            }
        } else {
            r->st->tcp_out_of_order++;
            /* Insert sorted; drop exact duplicates. */
            s_seg_t **pp = &s->ooo;
            while (*pp && (int32_t) ((*pp)->seq - seq) < 0)
                pp = &(*pp)->next;
            if (*pp && (*pp)->seq == seq && (*pp)->len >= dn)
                r->st->tcp_retransmits++;
            else {
                s_seg_t *g = malloc (sizeof *g + dn);
                if (!g) {
                    snprintf (r->st->last_error, sizeof r->st->last_error, "out of memory buffering TCP");
                    return -VG_ENOMEM;
                }
                g->seq = seq;
                g->len = dn;
                memcpy (g->data, d, dn);
                g->next = *pp;
                *pp = g;
                s->ooo_bytes += dn;
            }
            while (rc == 0 && s->ooo_bytes > r->max_buf)
                rc = s_stream_skip_gap (r, s, ts);
        }
    }
    if (rc)
        return rc;
    if (rst || (s->fin && (int32_t) (s->next_seq - s->fin_seq) >= 0))
        rc = s_stream_close (r, s, ts);
    return rc;
}

/* ---------------------------------------------------------------------------------------
 * UDP, IP, link */

static int
s_udp (s_replay_t *r, int family, const uint8_t *sa, const uint8_t *da, const uint8_t *u, size_t n, int64_t ts)
{
    if (n < 8) {
        r->st->truncated++;
        return 0;
    }
    r->st->udp++;
    uint16_t sp = vg_get_be16 (u), dp = vg_get_be16 (u + 2), ul = vg_get_be16 (u + 4);
    if (ul < 8 || ul > n) {
        r->st->truncated++;
        return 0;
    }
    const vg_pcap_port_t *pt = s_port (r->cfg, VG_PCAP_PROTO_UDP, dp);
    if (!pt) {
        r->st->unmapped++;
        return 0;
    }
    char src[64], dst[64];
    s_addr_text (family, sa, sp, src, sizeof src);
    s_addr_text (family, da, dp, dst, sizeof dst);
    vg_pcap_pkt_t pk = { VG_PCAP_PROTO_UDP, src, dst, sp, dp, ts, 0, 0 };
    return s_deliver (r, pt, &pk, u + 8, (size_t) ul - 8);
}

static int
s_transport (s_replay_t *r, int family, const uint8_t *sa, const uint8_t *da, int proto, const uint8_t *p,
             size_t n, int64_t ts)
{
    if (proto == 17)
        return s_udp (r, family, sa, da, p, n, ts);
    if (proto == 6)
        return s_tcp (r, family, sa, da, p, n, ts);
    r->st->unsupported++;
    return 0;
}

static int
s_ip (s_replay_t *r, const uint8_t *p, size_t n, int64_t ts)
{
    if (n < 1) {
        r->st->truncated++;
        return 0;
    }
    int v = p[0] >> 4;
    if (v == 4) {
        if (n < 20) {
            r->st->truncated++;
            return 0;
        }
        size_t ihl = (size_t) (p[0] & 15) * 4, tot = vg_get_be16 (p + 2);
        if (ihl < 20 || tot < ihl || tot > n) {
            r->st->truncated++;
            return 0;
        }
        uint16_t frag = vg_get_be16 (p + 6);
        if (frag & 0x3FFF) {          /* MF set or non-zero offset */
            r->st->fragments++;
            return 0;
        }
        return s_transport (r, AF_INET, p + 12, p + 16, p[9], p + ihl, tot - ihl, ts);
    }
    if (v == 6) {
        if (n < 40) {
            r->st->truncated++;
            return 0;
        }
        size_t plen = vg_get_be16 (p + 4);
        if (plen == 0 || 40 + plen > n) {
            r->st->truncated++;       /* jumbograms are not supported either */
            return 0;
        }
        int nh = p[6];
        size_t o = 40, end = 40 + plen;
        for (int hops = 0; hops < 8; hops++) {
            if (nh == 0 || nh == 43 || nh == 60 || nh == 51) {
                if (end - o < 8) {
                    r->st->truncated++;
                    return 0;
                }
                size_t hl = nh == 51 ? ((size_t) p[o + 1] + 2) * 4 : ((size_t) p[o + 1] + 1) * 8;
                nh = p[o];
                if (hl > end - o) {
                    r->st->truncated++;
                    return 0;
                }
                o += hl;
            } else if (nh == 44) {
                if (end - o < 8) {
                    r->st->truncated++;
                    return 0;
                }
                if (vg_get_be16 (p + o + 2) & 0xFFF9) {
                    r->st->fragments++;
                    return 0;
                }
                nh = p[o];
                o += 8;
            } else
                break;
        }
        return s_transport (r, AF_INET6, p + 8, p + 24, nh, p + o, end - o, ts);
    }
    r->st->non_ip++;
    return 0;
}

static int
s_ethertype (s_replay_t *r, uint16_t et, const uint8_t *p, size_t n, int64_t ts)
{
    if (et == 0x0800 || et == 0x86DD)
        return s_ip (r, p, n, ts);
    r->st->non_ip++;
    return 0;
}

static int
s_packet (s_replay_t *r, const uint8_t *p, size_t n, int64_t ts)
{
    switch (r->linktype) {
    case DLT_EN10MB: {
        if (n < 14)
            break;
        size_t o = 12;
        uint16_t et = vg_get_be16 (p + o);
        o += 2;
        for (int tags = 0; tags < 3 && (et == 0x8100 || et == 0x88A8 || et == 0x9100); tags++) {
            if (n - o < 4) {
                r->st->truncated++;
                return 0;
            }
            et = vg_get_be16 (p + o + 2);
            o += 4;
        }
        return s_ethertype (r, et, p + o, n - o, ts);
    }
    case DLT_LINUX_SLL:
        if (n < 16)
            break;
        return s_ethertype (r, vg_get_be16 (p + 14), p + 16, n - 16, ts);
    case DLT_LINUX_SLL2:
        if (n < 20)
            break;
        return s_ethertype (r, vg_get_be16 (p), p + 20, n - 20, ts);
    case DLT_NULL:
    case DLT_LOOP:
        if (n < 4)
            break;
        return s_ip (r, p + 4, n - 4, ts);
    default:   /* DLT_RAW, DLT_IPV4, DLT_IPV6 */
        return s_ip (r, p, n, ts);
    }
    r->st->truncated++;
    return 0;
}

static int
s_link_ok (int lt)
{
    return lt == DLT_EN10MB || lt == DLT_LINUX_SLL || lt == DLT_LINUX_SLL2 || lt == DLT_NULL || lt == DLT_LOOP
           || lt == DLT_RAW
#ifdef DLT_IPV4
           || lt == DLT_IPV4 || lt == DLT_IPV6
#endif
           || lt == 101 /* LINKTYPE_RAW, in case the library does not map it */;
}

static int
s_run (const s_pcap_api_t *api, pcap_t *pc, const vg_pcap_cfg_t *cfg, vg_pcap_stats_t *st)
{
    s_replay_t r;
    memset (&r, 0, sizeof r);
    r.cfg = cfg;
    r.st = st;
    r.linktype = api->datalink (pc);
    r.max_streams = cfg->max_streams ? cfg->max_streams : 256;
    r.max_buf = cfg->max_stream_buf ? cfg->max_stream_buf : (4u << 20);
    if (!s_link_ok (r.linktype)) {
        snprintf (st->last_error, sizeof st->last_error, "unsupported link type %d", r.linktype);
        return -VG_EUNSUPP;
    }
    r.streams = calloc (r.max_streams, sizeof *r.streams);
    if (!r.streams) {
        snprintf (st->last_error, sizeof st->last_error, "out of memory");
        return -VG_ENOMEM;
    }
    int rc = 0;
    int64_t ts = 0, prev = -1;
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int k = api->next_ex (pc, &h, &data);
        if (k == -2)
            break;
        if (k != 1) {
            snprintf (st->last_error, sizeof st->last_error, "read error: %.120s", api->geterr (pc));
            rc = -VG_EIO;
            break;
        }
        ts = (int64_t) h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        if (cfg->speed > 0 && prev >= 0 && ts > prev) {
            int64_t d = (int64_t) ((double) (ts - prev) / cfg->speed);
            if (cfg->max_sleep_us > 0 && d > cfg->max_sleep_us)
                d = cfg->max_sleep_us;
            if (d > 0) {
                cfg->sleep_us (cfg->sleep_arg, d);
                st->slept_us += (uint64_t) d;
            }
        }
        if (ts > prev)
            prev = ts;
        st->packets++;
        st->bytes += h->caplen;
        if (h->caplen < h->len) {
            st->truncated++;
            continue;
        }
        rc = s_packet (&r, data, h->caplen, ts);
        if (rc)
            break;
    }
    /* End of capture: flush and close open streams. */
    for (size_t i = 0; i < r.max_streams; i++)
        if (r.streams[i].used) {
            int c = rc ? 0 : s_stream_close (&r, &r.streams[i], ts);
            if (rc) {
                while (r.streams[i].ooo) {
                    s_seg_t *g = r.streams[i].ooo;
                    r.streams[i].ooo = g->next;
                    free (g);
                }
                r.streams[i].used = 0;
            }
            if (c && !rc)
                rc = c;
        }
    free (r.streams);
    return rc;
}

static int
s_check_cfg (const vg_pcap_cfg_t *cfg, vg_pcap_stats_t *st)
{
    if (!cfg || (cfg->nports && !cfg->ports) || (cfg->speed > 0 && !cfg->sleep_us) || cfg->speed < 0) {
        snprintf (st->last_error, sizeof st->last_error, "bad replay configuration");
        return -VG_EINVAL;
    }
    for (size_t i = 0; i < cfg->nports; i++)
        if (!cfg->ports[i].fn) {
            snprintf (st->last_error, sizeof st->last_error, "port %u has no callback", cfg->ports[i].port);
            return -VG_EINVAL;
        }
    return 0;
}

int
vg_pcap_replay_file (const char *path, const vg_pcap_cfg_t *cfg, vg_pcap_stats_t *st)
{
    int rc = s_check_cfg (cfg, st);
    s_pcap_api_t api;
    if (rc || (rc = s_pcap_load (&api, st)) < 0)
        return rc;
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = api.open_offline (path, err);
    if (!pc) {
        snprintf (st->last_error, sizeof st->last_error, "%.150s", err);
        rc = -VG_EIO;
    } else {
        rc = s_run (&api, pc, cfg, st);
        api.close (pc);
    }
    vg_dynlib_close (&api.handle);
    return rc;
}

int
vg_pcap_replay_mem (const uint8_t *data, size_t len, const vg_pcap_cfg_t *cfg, vg_pcap_stats_t *st)
{
    int rc = s_check_cfg (cfg, st);
    if (rc)
        return rc;
    if (len == 0) {
        snprintf (st->last_error, sizeof st->last_error, "empty capture");
        return -VG_EIO;
    }
    s_pcap_api_t api;
    if ((rc = s_pcap_load (&api, st)) < 0)
        return rc;
    FILE *f = fmemopen ((void *) data, len, "rb");
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = f ? api.fopen_offline (f, err) : NULL;
    if (!pc) {
        if (f)
            fclose (f);
        snprintf (st->last_error, sizeof st->last_error, "%.150s", f ? err : "fmemopen failed");
        rc = -VG_EIO;
    } else {
        rc = s_run (&api, pc, cfg, st);
        api.close (pc); /* closes f */
    }
    vg_dynlib_close (&api.handle);
    return rc;
}
