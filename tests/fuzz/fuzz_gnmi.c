/* fuzz_gnmi.c - libFuzzer target: arbitrary bytes as one SubscribeResponse and as a
 * varint-delimited stream, into a counting sink. */
#include <stddef.h>
#include <stdint.h>

#include "decode/gnmi.h"
#include "tests/fuzz/fuzz_sink.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    vg_fuzz_sink_t fs = { 0, true };
    vg_sink_t sink = vg_fuzz_sink (&fs);
    vg_decode_stats_t st = { 0 };
    vg_decode_ctx_t ctx = { "fuzz", 1 };
    vg_gnmi_decode (data, size, &ctx, &sink, &st);
    vg_gnmi_decode_delimited (data, size, NULL, &sink, &st);
    return 0;
}
