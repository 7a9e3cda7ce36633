/* check_pbwalk.c - the schema-less protobuf reader: every wire type, bounds, bad tags. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "decode/oc_map.h"
#include "decode/pbwalk.h"
#include "tests/support/suite.h"

START_TEST (pb_all_wire_types)
{
    /* 1: varint 150, 2: "hi", 3: fixed32 0x01020304, 4: fixed64 1.5, 5: sint -3 (zz 5) */
    const uint8_t m[] = { 0x08, 0x96, 0x01, 0x12, 0x02, 'h', 'i', 0x1d, 0x04, 0x03, 0x02, 0x01,
                          0x21, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x28, 0x05 };
    vg_pb_reader_t r;
    vg_pb_field_t f;
    vg_pb_init (&r, m, sizeof m);
    ck_assert_int_eq (vg_pb_next (&r, &f), 1);
    ck_assert_uint_eq (f.num, 1);
    ck_assert_uint_eq (f.wt, VG_PB_VARINT);
    ck_assert_uint_eq (f.u, 150);
    ck_assert_int_eq (vg_pb_next (&r, &f), 1);
    ck_assert_uint_eq (f.wt, VG_PB_LEN);
    ck_assert_uint_eq (f.len, 2);
    ck_assert_int_eq (memcmp (f.p, "hi", 2), 0);
    char s[2];
    ck_assert_str_eq (vg_pb_strcpy (s, sizeof s, &f), "h");
    ck_assert_int_eq (vg_pb_next (&r, &f), 1);
    ck_assert_uint_eq (f.wt, VG_PB_FIXED32);
    ck_assert_uint_eq (f.u, 0x01020304);
    ck_assert_int_eq (vg_pb_next (&r, &f), 1);
    ck_assert_uint_eq (f.wt, VG_PB_FIXED64);
    ck_assert (vg_pb_double (f.u) == 1.5);
    ck_assert_int_eq (vg_pb_next (&r, &f), 1);
    ck_assert_int_eq (vg_pb_sint (f.u), -3);
    ck_assert_int_eq (vg_pb_next (&r, &f), 0);
    ck_assert_int_eq (vg_pb_next (&r, &f), 0);
    ck_assert_int_eq (vg_pb_check (m, sizeof m), 0);
    /* Every strict prefix that cuts a field is an error; cuts at field boundaries are not. */
    const size_t bounds[] = { 0, 3, 7, 12, 21 };
    for (size_t n = 0; n < sizeof m; n++) {
        int at_boundary = 0;
        for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
            at_boundary |= bounds[i] == n;
        int rc = vg_pb_check (m, n);
        if (at_boundary)
            ck_assert_int_eq (rc, 0);
        else
            ck_assert_int_eq (rc, -VG_ETRUNC);
    }
}
END_TEST

START_TEST (pb_rejects_bad_input)
{
    const uint8_t zero_field[] = { 0x00, 0x01 };
    ck_assert_int_eq (vg_pb_check (zero_field, sizeof zero_field), -VG_EPROTO);
    const uint8_t group[] = { 0x0b, 0x0c };
    ck_assert_int_eq (vg_pb_check (group, sizeof group), -VG_EPROTO);
    const uint8_t wt7[] = { 0x0f, 0x00 };
    ck_assert_int_eq (vg_pb_check (wt7, sizeof wt7), -VG_EPROTO);
    /* Length field far beyond the buffer (and beyond SIZE_MAX / 2). */
    const uint8_t huge[] = { 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 'x' };
    ck_assert_int_eq (vg_pb_check (huge, sizeof huge), -VG_ETRUNC);
    /* Varint longer than 10 bytes. */
    uint8_t longv[13] = { 0x08 };
    memset (longv + 1, 0x80, 11);
    longv[12] = 0x01;
    ck_assert_int_eq (vg_pb_check (longv, sizeof longv), -VG_EPROTO);
    /* Field number above 2^29-1. */
    const uint8_t bignum[] = { 0x80, 0x80, 0x80, 0x80, 0x20, 0x00 };
    ck_assert_int_eq (vg_pb_check (bignum, sizeof bignum), -VG_EPROTO);
    /* Errors are sticky. */
    vg_pb_reader_t r;
    vg_pb_field_t f;
    vg_pb_init (&r, group, sizeof group);
    ck_assert_int_eq (vg_pb_next (&r, &f), -VG_EPROTO);
    ck_assert_int_eq (vg_pb_next (&r, &f), -VG_EPROTO);
    /* Empty and NULL buffers are empty messages. */
    ck_assert_int_eq (vg_pb_check (NULL, 0), 0);
}
END_TEST

