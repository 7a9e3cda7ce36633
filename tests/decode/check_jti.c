/* check_jti.c - Juniper JTI native UDP: golden captures, OpenConfig mapping, the fluent
 * plugin's expected output, sequence-gap loss and hostile input. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "decode/jti.h"
#include "tests/decode/pcap_util.h"
#include "tests/decode/truncations.h"
#include "tests/decode/pcap_util.c" /* test helper, compiled into this suite */
#include "common/varint.h"
#include "tests/support/suite.h"

#define JDIR VG_SAMPLES_DIR "/juniper/"

static const char *const s_pcaps[] = {
    JDIR "jnpr-fluent-jti_15.1F4_ifd_ae_40000.pcap", JDIR "jnpr-fluent-jti_16.1_ifl_ae_40000.pcap",
    JDIR "jnpr-fluent-jti_ifd_msec_40000.pcap", JDIR "jnpr-fluent-test_jti_structured_ifd_01.pcap",
};

/* What one sample must be: path and labels find it; each checked field is named in `check`
 * (the strings, when not NULL, are always checked). */
enum { W_KIND = 1, W_VALUE = 2, W_TS = 4 };
typedef struct {
    const char *path, *labels;
    unsigned check;
    vg_kind_t kind;
    double value;
    int64_t ts_ms;
    const char *state, *origin, *unit;
} want_t;

#define IF "/interfaces/interface/state/"
#define SUB "/interfaces/interface/subinterfaces/subinterface/state/"

static void
s_expect (const tu_rec_t *rec, const want_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const tu_sample_t *s = tu_rec_find (rec, w[i].path, w[i].labels);
        ck_assert_msg (s != NULL, "missing %s {%s}", w[i].path, w[i].labels);
        if (w[i].check & W_KIND)
            ck_assert_msg (s->kind == w[i].kind, "%s: kind %d", w[i].path, (int) s->kind);
        if (w[i].check & W_VALUE)
            ck_assert_msg (s->value == w[i].value, "%s: %.17g", w[i].path, s->value);
        if (w[i].check & W_TS)
            ck_assert_int_eq (s->ts_ms, w[i].ts_ms);
        if (w[i].state)
            ck_assert_str_eq (s->state, w[i].state);
        if (w[i].origin)
            ck_assert_str_eq (s->origin, w[i].origin);
        if (w[i].unit)
            ck_assert_str_eq (s->unit, w[i].unit);
    }
}

/* Decode bytes (no context, no state) into a new recording; asserts it decodes cleanly. */
static void
s_decode (const uint8_t *b, size_t n, tu_rec_t *rec)
{
    vg_sink_t sink = tu_rec_init (rec, 1);
    vg_decode_stats_t st = { 0 };
    ck_assert_int_eq (vg_jti_decode (b, n, NULL, &sink, NULL, &st), 0);
    ck_assert_uint_eq (st.errors, 0);
}

/* Decode the one UDP payload of a capture into a new recording. */
static void
s_decode_pcap1 (const char *pcap, tu_rec_t *rec)
{
    tu_blob_t *pk;
    int n = tu_pcap_udp (pcap, &pk);
    ck_assert_int_eq (n, 1);
    s_decode (pk[0].data, pk[0].len, rec);
    tu_blobs_free (&pk, n);
}

/* tu_truncations' decoder: one UDP payload into the sink arg. */
static int
s_decode_one (void *sink, const uint8_t *p, size_t len, vg_decode_stats_t *st)
{
    return vg_jti_decode (p, len, NULL, sink, NULL, st);
}

START_TEST (jti_captures_decode_cleanly)
{
    for (size_t i = 0; i < sizeof s_pcaps / sizeof s_pcaps[0]; i++) {
        tu_blob_t *pk;
        int n = tu_pcap_udp (s_pcaps[i], &pk);
        ck_assert_int_gt (n, 0);
        tu_rec_t rec;
        vg_sink_t sink = tu_rec_init (&rec, 1);
        vg_decode_stats_t st = { 0 };
        vg_jti_state_t *state = vg_jti_state_new ();
        for (int k = 0; k < n; k++)
            ck_assert_int_eq (vg_jti_decode (pk[k].data, pk[k].len, NULL, &sink, state, &st), 0);
        ck_assert_uint_eq (st.errors, 0);
        ck_assert_uint_eq (st.messages, (uint64_t) n);
        ck_assert_uint_eq (st.samples, rec.n);
        ck_assert_uint_gt (rec.n, 0);
        ck_assert_str_eq (rec.last_vendor, "Juniper");
        for (size_t k = 0; k < rec.n; k++) {
            ck_assert_str_eq (rec.s[k].input, "jti");
            ck_assert_ptr_nonnull (rec.s[k].origin);
            ck_assert_int_gt (rec.s[k].ts_ms, 1000000000000LL); /* ms, even for 15.1 seconds */
        }
        vg_jti_state_destroy (&state);
        ck_assert_ptr_null (state);
        tu_rec_free (&rec);
        tu_blobs_free (&pk, n);
    }
}
END_TEST

