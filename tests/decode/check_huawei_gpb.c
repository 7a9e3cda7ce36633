/* check_huawei_gpb.c - Huawei gRPC dial-out Telemetry: the CE12800 dump (672 messages,
 * openconfig_interfaces GPB rows) decodes cleanly, agrees with pmacct's decoded record,
 * JSON rows, deletes, other proto paths counted undecoded, hostile input. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "decode/huawei_gpb.h"
#include "decode/pbwalk.h"
#include "tests/decode/pcap_util.h"
#include "tests/decode/truncations.h"
#include "tests/support/suite.h"
#include "tests/decode/pcap_util.c" /* test helper, compiled into this suite */

#define HDIR VG_SAMPLES_DIR "/huawei/"

typedef struct {
    uint8_t *p;
    size_t len;
} msg_t;

static int
s_load (msg_t **out)
{
    tu_blob_t b;
    ck_assert_int_eq (tu_read_file (HDIR "pmacct-v3-huawei-grpc-gpb-raw_dump.b64", &b), 0);
    int n = 0;
    *out = NULL;
    char *save = NULL;
    for (char *line = strtok_r ((char *) b.data, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
        size_t l = strlen (line);
        if (l < 4)
            continue;
        *out = realloc (*out, sizeof (msg_t) * (size_t) (n + 1));
        (*out)[n].p = malloc (l);
        (*out)[n].len = tu_b64 (line, l, (*out)[n].p);
        n++;
    }
    tu_blob_free (&b);
    return n;
}

static void
s_free (msg_t *m, int n)
{
    for (int i = 0; i < n; i++)
        free (m[i].p);
    free (m);
}

/* Independent count of counter leaves: Telemetry.7 -> row(1) -> content(11) ->
 * interface(1) -> state(4) -> counters(2) -> varints. */
static size_t
s_count_counters (const uint8_t *p, size_t len, const int *chain, int depth)
{
    vg_pb_reader_t r;
    vg_pb_field_t f;
    size_t n = 0;
    vg_pb_init (&r, p, len);
    while (vg_pb_next (&r, &f) == 1) {
        if (chain[depth] == 0)
            n += f.wt == VG_PB_VARINT;
        else if (f.num == (uint32_t) chain[depth] && f.wt == VG_PB_LEN)
            n += s_count_counters (f.p, f.len, chain, depth + 1);
    }
    return n;
}

/* tu_truncations' decoder: one Telemetry message into the sink arg. */
static int
s_decode_one (void *sink, const uint8_t *p, size_t len, vg_decode_stats_t *st)
{
    return vg_huawei_gpb_decode (p, len, NULL, sink, st);
}

START_TEST (huawei_ce12800_dump)
{
    msg_t *m;
    int n = s_load (&m);
    ck_assert_int_eq (n, 672);
    tu_rec_t rec;
    vg_sink_t sink = tu_rec_init (&rec, 1);
    vg_decode_stats_t st = { 0 };
    size_t expect = 0;
    static const int chain[] = { 7, 1, 11, 1, 4, 2, 0 };
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq (vg_huawei_gpb_decode (m[i].p, m[i].len, NULL, &sink, &st), 0);
        expect += s_count_counters (m[i].p, m[i].len, chain, 0);
    }
    ck_assert_uint_eq (st.errors, 0);
    ck_assert_uint_eq (st.messages, 672);
    ck_assert_uint_eq (st.undecoded, 0);
    ck_assert_uint_eq (rec.n, expect);
    ck_assert_uint_gt (expect, 10000);
    ck_assert_str_eq (rec.last_device, "ipi-zba900-r-ml-01");
    ck_assert_str_eq (rec.last_vendor, "Huawei");
    /* First message, 10GE1/0/47 (values read from the dump with an independent tool). */
    const tu_sample_t *s = tu_rec_find (&rec, "/interfaces/interface/state/counters/in-octets", "name=10GE1/0/47");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 1477299719373773.0);
    ck_assert_int_eq (s->kind, VG_KIND_COUNTER);
    ck_assert_int_eq (s->ts_ms, 1565030039345LL);
    ck_assert_str_eq (s->input, "huawei-gpb");
    s = tu_rec_find (&rec, "/interfaces/interface/state/counters/out-octets", "name=10GE1/0/0");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 91879567041.0);
    tu_rec_free (&rec);
    s_free (m, n);
}
END_TEST