START_TEST (pb_random_never_overreads)
{
    /* Random buffers in exactly-sized heap blocks: ASan catches any overread. */
    srand (1234);
    for (int it = 0; it < 20000; it++) {
        size_t n = (size_t) (rand () % 64);
        uint8_t *b = malloc (n ? n : 1);
        for (size_t i = 0; i < n; i++)
            b[i] = (uint8_t) rand ();
        vg_pb_reader_t r;
        vg_pb_field_t f;
        vg_pb_init (&r, b, n);
        int rc, fields = 0;
        for (;;) {
            rc = vg_pb_next (&r, &f);
            if (rc != 1)
                break;
            if (f.wt == VG_PB_LEN)
                ck_assert (f.p >= b && f.p + f.len <= b + n);
            fields++;
        }
        ck_assert (rc == 0 || rc == -VG_ETRUNC || rc == -VG_EPROTO);
        ck_assert_int_le (fields, (int) n);
        free (b);
    }
}
END_TEST

/* One vocabulary: equivalent leaves of every vendor land on one OpenConfig name, in one
 * unit (times in ms), including the ones no sample capture carries. */
START_TEST (oc_vocabulary)
{
    static const struct { const char *vendor, *oc, *unit; double in, out; } v[] = {
        { "Cisco-IOS-XR-shellutil-oper:system-time/uptime/uptime", "/system/state/up-time", "ms", 90, 90000 },
        { "huawei-system:system/system-info/sys-uptime", "/system/state/up-time", "ms", 90, 90000 },
        { "/system/state/up-time", "/system/state/up-time", "ms", 90e9, 90000 },          /* ns */
        { "/system/state/boot-time", "/system/state/boot-time", "ms", 1.7e18, 1.7e12 },    /* ns */
        { "jnpr_interface_ext:/interface_stats/init_time", "/interfaces/interface/state/counters/last-clear",
          "ms", 1.7e9, 1.7e12 },                                                          /* s */
        { "/interfaces/interface/state/counters/last-clear", "/interfaces/interface/state/counters/last-clear",
          "ms", 1.7e18, 1.7e12 },
        { "jnpr_interface_ext:/interface_stats/if_transitions", "/interfaces/interface/state/counters/carrier-transitions",
          NULL, 3, 3 },
        { "jnpr_interface_ext:/interface_stats/egress_errors/if_errors", "/interfaces/interface/state/counters/out-errors",
          NULL, 3, 3 },
        { "huawei-debug:debug/cpu-infos/cpu-info/system-cpu-usage", "/components/component/cpu/utilization/state/instant",
          "%", 12, 12 },
        { "huawei-devm:devm/cpu-infos/cpu-info/system-cpu-usage", "/components/component/cpu/utilization/state/instant",
          "%", 12, 12 },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        const vg_oc_entry_t *e = vg_oc_lookup (v[i].vendor);
        ck_assert_msg (e != NULL, "%s not mapped", v[i].vendor);
        ck_assert_str_eq (e->oc, v[i].oc);
        if (v[i].unit)
            ck_assert_str_eq (e->unit, v[i].unit);
        double got = e->scale != 0 ? v[i].in * e->scale : v[i].in;
        ck_assert_msg (fabs (got - v[i].out) <= 1e-9 * fabs (v[i].out), "%s: %g", v[i].vendor, got);
    }
    /* Status leaves are STATE for every vendor spelling. */
    ck_assert_int_eq (vg_oc_lookup ("jnpr_interface_ext:/interface_stats/if_operational_status")->kind, VG_KIND_STATE);
    ck_assert_str_eq (vg_oc_lookup ("jnpr_interface_ext:/interface_stats/if_operational_status")->oc,
                      "/interfaces/interface/state/oper-status");
    ck_assert_str_eq (vg_oc_lookup ("huawei-ifm:ifm/interfaces/interface/dynamic/oper-status")->oc,
                      "/interfaces/interface/state/oper-status");
    ck_assert_int_eq (vg_oc_lookup ("/interfaces/interface/state/oper-status")->kind, VG_KIND_STATE);
    /* No two table entries give one OpenConfig path two units. */
    for (size_t i = 0; i < vg_oc_table_size (); i++)
        for (size_t j = i + 1; j < vg_oc_table_size (); j++) {
            const vg_oc_entry_t *a = vg_oc_table_at (i), *b = vg_oc_table_at (j);
            if (strcmp (a->oc, b->oc) != 0)
                continue;
            ck_assert_msg ((a->unit == NULL) == (b->unit == NULL) && (!a->unit || strcmp (a->unit, b->unit) == 0),
                           "%s: unit %s (%s) vs %s (%s)", a->oc, a->unit ? a->unit : "-", a->vendor,
                           b->unit ? b->unit : "-", b->vendor);
            ck_assert_msg (a->kind == b->kind, "%s: two kinds", a->oc);
        }
}
END_TEST

