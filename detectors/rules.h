/* rules.h - the detector rules file: rules, change/maintenance windows, allowlists.
 *
 * Parsed once from YAML text (through the configuration loader's tree, common/config.h) into
 * an immutable vg_rules_t; errors name the file, line and key.  Technique ids, windows and allowlists are data here, never code.  A parsed
 * rule set is read-only and may be shared by engines on several threads. */
#ifndef VG_RULES_H
#define VG_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "detectors/detector.h"

#define VG_RULES_MAX 256      /* rules per file */
#define VG_RULES_MAX_LIST 64  /* entries in one match list, allowlist, window ranges */

typedef struct {
    char *key;
    char *glob;
} vg_label_match_t;

/* Device-level match shared by rules and windows; an empty list matches everything. */
typedef struct {
    char **devices; size_t ndevices;  /* globs on device id */
    char **roles; size_t nroles;      /* exact */
    char **vendors; size_t nvendors;  /* exact */
    char **sites; size_t nsites;      /* globs */
    char **versions; size_t nversions;/* globs on sw_version */
} vg_dev_match_t;

struct vg_rules;

struct vg_rule {
    char *id;             /* unique rule id; part of every dedup key */
    char *title;          /* finding title */
    char *catalog;        /* catalogue id ("A01"); may be "" */
    char *types;          /* finding type family ("heartbeat_loss"); may be "" */
    const vg_detector_ops_t *ops;
    int severity;         /* VG_SEV_* */
    int64_t for_ms;       /* pending period */
    int64_t keep_firing_for_ms;
    int64_t repeat_ms;    /* periodic Update while firing; 0 = never */
    vg_dev_match_t dev;
    char **paths; size_t npaths;           /* globs; slot = index of first match */
    char **not_paths; size_t nnot_paths;   /* globs of paths the rule never takes (match.not_path) */
    vg_label_match_t *labels; size_t nlabels;
    int kind;             /* series kind to match, -1 = any */
    double pv[VG_MAX_PARAMS];              /* NUM/DUR/BOOL/ENUM values by table index */
    char *ps[VG_MAX_PARAMS];               /* STR values by table index (never NULL) */
    char **techniques; size_t ntechniques;
    char *technique_csv;  /* "T1529,T1489,FGT1499" */
    int line;             /* line of the rule in the file (1-based) */
    int index;            /* position in the file */
    const struct vg_rules *rules;
};

typedef enum { VG_WIN_MAINTENANCE = 1, VG_WIN_CHANGE = 2 } vg_window_kind_t;

typedef struct {
    char *name;
    int kinds;            /* VG_WIN_* bits */
    int daily_from_min;   /* minutes after 00:00 UTC, -1 = no daily window */
    int daily_to_min;     /* exclusive; may be < from (wraps midnight) */
    uint8_t days;         /* bit d = weekday d (0 = Monday); 0x7f = every day */
    int64_t (*ranges)[2]; size_t nranges;  /* explicit [from, to) ms ranges */
    vg_dev_match_t dev;
} vg_window_t;

typedef struct {
    uint8_t addr[16];     /* IPv4 stored as ::ffff:a.b.c.d */
    int prefix;           /* bits, counted on the 128-bit form */
    uint32_t port_lo, port_hi; /* 0..65535 = any */
} vg_cidr_t;

typedef struct {
    char *name;
    vg_cidr_t *entries; size_t nentries;
} vg_allowlist_t;

typedef struct {
    char *vendor;         /* "" = any */
    char *version;        /* glob */
    char **hashes; size_t nhashes;
} vg_golden_t;

typedef struct vg_rules {
    char *filename;
    vg_rule_t *rules; size_t nrules;
    vg_window_t *windows; size_t nwindows;
    vg_allowlist_t *allowlists; size_t nallowlists;
    vg_golden_t *golden; size_t ngolden;
    uint64_t digest;      /* hash of the source text (detector_config hash) */
} vg_rules_t;

/* Parse a rules file held in memory.  filename is used in messages only.  On success
 * returns 0 and *out owns a new rule set (free with vg_rules_destroy); on failure returns
 * -VG_ECONFIG (or -VG_ENOMEM), leaves *out NULL and writes the first error to err (err may be
 * NULL), as the daemons' config errors read: "rules.yaml:12: key 'rules[x].for': reason". */
int vg_rules_parse (const char *yaml, size_t len, const char *filename, vg_rules_t **out,
                    char *err, size_t errlen);
/* Free a rule set; NULL-safe; sets *self_p to NULL. */
void vg_rules_destroy (vg_rules_t **self_p);

/* Does the device pass a device-level match? (NULL fields match only empty lists.) */
int vg_dev_match (const vg_dev_match_t *m, const vg_device_t *dev);
/* Does a series (device, path, labels, kind) match the rule?  Returns the slot (index of
 * the first matching path pattern) or -1. */
int vg_rule_match_series (const vg_rule_t *r, const vg_device_t *dev, const char *path,
                          const vg_label_t *labels, size_t nlabels, vg_kind_t kind);
/* Is ts inside a window of the given kinds that covers the device?  Sets *name (if not
 * NULL) to the window name. */
int vg_rules_in_window (const vg_rules_t *rs, int kinds, const vg_device_t *dev, int64_t ts_ms,
                        const char **name);
/* Find an allowlist by name; NULL when absent. */
const vg_allowlist_t *vg_rules_allowlist (const vg_rules_t *rs, const char *name);
/* Does ip (text, v4 or v6) with port match an entry?  Returns 1/0, or -1 if ip is not an
 * address. */
int vg_allowlist_match (const vg_allowlist_t *al, const char *ip, uint32_t port);
/* Is the image hash registered for the vendor/version?  Returns 1 yes, 0 no, -1 when the
 * registry has no entry for that vendor/version (unknown, not a mismatch). */
int vg_rules_golden (const vg_rules_t *rs, const char *vendor, const char *version,
                     const char *hash);

/* Glob match: '*' any run, '?' one char, no character classes. */
int vg_glob (const char *pat, const char *s);
/* Index of a parameter in the rule's kind table, or -1. */
int vg_rule_param_index (const vg_rule_t *r, const char *name);

/* Severity name ("info", "low", "medium", "high", "critical") and parser (-1 if unknown). */
const char *vg_severity_name (int sev);
int vg_severity_parse (const char *name);

#endif
