/* fuzz_udp_notif.c - libFuzzer target: the input is a sequence of datagrams, each prefixed
 * by a 2-byte length, fed to one reassembly state (exercises segments and timeouts). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/udp_notif.h"
#include "tests/fuzz/fuzz_sink.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    vg_udp_notif_cfg_t cfg;
    vg_udp_notif_cfg_default (&cfg);
    cfg.max_pending = 8;
    cfg.max_bytes = 1 << 16;
    cfg.max_segments = 16;
    vg_udp_notif_t *un = vg_udp_notif_new (&cfg);
    if (!un)
        return 0;
    vg_fuzz_t f;
    vg_fuzz_init (&f, false);
    vg_decode_ctx_t ctx = { "192.0.2.1:1", 1 };
    size_t o = 0;
    while (size - o >= 2) {
        size_t n = ((size_t) data[o] << 8) | data[o + 1];
        o += 2;
        if (n > size - o)
            n = size - o;
        ctx.received_ms += 1000;
        (void) vg_udp_notif_decode (un, data + o, n, &ctx, &f.sink, &f.st);
        o += n;
    }
    /* The payload alone, as JSON. */
    (void) vg_udp_notif_decode_json ((const char *) data, size, "d", &ctx, &f.sink, &f.st);
    vg_udp_notif_destroy (&un);
    return 0;
}
