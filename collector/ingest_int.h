/* ingest_int.h - ingest's state, shared by its two files (collector/ingest.c: batches ->
 * store writes; collector/ingest_tables.c: the agents and series it knows).
 *
 * Invariant: only those two files include this; the public contract is ingest.h.  The
 * tables mirror what the store holds (rebuilt from it by vg_ingest__load); a batch adds to
 * them only as it is accepted. */
#ifndef VG_INGEST_INT_H
#define VG_INGEST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/ingest.h"
#include "common/arena.h"
#include "common/buf.h"
#include "common/samples.h"
#include "common/u64map.h"
#include "proto/batch.h"
#include "proto/vigil.pb-c.h"

#define VG_INGEST__MAX_STATE_NAMES VG_BATCH_MAX_STATE_NAMES

typedef struct {
    char *id;
    const vg_agent_acl_t *acl; /* NULL when unknown agents are allowed */
    uint64_t epoch, seq;       /* highest accepted (pending or committed) */
} vg_ingest__agent_t;

typedef struct {
    uint64_t sid;
    uint8_t kind;
    uint16_t nstates;
    char **states;             /* STATE series only */
    Vigil__SeriesMeta *meta;   /* STATE series only: kept to rewrite with new names */
} vg_ingest__series_t;

/* Per-series results of pass 1. */
typedef struct {
    uint64_t sid;
    size_t off, n;             /* samples in the scratch arrays (scratch.num) */
    vg_numtype_t type;         /* of the series' values in this batch */
    uint32_t index;            /* position of the series in the batch */
    size_t kept;               /* samples inside the window */
    bool is_new;
    bool refused;              /* a new series over the agent's series ceiling: not stored */
    bool single_bucket;
    uint32_t bucket;
} vg_ingest__plan_t;

struct vg_ingest {
    vg_ingest_cfg_t cfg;
    vg_store_t *store;
    vg_arena_t arena;
    ProtobufCAllocator alloc;
    vg_ingest__agent_t *agents;
    size_t nagents, agents_cap;
    vg_u64map_t agent_map;     /* hash(id) -> index */
    vg_ingest__series_t *series;
    size_t nseries, series_cap;
    vg_u64map_t series_map;    /* sid -> index */
    vg_u64map_t batch_new;     /* sids first seen in the current batch */
    vg_u64map_t agent_series;  /* hash(agent id) -> series it created (for max_agent_series) */
    vg_samples_t scratch;      /* decoded samples of the current batch */
    uint8_t *keep;             /* per sample: inside the accepted window (scratch.cap entries) */
    vg_ingest__plan_t *plans;
    size_t plans_cap;
    vg_ingest__plan_t **order;          /* plans sorted by store key, for pass 2 */
    struct vg_ingest__okey {
        uint64_t sid;
        uint32_t bucket;
    } *okeys;                  /* the last sorted batch's (sid, bucket) per series, batch order */
    uint32_t *operm;           /* its store key order (plan positions) */
    size_t nokeys, capokeys, capoperm;
    vg_buf_t buf, buf2;
    vg_ingest_stats_t stats;
    vg_ingest_stats_t durable; /* stats as of the last commit (a rollback returns to them) */
};

/* Agents: a nonzero hash of an agent id (the agent maps' key); the agent with this id, or
 * NULL; add one (acl NULL: an unknown agent let in), NULL when out of memory. */
uint64_t vg_ingest__id_hash (const char *id);
vg_ingest__agent_t *vg_ingest__agent_find (const vg_ingest_t *in, const char *id);
vg_ingest__agent_t *vg_ingest__agent_add (vg_ingest_t *in, const char *id, const vg_agent_acl_t *acl);

/* Series created by the agent whose id hashes to h. */
uint32_t vg_ingest__agent_series (const vg_ingest_t *in, uint64_t h);

/* Add series sid of kind (NULL when out of memory); forget every series. */
vg_ingest__series_t *vg_ingest__series_add (vg_ingest_t *in, uint64_t sid, int kind);
void vg_ingest__series_free_all (vg_ingest_t *in);

/* The known series sid, or NULL. */
static inline vg_ingest__series_t *
vg_ingest__series_find (const vg_ingest_t *in, uint64_t sid)
{
    uint32_t idx;
    return vg_u64map_get (&in->series_map, sid, &idx) ? &in->series[idx] : NULL;
}

/* Point the series' state list at its meta's names (the meta owns the strings). */
void vg_ingest__bind_states (vg_ingest__series_t *s);

/* Map a batch series' n state indices in v onto the stored series' names, adding new names
 * to ser's meta (*meta_changed set; fresh: the meta to start from when ser has none); the
 * values become F64 indices.  Returns 0, -VG_EFULL (too many names) or -VG_ENOMEM. */
int vg_ingest__map_states (vg_ingest_t *in, vg_ingest__series_t *ser, const Vigil__Series *s,
                           Vigil__SeriesMeta *fresh, vg_num_t *v, vg_numtype_t *type, size_t n, bool *meta_changed);

/* (Re)build the agents' table (configured list, then epoch and sequence from the store), or
 * the whole view (series too).  0 or a negative code. */
int vg_ingest__load_agents (vg_ingest_t *in);
int vg_ingest__load (vg_ingest_t *in);

#endif
