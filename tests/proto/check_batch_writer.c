/* check_batch_writer.c - the write side of the vigil.Batch codec: what the writer packs
 * unpacks, passes vg_batch_validate and reads back (strings interned once, indices right,
 * chunks decode to the samples, events intact); the same call sequence gives the same
 * bytes; and each bound (strings, devices, labels, attributes, state names, packed size)
 * and bad argument is reported, with the error carried to pack. */
#include <check.h>
#include <string.h>

#include "common/chunk.h"
#include "common/err.h"
#include "proto/batch.h"
#include "proto/batch_writer.h"
#include "tests/support/suite.h"

static const vg_batch_limits_t t_lim = { 100, 100, 1000 };

static const int64_t t_ts[3] = { 1700000000000, 1700000010000, 1700000020000 };
static const double t_v[3] = { 1.5, 2.5, 4.0 };
static const double t_st[3] = { 0, 1, 0 };
static const char *const t_labels_a[4] = { "name", "et-0/0/0", "unit", "0" };
static const char *const t_labels_b[2] = { "name", "et-0/0/1" };
static const char *const t_states[2] = { "UP", "DOWN" };

/* Two devices, three series sharing path, label key and input, two events. */
static void
t_fill (vg_batch_writer_t *w)
{
    vg_batch_writer_begin (w, "agent-1", 3, 42, 1700000030000);
    vg_device_t d1 = { "site1/r1", "juniper", "mx960", "router", "site1", "22.4" };
    vg_device_t d2 = { "site1/r2", NULL, NULL, NULL, NULL, NULL };
    uint32_t i1, i2, again;
    ck_assert_int_eq (vg_batch_writer_device (w, &d1, &i1), 0);
    ck_assert_int_eq (vg_batch_writer_device (w, &d2, &i2), 0);
    ck_assert_int_eq (vg_batch_writer_device (w, &d1, &again), 0);
    ck_assert_uint_eq (i1, 0);
    ck_assert_uint_eq (i2, 1);
    ck_assert_uint_eq (again, 0);
    const char *path = "/interfaces/interface/state/counters/in-octets";
    vg_batch_series_t s = { .device = i1, .path = path, .labels = t_labels_a, .nlabels = 2,
                            .kind = VG_KIND_COUNTER, .input = "jti", .origin_path = "ifInOctets",
                            .unit = "By", .ts = t_ts, .v = t_v, .count = 3 };
    ck_assert_int_eq (vg_batch_writer_series (w, &s), 0);
    /* Same path, key and input from a different buffer: interned by content. */
    char path2[128];
    strcpy (path2, path);
    s = (vg_batch_series_t) { .device = i2, .path = path2, .labels = t_labels_b, .nlabels = 1,
                              .kind = VG_KIND_GAUGE, .input = "jti", .ts = t_ts, .v = t_v, .count = 2 };
    ck_assert_int_eq (vg_batch_writer_series (w, &s), 0);
    s = (vg_batch_series_t) { .device = i2, .path = "/interfaces/interface/state/oper-status",
                              .labels = t_labels_b, .nlabels = 1, .kind = VG_KIND_STATE, .input = "sim",
                              .state_names = t_states, .nstate_names = 2, .ts = t_ts, .v = t_st, .count = 3 };
    ck_assert_int_eq (vg_batch_writer_series (w, &s), 0);
    vg_label_t attrs[2] = { { "user", "alice" }, { "class", NULL } };
    vg_event_t e = { .ts_ms = 1700000000500, .type = VG_EV_CONFIG_CHANGE, .attrs = attrs, .nattrs = 2,
                     .input = "syslog" };
    ck_assert_int_eq (vg_batch_writer_event (w, i1, &e), 0);
    vg_gap_t gap = { 10, 20, 5, 1, "spool_full" };
    vg_flow_t flow = { .src = "10.0.0.1", .dst = "192.0.2.9", .dst_port = 443, .protocol = 6, .bytes = 1000 };
    e = (vg_event_t) { .ts_ms = 1700000000600, .type = VG_EV_GAP, .gap = &gap, .flow = &flow, .input = "agent" };
    ck_assert_int_eq (vg_batch_writer_event (w, i2, &e), 0);
}

static Vigil__Batch *
t_pack_unpack (vg_batch_writer_t *w, vg_buf_t *out)
{
    ck_assert_int_eq (vg_batch_writer_pack (w, out), 0);
    ck_assert_uint_gt (out->len, 0);
    Vigil__Batch *b = vigil__batch__unpack (NULL, out->len, out->data);
    ck_assert_ptr_nonnull (b);
    return b;
}

