/* check_pointer.c - replay pointer URIs: what is formatted parses back to the same fields
 * (ids and paths with characters that need escaping included), optional parts are left
 * out, truncation reports the length needed, and malformed pointers are refused. */
#include <check.h>
#include <string.h>

#include "common/err.h"
#include "common/pointer.h"
#include "tests/support/suite.h"

START_TEST (round_trip)
{
    char uri[1024], err[256];
    const char *dev = "site 01/gnb1&x=y?%", *path = "/interfaces/interface/state/counters/in-octets";
    size_t n = vg_pointer_format ("/var/lib/vigil/store", NULL, dev, path, 0x00ab00cd00ef0012ULL, -5, 1793599800001, uri,
                                  sizeof uri);
    ck_assert_uint_eq (n, strlen (uri));
    ck_assert_ptr_null (strchr (uri + 8, ' '));
    ck_assert_str_eq (strstr (uri, "&series="), "&series=00ab00cd00ef0012&from=-5&to=1793599800001");
    vg_pointer_t p;
    ck_assert_int_eq (vg_pointer_parse (uri, &p, err, sizeof err), 0);
    ck_assert_str_eq (p.device, dev);
    ck_assert_str_eq (p.store, "/var/lib/vigil/store");
    ck_assert_str_eq (p.path, path);
    ck_assert_str_eq (p.series, "00ab00cd00ef0012");
    ck_assert_int_eq (p.from_ms, -5);
    ck_assert_int_eq (p.to_ms, 1793599800001);
    ck_assert_str_eq (p.from_text, "-5");
    ck_assert_str_eq (p.scope, "");
}
END_TEST

START_TEST (optional_parts_and_truncation)
{
    char uri[256], small[16];
    vg_pointer_format (NULL, "", "core/pe4", "", 0, 1, 2, uri, sizeof uri);
    ck_assert_str_eq (uri, "vigil://core/pe4?from=1&to=2");
    size_t n = vg_pointer_format (NULL, NULL, "core/pe4", "", 0, 1, 2, small, sizeof small);
    ck_assert_uint_eq (n, strlen (uri));
    ck_assert_uint_eq (strlen (small), sizeof small - 1);
    ck_assert_int_eq (strncmp (small, uri, sizeof small - 1), 0);
}
END_TEST

/* A fleet finding's pointer names its scope: the key is a vendor or a site, not a device. */
START_TEST (fleet_scope)
{
    char uri[256], err[256];
    vg_pointer_t p;
    vg_pointer_format ("/s", "vendor", "Huawei Tech", "", 0, 10, 20, uri, sizeof uri);
    ck_assert_str_eq (uri, "vigil://Huawei%20Tech?scope=vendor&store=/s&from=10&to=20");
    ck_assert_int_eq (vg_pointer_parse (uri, &p, err, sizeof err), 0);
    ck_assert_str_eq (p.scope, "vendor");
    ck_assert_str_eq (p.device, "Huawei Tech");
    ck_assert_str_eq (p.store, "/s");
    vg_pointer_format (NULL, "site", "site003", "", 0, 1, 2, uri, sizeof uri);
    ck_assert_str_eq (uri, "vigil://site003?scope=site&from=1&to=2");
    ck_assert_int_eq (vg_pointer_parse (uri, &p, err, sizeof err), 0);
    ck_assert_str_eq (p.scope, "site");
    err[0] = '\0';
    ck_assert_int_eq (vg_pointer_parse ("vigil://x?scope=role&from=1", &p, err, sizeof err), -VG_EINVAL);
    ck_assert_ptr_nonnull (strstr (err, "scope"));
    ck_assert_int_eq (vg_pointer_parse ("vigil://x?scope=vendorsite&from=1", &p, err, sizeof err), -VG_EINVAL);
}
END_TEST

START_TEST (refuses_malformed)
{
    vg_pointer_t p;
    char err[256];
    const char *bad[] = { "core/pe4?from=1",         "vigil://?from=1",          "vigil://d?from=x",
                          "vigil://d?when=1",        "vigil://d?from",           "vigil://d%4?from=1",
                          "vigil://d%00?from=1",     "vigil://d?series=0123456789abcdef0" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        ck_assert_msg (vg_pointer_parse (bad[i], &p, err, sizeof err) == -VG_EINVAL, "accepted %s", bad[i]);
        ck_assert_msg (err[0], "no reason for %s", bad[i]);
    }
}
END_TEST

Suite *
vg_pointer_suite (void)
{
    const TTest *tests[] = { round_trip, optional_parts_and_truncation, fleet_scope, refuses_malformed };
    return vg_test_suite ("pointer", "uri", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
