/* ingest_tables.c - the agents and series ingest knows: lookups by id, adding, STATE
 * series' names, and rebuilding both tables from the store at start.
 *
 * Invariant: the tables hold what the store holds plus what the current batch added (a
 * rollback reloads them); indices are dense and never reused while loaded. */
#include "collector/ingest_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/err.h"
#include "common/hash.h"
#include "store/series_meta.h"

uint64_t
vg_ingest__id_hash (const char *id)
{
    uint64_t h = vg_hash64 (id, strlen (id), 0x6167656e74);
    return h ? h : 1;
}

vg_ingest__agent_t *
vg_ingest__agent_find (const vg_ingest_t *in, const char *id)
{
    uint32_t idx;
    if (!vg_u64map_get (&in->agent_map, vg_ingest__id_hash (id), &idx))
        return NULL;
    return strcmp (in->agents[idx].id, id) == 0 ? &in->agents[idx] : NULL;
}

vg_ingest__agent_t *
vg_ingest__agent_add (vg_ingest_t *in, const char *id, const vg_agent_acl_t *acl)
{
    if (vg_array_reserve ((void **) &in->agents, &in->agents_cap, in->nagents + 1, sizeof *in->agents) < 0)
        return NULL;
    vg_ingest__agent_t *a = &in->agents[in->nagents];
    memset (a, 0, sizeof *a);
    a->id = strdup (id);
    a->acl = acl;
    if (!a->id || vg_u64map_put (&in->agent_map, vg_ingest__id_hash (id), (uint32_t) in->nagents) < 0) {
        free (a->id);
        return NULL;
    }
    in->nagents++;
    return a;
}

void
vg_ingest__series_free_all (vg_ingest_t *in)
{
    for (size_t i = 0; i < in->nseries; i++) {
        if (in->series[i].meta)
            vigil__series_meta__free_unpacked (in->series[i].meta, NULL);
        free (in->series[i].states);
    }
    in->nseries = 0;
    vg_u64map_clear (&in->series_map);
    vg_u64map_clear (&in->agent_series);
}

/* Series created by the agent whose id hashes to h. */
uint32_t
vg_ingest__agent_series (const vg_ingest_t *in, uint64_t h)
{
    uint32_t n = 0;
    return vg_u64map_get (&in->agent_series, h, &n) ? n : 0;
}

vg_ingest__series_t *
vg_ingest__series_add (vg_ingest_t *in, uint64_t sid, int kind)
{
    if (in->nseries == in->series_cap) {
        size_t ncap = in->series_cap ? in->series_cap * 2 : 1024;
        vg_ingest__series_t *ns = realloc (in->series, ncap * sizeof *ns);
        if (!ns)
            return NULL;
        in->series = ns;
        in->series_cap = ncap;
    }
    vg_ingest__series_t *s = &in->series[in->nseries];
    memset (s, 0, sizeof *s);
    s->sid = sid;
    s->kind = (uint8_t) kind;
    if (vg_u64map_put (&in->series_map, sid, (uint32_t) in->nseries) < 0)
        return NULL;
    in->nseries++;
    return s;
}

/* Point the series' state list at its meta's names (the meta owns the strings). */
void
vg_ingest__bind_states (vg_ingest__series_t *s)
{
    free (s->states);
    s->states = NULL;
    s->nstates = 0;
    if (!s->meta || s->meta->n_state_names == 0)
        return;
    s->states = malloc (s->meta->n_state_names * sizeof *s->states);
    if (!s->states)
        return;
    for (size_t i = 0; i < s->meta->n_state_names; i++)
        s->states[i] = s->meta->state_names[i];
    s->nstates = (uint16_t) s->meta->n_state_names;
}

static int
s_load_series (void *ctx, uint64_t sid, Vigil__SeriesMeta **meta_p)
{
    /* (Unreadable records are skipped by the scan: such a series is re-declared by its next
     * batch.) */
    vg_ingest_t *in = ctx;
    Vigil__SeriesMeta *m = *meta_p;
    vg_ingest__series_t *s = vg_ingest__series_add (in, sid, m->kind);
    if (!s)
        return -VG_ENOMEM;
    if (m->agent_id && m->agent_id[0]) {
        uint64_t h = vg_ingest__id_hash (m->agent_id);
        if (vg_u64map_put (&in->agent_series, h, vg_ingest__agent_series (in, h) + 1) < 0)
            return -VG_ENOMEM;
    }
    if (m->kind == VIGIL__SERIES_KIND__SERIES_KIND_STATE) {
        s->meta = m; /* kept: the state names */
        *meta_p = NULL;
        vg_ingest__bind_states (s);
    }
    return 0;
}

