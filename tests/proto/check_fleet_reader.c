/* check_fleet_reader.c - the zero-copy FleetBatch reader against protobuf-c: on generated
 * messages (valid and with out-of-range indices) and on corrupted copies of them (bits
 * flipped, bytes set, inserted, deleted, ranges repeated, truncations) the reader accepts
 * exactly when protobuf-c's unpack + vg_batch_validate + the finding check do, and then
 * reads the same content; its one documented refusal and tag edge cases by hand-made ones. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "proto/batch.h"
#include "proto/fleet.pb-c.h"
#include "proto/fleet_reader.h"
#include "tests/support/rng.h"
#include "tests/support/suite.h"

#define T_MAX_STR 12
#define T_MAX_DEV 4
#define T_MAX_SER 24
#define T_MAX_EVT 3
#define T_MAX_FND 3

/* Storage of one generated message. */
typedef struct {
    Vigil__FleetBatch fb;
    Vigil__Batch b;
    char *strings[T_MAX_STR];
    char text[T_MAX_STR][40];
    Vigil__Device dev[T_MAX_DEV], *pdev[T_MAX_DEV];
    Vigil__Series ser[T_MAX_SER], *pser[T_MAX_SER];
    uint32_t labels[T_MAX_SER][8];
    uint8_t chunk[T_MAX_SER][16];
    char *state_names[2];
    Vigil__Event evt[T_MAX_EVT], *pevt[T_MAX_EVT];
    Vigil__Attr attr[T_MAX_EVT], *pattr[T_MAX_EVT][1];
    Vigil__FlowSummary flow;
    Vigil__Gap gap;
    Vigil__FleetFinding fnd[T_MAX_FND], *pfnd[T_MAX_FND];
} t_gen_t;

static uint64_t
t_r (uint64_t *st, uint64_t n)
{
    return rng_splitmix (st) % n;
}

/* An index below n, out of range about once in bad draws. */
static uint32_t
t_idx (uint64_t *st, size_t n, unsigned bad)
{
    if (bad && t_r (st, bad) == 0)
        return (uint32_t) (n + t_r (st, 3));
    return n ? (uint32_t) t_r (st, n) : 0;
}

