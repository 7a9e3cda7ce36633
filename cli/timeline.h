/* timeline.h - one device's stored history over a time range, loaded for `vigil timeline`:
 * every series with its samples, the device's events, and the alert episodes about it.
 *
 * Loaded once from a store (read-only use) into plain arrays the text report and the SVG
 * plot walk; owned by the vg_timeline_t and freed with it.  Counters are kept raw (the
 * report turns them into rates).  Alert episodes are grouped by uid from the records of
 * [from - lookback, to), so an episode that began before the range still shades it. */
#ifndef VG_TIMELINE_H
#define VG_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "cli/changes.h"
#include "store/store.h"

/* How far before --from alert records are read to find episodes still open at --from. */
#define VG_TIMELINE_ALERT_LOOKBACK_MS (7 * 86400000LL)

typedef struct {
    uint64_t sid;
    char *name;           /* path{k=v,...} */
    char *path;
    char *unit;           /* "" if unknown */
    int kind;             /* VG_KIND_* */
    char **states;        /* STATE: names by index */
    size_t nstates;
    int64_t *ts;
    double *v;
    size_t n, cap;
    vg_change_t *changes; /* filled by vg_timeline_analyse */
    size_t nchanges, nfound;
    double score;         /* how much it changed (ranking for the plot) */
    int alerted;          /* named by an alert of the device */
} vg_tl_series_t;

typedef struct {
    int64_t ts;
    int type;             /* VG_EV_* */
    int repeat;           /* says nothing new: a flow to a destination seen earlier in the
                             range, or the same text as the previous event of its type */
    char key[96];         /* what repeats: flow destination, else empty */
    char text[320];       /* type-specific summary: attrs, flow, gap */
} vg_tl_event_t;

typedef struct {
    int64_t ts;
    int activity;         /* VG_ACT_* */
    char uid[420];
    char rule[96];
    char severity[16];
    char message[320];
} vg_tl_record_t;

typedef struct {
    char uid[420];
    char rule[96];
    char severity[16];
    int64_t start;        /* first_seen: the condition first held */
    int64_t fired;        /* Create time */
    int64_t end;          /* Close time, or INT64_MAX while open */
    uint64_t series_id;   /* 0 when not about one series */
} vg_tl_episode_t;

typedef struct vg_timeline {
    char *device;
    int64_t from, to;
    int64_t first, last;  /* first and last sample of any series (INT64_MAX / INT64_MIN: none) */
    vg_tl_series_t *series;
    size_t nseries;
    vg_tl_event_t *events;
    size_t nevents;
    vg_tl_record_t *records; /* alert records inside [from, to) */
    size_t nrecords;
    vg_tl_episode_t *episodes; /* overlapping [from, to) */
    size_t nepisodes;
} vg_timeline_t;

/* Load device's series, events and alerts in [from, to) from s.  NULL on failure with the
 * reason in err.  The store is only read. */
vg_timeline_t *vg_timeline_load (vg_store_t *s, const char *device, int64_t from, int64_t to, char *err,
                                 size_t errlen);

void vg_timeline_destroy (vg_timeline_t **self_p);

/* Find each series' changes (at most max_per_series kept) and score it.  Returns 0 or
 * -VG_ENOMEM. */
int vg_timeline_analyse (vg_timeline_t *t, size_t max_per_series);

/* Choose the series to plot: those matching any of the paths (shell globs on the path or
 * the full name) when npaths > 0, else alerted series first, then by score; only series
 * with samples.  Writes at most max indices into out; returns the count. */
size_t vg_timeline_pick (const vg_timeline_t *t, const char *const *paths, size_t npaths, size_t *out, size_t max);

/* A value with an SI suffix and 3 significant digits ("12.3k", "-4.5M", "0.012"). */
char *vg_timeline_fmt (double v, char *buf, size_t size);

#endif
