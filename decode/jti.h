/* jti.h - Juniper JTI native UDP sensors: one datagram = one TelemetryStream (proto2).
 *
 * Decodes the TelemetryStream header (system_id, component, sensor, sequence, timestamp)
 * and the enterprise(101).juniperNetworks(2636) extensions we know: 3 jnpr_interface_ext
 * (physical interface counters and queues), 7 jnprLogicalInterfaceExt (logical interface
 * counters and state), 1 cpu_memory_util_ext, 5 jnpr_lsp_statistics_ext; other extensions
 * are counted as undecoded.  Leaves are normalised through oc_map.  Sequence numbers are
 * tracked per (system_id, component, sub_component, sensor) in a caller-owned, bounded
 * state object and gaps are added to st->lost. */
#ifndef VG_JTI_H
#define VG_JTI_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decoder.h"

#define VG_JTI_STATE_SLOTS 4096   /* sequence streams tracked at once (power of two) */

typedef struct vg_jti_state vg_jti_state_t;

/* New empty sequence tracker; NULL on allocation failure. */
vg_jti_state_t *vg_jti_state_new (void);
/* Free the tracker; NULL-safe, sets *self_p to NULL. */
void vg_jti_state_destroy (vg_jti_state_t **self_p);

/* Decode one UDP payload p[0..len).  ctx may be NULL; state may be NULL (no loss
 * tracking).  Announces the device (id = system_id up to the first ':', vendor
 * "Juniper"), then emits samples with input "jti".  Timestamps below 1e11 are taken as
 * seconds (Junos 15.1) and scaled to ms; a zero timestamp falls back to ctx->received_ms.
 * Returns 0, or a negative -VG_E* code after counting the error in st (-VG_ETRUNC /
 * -VG_EPROTO malformed, -VG_ETOOBIG too deep) or the sink's code. */
int vg_jti_decode (const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx, const vg_sink_t *sink,
                   vg_jti_state_t *state, vg_decode_stats_t *st);

#endif
