/* check_batch_skim.c - vg_batch_skim gives what protobuf-c's unpack gives (but a series'
 * unit), for well-formed batches of every field shape, and refuses exactly what protobuf-c
 * refuses among every truncation and many corruptions of one. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/buf.h"
#include "proto/batch.h"
#include "proto/batch_skim.h"
#include "tests/support/suite.h"

/* A batch with devices, strings, events, and series with and without labels, state names,
 * units, origin paths, sources; packed unpacked labels (a hand-made field) appended. */
static uint8_t *
t_pack (size_t *len)
{
    static char *strings[] = { "", "/interfaces/interface/state/counters/in-octets", "name", "et-0/0/0", "jti",
                               "pcap#2", "/system/state/oper", "octets" };
    Vigil__Batch b;
    vigil__batch__init (&b);
    b.agent_id = "agent-1";
    b.epoch = 7;
    b.seq = 42;
    b.created_ms = -5;
    b.strings = strings;
    b.n_strings = 8;
    Vigil__Device d[2], *dp[2];
    for (int i = 0; i < 2; i++) {
        vigil__device__init (&d[i]);
        d[i].id = i ? "site1/r2" : "site1/r1";
        d[i].vendor = "juniper";
        d[i].sw_version = "21.4";
        dp[i] = &d[i];
    }
    b.devices = dp;
    b.n_devices = 2;
    static uint8_t chunk[] = { 1, 2, 3, 4, 5, 0, 255 };
    static uint32_t labels[] = { 2, 3 };
    static char *states[] = { "UP", "DOWN", "" };
    Vigil__Series s[4], *sp[4];
    for (int i = 0; i < 4; i++) {
        vigil__series__init (&s[i]);
        s[i].device = (uint32_t) (i % 2);
        s[i].path = i == 3 ? 6 : 1;
        s[i].count = 300000 + (uint32_t) i; /* a multi-byte varint */
        s[i].chunk = (ProtobufCBinaryData) { sizeof chunk - (size_t) i, chunk };
        s[i].input = 4;
        sp[i] = &s[i];
    }
    s[0].labels = labels;
    s[0].n_labels = 2;
    s[0].kind = VIGIL__SERIES_KIND__SERIES_KIND_COUNTER;
    s[0].unit = "octets";
    s[1].source = 5;
    s[1].origin_path = 7;
    s[3].kind = VIGIL__SERIES_KIND__SERIES_KIND_STATE;
    s[3].state_names = states;
    s[3].n_state_names = 3;
    b.series = sp;
    b.n_series = 4;
    Vigil__Attr a;
    vigil__attr__init (&a);
    a.key = "reason";
    a.value = "crash";
    Vigil__Attr *ap[1] = { &a };
    Vigil__Event e;
    vigil__event__init (&e);
    e.device = 1;
    e.ts_ms = 1700000000000;
    e.type = VIGIL__EVENT_TYPE__EVENT_TYPE_REBOOT;
    e.attrs = ap;
    e.n_attrs = 1;
    Vigil__Event *ep[1] = { &e };
    b.events = ep;
    b.n_events = 1;
    size_t n = vigil__batch__get_packed_size (&b);
    /* One more series whose labels come unpacked (field 3 as two varints) and with an
     * unknown field: protobuf-c reads both forms. */
    static const uint8_t extra[] = { 0x3a, 0x0c, 0x08, 0x01, 0x10, 0x01, 0x18, 0x02, 0x18, 0x03, 0x38, 0x05,
                                     0xf8, 0x01 /* field 31 varint */ };
    uint8_t *p = malloc (n + sizeof extra + 2);
    ck_assert_ptr_nonnull (p);
    vigil__batch__pack (&b, p);
    memcpy (p + n, extra, sizeof extra);
    p[n + sizeof extra] = 0x01; /* the unknown field's value */
    /* fix the extra series' length: 12 bytes listed + the value byte */
    p[n + 1] = 0x0d;
    *len = n + sizeof extra + 1;
    return p;
}

static void
t_same_series (const Vigil__Series *x, const Vigil__Series *y)
{
    ck_assert_uint_eq (x->device, y->device);
    ck_assert_uint_eq (x->path, y->path);
    ck_assert_uint_eq (x->n_labels, y->n_labels);
    for (size_t i = 0; i < x->n_labels; i++)
        ck_assert_uint_eq (x->labels[i], y->labels[i]);
    ck_assert_int_eq (x->kind, y->kind);
    ck_assert_uint_eq (x->input, y->input);
    ck_assert_uint_eq (x->origin_path, y->origin_path);
    ck_assert_uint_eq (x->count, y->count);
    ck_assert_uint_eq (x->chunk.len, y->chunk.len);
    ck_assert (x->chunk.len == 0 || !memcmp (x->chunk.data, y->chunk.data, x->chunk.len));
    ck_assert_uint_eq (x->n_state_names, y->n_state_names);
    for (size_t i = 0; i < x->n_state_names; i++)
        ck_assert_str_eq (x->state_names[i], y->state_names[i]);
    ck_assert_uint_eq (x->source, y->source);
}

