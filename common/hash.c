/* hash.c - 64-bit hashing (multiply-xorshift over 8-byte words) and series ids. */
#include "common/hash.h"

#include <stdlib.h>
#include <string.h>

uint64_t
vg_hash_mix64 (uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

uint64_t
vg_hash64 (const void *data, size_t n, uint64_t seed)
{
    const uint8_t *p = data;
    uint64_t h = seed ^ (0x9e3779b97f4a7c15ULL * (n + 1));
    while (n >= 8) {
        uint64_t w;
        memcpy (&w, p, 8);
        h = (h ^ vg_hash_mix64 (w)) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    for (size_t i = 0; i < n; i++)
        tail |= (uint64_t) p[i] << (8 * i);
    h = (h ^ vg_hash_mix64 (tail ^ ((uint64_t) n << 56))) * 0x9e3779b97f4a7c15ULL;
    return vg_hash_mix64 (h);
}

static uint64_t
s_str (uint64_t h, const char *s)
{
    size_t n = s ? strlen (s) : 0;
    /* Length-prefix each field so ("ab","c") and ("a","bc") differ. */
    return vg_hash64 (s ? s : "", n, h ^ vg_hash_mix64 (n + 0x51));
}

uint64_t
vg_series_id_device (const char *device)
{
    return s_str (0x76696769, device);
}

uint64_t
vg_series_id_label_key (const char *key)
{
    return s_str (0x6c61626c, key);
}

uint64_t
vg_series_id_label (uint64_t key_h, const char *value)
{
    return s_str (key_h, value);
}

uint64_t
vg_series_id_path (uint64_t device_h, const char *path)
{
    return s_str (device_h, path);
}

uint64_t
vg_series_id_finish (uint64_t path_h, const uint64_t *label_h, size_t nlabels)
{
    uint64_t h = path_h;
    /* Order-independent over labels without sorting: combine per-label hashes with + and ^. */
    uint64_t sum = 0, x = 0;
    for (size_t i = 0; i < nlabels; i++) {
        sum += label_h[i];
        x ^= vg_hash_mix64 (label_h[i]);
    }
    h = vg_hash_mix64 (h ^ vg_hash_mix64 (sum + nlabels) ^ (x * 0x9e3779b97f4a7c15ULL));
    return h ? h : 1;
}

uint64_t
vg_series_id (const char *device, const char *path, const vg_label_t *labels, size_t nlabels)
{
    uint64_t h = s_str (0x76696769, device);
    h = s_str (h, path);
    /* Order-independent over labels without sorting: combine per-label hashes with + and ^. */
    uint64_t sum = 0, x = 0;
    for (size_t i = 0; i < nlabels; i++) {
        uint64_t lh = s_str (s_str (0x6c61626c, labels[i].key), labels[i].value);
        sum += lh;
        x ^= vg_hash_mix64 (lh);
    }
    h = vg_hash_mix64 (h ^ vg_hash_mix64 (sum + nlabels) ^ (x * 0x9e3779b97f4a7c15ULL));
    return h ? h : 1;
}
