/* check_collapse.c - throughput collapse (A03) around a cell outage: zero traffic is the
 * outage rule's finding and ends a pending collapse, so the partial ROPs on both sides of an
 * outage (the cell went down, or came back, within the ROP) are no collapse. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "common/hash.h"
#include "detectors/engine.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/suite.h"

#define T0 1767571200000LL /* Monday 2026-01-05 00:00Z */
#define ROP (15 * 60000LL)

static const char *RULES =
    "rules:\n"
    "  - { id: col, detector: collapse, for: 30m, keep_firing_for: 30m, match: { path: \"DRB.PdcpSduVolume*\" },\n"
    "      params: { drop_ratio: 0.5, min_z: 4, zero_ratio: 0.05 } }\n";

static vg_device_t G = { "s4/gnb1", "VX", "g", "gnb", "s4", "1" };

START_TEST (partial_rops_around_an_outage_are_no_collapse)
{
    vg_test_engine_t f;
    vg_test_engine_open (&f, RULES, "t", NULL);
    vg_label_t l[] = { { "NRCellDU", "2" } };
    uint64_t id = vg_series_id (G.id, "DRB.PdcpSduVolumeDL", l, 1);
    vg_series_info_t si = { &G, "DRB.PdcpSduVolumeDL", l, 1, VG_KIND_GAUGE };
    ck_assert_int_ge (vg_engine_series (f.e, id, &si), 1);
    int64_t t = T0;
    for (int i = 0; i < 2 * 96; i++, t += ROP) /* two weekdays at a steady 3400 per ROP */
        vg_engine_sample (f.e, id, t, 3400 + (i % 5) * 20);
    vg_engine_sample (f.e, id, t, 3400 * 0.47), t += ROP; /* down 8 min into the ROP */
    for (int i = 0; i < 8; i++, t += ROP)                 /* two hours at zero */
        vg_engine_sample (f.e, id, t, 0);
    vg_engine_sample (f.e, id, t, 3400 * 0.41), t += ROP; /* back 9 min before its end */
    for (int i = 0; i < 8; i++, t += ROP)
        vg_engine_sample (f.e, id, t, 3400);
    ck_assert_uint_eq (vg_test_alerts_count (&f.alerts, "col", 0), 0);
    /* A real collapse (three ROPs at 30 %) still fires after its 30 minutes. */
    for (int i = 0; i < 4; i++, t += ROP)
        vg_engine_sample (f.e, id, t, 3400 * 0.3);
    ck_assert_uint_eq (vg_test_alerts_count (&f.alerts, "col", VG_ACT_CREATE), 1);
    vg_test_engine_close (&f);
}
END_TEST

Suite *
vg_collapse_suite (void)
{
    Suite *s = suite_create ("collapse");
    vg_test_case_t cases[] = {
        { "partial_rops_around_an_outage", partial_rops_around_an_outage_are_no_collapse },
    };
    vg_test_cases (s, cases, sizeof cases / sizeof cases[0], 60, NULL, NULL);
    return s;
}
