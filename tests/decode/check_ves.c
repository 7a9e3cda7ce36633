/* check_ves.c - VES 7: the three sample bodies (perf3gpp, measurement, fault batch), the
 * stndDefined 3GPP alarm path, and hostile input. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "decode/ves.h"
#include "tests/support/capture_sink.h"
#include "tests/support/read_assert.h"
#include "tests/support/suite.h"
#include "tests/support/text_assert.h"

#define VD VG_SAMPLES_DIR "/ves/"

typedef struct {
    vg_test_devices_t dev; /* first: vg_test_devices_note writes here */
    size_t n, events, bins, counters;
    char ev_attrs[1024];
    int64_t ts;
    int ev_type;
    double cpu_all;   /* cpuUsageArray/percentUsage of cpuIdentifier=all */
    double mem_used, mem_phys, lo_in_octets;
    char last_path[128];
    double last_value;
    size_t succ_plain;
    double first_value;
    char first_path[128], first_labels[256];
} coll_t;

static int
c_sample (void *ctx, const vg_point_t *p)
{
    coll_t *c = ctx;
    ck_assert_str_eq (p->input, "ves");
    ck_assert_str_eq (p->device, c->dev.device);
    ck_assert_ptr_nonnull (p->origin_path);
    for (size_t i = 0; i < p->nlabels; i++)
        if (strcmp (p->labels[i].key, "bin") == 0)
            c->bins++;
    if (p->kind == VG_KIND_COUNTER)
        c->counters++;
    /* One vocabulary: the VM's CPU, memory and NIC counters under the OpenConfig names. */
    if (strcmp (p->path, "/components/component/cpu/utilization/state/instant") == 0 && p->nlabels == 1
        && strcmp (p->labels[0].key, "name") == 0 && strcmp (p->labels[0].value, "all") == 0) {
        ck_assert_str_eq (p->origin_path, "ves:measurementFields/cpuUsageArray/percentUsage");
        c->cpu_all = p->value;
    }
    if (strcmp (p->path, "/system/memory/state/used") == 0)
        c->mem_used = p->value;
    if (strcmp (p->path, "/system/memory/state/physical") == 0)
        c->mem_phys = p->value;
    if (strcmp (p->path, "/interfaces/interface/state/counters/in-octets") == 0 && p->nlabels == 1
        && strcmp (p->labels[0].key, "name") == 0 && strncmp (p->labels[0].value, "lo ", 3) == 0) {
        ck_assert_int_eq (p->kind, VG_KIND_COUNTER);
        c->lo_in_octets = p->value;
    }
    if (c->n == 0) {
        c->first_value = p->value;
        snprintf (c->first_path, sizeof c->first_path, "%s", p->path);
        vg_test_labels (c->first_labels, sizeof c->first_labels, p->labels, p->nlabels);
    }
    snprintf (c->last_path, sizeof c->last_path, "%s", p->path);
    c->last_value = p->value;
    c->succ_plain += strcmp (p->path, "RRC.ConnEstabSucc") == 0 && strcmp (p->origin_path, "RRC.ConnEstabSucc.sum") == 0;
    c->ts = p->ts_ms;
    c->n++;
    return 0;
}

static int
c_event (void *ctx, const vg_event_t *e)
{
    coll_t *c = ctx;
    ck_assert_str_eq (e->input, "ves");
    c->events++;
    c->ev_type = e->type;
    c->ts = e->ts_ms;
    c->ev_attrs[0] = '\0';
    for (size_t i = 0; i < e->nattrs; i++) {
        size_t l = strlen (c->ev_attrs);
        snprintf (c->ev_attrs + l, sizeof c->ev_attrs - l, "%s=%s;", e->attrs[i].key, e->attrs[i].value);
    }
    return 0;
}

static int
s_decode (const char *body, size_t len, coll_t *c, vg_decode_stats_t *st)
{
    vg_sink_t sink = { c, vg_test_devices_note, c_sample, c_event };
    vg_decode_ctx_t ctx = { "10.0.0.1:443", 1 };
    return vg_ves_decode ((const uint8_t *) body, len, &ctx, &sink, st);
}

/* A sample file and what decoding it delivered. */
typedef struct {
    char *b;
    size_t len;
    coll_t c;
    vg_decode_stats_t st;
} fix_t;

/* Read the sample file at path into a zeroed f; s_close frees it. */
static void
s_open (fix_t *f, const char *path)
{
    memset (f, 0, sizeof *f);
    f->b = (char *) vg_test_read_or_fail (path, &f->len);
}

