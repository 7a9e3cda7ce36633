/* check_mdt.c - Cisco MDT: TCP dial-out framing (real IOS XR capture, any read split),
 * JSON and kvGPB payloads, heartbeats, header validation and hostile payloads. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "decode/mdt.h"
#include "tests/decode/pcap_util.h"
#include "tests/decode/truncations.h"
#include "tests/support/suite.h"
#include "tests/decode/pcap_util.c" /* test helper, compiled into this suite */

#define CDIR VG_SAMPLES_DIR "/cisco/"

static int
s_count_frames (const tu_blob_t *b)
{
    /* Independent walk of the 12-byte headers. */
    size_t o = 0;
    int n = 0;
    while (o + 12 <= b->len) {
        uint32_t l = (uint32_t) b->data[o + 8] << 24 | (uint32_t) b->data[o + 9] << 16 |
                     (uint32_t) b->data[o + 10] << 8 | b->data[o + 11];
        o += 12 + l;
        n++;
    }
    return o == b->len ? n : -1;
}

static size_t
s_feed_chunks (const tu_blob_t *b, size_t maxchunk, unsigned seed, vg_decode_stats_t *st, tu_rec_t *rec)
{
    vg_mdt_stream_t *s = vg_mdt_stream_new ();
    ck_assert_ptr_nonnull (s);
    vg_sink_t sink = tu_rec_sink (rec);
    srand (seed);
    size_t o = 0;
    while (o < b->len) {
        size_t n = maxchunk == 1 ? 1 : (size_t) (rand () % (int) maxchunk) + 1;
        if (n > b->len - o)
            n = b->len - o;
        ck_assert_int_eq (vg_mdt_stream_feed (s, b->data + o, n, NULL, &sink, st), 0);
        o += n;
    }
    size_t pending = vg_mdt_stream_pending (s);
    vg_mdt_stream_destroy (&s);
    ck_assert_ptr_null (s);
    return pending;
}

/* tu_truncations' decoder: one kvGPB payload into the sink arg. */
static int
s_decode_kv (void *sink, const uint8_t *p, size_t len, vg_decode_stats_t *st)
{
    return vg_mdt_decode_payload (p, len, VG_MDT_ENCAP_GPB_KV, NULL, sink, st);
}

/* Order samples by (device, path, labels, time). */
static int
s_identity_cmp (const void *a, const void *b)
{
    const tu_sample_t *x = a, *y = b;
    int c = strcmp (x->device, y->device);
    if (!c)
        c = strcmp (x->path, y->path);
    if (!c)
        c = strcmp (x->labels, y->labels);
    if (!c)
        c = (x->ts_ms > y->ts_ms) - (x->ts_ms < y->ts_ms);
    return c;
}

/* Samples of rec that share (device, path, labels, time) with the one before them. */
static size_t
s_same_identity (const tu_rec_t *rec)
{
    tu_sample_t *copy = malloc (rec->n * sizeof *copy);
    ck_assert_ptr_nonnull (copy);
    memcpy (copy, rec->s, rec->n * sizeof *copy);
    qsort (copy, rec->n, sizeof *copy, s_identity_cmp);
    size_t same = 0;
    for (size_t i = 1; i < rec->n; i++)
        same += s_identity_cmp (&copy[i], &copy[i - 1]) == 0;
    free (copy);
    return same;
}

