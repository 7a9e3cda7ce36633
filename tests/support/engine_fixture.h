/* engine_fixture.h - a detector engine on rules given as YAML text, with every alert it
 * emits recorded (rule id and JSON copied, so they outlive the rules and the engine): the
 * set-up the engine-level suites share.
 *
 * Header-only (static inline) because the support .c files are compiled into every suite and
 * only some suites link the detectors.  Test-only: failures are Check assertions. */
#ifndef VG_TEST_ENGINE_FIXTURE_H
#define VG_TEST_ENGINE_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detectors/engine.h"

typedef struct {
    vg_alert_t *a;      /* a[i].rule_id points into the rules: use rid[i] after they are gone */
    char (*rid)[64];
    char **json;        /* vg_alert_to_json of a[i] */
    size_t n, cap;
} vg_test_alerts_t;

/* The engine's alert callback: ctx is a vg_test_alerts_t. */
static inline void
vg_test_alerts_on_alert (void *ctx, const vg_alert_t *a)
{
    vg_test_alerts_t *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->a = realloc (c->a, c->cap * sizeof *c->a);
        c->json = realloc (c->json, c->cap * sizeof *c->json);
        c->rid = realloc (c->rid, c->cap * sizeof *c->rid);
        ck_assert (c->a && c->json && c->rid);
    }
    c->a[c->n] = *a;
    snprintf (c->rid[c->n], sizeof c->rid[c->n], "%s", a->rule_id);
    size_t need = vg_alert_to_json (a, NULL, 0);
    c->json[c->n] = malloc (need + 1);
    ck_assert_ptr_nonnull (c->json[c->n]);
    vg_alert_to_json (a, c->json[c->n], need + 1);
    c->n++;
}

/* Free every record; c is empty (and reusable) afterwards. */
static inline void
vg_test_alerts_free (vg_test_alerts_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        free (c->json[i]);
    free (c->json);
    free (c->rid);
    free (c->a);
    memset (c, 0, sizeof *c);
}

/* Fail unless a and b hold the same records: as many, each rendered to the same JSON. */
static inline void
vg_test_alerts_assert_same (const vg_test_alerts_t *a, const vg_test_alerts_t *b)
{
    ck_assert_uint_eq (a->n, b->n);
    for (size_t i = 0; i < a->n; i++)
        ck_assert_str_eq (a->json[i], b->json[i]);
}

/* Records of rule with this activity (0: any). */
static inline size_t
vg_test_alerts_count (const vg_test_alerts_t *c, const char *rule, int activity)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        k += !strcmp (c->rid[i], rule) && (activity == 0 || (int) c->a[i].activity == activity);
    return k;
}

/* The first record of rule with this activity (0: any), or NULL. */
static inline const vg_alert_t *
vg_test_alerts_first (const vg_test_alerts_t *c, const char *rule, int activity)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp (c->rid[i], rule) && (activity == 0 || (int) c->a[i].activity == activity))
            return &c->a[i];
    return NULL;
}

/* Rules parsed from yaml (name: the origin in messages); fails the test with the parser's
 * message when they do not parse. */
static inline vg_rules_t *
vg_test_rules (const char *yaml, const char *name)
{
    vg_rules_t *rs = NULL;
    char err[256];
    int rc = vg_rules_parse (yaml, strlen (yaml), name, &rs, err, sizeof err);
    ck_assert_msg (rc == 0, "%s", err);
    return rs;
}

typedef struct {
    vg_rules_t *rules;
    vg_test_alerts_t alerts;
    vg_engine_t *e;
} vg_test_engine_t;

/* An engine (cfg: NULL for the defaults) on the rules in yaml, alerts recorded in f->alerts.
 * f must stay where it is while the engine lives (the engine holds &f->alerts). */
static inline vg_engine_t *
vg_test_engine_open (vg_test_engine_t *f, const char *yaml, const char *name, const vg_engine_cfg_t *cfg)
{
    memset (f, 0, sizeof *f);
    f->rules = vg_test_rules (yaml, name);
    f->e = vg_engine_new (f->rules, cfg, vg_test_alerts_on_alert, &f->alerts);
    ck_assert_ptr_nonnull (f->e);
    return f->e;
}

/* The engine's counters now (vg_engine_stats by value). */
static inline vg_engine_stats_t
vg_test_engine_stats (const vg_engine_t *e)
{
    vg_engine_stats_t st;
    vg_engine_stats (e, &st);
    return st;
}

/* Destroy the engine (asserting destroy clears the pointer), the records and the rules. */
static inline void
vg_test_engine_close (vg_test_engine_t *f)
{
    vg_engine_destroy (&f->e);
    ck_assert_ptr_null (f->e);
    vg_test_alerts_free (&f->alerts);
    vg_rules_destroy (&f->rules);
}

#endif
