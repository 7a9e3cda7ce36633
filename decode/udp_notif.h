/* udp_notif.h - IETF UDP-notif (draft-ietf-netconf-udp-notif) decoder with YANG-push JSON.
 *
 * One datagram = 12-byte header + options + payload.  Segmented messages are reassembled
 * in a bounded table keyed by (source, observation domain id, message id); entries expire
 * after a timeout and the table never exceeds its message and byte caps.  Complete
 * messages with media type YANG-JSON are parsed (jansson) and the YANG tree is walked into
 * series: list keys become labels, huawei-ifm interface counters/status map to OpenConfig
 * paths, anything else keeps "module:path".  The object is owned by one thread. */
#ifndef VG_UDP_NOTIF_H
#define VG_UDP_NOTIF_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decoder.h"

#define VG_UDP_NOTIF_HDR_LEN 12
#define VG_UDP_NOTIF_MT_JSON 1
#define VG_UDP_NOTIF_MT_XML 2
#define VG_UDP_NOTIF_MT_CBOR 3
#define VG_UDP_NOTIF_MAX_JSON (16u << 20)  /* hard cap on one JSON payload */
#define VG_UDP_NOTIF_MAX_DEPTH 64          /* YANG tree depth we walk */

typedef struct {
    size_t max_pending;      /* messages under reassembly (default 64) */
    size_t max_bytes;        /* bytes buffered over all pending messages (default 8 MiB) */
    size_t max_msg_bytes;    /* size of one reassembled payload (default 4 MiB) */
    uint32_t max_segments;   /* segments of one message (default 128) */
    int64_t timeout_ms;      /* a partial message older than this is dropped (default 5000) */
} vg_udp_notif_cfg_t;

/* Reassembly counters (in addition to vg_decode_stats_t). */
typedef struct {
    uint64_t datagrams;      /* datagrams seen */
    uint64_t segments;       /* datagrams that were a segment of a larger message */
    uint64_t reassembled;    /* messages completed from segments */
    uint64_t expired;        /* partial messages dropped by timeout */
    uint64_t evicted;        /* partial messages dropped because a cap was reached */
    uint64_t duplicates;     /* segments received twice (ignored) */
} vg_udp_notif_counters_t;

typedef struct vg_udp_notif vg_udp_notif_t;

/* Fill cfg with the defaults above. */
void vg_udp_notif_cfg_default (vg_udp_notif_cfg_t *cfg);
/* New reassembly state; cfg NULL = defaults (zero fields also take defaults).
 * Returns NULL on allocation failure. */
vg_udp_notif_t *vg_udp_notif_new (const vg_udp_notif_cfg_t *cfg);
/* Free the state and every pending segment.  NULL-safe; sets *self_p = NULL. */
void vg_udp_notif_destroy (vg_udp_notif_t **self_p);

/* Decode one UDP-notif datagram from ctx->source (its address identifies the sender; the
 * port is ignored for device identity).  A segment is buffered (returns 0); the segment
 * that completes a message, or an unsegmented message, is decoded and its samples go to
 * `sink`.  Partial messages older than timeout_ms relative to ctx->received_ms are dropped
 * first (counted in st->lost and counters.expired).  Message-id gaps per (source, ODID)
 * add to st->lost.  Non-JSON media types and non-push-update notifications count as
 * st->undecoded.  Returns 0, a negative -VG_E* code after vg_decode_fail() for a bad
 * datagram, or the sink's non-zero return. */
int vg_udp_notif_decode (vg_udp_notif_t *reasm, const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
                         const vg_sink_t *sink, vg_decode_stats_t *st);

/* Decode one complete YANG-push JSON notification (the UDP-notif payload) for `device`
 * (announced to the sink with the vendor implied by the module prefix).  Same return
 * convention; st->messages counts the notification. */
int vg_udp_notif_decode_json (const char *json, size_t len, const char *device, const vg_decode_ctx_t *ctx,
                              const vg_sink_t *sink, vg_decode_stats_t *st);

/* Messages currently under reassembly. */
size_t vg_udp_notif_pending (const vg_udp_notif_t *self);
/* Reassembly counters. */
vg_udp_notif_counters_t vg_udp_notif_counters (const vg_udp_notif_t *self);

/* Vendor implied by a YANG module name ("huawei-ifm" -> "Huawei"), NULL for standard or
 * unknown modules (ietf-*, openconfig-*). */
const char *vg_yang_module_vendor (const char *module, size_t len);

/* Parse an RFC 7951 number-in-a-string ("-12", "4294967296", "1.25"): digits only, no
 * spaces, exponent, hex, inf or nan.  Returns 1 and sets *v, or 0. */
int vg_yang_parse_number (const char *s, double *v);

#endif
