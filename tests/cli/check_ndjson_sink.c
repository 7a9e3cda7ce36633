/* check_ndjson_sink.c - the NDJSON printer: valid JSON lines, escaping, vendor memory, bounds. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "cli/ndjson_sink.h"
#include "tests/support/suite.h"

/* Print through the sink into a memory stream; returns the text (caller frees). */
typedef struct {
    char *text;
    size_t len;
    FILE *f;
    vg_ndjson_sink_t *ns;
    vg_sink_t sink;
} s_out_t;

static void
s_open (s_out_t *o, size_t max_devices)
{
    memset (o, 0, sizeof *o);
    o->f = open_memstream (&o->text, &o->len);
    ck_assert_ptr_nonnull (o->f);
    o->ns = vg_ndjson_sink_new (o->f, max_devices);
    ck_assert_ptr_nonnull (o->ns);
    o->sink = vg_ndjson_sink_ops (o->ns);
}

static void
s_close (s_out_t *o)
{
    vg_ndjson_sink_destroy (&o->ns);
    ck_assert_ptr_null (o->ns);
    fclose (o->f);
}

/* Parse line i (0-based) of the output. */
static json_t *
s_line (const char *text, int i)
{
    const char *p = text;
    for (int k = 0; k < i; k++) {
        p = strchr (p, '\n');
        ck_assert_ptr_nonnull (p);
        p++;
    }
    const char *e = strchr (p, '\n');
    ck_assert_ptr_nonnull (e);
    json_error_t err;
    json_t *j = json_loadb (p, (size_t) (e - p), 0, &err);
    ck_assert_msg (j != NULL, "line %d is not JSON: %s (%.*s)", i, err.text, (int) (e - p), p);
    return j;
}

START_TEST (sample_line_fields)
{
    s_out_t o;
    s_open (&o, 0);
    vg_device_t d = { "r1", "Huawei", NULL, NULL, NULL, NULL };
    ck_assert_int_eq (vg_sink_device (&o.sink, &d), 0);
    vg_label_t l[] = { { "name", "GE0/0/1" }, { "unit", "0" } };
    vg_point_t p = { .device = "r1", .path = "/interfaces/interface/state/counters/in-octets", .labels = l,
                     .nlabels = 2, .kind = VG_KIND_COUNTER, .input = "udp-notif",
                     .origin_path = "huawei-ifm:ifm/interfaces/interface/mib-statistics/receive-byte",
                     .ts_ms = 1728026033000, .value = 2265940003.0 };
    ck_assert_int_eq (vg_sink_sample (&o.sink, &p), 0);
    vg_point_t s = p;
    s.kind = VG_KIND_STATE;
    s.state = "UP";
    s.path = "/interfaces/interface/state/oper-status";
    s.origin_path = NULL;
    ck_assert_int_eq (vg_sink_sample (&o.sink, &s), 0);
    ck_assert_uint_eq (vg_ndjson_sink_lines (o.ns), 2);
    s_close (&o);

    json_t *j = s_line (o.text, 0);
    ck_assert_str_eq (json_string_value (json_object_get (j, "device")), "r1");
    ck_assert_str_eq (json_string_value (json_object_get (j, "vendor")), "Huawei");
    ck_assert_str_eq (json_string_value (json_object_get (j, "input")), "udp-notif");
    ck_assert_str_eq (json_string_value (json_object_get (j, "kind")), "counter");
    ck_assert_str_eq (json_string_value (json_object_get (j, "origin_path")),
                      "huawei-ifm:ifm/interfaces/interface/mib-statistics/receive-byte");
    ck_assert_str_eq (json_string_value (json_object_get (json_object_get (j, "labels"), "name")), "GE0/0/1");
    ck_assert_int_eq (json_integer_value (json_object_get (j, "ts_ms")), 1728026033000);
    ck_assert_str_eq (json_string_value (json_object_get (j, "time")), "2024-10-04T07:13:53.000Z");
    ck_assert_int_eq (json_integer_value (json_object_get (j, "value")), 2265940003);
    ck_assert_ptr_null (json_object_get (j, "state"));
    json_decref (j);
    j = s_line (o.text, 1);
    ck_assert_str_eq (json_string_value (json_object_get (j, "state")), "UP");
    ck_assert_ptr_null (json_object_get (j, "value"));
    /* origin_path NULL prints the path itself */
    ck_assert_str_eq (json_string_value (json_object_get (j, "origin_path")), "/interfaces/interface/state/oper-status");
    json_decref (j);
    free (o.text);
}
END_TEST

START_TEST (escaping_is_valid_json)
{
    s_out_t o;
    s_open (&o, 0);
    const char *nasty = "q\"b\\s/\n\t\x01\x1f \xc3\xa9 \xff\xfe end";   /* controls, UTF-8, invalid bytes */
    vg_device_t d = { nasty, nasty, NULL, NULL, NULL, NULL };
    ck_assert_int_eq (vg_sink_device (&o.sink, &d), 0);
    vg_label_t l[] = { { nasty, nasty } };
    vg_point_t p = { .device = nasty, .path = nasty, .labels = l, .nlabels = 1, .kind = VG_KIND_GAUGE,
                     .input = "t", .ts_ms = 0, .value = 0.1 };
    ck_assert_int_eq (vg_sink_sample (&o.sink, &p), 0);
    s_close (&o);
    json_t *j = s_line (o.text, 0);
    const char *dev = json_string_value (json_object_get (j, "device"));
    ck_assert_ptr_nonnull (dev);
    /* Valid parts survive exactly; invalid bytes became U+FFFD. */
    ck_assert_ptr_nonnull (strstr (dev, "q\"b\\s/\n\t\x01\x1f \xc3\xa9 "));
    ck_assert_ptr_nonnull (strstr (dev, "\xef\xbf\xbd\xef\xbf\xbd end"));
    ck_assert_str_eq (json_string_value (json_object_get (j, "vendor")), dev);
    ck_assert (json_real_value (json_object_get (j, "value")) == 0.1);
    json_decref (j);
    free (o.text);
}
END_TEST

