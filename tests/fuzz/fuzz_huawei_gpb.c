/* fuzz_huawei_gpb.c - libFuzzer target: arbitrary bytes as a Huawei Telemetry and as a
 * dial-out serviceArgs, into a counting sink. */
#include <stddef.h>
#include <stdint.h>

#include "decode/huawei_gpb.h"
#include "tests/fuzz/fuzz_sink.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    vg_fuzz_sink_t fs = { 0, true };
    vg_sink_t sink = vg_fuzz_sink (&fs);
    vg_decode_stats_t st = { 0 };
    vg_huawei_gpb_decode (data, size, NULL, &sink, &st);
    vg_huawei_dialout_decode (data, size, NULL, &sink, &st);
    return 0;
}