START_TEST (jti_ifd_oc_mapping)
{
    tu_rec_t rec;
    s_decode_pcap1 (s_pcaps[0], &rec);
    /* 15.1F4: system_id "192.0.2.1", timestamp in seconds. */
    ck_assert_str_eq (rec.last_device, "192.0.2.1");
    static const want_t w[] = {
        { .path = IF "counters/in-octets", .labels = "name=ge-0/0/1", .check = W_KIND | W_VALUE | W_TS,
          .kind = VG_KIND_COUNTER, .value = 325884611.0, .ts_ms = 1458634993000LL,
          .origin = "jnpr_interface_ext:/interface_stats/ingress_stats/if_octets" },
        { .path = IF "counters/out-pkts", .labels = "name=ge-0/0/0", .check = W_VALUE, .value = 1095823.0 },
        /* Unmapped leaves stay under the extension with their own kind guess. */
        { .path = "jnpr_interface_ext:/interface_stats/ingress_stats/if_1sec_octets",
          .labels = "name=ge-0/0/0",
          .check = W_KIND | W_VALUE, .kind = VG_KIND_GAUGE, .value = 123.0 },
        { .path = "jnpr_interface_ext:/interface_stats/egress_queue_info/tail_drop_packets",
          .labels = "name=ge-0/0/3,queue=7", .check = W_KIND, .kind = VG_KIND_COUNTER },
    };
    s_expect (&rec, w, sizeof w / sizeof w[0]);
    tu_rec_free (&rec);
}
END_TEST

START_TEST (jti_ifl_state_and_ms)
{
    tu_rec_t rec;
    s_decode_pcap1 (s_pcaps[1], &rec);
    ck_assert_str_eq (rec.last_device, "vmxAccess");
    static const want_t w[] = {
        { .path = SUB "oper-status", .labels = "index=0,name=ge-0/0/2", .check = W_KIND | W_TS,
          .kind = VG_KIND_STATE, .ts_ms = 1478127435985LL, .state = "UP" },
        { .path = SUB "counters/in-octets", .labels = "index=0,name=ge-0/0/4", .check = W_VALUE,
          .value = 6351622.0 },
        { .path = SUB "counters/out-octets", .labels = "index=0,name=ge-0/0/0", .check = W_VALUE,
          .value = 6414784.0 },
        /* init_time (logical_port.proto field 2, epoch seconds: the time the logical
         * interface's counters started) is the subinterface's counters/last-clear, in ms like
         * every time. */
        { .path = SUB "counters/last-clear", .labels = "index=0,name=ge-0/0/1", .check = W_KIND | W_VALUE,
          .kind = VG_KIND_GAUGE, .value = 1478113566000.0,
          .origin = "jnprLogicalInterfaceExt:/interface_info/init_time" },
    };
    s_expect (&rec, w, sizeof w / sizeof w[0]);
    /* 6 logical interfaces x (3 ingress + 2 egress + 1 state + init_time) */
    ck_assert_uint_eq (rec.n, 6 * 7);
    tu_rec_free (&rec);
}
END_TEST

/* The fluent plugin's expected output: every (type, interface, queue) it lists must equal
 * our sample at the same vendor leaf. */