static size_t
t_count_string (const Vigil__Batch *b, const char *s)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n_strings; i++)
        n += strcmp (b->strings[i], s) == 0;
    return n;
}

static void
t_check_chunk (const Vigil__Series *s, const double *v, size_t n)
{
    int64_t ts[8];
    double vv[8];
    size_t got = 0, used = 0;
    ck_assert_int_eq (vg_chunk_decode (s->chunk.data, s->chunk.len, ts, vv, 8, &got, &used), 0);
    ck_assert_uint_eq (got, n);
    ck_assert_uint_eq (s->count, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq (ts[i], t_ts[i]);
        ck_assert_double_eq (vv[i], v[i]);
    }
}

START_TEST (round_trip)
{
    vg_batch_writer_t *w = vg_batch_writer_new (0);
    ck_assert_ptr_nonnull (w);
    t_fill (w);
    vg_buf_t out = { 0 };
    Vigil__Batch *b = t_pack_unpack (w, &out);
    char why[200] = "";
    size_t total = 0;
    ck_assert_msg (vg_batch_validate (b, &t_lim, &total, why, sizeof why) == 0, "%s", why);
    ck_assert_uint_eq (total, 8);
    ck_assert_str_eq (b->agent_id, "agent-1");
    ck_assert_uint_eq (b->epoch, 3);
    ck_assert_uint_eq (b->seq, 42);
    ck_assert_int_eq (b->created_ms, 1700000030000);
    /* "", path, name, et-0/0/0, unit, 0, jti, ifInOctets, et-0/0/1, oper-status path, sim, syslog, agent */
    ck_assert_uint_eq (b->n_strings, 13);
    ck_assert_uint_eq (vg_batch_writer_nstrings (w), 13);
    ck_assert_str_eq (b->strings[0], "");
    ck_assert_uint_eq (t_count_string (b, "/interfaces/interface/state/counters/in-octets"), 1);
    ck_assert_uint_eq (t_count_string (b, "name"), 1);
    ck_assert_uint_eq (t_count_string (b, "jti"), 1);
    ck_assert_uint_eq (t_count_string (b, "By"), 0); /* unit is a plain string field */
    ck_assert_uint_eq (b->n_devices, 2);
    ck_assert_str_eq (b->devices[0]->id, "site1/r1");
    ck_assert_str_eq (b->devices[0]->sw_version, "22.4");
    ck_assert_str_eq (b->devices[1]->id, "site1/r2");
    ck_assert_str_eq (b->devices[1]->vendor, "");
    ck_assert_uint_eq (b->n_series, 3);
    const Vigil__Series *s0 = b->series[0], *s1 = b->series[1], *s2 = b->series[2];
    ck_assert_uint_eq (s0->device, 0);
    ck_assert_uint_eq (s1->device, 1);
    ck_assert_uint_eq (s0->path, s1->path);
    ck_assert_str_eq (b->strings[s0->path], "/interfaces/interface/state/counters/in-octets");
    ck_assert_str_eq (b->strings[s0->origin_path], "ifInOctets");
    ck_assert_uint_eq (s1->origin_path, 0);
    ck_assert_uint_eq (s0->input, s1->input);
    ck_assert_str_eq (b->strings[s2->input], "sim");
    ck_assert_int_eq (s0->kind, VIGIL__SERIES_KIND__SERIES_KIND_COUNTER);
    ck_assert_str_eq (s0->unit, "By");
    vg_label_t l[VG_MAX_LABELS];
    ck_assert_uint_eq (vg_batch_labels (b, s0, l), 2);
    ck_assert_str_eq (l[0].key, "name");
    ck_assert_str_eq (l[0].value, "et-0/0/0");
    ck_assert_str_eq (l[1].key, "unit");
    ck_assert_str_eq (l[1].value, "0");
    ck_assert_uint_eq (vg_batch_labels (b, s1, l), 1);
    ck_assert_str_eq (l[0].value, "et-0/0/1");
    ck_assert_uint_eq (s1->labels[0], s0->labels[0]);
    ck_assert_uint_eq (s2->n_state_names, 2);
    ck_assert_str_eq (s2->state_names[1], "DOWN");
    t_check_chunk (s0, t_v, 3);
    t_check_chunk (s1, t_v, 2);
    t_check_chunk (s2, t_st, 3);
    ck_assert_uint_eq (b->n_events, 2);
    const Vigil__Event *e0 = b->events[0], *e1 = b->events[1];
    ck_assert_uint_eq (e0->device, 0);
    ck_assert_int_eq (e0->type, VIGIL__EVENT_TYPE__EVENT_TYPE_CONFIG_CHANGE);
    ck_assert_str_eq (b->strings[e0->input], "syslog");
    ck_assert_uint_eq (e0->n_attrs, 2);
    ck_assert_str_eq (e0->attrs[0]->value, "alice");
    ck_assert_str_eq (e0->attrs[1]->value, "");
    ck_assert_ptr_null (e0->gap);
    ck_assert_ptr_null (e0->flow);
    ck_assert_uint_eq (e1->device, 1);
    ck_assert_ptr_nonnull (e1->gap);
    ck_assert_str_eq (e1->gap->reason, "spool_full");
    ck_assert_uint_eq (e1->gap->samples, 5);
    ck_assert_ptr_nonnull (e1->flow);
    ck_assert_uint_eq (e1->flow->dst_port, 443);
    ck_assert_str_eq (e1->flow->vrf, "");
    vigil__batch__free_unpacked (b, NULL);
    vg_buf_free (&out);
    vg_batch_writer_destroy (&w);
    ck_assert_ptr_null (w);
    vg_batch_writer_destroy (&w); /* NULL-safe */
    vg_batch_writer_destroy (NULL);
}
END_TEST

