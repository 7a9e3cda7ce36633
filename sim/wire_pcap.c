/* wire_pcap.c - classic pcap writer with Ethernet/IPv4/UDP|TCP framing (see wire_pcap.h).
 * Checksums (IPv4 header, UDP and TCP with the pseudo-header) are computed, so the packets
 * are what a capture on a real link would hold.  MAC addresses are derived from the IPs. */
#include "sim/wire_pcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/byteorder.h"
#include "common/err.h"

#define S_SNAPLEN 262144u
#define S_MSS 1448u
#define S_ETH 14u
#define S_IP 20u
#define S_TCP 20u
#define S_UDP 8u
enum { F_FIN = 0x01, F_SYN = 0x02, F_PSH = 0x08, F_ACK = 0x10 };

struct vg_wire_pcap {
    FILE *f;
    int bad;
    uint64_t packets;
    uint16_t ip_id;
    uint8_t pkt[S_ETH + S_IP + S_TCP + 65536];
};

static uint32_t
s_sum (uint32_t acc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t) (p[i] << 8 | p[i + 1]);
    if (n & 1)
        acc += (uint32_t) p[n - 1] << 8;
    return acc;
}

static uint16_t
s_fold (uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t) ~acc;
}

static void
s_mac (uint8_t *p, uint32_t ip)
{
    p[0] = 0x02; /* locally administered */
    p[1] = 0x00;
    vg_be32 (p + 2, ip);
}

vg_wire_pcap_t *
vg_wire_pcap_new (const char *path)
{
    vg_wire_pcap_t *w = calloc (1, sizeof *w);
    if (!w)
        return NULL;
    w->f = fopen (path, "wb");
    if (!w->f) {
        free (w);
        return NULL;
    }
    uint8_t h[24];
    vg_le32 (h, 0xa1b2c3d4u); /* microsecond resolution */
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0;
    memset (h + 8, 0, 8);
    vg_le32 (h + 16, S_SNAPLEN);
    vg_le32 (h + 20, 1); /* LINKTYPE_ETHERNET */
    if (fwrite (h, 1, sizeof h, w->f) != sizeof h)
        w->bad = 1;
    return w;
}

int
vg_wire_pcap_destroy (vg_wire_pcap_t **self_p)
{
    if (!self_p || !*self_p)
        return 0;
    vg_wire_pcap_t *w = *self_p;
    int bad = w->bad;
    if (fclose (w->f) != 0)
        bad = 1;
    free (w);
    *self_p = NULL;
    return bad ? -VG_EIO : 0;
}

uint64_t
vg_wire_pcap_packets (const vg_wire_pcap_t *w)
{
    return w->packets;
}

/* Frame the IPv4 packet whose transport header + payload (tlen bytes) already sit at
 * w->pkt + S_ETH + S_IP, fill the checksums and write the record. */
