/* alert.h - one lifecycle record of a finding (Create / Update / Close), as the engine emits it.
 *
 * Fixed-size and self-contained except for the const char * fields, which point into the
 * engine's rules and device tables and stay valid while the engine lives (copy them if you
 * keep the record longer).  The uid is deterministic: dedup key + "@" + episode start ms,
 * so replaying the same telemetry reproduces the same ids. */
#ifndef VG_ALERT_H
#define VG_ALERT_H

#include <stddef.h>
#include <stdint.h>

#define VG_ALERT_KEY_MAX 384

/* OCSF activity_id and status_id values. */
enum { VG_ACT_CREATE = 1, VG_ACT_UPDATE = 2, VG_ACT_CLOSE = 3 };
enum { VG_STATUS_NEW = 1, VG_STATUS_IN_PROGRESS = 2, VG_STATUS_SUPPRESSED = 3, VG_STATUS_RESOLVED = 4 };

typedef struct vg_alert {
    int activity;              /* VG_ACT_* */
    int status;                /* VG_STATUS_* */
    int severity;              /* VG_SEV_* (1..5) */
    char cia;                  /* 'A', 'C', 'I' or 'X' */
    int64_t time_ms;           /* event time of this record */
    int64_t first_seen_ms;     /* episode start: first time the condition held */
    int64_t last_seen_ms;      /* latest time the condition held */
    int64_t window_start_ms;   /* evaluation window of the latest evidence */
    int64_t window_end_ms;
    double score;              /* [0,1] or NAN */
    double observed, expected, lo, hi;
    uint64_t series_id;        /* 0 when the finding is not about one series */
    uint64_t rules_digest;     /* hash of the rules file text (detector config) */
    const char *rule_id;       /* rule id from the rules file */
    const char *detector;      /* detector kind name */
    const char *detector_version;
    const char *catalog;       /* "A01", "C01", ... or "" */
    const char *types;         /* finding type family or "" */
    const char *title;         /* the headline below when set, else the rule's title; points
                                  into the record itself or the rules: after copying a record,
                                  read headline (or re-point title) */
    const char *techniques;    /* "T1529,T1489,FGT1499" or "" */
    const char *vendor, *model, *role, *site, *sw_version; /* device inventory; "" if unknown */
    char device[256];          /* device id, or the scope key for fleet findings */
    const char *scope;         /* "vendor" or "site" when device is that scope's key (X01,
                                  X02), else "" (NULL reads as "") */
    char entity[512];          /* path{labels} of the series, or "" */
    char signal[128];          /* sub-entity ("dst=203.0.113.9:443") or "" */
    char dedup_key[VG_ALERT_KEY_MAX];
    char uid[VG_ALERT_KEY_MAX + 24];
    char evidence[256];
    char headline[256];        /* entity + deciding values ("r1 interface et-0/0/1: oper-status
                                  DOWN for 45 s"), or "<rule title>: <entity>: <evidence>" */
    char reason[96];           /* suppression window / resolve reason / update cause */
} vg_alert_t;

typedef void (*vg_alert_fn) (void *ctx, const vg_alert_t *alert);

/* The one-line human message of an alert: its headline when the detector or the engine set
 * one (entity + deciding values), else "device: title: evidence".  Written into buf (always
 * NUL-terminated, cut to size); returns buf. */
const char *vg_alert_message (const vg_alert_t *a, char *buf, size_t size);

/* Render an alert as one JSON object (the compact OCSF Detection Finding, class 2004, that
 * the alert store keeps, without its replay pointer: vg_ocsf_render_stored) into buf with
 * snprintf only.  Returns the length it needed (like snprintf); the output is valid JSON
 * only if that is < size. */
size_t vg_alert_to_json (const vg_alert_t *a, char *buf, size_t size);

/* Where an alert's evidence is, for a replay pointer: the time range [*from_ms, *to_ms]
 * (the window widened to first/last seen) and the entity's path with its labels cut
 * ("/a/b{name=x}" -> "/a/b"), written into path (always NUL-terminated, cut to size). */
void vg_alert_evidence (const vg_alert_t *a, int64_t *from_ms, int64_t *to_ms, char *path, size_t path_size);

/* Activity and status names ("create", "suppressed", ...). */
const char *vg_alert_activity_name (int activity);
const char *vg_alert_status_name (int status);

#endif
