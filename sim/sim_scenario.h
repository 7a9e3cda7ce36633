/* sim_scenario.h - labelled incident scenarios for the simulated fleet (sim.h).
 *
 * A scenario is a list of incidents (type, device(s), start, end, magnitude) that the sim
 * applies while it generates: per-series modifiers (scale / offset / ramp / force a value or
 * state / reset a counter), device silence, and extra or changed events.  Every incident
 * yields one or more ground-truth labels: which catalogue detector should fire, on which
 * entity, in which time range, or -- for benign look-alikes -- that nothing should fire.
 * Invariant: incidents, magnitudes and devices are a function of (seed, fleet, scenario,
 * start, end, interval) only, so the same configuration gives the same labels and the same
 * telemetry. */
#ifndef VG_SIM_SCENARIO_H
#define VG_SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"


typedef struct {
    char id[16];              /* incident id within the scenario: "inc007" */
    const char *scenario;     /* scenario name */
    const char *type;         /* incident type: "silence", "flap", "callhome", ... */
    const char *detector;     /* catalogue id expected to fire ("A01"), or, when benign,
                                 the one that must not */
    char cia;                 /* 'A', 'C', 'I' or 'X' (class of detector) */
    int benign;               /* 1 = look-alike that must not alert */
    const char *entity;       /* alert "device" that matches besides devices[]: a vendor
                                 (X01), "collector" (collector outage), a site (X02), or
                                 the single device */
    const char **devices;     /* every affected device (ndevices of them) */
    size_t ndevices;          /* listed */
    size_t ndevices_total;    /* affected (== ndevices unless memory ran out) */
    int64_t start_ms, end_ms; /* incident active in [start_ms, end_ms) */
    double magnitude;         /* type-specific size (factor, rate, ms, bytes, ...) */
    const char *note;         /* one-line description */
} vg_sim_label_t;

/* Built-in scenario names, NULL-terminated: "catalog" (every incident type plus the benign
 * look-alikes), "benign" (look-alikes only), and one per incident type. */
const char *const *vg_sim_scenario_names (void);
/* One-line description of a built-in scenario, or NULL when unknown. */
const char *vg_sim_scenario_help (const char *name);

/* Labels of the sim's scenario (0 without one), in incident order; the pointer and its
 * strings live as long as the sim. */
size_t vg_sim_label_count (const vg_sim_t *s);
const vg_sim_label_t *vg_sim_label (const vg_sim_t *s, size_t i);

/* One label as a single-line JSON object (no newline) into buf with snprintf; returns the
 * length needed (like snprintf).  Fields: scenario, id, type, detector, cia, benign, entity,
 * devices, devices_total, start_ms, end_ms, magnitude, note. */
size_t vg_sim_label_json (const vg_sim_label_t *l, char *buf, size_t size);

#endif
