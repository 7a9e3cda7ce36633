/* check_gnmi.c - gNMI SubscribeResponse: the derived binary streams decode cleanly, one
 * message per response in the protojson source, and our values agree with Telegraf's
 * normalised output (expected.out line protocol) for the same leaves. */
#include <check.h>
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "decode/gnmi.h"
#include "decode/pbwalk.h"
#include "tests/decode/pcap_util.h"
#include "tests/decode/truncations.h"
#include "tests/support/suite.h"
#include "tests/decode/pcap_util.c" /* test helper, compiled into this suite */

#define GDIR VG_SAMPLES_DIR "/gnmi/"

static const char *const s_cases[] = {
    "telegraf-gnmi_issue_12931_nokia-srlinux_interfaces",
    "telegraf-gnmi_issue_13052_juniper-mx_components-memory",
    "telegraf-gnmi_issue_14833_cisco-iosxe_jsonietfval",
    "telegraf-gnmi_issue_16515_juniper-junos-native_qmon-keyless-elems",
    "telegraf-gnmi_issue_17154_juniper-native_optics-floatval",
    "telegraf-gnmi_issue_17412_huawei-vrp_jsonval-delete",
};
#define NCASES (sizeof s_cases / sizeof s_cases[0])

static void
s_decode_case (size_t i, tu_rec_t *rec, vg_decode_stats_t *st)
{
    char fn[512];
    snprintf (fn, sizeof fn, GDIR "derived-binary/%s.SubscribeResponse.pbdelim", s_cases[i]);
    tu_blob_t b;
    ck_assert_int_eq (tu_read_file (fn, &b), 0);
    vg_sink_t sink = tu_rec_sink (rec);
    vg_decode_ctx_t ctx = { "127.0.0.1", 0 };
    ck_assert_int_eq (vg_gnmi_decode_delimited (b.data, b.len, &ctx, &sink, st), 0);
    tu_blob_free (&b);
}

/* Count responses and deletes in the protojson source, independently of the decoder. */
static void
s_count_json (size_t i, int *responses, int *deletes)
{
    char fn[512];
    snprintf (fn, sizeof fn, GDIR "%s.responses.json", s_cases[i]);
    json_error_t je;
    json_t *j = json_load_file (fn, 0, &je);
    ck_assert_ptr_nonnull (j);
    *responses = (int) json_array_size (j);
    *deletes = 0;
    size_t k;
    json_t *r;
    json_array_foreach (j, k, r) {
        json_t *d = json_object_get (json_object_get (r, "update"), "delete");
        *deletes += (int) json_array_size (d);
    }
    json_decref (j);
}

/* tu_truncations' decoder: one SubscribeResponse into the sink arg. */
static int
s_decode_one (void *sink, const uint8_t *p, size_t len, vg_decode_stats_t *st)
{
    return vg_gnmi_decode (p, len, NULL, sink, st);
}

START_TEST (gnmi_streams_decode_cleanly)
{
    for (size_t i = 0; i < NCASES; i++) {
        tu_rec_t rec;
        tu_rec_init (&rec, 1);
        vg_decode_stats_t st = { 0 };
        s_decode_case (i, &rec, &st);
        int responses, deletes;
        s_count_json (i, &responses, &deletes);
        ck_assert_uint_eq (st.errors, 0);
        ck_assert_uint_eq (st.messages, (uint64_t) responses);
        ck_assert_uint_eq (st.events, (uint64_t) deletes);
        ck_assert_uint_eq (rec.nevents, (size_t) deletes);
        ck_assert_uint_eq (st.samples, rec.n);
        for (size_t k = 0; k < rec.n; k++)
            ck_assert_str_eq (rec.s[k].input, "gnmi");
        tu_rec_free (&rec);
    }
}
END_TEST

