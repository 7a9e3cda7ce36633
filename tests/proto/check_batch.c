/* check_batch.c - the shared vigil.Batch reader: a well-formed batch passes with its sample
 * total, and each structural defect (string table, devices, indices, labels, kind, counts,
 * state names, events) is refused with the right code. */
#include <check.h>
#include <string.h>

#include "common/err.h"
#include "proto/batch.h"
#include "tests/support/suite.h"

typedef struct {
    Vigil__Batch b;
    char *strings[4];
    Vigil__Device dev, *devp[1];
    Vigil__Series ser, *serp[1];
    uint32_t labels[2];
    Vigil__Event ev, *evp[1];
} t_batch_t;

static void
t_init (t_batch_t *t)
{
    memset (t, 0, sizeof *t);
    vigil__batch__init (&t->b);
    t->strings[0] = "";
    t->strings[1] = "/interfaces/interface/state/counters/in-octets";
    t->strings[2] = "name";
    t->strings[3] = "et-0/0/0";
    t->b.strings = t->strings;
    t->b.n_strings = 4;
    vigil__device__init (&t->dev);
    t->dev.id = "site1/r1";
    t->dev.vendor = "juniper";
    t->devp[0] = &t->dev;
    t->b.devices = t->devp;
    t->b.n_devices = 1;
    vigil__series__init (&t->ser);
    t->ser.path = 1;
    t->labels[0] = 2;
    t->labels[1] = 3;
    t->ser.labels = t->labels;
    t->ser.n_labels = 2;
    t->ser.count = 10;
    t->serp[0] = &t->ser;
    t->b.series = t->serp;
    t->b.n_series = 1;
    vigil__event__init (&t->ev);
    t->evp[0] = &t->ev;
    t->b.events = t->evp;
    t->b.n_events = 1;
}

static const vg_batch_limits_t t_lim = { 100, 100, 1000 };

static int
t_check (const t_batch_t *t)
{
    char why[200];
    return vg_batch_validate (&t->b, &t_lim, NULL, why, sizeof why);
}

START_TEST (valid_batch_passes)
{
    t_batch_t t;
    t_init (&t);
    size_t total = 0;
    char why[200];
    ck_assert_int_eq (vg_batch_validate (&t.b, &t_lim, &total, why, sizeof why), 0);
    ck_assert_uint_eq (total, 10);
    vg_label_t l[VG_MAX_LABELS];
    ck_assert_uint_eq (vg_batch_labels (&t.b, &t.ser, l), 1);
    ck_assert_str_eq (l[0].key, "name");
    ck_assert_str_eq (l[0].value, "et-0/0/0");
}
END_TEST

START_TEST (each_defect_is_refused)
{
    t_batch_t t;
    t_init (&t);
    t.strings[0] = "x"; /* entry 0 must be empty */
    ck_assert_int_eq (t_check (&t), -VG_EPROTO);
    t_init (&t);
    t.dev.id = "";
    ck_assert_int_eq (t_check (&t), -VG_EPROTO);
    t_init (&t);
    t.ser.device = 1;
    ck_assert_int_eq (t_check (&t), -VG_EPROTO);
    t_init (&t);
    t.ser.path = 0;
    ck_assert_int_eq (t_check (&t), -VG_EPROTO);
    t_init (&t);
    t.ser.path = 4;
    ck_assert_int_eq (t_check (&t), -VG_EPROTO);
    t_init (&t);
    t.labels[1] = 9;
    ck_assert_int_eq (t_check (&t), -VG_EPROTO);
    t_init (&t);
    t.ser.n_labels = 1;
    ck_assert_int_eq (t_check (&t), -VG_EPROTO);
    t_init (&t);
    t.ser.kind = (Vigil__SeriesKind) 42;
    ck_assert_int_eq (t_check (&t), -VG_EPROTO);
    t_init (&t);
    t.ser.count = 0;
    ck_assert_int_eq (t_check (&t), -VG_ETOOBIG);
    t_init (&t);
    t.ser.count = 1001;
    ck_assert_int_eq (t_check (&t), -VG_ETOOBIG);
    t_init (&t);
    t.ev.device = 3;
    ck_assert_int_eq (t_check (&t), -VG_EPROTO);
    t_init (&t);
    t.ev.type = (Vigil__EventType) 99;
    ck_assert_int_eq (t_check (&t), -VG_EPROTO);
    t_init (&t);
    t.b.n_series = 101;
    ck_assert_int_eq (t_check (&t), -VG_ETOOBIG);
    char longname[VG_MAX_PATH_LEN + 8];
    memset (longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    t_init (&t);
    t.strings[1] = longname;
    ck_assert_int_eq (t_check (&t), -VG_EPROTO);
}
END_TEST

Suite *
vg_batch_suite (void)
{
    const TTest *tests[] = { valid_batch_passes, each_defect_is_refused };
    return vg_test_suite ("batch", "validate", tests, sizeof tests / sizeof tests[0], 0, NULL, NULL);
}
