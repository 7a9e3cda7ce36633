/* format.h - wire formats by name, and the per-input decoder state that goes with them.
 *
 * The UDP and pcap inputs and `vigil decode` pick a decoder by name ("jti", "mdt-tcp", ...)
 * and feed it units (datagrams, messages, files) or chunks of TCP streams.  A vg_fmt_set_t
 * holds the stateful parts (JTI sequence tracker, UDP-notif reassembly, one MDT reassembler
 * per TCP stream, bounded) so each input decodes independently.  Single-threaded. */
#ifndef VG_DECODE_FORMAT_H
#define VG_DECODE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/decoder.h"

typedef enum {
    VG_FMT_JTI = 0,       /* one UDP payload = one TelemetryStream */
    VG_FMT_UDP_NOTIF,     /* one UDP-notif datagram (segments reassembled) */
    VG_FMT_MDT_UDP,       /* one Cisco MDT UDP datagram (12-byte header + payload) */
    VG_FMT_MDT_TCP,       /* Cisco MDT TCP dial-out byte stream */
    VG_FMT_MDT_KVGPB,     /* one Cisco Telemetry message (kvGPB or JSON), no header */
    VG_FMT_HUAWEI_GPB,    /* one Huawei Telemetry message */
    VG_FMT_GNMI,          /* one gNMI SubscribeResponse */
    VG_FMT_3GPP_XML,      /* one 3GPP PM XML file */
    VG_FMT_VES,           /* one VES 7 JSON body */
    VG_FMT__COUNT
} vg_fmt_t;

#define VG_FMT_MAX_STREAMS 256   /* TCP streams decoded at once by one set (oldest evicted) */

/* Format for a name ("3gpp" is accepted for "3gpp-xml", "mdt" for "mdt-tcp"); -1 if unknown. */
int vg_fmt_parse (const char *name);
/* Canonical name of a format. */
const char *vg_fmt_name (int fmt);
/* True for the format that is a TCP byte stream (mdt-tcp); the others come in units. */
bool vg_fmt_is_stream (int fmt);
/* True for formats that arrive as UDP datagrams (jti, udp-notif, mdt-udp). */
bool vg_fmt_is_datagram (int fmt);
/* "jti | udp-notif | ..." of every format. */
const char *vg_fmt_list (void);

typedef struct vg_fmt_set vg_fmt_set_t;

/* New empty decoder state; NULL on allocation failure. */
vg_fmt_set_t *vg_fmt_set_new (void);
/* Free it and every stream; NULL-safe, sets *self_p = NULL. */
void vg_fmt_set_destroy (vg_fmt_set_t **self_p);

/* Decode one unit of a unit format (not VG_FMT_MDT_TCP).  Returns as the decoder:
 * 0, a negative code counted in st, or the sink's code. */
int vg_fmt_decode (vg_fmt_set_t *fs, int fmt, const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
                   const vg_sink_t *sink, vg_decode_stats_t *st);

/* Feed a chunk of TCP stream `stream_id` (any non-zero id the caller keeps stable) in a
 * stream format.  flags are VG_PCAP_F_* style: 1 = first chunk (a new stream), 2 = bytes
 * were lost before this chunk (the stream restarts its framing), 4 = end of stream (the
 * state is freed).  A stream desynchronised by a bad header ignores the rest of its bytes
 * (counted once in st).  Returns 0, a negative code counted in st, or the sink's code. */
int vg_fmt_stream (vg_fmt_set_t *fs, int fmt, uint64_t stream_id, unsigned flags, const uint8_t *p, size_t len,
                   const vg_decode_ctx_t *ctx, const vg_sink_t *sink, vg_decode_stats_t *st);

/* Streams currently held. */
size_t vg_fmt_set_streams (const vg_fmt_set_t *fs);

#endif
