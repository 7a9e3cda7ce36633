/* check_ingest_checks.c - one mutation per structural check of ingest.c: a valid batch is
 * unpacked, one field is broken, the batch is packed again and must be refused by the check
 * it targets (code and reason), counted once, the store left as it was; a series that
 * changes kind is refused too.  Removing any one check of ingest.c makes a case fail.
 * Set-up: fixture_ingest.c. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"
#include "proto/vigil.pb-c.h"
#include "tests/collector/fixture_ingest.h"
#include "tests/support/batch_pack.h"
#include "tests/support/suite.h"

/* ---- one mutation per structural check ----
 * A valid batch is unpacked with a tracking allocator (so mutations can point fields at new
 * memory without protobuf-c freeing it), mutated, packed again and fed. */

typedef void (*s_mut_fn) (Vigil__Batch *b, fx_track_t *t);

static void m_agent_empty (Vigil__Batch *b, fx_track_t *t) { (void) t; b->agent_id = ""; }
static void m_agent_long (Vigil__Batch *b, fx_track_t *t) { b->agent_id = fx_tstr (t, 'a', VG_MAX_ID_LEN + 1); }
static void m_epoch_zero (Vigil__Batch *b, fx_track_t *t) { (void) t; b->epoch = 0; }
static void m_seq_zero (Vigil__Batch *b, fx_track_t *t) { (void) t; b->seq = 0; }
static void m_no_strings (Vigil__Batch *b, fx_track_t *t) { (void) t; b->n_strings = 0; }
static void m_string0 (Vigil__Batch *b, fx_track_t *t) { (void) t; b->strings[0] = "x"; }
static void m_string_long (Vigil__Batch *b, fx_track_t *t)
{
    b->strings[b->n_strings - 1] = fx_tstr (t, 's', VG_MAX_PATH_LEN + 1);
}
static void m_device_id_empty (Vigil__Batch *b, fx_track_t *t) { (void) t; b->devices[0]->id = ""; }
static void m_vendor_long (Vigil__Batch *b, fx_track_t *t) { b->devices[0]->vendor = fx_tstr (t, 'v', VG_MAX_ID_LEN + 1); }
static void m_many_devices (Vigil__Batch *b, fx_track_t *t)
{
    size_t n = 65537;
    Vigil__Device **d = fx_talloc (t, n * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = b->devices[0];
    b->devices = d;
    b->n_devices = n;
}
static void m_ser_device (Vigil__Batch *b, fx_track_t *t) { (void) t; b->series[0]->device = (uint32_t) b->n_devices; }
static void m_ser_path0 (Vigil__Batch *b, fx_track_t *t) { (void) t; b->series[0]->path = 0; }
static void m_ser_path (Vigil__Batch *b, fx_track_t *t) { (void) t; b->series[1]->path = (uint32_t) b->n_strings; }
static void m_ser_input (Vigil__Batch *b, fx_track_t *t) { (void) t; b->series[0]->input = (uint32_t) b->n_strings; }
static void m_ser_origin (Vigil__Batch *b, fx_track_t *t) { (void) t; b->series[0]->origin_path = (uint32_t) b->n_strings + 5; }
static void m_ser_label (Vigil__Batch *b, fx_track_t *t) { (void) t; b->series[2]->labels[1] = (uint32_t) b->n_strings; }
static void m_ser_label_odd (Vigil__Batch *b, fx_track_t *t) { (void) t; b->series[0]->n_labels = 1; }
static void m_ser_labels_many (Vigil__Batch *b, fx_track_t *t)
{
    size_t n = 2 * VG_MAX_LABELS + 2;
    uint32_t *l = fx_talloc (t, n * sizeof *l);
    b->series[0]->labels = l; /* all 0: in range, but too many */
    b->series[0]->n_labels = n;
}
static void m_ser_kind (Vigil__Batch *b, fx_track_t *t) { (void) t; b->series[0]->kind = (Vigil__SeriesKind) 7; }
static void m_ser_count0 (Vigil__Batch *b, fx_track_t *t) { (void) t; b->series[0]->count = 0; }
static void m_ser_count_more (Vigil__Batch *b, fx_track_t *t) { (void) t; b->series[0]->count += 1; }
static void m_ser_count_less (Vigil__Batch *b, fx_track_t *t) { (void) t; b->series[0]->count -= 1; }
static void m_chunk_short (Vigil__Batch *b, fx_track_t *t) { (void) t; b->series[0]->chunk.len -= 1; }
static void m_chunk_long (Vigil__Batch *b, fx_track_t *t)
{
    ProtobufCBinaryData *c = &b->series[0]->chunk;
    uint8_t *p = fx_talloc (t, c->len + 4);
    memcpy (p, c->data, c->len);
    c->data = p;
    c->len += 4; /* trailing bytes after the samples */
}
static void m_chunk_garbage (Vigil__Batch *b, fx_track_t *t)
{
    ProtobufCBinaryData *c = &b->series[0]->chunk;
    uint8_t *p = fx_talloc (t, c->len);
    memset (p, 0xff, c->len);
    c->data = p;
}
static Vigil__Series *
s_state_series (Vigil__Batch *b)
{
    for (size_t i = 0; i < b->n_series; i++)
        if (b->series[i]->kind == VIGIL__SERIES_KIND__SERIES_KIND_STATE)
            return b->series[i];
    ck_abort_msg ("no state series");
    return NULL;
}
static void m_state_value (Vigil__Batch *b, fx_track_t *t) { (void) t; s_state_series (b)->n_state_names = 1; }
static void m_state_names_many (Vigil__Batch *b, fx_track_t *t)
{
    Vigil__Series *s = s_state_series (b);
    size_t n = 257;
    char **names = fx_talloc (t, n * sizeof *names);
    for (size_t i = 0; i < n; i++)
        names[i] = "S";
    s->state_names = names;
    s->n_state_names = n;
}
static void m_state_name_long (Vigil__Batch *b, fx_track_t *t)
{
    s_state_series (b)->state_names[0] = fx_tstr (t, 'n', VG_MAX_STATE_LEN + 1);
}
/* The state series takes the identity (device, path, labels) of gauge series 0: one series
 * with two kinds in the same batch. */
static void m_dup_kind (Vigil__Batch *b, fx_track_t *t)
{
    (void) t;
    Vigil__Series *st = s_state_series (b);
    ck_assert_uint_eq (st->n_labels, b->series[0]->n_labels);
    st->path = b->series[0]->path;
    st->labels = b->series[0]->labels;
}
static void m_ev_device (Vigil__Batch *b, fx_track_t *t) { (void) t; b->events[0]->device = (uint32_t) b->n_devices; }
static void m_ev_input (Vigil__Batch *b, fx_track_t *t) { (void) t; b->events[1]->input = (uint32_t) b->n_strings; }
static void m_ev_type (Vigil__Batch *b, fx_track_t *t) { (void) t; b->events[0]->type = (Vigil__EventType) VG_EV__COUNT; }
static void m_ev_attrs_many (Vigil__Batch *b, fx_track_t *t)
{
    size_t n = VG_MAX_ATTRS + 1;
    Vigil__Attr **a = fx_talloc (t, n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = b->events[0]->attrs[0];
    b->events[0]->attrs = a;
    b->events[0]->n_attrs = n;
}
static void m_ev_attr_long (Vigil__Batch *b, fx_track_t *t)
{
    b->events[0]->attrs[0]->value = fx_tstr (t, 'x', VG_MAX_PATH_LEN + 1);
}
static void m_ev_key_long (Vigil__Batch *b, fx_track_t *t)
{
    b->events[1]->attrs[1]->key = fx_tstr (t, 'k', VG_MAX_LABEL_LEN + 1);
}

typedef struct {
    const char *name;
    s_mut_fn fn;
    int rc;
    const char *why;
} s_mutation_t;

static const s_mutation_t s_mutations[] = {
    { "agent_id empty", m_agent_empty, -VG_EPROTO, "agent_id" },
    { "agent_id too long", m_agent_long, -VG_EPROTO, "agent_id" },
    { "epoch 0", m_epoch_zero, -VG_EPROTO, "epoch or sequence" },
    { "seq 0", m_seq_zero, -VG_EPROTO, "epoch or sequence" },
    { "no string table", m_no_strings, -VG_EPROTO, "bad string table" },
    { "strings[0] not empty", m_string0, -VG_EPROTO, "bad string table" },
    { "string too long", m_string_long, -VG_EPROTO, "too long" },
    { "device id empty", m_device_id_empty, -VG_EPROTO, "device 0" },
    { "device vendor too long", m_vendor_long, -VG_EPROTO, "device 0" },
    { "too many devices", m_many_devices, -VG_ETOOBIG, "devices in one batch" },
    { "series device index", m_ser_device, -VG_EPROTO, "series 0: index out of range" },
    { "series path 0", m_ser_path0, -VG_EPROTO, "series 0: index out of range" },
    { "series path index", m_ser_path, -VG_EPROTO, "series 1: index out of range" },
    { "series input index", m_ser_input, -VG_EPROTO, "series 0: index out of range" },
    { "series origin index", m_ser_origin, -VG_EPROTO, "series 0: index out of range" },
    { "series label index", m_ser_label, -VG_EPROTO, "series 2: label index" },
    { "series odd label list", m_ser_label_odd, -VG_EPROTO, "bad label list" },
    { "series too many labels", m_ser_labels_many, -VG_EPROTO, "bad label list" },
    { "series unknown kind", m_ser_kind, -VG_EPROTO, "unknown kind" },
    { "series count 0", m_ser_count0, -VG_ETOOBIG, "samples (limit" },
    { "series count above chunk", m_ser_count_more, -VG_EPROTO, "corrupt chunk" },
    { "series count below chunk", m_ser_count_less, -VG_EPROTO, "corrupt chunk" },
    { "chunk cut short", m_chunk_short, -VG_EPROTO, "corrupt chunk" },
    { "chunk with trailing bytes", m_chunk_long, -VG_EPROTO, "corrupt chunk" },
    { "chunk garbage", m_chunk_garbage, -VG_EPROTO, "corrupt chunk" },
    { "state value without a name", m_state_value, -VG_EPROTO, "state value out of range" },
    { "too many state names", m_state_names_many, -VG_ETOOBIG, "too many state names" },
    { "state name too long", m_state_name_long, -VG_EPROTO, "state name too long" },
    { "one series with two kinds in a batch", m_dup_kind, -VG_EPROTO, "kind changed" },
    { "event device index", m_ev_device, -VG_EPROTO, "event 0: index or type" },
    { "event input index", m_ev_input, -VG_EPROTO, "event 1: index or type" },
    { "event type", m_ev_type, -VG_EPROTO, "event 0: index or type" },
    { "event too many attributes", m_ev_attrs_many, -VG_ETOOBIG, "attributes" },
    { "event attribute value too long", m_ev_attr_long, -VG_EPROTO, "attribute too long" },
    { "event attribute key too long", m_ev_key_long, -VG_EPROTO, "attribute too long" },
};

/* The valid batch every mutation starts from: 3 gauges, a state series, 2 events. */
static void
s_mutated (const s_mutation_t *m, vg_buf_t *out)
{
    vg_buf_t b = VG_BUF_INIT;
    fx_spec_t sp = fx_spec ("a1", 1);
    sp.nstate = 1;
    sp.nevents = 2;
    fx_build (&sp, &b);
    fx_track_t t = { 0 };
    ProtobufCAllocator alloc = { fx_talloc, fx_tfree, &t };
    Vigil__Batch *batch = vigil__batch__unpack (&alloc, b.len, b.data);
    ck_assert_ptr_nonnull (batch);
    ck_assert_uint_eq (batch->n_series, 4);
    ck_assert_uint_eq (batch->n_events, 2);
    if (m)
        m->fn (batch, &t);
    vg_test_pack_batch (batch, out);
    fx_track_free (&t);
    vg_buf_free (&b);
}

START_TEST (each_structural_check)
{
    const s_mutation_t *m = &s_mutations[_i];
    vg_buf_t b = VG_BUF_INIT;
    /* The unmutated round trip is accepted (so the mutation alone makes the difference)... */
    s_mutated (NULL, &b);
    ck_assert_int_eq (fx_probe (b.data, b.len), 0);
    ck_assert_uint_eq (vg_ingest_stats (fx_in)->rejected, 0);
    /* ...and the mutated one is refused by the check it targets. */
    s_mutated (m, &b);
    if (m->fn == m_many_devices) {
        vg_ingest_cfg_t c = fx_cfg ();
        c.max_batch_bytes = 64 << 20;
        fx_reopen (&c);
    }
    fx_expect_reject (b.data, b.len, m->rc, m->why);
    vg_buf_free (&b);
}
END_TEST

START_TEST (kind_change_refused)
{
    vg_buf_t b = VG_BUF_INIT;
    vg_ingest_result_t res;
    ck_assert_int_eq (fx_feed_simple ("a1", 1, &b, &res), 0);
    /* The same series (device, path, labels) now claims to be a state series. */
    fx_spec_t sp = fx_spec ("a1", 2);
    sp.nseries = 0;
    sp.nstate = 1; /* /t/state0: a different path; make it collide with /t/m0 instead */
    fx_build (&sp, &b);
    fx_track_t t = { 0 };
    ProtobufCAllocator alloc = { fx_talloc, fx_tfree, &t };
    Vigil__Batch *batch = vigil__batch__unpack (&alloc, b.len, b.data);
    ck_assert_ptr_nonnull (batch);
    size_t ns = batch->n_strings;
    char **strings = fx_talloc (&t, (ns + 1) * sizeof *strings);
    memcpy (strings, batch->strings, ns * sizeof *strings);
    strings[ns] = "/t/m0";
    batch->strings = strings;
    batch->n_strings = ns + 1;
    batch->series[0]->path = (uint32_t) ns;
    vg_buf_t m = VG_BUF_INIT;
    vg_test_pack_batch (batch, &m);
    fx_track_free (&t);
    fx_expect_reject (m.data, m.len, -VG_EPROTO, "kind changed");
    vg_buf_free (&b);
    vg_buf_free (&m);
}
END_TEST

Suite *
vg_ingest_checks_suite (void)
{
    Suite *s = suite_create ("ingest_checks");
    const TTest *kind[] = { kind_change_refused };
    TCase *tc = vg_test_tcase (s, "checks", kind, 1, 120, fx_setup, fx_teardown);
    tcase_add_loop_test (tc, each_structural_check, 0, (int) (sizeof s_mutations / sizeof s_mutations[0]));
    return s;
}
