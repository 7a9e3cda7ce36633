/* bench_alerter.c - alerts to a real Kafka broker through the outbox, on loopback.
 *
 * Latency phase: one alert per committed write batch every --gap-ms, DRs served as soon as
 * the alerter's descriptor is readable; latency = commit returned -> delivery report served
 * (the outbox record is then deleted).  Throughput phase: --total alerts staged in batches
 * of --batch per commit (fsync'd like the collector's), as fast as the alerter takes them;
 * rate = alerts / (first stage -> last acknowledgement); every alert must be acknowledged and
 * the outbox must end empty (no loss).  Prints one JSON object.
 * Usage: bench_alerter --brokers HOST:PORT [--topic T] [--latency-n N] [--gap-ms G]
 *                      [--total N] [--batch B] [--max-inflight N] [--store DIR] [--no-sync]
 * Start a broker first: deploy/kafka/kafka.sh start (prints the bootstrap list). */
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector/alerter.h"
#include "common/clock.h"
#include "common/err.h"
#include "store/store.h"

typedef struct {
    double *lat_ms;
    size_t n, cap;
    uint64_t ok, err;
} s_acc_t;

static void
s_on_dr (void *ctx, const vg_alerter_delivery_t *d)
{
    s_acc_t *a = ctx;
    if (d->err) {
        a->err++;
        return;
    }
    a->ok++;
    if (a->lat_ms && a->n < a->cap && !d->resent)
        a->lat_ms[a->n++] = d->latency_us / 1000.0;
}

static int
s_cmp (const void *x, const void *y)
{
    double a = *(const double *) x, b = *(const double *) y;
    return a < b ? -1 : a > b;
}

static double
s_pct (const double *v, size_t n, double q)
{
    if (!n)
        return NAN;
    size_t i = (size_t) ceil (q * (double) n) - 1;
    return v[i < n ? i : n - 1];
}

static void
s_alert (vg_alert_t *a, uint64_t i)
{
    memset (a, 0, sizeof *a);
    a->activity = VG_ACT_CREATE;
    a->status = VG_STATUS_NEW;
    a->severity = 4;
    a->cia = 'C';
    a->time_ms = vg_clock_now_ms ();
    a->first_seen_ms = a->window_start_ms = a->time_ms - 300000;
    a->last_seen_ms = a->window_end_ms = a->time_ms;
    a->score = 1.0;
    a->observed = 1;
    a->expected = 0;
    a->lo = 0;
    a->hi = 0;
    a->series_id = 0x9e3779b97f4a7c15ULL * (i + 1);
    a->rules_digest = 0xabcdefULL;
    a->rule_id = "c04-login";
    a->detector = "login";
    a->detector_version = "1.0.0";
    a->catalog = "C04";
    a->types = "mgmt_session_unknown";
    a->title = "Management login from unknown source or local account";
    a->techniques = "T1078,T1078.003,FGT1078,T1021.004,FGT1021,T1133,T1556.004,T1199";
    a->vendor = "VendorX";
    a->model = "PE-9000";
    a->role = "router";
    a->site = "site-TLL-01";
    a->sw_version = "7.3.2";
    snprintf (a->device, sizeof a->device, "site-%03llu/rtr-pe-%02llu", (unsigned long long) (i % 997),
              (unsigned long long) (i % 13));
    snprintf (a->signal, sizeof a->signal, "user=u%llu:src=198.51.100.%llu", (unsigned long long) i,
              (unsigned long long) (i % 250));
    snprintf (a->dedup_key, sizeof a->dedup_key, "c04-login:%.200s:%.120s", a->device, a->signal);
    snprintf (a->uid, sizeof a->uid, "%s@%lld", a->dedup_key, (long long) a->first_seen_ms);
    snprintf (a->evidence, sizeof a->evidence, "login success by u%llu from 198.51.100.%llu via ssh: source outside "
              "bastion allowlist", (unsigned long long) i, (unsigned long long) (i % 250));
}

/* Serve delivery reports: wait on the alerter's descriptor up to timeout_ms, then poll. */
static void
s_serve (vg_alerter_t *al, int timeout_ms)
{
    struct pollfd p = { vg_alerter_fd (al), POLLIN, 0 };
    poll (&p, 1, timeout_ms);
    vg_alerter_poll (al, 0);
}

