/* chunk_frozen.h - a version 3 chunk (codec 7) as the version that introduced it wrote it,
 * and the samples it holds: a uint64 counter wrapping past 2^64 - 1, one irregular
 * timestamp.  Shared by the codec's suite (check_chunk_store: the bytes decode) and the
 * store's (check_store: a key of an older store holding them reads and re-seals exactly),
 * so both test the same frozen bytes.  Header-only; test-only. */
#ifndef VG_TEST_CHUNK_FROZEN_H
#define VG_TEST_CHUNK_FROZEN_H

#include <stddef.h>
#include <stdint.h>

#include "common/num.h"

enum { VG_FROZEN_V3_N = 40 };
#define VG_FROZEN_V3_T0_MS INT64_C (1764367381000)

static const uint8_t vg_frozen_v3_counter[] = {
    0x07, 0x28, 0x90, 0xc8, 0xed, 0xc7, 0xd9, 0x66, 0xc0, 0xa9, 0x07, 0x00, 0x00, 0x19, 0xf4, 0xdf, 0x3e, 0x7d, 0x00, 0x00,
    0x04, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x4a, 0xb4, 0x1f, 0xf8, 0xfc, 0x98, 0xd1, 0xf7, 0x69, 0xe4, 0x39, 0xc9,
    0xf4, 0x0c, 0x68, 0xfb, 0x16, 0x36, 0x5d, 0xe1, 0x3c, 0x87, 0x39, 0x3e, 0x81, 0x8d, 0x1f, 0x62, 0xc6, 0xc0
};

/* The samples of vg_frozen_v3_counter: ts[0..VG_FROZEN_V3_N) one minute apart from
 * VG_FROZEN_V3_T0_MS (the 21st 250 ms late), v[] the counter from 2^64 - 3001 on. */
static inline void
vg_frozen_v3_samples (int64_t ts[VG_FROZEN_V3_N], vg_num_t v[VG_FROZEN_V3_N])
{
    uint64_t c = UINT64_MAX - 3000;
    for (int i = 0; i < VG_FROZEN_V3_N; i++) {
        ts[i] = VG_FROZEN_V3_T0_MS + (int64_t) i * 60000;
        c += 100 + (uint64_t) ((i * 37) % 23);
        v[i].u = c;
    }
    ts[20] += 250;
}

#endif
