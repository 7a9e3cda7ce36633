/* check_format.c - the format registry (decode/format.c): names parse and round-trip,
 * aliases and unknown names, stream vs datagram flags, the listed names, dispatch of units
 * and of TCP stream chunks (split anywhere, closed, restarted after a gap), the bound on
 * per-stream state with least-recently-fed eviction, and garbage refused with a counter. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "decode/format.h"
#include "decode/mdt.h"
#include "decode/pcap_replay.h"
#include "tests/support/capture_sink.h"
#include "tests/support/suite.h"

/* One Cisco MDT JSON message with one row of two counters. */
static const char *const s_json =
    "{\"node_id_str\":\"r9\",\"encoding_path\":\"Cisco-IOS-XR-infra-statsd-oper:infra-statistics/"
    "interfaces/interface/latest/generic-counters\",\"msg_timestamp\":\"1700000000000\","
    "\"data_json\":[{\"timestamp\":\"1700000000001\",\"keys\":{\"interface-name\":\"Hu0/0/0/1\"},"
    "\"content\":{\"bytes-received\":\"1000\",\"packets-sent\":7}}]}";
#define IN_OCTETS "/interfaces/interface/state/counters/in-octets"

/* The 12-byte MDT header (data, JSON encapsulation) + the message, into buf; its length. */
static size_t
s_frame (uint8_t *buf, size_t size)
{
    size_t jl = strlen (s_json);
    ck_assert_uint_le (12 + jl, size);
    const uint8_t h[12] = { 0, 1, 0, 2, 0, 1, 0, 0, (uint8_t) (jl >> 24), (uint8_t) (jl >> 16),
                            (uint8_t) (jl >> 8), (uint8_t) jl };
    memcpy (buf, h, 12);
    memcpy (buf + 12, s_json, jl);
    return 12 + jl;
}

static vg_fmt_set_t *s_fs;
static vg_test_capture_t s_cap;
static vg_sink_t s_sink;
static vg_decode_stats_t s_st;

static void
setup (void)
{
    s_fs = vg_fmt_set_new ();
    ck_assert_ptr_nonnull (s_fs);
    vg_test_capture_init (&s_cap);
    s_sink = vg_test_capture_sink (&s_cap);
    memset (&s_st, 0, sizeof s_st);
}

static void
teardown (void)
{
    vg_fmt_set_destroy (&s_fs);
    ck_assert_ptr_null (s_fs);
    vg_fmt_set_destroy (&s_fs); /* NULL-safe */
    vg_fmt_set_destroy (NULL);
    vg_test_capture_free (&s_cap);
}

/* ---- names ---- */

START_TEST (names_round_trip)
{
    for (int f = 0; f < VG_FMT__COUNT; f++) {
        const char *n = vg_fmt_name (f);
        ck_assert_ptr_nonnull (n);
        ck_assert_str_ne (n, "unknown");
        ck_assert_int_eq (vg_fmt_parse (n), f);
        for (int g = 0; g < f; g++)
            ck_assert_str_ne (n, vg_fmt_name (g));
    }
    ck_assert_int_eq (vg_fmt_parse ("jti"), VG_FMT_JTI);
    ck_assert_int_eq (vg_fmt_parse ("mdt-tcp"), VG_FMT_MDT_TCP);
    ck_assert_int_eq (vg_fmt_parse ("3gpp-xml"), VG_FMT_3GPP_XML);
    /* Aliases. */
    ck_assert_int_eq (vg_fmt_parse ("3gpp"), VG_FMT_3GPP_XML);
    ck_assert_int_eq (vg_fmt_parse ("mdt"), VG_FMT_MDT_TCP);
    /* Out-of-range numbers have a name that parses to nothing. */
    ck_assert_str_eq (vg_fmt_name (-1), "unknown");
    ck_assert_str_eq (vg_fmt_name (VG_FMT__COUNT), "unknown");
    ck_assert_int_eq (vg_fmt_parse ("unknown"), -1);
}
END_TEST

