/* check_ocsf.c - the one OCSF renderer (detectors/ocsf.c) in its three uses: the compact
 * record (vg_alert_to_json), the stored record with its replay pointer
 * (vg_ocsf_render_stored) and the published document (vg_ocsf_render).  The golden files in
 * tests/detectors/data/ocsf_*.json were written by the two renderers that came before it
 * (detectors/alert.c's and collector/ocsf.c's, with alert_store.c's pointer), so these tests
 * hold it byte-identical to both. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/file_read.h"
#include "common/pointer.h"
#include "detectors/alert.h"
#include "detectors/detector.h"
#include "detectors/ocsf.h"
#include "tests/support/suite.h"
#include "tests/support/text_assert.h"

#define DATA VG_SOURCE_DIR "/tests/detectors/data/"

/* The two alerts of the golden files: a vendor-wide Create with every field set, and a
 * device Close with missing inventory, non-finite values, an empty technique id and text
 * that needs escaping. */
static void
s_alert (vg_alert_t *a, int which)
{
    memset (a, 0, sizeof *a);
    if (which == 0) {
        a->activity = VG_ACT_CREATE;
        a->status = VG_STATUS_NEW;
        a->severity = 4;
        a->cia = 'A';
        a->time_ms = 1793625960000LL;
        a->first_seen_ms = 1793625900000LL;
        a->last_seen_ms = 1793625960000LL;
        a->window_start_ms = 1793625600000LL;
        a->window_end_ms = 1793625960000LL;
        a->score = 0.93;
        a->observed = 0;
        a->expected = 1;
        a->lo = 1;
        a->hi = 1;
        a->series_id = 0x1234abcd5678ef90ULL;
        a->rules_digest = 0xfeedfacecafebeefULL;
        a->rule_id = "x01";
        a->detector = "common_mode";
        a->detector_version = "1.2.0";
        a->catalog = "X01";
        a->types = "vendor_outage";
        a->techniques = "T1562.006,FGT1499.503,T1529";
        a->vendor = "VendorX";
        a->model = "mx960";
        a->role = "core-router";
        a->site = "s1";
        a->sw_version = "21.4R3";
        snprintf (a->device, sizeof a->device, "VendorX");
        a->scope = "vendor";
        snprintf (a->entity, sizeof a->entity, "/interfaces/interface/state/oper-status{name=et-0/0/1}");
        snprintf (a->signal, sizeof a->signal, "dst=203.0.113.9:443");
        snprintf (a->dedup_key, sizeof a->dedup_key, "x01:VendorX:vendor");
        snprintf (a->uid, sizeof a->uid, "x01:VendorX:vendor@1793625900000");
        snprintf (a->evidence, sizeof a->evidence, "4 of 5 devices down");
        snprintf (a->headline, sizeof a->headline, "VendorX fleet: 4 of 5 devices down");
        a->title = a->headline;
    } else {
        a->activity = VG_ACT_CLOSE;
        a->status = VG_STATUS_RESOLVED;
        a->severity = 0;
        a->cia = 'X';
        a->time_ms = -5;
        a->first_seen_ms = 0;
        a->last_seen_ms = 7000;
        a->window_start_ms = 1000;
        a->window_end_ms = 2000;
        a->score = NAN;
        a->observed = INFINITY;
        a->expected = -0.1;
        a->lo = NAN;
        a->hi = 1e300;
        a->rule_id = "c01";
        a->detector = "callhome";
        a->detector_version = NULL;
        a->catalog = "";
        a->types = NULL;
        a->techniques = ",FGT1048";
        a->title = "Egress \"quoted\" \xc3\xa9\t\\";
        snprintf (a->device, sizeof a->device, "s1/r 1?&=%%");
        snprintf (a->dedup_key, sizeof a->dedup_key, "c01:s1/r1");
        snprintf (a->uid, sizeof a->uid, "c01:s1/r1@0");
        snprintf (a->reason, sizeof a->reason, "condition_cleared");
    }
}

/* Compare text[0..n) with the golden file name (its one trailing newline aside). */
static void
s_golden (const char *name, const char *text, size_t n)
{
    char path[512];
    snprintf (path, sizeof path, DATA "%s", name);
    vg_buf_t g = VG_BUF_INIT;
    ck_assert_int_eq (vg_file_read (path, 1 << 20, &g), 0);
    ck_assert_uint_ge (g.len, 1);
    ck_assert_int_eq (g.data[g.len - 1], '\n');
    ck_assert_msg (n == g.len - 1 && !memcmp (text, g.data, n), "%s differs:\n got  %.*s\n want %.*s", name, (int) n,
                   text, (int) g.len - 1, (const char *) g.data);
    vg_buf_free (&g);
}

