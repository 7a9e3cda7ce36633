/* agent_metrics.h - vigil-agent's /metrics and /healthz (agent.metrics_listen).
 *
 * The agent's loop calls vg_agent_metrics_tick() every turn; at most once a second it reads
 * the counters the inputs, decoders, batcher, spool and sender already keep into a snapshot,
 * renders it as Prometheus text (tables, common/metrics_text.h), decides health, and hands
 * both to the HTTP thread (common/metrics_http.h).  Nothing is counted per sample here: what
 * each input delivered is the batcher's counters read before and after its turn.
 * The rendering and the health rule are pure functions of a snapshot (unit-tested alone).
 * Metric names are an interface (dashboards, docs/OPERATIONS.md): rename nothing lightly. */
#ifndef VG_AGENT_METRICS_H
#define VG_AGENT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/agent_cfg.h"
#include "agent/batcher.h"
#include "agent/input.h"
#include "agent/sender.h"
#include "agent/spool.h"
#include "common/metrics_text.h"
#include "decode/decoder.h"

/* Inputs shown (the configuration allows no more). */
#define VG_AGENT_METRICS_MAX_INPUTS 64
/* Kind-specific counters kept per input (the most any kind has, with room). */
#define VG_AGENT_METRICS_MAX_COUNTERS 16

/* /healthz says "stalled" once the loop has not published for this long. */
#define VG_AGENT_HEALTH_STALE_MS 5000
/* /healthz says 503 once the spool holds this share of either of its bounds. */
#define VG_AGENT_HEALTH_SPOOL_FULL 0.9

/* One input in a snapshot. */
typedef struct {
    char name[64];            /* its source name, "pcap", "pcap#2": the `input` label */
    const char *type;         /* its kind ("pcap"); borrowed from the configuration */
    size_t index;             /* position in inputs: */
    /* what it delivered into the batcher */
    uint64_t samples, events, rejected;
    /* its decoder's counters, when the kind decodes (has_decode) */
    bool has_decode;
    vg_decode_stats_t decode;
    /* its kind's own counters (vg_input_counter) */
    size_t ncounters;
    const char *counter_names[VG_AGENT_METRICS_MAX_COUNTERS];
    uint64_t counter_values[VG_AGENT_METRICS_MAX_COUNTERS];
} vg_agent_input_metrics_t;

/* Everything /metrics shows, read at one moment. */
typedef struct {
    const vg_agent_input_metrics_t *inputs; /* ninputs of them; borrowed */
    size_t ninputs;
    vg_batcher_stats_t batcher;
    vg_spool_stats_t spool;
    vg_sender_stats_t sender;
    int64_t spool_oldest_age_ms;   /* age of the oldest unacknowledged batch, 0 if none */
    uint64_t inflight;             /* batches sent and not yet acknowledged */
    uint64_t connected;            /* 1 once the collector welcomed the agent */
    uint64_t endpoint;             /* index of the current collector in `collectors` */
    uint64_t unspooled;            /* batches the spool refused (their data became gap events) */
    uint64_t healthy;              /* 1 when /healthz says 200 (set by vg_agent_metrics_health) */
} vg_agent_metrics_snapshot_t;

/* Append the agent's exposition of snap to out.  Returns out->len (out->buf is
 * NUL-terminated; out->truncated says whether everything fitted). */
size_t vg_agent_metrics_render (vg_metric_out_t *out, const vg_agent_metrics_snapshot_t *snap);

/* The health rule (docs/OPERATIONS.md).  Healthy, with reason "ok", when the sender is
 * connected and the spool is below VG_AGENT_HEALTH_SPOOL_FULL of both its byte and batch
 * bounds; healthy with "ok: spooling, ..." when no collector is connected but the spool is
 * still below that share (data is kept and will be sent); unhealthy with "spool N% full
 * ..." otherwise, since new data will soon become gap events.  The loop-stalled case is
 * judged by the HTTP thread (VG_AGENT_HEALTH_STALE_MS).  Writes the reason into reason
 * (size bytes) and returns true when healthy. */
bool vg_agent_metrics_health (const vg_agent_metrics_snapshot_t *snap, char *reason, size_t size);

typedef struct vg_agent_metrics vg_agent_metrics_t;

/* Serve cfg->metrics_listen for the inputs named sources[0 .. cfg->ninputs) (borrowed for
 * the object's lifetime, as is cfg).  NULL on failure with the reason in err. */
vg_agent_metrics_t *vg_agent_metrics_new (const vg_agent_cfg_t *cfg, const char (*sources)[64], char *err,
                                          size_t errlen);
/* Stop serving and free; NULL-safe, sets *self_p = NULL. */
void vg_agent_metrics_destroy (vg_agent_metrics_t **self_p);

/* Input i just had its turn: add what the batcher took from it since `before` (the
 * batcher's stats read just before the turn). */
void vg_agent_metrics_delivered (vg_agent_metrics_t *m, size_t i, const vg_batcher_stats_t *before,
                                 const vg_batcher_t *batcher);

/* The parts of the agent a snapshot is read from; all borrowed for the call. */
typedef struct {
    vg_input_t *const *inputs;      /* as many as the configuration lists */
    const vg_batcher_t *batcher;
    const vg_spool_t *spool;
    const vg_sender_t *sender;
    uint64_t unspooled;
} vg_agent_parts_t;

/* Call every loop turn (mono_ms monotonic): once VG_AGENT_METRICS_EVERY_MS have passed
 * since the last publication, read a snapshot of parts, render it and publish text and
 * health to the HTTP thread; otherwise return at once. */
#define VG_AGENT_METRICS_EVERY_MS 1000
void vg_agent_metrics_tick (vg_agent_metrics_t *m, int64_t mono_ms, const vg_agent_parts_t *parts);

#endif
