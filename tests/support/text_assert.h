/* text_assert.h - asserting that a text (rendered metrics, help, alerts) contains each of a
 * table of expected pieces, naming the first that is missing.
 *
 * Header-only (static inline, Check assertions) so a suite's expected pieces are a static
 * table and one call, not a line of strstr per piece. */
#ifndef VG_TEST_TEXT_ASSERT_H
#define VG_TEST_TEXT_ASSERT_H

#include <check.h>
#include <stddef.h>
#include <string.h>

/* Fail the test unless text contains every want[i] (i < n); what names the text in the
 * failure message, which also shows the whole text. */
static inline void
vg_test_assert_contains (const char *text, const char *const *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg (strstr (text, want[i]) != NULL, "%s lacks \"%s\":\n%s", what, want[i], text);
}

#endif
