/* check_config_doc.c - `--help` text and the Markdown reference printed from an option table:
 * every option named with its help, nested list keys, defaults, ranges and enum values. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "tests/common/fixture_config.h"
#include "tests/support/suite.h"
#include "tests/support/text_assert.h"

static char *
s_capture (void (*print) (const vg_cfg_table_t *, FILE *), const vg_cfg_table_t *t)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&text, &len);
    ck_assert_ptr_nonnull (f);
    print (t, f);
    fclose (f);
    return text;
}

START_TEST (help_and_markdown)
{
    char *help = s_capture (vg_cfg_print_help, &fx_table);
    char *md = s_capture (vg_cfg_print_markdown, &fx_table);
    for (size_t i = 0; i < fx_table.nopts; i++) {
        char want[128];
        snprintf (want, sizeof want, "  %s ", fx_table.opts[i].name);
        ck_assert_msg (strstr (help, want), "help lacks %s", want);
        ck_assert_msg (strstr (help, fx_table.opts[i].help), "help lacks %s", fx_table.opts[i].help);
        snprintf (want, sizeof want, "| `%s` |", fx_table.opts[i].name);
        ck_assert_msg (strstr (md, want), "markdown lacks %s", want);
    }
    static const char *const help_want[] = {
        "collectors[].endpoint", "collectors[].weight", "required", "default \"64MiB\", 4KiB..1TiB",
        "default \"1s\", 10ms..1m", "one of debug, info, warn, error",
    };
    static const char *const md_want[] = {
        "| `inputs` | yaml | *optional* |",
        "| Key | Type | Default | Range | Description |",
        "| `collectors[].endpoint` | string | *required* |  | ZeroMQ endpoint",
        "| `batch.max_samples` | uint | `10000` | 1..1048576 | samples per batch |",
    };
    vg_test_assert_contains (help, help_want, sizeof help_want / sizeof help_want[0], "help");
    vg_test_assert_contains (md, md_want, sizeof md_want / sizeof md_want[0], "markdown");
    free (help);
    free (md);
}
END_TEST

Suite *
vg_config_doc_suite (void)
{
    vg_test_case_t cases[] = { { "help_and_markdown", help_and_markdown } };
    return vg_test_cases_suite ("config_doc", cases, sizeof cases / sizeof cases[0], 30, NULL, NULL);
}
