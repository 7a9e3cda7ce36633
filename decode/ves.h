/* ves.h - ONAP VES 7 JSON event decoder (O-RAN O1 events, RAN PM over VES).
 *
 * Accepts the body of POST /eventListener/v7 ({"event":{...}}) or .../eventBatch
 * ({"eventList":[...]}).  perf3gpp -> one GAUGE sample per measResult (TS 28.552 names
 * where the pm3gpp table knows one); measurement -> one sample per numeric field of the
 * cpu/memory/nic/disk/... arrays, labelled by the entry's identifier; fault and 3GPP
 * alarm notifications in stndDefined -> VG_EV_FAULT events with attributes; any other
 * domain is counted as undecoded.  Leaf module: no I/O, no state. */
#ifndef VG_VES_H
#define VG_VES_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decoder.h"

#define VG_VES_MAX_JSON (16u << 20)   /* largest body accepted */
#define VG_VES_MAX_DEPTH 32           /* JSON nesting accepted */
#define VG_VES_MAX_EVENTS 10000       /* events in one batch */

/* Decode one VES body.  Device = commonEventHeader.sourceName (else reportingEntityName),
 * vendor = nfVendorName; timestamps from lastEpochMicrosec (else startEpochMicrosec, else
 * ctx->received_ms).  st->messages counts events decoded.  Returns 0, a negative -VG_E*
 * after vg_decode_fail() for malformed, oversized or too deeply nested input (events
 * delivered before the bad one stay delivered), or the sink's non-zero return. */
int vg_ves_decode (const uint8_t *json, size_t len, const vg_decode_ctx_t *ctx, const vg_sink_t *sink,
                   vg_decode_stats_t *st);

/* Depth of JSON nesting in text (brackets outside strings), stopping early once `limit`
 * is exceeded; returns the depth found (> limit means too deep). */
int vg_json_depth (const char *text, size_t len, int limit);

#endif