START_TEST (oc_table_sorted_and_canon)
{
    for (size_t i = 1; i < vg_oc_table_size (); i++)
        ck_assert_int_lt (strcmp (vg_oc_table_at (i - 1)->vendor, vg_oc_table_at (i)->vendor), 0);
    for (size_t i = 0; i < vg_oc_table_size (); i++)
        ck_assert_ptr_eq (vg_oc_lookup (vg_oc_table_at (i)->vendor), vg_oc_table_at (i));
    char out[128];
    ck_assert_int_eq (vg_oc_canon_path (out, sizeof out, "openconfig-interfaces:interfaces/interface/state"), 0);
    ck_assert_str_eq (out, "/interfaces/interface/state");
    ck_assert_int_eq (vg_oc_canon_path (out, sizeof out, "/oc-if:interfaces/oc-if:interface/oc-if:state"), 0);
    ck_assert_str_eq (out, "/interfaces/interface/state");
    ck_assert_int_eq (vg_oc_canon_path (out, sizeof out, "huawei-ifm:ifm/interfaces/interface"), 0);
    ck_assert_str_eq (out, "huawei-ifm:ifm/interfaces/interface");
    ck_assert_int_eq (vg_oc_canon_path (out, 8, "/a/b/c/d/e/f"), -VG_ETOOBIG);
    ck_assert_int_eq (vg_oc_guess_kind ("in-octets"), VG_KIND_COUNTER);
    ck_assert_int_eq (vg_oc_guess_kind ("if_1sec_octets"), VG_KIND_GAUGE);
    ck_assert_int_eq (vg_oc_guess_kind ("mtu"), VG_KIND_GAUGE);
    double v;
    ck_assert_int_eq (vg_oc_parse_number ("1727576079810951148", 19, &v), 1);
    ck_assert (v > 1.7e18);
    ck_assert_int_eq (vg_oc_parse_number ("0/0", 3, &v), 0);
    ck_assert_int_eq (vg_oc_parse_number ("-", 1, &v), 0);
    vg_oc_labels_t lb;
    vg_oc_labels_reset (&lb);
    ck_assert_int_eq (vg_oc_labels_add (&lb, "interface-name", 14, "Gi0", 3), 0);
    ck_assert_str_eq (lb.l[0].key, "name");
    ck_assert_int_eq (vg_oc_labels_add (&lb, "name", 4, "other", 5), 0);
    ck_assert_uint_eq (lb.n, 1);
    for (int i = 0; i < VG_MAX_LABELS + 4; i++) {
        char k[8];
        int n = snprintf (k, sizeof k, "k%d", i);
        vg_oc_labels_add (&lb, k, (size_t) n, "v", 1);
    }
    ck_assert_uint_eq (lb.n, VG_MAX_LABELS);
}
END_TEST

Suite *
vg_pbwalk_suite (void)
{
    const TTest *tests[] = {
        pb_all_wire_types, pb_rejects_bad_input, pb_random_never_overreads, oc_table_sorted_and_canon,
        oc_vocabulary,
    };
    return vg_test_suite ("pbwalk", "pbwalk", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
