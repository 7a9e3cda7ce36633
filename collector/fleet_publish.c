/* fleet_publish.c - inventory, KPI counter series and counted findings to the fleet topic
 * (fleet_publish.h).
 * Invariant: a message holds one scope (its key); a series keeps its chunk bytes as
 * received and the message its own compact string table; scratch arrays only grow. */
#include "collector/fleet_publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/fleet_kafka.h"
#include "collector/kafka_conf.h"
#include "collector/outbox_relay.h"
#include "common/buf.h"
#include "common/byteorder.h"
#include "common/array.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/u64map.h"
#include "detectors/det_util.h"
#include "detectors/kpi_stage.h"
#include "proto/batch.h"
#include "proto/fleet.pb-c.h"

#define S_NONE UINT32_MAX

/* Journal keys (VG_CF_DETSTATE): prefix, agent id, NUL, epoch and seq big-endian, so that
 * key order is batch order per agent. */
#define S_JPREFIX "fleetj/"
#define S_JPREFIX_END "fleetj0" /* '/' + 1: the end of the prefix's range */
#define S_JKEY_MAX (sizeof S_JPREFIX + VG_MAX_ID_LEN + 16)
#define S_JOURNAL_POLL 64       /* batches replayed from the journal per outbox write */

/* A message of a batch waiting for the publisher's own outbox write (poll). */
typedef struct {
    size_t off, key_len, len;
} s_pend_t;

/* Records staged in the publisher's txn before this many are dropped when the store keeps
 * refusing the write (the server stops acknowledging meanwhile). */
#define S_KEEP_RECORDS 65536

struct vg_fleet_pub {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    char *collector_id, *topic, *brokers;
    vg_alerter_prop_t *props; /* copies (the restart check's consumer) */
    size_t nprops;
    vg_store_t *store;
    vg_relay_t *relay;       /* the outbox in VG_CF_FLEETBOX -> the fleet topic */
    vg_store_txn_t *txn;     /* the publisher's own outbox write (batch messages) */
    bool txn_failed;         /* txn holds records of a failed commit */
    size_t ndel;             /* journal deletions staged in txn */
    size_t nfnd;             /* findings staged in the detect stage's write, not confirmed */
    char sources[512];       /* detector kinds the fleet rules count, comma-separated */
    vg_u64map_t announced;   /* hash of a device's identity -> 1: inventory sent */
    s_pend_t *pend;          /* batch messages packed since the last poll (bytes in pbytes) */
    size_t npend, cappend;
    vg_buf_t pbytes;
    /* message scratch (grows, reused) */
    uint32_t *smap, *dmap;   /* source string / device index -> message index */
    size_t capsmap, capdmap;
    char **strings;
    Vigil__Device **devices;
    Vigil__Series *series, **pseries;
    uint32_t *labels;
    size_t capstr, capdev, capser, capps, caplab;
    uint8_t *mark;           /* per source device: 1 = new inventory */
    size_t capmark;
    vg_buf_t packed;
    vg_ratelimit_t rl;
    vg_fleet_pub_stats_t st;
};

/* Grow *arr (elements of size es) to hold n. */
static int
s_grow (void *arr, size_t *cap, size_t n, size_t es)
{
    return vg_array_reserve ((void **) arr, cap, n, es); /* arr: the address of the array pointer */
}

static void
s_on_dr (rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void) rk;
    vg_fleet_pub_t *p = opaque;
    if (m->err)
        p->st.delivery_errors++;
    else
        p->st.delivered++;
    if (p->relay && m->_private)
        vg_relay_delivered (p->relay, m);
}

/* The journal key of a batch into k (S_JKEY_MAX bytes); returns its length. */
static size_t
s_jkey (uint8_t *k, const char *agent_id, uint64_t epoch, uint64_t seq)
{
    const char *a = agent_id ? agent_id : "";
    size_t pl = sizeof S_JPREFIX - 1, al = strnlen (a, VG_MAX_ID_LEN - 1);
    memcpy (k, S_JPREFIX, pl);
    memcpy (k + pl, a, al);
    size_t at = pl + al;
    k[at++] = 0;
    vg_be64 (k + at, epoch);
    vg_be64 (k + at + 8, seq);
    return at + 16;
}

