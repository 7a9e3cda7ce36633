/* ves.c - VES 7 events (perf3gpp, measurement, fault, stndDefined) to samples and events.
 *
 * Invariants: the body is bounded in size and nesting before jansson sees it; a sample's
 * labels and an event's attributes live in fixed arrays (no allocation per value). */
#include "decode/ves.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "decode/oc_map.h"
#include "decode/pm3gpp.h"

typedef struct {
    const vg_decode_ctx_t *ctx;
    const vg_sink_t *sink;
    vg_decode_stats_t *st;
    const char *device;
    int64_t ts_ms;
} s_ev_t;

int
vg_json_depth (const char *s, size_t n, int limit)
{
    int d = 0, max = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"')
            in_str = 1;
        else if (c == '{' || c == '[') {
            if (++d > max) {
                max = d;
                if (max > limit)
                    return max;
            }
        } else if (c == '}' || c == ']')
            d--;
    }
    return max;
}

static const char *
s_str (json_t *o, const char *k)
{
    json_t *v = json_object_get (o, k);
    return json_is_string (v) ? json_string_value (v) : NULL;
}

/* A JSON number, or a string holding a plain decimal number. */
static int
s_num (json_t *v, double *out)
{
    if (json_is_number (v)) {
        *out = json_number_value (v);
        return isfinite (*out);
    }
    if (json_is_string (v))
        return vg_pm3gpp_parse_value (json_string_value (v), json_string_length (v), out);
    return 0;
}

static int
s_emit (s_ev_t *e, vg_point_t *p)
{
    vg_pm3gpp_std_unit (p); /* a vendor PM counter in the standard's unit */
    int rc = vg_sink_sample (e->sink, p);
    if (rc == 0)
        e->st->samples++;
    return rc;
}

/* ---------------------------------------------------------------------------------------
 * perf3gpp */

static int
s_perf_value (s_ev_t *e, vg_point_t *p, const char *text, size_t n)
{
    if (!memchr (text, ',', n)) {
        if (!vg_pm3gpp_parse_value (text, n, &p->value)) {
            e->st->undecoded++;
            return 0;
        }
        return s_emit (e, p);
    }
    /* Compound (PDF) value: one sample per bin, like the XML decoder (values as doubles). */
    return vg_pm3gpp_emit_bins (e->sink, e->st, p, text, n, 0);
}

/* A perf3gpp gauge of the event: path, origin, labels and time filled in. */
static void
s_perf_point (const s_ev_t *e, vg_point_t *p, const char *path, const char *origin, const vg_label_t *labels,
              size_t nl)
{
    memset (p, 0, sizeof *p);
    p->device = e->device;
    p->path = path;
    p->origin_path = origin;
    p->labels = labels;
    p->nlabels = nl;
    p->kind = VG_KIND_GAUGE;
    p->input = "ves";
    p->ts_ms = e->ts_ms;
}

