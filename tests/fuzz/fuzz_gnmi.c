/* fuzz_gnmi.c - libFuzzer target: arbitrary bytes as one SubscribeResponse and as a
 * varint-delimited stream, into a counting sink. */
#include <stddef.h>
#include <stdint.h>

#include "decode/gnmi.h"

static int s_dev (void *c, const vg_device_t *d) { (void) c; return d->id ? 0 : -1; }
static int s_smp (void *c, const vg_point_t *p) { ++*(size_t *) c; return p->path ? 0 : -1; }
static int s_evt (void *c, const vg_event_t *e) { (void) c; return e->nattrs ? 0 : -1; }

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    size_t n = 0;
    vg_sink_t sink = { &n, s_dev, s_smp, s_evt };
    vg_decode_stats_t st = { 0 };
    vg_decode_ctx_t ctx = { "fuzz", 1 };
    vg_gnmi_decode (data, size, &ctx, &sink, &st);
    vg_gnmi_decode_delimited (data, size, NULL, &sink, &st);
    return 0;
}