void
vg_fleet_pub_journal (void *ctx, const char *agent_id, uint64_t epoch, uint64_t seq, uint64_t order,
                      const uint8_t *batch, size_t len, vg_store_txn_t *txn)
{
    (void) ctx;
    (void) order;
    uint8_t k[S_JKEY_MAX];
    vg_store_txn_put (txn, VG_CF_DETSTATE, k, s_jkey (k, agent_id, epoch, seq), batch, len);
}

int
vg_fleet_pub_journal_drop (vg_store_t *store)
{
    uint64_t n = 0;
    int rc = vg_store_drop_range (store, VG_CF_DETSTATE, S_JPREFIX, sizeof S_JPREFIX - 1, S_JPREFIX_END,
                                  sizeof S_JPREFIX_END - 1, &n);
    if (rc < 0)
        vg_log (VG_LOG_ERROR, "fleet", "dropping the fleet journal failed: %s", vg_strerror (rc));
    else if (n)
        vg_log (VG_LOG_WARN, "fleet",
                "fleet journal: %llu batch(es) an earlier run committed but never published dropped (fleet "
                "publishing is off now: they will not reach the fleet topic)",
                (unsigned long long) n);
    return rc < 0 ? rc : (int) (n > INT32_MAX ? INT32_MAX : n);
}

/* Batch b's messages are in p->txn: its journal entry goes in the same write. */
static void
s_journal_done (vg_fleet_pub_t *p, const Vigil__Batch *b)
{
    uint8_t k[S_JKEY_MAX];
    vg_store_txn_delete (p->txn, VG_CF_DETSTATE, k, s_jkey (k, b->agent_id, b->epoch, b->seq));
    p->ndel++;
}

static int
s_journal_one (void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    static const vg_batch_limits_t lim = { UINT32_MAX, UINT32_MAX, UINT32_MAX };
    vg_fleet_pub_t *p = ctx;
    Vigil__Batch *b = vigil__batch__unpack (NULL, vl, v);
    char why[160] = "undecodable";
    if (!b || vg_batch_validate (b, &lim, NULL, why, sizeof why) < 0) {
        /* ingest validated it before the write: only a damaged store gets here */
        vg_log_rl (&p->rl, VG_LOG_ERROR, "fleet", "journal entry of %zu bytes dropped: %s", vl, why);
        vg_store_txn_delete (p->txn, VG_CF_DETSTATE, k, kl);
        p->ndel++;
        p->st.journal_bad++;
    } else {
        size_t before = p->ndel;
        vg_fleet_pub_batch (p, b);
        p->st.journal_replayed += p->ndel > before;
    }
    if (b)
        vigil__batch__free_unpacked (b, NULL);
    if ((p->st.journal_replayed + p->st.journal_bad) % S_JOURNAL_POLL == 0)
        vg_fleet_pub_poll (p); /* bounds what is packed and not yet written */
    return 0;
}

/* Publish the batches a crash left committed but unpublished (fleet_publish.h). */
static void
s_journal_replay (vg_fleet_pub_t *p)
{
    int rc = vg_store_scan (p->store, VG_CF_DETSTATE, S_JPREFIX, sizeof S_JPREFIX - 1, S_JPREFIX_END,
                            sizeof S_JPREFIX_END - 1, s_journal_one, p);
    if (rc < 0)
        vg_log (VG_LOG_ERROR, "fleet", "reading the fleet journal failed: %s (those batches stay unpublished)",
                vg_strerror (rc));
    if (p->st.journal_replayed || p->st.journal_bad) {
        vg_fleet_pub_poll (p);
        vg_log (VG_LOG_INFO, "fleet",
                "%llu batch(es) committed before the restart were not published yet: published now (%llu messages)",
                (unsigned long long) p->st.journal_replayed, (unsigned long long) p->st.messages);
    }
}