START_TEST (golden_shapes)
{
    static char out[16384];
    const vg_ocsf_ctx_t c = { "0.1.0", "c1", "/var/lib/vigil", "telemetry.alerts.ocsf.v1", false };
    for (int w = 0; w < 2; w++) {
        vg_alert_t a;
        s_alert (&a, w);
        char name[64];
        size_t n = vg_alert_to_json (&a, out, sizeof out);
        ck_assert_uint_eq (vg_alert_to_json (&a, NULL, 0), n);
        ck_assert_uint_eq (vg_ocsf_render_stored (&a, NULL, NULL, 0), n);
        snprintf (name, sizeof name, "ocsf_%c_stored.json", 'a' + w);
        s_golden (name, out, n);
        n = vg_ocsf_render_stored (&a, "/var/lib/vigil", out, sizeof out);
        ck_assert_uint_eq (vg_ocsf_render_stored (&a, "/var/lib/vigil", NULL, 0), n);
        snprintf (name, sizeof name, "ocsf_%c_stored_pointer.json", 'a' + w);
        s_golden (name, out, n);
        n = vg_ocsf_render (&a, &c, out, sizeof out);
        ck_assert_uint_eq (vg_ocsf_render (&a, &c, NULL, 0), n);
        snprintf (name, sizeof name, "ocsf_%c_published.json", 'a' + w);
        s_golden (name, out, n);
    }
}
END_TEST

/* A pointer longer than any fixed buffer (a device and a path of characters that all need
 * percent-encoding) is written whole in both shapes, and parses back. */
START_TEST (long_pointer_whole)
{
    vg_alert_t a;
    s_alert (&a, 1);
    memset (a.device, ' ', sizeof a.device - 1);
    a.device[sizeof a.device - 1] = '\0';
    memset (a.entity, '"', sizeof a.entity - 1);
    a.entity[sizeof a.entity - 1] = '\0';
    size_t want = vg_pointer_format ("/s", NULL, a.device, a.entity, 0, 1000, 7001, NULL, 0);
    ck_assert_uint_gt (want, 2048);
    static char out[32768];
    const vg_ocsf_ctx_t c = { .store_path = "/s" };
    for (int full = 0; full < 2; full++) {
        size_t n = full ? vg_ocsf_render (&a, &c, out, sizeof out) : vg_ocsf_render_stored (&a, "/s", out, sizeof out);
        ck_assert_uint_lt (n, sizeof out);
        const char *p = strstr (out, "\"pointer\":\"");
        ck_assert_ptr_nonnull (p);
        p += strlen ("\"pointer\":\"");
        ck_assert_uint_eq (strcspn (p, "\""), want);
        char uri[8192];
        snprintf (uri, sizeof uri, "%.*s", (int) want, p);
        vg_pointer_t pt;
        char err[128];
        ck_assert_int_eq (vg_pointer_parse (uri, &pt, err, sizeof err), 0);
        ck_assert_str_eq (pt.device, a.device);
    }
}
END_TEST

START_TEST (json_rendering)
{
    vg_alert_t a;
    memset (&a, 0, sizeof a);
    a.activity = VG_ACT_CREATE;
    a.status = VG_STATUS_NEW;
    a.severity = VG_SEV_HIGH;
    a.cia = 'C';
    a.rule_id = "c01";
    a.detector = "callhome";
    a.detector_version = "1.0.0";
    a.catalog = "C01";
    a.types = "mgmt_egress";
    a.title = "Egress \"quoted\"";
    a.techniques = "T1041,FGT1048";
    a.vendor = a.model = a.role = a.site = a.sw_version = "";
    a.score = NAN;
    snprintf (a.device, sizeof a.device, "s1/r1");
    snprintf (a.uid, sizeof a.uid, "c01:s1/r1@1");
    char buf[4096];
    size_t n = vg_alert_to_json (&a, buf, sizeof buf);
    ck_assert_uint_lt (n, sizeof buf);
    ck_assert_uint_eq (strlen (buf), n);
    static const char *const want[] = {
        "\"class_uid\":2004",
        "\"type_uid\":200401",
        "Egress \\\"quoted\\\"",
        "{\"version\":\"FiGHT\",\"technique\":{\"uid\":\"FGT1048\"}}",
        "\"score\":null",
    };
    vg_test_assert_contains (buf, want, sizeof want / sizeof want[0], "alert JSON");
    char small[16];
    ck_assert_uint_eq (vg_alert_to_json (&a, small, sizeof small), n);
    ck_assert_uint_eq (strlen (small), sizeof small - 1);
}
END_TEST

Suite *
vg_ocsf_suite (void)
{
    Suite *s = suite_create ("ocsf");
    vg_test_case_t cases[] = {
        { "golden_shapes", golden_shapes },
        { "long_pointer_whole", long_pointer_whole },
        { "json", json_rendering },
    };
    vg_test_cases (s, cases, sizeof cases / sizeof cases[0], 30, NULL, NULL);
    return s;
}
