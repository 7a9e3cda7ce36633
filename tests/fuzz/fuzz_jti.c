/* fuzz_jti.c - libFuzzer target: arbitrary bytes as a JTI UDP payload, with sequence
 * tracking, into a counting sink. */
#include <stddef.h>
#include <stdint.h>

#include "decode/jti.h"

static int s_dev (void *c, const vg_device_t *d) { (void) c; (void) d; return 0; }
static int s_smp (void *c, const vg_point_t *p) { ++*(size_t *) c; return p->path && p->device ? 0 : -1; }
static int s_evt (void *c, const vg_event_t *e) { (void) c; (void) e; return 0; }

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    size_t n = 0;
    vg_sink_t sink = { &n, s_dev, s_smp, s_evt };
    vg_decode_stats_t st = { 0 };
    vg_jti_state_t *state = vg_jti_state_new ();
    vg_jti_decode (data, size, NULL, &sink, state, &st);
    vg_jti_decode (data, size, NULL, &sink, state, &st);
    vg_jti_state_destroy (&state);
    return 0;
}
