/* wire_pcap.h - a classic pcap writer (Ethernet / IPv4 / UDP or TCP) for the simulator's
 * vendor wire output: UDP datagrams, and TCP sessions with a three-way handshake, proper
 * sequence and acknowledgement numbers, segmentation at the MSS and FIN teardown.
 * Invariant: the file is a pure function of the calls (no clock, no randomness); packets
 * are written in call order, so callers pass non-decreasing timestamps. */
#ifndef VG_WIRE_PCAP_H
#define VG_WIRE_PCAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct vg_wire_pcap vg_wire_pcap_t;

/* One TCP session (client -> server), owned by the caller; zero it, set the addresses and
 * ports, then call vg_wire_pcap_tcp_open.  open = 1 between open and close. */
typedef struct {
    uint32_t cli_ip, srv_ip; /* host byte order */
    uint16_t cli_port, srv_port;
    uint32_t cli_seq, srv_seq; /* next sequence number of each side */
    int open;
} vg_wire_tcp_t;

/* Create (truncate) a pcap file at path with link type Ethernet and snaplen 262144.
 * Returns NULL when the file cannot be created. */
vg_wire_pcap_t *vg_wire_pcap_new (const char *path);

/* Flush and close; returns 0 or -VG_EIO when a write failed at any point.  NULL-safe, sets
 * *self_p to NULL. */
int vg_wire_pcap_destroy (vg_wire_pcap_t **self_p);

/* Write one UDP datagram (len <= 65507) at ts_us.  Returns 0, -VG_EINVAL or -VG_EIO. */
int vg_wire_pcap_udp (vg_wire_pcap_t *w, int64_t ts_us, uint32_t src_ip, uint16_t sport, uint32_t dst_ip,
                      uint16_t dport, const uint8_t *data, size_t len);

/* Open a TCP session: SYN, SYN-ACK, ACK at ts_us (+ 100 us each).  The initial sequence
 * numbers are taken from isn (client) and isn * 2654435761 (server).  Returns 0 or -VG_EIO. */
int vg_wire_pcap_tcp_open (vg_wire_pcap_t *w, vg_wire_tcp_t *t, int64_t ts_us, uint32_t isn);

/* Send len bytes from the client: segments of at most 1448 bytes (PSH on the last), 100 us
 * apart from ts_us on, each acknowledged by the server 50 us later.  Returns 0, -VG_EINVAL (session not open) or
 * -VG_EIO. */
int vg_wire_pcap_tcp_send (vg_wire_pcap_t *w, vg_wire_tcp_t *t, int64_t ts_us, const uint8_t *data, size_t len);

/* Close the session: client FIN, server FIN-ACK, client ACK.  Returns 0 or -VG_EIO; a
 * session that is not open is left alone (0). */
int vg_wire_pcap_tcp_close (vg_wire_pcap_t *w, vg_wire_tcp_t *t, int64_t ts_us);

/* Packets written so far. */
uint64_t vg_wire_pcap_packets (const vg_wire_pcap_t *w);

#endif
