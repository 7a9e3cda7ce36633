/* log.c - stderr logging with a per-call-site token bucket. */
#include "common/log.h"
#include "common/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Set once by main() before any thread starts; read-only afterwards. */
static vg_log_level_t s_threshold = VG_LOG_INFO;
static int s_journal; /* stderr is journald's stream: syslog priority prefix, no timestamp */

int
vg_log_detect_journal (void)
{
    /* systemd sets JOURNAL_STREAM=<dev>:<inode> of the stream it connected stdout/stderr
     * to; it only counts if stderr is still that stream (not redirected by a shell). */
    const char *js = getenv ("JOURNAL_STREAM");
    unsigned long long dev = 0, ino = 0;
    struct stat st;
    s_journal = js && sscanf (js, "%llu:%llu", &dev, &ino) == 2 && fstat (STDERR_FILENO, &st) == 0 &&
                (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
    return s_journal;
}

void
vg_log_set_level (vg_log_level_t level)
{
    s_threshold = level;
}

int
vg_log_level_parse (const char *name)
{
    static const char *const names[] = { "debug", "info", "warn", "error" };
    for (int i = 0; i < 4; i++)
        if (strcmp (name, names[i]) == 0)
            return i;
    return -1;
}

static void
s_vlog (vg_log_level_t level, const char *component, uint64_t suppressed, const char *fmt, va_list ap)
{
    static const char *const tags[] = { "DEBUG", "INFO ", "WARN ", "ERROR" };
    static const char prio[] = { '7', '6', '4', '3' }; /* syslog: debug, info, warning, err */
    char line[2048];
    int n;
    if (s_journal) {
        n = snprintf (line, sizeof line, "<%c>%s %s: ", prio[level & 3], tags[level & 3], component);
    } else {
        int64_t now = vg_clock_now_ms ();
        time_t secs = (time_t) (now / 1000);
        struct tm tm;
        gmtime_r (&secs, &tm);
        n = snprintf (line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s: ", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (now % 1000),
                      tags[level & 3], component);
    }
    if (n < 0)
        return;
    int m = vsnprintf (line + n, sizeof line - (size_t) n, fmt, ap);
    if (m < 0)
        return;
    size_t len = (size_t) n + (size_t) m;
    if (len > sizeof line - 64)
        len = sizeof line - 64;
    if (suppressed)
        len += (size_t) snprintf (line + len, sizeof line - len, " (%llu similar suppressed)",
                                  (unsigned long long) suppressed);
    line[len++] = '\n';
    ssize_t w = write (STDERR_FILENO, line, len);
    (void) w;
}

void
vg_log (vg_log_level_t level, const char *component, const char *fmt, ...)
{
    if (level < s_threshold)
        return;
    va_list ap;
    va_start (ap, fmt);
    s_vlog (level, component, 0, fmt, ap);
    va_end (ap);
}

void
vg_log_rl (vg_ratelimit_t *rl, vg_log_level_t level, const char *component, const char *fmt, ...)
{
    if (level < s_threshold)
        return;
    int64_t now = vg_clock_mono_ms ();
    if (rl->interval_ms > 0 && now > rl->last_ms) {
        int64_t refill = (now - rl->last_ms) / rl->interval_ms;
        if (refill > 0) {
            rl->tokens = rl->tokens + (int) (refill > rl->burst ? rl->burst : refill);
            if (rl->tokens > rl->burst)
                rl->tokens = rl->burst;
            rl->last_ms = now;
        }
    }
    if (rl->last_ms == 0)
        rl->last_ms = now;
    if (rl->tokens <= 0) {
        rl->suppressed++;
        return;
    }
    rl->tokens--;
    va_list ap;
    va_start (ap, fmt);
    s_vlog (level, component, rl->suppressed, fmt, ap);
    va_end (ap);
    rl->suppressed = 0;
}
