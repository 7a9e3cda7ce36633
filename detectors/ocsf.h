/* ocsf.h - an alert as an OCSF 1.8.0 Detection Finding (class 2004) in JSON: the Kafka
 * payload and vigil replay's lines (vg_ocsf_render), and the alert store's record
 * (vg_ocsf_render_stored; vg_alert_to_json is it without the replay pointer).
 *
 * Invariant: one renderer writes both shapes, so the stored record is a subset of the
 * published document: every field it has appears there with the same value (a unit test
 * checks this); the published one adds the captions, a deterministic per-message uid,
 * ATT&CK / FiGHT links, evidence, the analysis target and the collector in the replay
 * pointer (store, device, path, series, time range).  Rendering uses snprintf only and
 * allocates nothing; it lives beside the alert (pure, no I/O) so that the store, the
 * collector and vigil all link it. */
#ifndef VG_OCSF_H
#define VG_OCSF_H

#include <stdbool.h>
#include <stddef.h>

#include "detectors/alert.h"

#define VG_OCSF_VERSION "1.8.0"
#define VG_OCSF_SCHEMA "ocsf.detection_finding"
#define VG_OCSF_CLASS "2004"

/* Where the finding came from; every field borrowed, NULL or "" leaves it out. */
typedef struct {
    const char *product_version; /* metadata.product.version, e.g. "0.1.0" */
    const char *collector_id;    /* unmapped.nte.replay.collector */
    const char *store_path;      /* unmapped.nte.replay.store */
    const char *topic;           /* metadata.log_name */
    bool replayed;               /* unmapped.nte.replay.replayed: made by vigil replay, not live */
} vg_ocsf_ctx_t;

/* Render a as one published JSON object into buf (NUL-terminated when size > 0).  Returns
 * the length needed, like snprintf: the output is complete only if that is < size.  ctx
 * may be NULL. */
size_t vg_ocsf_render (const vg_alert_t *a, const vg_ocsf_ctx_t *ctx, char *buf, size_t size);

/* Render a as the alert store's compact record into buf, as vg_ocsf_render does; with
 * store_path (not NULL) it carries unmapped.nte.replay (store, device, scope, path, series,
 * range and the vigil:// pointer), without it none. */
size_t vg_ocsf_render_stored (const vg_alert_t *a, const char *store_path, char *buf, size_t size);

/* metadata.uid: a UUID (version 8, RFC 9562 custom) derived from the finding uid, activity,
 * status and time, so a resend or a replay carries the same id.  out gets 36 chars + NUL. */
void vg_ocsf_message_uid (const vg_alert_t *a, char out[37]);

#endif