vg_fleet_pub_t *
vg_fleet_pub_new (const vg_fleet_pub_cfg_t *cfg, char *err, size_t errlen)
{
    vg_fleet_pub_t *p = calloc (1, sizeof *p);
    if (!p) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    p->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 5);
    p->store = cfg->store;
    p->collector_id = strdup (cfg->collector_id ? cfg->collector_id : "");
    p->topic = strdup (cfg->topic ? cfg->topic : "");
    p->brokers = strdup (cfg->brokers ? cfg->brokers : "");
    p->props = cfg->nprops ? calloc (cfg->nprops, sizeof *p->props) : NULL;
    if (!p->collector_id || !p->topic || !p->brokers || (cfg->nprops && !p->props)) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    for (; p->nprops < cfg->nprops; p->nprops++) {
        p->props[p->nprops].key = strdup (cfg->props[p->nprops].key);
        p->props[p->nprops].value = strdup (cfg->props[p->nprops].value);
        if (!p->props[p->nprops].key || !p->props[p->nprops].value) {
            p->nprops++;
            snprintf (err, errlen, "out of memory");
            goto fail;
        }
    }
    if (!p->store || !cfg->collector_id || !cfg->collector_id[0]) {
        snprintf (err, errlen, "the fleet publisher needs the store and collector.id");
        goto fail;
    }
    for (size_t i = 0; cfg->rules && i < cfg->rules->nrules; i++) {
        const vg_rule_t *r = &cfg->rules->rules[i];
        int k = r->ops->on_alert ? vg_rule_param_index (r, "sources") : -1;
        size_t l = strlen (p->sources);
        if (k >= 0 && r->ps[k][0] && l + strlen (r->ps[k]) + 2 < sizeof p->sources)
            snprintf (p->sources + l, sizeof p->sources - l, "%s%s", l ? "," : "", r->ps[k]);
    }
    static const char *const defs[][2] = { { "enable.idempotence", "true" }, { "acks", "all" },
                                           { "linger.ms", "5" },              { "client.id", "vigil-fleet-publish" },
                                           { "compression.type", "lz4" },     { NULL, NULL } };
    rd_kafka_conf_t *conf = vg_kafka_conf (defs, cfg->brokers, cfg->props, cfg->nprops, err, errlen);
    if (!conf)
        goto fail;
    rd_kafka_conf_set_opaque (conf, p);
    rd_kafka_conf_set_dr_msg_cb (conf, s_on_dr);
    p->rk = vg_kafka_new (RD_KAFKA_PRODUCER, conf, err, errlen);
    if (!p->rk)
        goto fail;
    if (vg_fleet_topic_ensure (p->rk, cfg->topic, cfg->partitions, 0, 10000, err, errlen) < 0)
        goto fail;
    p->rkt = rd_kafka_topic_new (p->rk, cfg->topic, NULL);
    if (!p->rkt) {
        snprintf (err, errlen, "kafka topic '%s': %s", cfg->topic, rd_kafka_err2str (rd_kafka_last_error ()));
        goto fail;
    }
    vg_relay_cfg_t rc = { .store = p->store, .cf = VG_CF_FLEETBOX, .rk = p->rk, .rkt = p->rkt,
                          .brokers = p->brokers, .props = p->props, .nprops = p->nprops, .topic = p->topic,
                          .origin = p->collector_id, .tag = "fleet" };
    p->relay = vg_relay_new (&rc, err, errlen);
    p->txn = p->relay ? vg_store_txn_new (p->store) : NULL;
    if (!p->txn)
        goto fail;
    s_journal_replay (p);
    vg_log (VG_LOG_INFO, "fleet", "publishing to fleet topic %s: inventory, KPI counters and %s findings", cfg->topic,
            p->sources[0] ? p->sources : "no");
    return p;
fail:
    vg_fleet_pub_destroy (&p);
    return NULL;
}

void
vg_fleet_pub_destroy (vg_fleet_pub_t **self_p)
{
    vg_fleet_pub_t *p = self_p ? *self_p : NULL;
    if (!p)
        return;
    if (p->relay) {
        vg_fleet_pub_poll (p); /* the last batches' messages into the outbox */
        vg_relay_flush (p->relay, 5000);
        vg_relay_stats_t rs;
        vg_relay_stats (p->relay, &rs);
        vg_log (VG_LOG_INFO, "fleet", "published %llu messages (%llu bytes): %llu KPI samples, %llu devices, %llu findings; "
                "%llu delivered, %llu delivery errors, %llu already on the topic at start, %llu left in the outbox",
                (unsigned long long) p->st.messages, (unsigned long long) p->st.bytes,
                (unsigned long long) p->st.samples, (unsigned long long) p->st.devices,
                (unsigned long long) p->st.findings, (unsigned long long) rs.delivered,
                (unsigned long long) rs.delivery_errors, (unsigned long long) rs.already_delivered,
                (unsigned long long) rs.outbox_count);
    }
    vg_relay_destroy (&p->relay);
    vg_store_txn_destroy (&p->txn);
    if (p->rk)
        rd_kafka_flush (p->rk, 1000);
    if (p->rkt)
        rd_kafka_topic_destroy (p->rkt);
    if (p->rk)
        rd_kafka_destroy (p->rk);
    vg_u64map_free (&p->announced);
    free (p->pend);
    vg_buf_free (&p->pbytes);
    for (size_t i = 0; i < p->nprops; i++) {
        free ((char *) p->props[i].key);
        free ((char *) p->props[i].value);
    }
    free (p->props);
    free (p->topic);
    free (p->brokers);
    free (p->smap);
    free (p->dmap);
    free (p->strings);
    free (p->devices);
    free (p->series);
    free (p->pseries);
    free (p->labels);
    free (p->mark);
    vg_buf_free (&p->packed);
    free (p->collector_id);
    free (p);
    *self_p = NULL;
}

