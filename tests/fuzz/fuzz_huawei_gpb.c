/* fuzz_huawei_gpb.c - libFuzzer target: arbitrary bytes as a Huawei Telemetry and as a
 * dial-out serviceArgs, into a counting sink. */
#include <stddef.h>
#include <stdint.h>

#include "decode/huawei_gpb.h"

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
    vg_huawei_gpb_decode (data, size, NULL, &sink, &st);
    vg_huawei_dialout_decode (data, size, NULL, &sink, &st);
    return 0;
}
