/* ndjson_sink.h - a vg_sink_t that prints every sample and event as one JSON line.
 *
 * Used by `vigil decode` and by tests to see exactly what a decoder produced.  The sink
 * remembers announced devices (id -> vendor) in a bounded table so each line can carry
 * the vendor; beyond the bound new devices print "vendor":null and are counted.  Strings
 * are escaped per RFC 8259; a line is built in a reused buffer and written with one
 * fwrite(), so steady-state printing does not allocate. */
#ifndef VG_NDJSON_SINK_H
#define VG_NDJSON_SINK_H

#include <stdint.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/sink.h"

typedef struct vg_ndjson_sink vg_ndjson_sink_t;

#define VG_NDJSON_MAX_DEVICES 65536

/* Create a printer writing to `out` (borrowed; must outlive the sink).  max_devices bounds
 * the device table (0 = VG_NDJSON_MAX_DEVICES).  Returns NULL on allocation failure. */
vg_ndjson_sink_t *vg_ndjson_sink_new (FILE *out, size_t max_devices);
/* Free the printer (does not close `out`).  NULL-safe; sets *self_p to NULL. */
void vg_ndjson_sink_destroy (vg_ndjson_sink_t **self_p);
/* The sink ops bound to this printer.  Callbacks return 0, -VG_EIO when a write fails,
 * -VG_ENOMEM when the line buffer cannot grow, -VG_EINVAL for a NULL required field. */
vg_sink_t vg_ndjson_sink_ops (vg_ndjson_sink_t *self);
/* Lines written so far. */
uint64_t vg_ndjson_sink_lines (const vg_ndjson_sink_t *self);
/* Devices that did not fit the table (their lines print "vendor":null). */
uint64_t vg_ndjson_sink_devices_dropped (const vg_ndjson_sink_t *self);

/* Append `s` as a quoted, escaped JSON string (NULL -> null) to the buffer.  Invalid
 * UTF-8 bytes are replaced by U+FFFD so the output is always valid JSON.  Returns 0 or
 * -VG_ENOMEM.  Exposed for the other JSON printers of the agent. */
int vg_ndjson_append_str (vg_buf_t *buf, const char *s);

#endif
