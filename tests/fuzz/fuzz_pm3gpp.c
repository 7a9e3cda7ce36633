/* fuzz_pm3gpp.c - libFuzzer target: one 3GPP PM XML file per input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/pm3gpp.h"
#include "tests/fuzz/fuzz_sink.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    vg_fuzz_t f;
    vg_fuzz_init (&f, false);
    (void) vg_pm3gpp_decode (data, size, NULL, &f.sink, &f.st);
    return 0;
}
