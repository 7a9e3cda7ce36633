/* svg.c - the streaming SVG writer (see svg.h).  Invariant: whatever the callers pass,
 * the output is well-formed XML (escaped text, valid UTF-8, balanced elements). */
#include "cli/svg.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#define S_MAX_DEPTH 16

struct vg_svg {
    FILE *f;
    int failed;
    int depth;      /* open <g> elements */
    int skipped;    /* group_begin calls refused beyond S_MAX_DEPTH (their ends are ignored) */
    int in_path;
    int path_pts;
};

static void
s_printf (vg_svg_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    if (vfprintf (s->f, fmt, ap) < 0)
        s->failed = 1;
    va_end (ap);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one. */
static size_t
s_utf8_len (const unsigned char *p)
{
    unsigned c = p[0];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0)))
        return 0; /* overlong or a surrogate */
    if (n == 4 && ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90)))
        return 0;
    return n;
}

char *
vg_svg_escape (const char *text, char *out, size_t size)
{
    size_t o = 0;
    if (!size)
        return out;
    const unsigned char *p = (const unsigned char *) (text ? text : "");
    while (*p) {
        char tmp[8];
        const char *rep = tmp;
        size_t n = 1, adv = 1;
        switch (*p) {
        case '<': rep = "&lt;", n = 4; break;
        case '>': rep = "&gt;", n = 4; break;
        case '&': rep = "&amp;", n = 5; break;
        case '"': rep = "&quot;", n = 6; break;
        case '\'': rep = "&apos;", n = 6; break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n') {
                tmp[0] = '?';
            } else if (*p < 0x80) {
                tmp[0] = (char) *p;
            } else if ((adv = s_utf8_len (p)) == 0) {
                tmp[0] = '?';
                adv = 1;
            } else {
                memcpy (tmp, p, adv);
                n = adv;
            }
        }
        if (o + n >= size)
            break; /* whole characters only */
        memcpy (out + o, rep, n);
        o += n;
        p += adv;
    }
    out[o] = '\0';
    return out;
}

/* Write cls/style attributes. */
static void
s_attrs (vg_svg_t *s, const char *cls, const char *style)
{
    if (cls)
        s_printf (s, " class=\"%s\"", cls);
    if (style)
        s_printf (s, " style=\"%s\"", style);
}

/* Close an element that may carry a tooltip. */
static void
s_close (vg_svg_t *s, const char *tag, const char *title)
{
    if (!title) {
        s_printf (s, "/>\n");
        return;
    }
    char esc[1024];
    s_printf (s, "><title>%s</title></%s>\n", vg_svg_escape (title, esc, sizeof esc), tag);
}

vg_svg_t *
vg_svg_new (FILE *f, double w, double h, const char *style)
{
    vg_svg_t *s = calloc (1, sizeof *s);
    if (!s)
        return NULL;
    s->f = f;
    s_printf (s,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" "
              "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
              w, h, w, h);
    if (style)
        s_printf (s, "<style type=\"text/css\"><![CDATA[\n%s\n]]></style>\n", style);
    s_printf (s, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", w, h);
    return s;
}

int
vg_svg_finish (vg_svg_t **self_p)
{
    if (!self_p || !*self_p)
        return 0;
    vg_svg_t *s = *self_p;
    if (s->in_path)
        vg_svg_path_end (s);
    while (s->depth > 0)
        vg_svg_group_end (s);
    s_printf (s, "</svg>\n");
    if (fflush (s->f) != 0 || ferror (s->f))
        s->failed = 1;
    int rc = s->failed ? -VG_EIO : 0;
    free (s);
    *self_p = NULL;
    return rc;
}

void
vg_svg_rect (vg_svg_t *s, double x, double y, double w, double h, const char *cls, const char *style,
             const char *title)
{
    s_printf (s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x, y, w < 0 ? 0 : w, h < 0 ? 0 : h);
    s_attrs (s, cls, style);
    s_close (s, "rect", title);
}

void
vg_svg_line (vg_svg_t *s, double x1, double y1, double x2, double y2, const char *cls, const char *style,
             const char *title)
{
    s_printf (s, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", x1, y1, x2, y2);
    s_attrs (s, cls, style);
    s_close (s, "line", title);
}

void
vg_svg_text (vg_svg_t *s, double x, double y, const char *cls, const char *anchor, const char *text)
{
    char esc[2048];
    s_printf (s, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
    s_attrs (s, cls, NULL);
    if (anchor)
        s_printf (s, " text-anchor=\"%s\"", anchor);
    s_printf (s, ">%s</text>\n", vg_svg_escape (text, esc, sizeof esc));
}

void
vg_svg_path_begin (vg_svg_t *s, const char *cls, const char *style)
{
    if (s->in_path)
        vg_svg_path_end (s);
    s_printf (s, "<path");
    s_attrs (s, cls, style);
    s_printf (s, " d=\"");
    s->in_path = 1;
    s->path_pts = 0;
}

void
vg_svg_path_move (vg_svg_t *s, double x, double y)
{
    if (!s->in_path)
        return;
    s_printf (s, "%sM%.1f %.1f", s->path_pts ? " " : "", x, y);
    s->path_pts++;
}

void
vg_svg_path_line (vg_svg_t *s, double x, double y)
{
    if (!s->in_path)
        return;
    if (!s->path_pts) {
        vg_svg_path_move (s, x, y);
        return;
    }
    /* a line break now and then keeps lines of the file short */
    s_printf (s, "%sL%.1f %.1f", s->path_pts % 12 ? " " : "\n", x, y);
    s->path_pts++;
}

void
vg_svg_path_end (vg_svg_t *s)
{
    if (!s->in_path)
        return;
    s_printf (s, "\"/>\n");
    s->in_path = 0;
}

void
vg_svg_group_begin (vg_svg_t *s, const char *cls, const char *name)
{
    if (s->depth >= S_MAX_DEPTH) {
        s->skipped++; /* API misuse; keep the document balanced */
        return;
    }
    char esc[1024];
    s_printf (s, "<g");
    s_attrs (s, cls, NULL);
    if (name)
        s_printf (s, " data-name=\"%s\"", vg_svg_escape (name, esc, sizeof esc));
    s_printf (s, ">\n");
    s->depth++;
}

void
vg_svg_group_end (vg_svg_t *s)
{
    if (s->skipped > 0) {
        s->skipped--;
        return;
    }
    if (s->depth <= 0)
        return;
    s_printf (s, "</g>\n");
    s->depth--;
}