/* pmacct's decoded record from the same router: for its interface, every counter leaf we
 * produce has a same-named leaf there with the same value, and the node matches. */
START_TEST (huawei_matches_pmacct_record)
{
    json_error_t je;
    json_t *ref = json_load_file (HDIR "pmacct-v3-huawei-grpc-decoded-sample.json", 0, &je);
    ck_assert_ptr_nonnull (ref);
    json_t *data = json_object_get (json_object_get (ref, "collector"), "data");
    json_t *ifc = json_array_get (json_object_get (json_object_get (ref, "interfaces"), "interface"), 0);
    const char *ifname = json_string_value (json_object_get (ifc, "name"));
    json_t *ctr = json_object_get (json_object_get (ifc, "state"), "counters");
    ck_assert_ptr_nonnull (ctr);
    msg_t *m;
    int n = s_load (&m);
    tu_rec_t rec;
    vg_sink_t sink = tu_rec_init (&rec, 1);
    vg_decode_stats_t st = { 0 };
    for (int i = 0; i < n; i++)
        ck_assert_int_eq (vg_huawei_gpb_decode (m[i].p, m[i].len, NULL, &sink, &st), 0);
    ck_assert_str_eq (rec.last_device, json_string_value (json_object_get (data, "node_id_str")));
    char labels[128];
    snprintf (labels, sizeof labels, "name=%s", ifname);
    int compared = 0;
    for (size_t i = 0; i < rec.n; i++) {
        if (strcmp (rec.s[i].labels, labels) != 0)
            continue;
        const char *leaf = strrchr (rec.s[i].path, '/') + 1;
        char key[64];
        size_t k;
        for (k = 0; leaf[k] && k < sizeof key - 1; k++)
            key[k] = leaf[k] == '-' ? '_' : leaf[k];
        key[k] = 0;
        json_t *v = json_object_get (ctr, key);
        ck_assert_msg (v != NULL, "leaf %s not in the reference", key);
        ck_assert (rec.s[i].value == json_number_value (v));
        compared++;
    }
    ck_assert_int_ge (compared, 14 * 10); /* 14 counters, present in many messages */
    json_decref (ref);
    tu_rec_free (&rec);
    s_free (m, n);
}
END_TEST

