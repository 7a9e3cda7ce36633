/* fuzz_ves.c - libFuzzer target: one VES body per input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/ves.h"

static int f_dev (void *c, const vg_device_t *d) { (void) c; return d->id ? 0 : -1; }
static int f_smp (void *c, const vg_point_t *p) { (void) c; return p->path && p->device ? 0 : -1; }
static int f_evt (void *c, const vg_event_t *e) { (void) c; return e->device ? 0 : -1; }

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    vg_sink_t sink = { NULL, f_dev, f_smp, f_evt };
    vg_decode_stats_t st;
    memset (&st, 0, sizeof st);
    vg_decode_ctx_t ctx = { "198.51.100.1:443", 1 };
    (void) vg_ves_decode (data, size, &ctx, &sink, &st);
    return 0;
}