/* Unpack p both ways; both refuse it or both give the same batch.  Returns 1 when read. */
static int
t_both (const uint8_t *p, size_t len)
{
    vg_arena_t a1 = VG_ARENA_INIT (4096, 1 << 24), a2 = VG_ARENA_INIT (4096, 1 << 24);
    ProtobufCAllocator al1, al2;
    vg_batch_arena_allocator (&a1, &al1);
    vg_batch_arena_allocator (&a2, &al2);
    vg_buf_t rest = VG_BUF_INIT;
    Vigil__Batch *x = vigil__batch__unpack (&al1, len, p);
    Vigil__Batch *y = vg_batch_skim (&al2, &a2, &rest, p, len);
    ck_assert_msg ((x == NULL) == (y == NULL), "protobuf-c %s, skim %s (len %zu)", x ? "reads" : "refuses",
                   y ? "reads" : "refuses", len);
    if (x) {
        ck_assert_str_eq (x->agent_id, y->agent_id);
        ck_assert_uint_eq (x->seq, y->seq);
        ck_assert_uint_eq (x->n_strings, y->n_strings);
        ck_assert_uint_eq (x->n_devices, y->n_devices);
        ck_assert_uint_eq (x->n_events, y->n_events);
        ck_assert_uint_eq (x->n_series, y->n_series);
        for (size_t i = 0; i < x->n_series; i++)
            t_same_series (x->series[i], y->series[i]);
    }
    vg_buf_free (&rest);
    vg_arena_free (&a1);
    vg_arena_free (&a2);
    return x != NULL;
}

START_TEST (test_same_as_protobuf_c)
{
    size_t len;
    uint8_t *p = t_pack (&len);
    ck_assert (t_both (p, len));
    vg_arena_t a = VG_ARENA_INIT (4096, 1 << 24);
    ProtobufCAllocator al;
    vg_batch_arena_allocator (&a, &al);
    vg_buf_t rest = VG_BUF_INIT;
    Vigil__Batch *b = vg_batch_skim (&al, &a, &rest, p, len);
    ck_assert_ptr_nonnull (b);
    ck_assert_uint_eq (b->n_series, 5);
    ck_assert_uint_eq (b->series[0]->n_labels, 2);
    ck_assert_uint_eq (b->series[4]->n_labels, 2); /* the unpacked form */
    ck_assert_uint_eq (b->series[4]->labels[1], 3);
    ck_assert_str_eq (b->series[3]->state_names[1], "DOWN");
    ck_assert_str_eq (b->series[0]->unit, ""); /* not read */
    ck_assert (b->series[0]->chunk.data >= p && b->series[0]->chunk.data < p + len); /* in place */
    char why[200];
    size_t total = 0;
    static const vg_batch_limits_t lim = { 100, 100, 1000000 };
    ck_assert_int_eq (vg_batch_validate (b, &lim, &total, why, sizeof why), 0);
    ck_assert_uint_eq (total, 4 * 300000 + 0 + 1 + 2 + 3 + 5);
    vg_buf_free (&rest);
    vg_arena_free (&a);
    ck_assert (t_both (p, 0)); /* empty: an empty batch both ways */
    free (p);
}
END_TEST

START_TEST (test_hostile_bytes_agree)
{
    size_t len;
    uint8_t *p = t_pack (&len);
    for (size_t n = 0; n < len; n++) /* every truncation */
        t_both (p, n);
    uint8_t *q = malloc (len);
    ck_assert_ptr_nonnull (q);
    static const uint8_t vals[] = { 0x00, 0x01, 0x02, 0x05, 0x07, 0x0b, 0x0c, 0x0f, 0x3a, 0x7f, 0x80, 0xff };
    for (size_t i = 0; i < len; i++) /* every byte set to values that change wire types and lengths */
        for (size_t k = 0; k < sizeof vals; k++) {
            memcpy (q, p, len);
            q[i] = vals[k];
            t_both (q, len);
        }
    free (q);
    free (p);
}
END_TEST

Suite *
vg_batch_skim_suite (void)
{
    Suite *s = suite_create ("batch_skim");
    TCase *tc = tcase_create ("skim");
    tcase_set_timeout (tc, 30);
    tcase_add_test (tc, test_same_as_protobuf_c);
    tcase_add_test (tc, test_hostile_bytes_agree);
    suite_add_tcase (s, tc);
    return s;
}
