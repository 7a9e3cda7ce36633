/* cmd_replay.c - `vigil replay`: a stored time range through the detectors again, alerts out as
 * the OCSF JSON the collector publishes (one per line), marked as replayed.
 *
 * Wiring only: options, rules (--rules, the collector config's detect.rules, or the default
 * rules file), the store opened as a secondary, caught up once and read through one view
 * (so a running collector may keep writing), the replay itself (cli/replay.c) and the
 * output (a file, stdout or a Kafka topic).  Same store, range and rules give
 * byte-identical output. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_args.h"
#include "cli/cli_store.h"
#include "cli/replay.h"
#include "cli/replay_out.h"
#include "cli/rules_path.h"
#include "collector/collector_cfg.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/err.h"
#include "common/file_read.h"
#include "common/pointer.h"
#include "common/version.h"
#include "detectors/rules.h"
#include "store/store.h"

#define S_MAX_RULES (4u << 20)

static void
s_help (FILE *f)
{
    fprintf (f,
             "usage: vigil replay --store DIR [--from T] [--to T] [--device P|--site P|--vendor P]\n"
             "                    [--rules FILE | --config COLLECTOR.yaml] [--warmup DURATION]\n"
             "                    [--out FILE | --kafka-topic TOPIC --brokers HOST:PORT] [--pointer URI]\n"
             "                    [--max-held N]\n"
             "  Runs the stored samples and events of [from, to), in data-time order, through the detectors\n"
             "  and writes the alerts as the collector's OCSF JSON, one per line, marked as replayed\n"
             "  (unmapped.nte.replay.replayed).  Same store, range and rules: byte-identical output.\n"
             "  T: epoch ms, RFC 3339, 'YYYY-MM-DD HH:MM:SS' (UTC), 'now' or relative (-15m, -2h, -7d).\n"
             "  The detectors start from empty state: --warmup feeds that much data before --from with its\n"
             "  alerts withheld, so baselines exist when the range starts.  The end of the range is the end\n"
             "  of input (what the reorder window holds is released).\n"
             "  --device/--site/--vendor  shell globs on the device id, its site and its vendor (any case)\n"
             "  --rules     detector rules (default: the --config file's detect.rules, else the first of\n"
             "              detectors/rules.yaml, /etc/vigil/rules.yaml and the installed rules:\n"
             "              PREFIX/share/vigil/rules.yaml beside this program, then %s)\n"
             "  --config    a collector config: its detect.rules, detect.tick and detect.lateness\n"
             "  --tick, --lateness  override the engine's tick and reorder window (defaults 10s, 30s)\n"
             "  --pointer   an alert's replay pointer (unmapped.nte.replay.pointer, vigil://DEVICE?...):\n"
             "              its store, device and range stand in for options not given; a fleet\n"
             "              finding's (scope=vendor|site) selects that vendor's or site's devices\n"
             "  --out       write to FILE instead of stdout; --kafka-topic produces to a topic instead\n"
             "              (never the live topic unless named; --brokers is required with it)\n"
             "  --max-held  decoded samples held at once, about (default 4194304: 64 MiB); a time bucket\n"
             "              holding more is read in stretches of data time (same output, more decoding)\n",
             vg_rules_path_installed ());
}

/* Read a whole (small) file into b, NUL-terminated (the NUL counted in b->len).  0 or
 * -VG_EIO / -VG_ETOOBIG / -VG_ENOMEM. */
static int
s_read (const char *path, vg_buf_t *b)
{
    int rc = vg_file_read (path, S_MAX_RULES, b);
    return rc ? rc : vg_buf_append (b, "", 1);
}

typedef struct {
    vg_replay_out_t *out;
    int rc;
} s_emit_t;

static void
s_on_alert (void *ctx, const vg_alert_t *a)
{
    s_emit_t *e = ctx;
    int rc = vg_replay_out_alert (e->out, a);
    if (rc < 0 && e->rc == 0)
        e->rc = rc;
}

