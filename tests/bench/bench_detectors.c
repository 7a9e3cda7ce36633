/* bench_detectors.c - ns per sample of the engine's univariate path (hash lookup + seasonal
 * scorer + lifecycle) over N series x M samples, bytes of state per series, save size.
 * Prints one JSON object.  Usage: bench_detectors [series] [samples_per_series] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detectors/engine.h"
#include "common/hash.h"
#include "detectors/uni.h"

static const char *RULES_UNI =
    "rules:\n"
    "  - id: uni\n    detector: seasonal\n    for: 15m\n    match: { path: \"*\" }\n"
    "    params: { season: week, warmup: 1d, direction: both }\n";
static const char *RULES_UNI_SIL =
    "rules:\n"
    "  - id: uni\n    detector: seasonal\n    for: 15m\n    match: { path: \"*\" }\n"
    "    params: { season: week, warmup: 1d, direction: both }\n"
    "  - id: sil\n    detector: silence\n    match: { path: \"*\" }\n";

static double
now_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t g_alerts;

static void
on_alert (void *ctx, const vg_alert_t *a)
{
    (void) ctx;
    (void) a;
    g_alerts++;
}

typedef struct {
    double ns_all, ns_steady, save_bytes_per_series, secs;
    size_t bytes_per_series;
    uint64_t alerts, samples;
} result_t;

static int
run (const char *rules_text, size_t nser, int nsamp, int tick, result_t *res)
{
    vg_rules_t *rs = NULL;
    char err[256];
    if (vg_rules_parse (rules_text, strlen (rules_text), "bench", &rs, err, sizeof err)) {
        fprintf (stderr, "%s\n", err);
        return 1;
    }
    vg_engine_t *e = vg_engine_new (rs, NULL, on_alert, NULL);
    uint64_t *ids = malloc (nser * sizeof *ids);
    double *ctr = calloc (nser, sizeof *ctr);
    char dev[64], ifn[32];
    for (size_t i = 0; i < nser; i++) {
        snprintf (dev, sizeof dev, "site%zu/r%zu", i % 50, i / 20);
        snprintf (ifn, sizeof ifn, "ge-0/0/%zu", i % 20);
        vg_device_t d = { dev, i % 2 ? "VX" : "VY", "m", "router", "s", "1" };
        vg_label_t l[] = { { "name", ifn } };
        const char *path = "/interfaces/interface/state/counters/in-octets";
        ids[i] = vg_series_id (dev, path, l, 1);
        vg_series_info_t si = { &d, path, l, 1, VG_KIND_COUNTER };
        if (vg_engine_series (e, ids[i], &si) < 1)
            return 1;
    }
    const int64_t t0 = 1767571200000LL, step = 300000;
    uint64_t x = 88172645463325252ULL;
    g_alerts = 0;
    int steady_from = nsamp / 2;
    double start = now_s (), mid = 0;
    for (int k = 0; k < nsamp; k++) {
        if (k == steady_from)
            mid = now_s ();
        int64_t t = t0 + k * step;
        double hour = (double) ((t / 60000) % 1440) / 60.0;
        double base = 1e6 * (0.6 + 0.3 * sin (2 * M_PI * (hour - 14) / 24));
        for (size_t i = 0; i < nser; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            double noise = ((double) (x >> 11) / 9007199254740992.0 - 0.5) * 0.1;
            ctr[i] += base * (1 + noise) * 300;
            vg_engine_sample (e, ids[i], t, ctr[i]);
        }
        if (tick)
            vg_engine_tick (e, t);
    }
    double end = now_s ();
    res->samples = (uint64_t) nser * (uint64_t) nsamp;
    res->secs = end - start;
    res->ns_all = (end - start) * 1e9 / (double) res->samples;
    res->ns_steady = (end - mid) * 1e9 / ((double) nser * (nsamp - steady_from));
    res->bytes_per_series = vg_engine_series_bytes (e, ids[0]);
    vg_buf_t b = VG_BUF_INIT;
    vg_engine_save (e, &b);
    res->save_bytes_per_series = (double) b.len / (double) nser;
    vg_buf_free (&b);
    res->alerts = g_alerts;
    vg_engine_destroy (&e);
    vg_rules_destroy (&rs);
    free (ids);
    free (ctr);
    return 0;
}

int
main (int argc, char **argv)
{
    size_t nser = argc > 1 ? (size_t) atol (argv[1]) : 10000;
    int nsamp = argc > 2 ? atoi (argv[2]) : 2016; /* one week at 5-minute steps */
    result_t a, b;
    if (run (RULES_UNI, nser, nsamp, 0, &a) || run (RULES_UNI_SIL, nser, nsamp, 1, &b))
        return 1;
    printf ("{\"bench\":\"detectors\",\"series\":%zu,\"samples_per_series\":%d,"
            "\"univariate\":{\"samples\":%llu,\"seconds\":%.3f,\"ns_per_sample\":%.1f,"
            "\"ns_per_sample_steady\":%.1f,\"alerts\":%llu},"
            "\"univariate_silence_tick\":{\"ns_per_sample\":%.1f,\"ns_per_sample_steady\":%.1f,\"alerts\":%llu},"
            "\"state\":{\"sizeof_uni\":%zu,\"sizeof_seasonal_instance\":%zu,\"bytes_per_series\":%zu,"
            "\"bytes_per_series_with_silence\":%zu,\"save_bytes_per_series\":%.1f,"
            "\"save_bytes_per_series_with_silence\":%.1f}}\n",
            nser, nsamp, (unsigned long long) a.samples, a.secs, a.ns_all, a.ns_steady,
            (unsigned long long) a.alerts, b.ns_all, b.ns_steady, (unsigned long long) b.alerts,
            sizeof (vg_uni_t), vg_detector_find ("seasonal")->size, a.bytes_per_series, b.bytes_per_series,
            a.save_bytes_per_series, b.save_bytes_per_series);
    return 0;
}
