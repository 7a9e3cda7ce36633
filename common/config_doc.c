/* config_doc.c - `--help` text and the Markdown reference (docs/CONFIG.md), both printed from
 * the same option tables that drive the loader, so the documentation cannot drift. */
#include "common/config_int.h"

#include <stdio.h>
#include <string.h>


/* Said of every secret option (VG_CFG_SECRET_OPT), so the reference and --help show the file form. */
#define S_SECRET_NOTE                                                                                  \
    "; or %s_file: PATH of a file holding it, read once at start, one trailing newline dropped, "    \
    "refused unless only its owner can read it (chmod 600)"

/* "1..1048576", "1s..7d", "one of a, b", "at most 8 items", or "" */
static void
s_range_text (const vg_cfg_opt_t *o, char *buf, size_t size)
{
    char lo[48], hi[48];
    buf[0] = '\0';
    if (o->type == VG_CFG_ENUM) {
        size_t len = (size_t) snprintf (buf, size, "one of");
        for (int i = 0; o->choices && o->choices[i] && len < size; i++)
            len += (size_t) snprintf (buf + len, size - len, "%s %s", i ? "," : "", o->choices[i]);
    } else if (o->type == VG_CFG_STRLIST || o->type == VG_CFG_LIST) {
        if (o->max > 0)
            snprintf (buf, size, "%.15g..%.15g items", o->min, o->max);
        else if (o->min > 0)
            snprintf (buf, size, "at least %.15g items", o->min);
    } else if (o->type == VG_CFG_STR) {
        if (o->max > 0)
            snprintf (buf, size, "at most %.15g bytes", o->max);
    } else if (o->type != VG_CFG_BOOL && o->type != VG_CFG_NODE && (o->min != 0 || o->max != 0)) {
        vg_cfg__fmt_value (o->type, o->min, lo, sizeof lo);
        vg_cfg__fmt_value (o->type, o->max, hi, sizeof hi);
        snprintf (buf, size, "%s..%s", lo, hi);
    }
}

static void
s_print_help (const vg_cfg_table_t *t, const char *prefix, FILE *f)
{
    for (size_t i = 0; i < t->nopts; i++) {
        const vg_cfg_opt_t *o = &t->opts[i];
        char name[VG_CFG__KEY_MAX], range[200];
        snprintf (name, sizeof name, "%s%s", prefix, o->name);
        s_range_text (o, range, sizeof range);
        fprintf (f, "  %-30s %-12s", name, vg_cfg__type_name (o->type));
        if (!o->def)
            fprintf (f, " required");
        else if (!o->def[0] && o->type >= VG_CFG_STRLIST)
            fprintf (f, " optional");
        else
            fprintf (f, " default \"%s\"", o->def);
        fprintf (f, "%s%s\n      %s", range[0] ? ", " : "", range, o->help ? o->help : "");
        if (o->secret)
            fprintf (f, S_SECRET_NOTE, o->name);
        fputc ('\n', f);
        if (o->type == VG_CFG_LIST && o->elem) {
            snprintf (name, sizeof name, "%s%s[].", prefix, o->name);
            s_print_help (o->elem, name, f);
        }
    }
}

void
vg_cfg_print_help (const vg_cfg_table_t *t, FILE *f)
{
    fprintf (f, "%s configuration keys (YAML; nested maps spell dotted keys):\n", t->name ? t->name : "");
    s_print_help (t, "", f);
}

static void
s_md_cell (const char *s, FILE *f)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputc ('\\', f);
        fputc (*s == '\n' ? ' ' : *s, f);
    }
}

static void
s_print_md (const vg_cfg_table_t *t, const char *prefix, FILE *f)
{
    for (size_t i = 0; i < t->nopts; i++) {
        const vg_cfg_opt_t *o = &t->opts[i];
        char range[200];
        s_range_text (o, range, sizeof range);
        fprintf (f, "| `%s%s` | %s | ", prefix, o->name, vg_cfg__type_name (o->type));
        if (!o->def) {
            fputs ("*required*", f);
        } else if (!o->def[0] && o->type >= VG_CFG_STRLIST) {
            fputs ("*optional*", f);
        } else {
            fputc ('`', f);
            s_md_cell (o->def[0] ? o->def : "\"\"", f);
            fputc ('`', f);
        }
        fputs (" | ", f);
        s_md_cell (range, f);
        fputs (" | ", f);
        s_md_cell (o->help, f);
        if (o->secret)
            fprintf (f, S_SECRET_NOTE, o->name); /* option names hold no '|' */
        fputs (" |\n", f);
        if (o->type == VG_CFG_LIST && o->elem) {
            char name[VG_CFG__KEY_MAX];
            snprintf (name, sizeof name, "%s%s[].", prefix, o->name);
            s_print_md (o->elem, name, f);
        }
    }
}

void
vg_cfg_print_markdown (const vg_cfg_table_t *t, FILE *f)
{
    fprintf (f, "| Key | Type | Default | Range | Description |\n|---|---|---|---|---|\n");
    s_print_md (t, "", f);
}

