/* array.h - growing a plain C array (pointer + capacity) by doubling.
 *
 * The one growth rule for the many "items + n + cap" arrays in the tree: capacity doubles
 * from a small start until it holds `need` elements, the size multiplication is checked for
 * overflow, and on failure the array is left as it was (still owned by the caller). */
#ifndef VG_ARRAY_H
#define VG_ARRAY_H

#include <stddef.h>

/* Make *items (of *cap elements of elem bytes) hold at least need elements.  Returns 0, or
 * -VG_ENOMEM (allocation failed or need * elem overflows) with *items and *cap unchanged. */
int vg_array_reserve (void **items, size_t *cap, size_t need, size_t elem);

#endif
