/* fuzz_jti.c - libFuzzer target: arbitrary bytes as a JTI UDP payload, with sequence
 * tracking, into a counting sink. */
#include <stddef.h>
#include <stdint.h>

#include "decode/jti.h"
#include "tests/fuzz/fuzz_sink.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    vg_fuzz_t f;
    vg_fuzz_init (&f, false);
    vg_jti_state_t *state = vg_jti_state_new ();
    vg_jti_decode (data, size, NULL, &f.sink, state, &f.st);
    vg_jti_decode (data, size, NULL, &f.sink, state, &f.st);
    vg_jti_state_destroy (&state);
    return 0;
}