START_TEST (jti_matches_fluent_expected)
{
    tu_rec_t rec;
    s_decode_pcap1 (s_pcaps[3], &rec);
    tu_blob_t exp;
    ck_assert_int_eq (tu_read_file (JDIR "jnpr-fluent-test_jti_structured_ifd_01.expected.json", &exp), 0);
    char *save = NULL;
    int checked = 0, nonzero = 0;
    for (char *line = strtok_r ((char *) exp.data, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
        json_error_t je;
        json_t *j = json_loads (line, 0, &je);
        ck_assert_ptr_nonnull (j);
        const char *type = json_string_value (json_object_get (j, "type"));
        const char *ifn = json_string_value (json_object_get (j, "interface"));
        json_t *q = json_object_get (j, "egress_queue");
        ck_assert_str_eq (json_string_value (json_object_get (j, "device")), rec.last_device);
        char origin[256], labels[128];
        snprintf (origin, sizeof origin, "jnpr_interface_ext:/interface_stats/%s", type);
        *strchr (origin + 30, '.') = '/';
        if (q)
            snprintf (labels, sizeof labels, "name=%s,queue=%lld", ifn, (long long) json_integer_value (q));
        else
            snprintf (labels, sizeof labels, "name=%s", ifn);
        const tu_sample_t *s = tu_rec_find_origin (&rec, origin, labels);
        ck_assert_msg (s != NULL, "missing %s %s", origin, labels);
        ck_assert_msg (s->value == (double) json_integer_value (json_object_get (j, "value")),
                       "%s %s: %g", origin, labels, s->value);
        nonzero += s->value != 0;
        checked++;
        json_decref (j);
    }
    ck_assert_int_eq (checked, 224);   /* the file lists each of 112 leaves twice */
    ck_assert_int_gt (nonzero, 0);
    /* We emit exactly those leaves plus init_time, which the plugin leaves out (port.proto
     * field 2, epoch seconds, 2016-01-18T17:30:06Z -> counters/last-clear in ms). */
    const tu_sample_t *it = tu_rec_find (&rec, "/interfaces/interface/state/counters/last-clear", "name=ge-0/0/0");
    ck_assert_ptr_nonnull (it);
    ck_assert (it->value == 1453138206000.0);
    ck_assert_uint_eq (rec.n, 112 + 1);
    tu_blob_free (&exp);
    tu_rec_free (&rec);
}
END_TEST

/* ---- a tiny protobuf writer for hand-built sensor payloads ---- */
static size_t
s_pb_varint (uint8_t *b, uint32_t num, uint64_t v)
{
    size_t o = vg_varint_put (b, (uint64_t) num << 3);
    return o + vg_varint_put (b + o, v);
}

static size_t
s_pb_bytes (uint8_t *b, uint32_t num, const void *p, size_t n)
{
    size_t o = vg_varint_put (b, (uint64_t) num << 3 | 2);
    o += vg_varint_put (b + o, n);
    memcpy (b + o, p, n);
    return o + n;
}

static size_t
s_pb_str (uint8_t *b, uint32_t num, const char *str)
{
    return s_pb_bytes (b, num, str, strlen (str));
}

/* TelemetryStream { system_id "r9", timestamp, enterprise { 2636 { <ext> { <sensor> } } } }. */
static size_t
s_wrap (uint8_t *b, uint32_t ext, const uint8_t *sensor, size_t n)
{
    uint8_t l1[512], l2[512];
    size_t o1 = s_pb_bytes (l1, ext, sensor, n);
    size_t o2 = s_pb_bytes (l2, 2636, l1, o1);
    size_t o = s_pb_str (b, 1, "r9:192.0.2.9");
    o += s_pb_varint (b + o, 6, 1700000000123ull);
    return o + s_pb_bytes (b + o, 101, l2, o2);
}

/* port.proto InterfaceInfos fields 10-16 and init_time, which no sample capture carries:
 * a hand-built message with every one of them, each checked against the field's meaning. */
START_TEST (jti_ifd_status_fields)
{
    uint8_t eg[32], info[256], port[300], b[600];
    size_t ne = s_pb_varint (eg, 1, 5);          /* EgressInterfaceErrors.if_errors */
    ne += s_pb_varint (eg + ne, 2, 9);           /* .if_discards */
    size_t ni = s_pb_str (info, 1, "xe-0/0/1");
    ni += s_pb_varint (info + ni, 2, 1699990000);        /* init_time, epoch s */
    ni += s_pb_varint (info + ni, 3, 517);               /* snmp_if_index: identity, not a series */
    ni += s_pb_str (info + ni, 10, "up");                /* if_administration_status */
    ni += s_pb_str (info + ni, 11, "DOWN");              /* if_operational_status */
    ni += s_pb_str (info + ni, 12, "to core-1 xe-1/0/0"); /* if_description */
    ni += s_pb_varint (info + ni, 13, 7);                /* if_transitions */
    ni += s_pb_varint (info + ni, 14, 1699995000);       /* ifLastChange */
    ni += s_pb_varint (info + ni, 15, 10000);            /* ifHighSpeed, Mbit/s */
    ni += s_pb_bytes (info + ni, 16, eg, ne);            /* egress_errors */
    size_t np = s_pb_bytes (port, 1, info, ni);
    size_t n = s_wrap (b, 3, port, np);

    tu_rec_t rec;
    s_decode (b, n, &rec);
    const char *lab = "name=xe-0/0/1";
    const want_t w[] = {
        /* OpenConfig enum spelling, as for every vendor */
        { .path = IF "admin-status", .labels = lab, .check = W_KIND, .kind = VG_KIND_STATE, .state = "UP" },
        { .path = IF "oper-status", .labels = lab, .check = W_KIND, .kind = VG_KIND_STATE, .state = "DOWN",
          .origin = "jnpr_interface_ext:/interface_stats/if_operational_status" },
        /* free text: not upper-cased */
        { .path = IF "description", .labels = lab, .state = "to core-1 xe-1/0/0" },
        { .path = IF "counters/carrier-transitions", .labels = lab, .check = W_KIND | W_VALUE,
          .kind = VG_KIND_COUNTER, .value = 7.0 },
        { .path = IF "counters/out-errors", .labels = lab, .check = W_KIND | W_VALUE, .kind = VG_KIND_COUNTER,
          .value = 5.0 },
        { .path = IF "counters/out-discards", .labels = lab, .check = W_VALUE, .value = 9.0 },
        { .path = IF "counters/last-clear", .labels = lab, .check = W_VALUE, .value = 1699990000000.0,
          .unit = "ms" },
        /* No OpenConfig leaf has these units (uint32 last change of unknown epoch, IF-MIB
         * ifHighSpeed in Mbit/s): kept under the vendor path, as gauges. */
        { .path = "jnpr_interface_ext:/interface_stats/ifHighSpeed", .labels = lab, .check = W_KIND | W_VALUE,
          .kind = VG_KIND_GAUGE, .value = 10000.0 },
        { .path = "jnpr_interface_ext:/interface_stats/ifLastChange", .labels = lab, .check = W_VALUE,
          .value = 1699995000.0 },
    };
    s_expect (&rec, w, sizeof w / sizeof w[0]);
    ck_assert_uint_eq (rec.n, 9);   /* 10 fields, snmp_if_index is not a series */
    tu_rec_free (&rec);
}
END_TEST

/* logical_port.proto LogicalInterfaceInfo fields 8-13 and EgressInterfaceStats 3-4. */
START_TEST (jti_ifl_status_fields)
{
    uint8_t eg[32], q[32], info[256], lp[300], b[600];
    size_t ne = s_pb_varint (eg, 1, 100);
    ne += s_pb_varint (eg + ne, 2, 64000);
    ne += s_pb_varint (eg + ne, 3, 90);   /* if_ucast_packets */
    ne += s_pb_varint (eg + ne, 4, 10);   /* if_mcast_packets */
    size_t nq = s_pb_varint (q, 1, 3);    /* queue_number */
    nq += s_pb_varint (q + nq, 4, 11);    /* tail_drop_packets */
    size_t ni = s_pb_str (info, 1, "ge-0/0/3.100");
    ni += s_pb_varint (info + ni, 2, 1699990000);
    ni += s_pb_bytes (info + ni, 6, eg, ne);
    ni += s_pb_str (info + ni, 8, "down");          /* administractive_status (sic) */
    ni += s_pb_str (info + ni, 9, "customer A");
    ni += s_pb_varint (info + ni, 10, 1699995000);  /* last_change */
    ni += s_pb_varint (info + ni, 11, 1000);        /* high_speed */
    ni += s_pb_bytes (info + ni, 13, q, nq);        /* egress_queue_info */
    size_t nl = s_pb_bytes (lp, 1, info, ni);
    size_t n = s_wrap (b, 7, lp, nl);

    tu_rec_t rec;
    s_decode (b, n, &rec);
    const char *lab = "index=100,name=ge-0/0/3";
    const want_t w[] = {
        { .path = SUB "admin-status", .labels = lab, .state = "DOWN" },
        { .path = SUB "description", .labels = lab, .state = "customer A" },
        { .path = SUB "counters/out-unicast-pkts", .labels = lab, .check = W_VALUE, .value = 90.0 },
        { .path = SUB "counters/out-multicast-pkts", .labels = lab, .check = W_VALUE, .value = 10.0 },
        { .path = SUB "counters/last-clear", .labels = lab, .check = W_VALUE, .value = 1699990000000.0 },
        { .path = "jnprLogicalInterfaceExt:/interface_info/egress_queue_info/tail_drop_packets",
          .labels = "index=100,name=ge-0/0/3,queue=3", .check = W_KIND | W_VALUE, .kind = VG_KIND_COUNTER,
          .value = 11.0 },
        { .path = "jnprLogicalInterfaceExt:/interface_info/high_speed", .labels = lab, .check = W_VALUE,
          .value = 1000.0 },
        { .path = "jnprLogicalInterfaceExt:/interface_info/last_change", .labels = lab },
    };
    s_expect (&rec, w, sizeof w / sizeof w[0]);
    /* 4 egress + init_time + admin + description + last_change + high_speed + 1 queue leaf */
    ck_assert_uint_eq (rec.n, 10);
    tu_rec_free (&rec);
}
END_TEST

/* Build a minimal TelemetryStream with sequence seq (and an ifl extension). */
static size_t
s_stream (uint8_t *b, const char *sys, uint32_t comp, uint32_t seq, uint64_t ts)
{
    size_t o = 0;
    b[o++] = 0x0a;
    b[o++] = (uint8_t) strlen (sys);
    memcpy (b + o, sys, strlen (sys));
    o += strlen (sys);
    b[o++] = 0x10;
    o += vg_varint_put (b + o, comp);
    b[o++] = 0x22;
    b[o++] = 1;
    b[o++] = 's';
    b[o++] = 0x28;
    o += vg_varint_put (b + o, seq);
    b[o++] = 0x30;
    o += vg_varint_put (b + o, ts);
    /* 101 { 2636 { 7 { 1 { 1:"xe-0/0/0.5" 6 { 1: 42 } } } } } */
    const uint8_t ent[] = { 0xaa, 0x06, 24, 0xe2, 0xa4, 0x01, 20, 0x3a, 18, 0x0a, 16, 0x0a, 10, 'x', 'e', '-',
                            '0', '/', '0', '/', '0', '.', '5', 0x32, 2, 0x08, 42 };
    memcpy (b + o, ent, sizeof ent);
    return o + sizeof ent;
}

START_TEST (jti_sequence_gaps_count_loss)
{
    uint8_t b[256];
    tu_rec_t rec;
    vg_sink_t sink = tu_rec_init (&rec, 1);
    vg_decode_stats_t st = { 0 };
    vg_jti_state_t *state = vg_jti_state_new ();
    const uint32_t seqs[] = { 10, 11, 15, 16, 3, 4 }; /* gap of 3, then a restart (not loss) */
    for (size_t i = 0; i < 6; i++) {
        size_t n = s_stream (b, "r1:10.0.0.1", 1, seqs[i], 1700000000123ULL);
        ck_assert_int_eq (vg_jti_decode (b, n, NULL, &sink, state, &st), 0);
    }
    ck_assert_uint_eq (st.lost, 3);
    /* Another component is another stream: its first message is no loss. */
    size_t n = s_stream (b, "r1:10.0.0.1", 2, 100, 1700000000123ULL);
    ck_assert_int_eq (vg_jti_decode (b, n, NULL, &sink, state, &st), 0);
    ck_assert_uint_eq (st.lost, 3);
    ck_assert_str_eq (rec.last_device, "r1");
    const tu_sample_t *s = tu_rec_find (&rec, "/interfaces/interface/subinterfaces/subinterface/state/counters/out-pkts",
                                        "index=5,name=xe-0/0/0");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 42.0);
    ck_assert_int_eq (s->ts_ms, 1700000000123LL);
    /* Without state no loss is tracked, and a zero timestamp takes the arrival time. */
    vg_decode_ctx_t ctx = { "192.0.2.9:5000", 1234567890123LL };
    n = s_stream (b, "r2", 1, 50, 0);
    ck_assert_int_eq (vg_jti_decode (b, n, &ctx, &sink, NULL, &st), 0);
    ck_assert_int_eq (rec.s[rec.n - 1].ts_ms, 1234567890123LL);
    vg_jti_state_destroy (&state);
    vg_jti_state_destroy (&state);
    tu_rec_free (&rec);
}
END_TEST

