/* decoder.h - the contract every vendor-format decoder implements.
 *
 * A decoder turns one unit of vendor input (a UDP datagram, one framed TCP message, one
 * protobuf message, one file) into normalised devices, samples and events delivered to a
 * sink.  Decoders are leaf modules: no I/O, no logging, no clock, no global state.  Input
 * is hostile: every length is checked, nothing is read past `len`, sizes are bounded, and
 * a bad unit returns a negative -VG_E* code after counting it in the stats (what was
 * delivered before the error stays delivered).  Stateful formats (segment reassembly,
 * TCP framing, sequence tracking) keep their state in an object owned by the caller. */
#ifndef VG_DECODER_H
#define VG_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "common/sink.h"

/* Counters a decoder fills; the caller exposes them as metrics. */
typedef struct {
    uint64_t messages;       /* units decoded successfully */
    uint64_t samples;        /* samples delivered to the sink */
    uint64_t events;         /* events delivered to the sink */
    uint64_t errors;         /* units rejected (malformed, truncated, oversized) */
    uint64_t undecoded;      /* well-formed payloads we pass over (e.g. compact GPB rows) */
    uint64_t lost;           /* messages the sender numbered but we never saw (sequence gaps) */
    uint64_t suspect;        /* values withheld: the sender flagged them suspect (3GPP PM) */
    char last_error[160];    /* human-readable reason of the latest error */
} vg_decode_stats_t;

/* Context of one unit: where it came from, for device identity and labels. */
typedef struct {
    const char *source;      /* peer address ("192.0.2.1:50000") or file name; may be NULL */
    int64_t received_ms;     /* arrival time, used only when the payload carries no timestamp */
} vg_decode_ctx_t;

/* Record an error in stats (sets last_error, bumps errors) and return code (negative). */
int vg_decode_fail (vg_decode_stats_t *st, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Announce the device a message names: its id into id[VG_MAX_ID_LEN] is node (at most len
 * bytes, up to a NUL) when node is not NULL, else ctx->source, else "unknown"; *d (vendor,
 * model, ... set by the caller) gets that id and goes to the sink.  Returns 0 or the sink's
 * code. */
int vg_decode_device (const vg_sink_t *sink, const vg_decode_ctx_t *ctx, const char *node, size_t len,
                      vg_device_t *d, char *id);

/* Refuse a whole-unit input (a file, a request body) that is empty ("<format>: empty
 * <what>", -VG_ETRUNC) or longer than max bytes ("<format>: <what> of N bytes exceeds
 * <max>", -VG_ETOOBIG), through vg_decode_fail.  Returns 0 when len is in 1..max. */
int vg_decode_check_len (vg_decode_stats_t *st, size_t len, size_t max, const char *format, const char *what);

/* True when rc is one of the codes a malformed unit yields (-VG_ETRUNC, -VG_EPROTO,
 * -VG_ETOOBIG), as opposed to a sink's refusal or -VG_ENOMEM. */
int vg_decode_is_wire_error (int rc);

/* vg_decode_fail for a wire error rc met in the part `what` of a `format` ("gnmi") unit:
 * "<format>: <what> too long or too deep" for -VG_ETOOBIG, else "<format>: malformed
 * <what> (truncated)" or "(bad wire format)".  Returns rc (negative). */
int vg_decode_wire_fail (vg_decode_stats_t *st, int rc, const char *format, const char *what);

#endif
