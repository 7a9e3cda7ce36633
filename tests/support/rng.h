/* rng.h - tiny deterministic random sources for tests (xorshift64 with uniform and normal
 * draws, splitmix64): the same seed gives the same series on every machine. */
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

/* splitmix64: the next value of the sequence seeded by *state (any value, zero included). */
static inline uint64_t
rng_splitmix (uint64_t *state)
{
    uint64_t z = (*state += UINT64_C (0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Standard normal (Box-Muller). */
static inline double
rng_n (rng_t *r)
{
    double u = rng_u (r), v = rng_u (r);
    return sqrt (-2 * log (u)) * cos (2 * M_PI * v);
}

#endif
