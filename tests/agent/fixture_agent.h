/* fixture_agent.h - the simulated agent with kill points the input exactly-once suites
 * (check_pcap_input.c, check_pmdir_input.c) share: it services an input, makes a put before
 * the items put_at[0] and put_at[1] (items counted from 0 over the run), and a put not made
 * stands for a kill between the progress record and the put.  What a batch is and how a
 * made put stores it is the suite's (add, commit on ctx).
 *
 * Test-only: failures are Check assertions. */
#ifndef VG_TEST_FIXTURE_AGENT_H
#define VG_TEST_FIXTURE_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/input.h"
#include "tests/support/input_host.h"

#define FX_NOPUT INT64_MAX /* put_at: no put here (and none at the end of fx_agent_run) */

typedef struct {
    vg_input_t *in;
    int64_t n, put_at[2]; /* items seen; the puts' places */
    bool made[2];         /* whether each put is made (false: killed at it) */
    uint64_t seq;         /* the last batch seq recorded */
    bool killed;
    void *ctx;                                   /* the suite's batch and store */
    int (*add) (void *ctx, const vg_point_t *p); /* a sample into the open batch */
    void (*commit) (void *ctx);                  /* a made put: the open batch into the store */
} fx_agent_t;

/* The host's answer to "was batch seq of epoch put?" (vg_test_host_t.held) when it is held:
 * checks that the record names a batch of this agent (epoch 7, a seq fx_agent_put gives). */
bool fx_agent_held (uint64_t epoch, uint64_t seq, bool held);

/* A new input of config c spooling its progress in spool_dir, host its host; what it
 * announces while being built is dropped.  Fails the test when it cannot be made. */
vg_input_t *fx_agent_input (const vg_input_cfg_t *c, const char *spool_dir, vg_test_host_t *host);

/* A fresh agent (no input, no puts placed: set in, put_at and made) whose batches are
 * ctx's: add and commit are called with it. */
void fx_agent_init (fx_agent_t *a, void *ctx, int (*add) (void *ctx, const vg_point_t *p), void (*commit) (void *ctx));

/* Put: record the next seq (epoch 7), then, if made, tell the input and commit; if not,
 * the agent is killed (a->killed). */
void fx_agent_put (fx_agent_t *a, bool made);

/* The sink the input delivers into: a put before item put_at[i], then add; -VG_EAGAIN once
 * killed.  Devices and events are dropped. */
vg_sink_t fx_agent_sink (fx_agent_t *a);

/* Service the input (mono 0, 1000, ... below mono_end) until it is done or the agent is
 * killed; then the puts at or after the end (put_at >= n, not FX_NOPUT) when not killed. */
void fx_agent_run (fx_agent_t *a, int64_t mono_end);

/* The run that is killed: over input in, puts at k1 (made) and k2 (made or, when not
 * made2, killed at it); in is destroyed at the end (the agent is killed there). */
void fx_agent_kill_run (fx_agent_t *a, vg_input_t *in, int64_t k1, int64_t k2, bool made2, int64_t mono_end);

/* A (re)start that runs to the end: over input in, puts at put_at (both; FX_NOPUT: none,
 * made as a->made says), then the last put made; in is destroyed after. */
void fx_agent_run_to_end (fx_agent_t *a, vg_input_t *in, int64_t put_at, int64_t mono_end);

#endif