START_TEST (gnmi_identity_and_mapping)
{
    tu_rec_t rec;
    tu_rec_init (&rec, 1);
    vg_decode_stats_t st = { 0 };
    s_decode_case (4, &rec, &st); /* Juniper optics: header extension names the device */
    ck_assert_str_eq (rec.last_device, "NEDLBBRJ11.DUKE.AT-RE0");
    ck_assert_str_eq (rec.last_vendor, "Juniper");
    tu_rec_free (&rec);

    tu_rec_init (&rec, 1);
    memset (&st, 0, sizeof st);
    s_decode_case (5, &rec, &st); /* Huawei: json_val oper-status, deletes */
    ck_assert_str_eq (rec.last_vendor, "Huawei");
    ck_assert_int_eq (rec.events_by_type[VG_EV_DELETE], 2);
    const tu_sample_t *s = tu_rec_find (&rec, "/interfaces/interface/state/oper-status", "name=Eth-Trunk5.1234");
    ck_assert_ptr_nonnull (s);
    ck_assert_int_eq (s->kind, VG_KIND_STATE);
    ck_assert_str_eq (s->state, "DOWN");
    ck_assert_str_eq (s->origin, "huawei-ifm:ifm/interfaces/interface/dynamic/oper-status");
    tu_rec_free (&rec);

    tu_rec_init (&rec, 1);
    memset (&st, 0, sizeof st);
    s_decode_case (1, &rec, &st); /* Juniper MX memory: nested "name" keys */
    s = tu_rec_find (&rec, "/components/component/properties/property/state/value",
                     "name=FPC0:CPU0,property-name=mem-util-kernel-size");
    ck_assert_ptr_nonnull (s);
    ck_assert (s->value == 671088216.0);
    ck_assert_int_eq (s->ts_ms, 1688641479762LL);
    tu_rec_free (&rec);
}
END_TEST

/* Parse one line-protocol line into tags/fields; returns 0 on success. */
typedef struct {
    char *k[64], *v[64];
    int n;
} kvs_t;

static char *
s_split_kv (char *s, kvs_t *out, char sep_end)
{
    /* key=value pairs separated by ',' until sep_end (space) or NUL; handles "quoted". */
    out->n = 0;
    while (*s && *s != sep_end) {
        char *k = s;
        while (*s && *s != '=')
            s++;
        if (!*s)
            break;
        *s++ = 0;
        char *v = s;
        if (*s == '"') {
            v = ++s;
            while (*s && !(*s == '"' && s[-1] != '\\'))
                s++;
            if (*s)
                *s++ = 0;
        } else {
            while (*s && *s != ',' && *s != sep_end)
                s++;
        }
        char end = *s;
        if (*s)
            *s++ = 0;
        if (out->n < 64) {
            out->k[out->n] = k;
            out->v[out->n++] = v;
        }
        if (end == sep_end)
            return s;
    }
    return s;
}

static void
s_under (char *d, const char *s, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i < cap - 1; i++)
        d[i] = s[i] == '-' ? '_' : s[i];
    d[i] = 0;
}

static int
s_label_has_value (const char *labels, const char *v)
{
    const char *p = labels;
    size_t n = strlen (v);
    for (p = strchr (p, '='); p != NULL; p = strchr (p, '=')) {
        p++;
        if (strncmp (p, v, n) == 0 && (p[n] == ',' || p[n] == 0))
            return 1;
    }
    return 0;
}

