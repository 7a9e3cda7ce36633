/* check_pcap_replay.c - capture replay: the real Cisco TCP dial-out capture reassembles into a
 * byte stream consumed exactly by 44 MDT frames; synthetic captures cover the link types,
 * IPv6, TCP reordering/retransmission/gaps, pcapng and pacing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/byteorder.h"
#include "common/buf.h"
#include "common/err.h"
#include "decode/pcap_replay.h"
#include "tests/support/suite.h"

/* ---- the real capture ---- */
typedef struct {
    vg_buf_t stream;
    uint64_t id;
    int opens, closes, gaps;
    int64_t first_ts;
} tcp_acc_t;

static int
on_tcp (void *arg, const vg_pcap_pkt_t *pk, const uint8_t *d, size_t n)
{
    tcp_acc_t *a = arg;
    ck_assert_int_eq (pk->proto, VG_PCAP_PROTO_TCP);
    if (a->id == 0)
        a->id = pk->stream_id;
    ck_assert_uint_eq (pk->stream_id, a->id);   /* one stream in this capture */
    if (pk->flags & VG_PCAP_F_OPEN) {
        a->opens++;
        a->first_ts = pk->ts_us;
    }
    if (pk->flags & VG_PCAP_F_CLOSE)
        a->closes++;
    if (pk->flags & VG_PCAP_F_GAP)
        a->gaps++;
    if (n)
        ck_assert_int_eq (vg_buf_append (&a->stream, d, n), 0);
    return 0;
}

