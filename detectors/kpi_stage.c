/* kpi_stage.c - success ratios from PM counter pairs, one per ROP (kpi_stage.h).
 * Invariant: an open-addressing table of cache-line entries at most half full (it doubles up to its bound, so a
 * small fleet keeps a small, cache-friendly table); entries are never removed, so lookups
 * need no tombstones. */
#include "detectors/kpi_stage.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/hash.h"

#define KPI_MIN_ATTEMPTS 1
#define KPI_MAGIC_V1 0x4b504931u /* "KPI1": 72-byte entries (s_ent_v1_t) */
#define KPI_MAGIC 0x4b504932u    /* "KPI2": 64-byte entries (s_ent_t) */
#define KPI_LINE 64

/* One entity in one cache line (the table is line-aligned): sampling an entity costs one
 * miss at most. */
typedef struct {
    uint64_t id;          /* KPI entity id; 0 = empty */
    double att, succ;     /* previous totals */
    double datt;          /* attempts delta of the current timestamp */
    double patt, psucc;   /* pooled deltas of the current ROP */
    int64_t att_ts;
    int32_t rop;          /* index of the ROP being pooled (clamped: s_rop) */
    uint8_t has_att, has_succ, pad[2];
} s_ent_t;
_Static_assert (sizeof (s_ent_t) == KPI_LINE, "a KPI entity is one cache line");

/* The layout of states saved before KPI2 (loaded and converted). */
typedef struct {
    uint64_t id;
    double att, succ, datt, patt, psucc;
    int64_t att_ts, rop;
    uint8_t has_att, has_succ, pad[6];
} s_ent_v1_t;

static int32_t
s_rop (int64_t ts_ms)
{
    int64_t r = ts_ms / VG_KPI_ROP_MS;
    return r > INT32_MAX ? INT32_MAX : r < INT32_MIN ? INT32_MIN : (int32_t) r;
}

/* A zeroed, line-aligned table of n entries, or NULL. */
static s_ent_t *
s_table (size_t n)
{
    s_ent_t *t = aligned_alloc (KPI_LINE, n * sizeof *t);
    if (t)
        memset (t, 0, n * sizeof *t);
    return t;
}

struct vg_kpi_stage {
    s_ent_t *t;
    size_t cap, used, max;   /* max: the bound cap grows to */
    vg_kpi_stage_stats_t st;
};

static const struct {
    const char *succ, *att, *kpi;
} s_pairs[] = {
    { "RRC.ConnEstabSucc", "RRC.ConnEstabAtt", "kpi/rrc_success_ratio" },
    { "MM.HoExeInterSucc", "MM.HoExeInterReq", "kpi/ho_success_ratio" },
    { "RM.RegInitSucc", "RM.RegInitReq", "kpi/reg_success_ratio" },
    { "SM.PduSessionCreationSucc", "SM.PduSessionCreationReq", "kpi/pdu_success_ratio" },
};

#define KPI_INITIAL 1024

vg_kpi_stage_t *
vg_kpi_stage_new (size_t cap)
{
    size_t c = 1;
    while (c < (cap ? cap : (size_t) 1 << 17))
        c <<= 1;
    vg_kpi_stage_t *k = calloc (1, sizeof *k);
    if (!k)
        return NULL;
    k->max = c;
    k->cap = c < KPI_INITIAL ? c : KPI_INITIAL;
    k->t = s_table (k->cap);
    if (!k->t) {
        free (k);
        return NULL;
    }
    return k;
}

void
vg_kpi_stage_destroy (vg_kpi_stage_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->t);
    free (*self_p);
    *self_p = NULL;
}

const char *
vg_kpi_stage_path (const char *path, int *is_succ)
{
    /* Every paired counter starts with R, M or S: most paths are refused by one compare. */
    if (!path || (path[0] != 'R' && path[0] != 'M' && path[0] != 'S'))
        return NULL;
    for (size_t i = 0; i < sizeof s_pairs / sizeof s_pairs[0]; i++) {
        if (!strcmp (path, s_pairs[i].succ)) {
            *is_succ = 1;
            return s_pairs[i].kpi;
        }
        if (!strcmp (path, s_pairs[i].att)) {
            *is_succ = 0;
            return s_pairs[i].kpi;
        }
    }
    return NULL;
}

static s_ent_t *s_slot (vg_kpi_stage_t *k, uint64_t id);

/* Double the table (rehashing every entry).  Returns 0 or -VG_ENOMEM (the table stays). */
static int
s_grow (vg_kpi_stage_t *k)
{
    s_ent_t *old = k->t;
    size_t oc = k->cap;
    k->t = s_table (oc * 2);
    if (!k->t) {
        k->t = old;
        return -VG_ENOMEM;
    }
    k->cap = oc * 2;
    k->used = 0;
    for (size_t i = 0; i < oc; i++)
        if (old[i].id)
            *s_slot (k, old[i].id) = old[i];
    free (old);
    return 0;
}

