/* fleet_consume.c - a fleet consumer group member (fleet_consume.h).
 * Invariant: for every partition held, the task's state equals the last committed
 * FleetState plus the messages applied in the open transaction (part->txn); a failed
 * commit aborts that transaction and reloads the partition from its committed state. */
#include "collector/fleet_consume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/fleet_kafka.h"
#include "collector/kafka_conf.h"
#include "collector/fleet_task.h"
#include "collector/metrics.h"
#include "common/metrics_http.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/file_read.h"
#include "common/log.h"
#include "detectors/rules.h"

#define S_MAX_PARTS 4096
#define S_TXN_TIMEOUT_MS 30000
#define S_RULES_MAX (4u << 20)

typedef struct {
    vg_fleet_task_t *task;
    rd_kafka_t *tp;          /* transactional producer of this partition */
    int64_t next;            /* first offset not applied */
    int txn;                 /* a transaction is open (messages applied since the commit) */
} s_part_t;

struct vg_fleet {
    const vg_fleet_cfg_t *cfg;
    vg_rules_t *rules;
    rd_kafka_t *rk;          /* the group consumer */
    rd_kafka_t *sr;          /* state reader (manual assignment) */
    vg_metrics_http_t *http; /* /metrics, when configured */
    s_part_t *parts[S_MAX_PARTS];
    s_part_t *cur;           /* partition being applied (alert callback) */
    int32_t cur_p;
    int fatal;
    char *out;               /* rendered alert */
    size_t outcap;
    vg_buf_t state;
    vg_fleet_stats_t st;
    uint64_t done_messages, done_samples; /* of tasks closed (partitions released) */
    int64_t first_ms, last_ms;            /* wall time of the first and last message applied */
    int64_t apply_ns;                     /* time spent applying messages */
    vg_ratelimit_t rl;
};

/* ------------------------------------------------------------------------------------ */
/* Errors of the transactional API */

/* Log and destroy e; returns -1 when e was an error (and sets f->fatal for a fatal one). */
static int
s_txn_err (vg_fleet_t *f, rd_kafka_error_t *e, const char *what, int32_t p)
{
    if (!e)
        return 0;
    if (rd_kafka_error_is_fatal (e))
        f->fatal = 1;
    vg_log (VG_LOG_WARN, "fleet", "partition %d: %s: %s%s", (int) p, what, rd_kafka_error_string (e),
            rd_kafka_error_is_fatal (e) ? " (fatal)" : "");
    rd_kafka_error_destroy (e);
    return -1;
}

/* ------------------------------------------------------------------------------------ */
/* Alerts: produced in the partition's open transaction */

