/* linux.c - the host's own /proc counters as an agent input, polled every interval
 * (monotonic clock, so wall-clock jumps do not bunch or skip polls). */
#include <stdio.h>
#include <stdlib.h>

#include "common/err.h"
#include "agent/input.h"
#include "decode/linux_proc.h"

typedef struct {
    vg_linux_t *host;
    int64_t interval_ms;
    int64_t next_poll_ms;   /* monotonic time of the next poll */
} s_linux_t;

static const char *const s_keys[] = { "type", "interval", "proc_root", "device_id", "site", NULL };

static void
s_destroy (void **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_linux_t *in = *self_p;
    vg_linux_destroy (&in->host);
    free (in);
    *self_p = NULL;
}

static void *
s_create (const vg_input_env_t *env, char *err, size_t errlen)
{
    const vg_input_cfg_t *c = env->cfg;
    s_linux_t *in = vg_input_calloc (sizeof *in, err, errlen);
    if (!in)
        return NULL;
    vg_linux_cfg_t lc = { 0 };
    lc.proc_root = c->proc_root;
    lc.device_id = c->device_id && c->device_id[0] ? c->device_id : NULL;
    lc.site = c->site && c->site[0] ? c->site : NULL;
    int rc = 0;
    in->host = vg_linux_new (&lc, &rc);
    if (!in->host) {
        snprintf (err, errlen, "%s", vg_strerror (rc ? rc : -VG_EINVAL));
        s_destroy ((void **) &in);
        return NULL;
    }
    in->interval_ms = c->interval_ms;
    return in;
}

static int
s_service (void *self, int64_t now, int64_t mono, const vg_sink_t *sink)
{
    s_linux_t *in = self;
    if (mono >= in->next_poll_ms) {
        vg_linux_poll (in->host, now, sink);
        in->next_poll_ms = mono + in->interval_ms;
    }
    return 0;
}

static int64_t
s_next_wake (const void *self, int64_t mono)
{
    const s_linux_t *in = self;
    return in->next_poll_ms - mono;
}

static const vg_decode_stats_t *
s_stats (const void *self)
{
    const s_linux_t *in = self;
    return vg_linux_stats (in->host);
}

const vg_input_ops_t vg_in_linux_ops = {
    .name = "linux",
    .summary = "this host's CPU, memory, network and disk counters from /proc",
    .keys = s_keys,
    .create = s_create,
    .destroy = s_destroy,
    .service = s_service,
    .next_wake = s_next_wake,
    .stats = s_stats,
};
