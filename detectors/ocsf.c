/* ocsf.c - the one OCSF Detection Finding renderer (see ocsf.h for the invariant), in two
 * shapes: the published document (Kafka, vigil replay) and the compact stored record
 * (vg_alert_to_json; the alert store adds the replay pointer), which is the published one
 * without its captions, links, evidence and analysis target.
 * A bounded writer over the caller's buffer: it keeps counting past the end so the caller
 * learns the size it needs, and never writes past buf[size - 1]. */
#include "detectors/ocsf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hash.h"
#include "common/json.h"
#include "common/pointer.h"

typedef struct {
    char *buf;
    size_t size, len;
} s_w_t;

static void
s_put (s_w_t *w, const char *s, size_t n)
{
    if (w->len < w->size) {
        size_t room = w->size - w->len - 1;
        memcpy (w->buf + w->len, s, n < room ? n : room);
        w->buf[w->len + (n < room ? n : room)] = '\0';
    }
    w->len += n;
}

static void
s_lit (s_w_t *w, const char *s)
{
    s_put (w, s, strlen (s));
}

static void
s_fmt (s_w_t *w, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_fmt (s_w_t *w, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (tmp, sizeof tmp, fmt, ap);
    va_end (ap);
    if (n > 0)
        s_put (w, tmp, (size_t) n < sizeof tmp ? (size_t) n : sizeof tmp - 1);
}

/* A JSON string (common/json.h rules). */
static void
s_str (s_w_t *w, const char *s)
{
    s_lit (w, "\"");
    size_t room = w->len < w->size ? w->size - w->len : 0;
    w->len += vg_json_escape (room ? w->buf + w->len : NULL, room, s);
    s_lit (w, "\"");
}

/* ,"key":"value" (comma unless first). */
static void
s_kv (s_w_t *w, const char *k, const char *v, int comma)
{
    s_lit (w, comma ? ",\"" : "\"");
    s_lit (w, k);
    s_lit (w, "\":");
    s_str (w, v);
}

/* ,"key":integer (hand-formatted: this runs a dozen times per alert). */
static void
s_ki (s_w_t *w, const char *k, long long v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long) v : (unsigned long long) v;
    do {
        tmp[--i] = (char) ('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    s_lit (w, ",\"");
    s_lit (w, k);
    s_put (w, "\":", 2);
    s_put (w, tmp + i, sizeof tmp - i);
}

/* A number as JSON (null when not finite); quoted when q, as OCSF observation values are. */
static void
s_num (s_w_t *w, double v, int q)
{
    if (!isfinite (v))
        s_lit (w, q ? "\"null\"" : "null");
    else
        s_fmt (w, q ? "\"%.17g\"" : "%.17g", v);
}

static const char *
s_or (const char *s)
{
    return s ? s : "";
}

static int
s_statistical (const char *detector)
{
    static const char *const k[] = { "seasonal", "burst", "divergence", "common_mode" };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (detector && !strcmp (detector, k[i]))
            return 1;
    return 0;
}

/* OCSF device type_id from the inventory role. */
static int
s_device_type (const char *role, const char **name)
{
    static const struct {
        const char *role;
        int id;
        const char *name;
    } m[] = { { "router", 12, "Router" }, { "switch", 10, "Switch" }, { "firewall", 9, "Firewall" },
              { "server", 1, "Server" } };
    for (size_t i = 0; role && i < sizeof m / sizeof m[0]; i++)
        if (strstr (role, m[i].role)) {
            *name = m[i].name;
            return m[i].id;
        }
    *name = "Other";
    return 99;
}

/* One attacks[] entry for an ATT&CK ("T1562.006") or FiGHT ("FGT1499.503") id, with its
 * link when full. */
static void
s_attack (s_w_t *w, const char *id, int first, int full)
{
    int fight = !strncmp (id, "FGT", 3);
    s_lit (w, first ? "{" : ",{");
    s_kv (w, "version", fight ? "FiGHT" : "ATT&CK", 0);
    s_lit (w, ",\"technique\":{");
    s_kv (w, "uid", id, 0);
    if (full) {
        char url[160];
        if (fight)
            snprintf (url, sizeof url, "https://fight.mitre.org/techniques/%s", id);
        else {
            const char *dot = strchr (id, '.');
            if (dot)
                snprintf (url, sizeof url, "https://attack.mitre.org/techniques/%.*s/%s/", (int) (dot - id), id,
                          dot + 1);
            else
                snprintf (url, sizeof url, "https://attack.mitre.org/techniques/%s/", id);
        }
        s_kv (w, "src_url", url, 1);
    }
    s_lit (w, "}}");
}

/* An anomalies[] / baselines[] entry's body: the parameter, the detector as the
 * observation type (full) and the value, quoted as OCSF observation values are. */
static void
s_observation (s_w_t *w, const char *param, const char *detector, double v, int full)
{
    s_kv (w, "observation_parameter", param, 0);
    if (full)
        s_kv (w, "observation_type", s_or (detector), 1);
    s_lit (w, ",\"observations\":[{\"value\":");
    s_num (w, v, 1);
    s_lit (w, "}]");
}

void
vg_ocsf_message_uid (const vg_alert_t *a, char out[37])
{
    int64_t salt[3] = { a->activity, a->status, a->time_ms };
    uint64_t h1 = vg_hash64 (a->uid, strnlen (a->uid, sizeof a->uid), 0x6f637366u);
    uint64_t h2 = vg_hash64 (salt, sizeof salt, h1);
    h1 = vg_hash_mix64 (h1 ^ h2);
    /* RFC 9562: version 8 in the high nibble of octet 6, variant 10 in octet 8. */
    h1 = (h1 & ~0xF000ULL) | 0x8000ULL;
    h2 = (h2 & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
    snprintf (out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned) (h1 >> 32), (unsigned) (h1 >> 16) & 0xFFFF,
              (unsigned) h1 & 0xFFFF, (unsigned) (h2 >> 48), (unsigned long long) (h2 & 0xFFFFFFFFFFFFULL));
}

/* Render a in the published shape (full) or the stored one; ctx names the source (in the
 * stored shape only store_path counts: the replay pointer, left out when NULL). */
static size_t
s_render (const vg_alert_t *a, const vg_ocsf_ctx_t *c, int full, char *buf, size_t size)
{
    static const char *const sev[] = { "Unknown", "Informational", "Low", "Medium", "High", "Critical" };
    static const char *const act[] = { "Unknown", "Create", "Update", "Close" };
    s_w_t w = { buf, size, 0 };
    if (size)
        buf[0] = '\0';
    int sv = a->severity >= 1 && a->severity <= 5 ? a->severity : 0;
    int ac = a->activity >= 1 && a->activity <= 3 ? a->activity : 0;
    char cia[2] = { a->cia, 0 };
    char tmp[1024];

    s_lit (&w, full ? "{\"class_uid\":2004,\"class_name\":\"Detection Finding\",\"category_uid\":2,"
                      "\"category_name\":\"Findings\""
                    : "{\"class_uid\":2004,\"category_uid\":2");
    s_ki (&w, "activity_id", a->activity);
    if (full)
        s_kv (&w, "activity_name", act[ac], 1);
    s_ki (&w, "type_uid", 200400 + a->activity);
    if (full) {
        snprintf (tmp, sizeof tmp, "Detection Finding: %s", act[ac]);
        s_kv (&w, "type_name", tmp, 1);
    }
    s_ki (&w, "time", a->time_ms);
    s_ki (&w, "start_time", a->window_start_ms);
    s_ki (&w, "end_time", a->window_end_ms);
    s_ki (&w, "severity_id", sv);
    s_kv (&w, "severity", sev[sv], 1);
    s_ki (&w, "status_id", a->status);
    s_kv (&w, "status", vg_alert_status_name (a->status), 1);
    s_lit (&w, a->activity == VG_ACT_CLOSE || a->status == VG_STATUS_SUPPRESSED ? ",\"is_alert\":false"
                                                                               : ",\"is_alert\":true");
    if (full && isfinite (a->score)) {
        int conf = a->score >= 0.9 ? 3 : a->score >= 0.5 ? 2 : 1;
        static const char *const cn[] = { "", "Low", "Medium", "High" };
        s_ki (&w, "confidence_id", conf);
        s_kv (&w, "confidence", cn[conf], 1);
        s_ki (&w, "confidence_score", (long long) lround (a->score * 100));
    }
    s_kv (&w, "message", vg_alert_message (a, tmp, sizeof tmp), 1);

    s_lit (&w, ",\"metadata\":{\"version\":\"" VG_OCSF_VERSION "\"");
    if (full) {
        char muid[37];
        vg_ocsf_message_uid (a, muid);
        s_kv (&w, "uid", muid, 1);
    }
    s_kv (&w, "correlation_uid", a->dedup_key, 1);
    if (c->topic && c->topic[0])
        s_kv (&w, "log_name", c->topic, 1);
    s_lit (&w, ",\"product\":{\"name\":\"vigil\",\"vendor_name\":\"vigil\"");
    if (c->product_version && c->product_version[0])
        s_kv (&w, "version", c->product_version, 1);
    s_lit (&w, "}}");

    s_lit (&w, ",\"finding_info\":{");
    s_kv (&w, "uid", a->uid, 0);
    s_kv (&w, "title", s_or (a->title), 1);
    s_lit (&w, ",\"types\":[");
    s_str (&w, a->cia == 'A' ? "availability" : a->cia == 'C' ? "confidentiality" : a->cia == 'I' ? "integrity" : "fleet");
    if (a->types && a->types[0]) {
        s_lit (&w, ",");
        s_str (&w, a->types);
    }
    s_lit (&w, "],\"analytic\":{");
    s_kv (&w, "uid", a->catalog && a->catalog[0] ? a->catalog : s_or (a->rule_id), 0);
    s_kv (&w, "name", s_or (a->rule_id), 1);
    s_kv (&w, "version", s_or (a->detector_version), 1);
    int stat = s_statistical (a->detector);
    s_ki (&w, "type_id", stat ? 3 : 1);
    if (full)
        s_kv (&w, "type", stat ? "Statistical" : "Rule", 1);
    s_lit (&w, "}");
    s_ki (&w, "first_seen_time", a->first_seen_ms);
    s_ki (&w, "last_seen_time", a->last_seen_ms);
    s_lit (&w, full ? ",\"data_sources\":[\"telemetry\"],\"attacks\":[" : ",\"attacks\":[");
    {
        const char *p = s_or (a->techniques);
        int first = 1;
        while (*p) {
            const char *comma = strchr (p, ',');
            size_t n = comma ? (size_t) (comma - p) : strlen (p);
            char id[64];
            snprintf (id, sizeof id, "%.*s", (int) (n < 63 ? n : 63), p);
            if (id[0] || !full) { /* the stored shape has always kept an empty id */
                s_attack (&w, id, first, full);
                first = 0;
            }
            p = comma ? comma + 1 : p + n;
        }
    }
    s_lit (&w, "]}");

    s_lit (&w, ",\"device\":{");
    s_kv (&w, "uid", a->device, 0);
    if (full)
        s_kv (&w, "hostname", a->device, 1);
    s_kv (&w, "vendor_name", s_or (a->vendor), 1);
    s_kv (&w, "model", s_or (a->model), 1);
    s_kv (&w, "region", s_or (a->site), 1);
    s_kv (&w, "type", s_or (a->role), 1);
    if (full) {
        const char *tname;
        s_ki (&w, "type_id", s_device_type (a->role, &tname));
    }
    s_lit (&w, ",\"os\":{");
    s_kv (&w, "version", s_or (a->sw_version), 0);
    if (full) {
        s_kv (&w, "name", s_or (a->vendor), 1);
        s_lit (&w, ",\"type_id\":99,\"type\":\"Other\"");
    }
    s_lit (&w, "}}");

    const char *param = a->entity[0] ? a->entity : s_or (a->rule_id);
    s_lit (&w, ",\"anomaly_analyses\":[{");
    if (full) {
        s_lit (&w, "\"analysis_targets\":[{");
        s_kv (&w, "name", a->device, 0);
        s_kv (&w, "type", "network_element", 1);
        s_lit (&w, "}],");
    }
    s_lit (&w, "\"anomalies\":[{");
    s_observation (&w, param, a->detector, a->observed, full);
    s_lit (&w, "}],\"baselines\":[{");
    s_observation (&w, param, a->detector, a->expected, full);
    s_lit (&w, "}]}]");

    if (full) {
        s_lit (&w, ",\"evidences\":[{\"data\":{");
        s_kv (&w, "summary", a->evidence, 0);
        s_kv (&w, "entity", a->entity, 1);
        s_kv (&w, "signal", a->signal, 1);
        s_lit (&w, "}}]");
    }

    char hex[24];
    s_lit (&w, ",\"unmapped\":{\"nte\":{");
    s_kv (&w, "cia_class", cia, 0);
    s_kv (&w, "dedup_key", a->dedup_key, 1);
    s_kv (&w, "rule", s_or (a->rule_id), 1);
    s_kv (&w, "detector", s_or (a->detector), 1);
    s_kv (&w, "signal", a->signal, 1);
    s_kv (&w, "evidence", a->evidence, 1);
    s_kv (&w, "reason", a->reason, 1);
    if (full && a->activity == VG_ACT_CLOSE)
        s_kv (&w, "resolve_reason", a->reason, 1);
    s_lit (&w, ",\"observed\":");
    s_num (&w, a->observed, 0);
    s_lit (&w, ",\"expected\":");
    s_num (&w, a->expected, 0);
    s_lit (&w, ",\"expected_band\":[");
    s_num (&w, a->lo, 0);
    s_lit (&w, ",");
    s_num (&w, a->hi, 0);
    s_lit (&w, "],\"score\":");
    if (isfinite (a->score))
        s_fmt (&w, "%.6g", a->score);
    else
        s_lit (&w, "null");
    snprintf (hex, sizeof hex, "%016llx", (unsigned long long) a->series_id);
    s_kv (&w, "series_id", hex, 1);
    snprintf (hex, sizeof hex, "%016llx", (unsigned long long) a->rules_digest);
    s_kv (&w, "detector_config", hex, 1);
    if (full)
        s_ki (&w, "window_s", (a->window_end_ms - a->window_start_ms) / 1000);

    if (full || c->store_path) {
        /* Replay pointer: the store and the series / device and the time range that hold
         * the evidence (vigil query --store S --device D --path P --from F --to T). */
        int64_t from, to;
        char path[sizeof a->entity];
        vg_alert_evidence (a, &from, &to, path, sizeof path);
        s_lit (&w, ",\"replay\":{");
        s_kv (&w, "store", s_or (c->store_path), 0);
        if (full)
            s_kv (&w, "collector", s_or (c->collector_id), 1);
        s_kv (&w, "device", a->device, 1);
        if (a->scope && a->scope[0])
            s_kv (&w, "scope", a->scope, 1);
        s_kv (&w, "path", path, 1);
        snprintf (hex, sizeof hex, "%016llx", (unsigned long long) a->series_id);
        s_kv (&w, "series_id", hex, 1);
        s_ki (&w, "from_ms", from);
        s_ki (&w, "to_ms", to);
        /* The same as one URI that vigil replay / export / timeline take with --pointer; its
         * range is half-open, so it ends just after to_ms.  Percent-encoded, it needs no JSON
         * escaping: written in place, whatever its length. */
        s_lit (&w, ",\"pointer\":\"");
        size_t room = w.len < w.size ? w.size - w.len : 0;
        w.len += vg_pointer_format (c->store_path, a->scope, a->device, path, a->series_id, from, to + 1,
                                    room ? w.buf + w.len : NULL, room);
        s_lit (&w, "\"");
        if (c->replayed)
            s_lit (&w, ",\"replayed\":true");
        s_lit (&w, "}");
    }
    s_lit (&w, "}}}");
    return w.len;
}

size_t
vg_ocsf_render (const vg_alert_t *a, const vg_ocsf_ctx_t *ctx, char *buf, size_t size)
{
    static const vg_ocsf_ctx_t none = { NULL, NULL, NULL, NULL, false };
    return s_render (a, ctx ? ctx : &none, 1, buf, size);
}

size_t
vg_ocsf_render_stored (const vg_alert_t *a, const char *store_path, char *buf, size_t size)
{
    const vg_ocsf_ctx_t c = { .store_path = store_path };
    return s_render (a, &c, 0, buf, size);
}
