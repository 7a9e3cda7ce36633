/* bench_fleet_gen.c - fill a fleet topic with vigil.FleetBatch messages of PM counter pairs
 * (RRC.ConnEstabAtt / RRC.ConnEstabSucc per cell), the way site collectors publish them: one
 * message per site and time window, keyed "site/<s>", series chunks as agents encode them.
 * For tests/bench/bench_fleet.py (docs/SCALING.md).  Prints one JSON object.
 *
 * usage: bench_fleet_gen BROKERS TOPIC PARTITIONS MESSAGES SERIES_PER_MSG SAMPLES_PER_SERIES SITES
 * BROKERS "-": no Kafka; the messages are applied in-process to fleet tasks (one per
 * partition, rules from TOPIC as a rules file path) and the apply cost is printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/fleet_kafka.h"
#include "collector/kafka_conf.h"
#include "collector/fleet_task.h"
#include "common/file_read.h"
#include "common/hash.h"
#include "detectors/rules.h"
#include "common/buf.h"
#include "common/chunk.h"
#include "common/clock.h"
#include "proto/fleet.pb-c.h"

#define T0 1767571200000LL
#define STEP 300000LL
#define DEVS 3

int
main (int argc, char **argv)
{
    if (argc != 8) {
        fprintf (stderr, "usage: bench_fleet_gen BROKERS TOPIC PARTITIONS MESSAGES SERIES_PER_MSG SAMPLES_PER_SERIES SITES\n");
        return 2;
    }
    const char *brokers = argv[1], *topic = argv[2];
    int parts = atoi (argv[3]), sites = atoi (argv[7]);
    long nmsg = atol (argv[4]);
    int nser = atoi (argv[5]) & ~1, nsmp = atoi (argv[6]);
    int cells = nser / 2 / DEVS;
    if (parts < 1 || nmsg < 1 || cells < 1 || nsmp < 1 || nsmp > 4096 || sites < 1) {
        fprintf (stderr, "bad arguments\n");
        return 2;
    }
    nser = cells * DEVS * 2;
    char err[512];
    int local = !strcmp (brokers, "-");
    vg_rules_t *rules = NULL;
    vg_fleet_task_t **tasks = calloc ((size_t) parts, sizeof *tasks);
    int64_t apply_ns = 0;
    if (local) {
        vg_buf_t text = VG_BUF_INIT;
        if (vg_file_read (topic, 4u << 20, &text) < 0 ||
            vg_rules_parse ((const char *) text.data, text.len, topic, &rules, err, sizeof err) < 0) {
            fprintf (stderr, "bench_fleet_gen: rules %s\n", topic);
            return 1;
        }
        vg_buf_free (&text);
        for (int i = 0; i < parts; i++)
            tasks[i] = vg_fleet_task_new (rules, NULL, NULL);
    }
    static const char *const defs[][2] = { { "linger.ms", "20" },  { "compression.type", "lz4" },
                                           { "batch.size", "1000000" }, { "queue.buffering.max.kbytes", "1048576" },
                                           { NULL, NULL } };
    rd_kafka_conf_t *conf = local ? NULL : vg_kafka_conf (defs, brokers, NULL, 0, err, sizeof err);
    rd_kafka_t *rk = vg_kafka_new (RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!local && (!rk || vg_fleet_topic_ensure (rk, topic, parts, 0, 20000, err, sizeof err) < 0)) {
        fprintf (stderr, "bench_fleet_gen: %s\n", err);
        return 1;
    }
    rd_kafka_topic_t *rkt = local ? NULL : rd_kafka_topic_new (rk, topic, NULL);
    /* strings: "", att, succ, "cell", then cell names */
    char **strings = calloc ((size_t) cells + 4, sizeof *strings);
    strings[0] = "";
    strings[1] = "RRC.ConnEstabAtt";
    strings[2] = "RRC.ConnEstabSucc";
    strings[3] = "cell";
    for (int c = 0; c < cells; c++) {
        strings[4 + c] = malloc (16);
        snprintf (strings[4 + c], 16, "%d", c + 1);
    }
    Vigil__Series *se = calloc ((size_t) nser, sizeof *se), **pse = calloc ((size_t) nser, sizeof *pse);
    uint32_t *labels = calloc ((size_t) nser * 2, sizeof *labels);
    vg_buf_t *chunks = calloc ((size_t) nser, sizeof *chunks);
    int64_t *ts = calloc ((size_t) nsmp, sizeof *ts);
    double *v = calloc ((size_t) nsmp, sizeof *v);
    Vigil__Device dv[DEVS], *pdv[DEVS];
    char ids[DEVS][64], site[32], key[48];
    static const char *const vendors[DEVS] = { "Ericsson", "Nokia", "Samsung" };
    vg_buf_t out = VG_BUF_INIT;
    uint64_t bytes = 0, samples = 0;
    int64_t t_start = vg_clock_mono_ms ();
    for (long m = 0; m < nmsg; m++) {
        int s = (int) (m % sites);
        long w = m / sites;
        snprintf (site, sizeof site, "s%03d", s);
        for (int d = 0; d < DEVS; d++) {
            vigil__device__init (&dv[d]);
            snprintf (ids[d], sizeof ids[d], "%s/gnb-%d", site, d);
            dv[d].id = ids[d];
            dv[d].vendor = (char *) vendors[d];
            dv[d].site = site;
            dv[d].role = "gnb";
            pdv[d] = &dv[d];
        }
        int k = 0;
        for (int d = 0; d < DEVS; d++)
            for (int c = 0; c < cells; c++)
                for (int pair = 0; pair < 2; pair++, k++) {
                    for (int i = 0; i < nsmp; i++) {
                        long n = w * nsmp + i;
                        ts[i] = T0 + n * STEP;
                        v[i] = pair == 0 ? 1000.0 * (double) n : 1000.0 * (double) n - (double) ((n * 7 + c) % 50);
                    }
                    vg_buf_reset (&chunks[k]);
                    vg_chunk_encode (ts, v, (size_t) nsmp, &chunks[k]);
                    Vigil__Series *x = &se[k];
                    vigil__series__init (x);
                    x->device = (uint32_t) d;
                    x->path = (uint32_t) (1 + pair);
                    labels[2 * k] = 3;
                    labels[2 * k + 1] = (uint32_t) (4 + c);
                    x->labels = &labels[2 * k];
                    x->n_labels = 2;
                    x->kind = VIGIL__SERIES_KIND__SERIES_KIND_COUNTER;
                    x->count = (uint32_t) nsmp;
                    x->chunk = (ProtobufCBinaryData) { chunks[k].len, chunks[k].data };
                    pse[k] = x;
                }
        Vigil__Batch b = VIGIL__BATCH__INIT;
        b.agent_id = "bench";
        b.strings = strings;
        b.n_strings = (size_t) cells + 4;
        b.devices = pdv;
        b.n_devices = DEVS;
        b.series = pse;
        b.n_series = (size_t) nser;
        Vigil__FleetBatch fb = VIGIL__FLEET_BATCH__INIT;
        fb.collector_id = "bench";
        fb.batch = &b;
        vg_buf_reset (&out);
        vg_buf_reserve (&out, vigil__fleet_batch__get_packed_size (&fb));
        out.len = vigil__fleet_batch__pack (&fb, out.data);
        int kl = snprintf (key, sizeof key, "site/%s", site);
        if (local) {
            int64_t t0 = vg_clock_mono_ns ();
            vg_fleet_task_apply (tasks[vg_hash64 (key, (size_t) kl, 0) % (uint64_t) parts], out.data, out.len);
            apply_ns += vg_clock_mono_ns () - t0;
            bytes += out.len;
            samples += (uint64_t) nser * (uint64_t) nsmp;
            continue;
        }
        while (rd_kafka_produce (rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, out.data, out.len, key, (size_t) kl,
                                 NULL) < 0)
            rd_kafka_poll (rk, 100); /* queue full: wait for deliveries */
        rd_kafka_poll (rk, 0);
        bytes += out.len;
        samples += (uint64_t) nser * (uint64_t) nsmp;
    }
    if (local) {
        printf ("{\"messages\": %ld, \"samples\": %llu, \"apply_ns_per_sample\": %.1f, \"apply_samples_per_s\": %.0f}\n",
                nmsg, (unsigned long long) samples, (double) apply_ns / (double) samples,
                (double) samples * 1e9 / (double) apply_ns);
        for (int i = 0; i < parts; i++)
            vg_fleet_task_destroy (&tasks[i]);
        vg_rules_destroy (&rules);
        return 0;
    }
    rd_kafka_flush (rk, 120000);
    printf ("{\"messages\": %ld, \"series_per_message\": %d, \"samples_per_series\": %d, \"samples\": %llu, "
            "\"bytes\": %llu, \"bytes_per_sample\": %.2f, \"seconds\": %.1f}\n",
            nmsg, nser, nsmp, (unsigned long long) samples, (unsigned long long) bytes,
            (double) bytes / (double) samples, (double) (vg_clock_mono_ms () - t_start) / 1000.0);
    rd_kafka_topic_destroy (rkt);
    rd_kafka_destroy (rk);
    return 0;
}
