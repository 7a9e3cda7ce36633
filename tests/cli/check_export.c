/* check_export.c - `vigil export` streams: exporting a store 24 times larger than another
 * grows the process's peak RSS by far less than the data exported (measured on the real
 * binary with wait4), and every integer comes out exact, in both formats; --labels picks one
 * of the series a device and path share. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/chunk.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/model.h"
#include "proto/vigil.pb-c.h"
#include "store/series_meta.h"
#include "store/store.h"
#include "tests/cli/fixture_vigil.h"
#include "tests/support/suite.h"

#define S_SERIES 40
#define S_PER 3600 /* one sample a second for one bucket of one hour */
#define S_T0 INT64_C (1764367200000)

/* Series i: even ones are uint64 counters above 2^63, odd ones gauges with decimals. */
static vg_num_t
s_value (int i, int64_t k, vg_numtype_t *t)
{
    if (i % 2 == 0) {
        *t = VG_NUM_U64;
        return vg_num_u64 ((UINT64_C (1) << 63) + 1 + (uint64_t) i * 1000003 + (uint64_t) k * 12345);
    }
    *t = VG_NUM_F64;
    return vg_num_f64 ((double) ((k * 7 + i) % 1000) / 100.0);
}

/* A store under dir/name with S_SERIES series over `buckets` one-hour buckets. */
static void
s_make_store (const char *name, int buckets, char *path, size_t cap)
{
    char err[256];
    vg_store_t *s = fx_store_new (name, path, cap);
    vg_store_txn_t *txn = vg_store_txn_new (s);
    vg_buf_t chunk = VG_BUF_INIT, scratch = VG_BUF_INIT;
    static int64_t ts[S_PER];
    static vg_num_t v[S_PER];
    for (int i = 0; i < S_SERIES; i++) {
        char dev[32], p[64];
        snprintf (dev, sizeof dev, "site/dev%d", i / 4);
        snprintf (p, sizeof p, "/c/%s%d", i % 2 ? "gauge" : "octets", i);
        Vigil__SeriesMeta m = VIGIL__SERIES_META__INIT;
        m.device = dev;
        m.path = p;
        m.kind = i % 2 ? VIGIL__SERIES_KIND__SERIES_KIND_GAUGE : VIGIL__SERIES_KIND__SERIES_KIND_COUNTER;
        uint64_t sid = vg_series_id (dev, p, NULL, 0);
        ck_assert_int_eq (vg_series_meta_put (txn, sid, &m, &scratch), 0);
        for (int b = 0; b < buckets; b++) {
            vg_numtype_t t = VG_NUM_F64;
            for (int k = 0; k < S_PER; k++) {
                int64_t n = (int64_t) b * S_PER + k;
                ts[k] = S_T0 + n * 1000;
                v[k] = s_value (i, n, &t);
            }
            vg_buf_reset (&chunk);
            ck_assert_int_eq (vg_chunk_encode_num (ts, v, t, S_PER, &chunk), 0);
            uint8_t key[VG_SAMPLE_KEY_LEN];
            vg_key_sample (key, vg_store_bucket (ts[0], 3600000), sid);
            vg_store_txn_merge (txn, VG_CF_SAMPLES, key, sizeof key, chunk.data, chunk.len);
        }
        ck_assert_int_eq (vg_store_commit (s, txn, err, sizeof err), 0);
        vg_store_txn_clear (txn);
    }
    ck_assert_int_eq (vg_store_flush (s), 0);
    vg_store_txn_destroy (&txn);
    vg_buf_free (&chunk);
    vg_buf_free (&scratch);
    vg_store_destroy (&s);
}

/* Run `vigil export --store store ...extra`; returns the peak RSS in KiB and the seconds. */
static long
s_export (const char *store, const char *format, const char *out, double *secs)
{
    char *args[] = { "export", "--store", (char *) store, "--format", (char *) format, "--out", (char *) out, NULL };
    /* Under AddressSanitizer freed blocks wait in a quarantine (256 MB by default) that
     * would count as growth; keep it small so the measure is the program's own. */
    const char *asan = getenv ("ASAN_OPTIONS");
    char opts[512];
    snprintf (opts, sizeof opts, "%s%squarantine_size_mb=1", asan ? asan : "", asan && *asan ? ":" : "");
    ck_assert_int_eq (setenv ("ASAN_OPTIONS", opts, 1), 0);
    struct timespec t0, t1;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    struct rusage ru;
    int rc = fx_vigil (args, NULL, NULL, &ru);
    clock_gettime (CLOCK_MONOTONIC, &t1);
    ck_assert_msg (rc == 0, "vigil export failed: %d", rc);
    *secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
    return ru.ru_maxrss;
}

