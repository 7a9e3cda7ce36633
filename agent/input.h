/* input.h - the agent's inputs behind one ops table (as Redis ae_*.c backends).
 *
 * Each input kind (sim, linux, udp, tcp, pmdir, ves, pcap) is one agent/inputs/<kind>.c
 * that fills a vg_input_ops_t.  The agent owns a vg_input_t per configured input and, every
 * turn of its single-threaded loop, polls the fds the inputs report, then calls vg_input_service(),
 * which reads what is ready (bounded per turn) and delivers it to the sink.  Inputs never
 * block and never allocate per sample; decode errors are counted per input and logged
 * rate-limited here, not by the kinds. */
#ifndef VG_INPUT_H
#define VG_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/agent_cfg.h"
#include "decode/decoder.h"
#include "common/sink.h"

/* What the agent offers its inputs.  All callbacks are called on the agent's thread. */
typedef struct {
    void *arg;
    size_t (*pending) (void *arg);   /* samples + events waiting in the current batch */
    int (*flush) (void *arg);        /* spool what is waiting now: 1 spooled, 0 nothing, < 0 error */
    bool (*throttled) (void *arg);   /* replay-like inputs should pause (spool holds enough) */
    /* The spool has no room for the next batches: a put now would be refused (and its
     * content turned into a gap).  For live inputs that can refuse instead (VES: 503). */
    bool (*full) (void *arg);
    /* Batch seq of spool epoch was put and is held or acknowledged (true too when the epoch
     * is not the spool's: a wiped spool cannot tell).  For inputs resuming from a record. */
    bool (*held) (void *arg, uint64_t epoch, uint64_t seq);
} vg_input_host_t;

/* Everything a kind needs to build itself; borrowed for the call (cfg and host stay valid
 * for the input's lifetime). */
typedef struct {
    const vg_input_cfg_t *cfg;
    size_t index;                    /* position in the inputs list */
    const char *spool_dir;           /* for inputs that record progress */
    bool spool_fsync;                /* progress records durable like the spool's batches */
    uint64_t batch_max_samples;
    const vg_sink_t *sink;           /* for announcements made while building */
    vg_input_host_t host;
} vg_input_env_t;

/* One uint64_t counter in a kind's state, logged at exit as "name=value". */
typedef struct {
    const char *name;
    size_t offset;                   /* offsetof (kind state, counter) */
} vg_input_counter_t;

/* A counter named as its field: VG_INPUT_COUNTER (s_udp_t, datagrams). */
#define VG_INPUT_COUNTER(type, field) { #field, offsetof (type, field) }

/* vg_input_ops_t.fd_at for a kind that polls one fd, held in `field` (an int) of its state. */
#define VG_INPUT_FD_AT(type, field) (offsetof (type, field) + 1)

/* vg_input_ops_t.stats_at for a kind whose state holds its vg_decode_stats_t in `field`. */
#define VG_INPUT_STATS_AT(type, field) (offsetof (type, field) + 1)

