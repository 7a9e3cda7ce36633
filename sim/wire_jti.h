/* wire_jti.h - Juniper JTI native UDP encoder for the simulator: one router sample becomes
 * TelemetryStream datagrams (no extra header), the physical-interface sensor
 * (jnpr_interface_ext, InterfaceInfos with counters, errors, admin / oper status, init
 * time, speed) and the memory-utilisation sensor (cpu_memory_util_ext), as a Junos
 * export profile with `format gpb; transport udp` sends them.
 * Invariant: the bytes are a function of the view and the sequence numbers only. */
#ifndef VG_WIRE_JTI_H
#define VG_WIRE_JTI_H

#include <stdint.h>

#include "common/buf.h"
#include "sim/wire_view.h"

#define VG_WIRE_JTI_MAX_DGRAM 1400 /* interfaces are packed into datagrams up to this size */

/* Per-router JTI export state: the sequence number of each sensor stream. */
typedef struct {
    uint32_t seq_ifd, seq_mem;
    const char *export_ip; /* "10.1.0.5": system_id is "<host>:<export_ip>" */
} vg_wire_jti_t;

/* Called once per datagram with its payload; returns 0 to continue. */
typedef int (*vg_wire_jti_fn) (void *arg, const uint8_t *p, size_t len);

/* Encode one router sample into datagrams and hand each to fn.  scratch is a reusable
 * buffer.  Returns the number of datagrams, -VG_ENOMEM, or fn's non-zero return. */
int vg_wire_jti_encode (const vg_wire_router_t *r, vg_wire_jti_t *st, vg_buf_t *scratch, vg_wire_jti_fn fn,
                        void *arg);

#endif
