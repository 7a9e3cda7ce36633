/* model.h - Vigil's normalised data model, shared by inputs, agent, collector and CLI.
 *
 * A device is a network element; a series is device + path + labels with a kind; a sample
 * is (ts_ms, value): a double, or an exact 64-bit integer for counters a decoder parsed as
 * integers (common/num.h); an event is a typed discrete fact.  These structs only borrow their
 * strings: whoever receives one copies what it keeps. */
#ifndef VG_MODEL_H
#define VG_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "common/num.h"

typedef enum {
    VG_KIND_GAUGE = 0,
    VG_KIND_COUNTER = 1, /* monotonic; a decrease is a reset */
    VG_KIND_STATE = 2    /* enumerated string value */
} vg_kind_t;

/* Same numbers as vigil.EventType in proto/vigil.proto. */
typedef enum {
    VG_EV_UNSPECIFIED = 0,
    VG_EV_CONFIG_CHANGE = 1,
    VG_EV_IMAGE_CHANGE = 2,
    VG_EV_REBOOT = 3,
    VG_EV_LOGIN = 4,
    VG_EV_MIRROR_SESSION = 5,
    VG_EV_CRYPTO_STATE = 6,
    VG_EV_FLOW_SUMMARY = 7,
    VG_EV_GAP = 8,
    VG_EV_FAULT = 9,
    VG_EV_DELETE = 10,
    VG_EV_NTP_CHANGE = 11,
    VG_EV__COUNT
} vg_event_type_t;

/* Limits every producer and consumer enforces (hostile input stays bounded). */
#define VG_MAX_ID_LEN 256        /* device id, agent id */
#define VG_MAX_PATH_LEN 1024     /* series path */
#define VG_MAX_LABELS 16         /* labels per series */
#define VG_MAX_LABEL_LEN 256     /* label key or value */
#define VG_MAX_ATTRS 32          /* attributes per event */
#define VG_MAX_STATE_LEN 64      /* state value string */

typedef struct {
    const char *key;
    const char *value;
} vg_label_t;

typedef struct {
    const char *id;         /* "site/name"; required */
    const char *vendor;     /* may be NULL or "" when unknown */
    const char *model;
    const char *role;
    const char *site;
    const char *sw_version;
} vg_device_t;

/* One normalised sample of one series. */
typedef struct {
    const char *device;        /* device id (must have been announced with sink->device) */
    const char *path;          /* normalised path, e.g. /interfaces/interface/state/counters/in-octets */
    const vg_label_t *labels;  /* nlabels entries, any order (producers should sort by key) */
    size_t nlabels;
    vg_kind_t kind;
    const char *input;         /* input name: sim, linux, jti, mdt, udp-notif, gnmi, 3gpp, ves, ... */
    const char *origin_path;   /* vendor's original path or counter name; NULL = same as path */
    const char *unit;          /* optional unit: "By", "%", "dBm", ... */
    int64_t ts_ms;             /* sample time, ms since the Unix epoch */
    double value;              /* GAUGE / COUNTER value (for integers: the nearest double) */
    vg_numtype_t vtype;        /* VG_NUM_F64 (0, the default): value is the sample;
                                * VG_NUM_I64 / VG_NUM_U64: `exact` is, set with vg_point_set_num */
    vg_num_t exact;            /* the integer, when vtype says so */
    const char *state;         /* STATE value ("UP", "DOWN", ...); NULL for other kinds */
    uint64_t series_hint;      /* optional: producer's stable hash of (device,path,labels); 0 = none */
} vg_point_t;

typedef struct {
    const char *src, *dst, *vrf, *dst_country;
    uint32_t dst_port, protocol, interval_ms, dst_asn;
    uint64_t bytes, packets;
} vg_flow_t;

typedef struct {
    int64_t from_ms, to_ms;
    uint64_t samples, events;
    const char *reason;
} vg_gap_t;

typedef struct {
    const char *device;
    int64_t ts_ms;
    vg_event_type_t type;
    const vg_label_t *attrs;   /* nattrs key/value attributes */
    size_t nattrs;
    const vg_flow_t *flow;     /* VG_EV_FLOW_SUMMARY only, else NULL */
    const vg_gap_t *gap;       /* VG_EV_GAP only, else NULL */
    const char *input;
} vg_event_t;

/* Set p's value to v of type t (exact for integers; value gets the nearest double). */
static inline void
vg_point_set_num (vg_point_t *p, vg_num_t v, vg_numtype_t t)
{
    p->vtype = t;
    p->exact = v;
    p->value = vg_num_to_double (v, t);
}

/* Name of an event type ("config_change", ...); "unknown" for out-of-range values. */
const char *vg_event_type_name (vg_event_type_t type);
/* Parse an event type name; returns -1 when unknown. */
int vg_event_type_parse (const char *name);
/* Name of a series kind: "gauge", "counter", "state". */
const char *vg_kind_name (vg_kind_t kind);

#endif