static void
t_generate (t_gen_t *g, uint64_t *st, unsigned bad)
{
    static const char *const vendors[] = { "nokia", "ericsson", "huawei", "" };
    static const char *const ids[T_MAX_DEV] = { "a/gnb1", "a/gnb2", "b/gnb1", "b/amf1" };
    memset (g, 0, sizeof *g);
    vigil__fleet_batch__init (&g->fb);
    vigil__batch__init (&g->b);
    g->fb.collector_id = t_r (st, 4) ? "site-a" : "";
    g->fb.batch = &g->b;
    g->b.agent_id = "agent-1";
    g->b.epoch = rng_splitmix (st);
    g->b.seq = t_r (st, 1000);
    g->b.created_ms = (int64_t) rng_splitmix (st);
    size_t ns = 1 + t_r (st, T_MAX_STR);
    for (size_t i = 0; i < ns; i++) {
        if (i == 0)
            g->text[i][0] = '\0';
        else if (i == 1)
            snprintf (g->text[i], sizeof g->text[i], "/pm/RRC.ConnEstabAtt");
        else
            snprintf (g->text[i], sizeof g->text[i], "s%zu-%llu", i, (unsigned long long) t_r (st, 100000));
        g->strings[i] = g->text[i];
    }
    g->b.strings = g->strings;
    g->b.n_strings = ns;
    size_t nd = t_r (st, T_MAX_DEV + 1);
    for (size_t i = 0; i < nd; i++) {
        vigil__device__init (&g->dev[i]);
        g->dev[i].id = (char *) ((bad && t_r (st, bad) == 0) ? "" : ids[i]);
        g->dev[i].vendor = (char *) vendors[t_r (st, 4)];
        g->dev[i].site = "site-a";
        g->dev[i].model = t_r (st, 2) ? "AirScale" : "";
        g->pdev[i] = &g->dev[i];
    }
    g->b.devices = g->pdev;
    g->b.n_devices = nd;
    size_t nser = nd ? t_r (st, T_MAX_SER + 1) : 0;
    g->state_names[0] = "UP";
    g->state_names[1] = "DOWN";
    for (size_t i = 0; i < nser; i++) {
        Vigil__Series *s = &g->ser[i];
        vigil__series__init (s);
        s->device = t_idx (st, nd, bad);
        s->path = ns > 1 ? 1 + t_idx (st, ns - 1, bad) : t_idx (st, 1, 0);
        s->n_labels = 2 * t_r (st, 4);
        if (bad && t_r (st, bad) == 0)
            s->n_labels++;
        s->labels = g->labels[i];
        for (size_t k = 0; k < s->n_labels; k++)
            s->labels[k] = t_idx (st, ns, bad * 4);
        s->kind = (Vigil__SeriesKind) t_r (st, 3);
        s->input = t_idx (st, ns, bad * 4);
        s->source = t_r (st, 2) ? t_idx (st, ns, bad * 4) : 0;
        s->origin_path = t_r (st, 3) ? 0 : t_idx (st, ns, bad * 4);
        s->count = (uint32_t) t_r (st, bad ? 6 : 5) + (bad ? 0 : 1);
        size_t cl = t_r (st, 17);
        for (size_t k = 0; k < cl; k++)
            g->chunk[i][k] = (uint8_t) rng_splitmix (st);
        s->chunk = (ProtobufCBinaryData) { cl, g->chunk[i] };
        if (s->kind == VIGIL__SERIES_KIND__SERIES_KIND_STATE) {
            s->state_names = g->state_names;
            s->n_state_names = 2;
        }
        s->unit = t_r (st, 3) ? "" : "1";
        g->pser[i] = s;
    }
    g->b.series = g->pser;
    g->b.n_series = nser;
    size_t ne = nd ? t_r (st, T_MAX_EVT + 1) : 0;
    vigil__flow_summary__init (&g->flow);
    g->flow.src = "192.0.2.1";
    g->flow.bytes = 12345;
    vigil__gap__init (&g->gap);
    g->gap.from_ms = -5;
    g->gap.reason = "spool_full";
    for (size_t i = 0; i < ne; i++) {
        Vigil__Event *e = &g->evt[i];
        vigil__event__init (e);
        e->device = t_idx (st, nd, bad);
        e->type = (Vigil__EventType) t_idx (st, VG_EV__COUNT, bad);
        e->ts_ms = (int64_t) t_r (st, 1u << 30) - (1 << 29);
        vigil__attr__init (&g->attr[i]);
        g->attr[i].key = "user";
        g->attr[i].value = "alice";
        g->pattr[i][0] = &g->attr[i];
        e->attrs = g->pattr[i];
        e->n_attrs = t_r (st, 2);
        e->flow = t_r (st, 2) ? &g->flow : NULL;
        e->gap = t_r (st, 2) ? &g->gap : NULL;
        g->pevt[i] = e;
    }
    g->b.events = g->pevt;
    g->b.n_events = ne;
    size_t nf = nd ? t_r (st, T_MAX_FND + 1) : 0;
    for (size_t i = 0; i < nf; i++) {
        vigil__fleet_finding__init (&g->fnd[i]);
        g->fnd[i].device = t_idx (st, nd, bad);
        g->fnd[i].ts_ms = (int64_t) rng_splitmix (st);
        g->fnd[i].rule_id = "X01";
        g->fnd[i].detector = "reboot";
        g->fnd[i].uid = t_r (st, 2) ? "u-1" : "";
        g->pfnd[i] = &g->fnd[i];
    }
    g->fb.findings = g->pfnd;
    g->fb.n_findings = nf;
}

/* protobuf-c's verdict and content: the message when valid for the fleet tier, else NULL. */
static Vigil__FleetBatch *
t_reference (const uint8_t *p, size_t n)
{
    static const vg_batch_limits_t lim = { UINT32_MAX, UINT32_MAX, UINT32_MAX };
    Vigil__FleetBatch *fb = vigil__fleet_batch__unpack (NULL, n, p);
    char why[160];
    int ok = fb && fb->batch && vg_batch_validate (fb->batch, &lim, NULL, why, sizeof why) == 0;
    for (size_t i = 0; ok && i < fb->n_findings; i++)
        ok = fb->findings[i]->device < fb->batch->n_devices;
    if (!ok && fb) {
        vigil__fleet_batch__free_unpacked (fb, NULL);
        fb = NULL;
    }
    return fb;
}

