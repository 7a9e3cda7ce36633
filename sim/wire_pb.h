/* wire_pb.h - a minimal protobuf writer for the simulator's wire encoders (MDT kvGPB, JTI):
 * varints, fixed64 doubles, length-delimited fields and nested messages written in place
 * (begin / end moves the body behind its key and length, so the output is canonical).
 * Every call appends to a vg_buf_t and returns 0 or -VG_ENOMEM. */
#ifndef VG_WIRE_PB_H
#define VG_WIRE_PB_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

int vg_wire_pb_varint (vg_buf_t *b, uint64_t v);
/* Field `num` as a varint (wire type 0). */
int vg_wire_pb_u64 (vg_buf_t *b, uint32_t num, uint64_t v);
/* Field `num` as a zig-zag sint64 (wire type 0). */
int vg_wire_pb_s64 (vg_buf_t *b, uint32_t num, int64_t v);
/* Field `num` as a little-endian double (wire type 1). */
int vg_wire_pb_double (vg_buf_t *b, uint32_t num, double v);
/* Field `num` as length-delimited bytes / a NUL-terminated string (wire type 2). */
int vg_wire_pb_bytes (vg_buf_t *b, uint32_t num, const void *p, size_t n);
int vg_wire_pb_str (vg_buf_t *b, uint32_t num, const char *s);
/* Start a nested message: returns the mark to pass to vg_wire_pb_end. */
size_t vg_wire_pb_begin (const vg_buf_t *b);
/* Close the nested message started at mark as field `num`. */
int vg_wire_pb_end (vg_buf_t *b, uint32_t num, size_t mark);

#endif