static void
s_close (fix_t *f)
{
    free (f->b);
    f->b = NULL;
}

START_TEST (perf3gpp_sample)
{
    fix_t f;
    s_open (&f, VD "oran-sc_ves-perf3gpp_pm_report.json");
    /* independent count: measResults entries, a comma list counting one per element */
    json_t *j = json_loads (f.b, 0, NULL);
    json_t *mil = json_object_get (json_object_get (json_object_get (json_object_get (j, "event"), "perf3gppFields"),
                                                    "measDataCollection"), "measInfoList");
    size_t expect = 0, i, k, m;
    json_t *mi, *mv, *r;
    json_array_foreach (mil, i, mi)
        json_array_foreach (json_object_get (mi, "measValuesList"), k, mv)
            json_array_foreach (json_object_get (mv, "measResults"), m, r) {
                const char *s = json_string_value (json_object_get (r, "sValue"));
                expect++;
                for (; s && *s; s++)
                    expect += *s == ',';
            }
    json_decref (j);
    ck_assert_int_eq (s_decode (f.b, f.len, &f.c, &f.st), 0);
    ck_assert_uint_eq (expect, 36);
    ck_assert_uint_eq (f.c.n, expect);
    ck_assert_uint_eq (f.st.samples, expect);
    ck_assert_uint_eq (f.st.messages, 1);
    ck_assert_uint_eq (f.st.errors, 0);
    ck_assert_uint_eq (f.c.bins, 9);
    ck_assert_str_eq (f.c.dev.device, "O-DU-1122");
    ck_assert_str_eq (f.c.first_path, "attTCHSeizures");
    ck_assert (f.c.first_value == 813);
    ck_assert_str_eq (f.c.first_labels, "RncFunction=RF-1,UtranCell=Gbg-997");
    ck_assert_int_eq (f.c.ts, 951912900);   /* lastEpochMicrosec / 1000 */
    s_close (&f);
}
END_TEST

/* perf3gpp names follow the XML rules: ".sum" totals under the plain name, and a total
 * added up from per-cause subcounters when the object has none (TS 28.552 causes
 * partition RRC.ConnEstabAtt), so VES and XML PM of one node land on the same series. */
START_TEST (perf3gpp_names)
{
    static const char *B =
        "{\"event\":{\"commonEventHeader\":{\"domain\":\"perf3gpp\",\"sourceName\":\"gnb-v1\","
        "\"lastEpochMicrosec\":1704067200000000},\"perf3gppFields\":{\"measDataCollection\":{\"measInfoList\":["
        "{\"measTypes\":{\"sMeasTypesList\":[\"RRC.ConnEstabAtt.mo-Data\",\"RRC.ConnEstabAtt.mo-Signalling\","
        "\"RRC.ConnEstabSucc.sum\"]},\"measValuesList\":[{\"measObjInstId\":\"NRCellCU=4\",\"measResults\":["
        "{\"p\":1,\"iValue\":30},{\"p\":2,\"sValue\":\"12\"},{\"p\":3,\"iValue\":41}]}]}]}}}}";
    coll_t c = { 0 };
    vg_decode_stats_t st = { 0 };
    ck_assert_int_eq (s_decode (B, strlen (B), &c, &st), 0);
    ck_assert_uint_eq (c.n, 3 + 1);
    ck_assert_str_eq (c.last_path, "RRC.ConnEstabAtt");   /* the added-up total comes last */
    ck_assert (c.last_value == 42);
    ck_assert_uint_eq (c.succ_plain, 1);                   /* RRC.ConnEstabSucc.sum -> plain */
}
END_TEST