START_TEST (mdt_tcp_capture)
{
    tu_blob_t b;
    int nseg;
    ck_assert_int_eq (tu_pcap_tcp_stream (CDIR "pmacct-801-cisco-xr-tcp-dialout-json.pcap", &b, &nseg), 0);
    int frames = s_count_frames (&b);
    ck_assert_int_eq (frames, 44);
    /* One big read. */
    tu_rec_t rec;
    tu_rec_init (&rec, 1);
    vg_decode_stats_t st = { 0 };
    ck_assert_uint_eq (s_feed_chunks (&b, b.len, 1, &st, &rec), 0);
    ck_assert_uint_eq (st.errors, 0);
    ck_assert_uint_eq (st.messages, (uint64_t) frames);
    ck_assert_uint_eq (st.samples, rec.n);
    ck_assert_uint_gt (rec.n, 1000);
    ck_assert_str_eq (rec.last_device, "ipf-zbl1327-r-daisy-90");
    ck_assert_str_eq (rec.last_vendor, "Cisco");
    /* Values checked against the JSON text of the capture. */
    const tu_sample_t *s = tu_rec_find (&rec, "/components/component/state/memory/available", "node-name=0/RP0/CPU0");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 22180818944.0);
    ck_assert_str_eq (s->origin, "Cisco-IOS-XR-nto-misc-oper:memory-summary/nodes/node/summary/free-physical-memory");
    ck_assert_int_eq (s->ts_ms, 1728034886602LL);
    s = tu_rec_find (&rec, "/components/component/cpu/utilization/state/avg", "node-name=0/0/CPU0");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 2.0);
    s = tu_rec_find (&rec, "/interfaces/interface/subinterfaces/subinterface/state/counters/carrier-transitions",
                     "index=12,name=TenGigE0/0/0/16");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 3.0);
    ck_assert_int_eq (s->kind, VG_KIND_COUNTER);
    s = tu_rec_find (&rec, "/interfaces/interface/subinterfaces/subinterface/state/oper-status",
                     "index=12,name=TenGigE0/0/0/16");
    ck_assert_ptr_nonnull (s);
    ck_assert_str_eq (s->state, "UP");
    s = tu_rec_find (&rec, "Cisco-IOS-XR-asr9k-np-oper:hardware-module-np/nodes/node/nps/np/counters/np-counter/counter-value",
                     "counter-index=97,counter-name=Pkt trace to fabric,node-name=0/0/CPU0,np-name=np0");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 1016.0);
    /* A keyless list (lpts static-info: "stream-name" is shared by several entries) is told
     * apart by position, so no two samples are one series at one time (879 were, and the
     * store keeps the first of those). */
    s = tu_rec_find (&rec, "Cisco-IOS-XR-asr9k-lpts-oper:platform-lptsp-ifib-static/node-statics/node-static/police/static-info/flow-rate",
                     "node-name=0/0/CPU0,static-info=1,stream-name=NETIO_HI");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 1000.0);
    ck_assert_uint_eq (s_same_identity (&rec), 0);
    size_t total = rec.n;
    tu_rec_free (&rec);

    /* Random splits and byte-at-a-time give the same result. */
    for (unsigned seed = 1; seed <= 3; seed++) {
        tu_rec_init (&rec, 0);
        memset (&st, 0, sizeof st);
        ck_assert_uint_eq (s_feed_chunks (&b, seed == 3 ? 1 : 3000 * seed, seed, &st, &rec), 0);
        ck_assert_uint_eq (st.errors, 0);
        ck_assert_uint_eq (st.messages, 44);
        ck_assert_uint_eq (rec.n, total);
        tu_rec_free (&rec);
    }
    /* A stream cut mid-frame keeps the partial frame pending. */
    tu_rec_init (&rec, 0);
    memset (&st, 0, sizeof st);
    tu_blob_t cut = { b.data, b.len - 100 };
    ck_assert_uint_gt (s_feed_chunks (&cut, 5000, 9, &st, &rec), 0);
    ck_assert_uint_eq (st.messages, 43);
    tu_rec_free (&rec);
    tu_blob_free (&b);
}
END_TEST

START_TEST (mdt_kvgpb_testbytes)
{
    tu_blob_t b, meta;
    ck_assert_int_eq (tu_read_file (CDIR "jtimon-iosxr-kvgpb-wdsysmon.testbytes", &b), 0);
    ck_assert_int_eq (tu_read_file (CDIR "jtimon-iosxr-kvgpb-wdsysmon.testmeta", &meta), 0);
    tu_rec_t rec;
    vg_sink_t sink = tu_rec_init (&rec, 1);
    vg_decode_stats_t st = { 0 };
    size_t off = 0;
    int nmsg = 0;
    for (char *t = strtok ((char *) meta.data, ":\n"); t; t = strtok (NULL, ":\n")) {
        size_t n = (size_t) atol (t);
        ck_assert_uint_le (off + n, b.len);
        ck_assert_int_eq (vg_mdt_decode_payload (b.data + off, n, VG_MDT_ENCAP_GPB_KV, NULL, &sink, &st), 0);
        off += n;
        nmsg++;
    }
    ck_assert_uint_eq (off, b.len);
    ck_assert_int_eq (nmsg, 3);
    ck_assert_uint_eq (st.messages, 3);
    ck_assert_uint_eq (st.errors, 0);
    ck_assert_str_eq (rec.last_device, "ios");
    const tu_sample_t *s = tu_rec_find (&rec, "/components/component/cpu/utilization/state/avg", "node-name=0/0/CPU0");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 29.0);
    ck_assert_int_eq (s->ts_ms, 1545449859340LL);
    s = tu_rec_find (&rec,
                     "Cisco-IOS-XR-wdsysmon-fd-oper:system-monitoring/cpu-utilization/process-cpu/process-cpu-one-minute",
                     "node-name=0/RP0/CPU0,process-id=1547,process-name=bash");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 0.0);
    s = tu_rec_find (&rec, "Cisco-IOS-XR-wdsysmon-fd-oper:system-monitoring/cpu-utilization/total-cpu-five-minute",
                     "node-name=0/0/CPU0");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 29.0);
    /* Auto-detection picks GPB for binary payloads. */
    memset (&st, 0, sizeof st);
    ck_assert_int_eq (vg_mdt_decode_payload (b.data, 61314, VG_MDT_ENCAP_AUTO, NULL, &sink, &st), 0);
    /* Truncations: never a crash, always a counted error or a clean decode. */
    tu_rec_t cnt;
    vg_sink_t cs = tu_rec_init (&cnt, 0);
    int tries;
    int fails = tu_truncations (s_decode_kv, &cs, b.data, 61314, 11, &tries);
    ck_assert_int_gt (fails, tries * 9 / 10);
    tu_rec_free (&cnt);
    tu_rec_free (&rec);
    tu_blob_free (&b);
    tu_blob_free (&meta);
}
END_TEST

