/* check_kpi_stage.c - the PM/KPI stage: counter paths map to KPI paths, one pooled success
 * ratio per ROP emitted by the first sample of the next ROP, resets and inconsistent pairs
 * skipped, a full table refused and counted, and a saved state continuing identically. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "common/err.h"
#include "detectors/kpi_stage.h"
#include "tests/support/suite.h"

#define T0 1767571200000LL /* Monday 2026-01-05 00:00 UTC: a ROP boundary */
#define STEP (5 * 60000LL)

/* One interval of a pair: attempts first, then successes, at ts.  Returns the emit result. */
static int
pair (vg_kpi_stage_t *k, uint64_t id, int64_t ts, double att, double succ, double *r)
{
    ck_assert_int_eq (vg_kpi_stage_sample (k, id, 0, ts, att, r), 0);
    return vg_kpi_stage_sample (k, id, 1, ts, succ, r);
}

START_TEST (paths)
{
    int succ = -1;
    ck_assert_str_eq (vg_kpi_stage_path ("RRC.ConnEstabSucc", &succ), "kpi/rrc_success_ratio");
    ck_assert_int_eq (succ, 1);
    ck_assert_str_eq (vg_kpi_stage_path ("MM.HoExeInterReq", &succ), "kpi/ho_success_ratio");
    ck_assert_int_eq (succ, 0);
    ck_assert_ptr_null (vg_kpi_stage_path ("RRC.ConnEstabAttX", &succ));
    ck_assert_ptr_null (vg_kpi_stage_path ("/interfaces/interface/state/counters/in-octets", &succ));
    ck_assert_ptr_null (vg_kpi_stage_path (NULL, &succ));
}
END_TEST

START_TEST (ratio_per_rop)
{
    vg_kpi_stage_t *k = vg_kpi_stage_new (64);
    ck_assert_ptr_nonnull (k);
    double r = -1;
    /* ROP 0: totals 100/90 (first: no delta), then +100/+95, +100/+85 -> 180 of 200. */
    ck_assert_int_eq (pair (k, 7, T0, 100, 90, &r), 0);
    ck_assert_int_eq (pair (k, 7, T0 + STEP, 200, 185, &r), 1); /* first sample of a new ROP index */
    /* The first usable interval opens ROP 0 pooling; the next ROP's first sample emits it. */
    ck_assert_int_eq (pair (k, 7, T0 + 2 * STEP, 300, 270, &r), 0);
    ck_assert_int_eq (pair (k, 7, T0 + 3 * STEP, 400, 370, &r), 1);
    ck_assert (fabs (r - (85.0 + 100.0) / 200.0) < 1e-12);
    vg_kpi_stage_stats_t st;
    vg_kpi_stage_stats (k, &st);
    ck_assert_uint_eq (st.samples, 8);
    ck_assert_uint_eq (st.kpis, 2);
    vg_kpi_stage_destroy (&k);
    ck_assert_ptr_null (k);
    vg_kpi_stage_destroy (&k);
}
END_TEST

START_TEST (resets_and_bad_pairs_skipped)
{
    vg_kpi_stage_t *k = vg_kpi_stage_new (64);
    double r = -1;
    ck_assert_int_eq (pair (k, 9, T0, 100, 90, &r), 0);
    ck_assert_int_eq (pair (k, 9, T0 + 3 * STEP, 50, 40, &r), 0);    /* reset: skipped */
    ck_assert_int_eq (pair (k, 9, T0 + 6 * STEP, 60, 60, &r), 0);    /* +10 att, +20 succ: inconsistent */
    /* success without the attempt of its time: skipped */
    ck_assert_int_eq (vg_kpi_stage_sample (k, 9, 1, T0 + 9 * STEP, 70, &r), 0);
    vg_kpi_stage_stats_t st;
    vg_kpi_stage_stats (k, &st);
    ck_assert_uint_eq (st.kpis, 0);
    vg_kpi_stage_destroy (&k);
}
END_TEST