static int
s_perf3gpp (s_ev_t *e, json_t *fields)
{
    json_t *mdc = json_object_get (fields, "measDataCollection");
    json_t *mil = json_object_get (mdc, "measInfoList");
    if (!json_is_object (mdc) || !json_is_array (mil))
        return vg_decode_fail (e->st, -VG_EPROTO, "ves: perf3gpp without measDataCollection.measInfoList");
    char scratch[2048];
    vg_label_t labels[VG_MAX_LABELS];
    size_t i, j, k;
    json_t *mi, *mv, *r;
    json_array_foreach (mil, i, mi) {
        json_t *types = json_object_get (json_object_get (mi, "measTypes"), "sMeasTypesList");
        json_t *mvl = json_object_get (mi, "measValuesList");
        if (!json_is_array (types) || !json_is_array (mvl))
            return vg_decode_fail (e->st, -VG_EPROTO, "ves: measInfo without sMeasTypesList/measValuesList");
        json_array_foreach (mvl, j, mv) {
            json_t *res = json_object_get (mv, "measResults");
            if (!json_is_array (res))
                return vg_decode_fail (e->st, -VG_EPROTO, "ves: measValue without measResults");
            size_t nl = vg_pm3gpp_ldn_labels (s_str (mv, "measObjInstId"), scratch, sizeof scratch, labels,
                                              VG_MAX_LABELS - 1);
            vg_pm3gpp_totals_t tot;   /* per-cause-only totals, as the XML decoder adds them */
            vg_pm3gpp_totals_reset (&tot);
            json_array_foreach (res, k, r) {
                json_t *pj = json_object_get (r, "p");
                double pd;
                if (!s_num (pj, &pd) || pd < 1 || pd > (double) json_array_size (types) || pd != floor (pd)) {
                    e->st->undecoded++;
                    continue;
                }
                const char *name = json_string_value (json_array_get (types, (size_t) pd - 1));
                json_t *isnull = json_object_get (r, "isNull");
                if (!name || json_is_true (isnull) || (json_is_string (isnull) && strcmp (json_string_value (isnull), "true") == 0)) {
                    e->st->undecoded++;
                    continue;
                }
                char nbuf[VG_MAX_PATH_LEN];
                vg_point_t p;
                s_perf_point (e, &p, vg_pm3gpp_norm_name (name, nbuf, sizeof nbuf), name, labels, nl);
                json_t *sv = json_object_get (r, "sValue");
                int rc;
                if (json_is_string (sv)) {
                    const char *t = json_string_value (sv);
                    size_t tl = json_string_length (sv);
                    double d;
                    if (!memchr (t, ',', tl) && vg_pm3gpp_parse_value (t, tl, &d))
                        vg_pm3gpp_totals_note (&tot, name, p.path, d);
                    rc = s_perf_value (e, &p, t, tl);
                } else if (s_num (json_object_get (r, "iValue"), &p.value) || s_num (json_object_get (r, "rValue"), &p.value)) {
                    vg_pm3gpp_totals_note (&tot, name, p.path, p.value);
                    rc = s_emit (e, &p);
                } else {
                    e->st->undecoded++;
                    rc = 0;
                }
                if (rc)
                    return rc;
            }
            const char *tp, *to;
            double tv;
            for (size_t f = 0; f < VG_PM3GPP_NFAM; f++) {
                if (!vg_pm3gpp_totals_get (&tot, f, &tp, &to, &tv))
                    continue;
                vg_point_t p;
                s_perf_point (e, &p, tp, to, labels, nl);
                p.value = tv;
                int rc = s_emit (e, &p);
                if (rc)
                    return rc;
            }
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------
 * measurement */

static const struct { const char *array; const char *id; } s_ids[] = {
    { "cpuUsageArray", "cpuIdentifier" },          { "memoryUsageArray", "vmIdentifier" },
    { "nicPerformanceArray", "nicIdentifier" },    { "diskUsageArray", "diskIdentifier" },
    { "filesystemUsageArray", "filesystemName" },  { "processStatsArray", "processIdentifier" },
    { "hugePagesArray", "hugePagesIdentifier" },   { "codecUsageArray", "codecIdentifier" },
    { "machineCheckExceptionArray", "vmIdentifier" }, { "networkSliceArray", "networkSliceIdentifier" },
};

static const char *
s_id_key (const char *array, json_t *entry)
{
    for (size_t i = 0; i < sizeof s_ids / sizeof s_ids[0]; i++)
        if (strcmp (array, s_ids[i].array) == 0 && json_is_string (json_object_get (entry, s_ids[i].id)))
            return s_ids[i].id;
    const char *k;
    json_t *v;
    json_object_foreach (entry, k, v) {
        size_t l = strlen (k);
        if (json_is_string (v) && ((l > 10 && strcmp (k + l - 10, "Identifier") == 0) || (l > 4 && strcmp (k + l - 4, "Name") == 0)))
            return k;
    }
    return NULL;
}

static vg_kind_t
s_field_kind (const char *f)
{
    size_t l = strlen (f);
    return (l > 11 && strcmp (f + l - 11, "Accumulated") == 0) ? VG_KIND_COUNTER : VG_KIND_GAUGE;
}

static int
s_path (char *buf, size_t size, const char *a, const char *b, const char *c)
{
    int n = c ? snprintf (buf, size, "ves:measurementFields/%s/%s/%s", a, b, c)
              : b ? snprintf (buf, size, "ves:measurementFields/%s/%s", a, b)
                  : snprintf (buf, size, "ves:measurementFields/%s", a);
    return n > 0 && (size_t) n < size ? 0 : -1;
}

static int
s_measurement (s_ev_t *e, json_t *fields)
{
    char path[VG_MAX_PATH_LEN];
    vg_point_t p;
    memset (&p, 0, sizeof p);
    p.device = e->device;
    p.input = "ves";
    p.ts_ms = e->ts_ms;
    p.path = path;
    const char *k;
    json_t *v;
    int rc = 0;
    json_object_foreach (fields, k, v) {
        double d;
        if (json_is_array (v)) {
            size_t i;
            json_t *ent;
            char idx[24];
            json_array_foreach (v, i, ent) {
                if (!json_is_object (ent))
                    continue;
                const char *idk = s_id_key (k, ent);
                vg_label_t lab;
                if (idk) {
                    lab.key = idk;
                    lab.value = s_str (ent, idk);
                } else {
                    snprintf (idx, sizeof idx, "%zu", i);
                    lab.key = "index";
                    lab.value = idx;
                }
                if (strlen (lab.value) >= VG_MAX_LABEL_LEN) {
                    e->st->undecoded++;
                    continue;
                }
                p.labels = &lab;
                p.nlabels = 1;
                if (strcmp (k, "additionalMeasurements") == 0) {
                    /* [{name, hashMap:{key: "value"}}] */
                    const char *nm = s_str (ent, "name");
                    json_t *hm = json_object_get (ent, "hashMap");
                    const char *hk;
                    json_t *hv;
                    p.labels = NULL;
                    p.nlabels = 0;
                    if (!nm || !json_is_object (hm))
                        continue;
                    json_object_foreach (hm, hk, hv) {
                        if (!s_num (hv, &p.value) || s_path (path, sizeof path, k, nm, hk) < 0)
                            continue;
                        p.origin_path = path;
                        p.kind = VG_KIND_GAUGE;
                        rc = s_emit (e, &p);
                        if (rc)
                            return rc;
                    }
                    continue;
                }
                const char *fk;
                json_t *fv;
                json_object_foreach (ent, fk, fv) {
                    if ((idk && strcmp (fk, idk) == 0) || !s_num (fv, &p.value) || s_path (path, sizeof path, k, fk, NULL) < 0)
                        continue;
                    p.origin_path = path;
                    p.kind = s_field_kind (fk);
                    /* CPU, memory and NIC counters land on the names every source uses
                     * (shared table); the entry's identifier names the CPU or interface. */
                    const vg_oc_entry_t *m = vg_oc_lookup (path);
                    const char *key = lab.key;
                    if (m && m->kind != VG_KIND_STATE) {
                        p.path = m->oc;
                        p.kind = m->kind;
                        p.unit = m->unit;
                        if (m->scale != 0)
                            p.value *= m->scale;
                        if (idk && (strncmp (m->oc, "/interfaces/", 12) == 0 || strncmp (m->oc, "/components/", 12) == 0))
                            lab.key = "name";
                    }
                    rc = s_emit (e, &p);
                    p.path = path;
                    p.unit = NULL;
                    lab.key = key;
                    if (rc)
                        return rc;
                }
            }
        } else if (s_num (v, &d)) {
            size_t l = strlen (k);
            if (strcmp (k, "measurementInterval") == 0 || (l > 7 && strcmp (k + l - 7, "Version") == 0))
                continue;   /* metadata, not a measurement */
            if (s_path (path, sizeof path, k, NULL, NULL) < 0)
                continue;
            p.labels = NULL;
            p.nlabels = 0;
            p.value = d;
            p.origin_path = path;
            p.kind = s_field_kind (k);
            rc = s_emit (e, &p);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------
 * fault and stndDefined alarms */

/* An event's attributes.  A value longer than a label is kept cut at a UTF-8 character
 * boundary with "..." appended (a long specificProblem or additional text is evidence; losing
 * it entirely would hide what the element said); a key longer than a label is dropped. */
typedef struct {
    vg_label_t a[VG_MAX_ATTRS];
    char num[VG_MAX_ATTRS][32];
    char cut[VG_MAX_ATTRS][VG_MAX_LABEL_LEN];
    size_t n;
} s_attrs_t;

/* Copy s into dst (VG_MAX_LABEL_LEN bytes) cut at a character boundary, with "...". */
static const char *
s_cut_value (char *dst, const char *s)
{
    const size_t mark = 3;
    size_t keep = VG_MAX_LABEL_LEN - 1 - mark;
    while (keep > 0 && ((unsigned char) s[keep] & 0xC0) == 0x80)   /* not inside a character */
        keep--;
    memcpy (dst, s, keep);
    memcpy (dst + keep, "...", mark + 1);
    return dst;
}

static void
s_attr_add (s_attrs_t *at, const char *k, json_t *v)
{
    if (at->n >= VG_MAX_ATTRS || !k)
        return;
    const char *s = NULL;
    if (json_is_string (v))
        s = json_string_value (v);
    else if (json_is_number (v)) {
        snprintf (at->num[at->n], sizeof at->num[0], "%.17g", json_number_value (v));
        s = at->num[at->n];
    } else if (json_is_boolean (v))
        s = json_is_true (v) ? "true" : "false";
    if (!s || strlen (k) >= VG_MAX_LABEL_LEN)
        return;
    if (strlen (s) >= VG_MAX_LABEL_LEN)
        s = s_cut_value (at->cut[at->n], s);
    at->a[at->n].key = k;
    at->a[at->n].value = s;
    at->n++;
}

static int
s_fault_event (s_ev_t *e, s_attrs_t *at)
{
    vg_event_t ev = { .device = e->device, .ts_ms = e->ts_ms, .type = VG_EV_FAULT, .attrs = at->a,
                      .nattrs = at->n, .input = "ves" };
    int rc = vg_sink_event (e->sink, &ev);
    if (rc == 0)
        e->st->events++;
    return rc;
}

static int
s_fault (s_ev_t *e, json_t *hdr, json_t *fields)
{
    static const char *const hkeys[] = { "eventName", "eventId", "priority" };
    static const char *const fkeys[] = { "alarmCondition", "eventSeverity", "specificProblem", "eventSourceType",
                                         "vfStatus", "alarmInterfaceA", "eventCategory" };
    s_attrs_t at;
    at.n = 0;
    for (size_t i = 0; i < sizeof fkeys / sizeof fkeys[0]; i++)
        s_attr_add (&at, fkeys[i], json_object_get (fields, fkeys[i]));
    for (size_t i = 0; i < sizeof hkeys / sizeof hkeys[0]; i++)
        s_attr_add (&at, hkeys[i], json_object_get (hdr, hkeys[i]));
    json_t *add = json_object_get (fields, "alarmAdditionalInformation");
    if (json_is_object (add)) {
        const char *k;
        json_t *v;
        json_object_foreach (add, k, v)
            s_attr_add (&at, k, v);
    } else if (json_is_array (add)) {   /* VES 5 style [{name, value}] */
        size_t i;
        json_t *v;
        json_array_foreach (add, i, v)
            s_attr_add (&at, s_str (v, "name"), json_object_get (v, "value"));
    }
    return s_fault_event (e, &at);
}

static int
s_stnd_defined (s_ev_t *e, json_t *hdr, json_t *fields)
{
    json_t *data = json_object_get (fields, "data");
    const char *nt = s_str (data, "notificationType");
    static const char *const alarms[] = { "notifyNewAlarm", "notifyChangedAlarm", "notifyClearedAlarm",
                                          "notifyChangedAlarmGeneral", "notifyAckStateChanged",
                                          "notifyAlarmListRebuilt", "notifyCorrelatedNotificationChanged" };
    int is_alarm = 0;
    for (size_t i = 0; nt && i < sizeof alarms / sizeof alarms[0]; i++)
        if (strcmp (nt, alarms[i]) == 0)
            is_alarm = 1;
    if (!is_alarm) {
        e->st->undecoded++;
        return 0;
    }
    s_attrs_t at;
    at.n = 0;
    s_attr_add (&at, "stndDefinedNamespace", json_object_get (hdr, "stndDefinedNamespace"));
    const char *k;
    json_t *v;
    json_object_foreach (data, k, v)
        s_attr_add (&at, k, v);   /* scalar members only; objects are skipped */
    return s_fault_event (e, &at);
}

/* ---------------------------------------------------------------------------------------
 * envelope */

static int
s_event (const vg_decode_ctx_t *ctx, const vg_sink_t *sink, vg_decode_stats_t *st, json_t *ev)
{
    json_t *hdr = json_object_get (ev, "commonEventHeader");
    const char *domain = s_str (hdr, "domain");
    if (!json_is_object (hdr) || !domain)
        return vg_decode_fail (st, -VG_EPROTO, "ves: event without commonEventHeader.domain");
    const char *dev = s_str (hdr, "sourceName");
    if (!dev || !*dev)
        dev = s_str (hdr, "reportingEntityName");
    if (!dev || !*dev)
        return vg_decode_fail (st, -VG_EPROTO, "ves: event without sourceName/reportingEntityName");
    if (strlen (dev) >= VG_MAX_ID_LEN)
        return vg_decode_fail (st, -VG_ETOOBIG, "ves: sourceName longer than %d", VG_MAX_ID_LEN - 1);
    s_ev_t e = { ctx, sink, st, dev, ctx ? ctx->received_ms : 0 };
    double us;
    if (s_num (json_object_get (hdr, "lastEpochMicrosec"), &us) && us > 0)
        e.ts_ms = (int64_t) (us / 1000.0);
    else if (s_num (json_object_get (hdr, "startEpochMicrosec"), &us) && us > 0)
        e.ts_ms = (int64_t) (us / 1000.0);

    const char *vendor = vg_pm3gpp_vendor_norm (s_str (hdr, "nfVendorName"));
    vg_device_t d = { dev, vendor && *vendor ? vendor : NULL, NULL, NULL, NULL, NULL };
    int rc = vg_sink_device (sink, &d);
    if (rc)
        return rc;

    if (strcmp (domain, "perf3gpp") == 0) {
        json_t *f = json_object_get (ev, "perf3gppFields");
        rc = json_is_object (f) ? s_perf3gpp (&e, f) : vg_decode_fail (st, -VG_EPROTO, "ves: perf3gpp without perf3gppFields");
    } else if (strcmp (domain, "measurement") == 0 || strcmp (domain, "measurementsForVfScaling") == 0) {
        json_t *f = json_object_get (ev, "measurementFields");
        if (!f)
            f = json_object_get (ev, "measurementsForVfScalingFields");
        rc = json_is_object (f) ? s_measurement (&e, f) : vg_decode_fail (st, -VG_EPROTO, "ves: measurement without measurementFields");
    } else if (strcmp (domain, "fault") == 0) {
        json_t *f = json_object_get (ev, "faultFields");
        rc = json_is_object (f) ? s_fault (&e, hdr, f) : vg_decode_fail (st, -VG_EPROTO, "ves: fault without faultFields");
    } else if (strcmp (domain, "stndDefined") == 0) {
        json_t *f = json_object_get (ev, "stndDefinedFields");
        rc = json_is_object (f) ? s_stnd_defined (&e, hdr, f) : vg_decode_fail (st, -VG_EPROTO, "ves: stndDefined without stndDefinedFields");
    } else
        st->undecoded++;   /* heartbeat, notification (fileReady), syslog, ... */
    if (rc == 0)
        st->messages++;
    return rc;
}

int
vg_ves_decode (const uint8_t *json, size_t len, const vg_decode_ctx_t *ctx, const vg_sink_t *sink,
               vg_decode_stats_t *st)
{
    int rc = vg_decode_check_len (st, len, VG_VES_MAX_JSON, "ves", "body");
    if (rc < 0)
        return rc;
    if (vg_json_depth ((const char *) json, len, VG_VES_MAX_DEPTH) > VG_VES_MAX_DEPTH)
        return vg_decode_fail (st, -VG_ETOOBIG, "ves: JSON nested deeper than %d", VG_VES_MAX_DEPTH);
    json_error_t err;
    json_t *root = json_loadb ((const char *) json, len, JSON_DECODE_INT_AS_REAL, &err);
    if (!root)
        return vg_decode_fail (st, -VG_EPROTO, "ves: bad JSON at %d: %.80s", err.position, err.text);
    json_t *ev = json_object_get (root, "event");
    json_t *list = json_object_get (root, "eventList");
    if (json_is_object (ev))
        rc = s_event (ctx, sink, st, ev);
    else if (json_is_array (list)) {
        if (json_array_size (list) > VG_VES_MAX_EVENTS)
            rc = vg_decode_fail (st, -VG_ETOOBIG, "ves: batch of %zu events exceeds %d", json_array_size (list),
                                 VG_VES_MAX_EVENTS);
        else if (json_array_size (list) == 0)
            rc = vg_decode_fail (st, -VG_EPROTO, "ves: empty eventList");
        size_t i;
        json_t *e;
        json_array_foreach (list, i, e) {
            if (rc)
                break;
            rc = json_is_object (e) ? s_event (ctx, sink, st, e) : vg_decode_fail (st, -VG_EPROTO, "ves: eventList[%zu] is not an object", i);
        }
    } else
        rc = vg_decode_fail (st, -VG_EPROTO, "ves: body has neither \"event\" nor \"eventList\"");
    json_decref (root);
    return rc;
}
