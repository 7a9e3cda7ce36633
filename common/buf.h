/* buf.h - a growable byte buffer.
 *
 * Invariant: data[0..len) is valid; cap >= len; data is NULL only while cap == 0.
 * A buffer is reused across batches (vg_buf_reset keeps the memory), so steady-state
 * encoding does not allocate. */
#ifndef VG_BUF_H
#define VG_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} vg_buf_t;

#define VG_BUF_INIT { NULL, 0, 0 }

/* Make room for `extra` more bytes. Returns 0 or -VG_ENOMEM. */
int vg_buf_reserve (vg_buf_t *b, size_t extra);
/* Append printf-style formatted text (no NUL is counted in len).  Returns 0, -VG_EINVAL
 * for a bad format or -VG_ENOMEM. */
int vg_buf_printf (vg_buf_t *b, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Append n bytes. Returns 0 or -VG_ENOMEM. */
int vg_buf_append (vg_buf_t *b, const void *data, size_t n);
/* Forget the contents, keep the memory. */
static inline void vg_buf_reset (vg_buf_t *b) { b->len = 0; }
/* Free the memory; the buffer is empty and reusable afterwards. NULL-safe. */
void vg_buf_free (vg_buf_t *b);

/* Whether the n bytes at hay contain the NUL-terminated needle ("" is everywhere): a cheap
 * test before unpacking a record that must hold a given id. */
int vg_mem_contains (const void *hay, size_t n, const char *needle);

#endif
