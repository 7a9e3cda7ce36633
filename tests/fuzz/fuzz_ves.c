/* fuzz_ves.c - libFuzzer target: one VES body per input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/ves.h"
#include "tests/fuzz/fuzz_sink.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    vg_fuzz_t f;
    vg_fuzz_init (&f, false);
    vg_decode_ctx_t ctx = { "198.51.100.1:443", 1 };
    (void) vg_ves_decode (data, size, &ctx, &f.sink, &f.st);
    return 0;
}
