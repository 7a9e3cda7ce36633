/* mdt.h - Cisco model-driven telemetry (IOS XR / XE / NX-OS) dial-out.
 *
 * Framing: the 12-byte header (msg_type, msg_encap, msg_hdr_version, msg_flags, msg_len,
 * all big-endian) in front of every message on TCP dial-out and every UDP datagram.  The
 * TCP side is a stateful reassembler that copes with frames split across reads and many
 * frames per read; payloads over VG_MDT_MAX_PAYLOAD are refused.  Payloads: self-describing
 * kvGPB Telemetry (data_gpbkv), JSON Telemetry (data_json, numbers often as strings);
 * compact GPB rows (data_gpb) need per-path protos and are counted as undecoded. */
#ifndef VG_MDT_H
#define VG_MDT_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decoder.h"

#define VG_MDT_HDR_LEN 12
#define VG_MDT_MAX_PAYLOAD (1u << 20)   /* 1 MiB, as pipeline and Telegraf */

enum {
    VG_MDT_TYPE_DATA = 1,
    VG_MDT_TYPE_HEARTBEAT = 2
};

enum {
    VG_MDT_ENCAP_AUTO = 0,    /* decide from the payload: '{' = JSON, else GPB */
    VG_MDT_ENCAP_GPB = 1,     /* compact or kv; the Telemetry message tells */
    VG_MDT_ENCAP_JSON = 2,
    VG_MDT_ENCAP_GPB_COMPACT = 3,
    VG_MDT_ENCAP_GPB_KV = 4
};

typedef struct vg_mdt_stream vg_mdt_stream_t;

/* New reassembler for one TCP connection; NULL on allocation failure. */
vg_mdt_stream_t *vg_mdt_stream_new (void);
/* Free it; NULL-safe, sets *self_p to NULL. */
void vg_mdt_stream_destroy (vg_mdt_stream_t **self_p);

/* Feed the next len bytes read from the connection.  Every complete frame is decoded
 * (payload errors are counted in st and do not stop the stream; heartbeats count as
 * messages).  A bad header (unknown type/encap, version != 1, flags != 0, length over
 * VG_MDT_MAX_PAYLOAD) desynchronises the stream: it returns -VG_EPROTO / -VG_ETOOBIG and
 * the stream refuses further input (the caller closes the connection).  A sink refusal is
 * returned as is.  Otherwise returns 0. */
int vg_mdt_stream_feed (vg_mdt_stream_t *s, const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
                        const vg_sink_t *sink, vg_decode_stats_t *st);

/* Bytes buffered waiting for the rest of a frame (for tests and metrics). */
size_t vg_mdt_stream_pending (const vg_mdt_stream_t *s);

/* Decode one UDP dial-out datagram: header + exactly msg_len bytes of payload. */
int vg_mdt_decode_datagram (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
                            const vg_sink_t *sink, vg_decode_stats_t *st);

/* Decode one payload (a serialized Telemetry message or JSON text), e.g. from the header
 * framing, gRPC MdtDialoutArgs.data or a file.  encap is a VG_MDT_ENCAP_* value.  Device
 * id = node_id_str (else ctx->source), vendor "Cisco"; samples go out with input "mdt" at
 * encoding_path + field names, keys as labels.  Returns 0, a negative code counted in st,
 * or the sink's code. */
int vg_mdt_decode_payload (const uint8_t *p, size_t len, int encap, const vg_decode_ctx_t *ctx,
                           const vg_sink_t *sink, vg_decode_stats_t *st);

#endif
