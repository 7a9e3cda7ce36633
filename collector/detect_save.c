/* detect_save.c - the detect stage across restarts and reloads: the engine state and the
 * device inventory saved with the alerts' commits, restored at start (stored series are
 * declared again first), and a rules reload that carries the state of unchanged rules.
 *
 * Invariant: runs in the stage thread (or before it starts); the state records go into the
 * stage's txn, so they are committed with the alerts they go with or not at all. */
#include "collector/detect_stage_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/file_read.h"
#include "detectors/rules_diff.h"
#include "store/series_meta.h"
#include "proto/vigil.pb-c.h"

#define S_STATE_KEY "engine"
#define S_INVENTORY_KEY "inventory" /* the same without the engine blob */
#define S_MAX_RULES_BYTES (4u << 20)

/* ------------------------------------------------------------------------------------ */
/* Saving */

/* Pack ds into st->packed and add it to the txn under key.  0 or -VG_ENOMEM. */
static int
s_put_record (vg_detect_stage_t *st, const char *key, const Vigil__DetectState *ds)
{
    size_t sz = vigil__detect_state__get_packed_size (ds);
    vg_buf_reset (&st->packed);
    int rc = vg_buf_reserve (&st->packed, sz);
    if (rc < 0)
        return rc;
    vigil__detect_state__pack (ds, st->packed.data);
    st->packed.len = sz;
    vg_store_txn_put (st->txn, VG_CF_DETSTATE, key, strlen (key), st->packed.data, sz);
    return 0;
}