START_TEST (measurement_sample)
{
    fix_t f;
    s_open (&f, VD "onap-ves_measurement7x.json");
    json_t *j = json_loads (f.b, 0, NULL);
    json_t *mf = json_object_get (json_object_get (j, "event"), "measurementFields");
    size_t expect = 0;
    const char *key;
    json_t *arr;
    json_object_foreach (mf, key, arr) {
        size_t i;
        json_t *e;
        if (!json_is_array (arr))
            continue;
        json_array_foreach (arr, i, e) {
            const char *f;
            json_t *v;
            json_object_foreach (e, f, v)
                expect += json_is_number (v);
        }
    }
    json_decref (j);
    ck_assert_int_eq (s_decode (f.b, f.len, &f.c, &f.st), 0);
    ck_assert_uint_eq (expect, 59);
    ck_assert_uint_eq (f.c.n, expect);
    ck_assert_uint_eq (f.st.errors, 0);
    ck_assert_str_eq (f.c.dev.device, "bgtnj05vmh01afx");
    ck_assert_str_eq (f.c.dev.vendor, "");
    ck_assert (f.c.cpu_all == 0.39);
    /* VES memory is in kibibytes; OpenConfig system memory is in bytes. */
    ck_assert (f.c.mem_used == 353492.0 * 1024);
    ck_assert (f.c.mem_phys == 8076596.0 * 1024);
    ck_assert (f.c.lo_in_octets == 5412138.0);   /* lo: receivedOctetsAccumulated */
    ck_assert_uint_eq (f.c.counters, 2 * 5);   /* 5 *Accumulated fields per NIC */
    ck_assert_int_eq (f.c.ts, 1534868602564);
    s_close (&f);
}
END_TEST

START_TEST (fault_batch)
{
    fix_t f;
    s_open (&f, VD "onap-ves_ves7_batch_valid_fault.json");
    ck_assert_int_eq (s_decode (f.b, f.len, &f.c, &f.st), 0);
    ck_assert_uint_eq (f.c.events, 2);
    ck_assert_uint_eq (f.st.events, 2);
    ck_assert_uint_eq (f.st.messages, 2);
    ck_assert_uint_eq (f.c.n, 0);
    ck_assert_int_eq (f.c.ev_type, VG_EV_FAULT);
    ck_assert_str_eq (f.c.dev.device, "scfx0001vm002cap001");
    ck_assert_str_eq (f.c.dev.vendor, "Ericsson");
    static const char *const attrs[] = {
        "alarmCondition=RecordingServerUnreachable;", "eventSeverity=CRITICAL;",
    };
    vg_test_assert_contains (f.c.ev_attrs, attrs, sizeof attrs / sizeof attrs[0], "event attributes");
    ck_assert_int_eq (f.c.ts, 1413378172000);
    s_close (&f);
}
END_TEST

START_TEST (stnd_defined_and_other_domains)
{
    const char *alarm =
        "{\"event\":{\"commonEventHeader\":{\"domain\":\"stndDefined\",\"sourceName\":\"gnb-1\",\"nfVendorName\":\"Nokia\","
        "\"stndDefinedNamespace\":\"3GPP-FaultSupervision\",\"lastEpochMicrosec\":1700000000000000},"
        "\"stndDefinedFields\":{\"schemaReference\":\"x\",\"data\":{\"href\":\"/a\",\"notificationType\":\"notifyNewAlarm\","
        "\"perceivedSeverity\":\"MAJOR\",\"probableCause\":\"x\",\"alarmId\":12,\"nested\":{\"a\":1}}}}}";
    coll_t c = { 0 };
    vg_decode_stats_t st = { 0 };
    ck_assert_int_eq (s_decode (alarm, strlen (alarm), &c, &st), 0);
    ck_assert_uint_eq (c.events, 1);
    ck_assert_str_eq (c.dev.vendor, "Nokia");
    static const char *const attrs[] = {
        "perceivedSeverity=MAJOR;", "alarmId=12;", "stndDefinedNamespace=3GPP-FaultSupervision;",
    };
    vg_test_assert_contains (c.ev_attrs, attrs, sizeof attrs / sizeof attrs[0], "event attributes");
    ck_assert_ptr_null (strstr (c.ev_attrs, "nested"));
    const char *other = "{\"eventList\":[{\"commonEventHeader\":{\"domain\":\"stndDefined\",\"sourceName\":\"g\"},"
                        "\"stndDefinedFields\":{\"data\":{\"notificationType\":\"notifyMOICreation\"}}},"
                        "{\"commonEventHeader\":{\"domain\":\"heartbeat\",\"sourceName\":\"g\"}}]}";
    memset (&st, 0, sizeof st);
    ck_assert_int_eq (s_decode (other, strlen (other), &c, &st), 0);
    ck_assert_uint_eq (st.undecoded, 2);
    ck_assert_uint_eq (st.messages, 2);
}
END_TEST

