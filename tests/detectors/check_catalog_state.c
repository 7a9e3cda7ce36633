/* check_catalog_state.c - the state of the catalogue's newer detector kinds (burst, link
 * down, cell outage, collapse, reboot) survives a save and load unchanged, and a truncated,
 * foreign or non-finite blob is refused (a cold start instead).  Set-up: fixture_catalog.c. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "tests/detectors/fixture_catalog.h"
#include "tests/support/suite.h"

/* ---- state of the new / changed kinds survives a restart and rejects bad blobs -------- */

START_TEST (new_kinds_save_load_hostile)
{
    const char *ids[] = { "burst2", "down", "cell", "col", "rb" };
    vg_label_t l[] = { { "name", "et-0/0/0" } };
    vg_entity_t ent = { &fx_r1, "/interfaces/interface/state/counters/in-octets", l, 1, VG_KIND_COUNTER, "s1/r1" };
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        const vg_rule_t *r = NULL;
        for (size_t j = 0; j < fx.rules->nrules; j++)
            if (!strcmp (fx.rules->rules[j].id, ids[k]))
                r = &fx.rules->rules[j];
        ck_assert_ptr_nonnull (r);
        vg_detector_t *d = r->ops->new (r, &ent);
        ck_assert_ptr_nonnull (d);
        d->ops = r->ops;
        d->rule = r;
        vg_verdict_t v;
        for (int i = 0; i < 50; i++) { /* some state */
            memset (&v, 0, sizeof v);
            if (r->ops->on_sample)
                r->ops->on_sample (d, T0 + i * 60000, 1e6 + i * 1e5, &v);
            else if (r->ops->on_series_input)
                r->ops->on_series_input (d, i % 3, 42 + (uint64_t) (i % 3), &fx_r1, T0 + i * 60000, 1e6 + i * 1e5, &v);
            else
                r->ops->on_input (d, i % 2, &fx_r1, T0 + i * 60000, i % 7 ? 1e6 + i : 0, &v);
        }
        vg_buf_t b = { 0 };
        ck_assert_int_eq (r->ops->save (d, &b), 0);
        vg_detector_t *d2 = r->ops->new (r, &ent);
        d2->ops = r->ops;
        d2->rule = r;
        ck_assert_int_eq (r->ops->load (d2, b.data, b.len), 0);
        vg_buf_t b2 = { 0 };
        ck_assert_int_eq (r->ops->save (d2, &b2), 0);
        ck_assert_uint_eq (b.len, b2.len);
        ck_assert_int_eq (memcmp (b.data, b2.data, b.len), 0); /* identical state */
        ck_assert_int_lt (r->ops->load (d2, b.data, b.len / 2), 0); /* truncated */
        ck_assert_int_lt (r->ops->load (d2, (const uint8_t *) "junkjunk", 8), 0);
        /* A non-finite value inside the blob is refused (cold start instead). */
        if (b.len > 64) {
            uint8_t *bad = malloc (b.len);
            memcpy (bad, b.data, b.len);
            double nan = NAN;
            size_t off = 8;
            int refused = 0;
            for (; off + sizeof nan <= b.len && !refused; off += 8) {
                memcpy (bad, b.data, b.len);
                memcpy (bad + off, &nan, sizeof nan);
                refused = r->ops->load (d2, bad, b.len) < 0;
            }
            ck_assert_msg (refused, "%s accepts NaN everywhere", ids[k]);
            free (bad);
        }
        vg_buf_free (&b);
        vg_buf_free (&b2);
        r->ops->destroy (&d);
        r->ops->destroy (&d2);
        ck_assert_ptr_null (d);
        r->ops->destroy (&d); /* NULL-safe */
    }
}
END_TEST

Suite *
vg_catalog_state_suite (void)
{
    const vg_test_case_t cases[] = {
        { "new_kinds_save_load", new_kinds_save_load_hostile },
    };
    return vg_test_cases_suite ("catalog_state", cases, sizeof cases / sizeof cases[0], 30, fx_setup, fx_teardown);
}
