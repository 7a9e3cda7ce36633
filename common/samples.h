/* samples.h - a reusable pair of sample arrays (timestamps, values) that only grows.
 *
 * Decoding a chunk needs room for its samples; stages that decode batch after batch keep
 * one of these and reserve before each decode, so steady state does not allocate. */
#ifndef VG_SAMPLES_H
#define VG_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t *ts;
    double *v;
    size_t cap;   /* samples both arrays hold */
} vg_samples_t;

#define VG_SAMPLES_INIT { NULL, NULL, 0 }

/* Make room for n samples (growing geometrically, never shrinking).  Returns 0 or
 * -VG_ENOMEM; on failure the arrays keep their old contents and capacity. */
int vg_samples_reserve (vg_samples_t *s, size_t n);
/* Free both arrays; the struct is empty and reusable. NULL-safe. */
void vg_samples_free (vg_samples_t *s);

#endif