START_TEST (unknown_names_refused)
{
    const char *bad[] = { "", "JTI", "jti ", " jti", "mdt-tcpx", "mdt-", "udp_notif", "gnmi\n", "xml", "3GPP",
                          "ves7", "huawei", "sim", "-" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg (vg_fmt_parse (bad[i]) == -1, "'%s' accepted", bad[i]);
    ck_assert_int_eq (vg_fmt_parse (NULL), -1);
}
END_TEST

START_TEST (stream_and_datagram_flags)
{
    int streams = 0, datagrams = 0;
    for (int f = 0; f < VG_FMT__COUNT; f++) {
        ck_assert_msg (!(vg_fmt_is_stream (f) && vg_fmt_is_datagram (f)), "%s both", vg_fmt_name (f));
        streams += vg_fmt_is_stream (f);
        datagrams += vg_fmt_is_datagram (f);
    }
    ck_assert_int_eq (streams, 1);
    ck_assert (vg_fmt_is_stream (VG_FMT_MDT_TCP));
    ck_assert_int_eq (datagrams, 3);
    ck_assert (vg_fmt_is_datagram (VG_FMT_JTI));
    ck_assert (vg_fmt_is_datagram (VG_FMT_UDP_NOTIF));
    ck_assert (vg_fmt_is_datagram (VG_FMT_MDT_UDP));
    ck_assert (!vg_fmt_is_stream (-1) && !vg_fmt_is_datagram (-1));
    ck_assert (!vg_fmt_is_stream (VG_FMT__COUNT) && !vg_fmt_is_datagram (VG_FMT__COUNT));
}
END_TEST

START_TEST (list_names_every_format)
{
    /* "a | b | c": exactly the canonical names, in order. */
    char list[512];
    snprintf (list, sizeof list, "%s", vg_fmt_list ());
    int f = 0;
    char *save = NULL;
    for (char *tok = strtok_r (list, "|", &save); tok; tok = strtok_r (NULL, "|", &save), f++) {
        while (*tok == ' ')
            tok++;
        size_t n = strlen (tok);
        while (n && tok[n - 1] == ' ')
            tok[--n] = '\0';
        ck_assert_int_lt (f, VG_FMT__COUNT);
        ck_assert_str_eq (tok, vg_fmt_name (f));
    }
    ck_assert_int_eq (f, VG_FMT__COUNT);
}
END_TEST

/* ---- dispatch ---- */

START_TEST (units_dispatched)
{
    uint8_t buf[1024];
    size_t n = s_frame (buf, sizeof buf);
    /* The payload alone as mdt-kvgpb (JSON detected), the framed datagram as mdt-udp. */
    ck_assert_int_eq (vg_fmt_decode (s_fs, VG_FMT_MDT_KVGPB, buf + 12, n - 12, NULL, &s_sink, &s_st), 0);
    ck_assert_uint_eq (s_cap.nsamples, 2);
    ck_assert_int_eq (vg_fmt_decode (s_fs, VG_FMT_MDT_UDP, buf, n, NULL, &s_sink, &s_st), 0);
    ck_assert_uint_eq (s_cap.nsamples, 4);
    ck_assert_uint_eq (s_st.messages, 2);
    ck_assert_uint_eq (s_st.samples, 4);
    ck_assert_uint_eq (s_st.errors, 0);
    const vg_test_sample_t *s = vg_test_capture_find (&s_cap, IN_OCTETS, "name=Hu0/0/0/1");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 1000.0);
    ck_assert_int_eq (s->ts_ms, 1700000000001LL);
    ck_assert_str_eq (s->device, "r9");
    ck_assert_str_eq (s_cap.last_vendor, "Cisco");
    ck_assert_uint_eq (vg_test_capture_count (&s_cap, IN_OCTETS), 2);
    /* The stream format is not decoded unit by unit, unit formats not as streams. */
    ck_assert_int_eq (vg_fmt_decode (s_fs, VG_FMT_MDT_TCP, buf, n, NULL, &s_sink, &s_st), -VG_EINVAL);
    ck_assert_int_eq (vg_fmt_decode (s_fs, -1, buf, n, NULL, &s_sink, &s_st), -VG_EINVAL);
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_UDP, 1, VG_PCAP_F_OPEN, buf, n, NULL, &s_sink, &s_st),
                      -VG_EINVAL);
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 0, VG_PCAP_F_OPEN, buf, n, NULL, &s_sink, &s_st),
                      -VG_EINVAL);
    ck_assert_uint_eq (s_st.errors, 4);
    ck_assert_uint_eq (s_cap.nsamples, 4);
    ck_assert_uint_eq (vg_fmt_set_streams (s_fs), 0);
}
END_TEST

