/* alert.c - names, the one-line message and the evidence range of an alert; its JSON
 * (vg_alert_to_json) is the stored shape of the one OCSF renderer, detectors/ocsf.c. */
#include "detectors/alert.h"

#include <stdio.h>
#include <string.h>

#include "detectors/ocsf.h"

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
    return vg_ocsf_render_stored (a, NULL, buf, size);
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
