/* alert_store.h - alert lifecycle records (VG_CF_ALERTS) and their episode history
 * (VG_CF_EPISODES).
 *
 * One record per lifecycle step (Create / Update / Close) the engine emits.  Key: the
 * record's event time as a big-endian, sign-flipped int64, then the alert uid, a NUL and
 * the activity byte, so a plain scan lists records in time order and replaying the same
 * telemetry rewrites the same keys (no duplicates).  Value: the alert's compact OCSF JSON
 * with its replay pointer (vg_ocsf_render_stored; the published copy, vg_ocsf_render of
 * the same renderer, also carries the product version and the collector id).
 *
 * Each record also gets a history entry keyed by episode: episode start (sign-flipped
 * int64 BE), dedup key, NUL, record time (sign-flipped int64 BE), activity byte; value: the
 * wall clock (int64 BE ms) when the record was stored.  One episode is one key prefix, so
 * its life reads back with one seek, and a record replayed rewrites its entry. */
#ifndef VG_ALERT_STORE_H
#define VG_ALERT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "detectors/alert.h"
#include "common/buf.h"
#include "store/store.h"

/* Upper bound of a key: time + uid + NUL + activity. */
#define VG_ALERT_STORE_KEY_MAX (8 + VG_ALERT_KEY_MAX + 24 + 2)

/* Write the key of record a into k (room for VG_ALERT_STORE_KEY_MAX bytes); returns its
 * length. */
size_t vg_alert_store_key (const vg_alert_t *a, uint8_t *k);

/* Upper bound of a history key: start + dedup key + NUL + time + activity. */
#define VG_ALERT_HISTORY_KEY_MAX (8 + VG_ALERT_KEY_MAX + 1 + 8 + 1)

/* wall_ms of a record stored before the history existed. */
#define VG_ALERT_WALL_UNKNOWN INT64_MIN

/* Render a as JSON into json (reused scratch, replaced) and add the Puts of the record and
 * its history entry (stored at wall clock wall_ms) to txn.  With store_path (the store as
 * the collector was told it, NULL = none) the record carries unmapped.nte.replay: store,
 * device, scope, path, series_id, from_ms, to_ms and the same as one vigil:// pointer that
 * vigil replay / export / timeline take with --pointer, as the published copy does.
 * Returns 0 or -VG_ENOMEM.  Thread: whoever owns txn. */
int vg_alert_store_put (vg_store_txn_t *txn, const vg_alert_t *a, int64_t wall_ms, const char *store_path,
                        vg_buf_t *json);

/* Split an episode uid ("<dedup key>@<start ms>") into its dedup key (copied into key,
 * size bytes) and start.  Returns 0 or -VG_EINVAL when uid does not have that form. */
int vg_alert_uid_split (const char *uid, char *key, size_t size, int64_t *start_ms);

/* One history entry of an episode, borrowed for the callback: the record's data time,
 * activity, the wall clock when it was stored (VG_ALERT_WALL_UNKNOWN if not recorded) and
 * the record's JSON (NULL, 0 if the record itself is gone).  Return 0 to go on, non-zero
 * to stop. */
typedef int (*vg_episode_fn) (void *ctx, int64_t time_ms, int activity, int64_t wall_ms, const char *json,
                              size_t len);

/* Visit the records of episode uid in time order.  Stores written before the history was
 * kept are served from the records alone (scanning from the episode start to its Close).
 * Returns 0, fn's non-zero value, -VG_EINVAL (malformed uid), -VG_ENOTFOUND (no record of
 * that episode) or -VG_ESTORE. */
int vg_alert_store_episode (vg_store_t *s, const char *uid, vg_episode_fn fn, void *ctx);

/* One stored record, borrowed for the callback: time, uid (NUL-terminated copy), activity
 * and the JSON text (not NUL-terminated).  Return 0 to go on, non-zero to stop. */
typedef int (*vg_alert_record_fn) (void *ctx, int64_t time_ms, const char *uid, int activity, const char *json,
                                   size_t len);

/* Visit records with time in [from_ms, to_ms) in time order.  Malformed keys are skipped.
 * Returns 0, fn's non-zero value, or -VG_ESTORE. */
int vg_alert_store_scan (vg_store_t *s, int64_t from_ms, int64_t to_ms, vg_alert_record_fn fn, void *ctx);

#endif
