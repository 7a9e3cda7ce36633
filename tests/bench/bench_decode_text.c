/* bench_decode_text.c - decode+normalise throughput of the text decoders on the real samples:
 * UDP-notif (YANG-push JSON, incl. reassembly), 3GPP PM XML and VES JSON; one core, a
 * counting sink.  Prints one JSON object.  Usage: bench_decode_text [seconds-per-input]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "decode/pcap_replay.h"
#include "decode/pm3gpp.h"
#include "decode/udp_notif.h"
#include "decode/ves.h"

#ifndef VG_SAMPLES_DIR
#define VG_SAMPLES_DIR "../shared/samples"
#endif

static int b_dev (void *c, const vg_device_t *d) { (void) c; (void) d; return 0; }
static int b_smp (void *c, const vg_point_t *p) { (*(uint64_t *) c) += p->path[0] != 0; return 0; }
static int b_evt (void *c, const vg_event_t *e) { (void) c; (void) e; return 0; }

typedef struct {
    vg_buf_t data;
    size_t off[1024], len[1024];
    size_t n;
} dgrams_t;

static int
on_udp (void *arg, const vg_pcap_pkt_t *pk, const uint8_t *d, size_t n)
{
    dgrams_t *g = arg;
    (void) pk;
    if (g->n < 1024) {
        g->off[g->n] = g->data.len;
        g->len[g->n] = n;
        g->n++;
        vg_buf_append (&g->data, d, n);
    }
    return 0;
}

static uint8_t *
s_read (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return NULL;
    fseek (f, 0, SEEK_END);
    long n = ftell (f);
    fseek (f, 0, SEEK_SET);
    uint8_t *b = malloc ((size_t) n);
    if (b && fread (b, 1, (size_t) n, f) != (size_t) n) {
        free (b);
        b = NULL;
    }
    fclose (f);
    *len = (size_t) n;
    return b;
}

static void
s_report (const char *name, int first, uint64_t msgs, uint64_t samples, uint64_t bytes, uint64_t errors, int64_t ns)
{
    double s = (double) ns / 1e9;
    printf ("%s    {\"input\": \"%s\", \"seconds\": %.3f, \"messages\": %llu, \"samples\": %llu, \"errors\": %llu, "
            "\"messages_per_s\": %.0f, \"samples_per_s\": %.0f, \"MB_per_s\": %.1f}",
            first ? "" : ",\n", name, s, (unsigned long long) msgs, (unsigned long long) samples,
            (unsigned long long) errors, (double) msgs / s, (double) samples / s, (double) bytes / s / 1e6);
}

int
main (int argc, char **argv)
{
    double secs = argc > 1 ? atof (argv[1]) : 2.0;
    /* Samples: $VG_SAMPLES_DIR, else ../shared/samples relative to the working directory. */
    const char *env = getenv ("VG_SAMPLES_DIR");
    const char *dir = env && *env ? env : VG_SAMPLES_DIR;
    char path[1024];
    int64_t budget = (int64_t) (secs * 1e9);
    uint64_t count = 0;
    vg_sink_t sink = { &count, b_dev, b_smp, b_evt };
    printf ("{\"bench\": \"decode_text\", \"results\": [\n");

    /* UDP-notif: all 544 datagrams of the Huawei capture, replayed from memory. */
    dgrams_t g;
    memset (&g, 0, sizeof g);
    vg_pcap_port_t ports[] = { { 10003, VG_PCAP_PROTO_UDP, on_udp, &g } };
    vg_pcap_cfg_t cfg = { .ports = ports, .nports = 1 };
    vg_pcap_stats_t ps;
    memset (&ps, 0, sizeof ps);
    snprintf (path, sizeof path, "%s/huawei/pmacct-800-huawei-udp-notif-yangpush-json.pcap", dir);
    if (vg_pcap_replay_file (path, &cfg, &ps) != 0) {
        fprintf (stderr, "cannot read the Huawei capture: %s\n", ps.last_error);
        return 1;
    }
    vg_udp_notif_t *un = vg_udp_notif_new (NULL);
    vg_decode_stats_t st;
    memset (&st, 0, sizeof st);
    vg_decode_ctx_t ctx = { "203.0.113.21:60860", 1 };
    uint64_t bytes = 0;
    int64_t t0 = vg_clock_mono_ns (), el;
    do {
        for (size_t i = 0; i < g.n; i++) {
            vg_udp_notif_decode (un, g.data.data + g.off[i], g.len[i], &ctx, &sink, &st);
            bytes += g.len[i];
        }
        el = vg_clock_mono_ns () - t0;
    } while (el < budget);
    s_report ("udp-notif", 1, st.messages, st.samples, bytes, st.errors, el);
    vg_udp_notif_destroy (&un);
    vg_buf_free (&g.data);

    /* 3GPP: the Ericsson RadioNode file. */
    size_t len;
    snprintf (path, sizeof path, "%s/3gpp/oran-sc_ericsson-radionode-nr_A20220418.1900-1915_seliitdus00487.xml", dir);
    uint8_t *x = s_read (path, &len);
    if (!x)
        return 1;
    memset (&st, 0, sizeof st);
    bytes = 0;
    t0 = vg_clock_mono_ns ();
    do {
        vg_pm3gpp_decode (x, len, &ctx, &sink, &st);
        bytes += len;
        el = vg_clock_mono_ns () - t0;
    } while (el < budget);
    s_report ("3gpp", 0, st.messages, st.samples, bytes, st.errors, el);
    free (x);

    /* VES: the three sample bodies in turn. */
    const char *vf[] = { "oran-sc_ves-perf3gpp_pm_report.json", "onap-ves_measurement7x.json",
                         "onap-ves_ves7_batch_valid_fault.json" };
    uint8_t *vb[3];
    size_t vl[3];
    for (int i = 0; i < 3; i++) {
        snprintf (path, sizeof path, "%s/ves/%s", dir, vf[i]);
        vb[i] = s_read (path, &vl[i]);
        if (!vb[i])
            return 1;
    }
    memset (&st, 0, sizeof st);
    bytes = 0;
    t0 = vg_clock_mono_ns ();
    do {
        for (int i = 0; i < 3; i++) {
            vg_ves_decode (vb[i], vl[i], &ctx, &sink, &st);
            bytes += vl[i];
        }
        el = vg_clock_mono_ns () - t0;
    } while (el < budget);
    s_report ("ves", 0, st.messages, st.samples + st.events, bytes, st.errors, el);
    for (int i = 0; i < 3; i++)
        free (vb[i]);
    printf ("\n]}\n");
    return 0;
}
