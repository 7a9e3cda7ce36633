/* gnmi.h - gNMI SubscribeResponse decoder (binary protobuf, gnmi.proto field numbers).
 *
 * One SubscribeResponse at a time: Notification prefix + update paths (origin, target,
 * elem names with keys -> labels, deprecated string elements), every TypedValue kind
 * (string, int, uint, bool, bytes as ieeefloat32, float, decimal64, leaf-list, json,
 * json_ietf, ascii, double; any/proto_bytes counted undecoded), deletes -> VG_EV_DELETE
 * events, sync_response, and the Juniper telemetry header extension (RegisteredExtension
 * id 1) for device identity.  Also reads files of varint-delimited SubscribeResponses. */
#ifndef VG_GNMI_H
#define VG_GNMI_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decoder.h"

#define VG_GNMI_MAX_MSG (64u << 20)   /* largest SubscribeResponse accepted */

/* Decode one serialized SubscribeResponse p[0..len).  Device id: prefix.target, else the
 * Juniper header's system_id, else ctx->source, else "unknown"; vendor from the Juniper
 * extension or guessed from origin / module names ("Juniper", "Nokia", "Cisco", "Huawei",
 * "Arista"; "" when unknown).  Timestamps are ns and become ms; 0 falls back to
 * ctx->received_ms.  sync_response counts as a message with no samples.  Returns 0, or a
 * negative -VG_E* code counted in st, or the sink's code. */
int vg_gnmi_decode (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx, const vg_sink_t *sink,
                    vg_decode_stats_t *st);

/* Decode a buffer of varint-length-prefixed SubscribeResponses (protobuf "delimited").
 * Each message is decoded with vg_gnmi_decode; a bad message is counted and skipped.  A
 * broken length prefix (truncated, or longer than the rest of the buffer or
 * VG_GNMI_MAX_MSG) ends the walk with an error.  Returns 0 when every message decoded,
 * else the first negative code. */
int vg_gnmi_decode_delimited (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
                              const vg_sink_t *sink, vg_decode_stats_t *st);

#endif