START_TEST (events_and_numbers)
{
    s_out_t o;
    s_open (&o, 0);
    vg_device_t d = { "gnb1", NULL, NULL, NULL, NULL, NULL };
    ck_assert_int_eq (vg_sink_device (&o.sink, &d), 0);
    vg_label_t a[] = { { "alarmCondition", "LinkDown" }, { "eventSeverity", "CRITICAL" } };
    vg_flow_t f = { .src = "10.0.0.1", .dst = "198.51.100.7", .dst_port = 443, .protocol = 6, .bytes = 123456789012ULL,
                    .packets = 5 };
    vg_event_t e = { .device = "gnb1", .ts_ms = 1000, .type = VG_EV_FAULT, .attrs = a, .nattrs = 2, .flow = &f,
                     .input = "ves" };
    ck_assert_int_eq (vg_sink_event (&o.sink, &e), 0);
    vg_point_t p = { .device = "gnb1", .path = "x", .kind = VG_KIND_GAUGE, .input = "t", .ts_ms = -1,
                     .value = 1.0 / 0.0 };
    ck_assert_int_eq (vg_sink_sample (&o.sink, &p), 0);   /* infinity prints as null */
    p.value = -1e-300;
    ck_assert_int_eq (vg_sink_sample (&o.sink, &p), 0);
    ck_assert_int_eq (vg_sink_sample (&o.sink, &(vg_point_t){ .device = NULL, .path = "x" }), -VG_EINVAL);
    s_close (&o);
    json_t *j = s_line (o.text, 0);
    ck_assert_str_eq (json_string_value (json_object_get (j, "type")), "fault");
    ck_assert (json_is_null (json_object_get (j, "vendor")));
    ck_assert_str_eq (json_string_value (json_object_get (json_object_get (j, "attrs"), "eventSeverity")), "CRITICAL");
    json_t *fl = json_object_get (j, "flow");
    ck_assert_int_eq (json_integer_value (json_object_get (fl, "bytes")), 123456789012LL);
    ck_assert_int_eq (json_integer_value (json_object_get (fl, "dst_port")), 443);
    json_decref (j);
    j = s_line (o.text, 1);
    ck_assert (json_is_null (json_object_get (j, "value")));
    json_decref (j);
    j = s_line (o.text, 2);
    ck_assert (json_real_value (json_object_get (j, "value")) == -1e-300);
    json_decref (j);
    free (o.text);
}
END_TEST

START_TEST (device_table_bounded)
{
    s_out_t o;
    s_open (&o, 100);
    char id[32];
    for (int i = 0; i < 1000; i++) {
        snprintf (id, sizeof id, "dev%d", i);
        vg_device_t d = { id, "V", NULL, NULL, NULL, NULL };
        ck_assert_int_eq (vg_sink_device (&o.sink, &d), 0);
    }
    ck_assert_uint_eq (vg_ndjson_sink_devices_dropped (o.ns), 900);
    /* Re-announcing with a vendor updates it; without one keeps it. */
    vg_device_t d2 = { "dev5", "W", NULL, NULL, NULL, NULL };
    ck_assert_int_eq (vg_sink_device (&o.sink, &d2), 0);
    vg_device_t d3 = { "dev5", NULL, NULL, NULL, NULL, NULL };
    ck_assert_int_eq (vg_sink_device (&o.sink, &d3), 0);
    vg_point_t p = { .device = "dev5", .path = "x", .kind = VG_KIND_GAUGE, .input = "t", .value = 1 };
    ck_assert_int_eq (vg_sink_sample (&o.sink, &p), 0);
    p.device = "dev999";   /* dropped from the table: vendor null */
    ck_assert_int_eq (vg_sink_sample (&o.sink, &p), 0);
    s_close (&o);
    json_t *j = s_line (o.text, 0);
    ck_assert_str_eq (json_string_value (json_object_get (j, "vendor")), "W");
    json_decref (j);
    j = s_line (o.text, 1);
    ck_assert (json_is_null (json_object_get (j, "vendor")));
    json_decref (j);
    free (o.text);
}
END_TEST

START_TEST (write_error_reported)
{
    FILE *f = fopen ("/dev/full", "w");
    if (!f)
        return;   /* not on this system */
    setvbuf (f, NULL, _IONBF, 0);
    vg_ndjson_sink_t *ns = vg_ndjson_sink_new (f, 0);
    vg_sink_t s = vg_ndjson_sink_ops (ns);
    vg_point_t p = { .device = "d", .path = "x", .kind = VG_KIND_GAUGE, .input = "t", .value = 1 };
    ck_assert_int_eq (vg_sink_sample (&s, &p), -VG_EIO);
    vg_ndjson_sink_destroy (&ns);
    vg_ndjson_sink_destroy (&ns);   /* NULL-safe */
    fclose (f);
}
END_TEST

Suite *
vg_ndjson_sink_suite (void)
{
    const TTest *tests[] = {
        sample_line_fields, escaping_is_valid_json, events_and_numbers, device_table_bounded,
        write_error_reported,
    };
    return vg_test_suite ("ndjson_sink", "ndjson_sink", tests, sizeof tests / sizeof tests[0], 30, NULL,
                          NULL);
}