START_TEST (stream_split_anywhere)
{
    uint8_t buf[1024];
    size_t n = s_frame (buf, sizeof buf);
    /* Two frames back to back, fed in chunks of every size from 1 to 13 bytes. */
    uint8_t two[2048];
    memcpy (two, buf, n);
    memcpy (two + n, buf, n);
    for (size_t chunk = 1; chunk <= 13; chunk++) {
        uint64_t id = 100 + chunk;
        size_t before = s_cap.nsamples;
        for (size_t off = 0; off < 2 * n; off += chunk) {
            size_t len = off + chunk <= 2 * n ? chunk : 2 * n - off;
            unsigned flags = off == 0 ? VG_PCAP_F_OPEN : 0;
            ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, id, flags, two + off, len, NULL, &s_sink, &s_st), 0);
            ck_assert_uint_eq (s_cap.nsamples, before + (off + len >= 2 * n ? 4 : off + len >= n ? 2 : 0));
        }
        ck_assert_uint_eq (vg_fmt_set_streams (s_fs), 1);
        ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, id, VG_PCAP_F_CLOSE, NULL, 0, NULL, &s_sink, &s_st), 0);
        ck_assert_uint_eq (vg_fmt_set_streams (s_fs), 0);
    }
    ck_assert_uint_eq (s_st.errors, 0);
    ck_assert_uint_eq (s_st.messages, 2 * 13);
}
END_TEST

START_TEST (stream_close_and_gap)
{
    uint8_t buf[1024];
    size_t n = s_frame (buf, sizeof buf);
    /* Ending inside a frame is an error (counted); the state is freed. */
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 7, VG_PCAP_F_OPEN, buf, n / 2, NULL, &s_sink, &s_st), 0);
    ck_assert_uint_eq (vg_fmt_set_streams (s_fs), 1);
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 7, VG_PCAP_F_CLOSE, NULL, 0, NULL, &s_sink, &s_st), 0);
    ck_assert_uint_eq (s_st.errors, 1);
    ck_assert_uint_eq (vg_fmt_set_streams (s_fs), 0);
    /* Bytes lost inside a frame: the partial frame counts as lost, framing restarts with
     * the chunk after the gap (here a whole frame). */
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 8, VG_PCAP_F_OPEN, buf, n - 3, NULL, &s_sink, &s_st), 0);
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 8, VG_PCAP_F_GAP, buf, n, NULL, &s_sink, &s_st), 0);
    ck_assert_uint_eq (s_st.lost, 1);
    ck_assert_uint_eq (s_cap.nsamples, 2);
    /* A bad header desynchronises only its stream: the rest of it is ignored (not an error
     * per chunk), other streams go on. */
    uint8_t bad[12] = { 0, 9, 0, 2, 0, 1, 0, 0, 0, 0, 0, 4 };
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 9, VG_PCAP_F_OPEN, bad, 12, NULL, &s_sink, &s_st),
                      -VG_EPROTO);
    uint64_t errors = s_st.errors;
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 9, 0, buf, n, NULL, &s_sink, &s_st), 0);
    ck_assert_uint_eq (s_st.errors, errors);
    ck_assert_uint_eq (s_cap.nsamples, 2);
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 8, 0, buf, n, NULL, &s_sink, &s_st), 0);
    ck_assert_uint_eq (s_cap.nsamples, 4);
    /* A reused id (OPEN again) starts over: a clean frame decodes. */
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 9, VG_PCAP_F_OPEN, buf, n, NULL, &s_sink, &s_st), 0);
    ck_assert_uint_eq (s_cap.nsamples, 6);
}
END_TEST

