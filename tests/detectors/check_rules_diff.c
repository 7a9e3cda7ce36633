/* check_rules_diff.c - rule fingerprints and rule-set differences (what a reload keeps):
 * moving a rule or editing comments keeps it the same; any change of its definition, match
 * or parameters makes it changed; ids only on one side are added or removed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detectors/rules.h"
#include "detectors/rules_diff.h"
#include "tests/support/suite.h"

#define R_A "  - id: a\n    detector: config_change\n    keep_firing_for: 1h\n"
#define R_B "  - id: b\n    detector: bgp\n    for: 30s\n    match: { path: [\"*/session-state\"] }\n" \
            "    params: { mode: session }\n"
#define R_C "  - id: c\n    detector: login\n    params: { allowlist: bastion }\n"
#define HEAD "allowlists:\n  - { name: bastion, entries: [ 10.255.0.0/24 ] }\nrules:\n"

static vg_rules_t *
parse (const char *y)
{
    vg_rules_t *rs = NULL;
    char err[512];
    int rc = vg_rules_parse (y, strlen (y), "t.yaml", &rs, err, sizeof err);
    ck_assert_msg (rc == 0, "parse failed: %s", err);
    return rs;
}

/* Diff HEAD R_A R_B R_C against HEAD + body: fresh[] per new rule, gone[3] per old rule. */
static vg_rules_diff_t
diff (const char *body, uint8_t *fresh, uint8_t *gone, vg_rules_t **newp)
{
    vg_rules_t *old = parse (HEAD R_A R_B R_C);
    char text[2048];
    snprintf (text, sizeof text, "%s%s", HEAD, body);
    vg_rules_t *nr = parse (text);
    memset (gone, 9, 3);
    vg_rules_diff_t d = vg_rules_diff (old, nr, fresh, gone);
    vg_rules_destroy (&old);
    if (newp)
        *newp = nr;
    else
        vg_rules_destroy (&nr);
    return d;
}

START_TEST (moved_and_commented_is_unchanged)
{
    uint8_t fresh[3] = { 9, 9, 9 }, gone[3];
    vg_rules_diff_t d = diff ("# a comment\n" R_C R_A "\n" R_B, fresh, gone, NULL);
    ck_assert_uint_eq (d.unchanged, 3);
    ck_assert_uint_eq (d.added + d.changed + d.removed, 0);
    ck_assert (fresh[0] == 0 && fresh[1] == 0 && fresh[2] == 0);
    ck_assert (gone[0] == 0 && gone[1] == 0 && gone[2] == 0);
}
END_TEST

START_TEST (definition_changes_are_seen)
{
    static const char *const changed[] = {
        "  - id: a\n    detector: config_change\n    keep_firing_for: 2h\n",     /* timing */
        "  - id: a\n    detector: config_change\n    keep_firing_for: 1h\n    severity: high\n",
        "  - id: a\n    detector: config_change\n    keep_firing_for: 1h\n    title: other\n",
        "  - id: a\n    detector: config_change\n    keep_firing_for: 1h\n    match: { role: [pe] }\n",
        "  - id: a\n    detector: config_change\n    keep_firing_for: 1h\n    techniques: [T1]\n",
        "  - id: a\n    detector: image_change\n    keep_firing_for: 1h\n",      /* kind */
    };
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++) {
        char body[1024];
        snprintf (body, sizeof body, "%s%s%s", changed[i], R_B, R_C);
        vg_rules_t *nr = NULL;
        uint8_t fresh[3], gone[3];
        vg_rules_t *probe = NULL;
        char err[512];
        char text[2048];
        snprintf (text, sizeof text, "%s%s", HEAD, body);
        if (vg_rules_parse (text, strlen (text), "t.yaml", &probe, err, sizeof err) < 0)
            continue; /* a kind this build does not have: nothing to compare */
        vg_rules_destroy (&probe);
        vg_rules_diff_t d = diff (body, fresh, gone, &nr);
        ck_assert_msg (d.changed == 1 && d.unchanged == 2, "case %zu: changed %zu", i, d.changed);
        ck_assert (fresh[0] == 1 && fresh[1] == 0 && fresh[2] == 0);
        ck_assert (gone[0] == 1 && gone[1] == 0 && gone[2] == 0);
        vg_rules_destroy (&nr);
    }
    /* A parameter value. */
    uint8_t fresh[3], gone[3];
    vg_rules_diff_t d = diff (R_A "  - id: b\n    detector: bgp\n    for: 30s\n    match: { path: [\"*/session-state\"] }\n"
                                  "    params: { mode: prefixes }\n" R_C, fresh, gone, NULL);
    ck_assert_uint_eq (d.changed, 1);
    ck_assert (fresh[1] == 1);
    /* A match glob. */
    d = diff (R_A "  - id: b\n    detector: bgp\n    for: 30s\n    match: { path: [\"*/other\"] }\n"
                  "    params: { mode: session }\n" R_C, fresh, gone, NULL);
    ck_assert_uint_eq (d.changed, 1);
}
END_TEST

START_TEST (added_and_removed_ids)
{
    uint8_t fresh[3], gone[3];
    vg_rules_t *nr = NULL;
    vg_rules_diff_t d = diff (R_A R_C "  - id: d\n    detector: config_change\n", fresh, gone, &nr);
    ck_assert_uint_eq (d.added, 1);
    ck_assert_uint_eq (d.removed, 1);
    ck_assert_uint_eq (d.unchanged, 2);
    ck_assert (fresh[0] == 0 && fresh[1] == 0 && fresh[2] == 1);
    ck_assert (gone[0] == 0 && gone[1] == 1 && gone[2] == 0); /* b removed */
    vg_rules_t *old = parse (HEAD R_A R_B R_C);
    char buf[64];
    ck_assert_str_eq (vg_rules_diff_ids (old, nr, 'a', buf, sizeof buf), "d");
    ck_assert_str_eq (vg_rules_diff_ids (old, nr, 'r', buf, sizeof buf), "b");
    ck_assert_str_eq (vg_rules_diff_ids (old, nr, 'c', buf, sizeof buf), "");
    /* No old set: everything is added.  A short buffer ends in "...". */
    vg_rules_diff_t all = vg_rules_diff (NULL, old, NULL, NULL);
    ck_assert_uint_eq (all.added, 3);
    char tiny[8];
    ck_assert_str_eq (vg_rules_diff_ids (NULL, old, 'a', tiny, sizeof tiny), "a, ...");
    ck_assert_uint_ne (vg_rule_fingerprint (&old->rules[0]), vg_rule_fingerprint (&old->rules[1]));
    vg_rules_destroy (&old);
    vg_rules_destroy (&nr);
}
END_TEST

Suite *
vg_rules_diff_suite (void)
{
    Suite *s = suite_create ("rules_diff");
    vg_test_case_t cases[] = {
        { "moved", moved_and_commented_is_unchanged },
        { "changes", definition_changes_are_seen },
        { "added_removed", added_and_removed_ids },
    };
    vg_test_cases (s, cases, sizeof cases / sizeof cases[0], 30, NULL, NULL);
    return s;
}