/* The bytes depend only on the calls: a reused writer repeats itself exactly, and begin
 * really forgets the previous batch. */
START_TEST (same_calls_same_bytes)
{
    vg_batch_writer_t *w = vg_batch_writer_new (0);
    vg_buf_t a = { 0 }, b = { 0 };
    t_fill (w);
    ck_assert_int_eq (vg_batch_writer_pack (w, &a), 0);
    t_fill (w);
    ck_assert_int_eq (vg_batch_writer_pack (w, &b), 0);
    ck_assert_uint_eq (a.len, b.len);
    ck_assert_int_eq (memcmp (a.data, b.data, a.len), 0);
    /* and after a trim, which gives back the batch's arrays but not the writer */
    vg_batch_writer_trim (w);
    t_fill (w);
    ck_assert_int_eq (vg_batch_writer_pack (w, &b), 0);
    ck_assert_uint_eq (a.len, b.len);
    ck_assert_int_eq (memcmp (a.data, b.data, a.len), 0);
    /* An empty batch: only the header and the "" string. */
    vg_batch_writer_begin (w, "agent-1", 1, 1, 0);
    ck_assert_uint_eq (vg_batch_writer_nstrings (w), 1);
    ck_assert_uint_eq (vg_batch_writer_ndevices (w), 0);
    ck_assert_int_eq (vg_batch_writer_pack (w, &b), 0);
    Vigil__Batch *x = vigil__batch__unpack (NULL, b.len, b.data);
    ck_assert_ptr_nonnull (x);
    ck_assert_uint_eq (x->n_strings, 1);
    ck_assert_uint_eq (x->n_series + x->n_devices + x->n_events, 0);
    char why[200];
    ck_assert_int_eq (vg_batch_validate (x, &t_lim, NULL, why, sizeof why), 0);
    vigil__batch__free_unpacked (x, NULL);
    vg_buf_free (&a);
    vg_buf_free (&b);
    vg_batch_writer_destroy (&w);
}
END_TEST