/* The entry of id, claiming an empty slot for a new one; NULL when the table is full. */
static s_ent_t *
s_slot (vg_kpi_stage_t *k, uint64_t id)
{
    if (2 * (k->used + 1) > k->cap && k->cap < k->max)
        s_grow (k); /* on failure: go on in the current table while it has room */
    size_t mask = k->cap - 1, i = (size_t) (vg_hash_mix64 (id) & mask);
    for (size_t n = 0; n < k->cap; n++, i = (i + 1) & mask) {
        if (k->t[i].id == id)
            return &k->t[i];
        if (!k->t[i].id) {
            if (k->used + 1 >= k->cap)
                return NULL; /* keep one slot empty: a miss always ends */
            k->t[i].id = id;
            k->used++;
            return &k->t[i];
        }
    }
    return NULL;
}

int
vg_kpi_stage_reserve (vg_kpi_stage_t *k, size_t n)
{
    while (2 * (k->used + n + 1) > k->cap && k->cap < k->max)
        if (s_grow (k) < 0)
            return -VG_ENOMEM;
    return 0;
}

int64_t
vg_kpi_stage_claim (vg_kpi_stage_t *k, uint64_t kpi_id)
{
    s_ent_t *q = s_slot (k, kpi_id ? kpi_id : 1);
    return q ? (int64_t) (q - k->t) : -VG_EFULL;
}

int
vg_kpi_stage_sample (vg_kpi_stage_t *k, uint64_t kpi_id, int is_succ, int64_t ts_ms, double value, double *ratio)
{
    int64_t slot = vg_kpi_stage_claim (k, kpi_id);
    if (slot < 0) {
        k->st.full++;
        return -VG_EFULL;
    }
    return vg_kpi_stage_sample_at (k, (size_t) slot, is_succ, ts_ms, value, ratio);
}

int
vg_kpi_stage_sample_at (vg_kpi_stage_t *k, size_t slot, int is_succ, int64_t ts_ms, double value, double *ratio)
{
    s_ent_t *q = &k->t[slot];
    k->st.samples++;
    if (!is_succ) {
        q->datt = q->has_att && value >= q->att ? value - q->att : -1;
        q->att = value;
        q->att_ts = ts_ms;
        q->has_att = 1;
        return 0;
    }
    double ds = q->has_succ && value >= q->succ ? value - q->succ : -1;
    q->succ = value;
    q->has_succ = 1;
    if (q->att_ts != ts_ms || ds < 0 || q->datt < 0 || ds > q->datt)
        return 0; /* first sample, counter reset or inconsistent pair: skip the interval */
    q->patt += q->datt;
    q->psucc += ds;
    /* One KPI per ROP: emitted by the first sample of a new ROP (per-interval ratios of a
     * quiet cell would have gaps at night). */
    int32_t rop = s_rop (ts_ms);
    if (rop == q->rop)
        return 0;
    q->rop = rop;
    int out = 0;
    if (q->patt >= KPI_MIN_ATTEMPTS) {
        *ratio = q->psucc / q->patt;
        k->st.kpis++;
        out = 1;
    }
    q->patt = q->psucc = 0;
    return out;
}

uint64_t
vg_kpi_stage_touch (const vg_kpi_stage_t *k, uint64_t kpi_id)
{
    return k->t[(size_t) (vg_hash_mix64 (kpi_id ? kpi_id : 1) & (k->cap - 1))].id;
}

int
vg_kpi_stage_save (const vg_kpi_stage_t *k, vg_buf_t *out)
{
    uint32_t hdr[2] = { KPI_MAGIC, (uint32_t) k->used };
    if (vg_buf_append (out, hdr, sizeof hdr) < 0)
        return -VG_ENOMEM;
    for (size_t i = 0; i < k->cap; i++)
        if (k->t[i].id && vg_buf_append (out, &k->t[i], sizeof k->t[i]) < 0)
            return -VG_ENOMEM;
    return 0;
}

int
vg_kpi_stage_load (vg_kpi_stage_t *k, const uint8_t *p, size_t len)
{
    uint32_t hdr[2];
    if (len < sizeof hdr)
        return -VG_EINVAL;
    memcpy (hdr, p, sizeof hdr);
    int v1 = hdr[0] == KPI_MAGIC_V1;
    size_t es = v1 ? sizeof (s_ent_v1_t) : sizeof (s_ent_t);
    if ((hdr[0] != KPI_MAGIC && !v1) || len != sizeof hdr + (size_t) hdr[1] * es)
        return -VG_EINVAL;
    memset (k->t, 0, k->cap * sizeof *k->t);
    k->used = 0;
    for (uint32_t n = 0; n < hdr[1]; n++) {
        s_ent_t e;
        if (v1) {
            s_ent_v1_t o;
            memcpy (&o, p + sizeof hdr + n * es, es);
            e = (s_ent_t) { o.id, o.att, o.succ, o.datt, o.patt, o.psucc, o.att_ts, 0, o.has_att, o.has_succ, { 0 } };
            e.rop = o.rop > INT32_MAX ? INT32_MAX : o.rop < INT32_MIN ? INT32_MIN : (int32_t) o.rop;
        } else
            memcpy (&e, p + sizeof hdr + n * es, es);
        if (!e.id)
            return -VG_EINVAL;
        s_ent_t *q = s_slot (k, e.id);
        if (!q)
            return -VG_EFULL;
        *q = e;
    }
    return 0;
}

void
vg_kpi_stage_stats (const vg_kpi_stage_t *k, vg_kpi_stage_stats_t *out)
{
    *out = k->st;
}