/* ------------------------------------------------------------------------------------ */
/* One message */

typedef struct {
    Vigil__Batch b;
    const char *const *src;  /* source string table, or NULL */
    size_t nsrc;
} s_msg_t;

static void
s_msg_begin (vg_fleet_pub_t *p, s_msg_t *m, const Vigil__Batch *src, size_t ndev)
{
    vigil__batch__init (&m->b);
    m->b.agent_id = p->collector_id;
    m->b.strings = p->strings;
    m->b.devices = p->devices;
    m->b.series = p->pseries;
    p->strings[0] = "";
    m->b.n_strings = 1;
    m->src = src ? (const char *const *) src->strings : NULL;
    m->nsrc = src ? src->n_strings : 0;
    for (size_t i = 0; i < m->nsrc; i++)
        p->smap[i] = S_NONE;
    for (size_t i = 0; i < ndev; i++)
        p->dmap[i] = S_NONE;
}

/* Index in the message of source string i. */
static uint32_t
s_msg_str (vg_fleet_pub_t *p, s_msg_t *m, uint32_t i)
{
    if (i == 0 || i >= m->nsrc)
        return 0;
    if (p->smap[i] == S_NONE) {
        p->smap[i] = (uint32_t) m->b.n_strings;
        p->strings[m->b.n_strings++] = (char *) m->src[i];
    }
    return p->smap[i];
}

static uint32_t
s_msg_dev (vg_fleet_pub_t *p, s_msg_t *m, uint32_t i, Vigil__Device *d)
{
    if (p->dmap[i] == S_NONE) {
        p->dmap[i] = (uint32_t) m->b.n_devices;
        p->devices[m->b.n_devices++] = d;
    }
    return p->dmap[i];
}

/* Pack one FleetBatch under key "<kind>/<scope>": staged in txn (a finding: the detect
 * stage's write holding its alert), or kept for the publisher's own write (txn NULL). */
static void
s_produce (vg_fleet_pub_t *p, s_msg_t *m, const char *kind, const char *scope, Vigil__FleetFinding **findings,
           size_t nfindings, vg_store_txn_t *txn)
{
    Vigil__FleetBatch fb = VIGIL__FLEET_BATCH__INIT;
    fb.collector_id = p->collector_id;
    fb.batch = &m->b;
    fb.findings = findings;
    fb.n_findings = nfindings;
    size_t n = vigil__fleet_batch__get_packed_size (&fb);
    char key[VG_MAX_ID_LEN + 16];
    int kl = snprintf (key, sizeof key, "%s/%s", kind, scope ? scope : "");
    size_t klen = (size_t) (kl < (int) sizeof key ? kl : (int) sizeof key - 1);
    if (txn) {
        vg_buf_reset (&p->packed);
        if (vg_buf_reserve (&p->packed, n) < 0) {
            p->st.produce_errors++;
            return;
        }
        vigil__fleet_batch__pack (&fb, p->packed.data);
        if (vg_relay_add (p->relay, txn, key, klen, p->packed.data, n) < 0) {
            p->st.produce_errors++;
            return;
        }
        p->nfnd++;
    } else {
        size_t off = p->pbytes.len;
        if (s_grow (&p->pend, &p->cappend, p->npend + 1, sizeof *p->pend) < 0 ||
            vg_buf_reserve (&p->pbytes, klen + n) < 0) {
            p->st.produce_errors++;
            return;
        }
        memcpy (p->pbytes.data + off, key, klen);
        vigil__fleet_batch__pack (&fb, p->pbytes.data + off + klen);
        p->pbytes.len = off + klen + n;
        p->pend[p->npend++] = (s_pend_t){ off, klen, n };
    }
    p->st.messages++;
    p->st.bytes += n;
}

static const char *
s_or (const char *s)
{
    return s ? s : "";
}

