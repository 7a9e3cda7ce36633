/* timeline_svg.h - the picture of a device timeline: small multiples, one panel per chosen
 * series on one shared time axis, alert episodes shaded across every panel (and named in
 * a strip above them), events as marked vertical lines.
 *
 * Counters are drawn as per-second rates, states as steps with their names on the axis.
 * Elements carry classes a test can count: path.series (one per panel), rect.alert-window
 * (one per episode), line.event (one per event). */
#ifndef VG_TIMELINE_SVG_H
#define VG_TIMELINE_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "cli/timeline.h"

/* Draw the series t->series[pick[0..npick)] with t's events and episodes over
 * [t->from, t->to) as a self-contained SVG document on f.  Returns 0, -VG_ENOMEM or
 * -VG_EIO (a write failed). */
int vg_timeline_svg (const vg_timeline_t *t, const size_t *pick, size_t npick, FILE *f);

#endif