START_TEST (full_table_counted)
{
    vg_kpi_stage_t *k = vg_kpi_stage_new (4); /* 4 slots, one kept empty: 3 entities */
    double r;
    for (uint64_t id = 1; id <= 3; id++)
        ck_assert_int_eq (vg_kpi_stage_sample (k, id, 0, T0, 1, &r), 0);
    ck_assert_int_eq (vg_kpi_stage_sample (k, 4, 0, T0, 1, &r), -VG_EFULL);
    ck_assert_int_eq (vg_kpi_stage_sample (k, 2, 0, T0 + STEP, 2, &r), 0); /* known ones still work */
    vg_kpi_stage_stats_t st;
    vg_kpi_stage_stats (k, &st);
    ck_assert_uint_eq (st.full, 1);
    vg_kpi_stage_destroy (&k);
}
END_TEST

START_TEST (saved_state_continues)
{
    vg_kpi_stage_t *a = vg_kpi_stage_new (256), *b = vg_kpi_stage_new (256);
    double ra = 0, rb = 0;
    vg_buf_t buf = VG_BUF_INIT;
    for (int i = 0; i < 40; i++) {
        for (uint64_t id = 1; id <= 20; id++) {
            double att = 1000.0 * i + id, succ = 900.0 * i + (double) (id * i % 7);
            if (i == 20) {
                vg_buf_reset (&buf);
                ck_assert_int_eq (vg_kpi_stage_save (a, &buf), 0);
                vg_kpi_stage_destroy (&b);
                b = vg_kpi_stage_new (256);
                ck_assert_int_eq (vg_kpi_stage_load (b, buf.data, buf.len), 0);
            }
            int ea = pair (a, id, T0 + i * STEP, att, succ, &ra);
            if (i >= 20) {
                int eb = pair (b, id, T0 + i * STEP, att, succ, &rb);
                ck_assert_int_eq (ea, eb);
                if (ea == 1)
                    ck_assert (ra == rb);
            }
        }
    }
    ck_assert_int_eq (vg_kpi_stage_load (b, buf.data, buf.len - 1), -VG_EINVAL);
    ck_assert_int_eq (vg_kpi_stage_load (b, (const uint8_t *) "xx", 2), -VG_EINVAL);
    vg_buf_free (&buf);
    vg_kpi_stage_destroy (&a);
    vg_kpi_stage_destroy (&b);
}
END_TEST

/* A state saved before the 64-byte entries (format KPI1, 72-byte entries) loads and
 * continues like the stage that made it. */
START_TEST (v1_state_loads)
{
    struct {
        uint64_t id;
        double att, succ, datt, patt, psucc;
        int64_t att_ts, rop;
        uint8_t has_att, has_succ, pad[6];
    } e = { 7, 1000, 900, -1, 0, 0, T0, 0, 1, 1, { 0 } };
    _Static_assert (sizeof e == 72, "KPI1 entry");
    uint8_t blob[8 + sizeof e];
    uint32_t hdr[2] = { 0x4b504931u, 1 };
    memcpy (blob, hdr, sizeof hdr);
    memcpy (blob + 8, &e, sizeof e);
    vg_kpi_stage_t *a = vg_kpi_stage_new (256), *b = vg_kpi_stage_new (256);
    double ra = 0, rb = 0;
    pair (a, 7, T0, 1000, 900, &ra); /* the history the blob holds */
    ck_assert_int_eq (vg_kpi_stage_load (b, blob, sizeof blob), 0);
    int emitted = 0;
    for (int i = 1; i < 12; i++) {
        int ea = pair (a, 7, T0 + i * STEP, 1000.0 + 100 * i, 900.0 + 90 * i, &ra);
        int eb = pair (b, 7, T0 + i * STEP, 1000.0 + 100 * i, 900.0 + 90 * i, &rb);
        ck_assert_int_eq (ea, eb);
        if (ea == 1) {
            ck_assert (ra == rb);
            emitted++;
        }
    }
    ck_assert_int_gt (emitted, 0);
    ck_assert_int_eq (vg_kpi_stage_load (b, blob, sizeof blob - 1), -VG_EINVAL);
    vg_kpi_stage_destroy (&a);
    vg_kpi_stage_destroy (&b);
}
END_TEST

Suite *
vg_kpi_stage_suite (void)
{
    const TTest *tests[] = { paths, ratio_per_rop, resets_and_bad_pairs_skipped, full_table_counted,
                             saved_state_continues, v1_state_loads };
    return vg_test_suite ("kpi_stage", "kpi_stage", tests, sizeof tests / sizeof tests[0], 30, NULL, NULL);
}
