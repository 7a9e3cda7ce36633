/* fuzz_pm3gpp.c - libFuzzer target: one 3GPP PM XML file per input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/pm3gpp.h"

static int f_dev (void *c, const vg_device_t *d) { (void) c; return d->id ? 0 : -1; }
static int f_smp (void *c, const vg_point_t *p) { (void) c; return p->path && p->device ? 0 : -1; }
static int f_evt (void *c, const vg_event_t *e) { (void) c; (void) e; return 0; }

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    vg_sink_t sink = { NULL, f_dev, f_smp, f_evt };
    vg_decode_stats_t st;
    memset (&st, 0, sizeof st);
    (void) vg_pm3gpp_decode (data, size, NULL, &sink, &st);
    return 0;
}
