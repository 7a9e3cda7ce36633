/* replay_out.h - where `vigil replay` writes its alerts: OCSF JSON lines to a file (or stdout),
 * or messages on a Kafka topic.
 *
 * Every alert is rendered with detectors/ocsf.c exactly as the collector publishes it, with
 * the replay pointer naming the replayed store and unmapped.nte.replay.replayed = true.  To
 * Kafka each alert is one message keyed by its dedup key with the collector alerter's headers
 * (collector/alerter.h) plus "vigil-replay: true", produced with acks=all and idempotence; vg_replay_out_flush waits for every
 * delivery report.  Rendering reuses one buffer: no allocation per alert once warm. */
#ifndef VG_REPLAY_OUT_H
#define VG_REPLAY_OUT_H

#include <stddef.h>

#include "detectors/alert.h"

typedef struct {
    const char *path;         /* output file; NULL = stdout (ignored with a topic) */
    const char *topic;        /* Kafka topic; NULL = write lines */
    const char *brokers;      /* bootstrap.servers; required with a topic */
    const char *store;        /* store path for the replay pointer */
    const char *version;      /* metadata.product.version */
} vg_replay_out_cfg_t;

typedef struct vg_replay_out vg_replay_out_t;

/* Open the output.  NULL with the reason in err (file cannot be created, producer refused
 * its configuration, out of memory). */
vg_replay_out_t *vg_replay_out_new (const vg_replay_out_cfg_t *cfg, char *err, size_t errlen);
/* Close the output (a file is closed; pending Kafka messages are not waited for: flush
 * first).  NULL-safe; sets *self_p to NULL. */
void vg_replay_out_destroy (vg_replay_out_t **self_p);

/* Render and write (or produce) one alert.  Lines: the first is flushed at once, later
 * ones at least every 200 ms (the bytes do not change, only when they appear).  Returns 0, -VG_EIO (the write failed or the
 * producer refused the message) or -VG_ENOMEM. */
int vg_replay_out_alert (vg_replay_out_t *o, const vg_alert_t *a);
/* The monotonic time (vg_clock_mono_ms) at which the first alert was written (lines: and
 * flushed to the file) or produced; -1 before the first. */
int64_t vg_replay_out_first_ms (const vg_replay_out_t *o);
/* Write what is buffered / wait for every delivery report (a message undelivered after 30 s
 * is reported failed; the wait ends after 60 s at most).  Returns 0, or -VG_EIO when a write
 * or a delivery failed (their count on stderr) or the wait timed out. */
int vg_replay_out_flush (vg_replay_out_t *o);

#endif
