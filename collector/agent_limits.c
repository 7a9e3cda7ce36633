/* agent_limits.c - per-agent token buckets (see agent_limits.h).
 *
 * A bucket holds up to rate * burst_s tokens and refills continuously; a batch needs one
 * batch token and a non-negative sample balance.  Samples are charged after the fact, so
 * a big batch leaves the sample bucket in debt and the agent's next batches wait until
 * the refill has paid it back: the long-run rate is the configured one whatever the batch
 * sizes, without counting samples before ingest. */
#include "collector/agent_limits.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/u64map.h"

#define S_DEFAULT_MAX_AGENTS 4096

typedef struct {
    double tokens;        /* current balance; the burst at most */
    double rate, depth;   /* per ms; 0 rate = unlimited */
} s_bucket_t;

typedef struct {
    vg_agent_limit_stats_t st;
    s_bucket_t batches, samples;
    int64_t last_ms;      /* of the last refill */
    int64_t hold_until;   /* the agent was told to wait until then */
} s_agent_t;

struct vg_agent_limits {
    vg_agent_limits_cfg_t cfg;
    s_agent_t *agents;    /* [0] is the overflow record */
    size_t nagents, cap;
    vg_u64map_t by_id;    /* hash(id) -> index */
};

static void
s_bucket_init (s_bucket_t *b, double per_s, double burst_s)
{
    b->rate = per_s > 0 ? per_s / 1000.0 : 0;
    b->depth = per_s * burst_s;
    if (b->depth < 1)
        b->depth = 1;
    b->tokens = b->depth;
}

static void
s_bucket_refill (s_bucket_t *b, int64_t dt_ms)
{
    if (b->rate <= 0 || dt_ms <= 0)
        return;
    b->tokens += b->rate * (double) dt_ms;
    if (b->tokens > b->depth)
        b->tokens = b->depth;
}

/* Milliseconds until the bucket holds `need` tokens (0 when it does, or unlimited). */
static int64_t
s_bucket_wait (const s_bucket_t *b, double need)
{
    if (b->rate <= 0 || b->tokens >= need)
        return 0;
    int64_t ms = (int64_t) ((need - b->tokens) / b->rate) + 1;
    return ms > 0 ? ms : 1;
}

/* The bucket for a new rate: the balance kept (clamped to the new depth), full when the
 * bucket had no limit before. */
static void
s_bucket_reset (s_bucket_t *b, double per_s, double burst_s)
{
    double tokens = b->tokens;
    bool was_limited = b->rate > 0;
    s_bucket_init (b, per_s, burst_s);
    if (was_limited && tokens < b->tokens)
        b->tokens = tokens;
}

static s_agent_t *
s_add (vg_agent_limits_t *al, const char *id, int64_t now_ms)
{
    if (vg_array_reserve ((void **) &al->agents, &al->cap, al->nagents + 1, sizeof *al->agents) < 0)
        return NULL;
    s_agent_t *a = &al->agents[al->nagents];
    memset (a, 0, sizeof *a);
    snprintf (a->st.agent_id, sizeof a->st.agent_id, "%s", id);
    s_bucket_init (&a->batches, al->cfg.batches_per_s, al->cfg.burst_s);
    s_bucket_init (&a->samples, al->cfg.samples_per_s, al->cfg.burst_s);
    a->last_ms = now_ms;
    al->nagents++;
    return a;
}

vg_agent_limits_t *
vg_agent_limits_new (const vg_agent_limits_cfg_t *cfg)
{
    vg_agent_limits_t *al = calloc (1, sizeof *al);
    if (!al)
        return NULL;
    al->cfg = *cfg;
    if (al->cfg.max_agents == 0)
        al->cfg.max_agents = S_DEFAULT_MAX_AGENTS;
    if (al->cfg.burst_s <= 0)
        al->cfg.burst_s = 1;
    if (!s_add (al, "-", 0)) {
        vg_agent_limits_destroy (&al);
        return NULL;
    }
    return al;
}

void
vg_agent_limits_destroy (vg_agent_limits_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_agent_limits_t *al = *self_p;
    free (al->agents);
    vg_u64map_free (&al->by_id);
    free (al);
    *self_p = NULL;
}

