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

#include "collector/alerter.h"
#include "collector/collector_cfg.h"
#include "common/daemon_args.h"

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

/* Reload on SIGHUP: whenever *hup changes (vg_daemon_hup), the run loop (server thread,
 * between two commits) loads the configuration with load into a vg_collector_cfg_t (the
 * daemon's loader is vg_daemon_reload_cmdline) and applies its `agents` list (who may send,
 * their devices, their CURVE keys), and asks the detect stage to read detect.rules again
 * (vg_detect_stage_reload).  Other keys are not reloaded (a restart applies them).  A configuration that does not load or check is refused with a logged
 * error and the agents in force stay.  Set before vg_collector_run; hup NULL = no reload. */
void vg_collector_on_hup (vg_collector_t *c, volatile sig_atomic_t *hup, vg_daemon_load_fn load, void *ctx);

/* cfg's kafka.properties as the Kafka clients take them (strings borrowed from cfg); the
 * caller frees the array.  NULL when out of memory. */
vg_alerter_prop_t *vg_collector_kafka_props (const vg_collector_cfg_t *cfg);

/* Stop and free everything; NULL-safe; sets *self_p to NULL. */
void vg_collector_destroy (vg_collector_t **self_p);

#endif
