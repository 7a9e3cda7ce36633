/* bench_decode.c - decode + normalise throughput per vendor format on the real captures.
 *
 * One core, a sink that only counts.  Each format is looped for at least a second.
 * Prints one JSON object: {format: {messages, samples, seconds, messages_per_s,
 * samples_per_s}}.  Usage: bench_decode [samples-dir] (default $VG_SAMPLES_DIR, then
 * ../shared/samples). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/gnmi.h"
#include "decode/huawei_gpb.h"
#include "decode/jti.h"
#include "decode/mdt.h"
#include "tests/decode/pcap_util.c" /* test-only capture/file helpers */

typedef struct {
    uint64_t samples, devices, events;
} s_count_t;

static int s_dev (void *c, const vg_device_t *d) { ((s_count_t *) c)->devices++; (void) d; return 0; }
static int s_smp (void *c, const vg_point_t *p) { ((s_count_t *) c)->samples++; (void) p; return 0; }
static int s_evt (void *c, const vg_event_t *e) { ((s_count_t *) c)->events++; (void) e; return 0; }

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

typedef struct {
    const uint8_t *p[1024];
    size_t len[1024];
    int n;
} s_set_t;

typedef enum { F_JTI, F_KVGPB, F_GNMI, F_MDT_JSON, F_HUAWEI } s_fmt_t;

static void
s_run (const char *name, s_fmt_t fmt, const s_set_t *set, int *first)
{
    s_count_t c = { 0 };
    vg_sink_t sink = { &c, s_dev, s_smp, s_evt };
    vg_decode_stats_t st = { 0 };
    vg_jti_state_t *js = vg_jti_state_new ();
    double t0 = s_now (), t = 0;
    int loops = 0;
    do {
        for (int i = 0; i < set->n; i++) {
            switch (fmt) {
            case F_JTI:
                vg_jti_decode (set->p[i], set->len[i], NULL, &sink, js, &st);
                break;
            case F_KVGPB:
                vg_mdt_decode_payload (set->p[i], set->len[i], VG_MDT_ENCAP_GPB_KV, NULL, &sink, &st);
                break;
            case F_GNMI:
                vg_gnmi_decode_delimited (set->p[i], set->len[i], NULL, &sink, &st);
                break;
            case F_MDT_JSON: {
                vg_mdt_stream_t *s = vg_mdt_stream_new ();
                vg_mdt_stream_feed (s, set->p[i], set->len[i], NULL, &sink, &st);
                vg_mdt_stream_destroy (&s);
                break;
            }
            case F_HUAWEI:
                vg_huawei_gpb_decode (set->p[i], set->len[i], NULL, &sink, &st);
                break;
            }
        }
        loops++;
        t = s_now () - t0;
    } while (t < 1.0);
    vg_jti_state_destroy (&js);
    printf ("%s\n  \"%s\": {\"messages\": %llu, \"samples\": %llu, \"errors\": %llu, \"seconds\": %.3f, "
            "\"messages_per_s\": %.0f, \"samples_per_s\": %.0f}",
            *first ? "" : ",", name, (unsigned long long) st.messages, (unsigned long long) st.samples,
            (unsigned long long) st.errors, t, (double) st.messages / t, (double) st.samples / t);
    *first = 0;
}

static void
s_add (s_set_t *s, const uint8_t *p, size_t len)
{
    if (s->n < 1024) {
        s->p[s->n] = p;
        s->len[s->n++] = len;
    }
}

int
main (int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : getenv ("VG_SAMPLES_DIR");
    if (!dir)
        dir = "../shared/samples";
    char fn[1024];
    int first = 1;
    printf ("{");

    static const char *const jti[] = { "jnpr-fluent-jti_15.1F4_ifd_ae_40000.pcap", "jnpr-fluent-jti_16.1_ifl_ae_40000.pcap",
                                       "jnpr-fluent-jti_ifd_msec_40000.pcap", "jnpr-fluent-test_jti_structured_ifd_01.pcap" };
    s_set_t set = { .n = 0 };
    tu_blob_t *pk[4];
    int npk[4];
    for (int i = 0; i < 4; i++) {
        snprintf (fn, sizeof fn, "%s/juniper/%s", dir, jti[i]);
        npk[i] = tu_pcap_udp (fn, &pk[i]);
        for (int k = 0; k < npk[i]; k++)
            s_add (&set, pk[i][k].data, pk[i][k].len);
    }
    if (set.n == 0) {
        fprintf (stderr, "bench_decode: no samples under %s\n", dir);
        return 1;
    }
    s_run ("jti", F_JTI, &set, &first);

    tu_blob_t kv;
    snprintf (fn, sizeof fn, "%s/cisco/jtimon-iosxr-kvgpb-wdsysmon.testbytes", dir);
    if (tu_read_file (fn, &kv) == 0) {
        set.n = 0;
        for (size_t o = 0; o + 61314 <= kv.len; o += 61314)
            s_add (&set, kv.data + o, 61314);
        s_run ("mdt_kvgpb", F_KVGPB, &set, &first);
    }

    static const char *const gn[] = { "12931_nokia-srlinux_interfaces", "13052_juniper-mx_components-memory",
                                      "14833_cisco-iosxe_jsonietfval", "16515_juniper-junos-native_qmon-keyless-elems",
                                      "17154_juniper-native_optics-floatval", "17412_huawei-vrp_jsonval-delete" };
    tu_blob_t gb[6];
    set.n = 0;
    for (int i = 0; i < 6; i++) {
        snprintf (fn, sizeof fn, "%s/gnmi/derived-binary/telegraf-gnmi_issue_%s.SubscribeResponse.pbdelim", dir, gn[i]);
        if (tu_read_file (fn, &gb[i]) == 0)
            s_add (&set, gb[i].data, gb[i].len);
    }
    s_run ("gnmi", F_GNMI, &set, &first);

    tu_blob_t tcp;
    int nseg;
    snprintf (fn, sizeof fn, "%s/cisco/pmacct-801-cisco-xr-tcp-dialout-json.pcap", dir);
    if (tu_pcap_tcp_stream (fn, &tcp, &nseg) == 0) {
        set.n = 0;
        s_add (&set, tcp.data, tcp.len);
        s_run ("mdt_tcp_json", F_MDT_JSON, &set, &first);
    }

    tu_blob_t hb;
    snprintf (fn, sizeof fn, "%s/huawei/pmacct-v3-huawei-grpc-gpb-raw_dump.b64", dir);
    if (tu_read_file (fn, &hb) == 0) {
        set.n = 0;
        uint8_t *dec = malloc (hb.len);
        size_t o = 0;
        char *save = NULL;
        for (char *l = strtok_r ((char *) hb.data, "\n", &save); l; l = strtok_r (NULL, "\n", &save)) {
            size_t n = tu_b64 (l, strlen (l), dec + o);
            s_add (&set, dec + o, n);
            o += n;
        }
        s_run ("huawei_gpb", F_HUAWEI, &set, &first);
        free (dec);
    }
    printf ("\n}\n");
    return 0;
}
