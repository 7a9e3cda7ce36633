/* agent_limits.h - per-agent admission: token buckets for batches/s and samples/s.
 *
 * The server asks before it reads a batch whether the agent may send one now; an agent over
 * its rate is answered RETRY (the agent keeps the batch in its spool and backs off), so a
 * flood from one agent slows that agent and no other.  Samples are charged after ingest
 * from the batch's count (a bucket may go into debt; the agent then waits until it is
 * repaid), so nothing is counted per sample.  Invariant: at most cfg.max_agents agents are
 * tracked; any further agent id shares one overflow record (id "-"), so the table cannot
 * grow without bound whatever ids arrive.  An agent told to wait is held for that long:
 * batches it sends meanwhile are ignored without being read (vg_agent_limits_held), so a
 * client that does not back off costs the collector little more than receiving them.  One thread (the server loop); no locks. */
#ifndef VG_AGENT_LIMITS_H
#define VG_AGENT_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "common/model.h"

typedef struct {
    double batches_per_s;  /* sustained batch rate per agent; 0 = no limit */
    double samples_per_s;  /* sustained sample rate per agent; 0 = no limit */
    double burst_s;        /* bucket depth, in seconds of the rate (>= the time of one batch) */
    size_t max_agents;     /* agent records kept (0 = 4096); more ids share the overflow record */
} vg_agent_limits_cfg_t;

typedef struct {
    char agent_id[VG_MAX_ID_LEN + 1];
    uint64_t admitted;        /* batches let through to ingest */
    uint64_t throttled;       /* batches answered RETRY for being over the rate */
    uint64_t samples;         /* samples charged */
    uint64_t series_refused;  /* samples of new series refused over the series ceiling (ingest) */
} vg_agent_limit_stats_t;

typedef struct vg_agent_limits vg_agent_limits_t;

/* A new table.  NULL when out of memory. */
vg_agent_limits_t *vg_agent_limits_new (const vg_agent_limits_cfg_t *cfg);
/* NULL-safe; sets *self_p to NULL. */
void vg_agent_limits_destroy (vg_agent_limits_t **self_p);

/* Apply new limits (a SIGHUP reload) without losing state: every agent keeps its counters,
 * its hold and its balance (clamped to the new bucket depth; a bucket that had no limit
 * starts full).  A lower max_agents keeps the agents already tracked. */
void vg_agent_limits_set_cfg (vg_agent_limits_t *al, const vg_agent_limits_cfg_t *cfg);

/* May agent_id send a batch at now_ms (monotonic)?  Returns 0 when admitted (one batch
 * token taken), or the milliseconds until it may send again (> 0: the batch is to be
 * answered RETRY; counted as throttled), or -VG_ENOMEM (admitted, not tracked). */
int64_t vg_agent_limits_admit (vg_agent_limits_t *al, const char *agent_id, int64_t now_ms);

/* Is agent_id inside the back-off it was last told (the wait an admit returned)?  Returns
 * the milliseconds left (> 0: the batch is to be ignored, unanswered, and is counted as
 * throttled: the agent resends everything from its first unacknowledged batch after the
 * RETRY it got) or 0.  Never adds a record, so it may be asked before a batch is read. */
int64_t vg_agent_limits_held (vg_agent_limits_t *al, const char *agent_id, int64_t now_ms);

/* Charge the samples of an ingested batch of agent_id (and the samples refused for new
 * series over the agent's series ceiling: counted, not charged). */
void vg_agent_limits_charge (vg_agent_limits_t *al, const char *agent_id, uint64_t samples, uint64_t series_refused);

/* Agents tracked, and the i-th one's counters (i < count; valid until the next call). */
size_t vg_agent_limits_count (const vg_agent_limits_t *al);
const vg_agent_limit_stats_t *vg_agent_limits_at (const vg_agent_limits_t *al, size_t i);

/* Totals over every agent (for the unlabelled metrics). */
void vg_agent_limits_totals (const vg_agent_limits_t *al, vg_agent_limit_stats_t *out);

#endif
