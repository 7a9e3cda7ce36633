/* series_meta.c - reading and writing the series column family (see series_meta.h). */
#include "store/series_meta.h"

#include "common/buf.h"
#include "common/byteorder.h"
#include "common/err.h"

typedef struct {
    vg_series_meta_fn fn;
    void *ctx;
    uint64_t skipped;
    const char *needle;
} s_scan_t;

static int
s_visit (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_scan_t *sc = ctx;
    if (kl != VG_SERIES_KEY_LEN) {
        sc->skipped++;
        return 0;
    }
    if (!vg_mem_contains (v, vl, sc->needle))
        return 0;
    Vigil__SeriesMeta *m = vigil__series_meta__unpack (NULL, vl, v);
    if (!m) {
        sc->skipped++;
        return 0;
    }
    int rc = sc->fn (sc->ctx, vg_get_be64 (k), &m);
    if (m)
        vigil__series_meta__free_unpacked (m, NULL);
    return rc;
}

int
vg_series_meta_scan (vg_store_t *s, vg_series_meta_fn fn, void *ctx, uint64_t *skipped)
{
    return vg_series_meta_scan_having (s, "", fn, ctx, skipped);
}

int
vg_series_meta_scan_having (vg_store_t *s, const char *needle, vg_series_meta_fn fn, void *ctx, uint64_t *skipped)
{
    s_scan_t sc = { fn, ctx, 0, needle ? needle : "" };
    int rc = vg_store_scan (s, VG_CF_SERIES, NULL, 0, NULL, 0, s_visit, &sc);
    if (skipped)
        *skipped = sc.skipped;
    return rc < 0 ? rc : 0;
}

int
vg_series_meta_put (vg_store_txn_t *txn, uint64_t sid, const Vigil__SeriesMeta *m, vg_buf_t *scratch)
{
    size_t sz = vigil__series_meta__get_packed_size (m);
    vg_buf_reset (scratch);
    int rc = vg_buf_reserve (scratch, sz);
    if (rc < 0)
        return rc;
    vigil__series_meta__pack (m, scratch->data);
    uint8_t k[VG_SERIES_KEY_LEN];
    vg_be64 (k, sid);
    vg_store_txn_put (txn, VG_CF_SERIES, k, sizeof k, scratch->data, sz);
    return 0;
}
