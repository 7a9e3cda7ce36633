/* linux_proc.h - telemetry of the Linux host the agent runs on, read from /proc.
 *
 * Each poll reads <proc_root>/{net/dev,stat,meminfo,uptime} into a bounded buffer and emits
 * normalised samples: interface counters, CPU utilisation (from /proc/stat deltas, so the
 * first poll has none), memory, boot time and up-time.  Files are treated as hostile: a
 * missing, oversized or malformed file or line is skipped and counted, never fatal.  Paths:
 *   /interfaces/interface/state/counters/{in,out}-{octets,pkts,errors,discards} {name=<if>}
 *   /components/component/cpu/utilization/state/instant {name=cpu} and {name=cpuN} (%, 2 dp)
 *   /system/memory/state/physical, /system/memory/state/used   (bytes; used = total - available)
 *   /system/state/boot-time   (ms since the epoch, from "btime"; not OpenConfig's ns)
 *   /system/state/up-time     (ms since boot) */
#ifndef VG_LINUX_PROC_H
#define VG_LINUX_PROC_H

#include <stdint.h>

#include "decode/decoder.h"
#include "common/sink.h"

typedef struct {
    const char *proc_root; /* NULL or "" = "/proc" */
    const char *device_id; /* NULL or "" = the host name (<proc_root>/sys/kernel/hostname,
                              else gethostname(), else "localhost") */
    const char *site;      /* device's site; NULL or "" = none */
} vg_linux_cfg_t;

typedef struct vg_linux vg_linux_t;

/* Create a host input.  Reads the host name and <proc_root>/sys/kernel/osrelease (the
 * device model and software version; "unknown" if unreadable).  Strings in cfg are copied.
 * Returns NULL on failure with *err (if not NULL) = -VG_EINVAL (id or path too long) or
 * -VG_ENOMEM. */
vg_linux_t *vg_linux_new (const vg_linux_cfg_t *cfg, int *err);

/* Free; NULL-safe; sets *p to NULL. */
void vg_linux_destroy (vg_linux_t **p);

/* Read and emit one round stamped now_ms (ms since the epoch).  The device (vendor "linux",
 * role "host") is delivered to sink->device on the first poll.  Returns the number of samples
 * emitted (>= 0, even when some files were bad: see vg_linux_stats), -VG_EIO when no file
 * could be read at all, or the sink's negative error.  Never allocates: the read buffer and
 * the interface (256) and CPU (512) tables are sized in new; extra entries are counted as
 * errors and skipped. */
int vg_linux_poll (vg_linux_t *l, int64_t now_ms, const vg_sink_t *sink);

/* Counters of this input: messages = polls, samples, errors = bad files/lines skipped,
 * last_error = the latest reason.  The pointer stays valid until destroy. */
const vg_decode_stats_t *vg_linux_stats (const vg_linux_t *l);

/* The device id in use. */
const char *vg_linux_device_id (const vg_linux_t *l);

#endif
