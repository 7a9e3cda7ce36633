/* fuzz_gnmi.c - libFuzzer target: arbitrary bytes as one SubscribeResponse and as a
 * varint-delimited stream, into a counting sink. */
#include <stddef.h>
#include <stdint.h>

#include "decode/gnmi.h"
#include "tests/fuzz/fuzz_sink.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    vg_fuzz_t f;
    vg_fuzz_init (&f, true);
    vg_decode_ctx_t ctx = { "fuzz", 1 };
    vg_gnmi_decode (data, size, &ctx, &f.sink, &f.st);
    vg_gnmi_decode_delimited (data, size, NULL, &f.sink, &f.st);
    return 0;
}