/* ------------------------------------------------------------------------------------ */
/* Batches: inventory and KPI counter series */

static uint64_t
s_dev_hash (const Vigil__Device *d)
{
    uint64_t h = vg_hash64 (s_or (d->id), strlen (s_or (d->id)), 0x11);
    const char *f[] = { d->vendor, d->model, d->role, d->site, d->sw_version };
    for (size_t i = 0; i < 5; i++)
        h = vg_hash64 (s_or (f[i]), strlen (s_or (f[i])), h);
    return h ? h : 1;
}

void
vg_fleet_pub_batch (vg_fleet_pub_t *p, const Vigil__Batch *b)
{
    if (s_grow (&p->smap, &p->capsmap, b->n_strings + 1, sizeof *p->smap) < 0 ||
        s_grow (&p->strings, &p->capstr, b->n_strings + 1, sizeof *p->strings) < 0 ||
        s_grow (&p->dmap, &p->capdmap, b->n_devices + 1, sizeof *p->dmap) < 0 ||
        s_grow (&p->devices, &p->capdev, b->n_devices + 1, sizeof *p->devices) < 0 ||
        s_grow (&p->mark, &p->capmark, b->n_devices + 1, 1) < 0 ||
        s_grow (&p->series, &p->capser, b->n_series + 1, sizeof *p->series) < 0 ||
        s_grow (&p->pseries, &p->capps, b->n_series + 1, sizeof *p->pseries) < 0) {
        p->st.produce_errors++;
        return;
    }
    /* New or changed inventory: one message per vendor. */
    size_t nnew = 0;
    for (size_t i = 0; i < b->n_devices; i++) {
        uint64_t h = s_dev_hash (b->devices[i]);
        uint32_t v;
        p->mark[i] = !vg_u64map_get (&p->announced, h, &v) && vg_u64map_put (&p->announced, h, 1) == 0;
        nnew += p->mark[i];
    }
    while (nnew) {
        s_msg_t m;
        s_msg_begin (p, &m, NULL, b->n_devices);
        const char *vendor = NULL;
        for (size_t i = 0; i < b->n_devices; i++) {
            if (!p->mark[i] || (vendor && strcmp (vendor, s_or (b->devices[i]->vendor))))
                continue;
            vendor = s_or (b->devices[i]->vendor);
            s_msg_dev (p, &m, (uint32_t) i, b->devices[i]);
            p->mark[i] = 0;
            nnew--;
        }
        p->st.devices += m.b.n_devices;
        s_produce (p, &m, "vendor", vendor, NULL, 0, NULL);
    }
    /* KPI counter series: one message per site.  mark[d] = 2: device d has such series. */
    size_t nsel = 0;
    for (size_t i = 0; i < b->n_series; i++) {
        int succ;
        const Vigil__Series *s = b->series[i];
        if (s->kind == VIGIL__SERIES_KIND__SERIES_KIND_COUNTER && vg_kpi_stage_path (b->strings[s->path], &succ)) {
            p->mark[s->device] = 2;
            nsel++;
        }
    }
    size_t nlab = 0;
    for (size_t i = 0; i < b->n_series; i++)
        nlab += b->series[i]->n_labels;
    if (nsel && s_grow (&p->labels, &p->caplab, nlab + 1, sizeof *p->labels) < 0) {
        p->st.produce_errors++;
        return;
    }
    while (nsel) {
        s_msg_t m;
        s_msg_begin (p, &m, b, b->n_devices);
        const char *site = NULL;
        size_t ns = 0, nl = 0;
        for (size_t i = 0; i < b->n_series; i++) {
            const Vigil__Series *s = b->series[i];
            int succ;
            if (p->mark[s->device] != 2 || s->kind != VIGIL__SERIES_KIND__SERIES_KIND_COUNTER ||
                !vg_kpi_stage_path (b->strings[s->path], &succ))
                continue;
            const Vigil__Device *d = b->devices[s->device];
            if (site && strcmp (site, s_or (d->site)))
                continue;
            site = s_or (d->site);
            Vigil__Series *o = &p->series[ns];
            vigil__series__init (o);
            o->device = s_msg_dev (p, &m, s->device, b->devices[s->device]);
            o->path = s_msg_str (p, &m, s->path);
            o->kind = s->kind;
            o->count = s->count;
            o->chunk = s->chunk;
            o->labels = p->labels + nl;
            for (size_t l = 0; l < s->n_labels; l++)
                o->labels[o->n_labels++] = s_msg_str (p, &m, s->labels[l]);
            nl += o->n_labels;
            p->pseries[ns++] = o;
            p->st.samples += s->count;
            nsel--;
        }
        for (size_t i = 0; i < b->n_devices; i++)
            if (p->dmap[i] != S_NONE)
                p->mark[i] = 0; /* this site's devices are done */
        m.b.n_series = ns;
        p->st.series += ns;
        s_produce (p, &m, "site", site, NULL, 0, NULL);
    }
    s_journal_done (p, b);
}