static int
s_emit (vg_wire_pcap_t *w, int64_t ts_us, int proto, uint32_t sip, uint32_t dip, size_t tlen)
{
    uint8_t *e = w->pkt, *ip = e + S_ETH, *tp = ip + S_IP;
    s_mac (e, dip);
    s_mac (e + 6, sip);
    vg_be16 (e + 12, 0x0800);
    memset (ip, 0, S_IP);
    ip[0] = 0x45;
    vg_be16 (ip + 2, (uint16_t) (S_IP + tlen));
    vg_be16 (ip + 4, w->ip_id++);
    vg_be16 (ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = (uint8_t) proto;
    vg_be32 (ip + 12, sip);
    vg_be32 (ip + 16, dip);
    vg_be16 (ip + 10, s_fold (s_sum (0, ip, S_IP)));
    uint8_t pseudo[12];
    vg_be32 (pseudo, sip);
    vg_be32 (pseudo + 4, dip);
    pseudo[8] = 0;
    pseudo[9] = (uint8_t) proto;
    vg_be16 (pseudo + 10, (uint16_t) tlen);
    size_t ck = proto == 17 ? 6 : 16;
    tp[ck] = tp[ck + 1] = 0;
    uint16_t c = s_fold (s_sum (s_sum (0, pseudo, sizeof pseudo), tp, tlen));
    if (proto == 17 && c == 0)
        c = 0xffff;
    vg_be16 (tp + ck, c);
    size_t n = S_ETH + S_IP + tlen;
    uint8_t rh[16];
    vg_le32 (rh, (uint32_t) (ts_us / 1000000));
    vg_le32 (rh + 4, (uint32_t) (ts_us % 1000000));
    vg_le32 (rh + 8, (uint32_t) n);
    vg_le32 (rh + 12, (uint32_t) n);
    if (fwrite (rh, 1, sizeof rh, w->f) != sizeof rh || fwrite (w->pkt, 1, n, w->f) != n) {
        w->bad = 1;
        return -VG_EIO;
    }
    w->packets++;
    return 0;
}

int
vg_wire_pcap_udp (vg_wire_pcap_t *w, int64_t ts_us, uint32_t src_ip, uint16_t sport, uint32_t dst_ip,
                  uint16_t dport, const uint8_t *data, size_t len)
{
    if (len > 65507 || ts_us < 0)
        return -VG_EINVAL;
    uint8_t *u = w->pkt + S_ETH + S_IP;
    vg_be16 (u, sport);
    vg_be16 (u + 2, dport);
    vg_be16 (u + 4, (uint16_t) (S_UDP + len));
    if (len)
        memcpy (u + S_UDP, data, len);
    return s_emit (w, ts_us, 17, src_ip, dst_ip, S_UDP + len);
}

/* One TCP segment; from_cli selects the direction. */
static int
s_seg (vg_wire_pcap_t *w, vg_wire_tcp_t *t, int64_t ts_us, int from_cli, unsigned flags, const uint8_t *data,
       size_t len)
{
    uint8_t *h = w->pkt + S_ETH + S_IP;
    uint32_t *seq = from_cli ? &t->cli_seq : &t->srv_seq, ack = from_cli ? t->srv_seq : t->cli_seq;
    vg_be16 (h, from_cli ? t->cli_port : t->srv_port);
    vg_be16 (h + 2, from_cli ? t->srv_port : t->cli_port);
    vg_be32 (h + 4, *seq);
    vg_be32 (h + 8, (flags & F_ACK) ? ack : 0);
    h[12] = (S_TCP / 4) << 4;
    h[13] = (uint8_t) flags;
    vg_be16 (h + 14, 64240);
    h[16] = h[17] = h[18] = h[19] = 0;
    if (len)
        memcpy (h + S_TCP, data, len);
    *seq += (uint32_t) len + ((flags & (F_SYN | F_FIN)) ? 1u : 0u);
    return from_cli ? s_emit (w, ts_us, 6, t->cli_ip, t->srv_ip, S_TCP + len)
                    : s_emit (w, ts_us, 6, t->srv_ip, t->cli_ip, S_TCP + len);
}

int
vg_wire_pcap_tcp_open (vg_wire_pcap_t *w, vg_wire_tcp_t *t, int64_t ts_us, uint32_t isn)
{
    t->cli_seq = isn;
    t->srv_seq = isn * 2654435761u;
    int rc = s_seg (w, t, ts_us, 1, F_SYN, NULL, 0);
    if (rc == 0)
        rc = s_seg (w, t, ts_us + 100, 0, F_SYN | F_ACK, NULL, 0);
    if (rc == 0)
        rc = s_seg (w, t, ts_us + 200, 1, F_ACK, NULL, 0);
    t->open = rc == 0;
    return rc;
}

int
vg_wire_pcap_tcp_send (vg_wire_pcap_t *w, vg_wire_tcp_t *t, int64_t ts_us, const uint8_t *data, size_t len)
{
    if (!t->open)
        return -VG_EINVAL;
    size_t off = 0;
    while (off < len) {
        size_t n = len - off > S_MSS ? S_MSS : len - off;
        int rc = s_seg (w, t, ts_us, 1, F_ACK | (off + n == len ? F_PSH : 0), data + off, n);
        if (rc == 0)
            rc = s_seg (w, t, ts_us + 50, 0, F_ACK, NULL, 0);
        if (rc)
            return rc;
        off += n;
        ts_us += 100; /* packet times never decrease */
    }
    return 0;
}

int
vg_wire_pcap_tcp_close (vg_wire_pcap_t *w, vg_wire_tcp_t *t, int64_t ts_us)
{
    if (!t->open)
        return 0;
    int rc = s_seg (w, t, ts_us, 1, F_FIN | F_ACK, NULL, 0);
    if (rc == 0)
        rc = s_seg (w, t, ts_us + 100, 0, F_FIN | F_ACK, NULL, 0);
    if (rc == 0)
        rc = s_seg (w, t, ts_us + 200, 1, F_ACK, NULL, 0);
    t->open = 0;
    return rc;
}