START_TEST (huawei_json_delete_other_proto)
{
    tu_rec_t rec;
    vg_sink_t sink = tu_rec_init (&rec, 1);
    vg_decode_stats_t st = { 0 };
    /* Telemetry{1:"ne1", 3:"huawei-ifm:ifm/interfaces/interface", 6: ts, 12: 1, 14: JSON} */
    const char *js = "{\"row\":[{\"timestamp\":\"1700000000500\",\"content\":\"{\\\"interfaces\\\":{\\\"interface\\\":"
                     "[{\\\"name\\\":\\\"GE0/0/1\\\",\\\"mib-statistics\\\":{\\\"receive-byte\\\":\\\"12345\\\"},"
                     "\\\"dynamic\\\":{\\\"oper-status\\\":\\\"up\\\"}}]}}\"}]}";
    /* build */
    uint8_t b[1024];
    size_t o = 0;
    const char *sp = "huawei-ifm:ifm";
    b[o++] = 0x0a;
    b[o++] = 3;
    memcpy (b + o, "ne1", 3);
    o += 3;
    b[o++] = 0x1a;
    b[o++] = (uint8_t) strlen (sp);
    memcpy (b + o, sp, strlen (sp));
    o += strlen (sp);
    b[o++] = 0x60;
    b[o++] = 1;
    size_t jl = strlen (js);
    b[o++] = 0x72;
    b[o++] = (uint8_t) (0x80 | (jl & 0x7f));
    b[o++] = (uint8_t) (jl >> 7);
    memcpy (b + o, js, jl);
    o += jl;
    ck_assert_int_eq (vg_huawei_gpb_decode (b, o, NULL, &sink, &st), 0);
    const tu_sample_t *s = tu_rec_find (&rec, "/interfaces/interface/state/counters/in-octets", "name=GE0/0/1");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 12345.0);
    ck_assert_int_eq (s->ts_ms, 1700000000500LL);
    s = tu_rec_find (&rec, "/interfaces/interface/state/oper-status", "name=GE0/0/1");
    ck_assert_ptr_nonnull (s);
    ck_assert_str_eq (s->state, "UP");
    /* GPB rows of an unknown proto path are counted undecoded; a delete is an event.
     * Telemetry{13:"huawei_ifm.Ifm", 7:{1:{1:5,11:"\x08\x01"}, 2:{1:7, 2:{1:{1:"ifm",2:{1:"name",2:"GE1"}}}}}} */
    const uint8_t t2[] = { 0x6a, 14, 'h', 'u', 'a', 'w', 'e', 'i', '_', 'i', 'f', 'm', '.', 'I', 'f', 'm', 0x3a, 34,
                           0x0a, 6, 0x08, 5, 0x5a, 2, 0x08, 1, 0x12, 24, 0x08, 7, 0x12, 20, 0x0a, 18, 0x0a, 3, 'i', 'f',
                           'm', 0x12, 11, 0x0a, 4, 'n', 'a', 'm', 'e', 0x12, 3, 'G', 'E', '1' };
    memset (&st, 0, sizeof st);
    ck_assert_int_eq (vg_huawei_gpb_decode (t2, sizeof t2, NULL, &sink, &st), 0);
    ck_assert_uint_eq (st.undecoded, 1);
    ck_assert_uint_eq (st.events, 1);
    ck_assert_int_eq (rec.events_by_type[VG_EV_DELETE], 1);
    /* serviceArgs wrapper: {2: t2} and an errors field */
    uint8_t w[128];
    w[0] = 0x12;
    w[1] = (uint8_t) sizeof t2;
    memcpy (w + 2, t2, sizeof t2);
    memset (&st, 0, sizeof st);
    ck_assert_int_eq (vg_huawei_dialout_decode (w, 2 + sizeof t2, NULL, &sink, &st), 0);
    ck_assert_uint_eq (st.messages, 1);
    const uint8_t e[] = { 0x1a, 3, 'b', 'a', 'd' };
    ck_assert_int_eq (vg_huawei_dialout_decode (e, sizeof e, NULL, &sink, &st), -VG_EPROTO);
    ck_assert_uint_eq (st.errors, 1);
    tu_rec_free (&rec);
}
END_TEST

START_TEST (huawei_hostile_input)
{
    msg_t *m;
    int n = s_load (&m);
    tu_rec_t rec;
    vg_sink_t sink = tu_rec_init (&rec, 0);
    for (int i = 0; i < 3; i++) {
        int tries;
        int fails = tu_truncations (s_decode_one, &sink, m[i].p, m[i].len, 1, &tries);
        ck_assert_int_gt (fails, tries * 9 / 10);
    }
    srand (3);
    for (int it = 0; it < 20000; it++) {
        size_t len = m[0].len;
        uint8_t *cp = malloc (len);
        memcpy (cp, m[0].p, len);
        for (int k = 0; k < 1 + it % 4; k++)
            cp[rand () % len] = (uint8_t) rand ();
        vg_decode_stats_t st = { 0 };
        int rc = vg_huawei_gpb_decode (cp, len, NULL, &sink, &st);
        ck_assert (rc <= 0);
        ck_assert_uint_eq (st.errors + st.messages, 1);
        rc = vg_huawei_dialout_decode (cp, len, NULL, &sink, &st);
        ck_assert (rc <= 0);
        free (cp);
    }
    tu_rec_free (&rec);
    s_free (m, n);
}
END_TEST

Suite *
vg_huawei_gpb_suite (void)
{
    const TTest *tests[] = {
        huawei_ce12800_dump, huawei_matches_pmacct_record, huawei_json_delete_other_proto,
        huawei_hostile_input,
    };
    return vg_test_suite ("huawei_gpb", "huawei_gpb", tests, sizeof tests / sizeof tests[0], 180, NULL, NULL);
}