int
vg_detect__put_state (vg_detect_stage_t *st)
{
    vg_buf_reset (&st->blob);
    int rc = vg_engine_save (st->engine, &st->blob);
    if (rc < 0)
        return rc;
    size_t ndevs = vg_detect_feed_ndevices (st->feed);
    Vigil__Device *devs = ndevs ? calloc (ndevs, sizeof *devs) : NULL;
    Vigil__Device **ptrs = ndevs ? calloc (ndevs, sizeof *ptrs) : NULL;
    if (ndevs && (!devs || !ptrs)) {
        free (devs);
        free (ptrs);
        return -VG_ENOMEM;
    }
    for (size_t i = 0; i < ndevs; i++) {
        const vg_device_t *d = vg_detect_feed_device_at (st->feed, i);
        vigil__device__init (&devs[i]);
        devs[i].id = (char *) d->id;
        devs[i].vendor = (char *) d->vendor;
        devs[i].model = (char *) d->model;
        devs[i].role = (char *) d->role;
        devs[i].site = (char *) d->site;
        devs[i].sw_version = (char *) d->sw_version;
        ptrs[i] = &devs[i];
    }
    Vigil__DetectState ds = VIGIL__DETECT_STATE__INIT;
    ds.version = 1;
    ds.rules_digest = st->rules->digest;
    ds.saved_ms = vg_clock_now_ms ();
    int64_t et = vg_detect_feed_event_time (st->feed);
    ds.event_time_ms = et == INT64_MIN ? 0 : et;
    ds.n_devices = ndevs;
    ds.devices = ptrs;
    ds.engine.data = st->blob.data;
    ds.engine.len = st->blob.len;
    ds.batches = st->batches_life;
    rc = s_put_record (st, S_STATE_KEY, &ds);
    /* The same record without the engine blob, for readers that need only the inventory
     * (vigil replay: a few KB to read instead of the whole state; same write batch). */
    ds.engine.data = NULL;
    ds.engine.len = 0;
    rc = rc ? rc : s_put_record (st, S_INVENTORY_KEY, &ds);
    free (devs);
    free (ptrs);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Start-up: rules file, saved state */

char *
vg_detect__read_rules (const char *path, size_t *len, char *err, size_t errlen)
{
    vg_buf_t b = VG_BUF_INIT;
    int rc = vg_file_read (path, S_MAX_RULES_BYTES, &b);
    if (rc == -VG_EIO && !b.data) {
        snprintf (err, errlen, "detect.rules: cannot open '%s': %s", path, strerror (errno));
        return NULL;
    }
    if (rc < 0) {
        snprintf (err, errlen, "detect.rules: cannot read '%s' (or larger than %u bytes)", path, S_MAX_RULES_BYTES);
        vg_buf_free (&b);
        return NULL;
    }
    *len = b.len;
    return (char *) b.data; /* NUL-terminated; the caller frees it */
}

typedef struct {
    vg_detect_stage_t *st;
    vg_engine_t *engine;      /* the engine to declare into */
    size_t declared, skipped;
} s_decl_t;

/* Re-declare a stored series whose device is in the saved inventory. */
static int
s_declare_stored (void *ctx, uint64_t sid, Vigil__SeriesMeta **meta_p)
{
    s_decl_t *dc = ctx;
    const Vigil__SeriesMeta *m = *meta_p;
    const vg_device_t *d = m->device ? vg_detect_feed_find (dc->st->feed, m->device) : NULL;
    if (d && m->n_labels <= VG_MAX_LABELS && m->path && (int) m->kind >= 0 &&
        m->kind <= VIGIL__SERIES_KIND__SERIES_KIND_STATE) {
        vg_label_t labels[VG_MAX_LABELS];
        for (size_t i = 0; i < m->n_labels; i++) {
            labels[i].key = m->labels[i]->key;
            labels[i].value = m->labels[i]->value;
        }
        vg_series_info_t info = { d, m->path, labels, m->n_labels, (vg_kind_t) m->kind };
        if (vg_engine_series (dc->engine, sid, &info) >= 0)
            dc->declared++;
        else
            dc->skipped++;
    } else {
        dc->skipped++;
    }
    return 0;
}

void
vg_detect__restore (vg_detect_stage_t *st)
{
    vg_buf_t val = VG_BUF_INIT;
    int rc = vg_store_get (st->store, VG_CF_DETSTATE, S_STATE_KEY, strlen (S_STATE_KEY), &val);
    if (rc == -VG_ENOTFOUND) {
        vg_log (VG_LOG_INFO, "detect", "no saved detector state: detectors start cold and warm up on new data");
        vg_buf_free (&val);
        return;
    }
    Vigil__DetectState *ds = rc == 0 ? vigil__detect_state__unpack (NULL, val.len, val.data) : NULL;
    if (!ds || ds->version != 1) {
        vg_log (VG_LOG_WARN, "detect", "saved detector state unreadable (%s): detectors start cold",
                rc < 0 ? vg_strerror (rc) : "bad record");
        if (ds)
            vigil__detect_state__free_unpacked (ds, NULL);
        vg_buf_free (&val);
        return;
    }
    for (size_t i = 0; i < ds->n_devices; i++) {
        const Vigil__Device *d = ds->devices[i];
        vg_device_t in = { d->id, d->vendor, d->model, d->role, d->site, d->sw_version };
        vg_detect_feed_device (st->feed, &in);
    }
    s_decl_t dc = { st, st->engine, 0, 0 };
    rc = vg_series_meta_scan (st->store, s_declare_stored, &dc, NULL);
    if (rc < 0)
        vg_log (VG_LOG_WARN, "detect", "re-declaring stored series: %s", vg_strerror (rc));
    if (ds->rules_digest != st->rules->digest)
        vg_log (VG_LOG_INFO, "detect", "rules changed since the state was saved: state of removed rules is dropped");
    rc = vg_engine_load (st->engine, ds->engine.data, ds->engine.len);
    if (rc < 0)
        vg_log (VG_LOG_WARN, "detect", "saved engine state partly loaded: %s", vg_strerror (rc));
    vg_detect_feed_set_event_time (st->feed, ds->event_time_ms > 0 ? ds->event_time_ms : INT64_MIN);
    st->batches_life = ds->batches;
    vg_engine_stats_t es;
    vg_engine_stats (st->engine, &es);
    char t[40];
    vg_clock_rfc3339 (ds->saved_ms, t, sizeof t);
    vg_log (VG_LOG_INFO, "detect",
            "detector state restored (saved %s): %zu devices, %zu series, %llu instances, %llu open episodes, "
            "%llu entries skipped",
            t, vg_detect_feed_ndevices (st->feed), dc.declared, (unsigned long long) es.instances, (unsigned long long) es.episodes_open,
            (unsigned long long) es.load_skipped);
    vigil__detect_state__free_unpacked (ds, NULL);
    vg_buf_free (&val);
}

/* ------------------------------------------------------------------------------------ */
/* Reload (SIGHUP): new rules, new engine, unchanged rules' state carried over */

/* Build an engine over rules with the current engine's state, skipping the state of the
 * rules marked in fresh, into *out; the feed then feeds it.  Returns 0, or a negative code
 * with the feed still on the old engine. */
static int
s_engine_carry (vg_detect_stage_t *st, const vg_rules_t *rules, const uint8_t *fresh, vg_engine_t **out,
                size_t *declared)
{
    vg_buf_t blob = VG_BUF_INIT;
    vg_engine_t *ne = vg_engine_new (rules, &st->cfg.engine, vg_detect__on_alert, st);
    int rc = ne ? vg_engine_save (st->engine, &blob) : -VG_ENOMEM;
    if (rc == 0)
        rc = vg_detect_feed_set_engine (st->feed, ne);
    s_decl_t dc = { st, ne, 0, 0 };
    if (rc == 0)
        rc = vg_series_meta_scan (st->store, s_declare_stored, &dc, NULL);
    if (rc == 0)
        rc = vg_engine_load_fresh (ne, blob.data, blob.len, fresh);
    vg_buf_free (&blob);
    if (rc < 0) {
        vg_detect_feed_set_engine (st->feed, st->engine);
        vg_engine_destroy (&ne);
        return rc;
    }
    *out = ne;
    *declared = dc.declared;
    return 0;
}

int
vg_detect__reload (vg_detect_stage_t *st)
{
    char err[512], perr[512];
    size_t len = 0;
    vg_rules_t *nr = NULL;
    uint8_t *fresh = NULL;
    int rc = -VG_ECONFIG;
    char *text = vg_detect__read_rules (st->rules_path, &len, err, sizeof err);
    if (text && vg_rules_parse (text, len, st->rules_path, &nr, perr, sizeof perr) < 0)
        snprintf (err, sizeof err, "%s", perr);
    free (text);
    if (!nr)
        goto refused;
    fresh = calloc (nr->nrules + st->rules->nrules + 1, 1);
    if (!fresh) {
        snprintf (err, sizeof err, "out of memory");
        rc = -VG_ENOMEM;
        goto refused;
    }
    uint8_t *gone = fresh + nr->nrules; /* old rules removed or changed */
    vg_rules_diff_t d = vg_rules_diff (st->rules, nr, fresh, gone);
    size_t declared = 0;
    vg_engine_t *ne = NULL;
    rc = s_engine_carry (st, nr, fresh, &ne, &declared);
    if (rc < 0) {
        snprintf (err, sizeof err, "cannot rebuild the engine with the saved state: %s", vg_strerror (rc));
        goto refused;
    }
    char ids[3][256], t[40] = "none";
    int64_t et = vg_detect_feed_event_time (st->feed);
    if (et != INT64_MIN)
        vg_clock_rfc3339 (et, t, sizeof t);
    vg_log (VG_LOG_INFO, "detect",
            "rules reloaded from %s at data time %s (%lld): %zu rules, %zu unchanged (state kept), %zu added [%s], "
            "%zu changed [%s] (start cold), %zu removed [%s]; %zu windows, %zu allowlists; %zu series re-declared",
            st->rules_path, t, (long long) (et == INT64_MIN ? 0 : et), nr->nrules, d.unchanged, d.added,
            vg_rules_diff_ids (st->rules, nr, 'a', ids[0], 256), d.changed,
            vg_rules_diff_ids (st->rules, nr, 'c', ids[1], 256), d.removed,
            vg_rules_diff_ids (st->rules, nr, 'r', ids[2], 256), nr->nwindows, nr->nallowlists, declared);
    /* The episodes of removed and changed rules end here (Close, reason rule_reloaded); a
     * changed rule raises its own again if its condition holds. */
    int closed = vg_engine_retire (st->engine, gone, "rule_reloaded");
    if (closed)
        vg_log (VG_LOG_INFO, "detect", "%d open episodes of removed or changed rules closed", closed);
    vg_engine_destroy (&st->engine);
    vg_rules_destroy (&st->rules);
    st->engine = ne;
    st->rules = nr;
    free (st->idle); /* indexed by the old engine's sources */
    st->idle = NULL;
    st->nidle = 0;
    st->dirty = 1; /* save the state with the new rules' digest at once */
    st->st.reloads++;
    free (fresh);
    return 0;
refused:
    st->st.reload_errors++;
    vg_log (VG_LOG_ERROR, "detect", "rules reload refused, the %zu rules in force stay: %s", st->rules->nrules, err);
    vg_rules_destroy (&nr);
    free (fresh);
    return rc;
}