static void
s_hdr (uint8_t *h, int type, int encap, int ver, int flags, uint32_t len)
{
    h[0] = 0;
    h[1] = (uint8_t) type;
    h[2] = 0;
    h[3] = (uint8_t) encap;
    h[4] = 0;
    h[5] = (uint8_t) ver;
    h[6] = 0;
    h[7] = (uint8_t) flags;
    h[8] = (uint8_t) (len >> 24);
    h[9] = (uint8_t) (len >> 16);
    h[10] = (uint8_t) (len >> 8);
    h[11] = (uint8_t) len;
}

START_TEST (mdt_framing_rules)
{
    tu_rec_t rec;
    vg_sink_t sink = tu_rec_init (&rec, 1);
    vg_decode_stats_t st = { 0 };
    const char *js = "{\"node_id_str\":\"r9\",\"encoding_path\":\"Cisco-IOS-XR-infra-statsd-oper:infra-statistics/"
                     "interfaces/interface/latest/generic-counters\",\"msg_timestamp\":\"1700000000000\","
                     "\"data_json\":[{\"timestamp\":\"1700000000001\",\"keys\":{\"interface-name\":\"Hu0/0/0/1\"},"
                     "\"content\":{\"bytes-received\":\"18446744073709551615\",\"packets-sent\":7}}]}";
    uint8_t buf[1024];
    size_t jl = strlen (js);
    /* heartbeat + data frame in one read */
    s_hdr (buf, 2, 1, 1, 0, 0);
    s_hdr (buf + 12, 1, 2, 1, 0, (uint32_t) jl);
    memcpy (buf + 24, js, jl);
    vg_mdt_stream_t *s = vg_mdt_stream_new ();
    ck_assert_int_eq (vg_mdt_stream_feed (s, buf, 24 + jl, NULL, &sink, &st), 0);
    ck_assert_uint_eq (st.messages, 2);
    ck_assert_uint_eq (rec.n, 2);
    const tu_sample_t *x = tu_rec_find (&rec, "/interfaces/interface/state/counters/in-octets", "name=Hu0/0/0/1");
    ck_assert_ptr_nonnull (x);
    ck_assert (x->value > 1.8e19);
    ck_assert_int_eq (x->ts_ms, 1700000000001LL);
    ck_assert_str_eq (x->unit, "By");
    /* UDP datagram with the same frame; wrong length is an error. */
    ck_assert_int_eq (vg_mdt_decode_datagram (buf + 12, 12 + jl, NULL, &sink, &st), 0);
    ck_assert_int_eq (vg_mdt_decode_datagram (buf + 12, 11 + jl, NULL, &sink, &st), -VG_ETRUNC);
    ck_assert_int_eq (vg_mdt_decode_datagram (buf, 5, NULL, &sink, &st), -VG_ETRUNC);
    /* A payload error (bad JSON) is counted; the stream goes on. */
    s_hdr (buf, 1, 2, 1, 0, 5);
    memcpy (buf + 12, "{bad}", 5);
    uint64_t e0 = st.errors;
    ck_assert_int_eq (vg_mdt_stream_feed (s, buf, 17, NULL, &sink, &st), 0);
    ck_assert_uint_eq (st.errors, e0 + 1);
    /* Header violations desynchronise the stream for good. */
    const struct {
        int type, encap, ver, flags;
        uint32_t len;
        int rc;
    } bad[] = { { 3, 1, 1, 0, 10, -VG_EPROTO }, { 1, 5, 1, 0, 10, -VG_EPROTO }, { 1, 1, 2, 0, 10, -VG_EPROTO },
                { 1, 1, 1, 1, 10, -VG_EUNSUPP }, { 1, 1, 1, 0, VG_MDT_MAX_PAYLOAD + 1, -VG_ETOOBIG } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vg_mdt_stream_t *t = vg_mdt_stream_new ();
        s_hdr (buf, bad[i].type, bad[i].encap, bad[i].ver, bad[i].flags, bad[i].len);
        /* split header: 5 + 7 bytes */
        ck_assert_int_eq (vg_mdt_stream_feed (t, buf, 5, NULL, &sink, &st), 0);
        ck_assert_int_eq (vg_mdt_stream_feed (t, buf + 5, 7, NULL, &sink, &st), bad[i].rc);
        ck_assert_int_eq (vg_mdt_stream_feed (t, buf, 12, NULL, &sink, &st), -VG_EPROTO);
        vg_mdt_stream_destroy (&t);
    }
    /* Exactly 1 MiB is accepted (and buffered). */
    s_hdr (buf, 1, 2, 1, 0, VG_MDT_MAX_PAYLOAD);
    ck_assert_int_eq (vg_mdt_stream_feed (s, buf, 12, NULL, &sink, &st), 0);
    ck_assert_uint_eq (vg_mdt_stream_pending (s), 12);
    vg_mdt_stream_destroy (&s);
    vg_mdt_stream_destroy (&s);
    /* Compact GPB rows are counted, not decoded: Telemetry{6:"p", 12:{1:{11:"x"},1:{}}} */
    const uint8_t compact[] = { 0x32, 1, 'p', 0x62, 7, 0x0a, 3, 0x5a, 1, 'x', 0x0a, 0 };
    memset (&st, 0, sizeof st);
    ck_assert_int_eq (vg_mdt_decode_payload (compact, sizeof compact, VG_MDT_ENCAP_GPB, NULL, &sink, &st), 0);
    ck_assert_uint_eq (st.undecoded, 2);
    ck_assert_uint_eq (st.messages, 1);
    tu_rec_free (&rec);
}
END_TEST