/* One input kind.  `self` is the kind's own state, created by create(). */
typedef struct {
    const char *name;                /* the `type:` value */
    const char *summary;             /* one line for docs */
    const char *const *keys;         /* keys of inputs[] this kind reads (NULL-terminated) */
    bool site_prefix;                /* apply the `site:` device-id prefix to its output */
    /* Build; NULL on failure with the reason in err. */
    void *(*create) (const vg_input_env_t *env, char *err, size_t errlen);
    /* Free; NULL-safe, sets *self_p = NULL. */
    void (*destroy) (void **self_p);
    /* Fill up to cap fds to poll for reading; returns how many it has (may exceed cap).
     * NULL = no fds. */
    size_t (*pollfds) (void *self, int *fds, size_t cap);
    /* VG_INPUT_FD_AT (state type, field) for a kind that polls one fd; 0 = see pollfds. */
    size_t fd_at;
    /* Do what is due or ready without blocking; deliver to sink.  Returns 0 or a negative
     * code for a fatal condition (the agent logs it and keeps running). */
    int (*service) (void *self, int64_t now_ms, int64_t mono_ms, const vg_sink_t *sink);
    /* True once the input will produce nothing more.  NULL = live input, never done. */
    bool (*done) (const void *self);
    /* ms (>= 0) until service() is wanted again when no fd is ready; NULL = 1000. */
    int64_t (*next_wake) (const void *self, int64_t mono_ms);
    /* A batch holding what was delivered so far is about to be put as seq of epoch: record
     * progress now (before the put, so a kill between the two cannot re-emit what the
     * batch holds; host.held() decides at restart whether it was put).  NULL = no record. */
    void (*will_spool) (void *self, uint64_t epoch, uint64_t seq);
    /* A batch holding what was delivered so far is now on disk.  NULL = not interested. */
    void (*spooled) (void *self);
    /* Decode counters (NULL when the kind does not decode, or names them by stats_at). */
    const vg_decode_stats_t *(*stats) (const void *self);
    /* VG_INPUT_STATS_AT (state type, field) when self holds the decode counters; 0 = see stats. */
    size_t stats_at;
    /* Kind-specific state as "k=v k=v" into buf (for the exit log); NULL = none. */
    void (*describe) (const void *self, char *buf, size_t size);
    /* Kind-specific counters of self, logged after describe()'s text; ncounters may be 0. */
    const vg_input_counter_t *counters;
    size_t ncounters;
} vg_input_ops_t;

extern const vg_input_ops_t vg_in_sim_ops, vg_in_linux_ops, vg_in_udp_ops, vg_in_tcp_ops, vg_in_pmdir_ops,
    vg_in_ves_ops, vg_in_pcap_ops;

/* Every known kind, NULL-terminated. */
extern const vg_input_ops_t *const vg_input_kinds[];

/* The kind named `name`, or NULL. */
const vg_input_ops_t *vg_input_kind (const char *name);

typedef struct vg_input vg_input_t;

/* Build the input env->cfg describes.  NULL on failure with the reason in err ("input 2
 * (udp): ..."). */
vg_input_t *vg_input_new (const vg_input_env_t *env, char *err, size_t errlen);
/* Free; NULL-safe, sets *self_p = NULL. */
void vg_input_destroy (vg_input_t **self_p);

/* Forwarders to the kind's ops, with the defaults documented above.  service() also
 * applies the `site:` prefix and logs new decode errors (rate-limited). */
size_t vg_input_pollfds (vg_input_t *in, int *fds, size_t cap);
int vg_input_service (vg_input_t *in, int64_t now_ms, int64_t mono_ms, const vg_sink_t *sink);
bool vg_input_done (const vg_input_t *in);
int64_t vg_input_next_wake (const vg_input_t *in, int64_t mono_ms);
void vg_input_will_spool (vg_input_t *in, uint64_t epoch, uint64_t seq);
void vg_input_spooled (vg_input_t *in);
const vg_decode_stats_t *vg_input_stats (const vg_input_t *in);
/* The kind's counter i (see vg_input_ops_t.counters): its name, with its value in *value;
 * NULL when i is past the last one. */
const char *vg_input_counter (const vg_input_t *in, size_t i, uint64_t *value);
/* Log one line of counters at INFO ("input 1 (udp 0.0.0.0:40000): messages=... "). */
void vg_input_log_stats (const vg_input_t *in);

/* calloc (1, size) for a kind's state in create(): NULL with "out of memory" in err. */
void *vg_input_calloc (size_t size, char *err, size_t errlen);

/* Open a non-blocking socket bound to `addr` (common/listen_addr.h: "HOST:PORT",
 * "[V6]:PORT", or a bare "PORT" = 127.0.0.1:PORT; "0.0.0.0:PORT" for every IPv4 address):
 * SOCK_DGRAM or SOCK_STREAM (listening).  Returns the fd, or -1 with the reason in err. */
int vg_input_bind (const char *addr, int socktype, char *err, size_t errlen);

/* Format a socket address as "192.0.2.1:50000" / "[2001:db8::1]:50000" into buf. */
void vg_input_addr_str (const void *sockaddr, unsigned addrlen, char *buf, size_t size);

#endif