START_TEST (constant_memory)
{
    char small[128], big[128];
    s_make_store ("small", 1, small, sizeof small);
    s_make_store ("big", 24, big, sizeof big);
    double s1, s2;
    long r1 = s_export (small, "csv", "/dev/null", &s1);
    long r2 = s_export (big, "csv", "/dev/null", &s2);
    double n2 = (double) S_SERIES * S_PER * 24;
    /* The big export decodes 3.5M samples (55 MB as 16-byte samples, ~200 MB of CSV). */
    fprintf (stderr, "export: small %ld KiB %.2fs, big %ld KiB %.2fs: %.0f samples/s\n", r1, s1, r2, s2, n2 / s2);
    ck_assert_msg (r2 - r1 < 16 * 1024, "peak RSS grew by %ld KiB for 24x the data", r2 - r1);
    long r3 = s_export (big, "ndjson", "/dev/null", &s2);
    fprintf (stderr, "export ndjson: big %ld KiB %.2fs: %.0f samples/s\n", r3, s2, n2 / s2);
    ck_assert_msg (r3 - r1 < 16 * 1024, "peak RSS grew by %ld KiB for 24x the data (ndjson)", r3 - r1);
}
END_TEST

START_TEST (exact_values)
{
    char small[128], out[160];
    s_make_store ("small", 1, small, sizeof small);
    snprintf (out, sizeof out, "%s/out.csv", fx_dir);
    double secs;
    s_export (small, "csv", out, &secs);
    FILE *f = fopen (out, "r");
    ck_assert_ptr_nonnull (f);
    char line[512];
    ck_assert_ptr_nonnull (fgets (line, sizeof line, f));
    ck_assert_str_eq (line, "device,path,labels,timestamp_ms,time,value\n");
    size_t rows = 0;
    while (fgets (line, sizeof line, f)) {
        char dev[32], path[64], t[40], val[40];
        long long ts;
        ck_assert_int_eq (sscanf (line, "%31[^,],%63[^,],,%lld,%39[^,],%39s", dev, path, &ts, t, val), 5);
        int i = atoi (strpbrk (path, "0123456789"));
        int64_t k = (ts - S_T0) / 1000;
        vg_numtype_t type;
        vg_num_t want = s_value (i, k, &type);
        char wtext[VG_NUM_TEXT_MAX];
        vg_num_format (wtext, want, type);
        ck_assert_msg (strcmp (val, wtext) == 0, "%s @%lld: %s, want %s", path, ts, val, wtext);
        rows++;
    }
    fclose (f);
    ck_assert_uint_eq (rows, (size_t) S_SERIES * S_PER);
}
END_TEST

/* Two interfaces of one device share device and path; --labels picks one of them, so the
 * `timestamp_ms,value` export is one series, as `vigil detect` expects. */
START_TEST (labels_pick_one_series)
{
    char path[128], out[160];
    snprintf (out, sizeof out, "%s/one.csv", fx_dir);
    char err[256];
    vg_store_t *s = fx_store_new ("ifs", path, sizeof path);
    vg_store_txn_t *txn = vg_store_txn_new (s);
    vg_buf_t chunk = VG_BUF_INIT, scratch = VG_BUF_INIT;
    static const char *const names[] = { "Te0/0/0/0", "Te0/0/0/1" };
    for (int i = 0; i < 2; i++) {
        Vigil__Attr label = VIGIL__ATTR__INIT, *labels[] = { &label };
        label.key = "name";
        label.value = (char *) names[i];
        Vigil__SeriesMeta m = VIGIL__SERIES_META__INIT;
        m.device = "site/r1";
        m.path = "/if/in-octets";
        m.n_labels = 1;
        m.labels = labels;
        m.kind = VIGIL__SERIES_KIND__SERIES_KIND_COUNTER;
        vg_label_t l = { "name", names[i] };
        uint64_t sid = vg_series_id (m.device, m.path, &l, 1);
        ck_assert_int_eq (vg_series_meta_put (txn, sid, &m, &scratch), 0);
        int64_t ts[3];
        vg_num_t v[3];
        for (int k = 0; k < 3; k++) {
            ts[k] = S_T0 + k * 60000;
            v[k] = vg_num_u64 ((uint64_t) (i * 1000 + k));
        }
        vg_buf_reset (&chunk);
        ck_assert_int_eq (vg_chunk_encode_num (ts, v, VG_NUM_U64, 3, &chunk), 0);
        uint8_t key[VG_SAMPLE_KEY_LEN];
        vg_key_sample (key, vg_store_bucket (ts[0], 3600000), sid);
        vg_store_txn_merge (txn, VG_CF_SAMPLES, key, sizeof key, chunk.data, chunk.len);
    }
    ck_assert_int_eq (vg_store_commit (s, txn, err, sizeof err), 0);
    vg_store_txn_destroy (&txn);
    vg_buf_free (&chunk);
    vg_buf_free (&scratch);
    vg_store_destroy (&s);

    char *args[] = { "export", "--store", path, "--path", "*in-octets", "--labels", "name=*/1",
                     "--columns", "timestamp_ms,value", "--out", out, NULL };
    int rc = fx_vigil (args, NULL, NULL, NULL);
    ck_assert_msg (rc == 0, "vigil export --labels failed: %d", rc);
    FILE *f = fopen (out, "r");
    ck_assert_ptr_nonnull (f);
    char text[256];
    size_t n = fread (text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose (f);
    ck_assert_str_eq (text, "timestamp_ms,value\n"
                            "1764367200000,1000\n"
                            "1764367260000,1001\n"
                            "1764367320000,1002\n");
}
END_TEST

Suite *
vg_export_suite (void)
{
    const TTest *tests[] = { constant_memory, exact_values, labels_pick_one_series };
    return vg_test_suite ("export", "export", tests, sizeof tests / sizeof tests[0], 240, fx_setup, fx_teardown);
}
