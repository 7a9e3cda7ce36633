/* samples.h - reusable sample arrays (timestamps, values) that only grow.
 *
 * Decoding a chunk needs room for its samples; stages that decode batch after batch keep
 * one of these and reserve before each decode, so steady state does not allocate.  v holds
 * values as doubles (detectors); num holds them as stored (vg_num_t: exact integers for
 * integer chunks, see common/chunk.h), for stages that write them on. */
#ifndef VG_SAMPLES_H
#define VG_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "common/num.h"

typedef struct {
    int64_t *ts;
    double *v;
    vg_num_t *num;
    size_t cap;   /* samples every array holds */
} vg_samples_t;

#define VG_SAMPLES_INIT { NULL, NULL, NULL, 0 }

/* Make room for n samples in all three arrays (growing geometrically, never shrinking).
 * Returns 0 or -VG_ENOMEM; on failure the arrays keep their old contents and capacity. */
int vg_samples_reserve (vg_samples_t *s, size_t n);
/* Free the arrays; the struct is empty and reusable. NULL-safe. */
void vg_samples_free (vg_samples_t *s);

#endif
