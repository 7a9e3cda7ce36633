/* fuzz_mdt.c - libFuzzer target: arbitrary bytes through the MDT stream reassembler (in
 * input-chosen read sizes), as a UDP datagram and as a bare payload. */
#include <stddef.h>
#include <stdint.h>

#include "decode/mdt.h"
#include "tests/fuzz/fuzz_sink.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    vg_fuzz_t f;
    vg_fuzz_init (&f, false);
    vg_mdt_decode_payload (data, size, VG_MDT_ENCAP_AUTO, NULL, &f.sink, &f.st);
    vg_mdt_decode_datagram (data, size, NULL, &f.sink, &f.st);
    if (size < 1)
        return 0;
    vg_mdt_stream_t *s = vg_mdt_stream_new ();
    if (!s)
        return 0;
    size_t chunk = (size_t) data[0] + 1, off = 1;
    while (off < size) {
        size_t k = size - off < chunk ? size - off : chunk;
        if (vg_mdt_stream_feed (s, data + off, k, NULL, &f.sink, &f.st) < 0)
            break;
        off += k;
    }
    vg_mdt_stream_destroy (&s);
    return 0;
}