void
vg_agent_limits_set_cfg (vg_agent_limits_t *al, const vg_agent_limits_cfg_t *cfg)
{
    size_t max_agents = cfg->max_agents ? cfg->max_agents : S_DEFAULT_MAX_AGENTS;
    al->cfg = *cfg;
    al->cfg.max_agents = max_agents;
    if (al->cfg.burst_s <= 0)
        al->cfg.burst_s = 1;
    for (size_t i = 0; i < al->nagents; i++) {
        s_bucket_reset (&al->agents[i].batches, al->cfg.batches_per_s, al->cfg.burst_s);
        s_bucket_reset (&al->agents[i].samples, al->cfg.samples_per_s, al->cfg.burst_s);
    }
}

static uint64_t
s_hash (const char *id)
{
    uint64_t h = vg_hash64 (id, strlen (id), 0x6c696d6974);
    return h ? h : 1;
}

/* The record of id, added when new (the overflow record once the table is full; NULL only
 * when out of memory). */
static s_agent_t *
s_find (vg_agent_limits_t *al, const char *id, int64_t now_ms)
{
    uint64_t h = s_hash (id);
    uint32_t idx;
    if (vg_u64map_get (&al->by_id, h, &idx) && strcmp (al->agents[idx].st.agent_id, id) == 0)
        return &al->agents[idx];
    if (vg_u64map_get (&al->by_id, h, &idx) || al->nagents - 1 >= al->cfg.max_agents)
        return &al->agents[0]; /* a hash collision or a full table: the overflow record */
    s_agent_t *a = s_add (al, id, now_ms);
    if (!a || vg_u64map_put (&al->by_id, h, (uint32_t) (al->nagents - 1)) < 0) {
        if (a)
            al->nagents--;
        return NULL;
    }
    return a;
}

int64_t
vg_agent_limits_admit (vg_agent_limits_t *al, const char *agent_id, int64_t now_ms)
{
    s_agent_t *a = s_find (al, agent_id, now_ms);
    if (!a)
        return -VG_ENOMEM;
    int64_t dt = now_ms - a->last_ms;
    a->last_ms = now_ms;
    s_bucket_refill (&a->batches, dt);
    s_bucket_refill (&a->samples, dt);
    int64_t wb = s_bucket_wait (&a->batches, 1), ws = s_bucket_wait (&a->samples, 0);
    int64_t wait = wb > ws ? wb : ws;
    if (wait > 0) {
        a->st.throttled++;
        a->hold_until = now_ms + wait;
        return wait;
    }
    if (a->batches.rate > 0)
        a->batches.tokens -= 1;
    a->st.admitted++;
    return 0;
}

int64_t
vg_agent_limits_held (vg_agent_limits_t *al, const char *agent_id, int64_t now_ms)
{
    uint32_t idx;
    if (!vg_u64map_get (&al->by_id, s_hash (agent_id), &idx) || strcmp (al->agents[idx].st.agent_id, agent_id) != 0)
        return 0;
    s_agent_t *a = &al->agents[idx];
    if (now_ms >= a->hold_until)
        return 0;
    a->st.throttled++;
    return a->hold_until - now_ms;
}

void
vg_agent_limits_charge (vg_agent_limits_t *al, const char *agent_id, uint64_t samples, uint64_t series_refused)
{
    s_agent_t *a = s_find (al, agent_id, 0);
    if (!a)
        return;
    a->st.samples += samples;
    a->st.series_refused += series_refused;
    if (a->samples.rate > 0) {
        a->samples.tokens -= (double) samples;
        /* The debt is bounded (a few bursts) so one huge batch cannot lock an agent out for long. */
        if (a->samples.tokens < -4 * a->samples.depth)
            a->samples.tokens = -4 * a->samples.depth;
    }
}

size_t
vg_agent_limits_count (const vg_agent_limits_t *al)
{
    return al->nagents;
}

const vg_agent_limit_stats_t *
vg_agent_limits_at (const vg_agent_limits_t *al, size_t i)
{
    return i < al->nagents ? &al->agents[i].st : NULL;
}

void
vg_agent_limits_totals (const vg_agent_limits_t *al, vg_agent_limit_stats_t *out)
{
    memset (out, 0, sizeof *out);
    for (size_t i = 0; i < al->nagents; i++) {
        out->admitted += al->agents[i].st.admitted;
        out->throttled += al->agents[i].st.throttled;
        out->samples += al->agents[i].st.samples;
        out->series_refused += al->agents[i].st.series_refused;
    }
}
