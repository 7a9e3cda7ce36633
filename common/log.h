/* log.h - leveled, component-tagged logging to stderr, with a rate limiter for hot paths.
 *
 * Lines look like "2026-11-28T22:03:01.123Z WARN  store: put failed: I/O error" and go to
 * stderr in one write(), so journald and test harnesses see whole lines.  Plain text, never
 * colours.  Under systemd (vg_log_detect_journal) a line is "<4>WARN  store: put failed: ..."
 * instead: journald takes the priority from the prefix and stamps the time itself.  The
 * threshold is set once at start-up by main(); leaf modules (decoders, detectors) do not log. */
#ifndef VG_LOG_H
#define VG_LOG_H

#include <stdint.h>

typedef enum { VG_LOG_DEBUG = 0, VG_LOG_INFO = 1, VG_LOG_WARN = 2, VG_LOG_ERROR = 3 } vg_log_level_t;

/* Set the minimum level printed (default INFO).  Call from main() before threads start. */
void vg_log_set_level (vg_log_level_t level);
/* Is stderr journald's stream (systemd's JOURNAL_STREAM names stderr's device and inode)?
 * If so, lines from now on carry a syslog priority prefix ("<3>" error .. "<7>" debug) and
 * no timestamp.  Returns 1 if so, else 0.  Call from main() before threads start. */
int vg_log_detect_journal (void);
/* Parse "debug", "info", "warn", "error"; returns -1 if unknown. */
int vg_log_level_parse (const char *name);

/* Print one line if level passes the threshold. */
void vg_log (vg_log_level_t level, const char *component, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Token bucket for hot-path log lines: at most `burst` lines, refilled at one line per
 * `interval_ms`; lines suppressed in between are counted and reported with the next line
 * that passes.  Owned by the caller (one per call site or per peer), not thread-safe. */
typedef struct {
    int64_t interval_ms;
    int burst;
    int tokens;
    int64_t last_ms;
    uint64_t suppressed;
} vg_ratelimit_t;

#define VG_RATELIMIT_INIT(interval_ms_, burst_) { (interval_ms_), (burst_), (burst_), 0, 0 }

/* Like vg_log(), but only if `rl` allows a line now. */
void vg_log_rl (vg_ratelimit_t *rl, vg_log_level_t level, const char *component, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

#endif