static void
s_on_alert (void *ctx, const vg_alert_t *a)
{
    vg_fleet_t *f = ctx;
    s_part_t *pt = f->cur;
    if (!pt)
        return;
    vg_ocsf_ctx_t oc = f->cfg->ocsf;
    oc.topic = f->cfg->alerts_topic;
    size_t n = vg_ocsf_render (a, &oc, f->out, f->outcap);
    if (n >= f->outcap) {
        char *np = realloc (f->out, n + 1);
        if (!np)
            return;
        f->out = np;
        f->outcap = n + 1;
        vg_ocsf_render (a, &oc, f->out, f->outcap);
    }
    const vg_alerter_prop_t *h = vg_alerter_headers;
    rd_kafka_resp_err_t e = rd_kafka_producev (
        pt->tp, RD_KAFKA_V_TOPIC (f->cfg->alerts_topic), RD_KAFKA_V_MSGFLAGS (RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY (a->dedup_key, strlen (a->dedup_key)), RD_KAFKA_V_VALUE (f->out, n),
        RD_KAFKA_V_HEADER (h[0].key, h[0].value, -1), RD_KAFKA_V_HEADER (h[1].key, h[1].value, -1),
        RD_KAFKA_V_HEADER (h[2].key, h[2].value, -1), RD_KAFKA_V_HEADER (h[3].key, h[3].value, -1),
        RD_KAFKA_V_HEADER (h[4].key, h[4].value, -1), RD_KAFKA_V_HEADER (h[5].key, h[5].value, -1), RD_KAFKA_V_END);
    if (e) {
        /* The transaction cannot hold this alert: fail it, so the partition is reloaded and
         * the alert made again rather than lost. */
        pt->txn = -1;
        vg_log_rl (&f->rl, VG_LOG_WARN, "fleet", "alert produce refused: %s", rd_kafka_err2str (e));
        return;
    }
    f->st.alerts++;
}

/* ------------------------------------------------------------------------------------ */
/* Partitions: open (fence, restore), commit, close */

/* The last committed FleetState of state partition p into f->state; returns 1 found, 0
 * none, -1 error.  Reads backwards in growing windows: the newest record is near the end
 * (after it only transaction markers and aborted records). */
static int
s_read_state (vg_fleet_t *f, int32_t p)
{
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets (f->sr, f->cfg->state_topic, p, &lo, &hi, 10000);
    if (e) {
        vg_log (VG_LOG_WARN, "fleet", "partition %d: state offsets: %s", (int) p, rd_kafka_err2str (e));
        return -1;
    }
    int found = 0;
    for (int64_t win = 64; !found && hi > lo; win *= 8) {
        int64_t start = hi - win > lo ? hi - win : lo;
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new (1);
        rd_kafka_topic_partition_list_add (l, f->cfg->state_topic, p)->offset = start;
        rd_kafka_assign (f->sr, l);
        rd_kafka_topic_partition_list_destroy (l);
        int64_t deadline = vg_clock_mono_ms () + 30000;
        for (;;) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll (f->sr, 200);
            if (!m) {
                if (vg_clock_mono_ms () > deadline)
                    break;
                continue;
            }
            int eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
            if (!m->err && m->offset < hi) {
                vg_buf_reset (&f->state);
                if (vg_buf_append (&f->state, m->payload, m->len) == 0)
                    found = 1;
            }
            int64_t off = m->offset;
            rd_kafka_message_destroy (m);
            if (eof || off >= hi - 1)
                break;
        }
        rd_kafka_assign (f->sr, NULL);
        if (start == lo)
            break;
    }
    return found;
}

static void
s_close (vg_fleet_t *f, int32_t p)
{
    s_part_t *pt = f->parts[p];
    if (!pt)
        return;
    vg_log (VG_LOG_INFO, "fleet", "partition %d: released", (int) p);
    if (pt->task) {
        vg_fleet_task_stats_t ts;
        vg_fleet_task_stats (pt->task, &ts);
        f->done_messages += ts.messages;
        f->done_samples += ts.samples;
    }
    vg_fleet_task_destroy (&pt->task);
    if (pt->tp)
        rd_kafka_destroy (pt->tp);
    free (pt);
    f->parts[p] = NULL;
    f->st.partitions--;
}

/* Take partition p: a transactional producer (fencing its previous owner), the state it
 * left, the offset to resume at. */
static int
s_open (vg_fleet_t *f, int32_t p, int64_t *offset)
{
    char err[512], tid[512];
    s_part_t *pt = calloc (1, sizeof *pt);
    if (!pt)
        return -1;
    f->parts[p] = pt;
    f->st.partitions++;
    snprintf (tid, sizeof tid, "%s.%s.%d", f->cfg->group, f->cfg->topic, (int) p);
    /* Longer than a commit interval, or the broker would abort every transaction. */
    char tmo[24];
    int64_t txn_ms = 3 * f->cfg->commit_every_ms > S_TXN_TIMEOUT_MS ? 3 * f->cfg->commit_every_ms : S_TXN_TIMEOUT_MS;
    snprintf (tmo, sizeof tmo, "%lld", (long long) txn_ms);
    const char *const defs[][2] = { { "transactional.id", tid }, { "transaction.timeout.ms", tmo },
                                    { "linger.ms", "5" },        { "client.id", "vigil-fleet" },
                                    { "compression.type", "lz4" }, { "message.max.bytes", VG_FLEET_STATE_MAX },
                                    { NULL, NULL } };
    rd_kafka_conf_t *conf = vg_kafka_conf (defs, f->cfg->brokers, f->cfg->props, f->cfg->nprops, err, sizeof err);
    pt->tp = vg_kafka_new (RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!pt->tp) {
        vg_log (VG_LOG_ERROR, "fleet", "partition %d: %s", (int) p, err);
        goto fail;
    }
    if (s_txn_err (f, rd_kafka_init_transactions (pt->tp, 60000), "init transactions", p) < 0)
        goto fail;
    pt->task = vg_fleet_task_new (f->rules, s_on_alert, f);
    if (!pt->task)
        goto fail;
    int got = s_read_state (f, p);
    if (got < 0)
        goto fail;
    pt->next = RD_KAFKA_OFFSET_BEGINNING;
    if (got) {
        if (vg_fleet_task_load (pt->task, f->state.data, f->state.len, &pt->next) < 0) {
            vg_log (VG_LOG_ERROR, "fleet", "partition %d: saved state does not load", (int) p);
            goto fail;
        }
        f->st.restored++;
    }
    *offset = pt->next;
    vg_log (VG_LOG_INFO, "fleet", "partition %d: taken, %s", (int) p, got ? "state restored" : "no saved state");
    return 0;
fail:
    s_close (f, p);
    return -1;
}