START_TEST (hostile_input)
{
    fix_t f;
    s_open (&f, VD "onap-ves_ves7_batch_valid_fault.json");
    /* every prefix of a sample is refused with a counted error */
    size_t end = f.len;
    while (end > 0 && (f.b[end - 1] == '\n' || f.b[end - 1] == ' '))
        end--;
    for (size_t n = 0; n < end; n++) {
        uint64_t e = f.st.errors;
        ck_assert_msg (s_decode (f.b, n, &f.c, &f.st) < 0, "prefix %zu accepted", n);
        ck_assert_uint_eq (f.st.errors, e + 1);
    }
    /* too deep, too big, wrong shapes */
    char deep[200];
    memset (deep, '[', sizeof deep);
    ck_assert_int_eq (s_decode (deep, sizeof deep, &f.c, &f.st), -VG_ETOOBIG);
    ck_assert_int_eq (s_decode (f.b, VG_VES_MAX_JSON + 1, &f.c, &f.st), -VG_ETOOBIG);
    const char *bad[] = { "{}", "[]", "{\"event\":1}", "{\"eventList\":[]}", "{\"eventList\":[1]}",
                          "{\"event\":{\"commonEventHeader\":{\"domain\":\"fault\"}}}",
                          "{\"event\":{\"commonEventHeader\":{\"domain\":\"fault\",\"sourceName\":\"x\"}}}",
                          "{\"event\":{\"commonEventHeader\":{\"domain\":\"perf3gpp\",\"sourceName\":\"x\"},\"perf3gppFields\":{}}}" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t e = f.st.errors;
        ck_assert_msg (s_decode (bad[i], strlen (bad[i]), &f.c, &f.st) < 0, "accepted %s", bad[i]);
        ck_assert_uint_eq (f.st.errors, e + 1);
    }
    srand (3);
    for (int i = 0; i < 5000; i++) {
        char buf[400];
        size_t n = (size_t) (rand () % (int) sizeof buf) + 1;
        memcpy (buf, f.b, n);
        for (int k = 0; k < 3; k++)
            buf[rand () % n] = (char) rand ();
        uint64_t e = f.st.errors;
        if (s_decode (buf, n, &f.c, &f.st) < 0)
            ck_assert_uint_eq (f.st.errors, e + 1);
    }
    ck_assert_int_eq (vg_json_depth ("{\"[[[[\":[1]}", 11, 10), 2);
    s_close (&f);
}
END_TEST

/* A 400-byte specificProblem (with two-byte characters around the cut) is kept, cut at a
 * character boundary to fit a label, with "..." appended; before, the attribute vanished. */
START_TEST (long_attribute_cut)
{
    char problem[401], body[1024];
    for (size_t i = 0; i < 400; i += 2)
        memcpy (problem + i, "\xc3\xa9", 2);   /* e-acute, two bytes each */
    problem[400] = '\0';
    snprintf (body, sizeof body,
              "{\"event\":{\"commonEventHeader\":{\"domain\":\"fault\",\"sourceName\":\"gnb-1\","
              "\"lastEpochMicrosec\":1700000000000000},\"faultFields\":{\"alarmCondition\":\"x\","
              "\"eventSeverity\":\"MAJOR\",\"specificProblem\":\"%s\"}}}",
              problem);
    coll_t c = { 0 };
    vg_decode_stats_t st = { 0 };
    ck_assert_int_eq (s_decode (body, strlen (body), &c, &st), 0);
    ck_assert_uint_eq (c.events, 1);
    const char *v = strstr (c.ev_attrs, "specificProblem=");
    ck_assert_ptr_nonnull (v);
    v += strlen ("specificProblem=");
    const char *end = strchr (v, ';');
    ck_assert_ptr_nonnull (end);
    size_t len = (size_t) (end - v);
    ck_assert_uint_lt (len, VG_MAX_LABEL_LEN);
    ck_assert_uint_ge (len, VG_MAX_LABEL_LEN - 5);
    ck_assert_int_eq (strncmp (end - 3, "...", 3), 0);
    ck_assert_int_eq ((int) ((len - 3) % 2), 0);   /* whole characters only */
    ck_assert_int_eq (strncmp (v, problem, len - 3), 0);
}
END_TEST

Suite *
vg_ves_suite (void)
{
    const TTest *tests[] = {
        perf3gpp_sample, perf3gpp_names, measurement_sample, fault_batch, stnd_defined_and_other_domains,
        hostile_input, long_attribute_cut,
    };
    return vg_test_suite ("ves", "ves", tests, sizeof tests / sizeof tests[0], 60, NULL, NULL);
}
