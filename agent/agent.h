/* agent.h - vigil-agent's run loop: inputs -> batcher -> spool -> sender.
 *
 * One thread.  Each turn it polls the sender's socket (ACKs) and the inputs' sockets, lets
 * every input (agent/input.h) read what is ready and produce what is due, flushes a batch
 * when it is full or old enough (spooling it before it is sent), and services the sender.
 * Replay-like inputs (sim and pcap at speed "max") run only while the spool holds fewer
 * than a few windows of batches and has room for two more batches within its bounds, so they
 * advance at the pace the collector acknowledges and pause rather than drop when the spool
 * is full; live inputs never wait. */
#ifndef VG_AGENT_H
#define VG_AGENT_H

#include <signal.h>
#include <stdbool.h>

#include "agent/agent_cfg.h"
#include "common/daemon_args.h"

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
 * the run loop loads the configuration again with load into a vg_agent_cfg_t (NULL = nothing
 * is reloaded; the daemon's is vg_daemon_reload_cmdline) and applies agent.log_level and the
 * send.* options (window, heartbeat, timeout, primary_retry, backoff_base, backoff_max)
 * without dropping the connection; other options
 * changed in the file are named in a warning (a restart applies them; the spool makes it
 * lossless).  A file that does not load or check is refused, logged, and nothing changes.
 * Then the counters are logged.  Set before vg_agent_run. */
void vg_agent_watch_hup (vg_agent_t *a, volatile sig_atomic_t *hup, vg_daemon_load_fn load, void *ctx);

/* Print counters (one line) to stderr. */
void vg_agent_log_stats (const vg_agent_t *a);

/* Batches the collectors rejected for good (answered REJECTED: not stored, dropped from the
 * spool, each logged when it happened).  vigil-agent --exit-when-done exits 1 when any was,
 * so a script that loads a capture learns that part of it was refused. */
uint64_t vg_agent_batches_rejected (const vg_agent_t *a);

#endif
