/* alert_store.h - alert lifecycle records in the store's VG_CF_ALERTS column family.
 *
 * One record per lifecycle step (Create / Update / Close) the engine emits.  Key: the
 * record's event time as a big-endian, sign-flipped int64, then the alert uid, a NUL and
 * the activity byte, so a plain scan lists records in time order and replaying the same
 * telemetry rewrites the same keys (no duplicates).  Value: the alert's OCSF JSON
 * (vg_alert_to_json), exactly what is published. */
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

/* Render a as JSON into json (reused scratch, replaced) and add the Put to txn.  Returns 0
 * or -VG_ENOMEM.  Thread: whoever owns txn. */
int vg_alert_store_put (vg_store_txn_t *txn, const vg_alert_t *a, vg_buf_t *json);

/* One stored record, borrowed for the callback: time, uid (NUL-terminated copy), activity
 * and the JSON text (not NUL-terminated).  Return 0 to go on, non-zero to stop. */
typedef int (*vg_alert_record_fn) (void *ctx, int64_t time_ms, const char *uid, int activity, const char *json,
                                   size_t len);

/* Visit records with time in [from_ms, to_ms) in time order.  Malformed keys are skipped.
 * Returns 0, fn's non-zero value, or -VG_ESTORE. */
int vg_alert_store_scan (vg_store_t *s, int64_t from_ms, int64_t to_ms, vg_alert_record_fn fn, void *ctx);

#endif
