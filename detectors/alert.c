/* alert.c - names and a compact OCSF Detection Finding (class 2004) JSON rendering.
 * Uses snprintf only; the caller sizes the buffer (the return value says what was needed). */
#include "detectors/alert.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "detectors/detector.h"
#include "detectors/rules.h"

const char *
vg_alert_activity_name (int a)
{
    return a == VG_ACT_CREATE ? "create" : a == VG_ACT_UPDATE ? "update" : a == VG_ACT_CLOSE ? "close" : "unknown";
}

const char *
vg_alert_status_name (int s)
{
    static const char *const n[] = { "unknown", "new", "in_progress", "suppressed", "resolved" };
    return s >= 1 && s <= 4 ? n[s] : n[0];
}

typedef struct {
    char *buf;
    size_t size, len;
} s_out_t;

static void
s_raw (s_out_t *o, const char *fmt, const char *s)
{
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = snprintf (room ? o->buf + o->len : NULL, room, fmt, s);
    if (n > 0)
        o->len += (size_t) n;
}

static void
s_num (s_out_t *o, const char *fmt, double v)
{
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = isfinite (v) ? snprintf (room ? o->buf + o->len : NULL, room, fmt, v)
                         : snprintf (room ? o->buf + o->len : NULL, room, "null");
    if (n > 0)
        o->len += (size_t) n;
}

static void
s_int (s_out_t *o, long long v)
{
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = snprintf (room ? o->buf + o->len : NULL, room, "%lld", v);
    if (n > 0)
        o->len += (size_t) n;
}

/* A JSON string with escaping (common/json.h). */
static void
s_str (s_out_t *o, const char *s)
{
    s_raw (o, "%s", "\"");
    size_t room = o->len < o->size ? o->size - o->len : 0;
    o->len += vg_json_escape (room ? o->buf + o->len : NULL, room, s);
    s_raw (o, "%s", "\"");
}

static void
s_kv (s_out_t *o, const char *k, const char *v, int comma)
{
    if (comma)
        s_raw (o, "%s", ",");
    s_str (o, k);
    s_raw (o, "%s", ":");
    s_str (o, v);
}

/* An OCSF observation of `param`: "observation_parameter":..,"observations":[{"value":"v"}]. */
static void
s_observation (s_out_t *o, const char *param, double v)
{
    s_kv (o, "observation_parameter", param, 0);
    s_raw (o, "%s", ",\"observations\":[{\"value\":\"");
    s_num (o, "%.17g", v);
    s_raw (o, "%s", "\"}]");
}

const char *
vg_alert_message (const vg_alert_t *a, char *buf, size_t size)
{
    if (a->headline[0]) /* names the entity and carries the deciding values already */
        snprintf (buf, size, "%s", a->headline);
    else
        snprintf (buf, size, "%s: %s%s%s", a->device, a->title ? a->title : "", a->evidence[0] ? ": " : "",
                  a->evidence);
    return buf;
}