START_TEST (streams_bounded)
{
    uint8_t buf[1024];
    size_t n = s_frame (buf, sizeof buf);
    /* Many connections, each stopped inside its first frame header. */
    const uint64_t many = 4 * VG_FMT_MAX_STREAMS + 3;
    for (uint64_t id = 1; id <= many; id++) {
        ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, id, VG_PCAP_F_OPEN, buf, 5, NULL, &s_sink, &s_st), 0);
        ck_assert_uint_le (vg_fmt_set_streams (s_fs), VG_FMT_MAX_STREAMS);
    }
    ck_assert_uint_eq (vg_fmt_set_streams (s_fs), VG_FMT_MAX_STREAMS);
    /* The most recently fed streams kept their partial frame: the rest completes it. */
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, many, 0, buf + 5, n - 5, NULL, &s_sink, &s_st), 0);
    ck_assert_uint_eq (s_cap.nsamples, 2);
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, many - VG_FMT_MAX_STREAMS + 1, 0, buf + 5, n - 5, NULL,
                                     &s_sink, &s_st), 0);
    ck_assert_uint_eq (s_cap.nsamples, 4);
    /* The oldest were evicted: their remaining bytes start a new framing and are refused. */
    ck_assert_int_lt (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 1, 0, buf + 5, n - 5, NULL, &s_sink, &s_st), 0);
    ck_assert_uint_eq (s_cap.nsamples, 4);
    ck_assert_uint_eq (vg_fmt_set_streams (s_fs), VG_FMT_MAX_STREAMS);
    /* Recently fed survives eviction by new ids (least recently fed goes first). */
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 5000, VG_PCAP_F_OPEN, buf, 5, NULL, &s_sink, &s_st), 0);
    for (uint64_t id = 6000; id < 6000 + VG_FMT_MAX_STREAMS - 1; id++)
        ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, id, VG_PCAP_F_OPEN, buf, 5, NULL, &s_sink, &s_st), 0);
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 5000, 0, buf + 5, n - 5, NULL, &s_sink, &s_st), 0);
    ck_assert_uint_eq (s_cap.nsamples, 6);
    ck_assert_uint_eq (vg_fmt_set_streams (s_fs), VG_FMT_MAX_STREAMS);
}
END_TEST

/* ---- hostile input ---- */

static uint64_t
s_rand (uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

START_TEST (garbage_refused_and_counted)
{
    /* Bytes no format accepts: an error, counted, nothing delivered. */
    const uint8_t junk[12] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    for (int f = 0; f < VG_FMT__COUNT; f++) {
        if (vg_fmt_is_stream (f))
            continue;
        vg_decode_stats_t st = { 0 };
        int rc = vg_fmt_decode (s_fs, f, junk, sizeof junk, NULL, &s_sink, &st);
        ck_assert_msg (rc < 0, "%s accepted garbage (rc %d)", vg_fmt_name (f), rc);
        ck_assert_msg (st.errors == 1, "%s: %llu errors", vg_fmt_name (f), (unsigned long long) st.errors);
        ck_assert_msg (st.last_error[0] != '\0', "%s: no reason", vg_fmt_name (f));
    }
    vg_decode_stats_t st = { 0 };
    ck_assert_int_eq (vg_fmt_stream (s_fs, VG_FMT_MDT_TCP, 3, VG_PCAP_F_OPEN, junk, sizeof junk, NULL, &s_sink, &st),
                      -VG_EPROTO);
    ck_assert_uint_eq (st.errors, 1);
    ck_assert_uint_eq (s_cap.nsamples, 0);
    ck_assert_uint_eq (s_cap.nevents, 0);
    /* Random buffers of every format: never a crash, every refusal counted. */
    uint64_t seed = 0x51ed2701f00dULL;
    uint8_t buf[512];
    for (int r = 0; r < 4000; r++) {
        int f = r % VG_FMT__COUNT;
        size_t len = (size_t) (s_rand (&seed) % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t) s_rand (&seed);
        uint64_t e0 = st.errors;
        int rc = vg_fmt_is_stream (f)
                     ? vg_fmt_stream (s_fs, f, 1 + (uint64_t) r % 7, 0, buf, len, NULL, &s_sink, &st)
                     : vg_fmt_decode (s_fs, f, buf, len, NULL, &s_sink, &st);
        ck_assert_int_le (rc, 0);
        if (rc < 0 && !vg_fmt_is_stream (f))
            ck_assert_uint_eq (st.errors, e0 + 1);
    }
    ck_assert_uint_gt (st.errors, 1000);
    ck_assert_uint_le (vg_fmt_set_streams (s_fs), 7);
}
END_TEST

Suite *
vg_format_suite (void)
{
    Suite *s = suite_create ("format");
    const TTest *t_names[] = {
        names_round_trip, unknown_names_refused, stream_and_datagram_flags, list_names_every_format,
    };
    vg_test_tcase (s, "names", t_names, sizeof t_names / sizeof t_names[0], 0, NULL, NULL);
    const TTest *t_decode[] = {
        units_dispatched, stream_split_anywhere, stream_close_and_gap, streams_bounded,
        garbage_refused_and_counted,
    };
    vg_test_tcase (s, "decode", t_decode, sizeof t_decode / sizeof t_decode[0], 60, setup, teardown);
    return s;
}
