/* fixture_agent.c - the simulated agent with kill points (fixture_agent.h). */
#include "tests/agent/fixture_agent.h"

#include <check.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "tests/support/capture_sink.h"

bool
fx_agent_held (uint64_t epoch, uint64_t seq, bool held)
{
    ck_assert_uint_eq (epoch, 7);
    ck_assert_uint_ge (seq, 1);
    return held;
}

vg_input_t *
fx_agent_input (const vg_input_cfg_t *c, const char *spool_dir, vg_test_host_t *host)
{
    vg_test_capture_t scratch;
    vg_test_capture_init (&scratch);
    vg_sink_t sink = vg_test_capture_sink (&scratch);
    vg_input_env_t env = { .cfg = c, .spool_dir = spool_dir, .batch_max_samples = 1u << 20, .sink = &sink,
                           .host = vg_test_input_host (host) };
    char err[256] = "";
    vg_input_t *in = vg_input_new (&env, err, sizeof err);
    ck_assert_msg (in != NULL, "%s", err);
    vg_test_capture_free (&scratch);
    return in;
}

void
fx_agent_init (fx_agent_t *a, void *ctx, int (*add) (void *ctx, const vg_point_t *p), void (*commit) (void *ctx))
{
    memset (a, 0, sizeof *a);
    a->ctx = ctx;
    a->add = add;
    a->commit = commit;
}

void
fx_agent_put (fx_agent_t *a, bool made)
{
    a->seq++;
    vg_input_will_spool (a->in, 7, a->seq);
    if (!made) {
        a->killed = true; /* killed between the record and the put */
        return;
    }
    vg_input_spooled (a->in);
    a->commit (a->ctx);
}

static int
s_device (void *ctx, const vg_device_t *d)
{
    (void) ctx;
    (void) d;
    return 0;
}

static int
s_sample (void *ctx, const vg_point_t *p)
{
    fx_agent_t *a = ctx;
    if (a->killed)
        return -VG_EAGAIN;
    for (int i = 0; i < 2; i++)
        if (a->put_at[i] == a->n) {
            fx_agent_put (a, a->made[i]);
            if (a->killed)
                return -VG_EAGAIN;
        }
    a->n++;
    return a->add (a->ctx, p);
}

static int
s_event (void *ctx, const vg_event_t *e)
{
    (void) ctx;
    (void) e;
    return 0;
}

vg_sink_t
fx_agent_sink (fx_agent_t *a)
{
    vg_sink_t sink = { a, s_device, s_sample, s_event };
    return sink;
}

void
fx_agent_run (fx_agent_t *a, int64_t mono_end)
{
    vg_sink_t sink = fx_agent_sink (a);
    int64_t now = (int64_t) time (NULL) * 1000;
    for (int64_t mono = 0; mono < mono_end && !a->killed && !vg_input_done (a->in); mono += 1000)
        ck_assert_int_eq (vg_input_service (a->in, now, mono, &sink), 0);
    for (int i = 0; i < 2 && !a->killed; i++)
        if (a->put_at[i] != FX_NOPUT && a->put_at[i] >= a->n)
            fx_agent_put (a, a->made[i]);
}

void
fx_agent_kill_run (fx_agent_t *a, vg_input_t *in, int64_t k1, int64_t k2, bool made2, int64_t mono_end)
{
    a->put_at[0] = k1;
    a->put_at[1] = k2;
    a->made[0] = true;
    a->made[1] = made2;
    a->in = in;
    fx_agent_run (a, mono_end);
    vg_input_destroy (&a->in); /* killed */
}

void
fx_agent_run_to_end (fx_agent_t *a, vg_input_t *in, int64_t put_at, int64_t mono_end)
{
    a->killed = false;
    a->put_at[0] = a->put_at[1] = put_at;
    a->in = in;
    fx_agent_run (a, mono_end);
    fx_agent_put (a, true);
    vg_input_destroy (&a->in);
}