static int
s_load_agent (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    vg_ingest_t *in = ctx;
    char id[VG_MAX_ID_LEN + 1];
    if (kl == 0 || kl > VG_MAX_ID_LEN)
        return 0;
    memcpy (id, k, kl);
    id[kl] = '\0';
    Vigil__AgentState *st = vigil__agent_state__unpack (NULL, vl, v);
    if (!st)
        return 0;
    vg_ingest__agent_t *a = vg_ingest__agent_find (in, id);
    if (!a && in->cfg.allow_unknown_agents)
        a = vg_ingest__agent_add (in, id, NULL);
    if (a) {
        a->epoch = st->epoch;
        a->seq = st->committed_seq;
    }
    vigil__agent_state__free_unpacked (st, NULL);
    return 0;
}

/* (Re)build the agents' view (configured list, then epoch and sequence from the store). */
int
vg_ingest__load_agents (vg_ingest_t *in)
{
    for (size_t i = 0; i < in->nagents; i++)
        free (in->agents[i].id);
    in->nagents = 0;
    vg_u64map_clear (&in->agent_map);
    for (size_t i = 0; i < in->cfg.nagents; i++)
        if (!vg_ingest__agent_add (in, in->cfg.agents[i].id, &in->cfg.agents[i]))
            return -VG_ENOMEM;
    return vg_store_scan (in->store, VG_CF_AGENTS, NULL, 0, NULL, 0, s_load_agent, in);
}

/* (Re)build the in-memory view from the store. */
int
vg_ingest__load (vg_ingest_t *in)
{
    vg_ingest__series_free_all (in);
    int rc = vg_ingest__load_agents (in);
    if (rc == 0)
        rc = vg_series_meta_scan (in->store, s_load_series, in, NULL);
    return rc;
}

/* Map a batch series' state indices onto the stored series' names (adding new names). */
int
vg_ingest__map_states (vg_ingest_t *in, vg_ingest__series_t *ser, const Vigil__Series *s, Vigil__SeriesMeta *fresh, vg_num_t *v,
              vg_numtype_t *type, size_t n, bool *meta_changed)
{
    uint16_t map[VG_INGEST__MAX_STATE_NAMES];
    for (size_t i = 0; i < s->n_state_names; i++) {
        const char *name = s->state_names[i];
        size_t j;
        for (j = 0; j < ser->nstates; j++)
            if (strcmp (ser->states[j], name) == 0)
                break;
        if (j == ser->nstates) {
            if (ser->nstates >= VG_INGEST__MAX_STATE_NAMES)
                return -VG_EFULL;
            /* Rebuild the kept meta with one more name: copy via pack/unpack so the meta
             * owns its strings independently of the batch arena. */
            Vigil__SeriesMeta tmp;
            Vigil__SeriesMeta *base = ser->meta ? ser->meta : fresh;
            tmp = *base;
            char **names = malloc ((ser->nstates + 1) * sizeof *names);
            if (!names)
                return -VG_ENOMEM;
            for (size_t k = 0; k < ser->nstates; k++)
                names[k] = ser->states[k];
            names[ser->nstates] = (char *) name;
            tmp.n_state_names = ser->nstates + 1u;
            tmp.state_names = names;
            vg_buf_reset (&in->buf2);
            size_t sz = vigil__series_meta__get_packed_size (&tmp);
            int rc = vg_buf_reserve (&in->buf2, sz);
            if (rc == 0) {
                vigil__series_meta__pack (&tmp, in->buf2.data);
                Vigil__SeriesMeta *copy = vigil__series_meta__unpack (NULL, sz, in->buf2.data);
                if (!copy)
                    rc = -VG_ENOMEM;
                else {
                    if (ser->meta)
                        vigil__series_meta__free_unpacked (ser->meta, NULL);
                    ser->meta = copy;
                    vg_ingest__bind_states (ser);
                    if (ser->nstates != tmp.n_state_names)
                        rc = -VG_ENOMEM;
                }
            }
            free (names);
            if (rc < 0)
                return rc;
            *meta_changed = true;
        }
        map[i] = (uint16_t) j;
    }
    for (size_t i = 0; i < n; i++) /* indices were range-checked in pass 1 */
        v[i] = vg_num_f64 (map[(size_t) vg_num_to_double (v[i], *type)]);
    *type = VG_NUM_F64;
    return 0;
}
