/* wire_mdt.h - Cisco IOS XR model-driven telemetry encoder for the simulator: one router
 * sample becomes TCP dial-out frames (12-byte header + JSON or self-describing kvGPB
 * Telemetry), one per encoding path, as an IOS XR sensor group would send them.
 * Invariant: the bytes are a function of the view and the collection id only. */
#ifndef VG_WIRE_MDT_H
#define VG_WIRE_MDT_H

#include <stdint.h>

#include "common/buf.h"
#include "sim/wire_view.h"

enum { VG_WIRE_MDT_JSON = 2, VG_WIRE_MDT_KVGPB = 4 }; /* msg_encap values */

/* Append the 12-byte header (type DATA, encap, version 1, flags 0) and the payload to out.
 * Returns 0 or -VG_ENOMEM. */
int vg_wire_mdt_frame (vg_buf_t *out, int encap, const void *payload, size_t len);

/* Append the frames of one router sample to out: interface generic counters, interface
 * state, CPU, memory summary and uptime.  subscription names the sensor group; coll_id is
 * the first collection id (one per frame, incremented in *coll_id).  encap is
 * VG_WIRE_MDT_JSON or VG_WIRE_MDT_KVGPB.  Returns the number of frames or -VG_ENOMEM. */
int vg_wire_mdt_encode (const vg_wire_router_t *r, const char *subscription, uint64_t *coll_id, int encap,
                        vg_buf_t *out);

#endif
