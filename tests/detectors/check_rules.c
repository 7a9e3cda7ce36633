/* check_rules.c - rules file parsing: the default file parses; errors name file, line and key;
 * matching, windows, allowlists and the golden registry behave as documented. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "detectors/rules.h"
#include "tests/support/suite.h"

static vg_rules_t *
parse_ok (const char *y)
{
    vg_rules_t *rs = NULL;
    char err[512];
    int rc = vg_rules_parse (y, strlen (y), "t.yaml", &rs, err, sizeof err);
    ck_assert_msg (rc == 0, "parse failed: %s", err);
    return rs;
}

static void
parse_err (const char *y, const char *want1, const char *want2)
{
    vg_rules_t *rs = NULL;
    char err[512];
    int rc = vg_rules_parse (y, strlen (y), "t.yaml", &rs, err, sizeof err);
    ck_assert_int_eq (rc, -VG_ECONFIG);
    ck_assert_ptr_null (rs);
    ck_assert_msg (strstr (err, want1) != NULL, "'%s' not in '%s'", want1, err);
    ck_assert_msg (strstr (err, want2) != NULL, "'%s' not in '%s'", want2, err);
}

START_TEST (default_file_parses)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/detectors/rules.yaml", VG_SOURCE_DIR);
    FILE *f = fopen (path, "rb");
    ck_assert_ptr_nonnull (f);
    static char buf[1 << 17];
    size_t n = fread (buf, 1, sizeof buf - 1, f);
    fclose (f);
    vg_rules_t *rs = NULL;
    char err[512];
    int rc = vg_rules_parse (buf, n, path, &rs, err, sizeof err);
    ck_assert_msg (rc == 0, "%s", err);
    ck_assert_uint_ge (rs->nrules, 20);
    /* Every catalogue family is present and every rule has techniques as data. */
    const char *need[] = { "A01", "A02", "A03", "A04", "A05", "A06", "A08", "C01", "C02", "C03",
                           "C04", "C05", "I01", "I02", "I03", "I04", "X01", "X02" };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        int found = 0;
        for (size_t j = 0; j < rs->nrules; j++)
            found |= !strcmp (rs->rules[j].catalog, need[i]);
        ck_assert_msg (found, "no rule for %s", need[i]);
    }
    for (size_t j = 0; j < rs->nrules; j++)
        ck_assert_uint_gt (rs->rules[j].ntechniques, 0);
    /* The rules for real vendor data (issue 9): interface down, cell outage, A03 after one
     * day, per-interface bursts, reboot from counters, X01 for small vendor fleets. */
    struct { const char *id, *kind; } want[] = {
        { "a02-interface-down", "link_down" }, { "a06-cell-outage", "cell_outage" },
        { "a03-throughput-collapse", "collapse" }, { "a03-cell-throughput-collapse", "collapse" },
        { "a04-error-burst", "burst" }, { "i03-reboot", "reboot" }, { "x01-common-mode", "common_mode" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const vg_rule_t *r = NULL;
        for (size_t j = 0; j < rs->nrules; j++)
            if (!strcmp (rs->rules[j].id, want[i].id))
                r = &rs->rules[j];
        ck_assert_msg (r && !strcmp (r->ops->name, want[i].kind), "%s", want[i].id);
        if (!strcmp (want[i].kind, "common_mode")) {
            ck_assert_double_eq (r->pv[4], 2);                                /* min_k */
            ck_assert_ptr_nonnull (strstr (r->ps[0], "cell_outage"));         /* sources */
        }
        if (!strcmp (want[i].kind, "reboot"))
            ck_assert_uint_eq (r->npaths, 3); /* up-time, boot-time, counters */
    }
    vg_rules_destroy (&rs);
    ck_assert_ptr_null (rs);
}
END_TEST

