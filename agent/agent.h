/* agent.h - vigil-agent's run loop: inputs -> batcher -> spool -> sender.
 *
 * One thread.  Each turn it polls the sender's socket (ACKs) and the inputs' sockets, lets
 * every input (agent/input.h) read what is ready and produce what is due, flushes a batch
 * when it is full or old enough (spooling it before it is sent), and services the sender.
 * Replay-like inputs (sim and pcap at speed "max") run only while the spool holds fewer
 * than a few windows of batches, so they advance at the pace the collector acknowledges;
 * live inputs never wait. */
#ifndef VG_AGENT_H
#define VG_AGENT_H

#include <signal.h>
#include <stdbool.h>

#include "agent/agent_cfg.h"

typedef struct vg_agent vg_agent_t;

/* Build inputs, spool, batcher and sender from cfg (borrowed for the agent's lifetime).
 * Refuses a configuration that vg_agent_cfg_check refuses (no CURVE keys and no
 * curve.insecure); logs a warning with curve.insecure.  NULL on failure with the reason
 * in err. */
vg_agent_t *vg_agent_new (const vg_agent_cfg_t *cfg, char *err, size_t errlen);
void vg_agent_destroy (vg_agent_t **self_p);

/* Run until *stop, or (exit_when_done) until every input has finished and every batch is
 * acknowledged.  Returns 0 or a negative error. */
int vg_agent_run (vg_agent_t *a, volatile sig_atomic_t *stop, bool exit_when_done);

/* Watch a SIGHUP count (common/daemon_args.h vg_daemon_hup; NULL = none): when it changes,
 * the run loop logs that nothing is reloaded, and the counters.  Set before vg_agent_run. */
void vg_agent_watch_hup (vg_agent_t *a, volatile sig_atomic_t *hup);

/* Print counters (one line) to stderr. */
void vg_agent_log_stats (const vg_agent_t *a);

#endif
