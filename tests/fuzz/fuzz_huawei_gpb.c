/* fuzz_huawei_gpb.c - libFuzzer target: arbitrary bytes as a Huawei Telemetry and as a
 * dial-out serviceArgs, into a counting sink. */
#include <stddef.h>
#include <stdint.h>

#include "decode/huawei_gpb.h"
#include "tests/fuzz/fuzz_sink.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    vg_fuzz_t f;
    vg_fuzz_init (&f, true);
    vg_huawei_gpb_decode (data, size, NULL, &f.sink, &f.st);
    vg_huawei_dialout_decode (data, size, NULL, &f.sink, &f.st);
    return 0;
}