size_t
vg_alert_to_json (const vg_alert_t *a, char *buf, size_t size)
{
    s_out_t o = { buf, size, 0 };
    static const char *const sev[] = { "Unknown", "Informational", "Low", "Medium", "High", "Critical" };
    char cia[2] = { a->cia, 0 };
    int sv = a->severity >= 1 && a->severity <= 5 ? a->severity : 0;
    s_raw (&o, "%s", "{\"class_uid\":2004,\"category_uid\":2,\"activity_id\":");
    s_int (&o, a->activity);
    s_raw (&o, "%s", ",\"type_uid\":");
    s_int (&o, 200400 + a->activity);
    s_raw (&o, "%s", ",\"time\":");
    s_int (&o, a->time_ms);
    s_raw (&o, "%s", ",\"start_time\":");
    s_int (&o, a->window_start_ms);
    s_raw (&o, "%s", ",\"end_time\":");
    s_int (&o, a->window_end_ms);
    s_raw (&o, "%s", ",\"severity_id\":");
    s_int (&o, sv);
    s_kv (&o, "severity", sev[sv], 1);
    s_raw (&o, "%s", ",\"status_id\":");
    s_int (&o, a->status);
    s_kv (&o, "status", vg_alert_status_name (a->status), 1);
    s_raw (&o, "%s", a->activity == VG_ACT_CLOSE || a->status == VG_STATUS_SUPPRESSED ? ",\"is_alert\":false" : ",\"is_alert\":true");
    s_raw (&o, "%s", ",\"message\":");
    {
        char msg[1024];
        s_str (&o, vg_alert_message (a, msg, sizeof msg));
    }
    s_raw (&o, "%s", ",\"metadata\":{\"version\":\"1.8.0\"");
    s_kv (&o, "correlation_uid", a->dedup_key, 1);
    s_raw (&o, "%s", ",\"product\":{\"name\":\"vigil\",\"vendor_name\":\"vigil\"}}");
    s_raw (&o, "%s", ",\"finding_info\":{");
    s_kv (&o, "uid", a->uid, 0);
    s_kv (&o, "title", a->title, 1);
    s_raw (&o, "%s", ",\"types\":[");
    s_str (&o, a->cia == 'A' ? "availability" : a->cia == 'C' ? "confidentiality" : a->cia == 'I' ? "integrity" : "fleet");
    if (a->types && a->types[0]) {
        s_raw (&o, "%s", ",");
        s_str (&o, a->types);
    }
    s_raw (&o, "%s", "],\"analytic\":{");
    s_kv (&o, "uid", a->catalog && a->catalog[0] ? a->catalog : a->rule_id, 0);
    s_kv (&o, "name", a->rule_id, 1);
    s_kv (&o, "version", a->detector_version, 1);
    s_raw (&o, "%s", ",\"type_id\":");
    s_int (&o, !strcmp (a->detector, "seasonal") || !strcmp (a->detector, "burst") || !strcmp (a->detector, "divergence") ||
                       !strcmp (a->detector, "common_mode") ? 3 : 1);
    s_raw (&o, "%s", "},\"first_seen_time\":");
    s_int (&o, a->first_seen_ms);
    s_raw (&o, "%s", ",\"last_seen_time\":");
    s_int (&o, a->last_seen_ms);
    s_raw (&o, "%s", ",\"attacks\":[");
    {
        const char *p = a->techniques ? a->techniques : "";
        int first = 1;
        while (*p) {
            const char *c = strchr (p, ',');
            size_t n = c ? (size_t) (c - p) : strlen (p);
            char id[64];
            snprintf (id, sizeof id, "%.*s", (int) (n < 63 ? n : 63), p);
            int fight = !strncmp (id, "FGT", 3);
            s_raw (&o, "%s", first ? "{" : ",{");
            s_kv (&o, "version", fight ? "FiGHT" : "ATT&CK", 0);
            s_raw (&o, "%s", ",\"technique\":{");
            s_kv (&o, "uid", id, 0);
            s_raw (&o, "%s", "}}");
            first = 0;
            p = c ? c + 1 : p + n;
        }
    }
    s_raw (&o, "%s", "]},\"device\":{");
    s_kv (&o, "uid", a->device, 0);
    s_kv (&o, "vendor_name", a->vendor, 1);
    s_kv (&o, "model", a->model, 1);
    s_kv (&o, "region", a->site, 1);
    s_kv (&o, "type", a->role, 1);
    s_raw (&o, "%s", ",\"os\":{");
    s_kv (&o, "version", a->sw_version, 0);
    s_raw (&o, "%s", "}},\"anomaly_analyses\":[{\"anomalies\":[{");
    s_observation (&o, a->entity[0] ? a->entity : a->rule_id, a->observed);
    s_raw (&o, "%s", "}],\"baselines\":[{");
    s_observation (&o, a->entity[0] ? a->entity : a->rule_id, a->expected);
    s_raw (&o, "%s", "}]}],\"unmapped\":{\"nte\":{");
    s_kv (&o, "cia_class", cia, 0);
    s_kv (&o, "dedup_key", a->dedup_key, 1);
    s_kv (&o, "rule", a->rule_id, 1);
    s_kv (&o, "detector", a->detector, 1);
    s_kv (&o, "signal", a->signal, 1);
    s_kv (&o, "evidence", a->evidence, 1);
    s_kv (&o, "reason", a->reason, 1);
    s_raw (&o, "%s", ",\"observed\":");
    s_num (&o, "%.17g", a->observed);
    s_raw (&o, "%s", ",\"expected\":");
    s_num (&o, "%.17g", a->expected);
    s_raw (&o, "%s", ",\"expected_band\":[");
    s_num (&o, "%.17g", a->lo);
    s_raw (&o, "%s", ",");
    s_num (&o, "%.17g", a->hi);
    s_raw (&o, "%s", "],\"score\":");
    s_num (&o, "%.6g", a->score);
    s_raw (&o, "%s", ",\"series_id\":\"");
    {
        char hex[24];
        snprintf (hex, sizeof hex, "%016llx", (unsigned long long) a->series_id);
        s_raw (&o, "%s", hex);
        s_raw (&o, "%s", "\",\"detector_config\":\"");
        snprintf (hex, sizeof hex, "%016llx", (unsigned long long) a->rules_digest);
        s_raw (&o, "%s", hex);
    }
    s_raw (&o, "%s", "\"}}}");
    return o.len;
}

void
vg_alert_evidence (const vg_alert_t *a, int64_t *from_ms, int64_t *to_ms, char *path, size_t path_size)
{
    int64_t from = a->window_start_ms, to = a->window_end_ms;
    if (a->first_seen_ms && (a->first_seen_ms < from || !from))
        from = a->first_seen_ms;
    if (a->last_seen_ms > to)
        to = a->last_seen_ms;
    *from_ms = from;
    *to_ms = to;
    if (path_size) {
        snprintf (path, path_size, "%s", a->entity);
        path[strcspn (path, "{")] = '\0';
    }
}