START_TEST (gnmi_matches_telegraf)
{
    int total_checked = 0;
    for (size_t i = 0; i < NCASES; i++) {
        tu_rec_t rec;
        tu_rec_init (&rec, 1);
        vg_decode_stats_t st = { 0 };
        s_decode_case (i, &rec, &st);
        char fn[512];
        snprintf (fn, sizeof fn, GDIR "%s.expected.out", s_cases[i]);
        tu_blob_t e;
        ck_assert_int_eq (tu_read_file (fn, &e), 0);
        int checked = 0, lines = 0;
        char *save = NULL;
        for (char *line = strtok_r ((char *) e.data, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
            lines++;
            char *sp = strchr (line, ','); /* measurement,tags fields ts */
            ck_assert_ptr_nonnull (sp);
            kvs_t tags, fields;
            char *rest = s_split_kv (sp + 1, &tags, ' ');
            char *tsp = strrchr (rest, ' ');
            ck_assert_ptr_nonnull (tsp);
            *tsp = 0;
            long long ts_ms = atoll (tsp + 1) / 1000000LL;
            s_split_kv (rest, &fields, 0);
            for (int f = 0; f < fields.n; f++) {
                /* Field name -> path suffix ("a/b_c" ~ ".../a/b-c"); drop a module prefix. */
                char want[512], have[1100];
                const char *fname = strrchr (fields.k[f], ':');
                fname = fname ? fname + 1 : fields.k[f];
                s_under (want, fname, sizeof want);
                const char *val = fields.v[f];
                size_t vl = strlen (val);
                int is_str = fields.v[f][-1] == '"';
                const tu_sample_t *hit = NULL;
                for (size_t k = 0; k < rec.n && !hit; k++) {
                    const tu_sample_t *s = &rec.s[k];
                    if (s->ts_ms != ts_ms)
                        continue;
                    s_under (have, s->origin ? s->origin : s->path, sizeof have);
                    size_t hl = strlen (have), wl = strlen (want);
                    if (hl < wl + 1 || strcmp (have + hl - wl, want) != 0 || have[hl - wl - 1] != '/')
                        continue;
                    int ok = 1;
                    for (int t = 0; t < tags.n && ok; t++) {
                        if (!strcmp (tags.k[t], "source") || !strcmp (tags.k[t], "path") ||
                            !strcmp (tags.k[t], "component") || !strcmp (tags.k[t], "component_id") ||
                            !strcmp (tags.k[t], "sub_component_id"))
                            continue;
                        ok = s_label_has_value (s->labels, tags.v[t]);
                    }
                    if (ok)
                        hit = s;
                }
                if (is_str) {
                    /* Strings we keep are states; names/descriptions are skipped by design. */
                    if (hit && hit->state) {
                        char a[64], b[64];
                        size_t m;
                        for (m = 0; m < vl && m < 63; m++)
                            a[m] = (char) tolower ((unsigned char) val[m]);
                        a[m] = 0;
                        for (m = 0; hit->state[m] && m < 63; m++)
                            b[m] = (char) tolower ((unsigned char) hit->state[m]);
                        b[m] = 0;
                        ck_assert_str_eq (a, b);
                        checked++;
                    }
                    continue;
                }
                ck_assert_msg (hit != NULL, "%s: no sample for field %s (line %d)", s_cases[i], fields.k[f], lines);
                double v = strcmp (val, "true") == 0 ? 1.0 : strcmp (val, "false") == 0 ? 0.0 : strtod (val, NULL);
                ck_assert_msg (hit->value == v || (v != 0 && hit->value / v > 0.9999999 && hit->value / v < 1.0000001),
                               "%s: %s = %s but we have %.17g", s_cases[i], fields.k[f], val, hit->value);
                checked++;
            }
        }
        ck_assert_int_gt (lines, 0);
        ck_assert_msg (checked > 0 || i == 2, "%s: nothing compared", s_cases[i]);
        total_checked += checked;
        tu_blob_free (&e);
        tu_rec_free (&rec);
    }
    ck_assert_int_gt (total_checked, 200);
}
END_TEST

START_TEST (gnmi_hostile_input)
{
    tu_rec_t rec;
    vg_sink_t sink = tu_rec_init (&rec, 0);
    for (size_t i = 0; i < NCASES; i++) {
        char fn[512];
        snprintf (fn, sizeof fn, GDIR "derived-binary/%s.SubscribeResponse.pbdelim", s_cases[i]);
        tu_blob_t b;
        ck_assert_int_eq (tu_read_file (fn, &b), 0);
        /* First message only; every truncation. */
        uint64_t n;
        size_t h = vg_pb_delim_len (b.data, b.data + b.len, &n);
        ck_assert_uint_gt (h, 0);
        size_t step = n > 4000 ? 7 : 1;
        int tries;
        int fails = tu_truncations (s_decode_one, &sink, b.data + h, n, step, &tries);
        ck_assert_int_gt (fails, tries / 2);
        /* A delimited stream cut short or with a huge length prefix is an error. */
        vg_decode_stats_t st = { 0 };
        ck_assert_int_eq (vg_gnmi_decode_delimited (b.data, b.len - 1, NULL, &sink, &st), -VG_ETRUNC);
        const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a };
        ck_assert_int_eq (vg_gnmi_decode_delimited (huge, sizeof huge, NULL, &sink, &st), -VG_ETOOBIG);
        tu_blob_free (&b);
    }
    srand (11);
    for (int it = 0; it < 20000; it++) {
        size_t len = (size_t) (rand () % 200) + 1;
        uint8_t *cp = malloc (len);
        for (size_t k = 0; k < len; k++)
            cp[k] = (uint8_t) rand ();
        if (it % 2)
            cp[0] = 0x0a; /* force a notification field */
        vg_decode_stats_t st = { 0 };
        int rc = vg_gnmi_decode (cp, len, NULL, &sink, &st);
        ck_assert (rc <= 0);
        ck_assert_uint_eq (st.errors + st.messages, 1);
        free (cp);
    }
    tu_rec_free (&rec);
}
END_TEST

Suite *
vg_gnmi_suite (void)
{
    const TTest *tests[] = {
        gnmi_streams_decode_cleanly, gnmi_identity_and_mapping, gnmi_matches_telegraf, gnmi_hostile_input,
    };
    return vg_test_suite ("gnmi", "gnmi", tests, sizeof tests / sizeof tests[0], 120, NULL, NULL);
}