START_TEST (mdt_random_payloads)
{
    tu_rec_t rec;
    vg_sink_t sink = tu_rec_init (&rec, 0);
    srand (5);
    for (int it = 0; it < 20000; it++) {
        size_t len = (size_t) (rand () % 300) + 1;
        uint8_t *cp = malloc (len);
        for (size_t k = 0; k < len; k++)
            cp[k] = (uint8_t) rand ();
        if (it % 3 == 0)
            cp[0] = '{';
        vg_decode_stats_t st = { 0 };
        int rc = vg_mdt_decode_payload (cp, len, VG_MDT_ENCAP_AUTO, NULL, &sink, &st);
        ck_assert (rc <= 0);
        ck_assert_uint_eq (st.errors + st.messages, 1);
        /* and as a stream: must never crash, errors counted */
        vg_mdt_stream_t *s = vg_mdt_stream_new ();
        vg_mdt_stream_feed (s, cp, len, NULL, &sink, &st);
        vg_mdt_stream_destroy (&s);
        free (cp);
    }
    tu_rec_free (&rec);
}
END_TEST

/* Fuzzer finding (crash-4e0b8639...): a JSON msg_timestamp of 1.7e20 overflowed the
 * double -> int64 conversion (UBSan).  Replayed exactly as fuzz_mdt does. */