static void
t_same (const Vigil__FleetBatch *fb, const vg_fleet_msg_t *m)
{
    const Vigil__Batch *b = fb->batch;
    ck_assert_str_eq (fb->collector_id, m->collector_id);
    ck_assert_str_eq (b->agent_id, m->agent_id);
    ck_assert (b->epoch == m->epoch && b->seq == m->seq && b->created_ms == m->created_ms);
    ck_assert_uint_eq (b->n_strings, m->n_strings);
    for (size_t i = 0; i < b->n_strings; i++)
        ck_assert_str_eq (b->strings[i], m->strings[i]);
    ck_assert_uint_eq (b->n_devices, m->n_devices);
    for (size_t i = 0; i < b->n_devices; i++) {
        const Vigil__Device *d = b->devices[i];
        const vg_device_t *e = &m->devices[i];
        ck_assert_str_eq (d->id, e->id);
        ck_assert_str_eq (d->vendor, e->vendor);
        ck_assert_str_eq (d->model, e->model);
        ck_assert_str_eq (d->role, e->role);
        ck_assert_str_eq (d->site, e->site);
        ck_assert_str_eq (d->sw_version, e->sw_version);
    }
    ck_assert_uint_eq (b->n_series, m->n_series);
    for (size_t i = 0; i < b->n_series; i++) {
        const Vigil__Series *s = b->series[i];
        const vg_fleet_series_t *e = &m->series[i];
        ck_assert (s->device == e->device && s->path == e->path && s->input == e->input &&
                   s->origin_path == e->origin_path && s->source == e->source && s->count == e->count &&
                   (int32_t) s->kind == e->kind);
        ck_assert_uint_eq (s->n_labels, e->n_labels);
        for (size_t k = 0; k < s->n_labels; k++)
            ck_assert_uint_eq (s->labels[k], e->labels[k]);
        ck_assert_uint_eq (s->chunk.len, e->chunk_len);
        ck_assert (s->chunk.len == 0 || memcmp (s->chunk.data, e->chunk, s->chunk.len) == 0);
        ck_assert_uint_eq (s->n_state_names, e->n_state_names);
        ck_assert_uint_eq (strlen (s->unit), strnlen (e->unit, e->unit_len));
        ck_assert (memcmp (s->unit, e->unit, strlen (s->unit)) == 0);
    }
    ck_assert_uint_eq (b->n_events, m->n_events);
    ck_assert_uint_eq (fb->n_findings, m->n_findings);
    for (size_t i = 0; i < fb->n_findings; i++) {
        const Vigil__FleetFinding *f = fb->findings[i];
        const vg_fleet_finding_t *e = &m->findings[i];
        ck_assert (f->device == e->device && f->ts_ms == e->ts_ms);
        ck_assert_str_eq (f->rule_id, e->rule_id);
        ck_assert_str_eq (f->detector, e->detector);
        ck_assert_str_eq (f->uid, e->uid);
    }
}

/* Compare reader and reference on p[0..n).  Returns 1 when both accept. */
static int
t_compare (vg_fleet_reader_t *r, const uint8_t *p, size_t n)
{
    Vigil__FleetBatch *fb = t_reference (p, n);
    vg_fleet_msg_t m;
    char why[160] = "";
    int rc = vg_fleet_reader_parse (r, p, n, &m, why, sizeof why);
    if (fb && rc != 0 && getenv ("T_DUMP")) {
        for (size_t i = 0; i < n; i++)
            fprintf (stderr, "%02x ", p[i]);
        fprintf (stderr, "\n");
    }
    if (fb) {
        ck_assert_msg (rc == 0, "protobuf-c accepts, the reader refuses: %s", why);
        t_same (fb, &m);
        vigil__fleet_batch__free_unpacked (fb, NULL);
        return 1;
    }
    ck_assert_msg (rc == -VG_EPROTO, "the reader accepts what protobuf-c refuses (rc %d)", rc);
    return 0;
}

/* One corruption of src into dst (room for n + 64 bytes); returns the new length. */
static size_t
t_corrupt (uint64_t *st, const uint8_t *src, size_t n, uint8_t *dst)
{
    memcpy (dst, src, n);
    size_t at = n ? t_r (st, n) : 0;
    switch (t_r (st, 6)) {
    case 0: /* a bit */
        if (n)
            dst[at] ^= (uint8_t) (1u << t_r (st, 8));
        return n;
    case 1: /* a byte */
        if (n)
            dst[at] = (uint8_t) rng_splitmix (st);
        return n;
    case 2: /* truncated */
        return at;
    case 3: { /* a byte inserted */
        memmove (dst + at + 1, dst + at, n - at);
        dst[at] = (uint8_t) rng_splitmix (st);
        return n + 1;
    }
    case 4: { /* bytes deleted */
        size_t k = 1 + t_r (st, 4);
        if (at + k > n)
            k = n - at;
        memmove (dst + at, dst + at + k, n - at - k);
        return n - k;
    }
    default: { /* a range repeated */
        size_t k = 1 + t_r (st, 32);
        if (at + k > n)
            k = n - at;
        memmove (dst + at + k, dst + at, n - at);
        return n + k;
    }
    }
}

