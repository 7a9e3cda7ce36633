/* rng.h - a tiny deterministic random source for tests (xorshift64 with uniform and normal
 * draws): the same seed gives the same series on every machine. */
#ifndef VG_TEST_RNG_H
#define VG_TEST_RNG_H

#include <math.h>
#include <stdint.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct {
    uint64_t s;  /* seed: any non-zero value */
} rng_t;

/* Uniform in (0, 1). */
static inline double
rng_u (rng_t *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return ((r->s >> 11) + 0.5) / 9007199254740992.0;
}

/* Standard normal (Box-Muller). */
static inline double
rng_n (rng_t *r)
{
    double u = rng_u (r), v = rng_u (r);
    return sqrt (-2 * log (u)) * cos (2 * M_PI * v);
}

#endif