static uint32_t
s_be32 (const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

START_TEST (cisco_tcp_stream_framing)
{
    tcp_acc_t a;
    memset (&a, 0, sizeof a);
    vg_pcap_port_t ports[] = { { 10005, VG_PCAP_PROTO_TCP, on_tcp, &a } };
    vg_pcap_cfg_t cfg = { .ports = ports, .nports = 1 };
    vg_pcap_stats_t st;
    memset (&st, 0, sizeof st);
    ck_assert_int_eq (vg_pcap_replay_file (VG_SAMPLES_DIR "/cisco/pmacct-801-cisco-xr-tcp-dialout-json.pcap", &cfg, &st), 0);
    ck_assert_int_eq (a.opens, 1);
    ck_assert_int_eq (a.closes, 1);
    ck_assert_int_eq (a.gaps, 0);
    ck_assert_uint_eq (st.tcp_streams, 1);
    ck_assert_uint_eq (st.tcp_gaps, 0);
    /* Walk the 12-byte MDT header framing over the whole stream. */
    size_t o = 0, frames = 0;
    while (a.stream.len - o >= 12) {
        const uint8_t *h = a.stream.data + o;
        ck_assert_uint_eq ((h[0] << 8) | h[1], 1);   /* TELEMETRY_DATA */
        ck_assert_uint_eq ((h[2] << 8) | h[3], 2);   /* JSON */
        ck_assert_uint_eq ((h[4] << 8) | h[5], 1);   /* header version */
        ck_assert_uint_eq ((h[6] << 8) | h[7], 0);   /* flags */
        uint32_t len = s_be32 (h + 8);
        ck_assert_uint_le (o + 12 + len, a.stream.len);
        ck_assert_int_eq (h[12], '{');
        ck_assert_int_eq (h[12 + len - 1], '}');
        o += 12 + len;
        frames++;
    }
    ck_assert_uint_eq (o, a.stream.len);   /* consumed exactly */
    ck_assert_uint_eq (frames, 44);
    ck_assert_uint_eq (st.delivered_bytes, a.stream.len);
    vg_buf_free (&a.stream);
}
END_TEST

/* ---- synthetic captures ---- */
/* Little-endian pcap writer into a vg_buf. */
static void
s_le32 (vg_buf_t *b, uint32_t v)
{
    uint8_t x[4];
    vg_le32 (x, v);
    vg_buf_append (b, x, 4);
}

static void
s_pcap_hdr (vg_buf_t *b, uint32_t linktype)
{
    s_le32 (b, 0xa1b2c3d4);
    uint8_t v[4] = { 2, 0, 4, 0 };
    vg_buf_append (b, v, 4);
    s_le32 (b, 0);
    s_le32 (b, 0);
    s_le32 (b, 65535);
    s_le32 (b, linktype);
}

static void
s_pcap_rec (vg_buf_t *b, int64_t ts_us, const uint8_t *d, size_t n)
{
    s_le32 (b, (uint32_t) (ts_us / 1000000));
    s_le32 (b, (uint32_t) (ts_us % 1000000));
    s_le32 (b, (uint32_t) n);
    s_le32 (b, (uint32_t) n);
    vg_buf_append (b, d, n);
}

/* Build an IPv4 or IPv6 packet carrying UDP or TCP into out; returns its length. */
static size_t
s_ip (uint8_t *out, int v6, int tcp, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t tflags,
      const char *payload, size_t n)
{
    size_t l4 = tcp ? 20 : 8;
    uint8_t *t;
    size_t ih;
    if (v6) {
        memset (out, 0, 40);
        out[0] = 0x60;
        vg_be16 (out + 4, (uint16_t) (l4 + n));
        out[6] = tcp ? 6 : 17;
        out[7] = 64;
        out[8 + 15] = 1;    /* src ::1 */
        out[24 + 15] = 2;   /* dst ::2 */
        ih = 40;
    } else {
        memset (out, 0, 20);
        out[0] = 0x45;
        vg_be16 (out + 2, (uint16_t) (20 + l4 + n));
        out[8] = 64;
        out[9] = tcp ? 6 : 17;
        uint8_t src[4] = { 192, 0, 2, 1 }, dst[4] = { 192, 0, 2, 2 };
        memcpy (out + 12, src, 4);
        memcpy (out + 16, dst, 4);
        ih = 20;
    }
    t = out + ih;
    memset (t, 0, l4);
    vg_be16 (t, sport);
    vg_be16 (t + 2, dport);
    if (tcp) {
        vg_be32 (t + 4, seq);
        t[12] = 5 << 4;
        t[13] = tflags;
    } else
        vg_be16 (t + 4, (uint16_t) (8 + n));
    memcpy (t + l4, payload, n);
    return ih + l4 + n;
}

typedef struct {
    int n;
    char got[8][64];
    char src[8][64];
    int64_t ts[8];
    vg_buf_t stream;
    int flags_or;
    int64_t slept;
    int sleeps;
} acc_t;

static int
on_pkt (void *arg, const vg_pcap_pkt_t *pk, const uint8_t *d, size_t n)
{
    acc_t *a = arg;
    a->flags_or |= (int) pk->flags;
    if (pk->proto == VG_PCAP_PROTO_TCP) {
        vg_buf_append (&a->stream, d, n);
        return 0;
    }
    if (a->n < 8) {
        snprintf (a->got[a->n], sizeof a->got[0], "%.*s", (int) n, (const char *) d);
        snprintf (a->src[a->n], sizeof a->src[0], "%s", pk->src);
        a->ts[a->n] = pk->ts_us;
    }
    a->n++;
    return 0;
}

static void
on_sleep (void *arg, int64_t us)
{
    acc_t *a = arg;
    a->slept += us;
    a->sleeps++;
}

static int
s_replay (vg_buf_t *cap, acc_t *a, vg_pcap_stats_t *st, double speed, size_t max_buf)
{
    vg_pcap_port_t ports[] = { { 9000, 0, on_pkt, a } };
    vg_pcap_cfg_t cfg = { .ports = ports, .nports = 1, .speed = speed, .sleep_us = on_sleep, .sleep_arg = a,
                          .max_stream_buf = max_buf };
    memset (st, 0, sizeof *st);
    return vg_pcap_replay_mem (cap->data, cap->len, &cfg, st);
}

START_TEST (link_types_and_ipv6)
{
    /* Ethernet+VLAN, SLL, SLL2, raw IPv4/IPv6, BSD loopback: one UDP datagram each. */
    const uint32_t links[] = { 1, 113, 276, 101, 0 };
    for (size_t li = 0; li < sizeof links / sizeof links[0]; li++) {
        for (int v6 = 0; v6 < 2; v6++) {
            vg_buf_t cap = VG_BUF_INIT;
            s_pcap_hdr (&cap, links[li]);
            uint8_t pkt[256], ip[200];
            size_t il = s_ip (ip, v6, 0, 1234, 9000, 0, 0, "hello", 5);
            size_t o = 0;
            uint16_t et = v6 ? 0x86DD : 0x0800;
            memset (pkt, 0, sizeof pkt);
            switch (links[li]) {
            case 1:
                vg_be16 (pkt + 12, 0x8100);
                vg_be16 (pkt + 16, et);
                o = 18;
                break;
            case 113:
                vg_be16 (pkt + 14, et);
                o = 16;
                break;
            case 276:
                vg_be16 (pkt, et);
                o = 20;
                break;
            case 0:
                pkt[0] = v6 ? 30 : 2;
                o = 4;
                break;
            default:
                o = 0;
            }
            memcpy (pkt + o, ip, il);
            s_pcap_rec (&cap, 1000000, pkt, o + il);
            acc_t a;
            memset (&a, 0, sizeof a);
            vg_pcap_stats_t st;
            ck_assert_int_eq (s_replay (&cap, &a, &st, 0, 0), 0);
            ck_assert_msg (a.n == 1, "link %u v6 %d: %d delivered", links[li], v6, a.n);
            ck_assert_str_eq (a.got[0], "hello");
            ck_assert_str_eq (a.src[0], v6 ? "[::1]:1234" : "192.0.2.1:1234");
            ck_assert_int_eq (a.ts[0], 1000000);
            vg_buf_free (&cap);
        }
    }
}
END_TEST

START_TEST (tcp_reorder_retransmit_gap)
{
    vg_buf_t cap = VG_BUF_INIT;
    s_pcap_hdr (&cap, 101);
    uint8_t ip[200];
    uint32_t isn = 0xFFFFFFF0u;   /* sequence numbers wrap inside the stream */
    size_t l = s_ip (ip, 0, 1, 5555, 9000, isn, 0x02, "", 0);   /* SYN */
    s_pcap_rec (&cap, 1, ip, l);
    l = s_ip (ip, 0, 1, 5555, 9000, isn + 1 + 10, 0x10, "KLMNOPQRST", 10);   /* arrives early */
    s_pcap_rec (&cap, 2, ip, l);
    l = s_ip (ip, 0, 1, 5555, 9000, isn + 1, 0x10, "ABCDEFGHIJ", 10);
    s_pcap_rec (&cap, 3, ip, l);
    l = s_ip (ip, 0, 1, 5555, 9000, isn + 1 + 5, 0x10, "FGHIJKLMNO", 10);   /* overlap/retransmit */
    s_pcap_rec (&cap, 4, ip, l);
    l = s_ip (ip, 0, 1, 5555, 9000, isn + 1 + 20, 0x11, "UV", 2);   /* data + FIN */
    s_pcap_rec (&cap, 5, ip, l);
    l = s_ip (ip, 0, 1, 9000, 5555, 1, 0x10, "reply", 5);   /* other direction: unmapped */
    s_pcap_rec (&cap, 6, ip, l);
    acc_t a;
    memset (&a, 0, sizeof a);
    vg_pcap_stats_t st;
    ck_assert_int_eq (s_replay (&cap, &a, &st, 0, 0), 0);
    ck_assert_uint_eq (a.stream.len, 22);
    ck_assert_int_eq (memcmp (a.stream.data, "ABCDEFGHIJKLMNOPQRSTUV", 22), 0);
    ck_assert (a.flags_or & VG_PCAP_F_OPEN);
    ck_assert (a.flags_or & VG_PCAP_F_CLOSE);
    ck_assert (!(a.flags_or & VG_PCAP_F_GAP));
    ck_assert_uint_eq (st.tcp_out_of_order, 1);
    ck_assert_uint_eq (st.tcp_retransmits, 1);
    ck_assert_uint_eq (st.unmapped, 1);
    vg_buf_free (&a.stream);
    vg_buf_free (&cap);

    /* A hole that never fills: the buffer bound forces a gap, later bytes still arrive. */
    vg_buf_t c2 = VG_BUF_INIT;
    s_pcap_hdr (&c2, 101);
    l = s_ip (ip, 0, 1, 6666, 9000, 100, 0x10, "0123456789", 10);
    s_pcap_rec (&c2, 1, ip, l);
    for (int i = 0; i < 5; i++) {   /* 10 bytes missing at 110..119 */
        l = s_ip (ip, 0, 1, 6666, 9000, 120 + (uint32_t) i * 10, 0x10, "abcdefghij", 10);
        s_pcap_rec (&c2, 2 + i, ip, l);
    }
    memset (&a, 0, sizeof a);
    ck_assert_int_eq (s_replay (&c2, &a, &st, 0, 25), 0);
    ck_assert_uint_eq (a.stream.len, 60);
    ck_assert (a.flags_or & VG_PCAP_F_GAP);
    ck_assert_uint_eq (st.tcp_gaps, 1);
    vg_buf_free (&a.stream);
    vg_buf_free (&c2);
}
END_TEST

START_TEST (pacing_hook)
{
    vg_buf_t cap = VG_BUF_INIT;
    s_pcap_hdr (&cap, 101);
    uint8_t ip[100];
    size_t l = s_ip (ip, 0, 0, 1, 9000, 0, 0, "a", 1);
    s_pcap_rec (&cap, 10000000, ip, l);
    s_pcap_rec (&cap, 10500000, ip, l);   /* +0.5 s */
    s_pcap_rec (&cap, 12500000, ip, l);   /* +2 s */
    acc_t a;
    memset (&a, 0, sizeof a);
    vg_pcap_stats_t st;
    ck_assert_int_eq (s_replay (&cap, &a, &st, 1.0, 0), 0);
    ck_assert_int_eq (a.slept, 2500000);
    ck_assert_int_eq (a.sleeps, 2);
    memset (&a, 0, sizeof a);
    ck_assert_int_eq (s_replay (&cap, &a, &st, 2.0, 0), 0);
    ck_assert_int_eq (a.slept, 1250000);
    memset (&a, 0, sizeof a);
    ck_assert_int_eq (s_replay (&cap, &a, &st, 0, 0), 0);   /* as fast as possible */
    ck_assert_int_eq (a.sleeps, 0);
    ck_assert_int_eq (a.n, 3);
    /* speed > 0 without a hook is a configuration error */
    vg_pcap_port_t ports[] = { { 9000, 0, on_pkt, &a } };
    vg_pcap_cfg_t bad = { .ports = ports, .nports = 1, .speed = 1 };
    ck_assert_int_eq (vg_pcap_replay_mem (cap.data, cap.len, &bad, &st), -VG_EINVAL);
    vg_buf_free (&cap);
}
END_TEST

START_TEST (pcapng_and_bad_files)
{
    /* Minimal pcapng: SHB, IDB (raw IP), one EPB. */
    vg_buf_t ng = VG_BUF_INIT;
    s_le32 (&ng, 0x0A0D0D0A); s_le32 (&ng, 28); s_le32 (&ng, 0x1A2B3C4D);
    uint8_t ver[4] = { 1, 0, 0, 0 };
    vg_buf_append (&ng, ver, 4);
    s_le32 (&ng, 0xFFFFFFFF); s_le32 (&ng, 0xFFFFFFFF); s_le32 (&ng, 28);
    s_le32 (&ng, 1); s_le32 (&ng, 20);
    uint8_t idb[8] = { 101, 0, 0, 0, 0xFF, 0xFF, 0, 0 };
    vg_buf_append (&ng, idb, 8);
    s_le32 (&ng, 20);
    uint8_t ip[100];
    size_t l = s_ip (ip, 1, 0, 7, 9000, 0, 0, "ng!", 3);
    size_t padded = (l + 3) & ~(size_t) 3;
    s_le32 (&ng, 6); s_le32 (&ng, (uint32_t) (32 + padded)); s_le32 (&ng, 0);
    s_le32 (&ng, 0); s_le32 (&ng, 5000000);
    s_le32 (&ng, (uint32_t) l); s_le32 (&ng, (uint32_t) l);
    vg_buf_append (&ng, ip, l);
    uint8_t zero[4] = { 0 };
    vg_buf_append (&ng, zero, padded - l);
    s_le32 (&ng, (uint32_t) (32 + padded));
    acc_t a;
    memset (&a, 0, sizeof a);
    vg_pcap_stats_t st;
    ck_assert_int_eq (s_replay (&ng, &a, &st, 0, 0), 0);
    ck_assert_int_eq (a.n, 1);
    ck_assert_str_eq (a.got[0], "ng!");
    ck_assert_int_eq (a.ts[0], 5000000);
    vg_buf_free (&ng);

    /* Not a capture; unknown link type; a capture truncated mid-record. */
    vg_buf_t junk = VG_BUF_INIT;
    vg_buf_append (&junk, "this is not a pcap file at all....", 34);
    ck_assert_int_eq (s_replay (&junk, &a, &st, 0, 0), -VG_EIO);
    ck_assert (st.last_error[0] != '\0');
    vg_buf_free (&junk);
    vg_buf_t odd = VG_BUF_INIT;
    s_pcap_hdr (&odd, 147);   /* USER0 */
    ck_assert_int_eq (s_replay (&odd, &a, &st, 0, 0), -VG_EUNSUPP);
    vg_buf_free (&odd);
    vg_buf_t cut = VG_BUF_INIT;
    s_pcap_hdr (&cut, 101);
    l = s_ip (ip, 0, 0, 7, 9000, 0, 0, "xyz", 3);
    s_pcap_rec (&cut, 1, ip, l);
    s_pcap_rec (&cut, 2, ip, l);
    cut.len -= 5;
    memset (&a, 0, sizeof a);
    ck_assert_int_lt (s_replay (&cut, &a, &st, 0, 0), 0);
    ck_assert_int_eq (a.n, 1);   /* the complete first record was still delivered */
    ck_assert_int_eq (vg_pcap_replay_file ("/nonexistent/x.pcap", &(vg_pcap_cfg_t){ 0 }, &st), -VG_EIO);
    vg_buf_free (&cut);
}
END_TEST

START_TEST (random_packets_do_not_crash)
{
    srand (11);
    for (int round = 0; round < 200; round++) {
        vg_buf_t cap = VG_BUF_INIT;
        const uint32_t links[] = { 1, 113, 276, 101, 0 };
        s_pcap_hdr (&cap, links[round % 5]);
        for (int i = 0; i < 50; i++) {
            uint8_t pkt[200];
            size_t n = (size_t) (rand () % 200);
            for (size_t k = 0; k < n; k++)
                pkt[k] = (uint8_t) rand ();
            if (n > 40 && (i & 1)) {   /* make some look like IPv4/UDP|TCP to port 9000 */
                size_t o = links[round % 5] == 1 ? 14 : links[round % 5] == 113 ? 16 : links[round % 5] == 276 ? 20 : links[round % 5] == 0 ? 4 : 0;
                if (o + 28 < n) {
                    pkt[o] = 0x45;
                    pkt[o + 6] = 0;
                    pkt[o + 7] = 0;
                    pkt[o + 9] = (i & 2) ? 6 : 17;
                    vg_be16 (pkt + o + 2, (uint16_t) (n - o));
                    vg_be16 (pkt + o + 22, 9000);
                    if (links[round % 5] == 1)
                        vg_be16 (pkt + 12, 0x0800);
                    if (links[round % 5] == 113)
                        vg_be16 (pkt + 14, 0x0800);
                    if (links[round % 5] == 276)
                        vg_be16 (pkt, 0x0800);
                }
            }
            s_pcap_rec (&cap, i, pkt, n);
        }
        acc_t a;
        memset (&a, 0, sizeof a);
        vg_pcap_stats_t st;
        ck_assert_int_eq (s_replay (&cap, &a, &st, 0, 64), 0);
        ck_assert_uint_eq (st.packets, 50);
        vg_buf_free (&a.stream);
        vg_buf_free (&cap);
    }
}
END_TEST

Suite *
vg_pcap_replay_suite (void)
{
    const TTest *tests[] = {
        cisco_tcp_stream_framing, link_types_and_ipv6, tcp_reorder_retransmit_gap, pacing_hook,
        pcapng_and_bad_files, random_packets_do_not_crash,
    };
    return vg_test_suite ("pcap_replay", "pcap_replay", tests, sizeof tests / sizeof tests[0], 60, NULL,
                          NULL);
}
