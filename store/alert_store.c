/* alert_store.c - alert records keyed by time + uid (see alert_store.h). */
#include "store/alert_store.h"

#include <string.h>

#include "common/err.h"

static void
s_time_key (uint8_t k[8], int64_t ts_ms)
{
    vg_be64 (k, (uint64_t) ts_ms ^ (1ULL << 63));
}

size_t
vg_alert_store_key (const vg_alert_t *a, uint8_t *k)
{
    s_time_key (k, a->time_ms);
    size_t n = strnlen (a->uid, sizeof a->uid - 1);
    memcpy (k + 8, a->uid, n);
    k[8 + n] = '\0';
    k[9 + n] = (uint8_t) a->activity;
    return 10 + n;
}

int
vg_alert_store_put (vg_store_txn_t *txn, const vg_alert_t *a, vg_buf_t *json)
{
    size_t need = vg_alert_to_json (a, NULL, 0) + 1;
    vg_buf_reset (json);
    if (vg_buf_reserve (json, need) < 0)
        return -VG_ENOMEM;
    json->len = vg_alert_to_json (a, (char *) json->data, need);
    uint8_t k[VG_ALERT_STORE_KEY_MAX];
    size_t kl = vg_alert_store_key (a, k);
    vg_store_txn_put (txn, VG_CF_ALERTS, k, kl, json->data, json->len);
    return 0;
}

typedef struct {
    vg_alert_record_fn fn;
    void *ctx;
} s_scan_t;

static int
s_visit (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_scan_t *sc = ctx;
    if (kl < 10 || kl > VG_ALERT_STORE_KEY_MAX || k[kl - 2] != '\0')
        return 0;
    char uid[VG_ALERT_KEY_MAX + 24];
    size_t ul = kl - 10;
    if (ul >= sizeof uid || memchr (k + 8, '\0', ul))
        return 0;
    memcpy (uid, k + 8, ul);
    uid[ul] = '\0';
    int64_t t = (int64_t) (vg_get_be64 (k) ^ (1ULL << 63));
    return sc->fn (sc->ctx, t, uid, k[kl - 1], (const char *) v, vl);
}

int
vg_alert_store_scan (vg_store_t *s, int64_t from_ms, int64_t to_ms, vg_alert_record_fn fn, void *ctx)
{
    uint8_t k0[8], k1[8];
    s_time_key (k0, from_ms);
    s_time_key (k1, to_ms);
    s_scan_t sc = { fn, ctx };
    return vg_store_scan (s, VG_CF_ALERTS, k0, 8, to_ms == INT64_MAX ? NULL : k1, 8, s_visit, &sc);
}