/* Commit partition p's open transaction: its alerts (already produced), its state and
 * its consumer offset.  On failure abort and reload the partition from its last commit. */
static void s_reload (vg_fleet_t *f, int32_t p);

static void
s_commit (vg_fleet_t *f, int32_t p)
{
    s_part_t *pt = f->parts[p];
    if (!pt || !pt->txn)
        return;
    if (pt->txn < 0)
        goto abort;
    if (vg_fleet_task_save (pt->task, pt->next, &f->state) < 0)
        goto abort;
    char key[32];
    int kl = snprintf (key, sizeof key, "%d", (int) p);
    rd_kafka_resp_err_t e = rd_kafka_producev (
        pt->tp, RD_KAFKA_V_TOPIC (f->cfg->state_topic), RD_KAFKA_V_PARTITION (p), RD_KAFKA_V_MSGFLAGS (RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY (key, (size_t) kl), RD_KAFKA_V_VALUE (f->state.data, f->state.len), RD_KAFKA_V_END);
    if (e) {
        vg_log (VG_LOG_ERROR, "fleet", "partition %d: state produce (%zu bytes): %s", (int) p, f->state.len,
                rd_kafka_err2str (e));
        goto abort;
    }
    if (f->state.len > f->st.state_bytes)
        f->st.state_bytes = f->state.len;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new (1);
    rd_kafka_topic_partition_list_add (l, f->cfg->topic, p)->offset = pt->next;
    rd_kafka_consumer_group_metadata_t *md = rd_kafka_consumer_group_metadata (f->rk);
    int bad = s_txn_err (f, rd_kafka_send_offsets_to_transaction (pt->tp, l, md, 30000), "send offsets", p);
    rd_kafka_consumer_group_metadata_destroy (md);
    rd_kafka_topic_partition_list_destroy (l);
    if (bad < 0 || s_txn_err (f, rd_kafka_commit_transaction (pt->tp, 60000), "commit", p) < 0)
        goto abort;
    pt->txn = 0;
    f->st.commits++;
    return;
abort:
    s_txn_err (f, rd_kafka_abort_transaction (pt->tp, 30000), "abort", p);
    f->st.aborts++;
    pt->txn = 0;
    s_reload (f, p);
}

/* Forget partition p's uncommitted work: reopen it from its committed state and seek. */
static void
s_reload (vg_fleet_t *f, int32_t p)
{
    s_close (f, p);
    if (f->fatal)
        return;
    int64_t off = RD_KAFKA_OFFSET_BEGINNING;
    if (s_open (f, p, &off) < 0) {
        f->fatal = 1; /* cannot hold the partition consistently: leave the group */
        return;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new (1);
    rd_kafka_topic_partition_list_add (l, f->cfg->topic, p)->offset = off;
    rd_kafka_error_t *e = rd_kafka_seek_partitions (f->rk, l, 10000);
    rd_kafka_topic_partition_list_destroy (l);
    if (e) {
        s_txn_err (f, e, "seek", p);
        f->fatal = 1;
    }
}

static void
s_rebalance (rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    vg_fleet_t *f = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < parts->cnt; i++) {
            int32_t p = parts->elems[i].partition;
            int64_t off = RD_KAFKA_OFFSET_BEGINNING;
            if (p < 0 || p >= S_MAX_PARTS || s_open (f, p, &off) < 0)
                f->fatal = 1;
            parts->elems[i].offset = off;
            f->st.assigned++;
        }
        rd_kafka_assign (rk, parts);
    } else {
        for (int i = 0; i < parts->cnt; i++) {
            int32_t p = parts->elems[i].partition;
            if (p < 0 || p >= S_MAX_PARTS)
                continue;
            s_commit (f, p);
            s_close (f, p);
            f->st.revoked++;
        }
        rd_kafka_assign (rk, NULL);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Life */

static rd_kafka_t *
s_consumer (vg_fleet_t *f, const char *group, int state_reader, char *err, size_t errlen)
{
    char sess[24];
    snprintf (sess, sizeof sess, "%lld", (long long) f->cfg->session_timeout_ms);
    const char *const defs[][2] = { { "group.id", group },
                                    { "enable.auto.commit", "false" },
                                    { "auto.offset.reset", "earliest" },
                                    { "isolation.level", "read_committed" },
                                    { "enable.partition.eof", state_reader ? "true" : "false" },
                                    { "session.timeout.ms", sess },
                                    { "heartbeat.interval.ms", "1000" },
                                    { "client.id", "vigil-fleet" },
                                    { NULL, NULL } };
    rd_kafka_conf_t *conf = vg_kafka_conf (defs, f->cfg->brokers, f->cfg->props, f->cfg->nprops, err, errlen);
    if (!conf)
        return NULL;
    rd_kafka_conf_set_opaque (conf, f);
    if (!state_reader)
        rd_kafka_conf_set_rebalance_cb (conf, s_rebalance);
    return vg_kafka_new (RD_KAFKA_CONSUMER, conf, err, errlen);
}

/* The partition count of topic (after creating it with partitions, compact when compact,
 * when missing); <= 0 on error. */
static int
s_partitions (vg_fleet_t *f, const char *topic, int partitions, int compact, char *err, size_t errlen)
{
    if (vg_fleet_topic_ensure (f->sr, topic, partitions, compact, 10000, err, errlen) < 0)
        return -1;
    rd_kafka_topic_t *t = rd_kafka_topic_new (f->sr, topic, NULL);
    int n = -1;
    /* A topic just created can take a moment to show in the metadata. */
    for (int64_t end = vg_clock_mono_ms () + 15000; t && n <= 0 && vg_clock_mono_ms () < end;) {
        const struct rd_kafka_metadata *md = NULL;
        if (rd_kafka_metadata (f->sr, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 &&
            !md->topics[0].err)
            n = md->topics[0].partition_cnt;
        if (md)
            rd_kafka_metadata_destroy (md);
        if (n <= 0) {
            struct timespec ts = { 0, 200 * 1000000L };
            nanosleep (&ts, NULL);
        }
    }
    if (t)
        rd_kafka_topic_destroy (t);
    if (n <= 0)
        snprintf (err, errlen, "topic %s: no partition count from the cluster", topic);
    return n;
}

vg_fleet_t *
vg_fleet_new (const vg_fleet_cfg_t *cfg, char *err, size_t errlen)
{
    vg_fleet_t *f = calloc (1, sizeof *f);
    if (!f) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    f->cfg = cfg;
    f->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 5);
    f->outcap = 16384;
    f->out = malloc (f->outcap);
    vg_buf_t text = VG_BUF_INIT;
    int rc = vg_file_read (cfg->rules_path, S_RULES_MAX, &text);
    if (rc < 0 || !f->out) {
        snprintf (err, errlen, "rules %s: %s", cfg->rules_path, vg_strerror (rc < 0 ? rc : -VG_ENOMEM));
        vg_buf_free (&text);
        goto fail;
    }
    rc = vg_rules_parse ((const char *) text.data, text.len, cfg->rules_path, &f->rules, err, errlen);
    vg_buf_free (&text);
    if (rc < 0)
        goto fail;
    if (cfg->metrics_listen && cfg->metrics_listen[0] && !(f->http = vg_metrics_http_new (cfg->metrics_listen, cfg->metrics, err, errlen)))
        goto fail;
    char group[512];
    snprintf (group, sizeof group, "%s.state-reader", cfg->group);
    if (!(f->sr = s_consumer (f, group, 1, err, errlen)))
        goto fail;
    int np = s_partitions (f, cfg->topic, cfg->partitions, 0, err, errlen);
    int ns = np > 0 ? s_partitions (f, cfg->state_topic, np, 1, err, errlen) : -1;
    if (np <= 0 || ns <= 0)
        goto fail;
    if (ns < np || np > S_MAX_PARTS) {
        /* Partition p's state goes to state partition p. */
        snprintf (err, errlen, "state topic %s has %d partitions, fleet topic %s has %d: it needs at least as many "
                  "(and at most %d); use a new state topic", cfg->state_topic, ns, cfg->topic, np, S_MAX_PARTS);
        goto fail;
    }
    if (!(f->rk = s_consumer (f, cfg->group, 0, err, errlen)))
        goto fail;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new (1);
    rd_kafka_topic_partition_list_add (l, cfg->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe (f->rk, l);
    rd_kafka_topic_partition_list_destroy (l);
    if (e) {
        snprintf (err, errlen, "subscribe %s: %s", cfg->topic, rd_kafka_err2str (e));
        goto fail;
    }
    vg_log (VG_LOG_INFO, "fleet", "fleet member of group %s: topic %s (%d partitions), state %s, alerts to %s",
            cfg->group, cfg->topic, np, cfg->state_topic, cfg->alerts_topic);
    return f;
fail:
    vg_fleet_destroy (&f);
    return NULL;
}

static void
s_message (vg_fleet_t *f, const rd_kafka_message_t *m)
{
    int32_t p = m->partition;
    s_part_t *pt = p >= 0 && p < S_MAX_PARTS ? f->parts[p] : NULL;
    if (!pt || (pt->next >= 0 && m->offset < pt->next))
        return; /* not ours (any more), or applied before the state was saved */
    if (!pt->txn) {
        if (s_txn_err (f, rd_kafka_begin_transaction (pt->tp), "begin", p) < 0) {
            s_reload (f, p);
            return;
        }
        pt->txn = 1;
    }
    f->cur = pt;
    int64_t t0 = vg_clock_mono_ns ();
    if (vg_fleet_task_apply (pt->task, m->payload, m->len) < 0)
        vg_log_rl (&f->rl, VG_LOG_WARN, "fleet", "partition %d offset %lld: undecodable message skipped", (int) p,
                   (long long) m->offset);
    f->apply_ns += vg_clock_mono_ns () - t0;
    f->last_ms = vg_clock_now_ms ();
    if (!f->first_ms)
        f->first_ms = f->last_ms;
    f->cur = NULL;
    pt->next = m->offset + 1;
}

/* Sum the tasks' counters into f->st (finished tasks' counts are not kept). */
static void
s_sum (vg_fleet_t *f, vg_fleet_stats_t *out)
{
    *out = f->st;
    out->messages = out->bad_messages = out->samples = out->kpis = out->findings = 0;
    for (int32_t p = 0; p < S_MAX_PARTS; p++) {
        if (!f->parts[p])
            continue;
        vg_fleet_task_stats_t ts;
        vg_fleet_task_stats (f->parts[p]->task, &ts);
        out->messages += ts.messages;
        out->bad_messages += ts.bad_messages;
        out->samples += ts.samples;
        out->kpis += ts.kpis;
        out->findings += ts.findings;
    }
    out->messages += f->done_messages;
    out->samples += f->done_samples;
}

/* Publish the counters on /metrics (when configured); healthy while no fatal error. */
static void
s_metrics (vg_fleet_t *f)
{
    if (!f->http)
        return;
    vg_fleet_stats_t s;
    s_sum (f, &s);
    char buf[4096];
    vg_metric_out_t out = { buf, sizeof buf, 0, 0 };
    size_t n = vg_metrics_fleet (&out, &s);
    vg_metrics_publish (f->http, buf, n);
    vg_metrics_health (f->http, !f->fatal, f->fatal ? "fatal Kafka client error" : NULL);
}

int
vg_fleet_run (vg_fleet_t *f, volatile sig_atomic_t *stop)
{
    int64_t every = f->cfg->commit_every_ms > 0 ? f->cfg->commit_every_ms : 1000;
    int64_t next_commit = vg_clock_mono_ms () + every, next_log = vg_clock_mono_ms () + 5000;
    uint64_t applied = 0, samples_last = 0;
    int64_t t_last = vg_clock_mono_ms ();
    while (!*stop && !f->fatal) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll (f->rk, 100);
        if (m) {
            if (!m->err) {
                s_message (f, m);
                applied++;
            } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                vg_log_rl (&f->rl, VG_LOG_WARN, "fleet", "consume: %s", rd_kafka_message_errstr (m));
            rd_kafka_message_destroy (m);
        }
        int64_t now = vg_clock_mono_ms ();
        if (now >= next_commit) {
            for (int32_t p = 0; p < S_MAX_PARTS; p++)
                s_commit (f, p);
            next_commit = now + every;
            s_metrics (f);
        }
        if (now >= next_log) {
            vg_fleet_stats_t s;
            s_sum (f, &s);
            vg_log (VG_LOG_INFO, "fleet", "partitions=%llu messages=%llu samples=%llu (%.0f/s) findings=%llu alerts=%llu "
                    "commits=%llu aborts=%llu state_max=%llu B",
                    (unsigned long long) s.partitions, (unsigned long long) s.messages,
                    (unsigned long long) s.samples,
                    (double) (s.samples - samples_last) * 1000.0 / (double) (now - t_last + 1),
                    (unsigned long long) s.findings, (unsigned long long) s.alerts,
                    (unsigned long long) s.commits, (unsigned long long) s.aborts,
                    (unsigned long long) s.state_bytes);
            samples_last = s.samples;
            t_last = now;
            next_log = now + 5000;
        }
    }
    (void) applied;
    for (int32_t p = 0; p < S_MAX_PARTS; p++)
        s_commit (f, p);
    vg_fleet_stats_t s;
    s_sum (f, &s);
    uint64_t msgs = s.messages, smp = s.samples;
    double span = (double) (f->last_ms - f->first_ms) / 1000.0;
    /* The figures docs/SCALING.md quotes (tests/bench/bench_fleet.py reads this line). */
    vg_log (VG_LOG_INFO, "fleet", "stopping: messages=%llu samples=%llu first_ms=%lld last_ms=%lld "
            "rate=%.0f samples/s apply=%.1f ns/sample alerts=%llu commits=%llu aborts=%llu state_max=%llu B",
            (unsigned long long) msgs, (unsigned long long) smp, (long long) f->first_ms, (long long) f->last_ms,
            span > 0 ? (double) smp / span : 0.0, smp ? (double) f->apply_ns / (double) smp : 0.0,
            (unsigned long long) s.alerts, (unsigned long long) s.commits, (unsigned long long) s.aborts,
            (unsigned long long) s.state_bytes);
    rd_kafka_consumer_close (f->rk); /* revokes: commits what is left */
    return f->fatal ? -VG_EIO : 0;
}

void
vg_fleet_destroy (vg_fleet_t **self_p)
{
    vg_fleet_t *f = self_p ? *self_p : NULL;
    if (!f)
        return;
    for (int32_t p = 0; p < S_MAX_PARTS; p++)
        s_close (f, p);
    if (f->rk)
        rd_kafka_destroy (f->rk);
    if (f->sr)
        rd_kafka_destroy (f->sr);
    vg_metrics_http_destroy (&f->http);
    vg_rules_destroy (&f->rules);
    vg_buf_free (&f->state);
    free (f->out);
    free (f);
    *self_p = NULL;
}

void
vg_fleet_stats (const vg_fleet_t *f, vg_fleet_stats_t *out)
{
    s_sum ((vg_fleet_t *) f, out);
}