START_TEST (jti_hostile_input)
{
    tu_rec_t rec;
    vg_sink_t sink = tu_rec_init (&rec, 0);
    for (size_t i = 0; i < sizeof s_pcaps / sizeof s_pcaps[0]; i++) {
        tu_blob_t *pk;
        int n = tu_pcap_udp (s_pcaps[i], &pk);
        for (int k = 0; k < n; k++) {
            int fails = tu_truncations (s_decode_one, &sink, pk[k].data, pk[k].len, 1, NULL);
            /* A UDP payload cut anywhere inside the (single, outer) sensor field fails. */
            ck_assert_int_gt (fails, (int) pk[k].len / 2);
            /* Oversized length: turn system_id's length into 2^35. */
            uint8_t *cp = malloc (pk[k].len + 4);
            cp[0] = 0x0a;
            cp[1] = 0x80;
            cp[2] = 0x80;
            cp[3] = 0x80;
            cp[4] = 0x80;
            cp[5] = 0x01;
            memcpy (cp + 6, pk[k].data + 2, pk[k].len - 2);
            vg_decode_stats_t st = { 0 };
            ck_assert_int_eq (vg_jti_decode (cp, pk[k].len + 4, NULL, &sink, NULL, &st), -VG_ETRUNC);
            ck_assert_uint_eq (st.errors, 1);
            free (cp);
        }
        tu_blobs_free (&pk, n);
    }
    /* Random bytes and random single-byte corruptions of a real message. */
    srand (7);
    tu_blob_t *pk;
    int n = tu_pcap_udp (s_pcaps[0], &pk);
    ck_assert_int_eq (n, 1);
    for (int it = 0; it < 20000; it++) {
        size_t len = pk[0].len;
        uint8_t *cp = malloc (len);
        memcpy (cp, pk[0].data, len);
        cp[rand () % len] = (uint8_t) rand ();
        if (it % 2)
            for (size_t i = 0; i < len; i++)
                cp[i] = (uint8_t) rand ();
        vg_decode_stats_t st = { 0 };
        int rc = vg_jti_decode (cp, len, NULL, &sink, NULL, &st);
        ck_assert_uint_eq (st.errors + st.messages, 1);
        ck_assert (rc <= 0);
        free (cp);
    }
    tu_blobs_free (&pk, n);
    /* A sink that refuses stops the decode and passes its code up. */
    rec.fail_after = 3;
    rec.n = 0;
    n = tu_pcap_udp (s_pcaps[0], &pk);
    vg_decode_stats_t st = { 0 };
    ck_assert_int_eq (vg_jti_decode (pk[0].data, pk[0].len, NULL, &sink, NULL, &st), -VG_EFULL);
    ck_assert_uint_eq (st.samples, 3);
    tu_blobs_free (&pk, n);
    tu_rec_free (&rec);
}
END_TEST

START_TEST (jti_raw_payload)
{
    tu_blob_t b;
    ck_assert_int_eq (tu_read_file (JDIR "jnpr-fluent-jti_ifd_01.raw", &b), 0);
    tu_rec_t rec;
    s_decode (b.data, b.len, &rec);
    ck_assert_str_eq (rec.last_device, "10.92.10.96");
    ck_assert_uint_gt (rec.n, 0);
    tu_blob_free (&b);
    tu_rec_free (&rec);
}
END_TEST

Suite *
vg_jti_suite (void)
{
    const TTest *tests[] = {
        jti_captures_decode_cleanly, jti_ifd_oc_mapping, jti_ifl_state_and_ms, jti_matches_fluent_expected,
        jti_ifd_status_fields, jti_ifl_status_fields, jti_sequence_gaps_count_loss, jti_hostile_input,
        jti_raw_payload,
    };
    return vg_test_suite ("jti", "jti", tests, sizeof tests / sizeof tests[0], 120, NULL, NULL);
}