int
vg_cmd_replay (int argc, char **argv)
{
    int64_t t_start = vg_clock_mono_ms ();
    const char *store = NULL, *from = NULL, *to = NULL, *rules_path = NULL, *config = NULL, *out = NULL;
    const char *topic = NULL, *brokers = NULL, *pointer = NULL;
    vg_replay_cfg_t rc_cfg = { .lateness_ms = -1 };
    int64_t tick = 0, lateness = -1;
    uint64_t max_held = 0;
    const vg_arg_t args[] = {
        { .name = "--store", .type = VG_ARG_STR, .dst = &store },
        { .name = "--from", .type = VG_ARG_STR, .dst = &from },
        { .name = "--to", .type = VG_ARG_STR, .dst = &to },
        { .name = "--device", .type = VG_ARG_STR, .dst = &rc_cfg.device },
        { .name = "--site", .type = VG_ARG_STR, .dst = &rc_cfg.site },
        { .name = "--vendor", .type = VG_ARG_STR, .dst = &rc_cfg.vendor },
        { .name = "--rules", .type = VG_ARG_STR, .dst = &rules_path },
        { .name = "--config", .alias = "-c", .type = VG_ARG_STR, .dst = &config },
        { .name = "--warmup", .type = VG_ARG_DURATION, .dst = &rc_cfg.warmup_ms, .min = 0, .max = 366 * 86400000.0 },
        { .name = "--tick", .type = VG_ARG_DURATION, .dst = &tick, .min = 100, .max = 3600000 },
        { .name = "--lateness", .type = VG_ARG_DURATION, .dst = &lateness, .min = 0, .max = 86400000 },
        { .name = "--out", .alias = "-o", .type = VG_ARG_STR, .dst = &out },
        { .name = "--kafka-topic", .type = VG_ARG_STR, .dst = &topic },
        { .name = "--brokers", .type = VG_ARG_STR, .dst = &brokers },
        { .name = "--pointer", .type = VG_ARG_STR, .dst = &pointer },
        { .name = "--max-held", .type = VG_ARG_U64, .dst = &max_held, .min = 1000, .max = 1e10 },
    };
    int arc = vg_cli_args ("vigil replay", args, sizeof args / sizeof args[0], argc, argv, s_help, NULL);
    if (arc != VG_ARGS_RUN)
        return vg_cli_args_exit (arc);
    vg_pointer_t ptr;
    char err[1024];
    if (pointer && vg_cli_pointer ("vigil replay", pointer, &ptr, &store, &rc_cfg.device, &rc_cfg.site, &rc_cfg.vendor,
                                   NULL, &from, &to) < 0)
        return 2;
    if (!store || (topic && !brokers) || (out && topic)) {
        fprintf (stderr, "vigil replay: %s\n", !store ? "--store DIR is required (or a --pointer that names it)"
                                                      : topic && !brokers ? "--kafka-topic needs --brokers HOST:PORT"
                                                                          : "--out and --kafka-topic exclude each other");
        return 2;
    }
    if (vg_cli_time_range ("vigil replay", from, to, &rc_cfg.from_ms, &rc_cfg.to_ms) < 0)
        return 2;
    rc_cfg.max_held = (size_t) max_held;
    if (!vg_cli_store_exists ("vigil replay", store))
        return 1;

    int status = 1;
    vg_collector_cfg_t cc;
    bool have_cc = false;
    vg_buf_t text = VG_BUF_INIT;
    vg_rules_t *rules = NULL;
    vg_store_t *s = NULL;
    vg_store_view_t *view = NULL;
    vg_replay_t *r = NULL;
    vg_replay_out_t *o = NULL;
    if (config) {
        vg_cfg_error_t ce;
        /* Only the detect settings are used: the collector's key file is not read (it is
         * the collector's, 0600, and often not readable by whoever replays). */
        if (vg_cfg_load_file_no_secrets (&vg_collector_cfg_table, config, &cc, &ce) < 0) {
            fprintf (stderr, "vigil replay: %s:%d: %s%s%s\n", ce.file, ce.line, ce.key, ce.key[0] ? ": " : "", ce.msg);
            return 2;
        }
        have_cc = true;
        rc_cfg.tick_ms = cc.detect_tick_ms;
        rc_cfg.lateness_ms = cc.detect_lateness_ms;
        rc_cfg.max_buffered = (size_t) cc.detect_max_buffered;
        if (!rules_path && cc.detect_rules && cc.detect_rules[0])
            rules_path = cc.detect_rules;
    }
    if (tick)
        rc_cfg.tick_ms = tick;
    if (lateness >= 0)
        rc_cfg.lateness_ms = lateness;
    char found[VG_RULES_PATH_MAX];
    if (!rules_path) {
        if (vg_rules_path_default ("vigil replay", found, sizeof found) < 0) {
            status = 2;
            goto done;
        }
        rules_path = found;
    }
    int rc = s_read (rules_path, &text);
    if (rc < 0) {
        fprintf (stderr, "vigil replay: cannot read rules %s: %s (use --rules FILE)\n", rules_path, vg_strerror (rc));
        status = 2;
        goto done;
    }
    if (vg_rules_parse ((const char *) text.data, text.len - 1, rules_path, &rules, err, sizeof err) < 0) {
        fprintf (stderr, "vigil replay: %s\n", err);
        status = 2;
        goto done;
    }
    vg_replay_out_cfg_t oc = { out, topic, brokers, store, VG_VERSION };
    o = vg_replay_out_new (&oc, err, sizeof err);
    if (!o) {
        fprintf (stderr, "vigil replay: %s\n", err);
        goto done;
    }
    vg_store_cfg_t sc = { store, VG_STORE_SECONDARY, 0, false, 0 };
    s = vg_store_open (&sc, err, sizeof err);
    if (!s) {
        fprintf (stderr, "vigil replay: %s\n", err);
        goto done;
    }
    rc = vg_store_catch_up (s);
    view = rc == 0 ? vg_store_view_new (s) : NULL;
    if (!view) {
        fprintf (stderr, "vigil replay: %s: cannot read the store\n", store);
        goto done;
    }
    s_emit_t em = { o, 0 };
    r = vg_replay_new (&rc_cfg, s, view, rules, s_on_alert, &em, err, sizeof err);
    if (!r) {
        fprintf (stderr, "vigil replay: %s\n", err);
        goto done;
    }
    int64_t t0 = vg_clock_mono_ms ();
    rc = vg_replay_run (r);
    int64_t ms = vg_clock_mono_ms () - t0;
    rc = rc ? rc : em.rc;
    rc = rc ? rc : vg_replay_out_flush (o);
    vg_replay_stats_t st;
    vg_replay_stats (r, &st);
    if (rc < 0)
        fprintf (stderr, "vigil replay: %s\n", vg_strerror (rc));
    else
        status = 0;
    char first[64] = "";
    int64_t first_ms = vg_replay_out_first_ms (o);
    if (first_ms >= 0)
        snprintf (first, sizeof first, ", first alert out %.3f s after start", (double) (first_ms - t_start) / 1000.0);
    fprintf (stderr,
             "vigil replay: %" PRIu64 " alerts (%" PRIu64 " withheld in warm-up) from %" PRIu64 " samples and %" PRIu64
             " events of %" PRIu64 " series in %" PRIu64 " buckets (up to %" PRIu64 " stretches each, %" PRIu64
             " samples held at most), %.3f s (%.0f samples/s)%s%s\n",
             st.alerts, st.warmup_alerts, st.samples, st.events, st.series, st.buckets, st.max_stretches,
             st.max_bucket_samples, (double) ms / 1000.0,
             ms > 0 ? (double) st.samples * 1000.0 / (double) ms : 0.0, first,
             st.corrupt ? "; some records unreadable (skipped)" : "");
done:
    vg_replay_destroy (&r);
    vg_store_view_destroy (&view);
    vg_store_destroy (&s);
    vg_replay_out_destroy (&o);
    vg_rules_destroy (&rules);
    vg_buf_free (&text);
    if (have_cc)
        vg_cfg_free (&vg_collector_cfg_table, &cc);
    return status;
}
