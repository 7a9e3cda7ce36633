/* pbwalk.h - a schema-less protobuf wire reader.
 *
 * Iterates the fields of one message buffer without a schema: each step yields the field
 * number, the wire type and either the scalar (varint, fixed32, fixed64) or a borrowed
 * slice (length-delimited).  Invariant: nothing is read outside [p, p + len); a malformed
 * tag, a truncated value, a length past the end or a group wire type stops the walk with
 * an error.  Callers that descend into embedded messages pass depth + 1 and must refuse to
 * go deeper than VG_PB_MAX_DEPTH. */
#ifndef VG_PBWALK_H
#define VG_PBWALK_H

#include <stddef.h>
#include <stdint.h>

#define VG_PB_MAX_DEPTH 32          /* deepest nesting any decoder descends to */
#define VG_PB_MAX_FIELD 536870911u  /* 2^29 - 1, the largest legal field number */

enum {
    VG_PB_VARINT = 0,
    VG_PB_FIXED64 = 1,
    VG_PB_LEN = 2,
    VG_PB_FIXED32 = 5
};

/* One field as read from the wire.  For VG_PB_LEN, p/len borrow the reader's buffer. */
typedef struct {
    uint32_t num;         /* field number, 1..VG_PB_MAX_FIELD */
    uint8_t wt;           /* VG_PB_VARINT, VG_PB_FIXED64, VG_PB_LEN or VG_PB_FIXED32 */
    uint64_t u;           /* varint value, or the raw little-endian fixed32/fixed64 bits */
    const uint8_t *p;     /* VG_PB_LEN: payload */
    size_t len;           /* VG_PB_LEN: payload length */
} vg_pb_field_t;

/* A cursor over one message buffer.  Plain struct so it lives on the stack. */
typedef struct {
    const uint8_t *p;
    const uint8_t *end;
    int err;              /* sticky: 0, or the negative -VG_E* code of the first failure */
} vg_pb_reader_t;

/* Start reading buf[0..len).  buf may be NULL when len is 0. */
void vg_pb_init (vg_pb_reader_t *r, const uint8_t *buf, size_t len);

/* Read the next field into *f.  Returns 1 when a field was read, 0 at the clean end of the
 * buffer, or a negative -VG_E* code (-VG_ETRUNC truncated, -VG_EPROTO bad tag / wire type
 * / field number).  After an error r->err holds the code and later calls return it. */
int vg_pb_next (vg_pb_reader_t *r, vg_pb_field_t *f);

/* vg_pb_next for a loop, `while (vg_pb_more (&r, &f, &rc)) { ... }`: returns 1 when *f was
 * read (and sets *rc to 0), else 0 with *rc = 0 at the clean end or the negative code. */
static inline int
vg_pb_more (vg_pb_reader_t *r, vg_pb_field_t *f, int *rc)
{
    int n = vg_pb_next (r, f);
    *rc = n < 0 ? n : 0;
    return n == 1;
}

/* Scalar conversions of a field read by vg_pb_next. */
static inline int64_t vg_pb_sint (uint64_t u) { return (int64_t) (u >> 1) ^ -(int64_t) (u & 1); }
double vg_pb_double (uint64_t bits);   /* fixed64 bits -> IEEE-754 double */
float vg_pb_float (uint64_t bits);     /* low 32 bits -> IEEE-754 float */

/* One field a caller wants from a message: its number, its wire type, and where its last
 * occurrence is copied (*out is left as it was when the field is absent). */
typedef struct {
    uint32_t num;
    uint8_t wt;
    vg_pb_field_t *out;
} vg_pb_want_t;

/* Read buf[0..len) (one level, not nested) and copy the last occurrence of each wanted
 * field into its out; other fields, and wanted numbers with another wire type, are
 * skipped.  Returns 0 or the negative code vg_pb_next returns (outs may then hold what
 * was read before the error). */
int vg_pb_pick (const uint8_t *buf, size_t len, const vg_pb_want_t *want, size_t n);

/* Validate that buf[0..len) parses as a sequence of fields (one level, not nested).
 * Returns 0 or the negative code vg_pb_next would return. */
int vg_pb_check (const uint8_t *buf, size_t len);

/* Copy a length-delimited field into dst (NUL-terminated, truncated to cap - 1 bytes).
 * Returns dst.  cap must be >= 1.  Embedded NUL bytes end the copy early. */
char *vg_pb_strcpy (char *dst, size_t cap, const vg_pb_field_t *f);

/* Read one varint length prefix from [p, end) (the "delimited" stream format).  Returns
 * the bytes consumed (1..10) and sets *len, or 0 when truncated or malformed. */
size_t vg_pb_delim_len (const uint8_t *p, const uint8_t *end, uint64_t *len);

#endif
