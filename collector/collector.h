/* collector.h - one vigil-collector process: store, ingest, server loop, detect stage, Kafka
 * alerter and /metrics, built from a loaded configuration (collector_cfg.h).
 *
 * Lifecycle: vg_collector_new opens everything (nothing runs yet), vg_collector_run serves
 * until *stop is set and then drains (final detector state save), vg_collector_destroy
 * releases it all.  Threads: run on the caller's thread; the detect stage and the HTTP
 * endpoint have their own. */
#ifndef VG_COLLECTOR_H
#define VG_COLLECTOR_H

#include <signal.h>
#include <stddef.h>

#include "collector/collector_cfg.h"

typedef struct vg_collector vg_collector_t;

/* Checks that span several keys (beyond the table's per-key checks).  Returns 0, or -1
 * with the reason in err. */
int vg_collector_check (const vg_collector_cfg_t *cfg, char *err, size_t errlen);

/* Open the store, bind the listeners, start the detect stage.  cfg is borrowed and must
 * outlive the collector.  NULL on failure with the reason in err. */
vg_collector_t *vg_collector_new (const vg_collector_cfg_t *cfg, char *err, size_t errlen);

/* Serve agents until *stop becomes non-zero (set it from a signal handler), then stop the
 * detect stage.  Returns 0 on a clean stop, -1 on a fatal error or a failed final save. */
int vg_collector_run (vg_collector_t *c, volatile sig_atomic_t *stop);

/* Stop and free everything; NULL-safe; sets *self_p to NULL. */
void vg_collector_destroy (vg_collector_t **self_p);

#endif