int
main (int argc, char **argv)
{
    const char *brokers = NULL, *topic = NULL, *store_dir = NULL;
    long lat_n = 2000, gap_ms = 5, total = 200000, batch = 500, max_inflight = 0;
    int sync = 1;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp (argv[i], "--brokers") && v)
            brokers = argv[++i];
        else if (!strcmp (argv[i], "--topic") && v)
            topic = argv[++i];
        else if (!strcmp (argv[i], "--store") && v)
            store_dir = argv[++i];
        else if (!strcmp (argv[i], "--latency-n") && v)
            lat_n = atol (argv[++i]);
        else if (!strcmp (argv[i], "--gap-ms") && v)
            gap_ms = atol (argv[++i]);
        else if (!strcmp (argv[i], "--total") && v)
            total = atol (argv[++i]);
        else if (!strcmp (argv[i], "--batch") && v)
            batch = atol (argv[++i]);
        else if (!strcmp (argv[i], "--max-inflight") && v)
            max_inflight = atol (argv[++i]);
        else if (!strcmp (argv[i], "--no-sync"))
            sync = 0;
        else {
            fprintf (stderr, "usage: see the header of tests/bench/bench_alerter.c\n");
            return 2;
        }
    }
    if (!brokers || lat_n < 0 || gap_ms < 0 || total < 0 || batch < 1 || max_inflight < 0) {
        fprintf (stderr, "bench_alerter: --brokers HOST:PORT is required (deploy/kafka/kafka.sh start prints it)\n");
        return 2;
    }
    char tbuf[64], dbuf[64];
    if (!topic) {
        snprintf (tbuf, sizeof tbuf, "bench.alerts.%d", (int) getpid ());
        topic = tbuf;
    }
    if (!store_dir) {
        snprintf (dbuf, sizeof dbuf, "/tmp/vg-bench-alerter-XXXXXX");
        if (!mkdtemp (dbuf)) {
            perror ("mkdtemp");
            return 1;
        }
        store_dir = dbuf;
    }
    char err[512];
    vg_store_cfg_t sc = { store_dir, VG_STORE_RW, 7200000, sync, 0 };
    vg_store_t *s = vg_store_open (&sc, err, sizeof err);
    if (!s) {
        fprintf (stderr, "bench_alerter: %s\n", err);
        return 1;
    }
    s_acc_t acc = { 0 };
    acc.cap = (size_t) lat_n;
    acc.lat_ms = calloc (acc.cap ? acc.cap : 1, sizeof *acc.lat_ms);
    vg_alerter_cfg_t ac = { .brokers = brokers,
                            .topic = topic,
                            .format = VG_OUTBOX_JSON,
                            .max_inflight = (size_t) max_inflight, /* 0: the collector's default */
                            .flush_ms = 10000,
                            .ocsf = { .product_version = "0.1.0", .collector_id = "bench", .store_path = store_dir },
                            .on_delivery = s_on_dr,
                            .ctx = &acc };
    vg_alerter_t *al = vg_alerter_new (&ac, s, err, sizeof err);
    if (!al || !acc.lat_ms) {
        fprintf (stderr, "bench_alerter: %s\n", al ? "out of memory" : err);
        return 1;
    }
    vg_store_txn_t *txn = vg_store_txn_new (s);
    vg_alert_t a;
    uint64_t seq = 0;
    int rc = 0;

    /* Warm-up: topic auto-creation and the idempotent producer id. */
    s_alert (&a, seq++);
    vg_alerter_stage (al, &a, txn);
    vg_store_commit (s, txn, NULL, 0);
    vg_store_txn_clear (txn);
    vg_alerter_committed (al, true);
    if (vg_alerter_flush (al, 60000) < 0) {
        fprintf (stderr, "bench_alerter: the warm-up alert was not acknowledged within 60 s (broker %s)\n", brokers);
        return 1;
    }
    acc.n = 0;

    /* Latency phase. */
    for (long i = 0; i < lat_n; i++) {
        s_alert (&a, seq++);
        vg_alerter_stage (al, &a, txn);
        if (vg_store_commit (s, txn, err, sizeof err) < 0) {
            fprintf (stderr, "bench_alerter: commit: %s\n", err);
            return 1;
        }
        vg_store_txn_clear (txn);
        vg_alerter_committed (al, true);
        int64_t until = vg_clock_mono_ms () + gap_ms;
        do
            s_serve (al, (int) (until - vg_clock_mono_ms ()) > 0 ? (int) (until - vg_clock_mono_ms ()) : 0);
        while (vg_clock_mono_ms () < until);
    }
    if (vg_alerter_flush (al, 30000) < 0)
        rc = 1;
    size_t nlat = acc.n;
    qsort (acc.lat_ms, nlat, sizeof *acc.lat_ms, s_cmp);
    double sum = 0;
    for (size_t i = 0; i < nlat; i++)
        sum += acc.lat_ms[i];

    /* Throughput phase. */
    uint64_t ok0 = acc.ok;
    acc.cap = 0;
    int64_t t0 = vg_clock_mono_ns ();
    long staged = 0, commits = 0;
    while (staged < total) {
        long n = total - staged < batch ? total - staged : batch;
        for (long i = 0; i < n; i++) {
            s_alert (&a, seq++);
            if (vg_alerter_stage (al, &a, txn) < 0) {
                fprintf (stderr, "bench_alerter: stage failed\n");
                return 1;
            }
        }
        if (vg_store_commit (s, txn, err, sizeof err) < 0) {
            fprintf (stderr, "bench_alerter: commit: %s\n", err);
            return 1;
        }
        vg_store_txn_clear (txn);
        vg_alerter_committed (al, true);
        staged += n;
        commits++;
        vg_alerter_poll (al, 0);
    }
    int64_t t_staged = vg_clock_mono_ns ();
    int64_t deadline = vg_clock_mono_ms () + 120000;
    vg_alerter_stats_t st;
    for (;;) {
        vg_alerter_stats (al, &st);
        if (acc.ok - ok0 >= (uint64_t) total && st.outbox_count == 0)
            break;
        if (vg_clock_mono_ms () > deadline) {
            rc = 1;
            break;
        }
        s_serve (al, 10);
    }
    int64_t t1 = vg_clock_mono_ns ();
    vg_alerter_stats (al, &st);
    double secs = (t1 - t0) / 1e9;
    printf ("{\"bench\":\"alerter\",\"brokers\":\"%s\",\"topic\":\"%s\",\"store_sync\":%s,"
            "\"latency\":{\"alerts\":%zu,\"gap_ms\":%ld,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
            "\"max_ms\":%.3f,\"mean_ms\":%.3f},"
            "\"throughput\":{\"alerts\":%ld,\"batch\":%ld,\"commits\":%ld,\"seconds\":%.3f,"
            "\"stage_seconds\":%.3f,\"alerts_per_s\":%.0f,\"acknowledged\":%llu},"
            "\"totals\":{\"delivered\":%llu,\"delivery_errors\":%llu,\"queue_full\":%llu,\"resent\":%llu,"
            "\"outbox_left\":%llu,\"payload_bytes\":%zu},\"ok\":%s}\n",
            brokers, topic, sync ? "true" : "false", nlat, gap_ms, s_pct (acc.lat_ms, nlat, 0.5),
            s_pct (acc.lat_ms, nlat, 0.9), s_pct (acc.lat_ms, nlat, 0.99), nlat ? acc.lat_ms[nlat - 1] : NAN,
            nlat ? sum / (double) nlat : NAN, total, batch, commits, secs, (t_staged - t0) / 1e9,
            secs > 0 ? (double) (acc.ok - ok0) / secs : 0.0, (unsigned long long) (acc.ok - ok0),
            (unsigned long long) st.delivered, (unsigned long long) st.delivery_errors,
            (unsigned long long) st.queue_full, (unsigned long long) st.resent, (unsigned long long) st.outbox_count,
            vg_ocsf_render (&a, &ac.ocsf, NULL, 0), rc == 0 && st.outbox_count == 0 && acc.ok - ok0 == (uint64_t) total ? "true" : "false");
    vg_store_txn_destroy (&txn);
    vg_alerter_destroy (&al);
    vg_store_destroy (&s);
    free (acc.lat_ms);
    if (store_dir == dbuf) {
        char cmd[128];
        snprintf (cmd, sizeof cmd, "rm -rf '%s'", dbuf);
        if (system (cmd) != 0)
            fprintf (stderr, "bench_alerter: could not remove %s\n", dbuf);
    }
    return rc;
}
