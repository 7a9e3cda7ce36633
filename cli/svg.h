/* svg.h - a small streaming SVG writer: rectangles, lines, paths, text and groups, written
 * straight to a FILE as a self-contained SVG 1.1 document.
 *
 * Every string that comes from data (text, tooltips, class names are constants) is
 * escaped for XML, so the document is well-formed whatever the telemetry says; numbers
 * are written with one decimal.  Write errors are remembered and reported once by
 * vg_svg_finish.  Not thread-safe; one writer per FILE. */
#ifndef VG_SVG_H
#define VG_SVG_H

#include <stdio.h>

typedef struct vg_svg vg_svg_t;

/* Start a document of w x h user units on f (not owned; the caller closes it).  style is a
 * CSS text for a <style> element, or NULL.  Returns NULL when out of memory. */
vg_svg_t *vg_svg_new (FILE *f, double w, double h, const char *style);

/* Close every open element and the document, and free the writer (NULL-safe, sets *self_p
 * to NULL).  Returns 0, or -VG_EIO if any write failed. */
int vg_svg_finish (vg_svg_t **self_p);

/* A rectangle.  cls (CSS class) and style (inline CSS) may be NULL; both are constants of
 * the caller, not data.  title (may be NULL) becomes a tooltip (<title>, escaped). */
void vg_svg_rect (vg_svg_t *s, double x, double y, double w, double h, const char *cls, const char *style,
                  const char *title);

/* A straight line; as vg_svg_rect for cls, style and title. */
void vg_svg_line (vg_svg_t *s, double x1, double y1, double x2, double y2, const char *cls, const char *style,
                  const char *title);

/* Text at (x, y); anchor is "start", "middle" or "end"; text is escaped. */
void vg_svg_text (vg_svg_t *s, double x, double y, const char *cls, const char *anchor, const char *text);

/* A path built from moves and lines: begin, any number of move/line, end.  A path with no
 * point is written as an empty "d" (still one element). */
void vg_svg_path_begin (vg_svg_t *s, const char *cls, const char *style);
void vg_svg_path_move (vg_svg_t *s, double x, double y);
void vg_svg_path_line (vg_svg_t *s, double x, double y);
void vg_svg_path_end (vg_svg_t *s);

/* A group (<g>) with a class and an optional data-name attribute (escaped): groups nest,
 * and vg_svg_finish closes any left open. */
void vg_svg_group_begin (vg_svg_t *s, const char *cls, const char *name);
void vg_svg_group_end (vg_svg_t *s);

/* Escape text for XML character data or a quoted attribute into out (size bytes, always
 * NUL-terminated, cut at a character boundary when it does not fit); returns out.  Bytes
 * that XML 1.0 forbids (control characters) become '?'. */
char *vg_svg_escape (const char *text, char *out, size_t size);

#endif