START_TEST (mdt_fuzz_regressions)
{
    static const uint8_t crash1[] = {
        0x40, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x22, 0x7b, 0x22, 0x6e,
        0x6f, 0x64, 0x65, 0x5f, 0x69, 0x64, 0x5f, 0x73, 0x74, 0x72, 0x22, 0x3a, 0x22, 0x69, 0x70, 0x66,
        0x2d, 0x7a, 0x62, 0x6c, 0x31, 0x33, 0x32, 0x37, 0x2d, 0x72, 0x2d, 0x64, 0x61, 0x69, 0x73, 0x79,
        0x2d, 0x39, 0x30, 0x22, 0x2c, 0x22, 0x73, 0x75, 0x62, 0x73, 0x63, 0x72, 0x69, 0x70, 0x74, 0x69,
        0x6f, 0x6e, 0x5f, 0x69, 0x64, 0x5f, 0x73, 0x74, 0x72, 0x22, 0x3a, 0x22, 0x74, 0x61, 0x61, 0x72,
        0x6f, 0x6c, 0x65, 0x38, 0x22, 0x2c, 0x22, 0x65, 0x6e, 0x63, 0x6f, 0x64, 0x69, 0x6e, 0x67, 0x5f,
        0x70, 0x61, 0x74, 0x68, 0x22, 0x3a, 0x22, 0x43, 0x69, 0x73, 0x63, 0x6f, 0x2d, 0x49, 0x63, 0x6f,
        0x2d, 0x49, 0x4f, 0x53, 0x2d, 0x58, 0x52, 0x2d, 0x77, 0x64, 0x73, 0x79, 0x73, 0x66, 0x64, 0x2d,
        0x6f, 0x70, 0x65, 0x72, 0x3a, 0x73, 0x79, 0x73, 0x74, 0x65, 0x6d, 0x2d, 0x6d, 0x6f, 0x6e, 0x63,
        0x74, 0x6f, 0x72, 0x69, 0x6e, 0x67, 0x2f, 0x63, 0x70, 0x75, 0x2d, 0x75, 0x74, 0x69, 0x6c, 0x69,
        0x7a, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x22, 0x2c, 0x22, 0x63, 0x6f, 0x6c, 0x6c, 0x65, 0x63, 0x74,
        0x69, 0x6f, 0x6e, 0x5f, 0x69, 0x64, 0x22, 0x3a, 0x22, 0x39, 0x31, 0x35, 0x34, 0x33, 0x36, 0x22,
        0x2c, 0x22, 0x63, 0x6f, 0x6c, 0x6c, 0x65, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x5f, 0x73, 0x74, 0x61,
        0x72, 0x74, 0x5f, 0x74, 0x69, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0x31, 0x37, 0x32, 0x38, 0x30, 0x33,
        0x34, 0x38, 0x38, 0x35, 0x35, 0x30, 0x39, 0x22, 0x2c, 0x22, 0x6d, 0x73, 0x67, 0x5f, 0x74, 0x69,
        0x6d, 0x65, 0x73, 0x74, 0x61, 0x6d, 0x70, 0x22, 0x3a, 0x22, 0x31, 0x37, 0x32, 0x38, 0x30, 0x33,
        0x34, 0x38, 0x38, 0x36, 0x35, 0x38, 0x30, 0x33, 0x34, 0x38, 0x38, 0x36, 0x35, 0x39, 0x36, 0x22,
        0x2c, 0x22, 0x63, 0x6f, 0x6c, 0x6c, 0x65, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x5f, 0x65, 0x6e, 0x64,
        0x5f, 0x74, 0x69, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0x31, 0x37, 0x32, 0x38, 0x36, 0x22, 0x7d,
    };
    tu_rec_t rec;
    vg_sink_t sink = tu_rec_init (&rec, 1);
    vg_decode_stats_t st = { 0 };
    vg_mdt_decode_payload (crash1, sizeof crash1, VG_MDT_ENCAP_AUTO, NULL, &sink, &st);
    vg_mdt_decode_datagram (crash1, sizeof crash1, NULL, &sink, &st);
    vg_mdt_stream_t *s = vg_mdt_stream_new ();
    size_t chunk = (size_t) crash1[0] + 1, off = 1;
    while (off < sizeof crash1) {
        size_t k = sizeof crash1 - off < chunk ? sizeof crash1 - off : chunk;
        if (vg_mdt_stream_feed (s, crash1 + off, k, NULL, &sink, &st) < 0)
            break;
        off += k;
    }
    vg_mdt_stream_destroy (&s);
    /* The frame inside is a valid JSON message without rows: decoded once via the stream. */
    ck_assert_uint_ge (st.messages, 1);
    ck_assert_str_eq (rec.last_device, "ipf-zbl1327-r-daisy-90");
    tu_rec_free (&rec);
}
END_TEST

Suite *
vg_mdt_suite (void)
{
    const TTest *tests[] = {
        mdt_tcp_capture, mdt_kvgpb_testbytes, mdt_framing_rules, mdt_random_payloads, mdt_fuzz_regressions,
    };
    return vg_test_suite ("mdt", "mdt", tests, sizeof tests / sizeof tests[0], 180, NULL, NULL);
}
