/* pcap_replay.h - replay UDP datagrams and TCP byte streams from a pcap/pcapng capture.
 *
 * Reads a capture with libpcap (Ethernet with VLAN tags, Linux cooked SLL/SLL2, raw IP,
 * BSD loopback), IPv4 and IPv6, and hands every UDP payload, and every in-order chunk of
 * each TCP stream (reassembled per 4-tuple with bounded out-of-order buffering), to the
 * callback registered for its destination port, with the capture timestamp.  Pacing is
 * "as fast as possible" (speed 0) or the recorded inter-packet times scaled by `speed`,
 * slept through a caller-supplied hook so tests never really sleep.  Single-threaded. */
#ifndef VG_PCAP_REPLAY_H
#define VG_PCAP_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define VG_PCAP_PROTO_TCP 6
#define VG_PCAP_PROTO_UDP 17

/* Flags of a delivered chunk. */
#define VG_PCAP_F_OPEN 1u    /* first chunk of a TCP stream */
#define VG_PCAP_F_GAP 2u     /* bytes are missing before this chunk (stream data lost) */
#define VG_PCAP_F_CLOSE 4u   /* stream ended (FIN/RST/end of capture); len is 0 */

typedef struct {
    int proto;               /* VG_PCAP_PROTO_UDP or VG_PCAP_PROTO_TCP */
    const char *src;         /* "192.0.2.1:50000" or "[2001:db8::1]:50000" */
    const char *dst;
    uint16_t sport, dport;
    int64_t ts_us;           /* capture time, microseconds since the epoch */
    uint64_t stream_id;      /* TCP: stable id of the stream (1, 2, ...); UDP: 0 */
    unsigned flags;          /* VG_PCAP_F_* */
} vg_pcap_pkt_t;

/* Called for each UDP payload or TCP chunk.  `data` is borrowed for the call.  Return 0
 * to continue, non-zero to stop the replay (vg_pcap_replay_* then returns that value).
 * A decoder error should normally be counted by the callback and 0 returned. */
typedef int (*vg_pcap_fn) (void *arg, const vg_pcap_pkt_t *pkt, const uint8_t *data, size_t len);

typedef struct {
    uint16_t port;           /* destination port */
    int proto;               /* VG_PCAP_PROTO_UDP / _TCP, or 0 for both */
    vg_pcap_fn fn;
    void *arg;
} vg_pcap_port_t;

typedef struct {
    const vg_pcap_port_t *ports;
    size_t nports;
    double speed;            /* 0 = as fast as possible; 1 = recorded speed; 2 = twice as fast */
    void (*sleep_us) (void *arg, int64_t usec);   /* required when speed > 0 */
    void *sleep_arg;
    int64_t max_sleep_us;    /* cap of one pause (0 = none) */
    size_t max_streams;      /* concurrent TCP streams (default 256; the oldest is evicted) */
    size_t max_stream_buf;   /* out-of-order bytes held per stream (default 4 MiB) */
} vg_pcap_cfg_t;

typedef struct {
    uint64_t packets, bytes;
    uint64_t udp, tcp;           /* transport packets seen */
    uint64_t delivered, delivered_bytes;
    uint64_t unmapped;           /* UDP/TCP packets whose destination port has no callback */
    uint64_t non_ip, unsupported, truncated, fragments;
    uint64_t tcp_streams, tcp_evicted, tcp_out_of_order, tcp_retransmits, tcp_gaps;
    uint64_t slept_us;
    char last_error[160];
} vg_pcap_stats_t;

/* Sleep hook that really sleeps (nanosleep); for the agent's replay mode. */
void vg_pcap_sleep_real (void *arg, int64_t usec);

/* Replay the capture file at `path`.  Returns 0 at the end of the capture, -VG_EIO when
 * the file cannot be opened or read (st->last_error says why), -VG_EUNSUPP for a link
 * type we cannot parse, -VG_EINVAL for a bad cfg, or a callback's non-zero return.
 * Malformed packets are counted and skipped. */
int vg_pcap_replay_file (const char *path, const vg_pcap_cfg_t *cfg, vg_pcap_stats_t *st);
/* Same for a capture held in memory (data is borrowed). */
int vg_pcap_replay_mem (const uint8_t *data, size_t len, const vg_pcap_cfg_t *cfg, vg_pcap_stats_t *st);

#endif