START_TEST (generated_and_corrupted_match_protobuf_c)
{
    vg_fleet_reader_t *r = vg_fleet_reader_new ();
    ck_assert_ptr_nonnull (r);
    const char *seed = getenv ("T_SEED"); /* another seed for a longer search by hand */
    uint64_t st = seed ? strtoull (seed, NULL, 10) : 12345;
    t_gen_t *g = malloc (sizeof *g);
    uint8_t *buf = malloc (1 << 16), *bad = malloc ((1 << 16) + 64);
    ck_assert (g && buf && bad);
    size_t valid = 0, invalid = 0, cvalid = 0, ctotal = 0;
    for (int i = 0; i < 3000; i++) {
        t_generate (g, &st, i % 3 == 0 ? 0 : 40);
        size_t n = vigil__fleet_batch__get_packed_size (&g->fb);
        ck_assert (n < (1 << 16));
        vigil__fleet_batch__pack (&g->fb, buf);
        if (t_compare (r, buf, n))
            valid++;
        else
            invalid++;
        for (int k = 0; k < 20; k++) {
            size_t cn = t_corrupt (&st, buf, n, bad);
            cvalid += (size_t) t_compare (r, bad, cn);
            ctotal++;
        }
    }
    /* Both kinds were exercised. */
    ck_assert_uint_gt (valid, 1000);
    ck_assert_uint_gt (invalid, 300);
    ck_assert_uint_gt (cvalid, 1000);
    ck_assert_uint_gt (ctotal - cvalid, 10000);
    free (g);
    free (buf);
    free (bad);
    vg_fleet_reader_destroy (&r);
    ck_assert_ptr_null (r);
    vg_fleet_reader_destroy (&r);
}
END_TEST

START_TEST (documented_refusals)
{
    vg_fleet_reader_t *r = vg_fleet_reader_new ();
    vg_fleet_msg_t m;
    /* batch { strings: "" } given twice: protobuf-c merges, the reader refuses */
    static const uint8_t twice[] = { 0x12, 0x02, 0x2a, 0x00, 0x12, 0x02, 0x2a, 0x00 };
    Vigil__FleetBatch *fb = t_reference (twice, sizeof twice);
    ck_assert_ptr_nonnull (fb);
    vigil__fleet_batch__free_unpacked (fb, NULL);
    ck_assert_int_eq (vg_fleet_reader_parse (r, twice, sizeof twice, &m, NULL, 0), -VG_EPROTO);
    ck_assert_int_eq (vg_fleet_reader_parse (r, twice, 4, &m, NULL, 0), 0);
    ck_assert_uint_eq (m.n_strings, 1);
    ck_assert_str_eq (m.strings[0], "");
    /* an unknown field behind a five-byte tag (field 2^25), and one of four: both skip it */
    static const uint8_t tag5[] = { 0x12, 0x02, 0x2a, 0x00, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00 };
    static const uint8_t tag4[] = { 0x12, 0x02, 0x2a, 0x00, 0x80, 0x80, 0x80, 0x01, 0x00 };
    ck_assert_int_eq (t_compare (r, tag5, sizeof tag5), 1);
    ck_assert_int_eq (t_compare (r, tag4, sizeof tag4), 1);
    /* a six-byte tag: both refuse */
    static const uint8_t tag6[] = { 0x12, 0x02, 0x2a, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00 };
    ck_assert_int_eq (t_compare (r, tag6, sizeof tag6), 0);
    /* empty input, no batch */
    ck_assert_int_eq (vg_fleet_reader_parse (r, NULL, 0, &m, NULL, 0), -VG_EPROTO);
    vg_fleet_reader_destroy (&r);
}
END_TEST

Suite *
vg_fleet_reader_suite (void)
{
    const TTest *tests[] = { generated_and_corrupted_match_protobuf_c, documented_refusals };
    return vg_test_suite ("fleet_reader", "reader", tests, sizeof tests / sizeof tests[0], 120, NULL, NULL);
}
