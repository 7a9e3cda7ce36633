/* huawei_gpb.h - Huawei VRP gRPC dial-out payloads (huawei-grpc-dialout.proto serviceArgs
 * and huawei-telemetry.proto Telemetry).
 *
 * The Telemetry envelope gives node, subscription, sensor path, proto path, product and
 * software version, timestamps and rows.  Rows are decoded when self-describing (JSON
 * data_str / data_json) or when proto_path is openconfig_interfaces.Interfaces (a small
 * built-in field map of the goyang-generated openconfig-interfaces proto, as sent by
 * CE12800); GPB rows of other proto paths need Huawei's per-model protos and are counted
 * as undecoded.  Deletes (data_gpb.delete) become VG_EV_DELETE events. */
#ifndef VG_HUAWEI_GPB_H
#define VG_HUAWEI_GPB_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decoder.h"

/* Decode one serialized Telemetry message.  Device id = node_id_str (else ctx->source),
 * vendor "Huawei", model = product_name, sw_version = software_version; samples carry
 * input "huawei-gpb".  Returns 0, a negative code counted in st, or the sink's code. */
int vg_huawei_gpb_decode (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx, const vg_sink_t *sink,
                          vg_decode_stats_t *st);

/* Decode one serviceArgs message from the dataPublish stream: data (2) is a Telemetry
 * (GPB), data_json (4) a JSON Telemetry; errors (3) is counted as an error. */
int vg_huawei_dialout_decode (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
                              const vg_sink_t *sink, vg_decode_stats_t *st);

#endif