/* ------------------------------------------------------------------------------------ */
/* Findings */

void
vg_fleet_pub_alert (vg_fleet_pub_t *p, const vg_alert_t *a, vg_store_txn_t *txn)
{
    if (a->activity != VG_ACT_CREATE || !a->detector || !vg_csv_has (p->sources, a->detector) || !a->vendor ||
        !a->vendor[0] || s_grow (&p->dmap, &p->capdmap, 1, sizeof *p->dmap) < 0 ||
        s_grow (&p->strings, &p->capstr, 1, sizeof *p->strings) < 0 ||
        s_grow (&p->devices, &p->capdev, 1, sizeof *p->devices) < 0)
        return;
    Vigil__Device dv = VIGIL__DEVICE__INIT;
    dv.id = (char *) a->device;
    dv.vendor = (char *) a->vendor;
    dv.model = (char *) s_or (a->model);
    dv.role = (char *) s_or (a->role);
    dv.site = (char *) s_or (a->site);
    dv.sw_version = (char *) s_or (a->sw_version);
    Vigil__FleetFinding f = VIGIL__FLEET_FINDING__INIT, *pf = &f;
    s_msg_t m;
    s_msg_begin (p, &m, NULL, 1);
    f.device = s_msg_dev (p, &m, 0, &dv);
    f.ts_ms = a->time_ms;
    f.rule_id = (char *) s_or (a->rule_id);
    f.detector = (char *) a->detector;
    f.uid = (char *) a->uid;
    p->st.findings++;
    s_produce (p, &m, "vendor", a->vendor, &pf, 1, txn);
}

void
vg_fleet_pub_committed (vg_fleet_pub_t *p)
{
    if (p->nfnd)
        vg_relay_committed (p->relay, true);
    p->nfnd = 0;
}

void
vg_fleet_pub_poll (vg_fleet_pub_t *p)
{
    if (!p->txn)
        return;
    /* Findings staged in a detect-stage write that was not confirmed: that commit failed. */
    if (p->nfnd)
        vg_relay_committed (p->relay, false);
    p->nfnd = 0;
    if (p->npend || p->ndel || p->txn_failed) {
        for (size_t i = 0; i < p->npend; i++) {
            const s_pend_t *e = &p->pend[i];
            vg_relay_add (p->relay, p->txn, p->pbytes.data + e->off, e->key_len, p->pbytes.data + e->off + e->key_len,
                          e->len); /* failures counted by the relay */
        }
        p->npend = 0;
        p->ndel = 0;
        vg_buf_reset (&p->pbytes);
        char err[256];
        if (vg_store_commit (p->store, p->txn, err, sizeof err) == 0) {
            vg_relay_committed (p->relay, true);
            if (p->txn_failed)
                vg_relay_rescan (p->relay);
            p->txn_failed = false;
            vg_store_txn_clear (p->txn);
        } else if (vg_store_txn_count (p->txn) < S_KEEP_RECORDS) {
            /* The store refuses writes for now (a full disk): keep them for the next try. */
            vg_log_rl (&p->rl, VG_LOG_ERROR, "fleet", "committing fleet messages to the outbox failed: %s; kept", err);
            p->txn_failed = true;
        } else {
            p->st.produce_errors += vg_store_txn_count (p->txn);
            vg_log_rl (&p->rl, VG_LOG_ERROR, "fleet", "committing fleet messages to the outbox failed: %s; %zu lost",
                       err, vg_store_txn_count (p->txn));
            vg_relay_committed (p->relay, false);
            p->txn_failed = false;
            vg_store_txn_clear (p->txn);
        }
    }
    rd_kafka_poll (p->rk, 0);
    vg_relay_poll (p->relay);
}

void
vg_fleet_pub_stats (const vg_fleet_pub_t *p, vg_fleet_pub_stats_t *out)
{
    *out = p->st;
}