START_TEST (bad_items_are_refused_and_reach_pack)
{
    vg_batch_writer_t *w = vg_batch_writer_new (0);
    vg_buf_t out = { 0 };
    uint32_t idx;
    static char long_str[VG_MAX_PATH_LEN + 8];
    memset (long_str, 'a', sizeof long_str - 1);

    vg_batch_writer_begin (w, "a", 1, 1, 0);
    vg_device_t nodev = { NULL, NULL, NULL, NULL, NULL, NULL };
    ck_assert_int_eq (vg_batch_writer_device (w, &nodev, &idx), -VG_EINVAL);
    ck_assert_int_eq (vg_batch_writer_pack (w, &out), -VG_EINVAL); /* first error is kept */
    ck_assert_uint_eq (out.len, 0);

    vg_batch_writer_begin (w, "a", 1, 1, 0); /* begin forgets the error */
    vg_device_t d = { "site/r1", "v", NULL, NULL, NULL, NULL };
    ck_assert_int_eq (vg_batch_writer_device (w, &d, &idx), 0);
    vg_batch_series_t s = { .device = 5, .path = "/p", .ts = t_ts, .v = t_v, .count = 1 };
    ck_assert_int_eq (vg_batch_writer_series (w, &s), -VG_EINVAL); /* device index */
    s.device = 0;
    s.count = 0;
    ck_assert_int_eq (vg_batch_writer_series (w, &s), -VG_EINVAL); /* no samples */
    s.count = 1;
    s.path = "";
    ck_assert_int_eq (vg_batch_writer_series (w, &s), -VG_EINVAL); /* empty path */
    s.path = long_str;
    ck_assert_int_eq (vg_batch_writer_series (w, &s), -VG_EINVAL); /* path too long */
    s.path = "/p";
    s.nlabels = VG_MAX_LABELS + 1;
    ck_assert_int_eq (vg_batch_writer_series (w, &s), -VG_ETOOBIG);
    s.nlabels = 0;
    s.nstate_names = VG_BATCH_MAX_STATE_NAMES + 1;
    ck_assert_int_eq (vg_batch_writer_series (w, &s), -VG_ETOOBIG);
    s.nstate_names = 0;
    vg_label_t many[VG_MAX_ATTRS + 1] = { { "k", "v" } };
    vg_event_t e = { .type = VG_EV_LOGIN, .attrs = many, .nattrs = VG_MAX_ATTRS + 1 };
    ck_assert_int_eq (vg_batch_writer_event (w, 0, &e), -VG_ETOOBIG);
    e.nattrs = 1;
    e.type = VG_EV__COUNT;
    ck_assert_int_eq (vg_batch_writer_event (w, 0, &e), -VG_EINVAL);
    e.type = VG_EV_LOGIN;
    ck_assert_int_eq (vg_batch_writer_event (w, 1, &e), -VG_EINVAL); /* device index */
    many[0].key = long_str;
    ck_assert_int_eq (vg_batch_writer_event (w, 0, &e), -VG_EINVAL); /* key over VG_MAX_LABEL_LEN */
    ck_assert_int_eq (vg_batch_writer_string (w, long_str, &idx), -VG_EINVAL);
    /* The first error of the batch (device index) is the one pack reports. */
    ck_assert_int_eq (vg_batch_writer_pack (w, &out), -VG_EINVAL);

    vg_buf_free (&out);
    vg_batch_writer_destroy (&w);
}
END_TEST

/* The string table bound: VG_BATCH_MAX_STRINGS entries, then -VG_ETOOBIG, while strings
 * already in the table still resolve. */
START_TEST (string_table_bound)
{
    vg_batch_writer_t *w = vg_batch_writer_new (0);
    vg_batch_writer_begin (w, "a", 1, 1, 0);
    static char names[VG_BATCH_MAX_STRINGS][8];
    uint32_t idx = 0;
    for (uint32_t i = 1; i < VG_BATCH_MAX_STRINGS; i++) {
        uint32_t v = i;
        for (int k = 0; k < 7; k++, v /= 26) /* distinct 7-letter names */
            names[i][k] = (char) ('a' + v % 26);
        ck_assert_int_eq (vg_batch_writer_string (w, names[i], &idx), 0);
        ck_assert_uint_eq (idx, i);
    }
    ck_assert_uint_eq (vg_batch_writer_nstrings (w), VG_BATCH_MAX_STRINGS);
    ck_assert_int_eq (vg_batch_writer_string (w, names[7], &idx), 0);
    ck_assert_uint_eq (idx, 7);
    ck_assert_int_eq (vg_batch_writer_string (w, "one-more", &idx), -VG_ETOOBIG);
    vg_buf_t out = { 0 };
    ck_assert_int_eq (vg_batch_writer_pack (w, &out), -VG_ETOOBIG);
    vg_buf_free (&out);
    vg_batch_writer_destroy (&w);
}
END_TEST

/* The size bound: a batch over max_bytes is refused, one under it packs. */
START_TEST (size_bound)
{
    vg_batch_writer_t *big = vg_batch_writer_new (0), *small = vg_batch_writer_new (64);
    vg_buf_t out = { 0 };
    t_fill (big);
    ck_assert_int_eq (vg_batch_writer_pack (big, &out), 0);
    ck_assert_uint_gt (out.len, 64);
    t_fill (small);
    ck_assert_int_eq (vg_batch_writer_pack (small, &out), -VG_ETOOBIG);
    vg_batch_writer_begin (small, "a", 1, 1, 0);
    ck_assert_int_eq (vg_batch_writer_pack (small, &out), 0);
    ck_assert_uint_le (out.len, 64);
    vg_buf_free (&out);
    vg_batch_writer_destroy (&big);
    vg_batch_writer_destroy (&small);
}
END_TEST

Suite *
vg_batch_writer_suite (void)
{
    Suite *s = suite_create ("batch_writer");
    const TTest *tests[] = {
        round_trip, same_calls_same_bytes, bad_items_are_refused_and_reach_pack, string_table_bound,
        size_bound,
    };
    /* the string table bound interns 2^20 strings: slow under ASan */
    vg_test_tcase (s, "write", tests, sizeof tests / sizeof tests[0], 120, NULL, NULL);
    return s;
}
