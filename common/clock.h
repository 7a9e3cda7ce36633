/* clock.h - wall and monotonic clocks in milliseconds, and RFC 3339 formatting.
 * Detectors never call these: their time comes from the telemetry. */
#ifndef VG_CLOCK_H
#define VG_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock time, ms since the Unix epoch. */
int64_t vg_clock_now_ms (void);
/* Monotonic time in ms (for timeouts and rates; unrelated to the epoch). */
int64_t vg_clock_mono_ms (void);
/* Monotonic time in ns. */
int64_t vg_clock_mono_ns (void);
/* Format ts_ms as "2026-11-28T22:03:01.123Z" into buf (at least 32 bytes). Returns buf. */
char *vg_clock_rfc3339 (int64_t ts_ms, char *buf, size_t size);
/* Parse a time: epoch ms digits, RFC 3339 ("2026-11-28T22:03:01Z", fraction and offset
 * optional), "YYYY-MM-DD HH:MM:SS" (UTC), or relative "now", "-15m", "-2h", "-7d".
 * Returns 0 and sets *ts_ms, or -VG_EINVAL. */
int vg_clock_parse (const char *text, int64_t now_ms, int64_t *ts_ms);
/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12, d 1..31; no timezone, no
 * libc state). */
int64_t vg_clock_days_from_civil (int64_t y, int m, int d);
/* Parse a duration such as "500ms", "10s", "5m", "2h", "7d" (bare digits = ms) into ms.
 * Returns 0 or -VG_EINVAL. */
int vg_duration_parse (const char *text, int64_t *ms);
/* Format a duration for people: "1d02h05m", "3h07m", "4m05s", "12.345s" (coarser units drop
 * the finer ones).  Written into buf (always NUL-terminated); returns buf. */
char *vg_duration_format (int64_t ms, char *buf, size_t size);

#endif
