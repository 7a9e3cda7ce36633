/* check_detector_docs.c - docs/DETECTORS.md documents every detector kind and every
 * parameter of each (the parameter tables are written by hand): each kind of
 * vg_detector_kinds has its "### `kind`" section, and that section's table has one row per
 * parameter of the kind's table and no other. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/file_read.h"
#include "detectors/detector.h"
#include "tests/support/suite.h"

static vg_buf_t s_doc = VG_BUF_INIT;

static void
s_load (void)
{
    ck_assert_int_eq (vg_file_read (VG_SOURCE_DIR "/docs/DETECTORS.md", 1u << 22, &s_doc), 0);
}

static void
s_free (void)
{
    vg_buf_free (&s_doc);
}

/* The section of kind k: from its heading to the next heading of any level (or the end),
 * its length in *len. */
static const char *
s_section (const char *k, size_t *len)
{
    char head[96];
    snprintf (head, sizeof head, "\n### `%s`", k);
    const char *doc = (const char *) s_doc.data, *p = strstr (doc, head);
    if (!p)
        return NULL;
    p += strlen (head);
    const char *end = strstr (p, "\n#");
    *len = end ? (size_t) (end - p) : strlen (p);
    return p;
}

/* Whether the n bytes at sec hold the table row "| `name` |". */
static int
s_has_row (const char *sec, size_t n, const char *name)
{
    char row[96];
    int rl = snprintf (row, sizeof row, "\n| `%s` |", name);
    for (const char *p = sec; p + rl <= sec + n; p++)
        if (memcmp (p, row, (size_t) rl) == 0)
            return 1;
    return 0;
}

START_TEST (every_parameter_has_a_row)
{
    for (size_t i = 0; vg_detector_kinds[i]; i++) {
        const vg_detector_ops_t *k = vg_detector_kinds[i];
        size_t n = 0;
        const char *sec = s_section (k->name, &n);
        ck_assert_msg (sec, "docs/DETECTORS.md has no section ### `%s`", k->name);
        for (size_t j = 0; j < k->nparams; j++)
            ck_assert_msg (s_has_row (sec, n, k->params[j].name), "docs/DETECTORS.md, `%s`: no row for `%s`", k->name,
                           k->params[j].name);
    }
}
END_TEST

START_TEST (no_row_without_a_parameter)
{
    for (size_t i = 0; vg_detector_kinds[i]; i++) {
        const vg_detector_ops_t *k = vg_detector_kinds[i];
        size_t n = 0, rows = 0;
        const char *sec = s_section (k->name, &n);
        ck_assert (sec);
        for (const char *p = sec; (p = strstr (p, "\n| `")) && p < sec + n; p++)
            rows++;
        ck_assert_msg (rows == k->nparams, "docs/DETECTORS.md, `%s`: %zu parameter rows, the kind has %zu", k->name,
                       rows, k->nparams);
    }
}
END_TEST

Suite *
vg_detector_docs_suite (void)
{
    const TTest *tests[] = { every_parameter_has_a_row, no_row_without_a_parameter };
    return vg_test_suite ("detector_docs", "tables", tests, sizeof tests / sizeof tests[0], 30, s_load, s_free);
}