START_TEST (errors_name_file_line_key)
{
    /* a document, then two pieces its message must hold: where, and which key or why */
    static const struct {
        const char *yaml, *where, *what;
    } bad[] = {
        { "rules:\n  - id: a\n    detector: nosuch\n", "t.yaml:3:", "rules[a].detector" },
        { "rules:\n  - id: a\n    detector: seasonal\n    params:\n      q: abc\n",
          "t.yaml:5:", "rules[a].params.q" },
        { "rules:\n  - id: a\n    detector: seasonal\n    params:\n      bogus: 1\n",
          "t.yaml:5:", "rules[a].params.bogus" },
        { "rules:\n  - id: a\n    detector: seasonal\n    params: { q: 5 }\n", ":4:", "out of range" },
        { "rules:\n  - id: a\n    detector: flap\n    sevrity: high\n", "t.yaml:4:", "rules[a].sevrity" },
        { "rules:\n  - detector: flap\n", "t.yaml:2:", "rules[0].id" },
        { "rules:\n  - id: a\n    detector: flap\n    for: soon\n", ":4:", "rules[a].for" },
        { "rules:\n  - id: a\n    detector: flap\n  - id: a\n    detector: flap\n",
          "t.yaml:4:", "duplicate" },
        { "rules:\n  - id: a\n    detector: callhome\n    params: { allowlist: nope }\n",
          "t.yaml:2:", "rules[a].params.allowlist" },
        { "windows:\n  - name: w\n    daily: \"25:00-03:00\"\n", "t.yaml:3:", "windows[w].daily" },
        { "allowlists:\n  - name: l\n    entries: [ \"10.0.0.0/33\" ]\n", "t.yaml:", "bad CIDR" },
        { "rules: [\n", "t.yaml:2:", "YAML syntax error" },
        { "rulez: []\n", "t.yaml:1:", "rulez" },
        { "rules:\n  - id: a\n    detector: flap\n    match: { kind: weird }\n", ":4:", "match.kind" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        parse_err (bad[i].yaml, bad[i].where, bad[i].what);
}
END_TEST

/* The whole message, formatted like the daemons' config errors (vg_cfg_error_format). */
static void
parse_err_is (const char *y, const char *want)
{
    vg_rules_t *rs = NULL;
    char err[512];
    ck_assert_int_eq (vg_rules_parse (y, strlen (y), "t.yaml", &rs, err, sizeof err), -VG_ECONFIG);
    ck_assert_ptr_null (rs);
    ck_assert_str_eq (err, want);
}

START_TEST (errors_read_like_config)
{
    parse_err_is ("rules:\n  - id: a\n    detector: nosuch\n",
                  "t.yaml:3: key 'rules[a].detector': unknown detector kind");
    /* unknown names get the loader's "did you mean" hint when one is close */
    parse_err_is ("rulez: []\n", "t.yaml:1: key 'rulez': unknown key (did you mean 'rules'?)");
    parse_err_is ("bogus: []\n", "t.yaml:1: key 'bogus': unknown key");
    parse_err_is ("rules:\n  - id: a\n    detector: flap\n    sevrity: high\n",
                  "t.yaml:4: key 'rules[a].sevrity': unknown key (did you mean 'severity'?)");
    parse_err_is ("rules:\n  - id: a\n    detector: flpa\n",
                  "t.yaml:3: key 'rules[a].detector': unknown detector kind (did you mean 'flap'?)");
    parse_err_is ("rules:\n  - id: a\n    detector: seasonal\n    params: { qq: 0.01 }\n",
                  "t.yaml:4: key 'rules[a].params.qq': unknown parameter for detector 'seasonal' (did you mean 'q'?)");
    parse_err_is ("windows:\n  - name: w\n    daily: \"01:00-02:00\"\n    match: { sites: [a] }\n",
                  "t.yaml:4: key 'windows[w].match.sites': unknown key (did you mean 'site'?)");
    parse_err_is ("version: 2\n", "t.yaml:1: key 'version': only version 1 is supported");
    parse_err_is ("rules: {}\n", "t.yaml:1: key 'rules': expected a list");
    parse_err_is ("", "t.yaml: empty rules file");
    parse_err_is ("# nothing\n", "t.yaml: empty rules file");
    parse_err_is ("- a\n", "t.yaml:1: expected a mapping");
    /* A repeated key was silently ignored (the first won); now it is an error at every level. */
    parse_err_is ("rules: []\nrules: []\n", "t.yaml:2: key 'rules': duplicate key (first at line 1)");
    parse_err_is ("rules:\n  - id: a\n    detector: flap\n    for: 1m\n    for: 2m\n",
                  "t.yaml:5: key 'rules[a].for': duplicate key (first at line 4)");
    parse_err_is ("rules:\n  - id: a\n    detector: seasonal\n    params: { q: 0.01, q: 0.02 }\n",
                  "t.yaml:4: key 'rules[a].params.q': duplicate key (first at line 4)");
    parse_err_is ("rules:\n  - id: a\n    detector: flap\n    match: { labels: { if: a, if: b } }\n",
                  "t.yaml:4: key 'rules[a].match.labels.if': duplicate key (first at line 4)");
    parse_err_is ("rules:\n  - id: a\n    detector: flap\n    match: { role: [r], role: [s] }\n",
                  "t.yaml:4: key 'rules[a].match.role': duplicate key (first at line 4)");
    /* The same bounds as config files: no aliases, one document. */
    parse_err_is ("rules:\n  - &r { id: a, detector: flap }\n  - *r\n",
                  "t.yaml:3: aliases (*r) are not supported");
    parse_err_is ("rules: []\n---\nrules: []\n", "t.yaml:2: more than one YAML document");
    parse_err_is ("rules:\n  - id: a\n    detector: flap\n    params: [1]\n",
                  "t.yaml:4: key 'rules[a].params': expected a mapping of parameters");
    parse_err_is ("rules:\n  - id: a\n    detector: flap\n    match: { labels: { if: [a] } }\n",
                  "t.yaml:4: key 'rules[a].match.labels': label matches must be strings");
    parse_err_is ("rules:\n  - id: a\n    detector: flap\n    match: { [x]: 1 }\n",
                  "t.yaml:4: key 'rules[a].match': keys must be scalars");
    /* The bad port is named from the list before the list is freed (a use after free, found
     * by tests/fuzz/fuzz_config.c). */
    parse_err_is ("allowlists:\n  - name: l\n    entries:\n"
                  "      - { cidr: 10.0.0.0/8, ports: [\"53\", \"http\"] }\n",
                  "t.yaml:4: key 'allowlists[l].entries.ports': bad port 'http' (N or N-M)");
    /* A port list refused half-way is freed (a leak under the sanitizer build, found by
     * fuzz_config). */
    parse_err_is ("allowlists:\n  - name: l\n    entries:\n"
                  "      - { cidr: 10.0.0.0/8, ports: [\"53\", [1]] }\n",
                  "t.yaml:4: key 'allowlists[l].entries.ports': list entries must be strings");
    /* err may be NULL */
    vg_rules_t *rs = NULL;
    ck_assert_int_eq (vg_rules_parse ("rulez: 1\n", 9, "t.yaml", &rs, NULL, 0), -VG_ECONFIG);
    ck_assert_ptr_null (rs);
}
END_TEST

START_TEST (params_defaults_and_values)
{
    vg_rules_t *rs = parse_ok ("rules:\n  - id: s\n    detector: seasonal\n    severity: high\n    for: 15m\n"
                               "    match: { path: [\"*/in-octets\", \"*/out-octets\"], role: [router] }\n"
                               "    params: { direction: low, q: 1e-5, warmup: 2d }\n"
                               "    techniques: [T1498, FGT1498]\n");
    const vg_rule_t *r = &rs->rules[0];
    ck_assert_int_eq (r->severity, 4);
    ck_assert_int_eq (r->for_ms, 900000);
    ck_assert_str_eq (r->technique_csv, "T1498,FGT1498");
    ck_assert_double_eq (r->pv[vg_rule_param_index (r, "direction")], 0);
    ck_assert_double_eq (r->pv[vg_rule_param_index (r, "q")], 1e-5);
    ck_assert_double_eq (r->pv[vg_rule_param_index (r, "warmup")], 2 * 86400000.0);
    ck_assert_double_eq (r->pv[vg_rule_param_index (r, "alpha")], 0.1); /* default */
    vg_device_t rt = { "s1/r1", "VendorX", "m", "router", "s1", "1.0" };
    vg_device_t gnb = { "s1/g1", "VendorX", "m", "gnb", "s1", "1.0" };
    ck_assert_int_eq (vg_rule_match_series (r, &rt, "/if/in-octets", NULL, 0, VG_KIND_COUNTER), 0);
    ck_assert_int_eq (vg_rule_match_series (r, &rt, "/if/out-octets", NULL, 0, VG_KIND_COUNTER), 1);
    ck_assert_int_eq (vg_rule_match_series (r, &rt, "/if/in-errors", NULL, 0, VG_KIND_COUNTER), -1);
    ck_assert_int_eq (vg_rule_match_series (r, &gnb, "/if/in-octets", NULL, 0, VG_KIND_COUNTER), -1);
    vg_rules_destroy (&rs);
}
END_TEST

START_TEST (label_match_and_disabled)
{
    vg_rules_t *rs = parse_ok ("rules:\n  - id: f\n    detector: flap\n    match: { path: \"*\", labels: { name: \"ge-*\" } }\n"
                               "  - id: off\n    detector: flap\n    enabled: false\n");
    ck_assert_uint_eq (rs->nrules, 1);
    vg_device_t d = { "d", "", "", "", "", "" };
    vg_label_t ok[] = { { "unit", "0" }, { "name", "ge-0/0/1" } };
    vg_label_t no[] = { { "name", "xe-0/0/1" } };
    ck_assert_int_eq (vg_rule_match_series (&rs->rules[0], &d, "/x", ok, 2, VG_KIND_STATE), 0);
    ck_assert_int_eq (vg_rule_match_series (&rs->rules[0], &d, "/x", no, 1, VG_KIND_STATE), -1);
    ck_assert_int_eq (vg_rule_match_series (&rs->rules[0], &d, "/x", NULL, 0, VG_KIND_STATE), -1);
    vg_rules_destroy (&rs);
}
END_TEST

START_TEST (not_path_excludes)
{
    vg_rules_t *rs = parse_ok ("rules:\n  - id: s\n    detector: silence\n"
                               "    match: { path: \"*\", not_path: [\"kpi/*\", \"*/debug/*\"] }\n");
    vg_device_t d = { "d", "", "", "", "", "" };
    ck_assert_int_eq (vg_rule_match_series (&rs->rules[0], &d, "/if/in-octets", NULL, 0, VG_KIND_COUNTER), 0);
    ck_assert_int_eq (vg_rule_match_series (&rs->rules[0], &d, "kpi/rrc_success_ratio", NULL, 0, VG_KIND_GAUGE), -1);
    ck_assert_int_eq (vg_rule_match_series (&rs->rules[0], &d, "/sys/debug/x", NULL, 0, VG_KIND_GAUGE), -1);
    vg_rules_destroy (&rs);
    parse_err ("rules:\n  - id: s\n    detector: silence\n    match: { path: \"*\", not_path: { a: 1 } }\n",
               "t.yaml:4", "not_path");
}
END_TEST

START_TEST (windows_daily_and_ranges)
{
    vg_rules_t *rs = parse_ok ("windows:\n"
                               "  - name: night\n    kind: change\n    daily: \"23:00-02:00\"\n    days: [mon]\n"
                               "  - name: once\n    kind: maintenance\n    ranges: [\"2026-01-10T00:00:00Z/2026-01-10T06:00:00Z\"]\n"
                               "    match: { site: \"s1\" }\n");
    vg_device_t d1 = { "s1/r1", "", "", "router", "s1", "" }, d2 = { "s2/r1", "", "", "router", "s2", "" };
    const int64_t mon = 1767571200000LL; /* Monday 2026-01-05 00:00Z */
    const char *n = NULL;
    ck_assert (vg_rules_in_window (rs, VG_WIN_CHANGE, &d1, mon + 23 * 3600000LL + 60000, &n));
    ck_assert_str_eq (n, "night");
    ck_assert (vg_rules_in_window (rs, VG_WIN_CHANGE, &d1, mon + 86400000LL + 3600000LL, NULL)); /* Tue 01:00, started Mon */
    ck_assert (!vg_rules_in_window (rs, VG_WIN_CHANGE, &d1, mon + 3600000LL, NULL));              /* Mon 01:00: started Sun */
    ck_assert (!vg_rules_in_window (rs, VG_WIN_CHANGE, &d1, mon + 12 * 3600000LL, NULL));
    ck_assert (!vg_rules_in_window (rs, VG_WIN_MAINTENANCE, &d1, mon + 23 * 3600000LL + 60000, NULL));
    int64_t sat = 1768003200000LL; /* 2026-01-10T00:00:00Z */
    ck_assert (vg_rules_in_window (rs, VG_WIN_MAINTENANCE, &d1, sat + 3600000LL, NULL));
    ck_assert (!vg_rules_in_window (rs, VG_WIN_MAINTENANCE, &d2, sat + 3600000LL, NULL));
    ck_assert (!vg_rules_in_window (rs, VG_WIN_MAINTENANCE, &d1, sat + 7 * 3600000LL, NULL));
    vg_rules_destroy (&rs);
}
END_TEST

START_TEST (allowlist_and_golden)
{
    vg_rules_t *rs = parse_ok ("allowlists:\n  - name: m\n    entries:\n"
                               "      - { cidr: 10.0.0.0/8, ports: [\"53\", \"1000-2000\"] }\n"
                               "      - 192.0.2.7\n      - \"2001:db8::/32\"\n"
                               "golden_images:\n  - { vendor: VX, version: \"7.*\", hashes: [aa, bb] }\n");
    const vg_allowlist_t *al = vg_rules_allowlist (rs, "m");
    ck_assert_ptr_nonnull (al);
    ck_assert_int_eq (vg_allowlist_match (al, "10.1.2.3", 53), 1);
    ck_assert_int_eq (vg_allowlist_match (al, "10.1.2.3", 1500), 1);
    ck_assert_int_eq (vg_allowlist_match (al, "10.1.2.3", 443), 0);
    ck_assert_int_eq (vg_allowlist_match (al, "11.1.2.3", 53), 0);
    ck_assert_int_eq (vg_allowlist_match (al, "192.0.2.7", 9), 1);
    ck_assert_int_eq (vg_allowlist_match (al, "192.0.2.8", 9), 0);
    ck_assert_int_eq (vg_allowlist_match (al, "2001:db8::1", 22), 1);
    ck_assert_int_eq (vg_allowlist_match (al, "2001:db9::1", 22), 0);
    ck_assert_int_eq (vg_allowlist_match (al, "not-an-ip", 22), -1);
    ck_assert_int_eq (vg_rules_golden (rs, "VX", "7.1", "aa"), 1);
    ck_assert_int_eq (vg_rules_golden (rs, "VX", "7.1", "cc"), 0);
    ck_assert_int_eq (vg_rules_golden (rs, "VX", "8.0", "cc"), -1);
    ck_assert_int_eq (vg_rules_golden (rs, "VY", "7.1", "cc"), -1);
    vg_rules_destroy (&rs);
}
END_TEST

START_TEST (glob)
{
    ck_assert (vg_glob ("*", ""));
    ck_assert (vg_glob ("*/in-octets", "/interfaces/interface/state/counters/in-octets"));
    ck_assert (!vg_glob ("*/in-octets", "/x/in-octets2"));
    ck_assert (vg_glob ("a?c*", "abcdef"));
    ck_assert (!vg_glob ("a?c", "ac"));
    ck_assert (vg_glob ("*a*b*", "xxaxxbxx"));
}
END_TEST

Suite *
vg_rules_suite (void)
{
    Suite *s = suite_create ("rules");
    vg_test_case_t cases[] = {
        { "default_file", default_file_parses }, { "errors", errors_name_file_line_key },
        { "errors_format", errors_read_like_config },
        { "params", params_defaults_and_values }, { "labels", label_match_and_disabled },
        { "not_path", not_path_excludes },
        { "windows", windows_daily_and_ranges }, { "allowlist", allowlist_and_golden }, { "glob", glob },
    };
    vg_test_cases (s, cases, sizeof cases / sizeof cases[0], 30, NULL, NULL);
    return s;
}
