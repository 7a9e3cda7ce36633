/* alert_store.c - alert records keyed by time + uid, and the per-episode history that
 * points back at them (see alert_store.h). */
#include "store/alert_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/ocsf.h"

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

/* History key of (episode key, start, record time, activity) into k; returns its length. */
static size_t
s_history_key (uint8_t *k, const char *key, int64_t start_ms, int64_t time_ms, int activity)
{
    size_t n = strnlen (key, VG_ALERT_KEY_MAX - 1);
    s_time_key (k, start_ms);
    memcpy (k + 8, key, n);
    k[8 + n] = '\0';
    s_time_key (k + 9 + n, time_ms);
    k[17 + n] = (uint8_t) activity;
    return 18 + n;
}

int
vg_alert_uid_split (const char *uid, char *key, size_t size, int64_t *start_ms)
{
    const char *at = uid ? strrchr (uid, '@') : NULL;
    if (!at || at == uid || (size_t) (at - uid) >= size || (size_t) (at - uid) >= VG_ALERT_KEY_MAX)
        return -VG_EINVAL;
    if (at[1] != '-' && (at[1] < '0' || at[1] > '9'))
        return -VG_EINVAL;
    char *end = NULL;
    errno = 0;
    long long v = strtoll (at + 1, &end, 10);
    if (errno || end == at + 1 || *end)
        return -VG_EINVAL;
    memcpy (key, uid, (size_t) (at - uid));
    key[at - uid] = '\0';
    *start_ms = (int64_t) v;
    return 0;
}

int
vg_alert_store_put (vg_store_txn_t *txn, const vg_alert_t *a, int64_t wall_ms, const char *store_path, vg_buf_t *json)
{
    size_t need = vg_ocsf_render_stored (a, store_path, NULL, 0) + 1;
    vg_buf_reset (json);
    if (vg_buf_reserve (json, need) < 0)
        return -VG_ENOMEM;
    json->len = vg_ocsf_render_stored (a, store_path, (char *) json->data, need);
    uint8_t k[VG_ALERT_STORE_KEY_MAX];
    size_t kl = vg_alert_store_key (a, k);
    vg_store_txn_put (txn, VG_CF_ALERTS, k, kl, json->data, json->len);
    uint8_t hk[VG_ALERT_HISTORY_KEY_MAX], wall[8];
    size_t hl = s_history_key (hk, a->dedup_key, a->first_seen_ms, a->time_ms, a->activity);
    vg_be64 (wall, (uint64_t) wall_ms);
    vg_store_txn_put (txn, VG_CF_EPISODES, hk, hl, wall, sizeof wall);
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

/* ---- one episode ---- */

typedef struct {
    vg_store_t *s;
    const char *uid;
    size_t prefix;  /* history key bytes before the record time */
    vg_episode_fn fn;
    void *ctx;
    size_t seen;
    int ended;      /* the fallback scan stopped at the episode's Close */
    vg_buf_t json;
} s_episode_t;

/* The stored record (time, uid, activity) into e->json; returns 0 or -VG_ENOTFOUND. */
static int
s_record (s_episode_t *e, int64_t t, int activity)
{
    uint8_t k[VG_ALERT_STORE_KEY_MAX];
    size_t n = strlen (e->uid);
    s_time_key (k, t);
    memcpy (k + 8, e->uid, n);
    k[8 + n] = '\0';
    k[9 + n] = (uint8_t) activity;
    return vg_store_get (e->s, VG_CF_ALERTS, k, 10 + n, &e->json);
}

static int
s_history_visit (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_episode_t *e = ctx;
    if (kl != e->prefix + 9 || vl != 8)
        return 0; /* not this episode's layout: skip */
    int64_t t = (int64_t) (vg_get_be64 (k + e->prefix) ^ (1ULL << 63));
    int act = k[kl - 1];
    int64_t wall = (int64_t) vg_get_be64 (v);
    e->seen++;
    int rc = s_record (e, t, act);
    if (rc == -VG_ESTORE)
        return rc;
    return e->fn (e->ctx, t, act, wall, rc == 0 ? (const char *) e->json.data : NULL, rc == 0 ? e->json.len : 0);
}

static int
s_records_visit (void *ctx, int64_t time_ms, const char *uid, int activity, const char *json, size_t len)
{
    s_episode_t *e = ctx;
    if (strcmp (uid, e->uid) != 0)
        return 0;
    e->seen++;
    int rc = e->fn (e->ctx, time_ms, activity, VG_ALERT_WALL_UNKNOWN, json, len);
    if (rc == 0 && activity == VG_ACT_CLOSE) {
        e->ended = 1; /* the episode ended: stop scanning */
        rc = 1;
    }
    return rc;
}

int
vg_alert_store_episode (vg_store_t *s, const char *uid, vg_episode_fn fn, void *ctx)
{
    char key[VG_ALERT_KEY_MAX];
    int64_t start;
    if (vg_alert_uid_split (uid, key, sizeof key, &start) < 0)
        return -VG_EINVAL;
    s_episode_t e = { s, uid, 0, fn, ctx, 0, 0, VG_BUF_INIT };
    uint8_t lo[VG_ALERT_HISTORY_KEY_MAX], hi[VG_ALERT_HISTORY_KEY_MAX];
    size_t n = strlen (key);
    s_time_key (lo, start);
    memcpy (lo + 8, key, n);
    lo[8 + n] = '\0';
    e.prefix = 9 + n;
    memcpy (hi, lo, e.prefix);
    hi[8 + n] = 1; /* just past every key with this prefix */
    int rc = vg_store_scan (s, VG_CF_EPISODES, lo, e.prefix, hi, e.prefix, s_history_visit, &e);
    if (rc == 0 && e.seen == 0) {
        /* No history (an older store): the records themselves, from the episode start. */
        rc = vg_alert_store_scan (s, start, INT64_MAX, s_records_visit, &e);
        if (e.ended)
            rc = 0;
    }
    vg_buf_free (&e.json);
    if (rc == 0 && e.seen == 0)
        return -VG_ENOTFOUND;
    return rc;
}
