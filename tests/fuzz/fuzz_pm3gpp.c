/* fuzz_pm3gpp.c - libFuzzer target: one 3GPP PM XML file per input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/pm3gpp.h"
#include "tests/fuzz/fuzz_sink.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    vg_fuzz_sink_t fs = { 0, false };
    vg_sink_t sink = vg_fuzz_sink (&fs);
    vg_decode_stats_t st;
    memset (&st, 0, sizeof st);
    (void) vg_pm3gpp_decode (data, size, NULL, &sink, &st);
    return 0;
}
