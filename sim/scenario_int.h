/* scenario_int.h - what the scenario engine (sim_scenario.c) offers the incident plans
 * (incidents.c), and the type table the engine runs.  Not a public header.
 * Invariant: a plan changes the fleet only through these calls (modifiers, events, labels,
 * device reservations) and draws every random number from vg_scen__rnd, so its effect is a
 * function of the scenario seed and its place in the type table. */
#ifndef VG_SIM_SCENARIO_INT_H
#define VG_SIM_SCENARIO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim_int.h"
#include "sim/sim_scenario.h"

#define HOUR_MS (60 * MIN_MS)
#define ROLE(r) (1u << (r)) /* role mask for vg_scen__place */
#define ANY_ROLE 0x3fu

/* One injected event: device index, step, type and up to six attributes (strings owned by
 * the scenario or static), optionally a flow summary. */
typedef struct {
    uint64_t step;
    uint32_t dev, seq;
    int type;
    vg_label_t attrs[6];
    size_t nattrs;
    vg_flow_t flow;
    int has_flow;
} vg_scen__event_t;

typedef struct vg_scen__type vg_scen__type_t;
/* Plan one incident of type t into s->scen.  Returns 0 (also when it did not fit: then it
 * added no label) or -VG_ENOMEM. */
typedef int (*vg_scen__plan_fn) (vg_sim_t *s, const vg_scen__type_t *t);

/* An incident placed on device di over steps [a, b). */
typedef struct {
    size_t di;
    uint64_t a, b;
} vg_scen__at_t;
/* The effects (labels, modifiers, events) of an incident of type t placed at *at.  Returns
 * 0 or -VG_ENOMEM. */
typedef int (*vg_scen__on_fn) (vg_sim_t *s, const vg_scen__type_t *t, const vg_scen__at_t *at);

/* One incident type. */
struct vg_scen__type {
    const char *name, *det; /* type name (also its scenario name), expected detector */
    char cia;               /* detector class 'A', 'C', 'I', 'X' */
    int benign;             /* 1 = look-alike that must not alert */
    double warm_days;       /* earliest start after the beginning (detector warm-up) */
    int h0, h1;             /* start hour range (UTC), h0 <= h < h1 */
    double dmin, dmax;      /* duration range, minutes */
    vg_scen__plan_fn plan;
    const char *note;       /* one line, also the scenario's help */
    unsigned roles;         /* one-device types: ROLE mask of the devices it may hit ... */
    vg_scen__on_fn on;      /* ... and its effects there (plan is then incidents.c's placer) */
    int alone;              /* 1 = only in its own scenario, not in "catalog" / "benign" (so
                               adding it changed no earlier seed's fleet) */
};

/* ---- incidents.c ------------------------------------------------------------------------ */

/* The incident types, in planning order (the order is part of the seed's meaning). */
extern const vg_scen__type_t vg_scen__types[];
extern const size_t vg_scen__ntypes;
/* Scenario names, NULL-terminated: "catalog", "benign", then every type name in table
 * order (vg_sim_scenario_names). */
extern const char *const vg_scen__names[];

/* ---- sim_scenario.c: draws -------------------------------------------------------------- */

/* Next draw of the scenario's counter-based generator (advances it). */
uint64_t vg_scen__rnd (struct vg_scen *sc);
/* Uniform in [lo, hi): one draw. */
double vg_scen__uni (struct vg_scen *sc, double lo, double hi);
/* Uniform in [0, n): one draw; 0 without a draw when n is 0. */
uint32_t vg_scen__pick (struct vg_scen *sc, uint32_t n);
/* A copy of str that lives as long as the scenario, or NULL (out of memory: the build then
 * fails with -VG_ENOMEM). */
const char *vg_scen__str (struct vg_scen *sc, const char *str);
/* vg_scen__str of fmt formatted with a and b (at most 63 characters). */
const char *vg_scen__strf (struct vg_scen *sc, const char *fmt, unsigned a, unsigned b);
/* Time of a step. */
int64_t vg_scen__ts (const vg_sim_t *s, uint64_t step);

/* ---- sim_scenario.c: placing ------------------------------------------------------------ */

/* Is device di free of incidents over [from, to) ms (with a margin)? */
int vg_scen__is_free (const struct vg_scen *sc, size_t di, int64_t from, int64_t to);
/* Reserve device di over [from, to) ms (silently full after 32 reservations). */
void vg_scen__reserve (struct vg_scen *sc, size_t di, int64_t from, int64_t to);
/* Up to m devices free over steps [from, to) (and of this vendor, unless NULL), drawn by a
 * partial shuffle of all devices (one draw per device looked at): their indices in the
 * returned array's first *got entries, not reserved.  The array is the scenario's scratch:
 * valid until the next call. */
const uint32_t *vg_scen__free_devs (vg_sim_t *s, uint64_t from, uint64_t to, size_t m, const char *vendor,
                                    size_t *got);
/* Pick start and end steps for t: duration in [dmin, dmax], start after the warm-up at an
 * hour in [h0, h1).  Returns 0, or -1 when the horizon is too short. */
int vg_scen__when (vg_sim_t *s, const vg_scen__type_t *t, uint64_t *from, uint64_t *to);
/* vg_scen__when, then a free device of one of the roles (ROLE mask), reserved.  Returns the
 * device index, or -1 when none was found. */
int vg_scen__place (vg_sim_t *s, const vg_scen__type_t *t, unsigned roles, uint64_t *from, uint64_t *to);

/* ---- sim_scenario.c: effects ------------------------------------------------------------ */

/* The n-th series (0-based) of device di with this path, or NULL; how many there are. */
series_t *vg_scen__nth (vg_sim_t *s, size_t di, const char *path, uint32_t n);
uint32_t vg_scen__count (vg_sim_t *s, size_t di, const char *path);
/* Push modifier (op, p) active over steps [from, to) onto the chain at *head (a series'
 * mod or a device's dmod).  Returns 0 or -VG_ENOMEM. */
int vg_scen__mod_add (vg_sim_t *s, uint32_t *head, int op, uint64_t from, uint64_t to, double p);
/* vg_scen__mod_add on every series of device di with this path.  Returns 0 or -VG_ENOMEM. */
int vg_scen__mod_path (vg_sim_t *s, size_t di, const char *path, int op, uint64_t from, uint64_t to,
                       double p);
/* A new zeroed event of device di at step, or NULL (past the run, too many events, or out
 * of memory).  Valid until the next vg_scen__event. */
vg_scen__event_t *vg_scen__event (vg_sim_t *s, uint64_t step, size_t di, int type);
/* Add attribute k = v to e; nothing when e or v is NULL or e is full. */
void vg_scen__attr (vg_scen__event_t *e, const char *k, const char *v);

/* ---- sim_scenario.c: labels ------------------------------------------------------------- */

/* A new label of the current incident over steps [from, to): detector and class from t
 * unless det / cia are given.  NULL when there are too many labels or out of memory.
 * Valid until the next vg_scen__label. */
vg_sim_label_t *vg_scen__label (vg_sim_t *s, const vg_scen__type_t *t, const char *det, char cia, uint64_t from,
                                uint64_t to, double mag);
/* Label i (in vg_sim_label order), to change it after later labels were added; NULL when
 * i is out of range. */
vg_sim_label_t *vg_scen__label_at (vg_sim_t *s, size_t i);
/* List device d on label l (the first device also becomes the entity); nothing when l is
 * NULL. */
void vg_scen__label_dev (vg_sim_t *s, vg_sim_label_t *l, const device_t *d);

#endif
