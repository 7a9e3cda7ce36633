/* check_alerter.c - alerts to a real Kafka broker (deploy/kafka/kafka.sh, started on free
 * ports by the suite and stopped even when a test fails): every committed alert arrives once
 * with key = dedup key, the schema headers and an OCSF payload; records wait in the outbox
 * while no broker is reachable and are sent by the next alerter; the in-flight bound keeps
 * order; a failed commit sends nothing; bad properties are refused.  The OCSF rendering is
 * checked to be a superset of vg_alert_to_json. */
#include <arpa/inet.h>
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collector/alerter.h"
#include "common/err.h"
#include "detectors/ocsf.h"
#include "common/pointer.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tests/support/store_fixture.h"
#include "tests/support/tmpdir.h"
#include "tests/support/suite.h"

static char s_kdir[128];       /* broker state dir */
static char s_boot[128];       /* bootstrap list */
static char s_sdir[64];        /* store dir of the current test */
static pid_t s_owner;          /* the runner process that started the broker */

/* ---------------------------------------------------------------- broker fixture */

static int
s_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind (fd, (struct sockaddr *) &a, sizeof a) < 0 || getsockname (fd, (struct sockaddr *) &a, &len) < 0) {
        if (fd >= 0)
            close (fd);
        return -1;
    }
    close (fd);
    return ntohs (a.sin_port);
}

/* Stop the broker and delete its directory; safe to call twice (also runs at exit). */
static void
s_broker_stop (void)
{
    if (!s_kdir[0] || getpid () != s_owner) /* forked test processes exit through atexit too */
        return;
    char cmd[512];
    snprintf (cmd, sizeof cmd, "bash '%s/deploy/kafka/kafka.sh' clean --dir '%s/state' >/dev/null 2>&1; rm -rf '%s'",
              VG_SOURCE_DIR, s_kdir, s_kdir);
    if (system (cmd) != 0)
        fprintf (stderr, "check_alerter: stopping the broker in %s failed\n", s_kdir);
    s_kdir[0] = '\0';
}

/* A runner killed by a CTest timeout still stops its broker (best effort: system() is not
 * async-signal-safe, but the process is about to die anyway). */
static void
s_on_term (int sig)
{
    s_broker_stop ();
    _exit (128 + sig);
}

/* Unchecked fixture: runs once in the runner process before the broker test case. */
static void
s_broker_start (void)
{
    snprintf (s_kdir, sizeof s_kdir, "/tmp/vg-alerter-kafka-XXXXXX");
    if (!mkdtemp (s_kdir)) {
        s_kdir[0] = '\0';
        return;
    }
    s_owner = getpid ();
    atexit (s_broker_stop);
    signal (SIGTERM, s_on_term);
    signal (SIGINT, s_on_term);
    for (int attempt = 0; attempt < 3 && !s_boot[0]; attempt++) {
        int p = s_free_port (), c = s_free_port ();
        if (p < 0 || c < 0 || p == c)
            continue;
        char cmd[768];
        snprintf (cmd, sizeof cmd,
                  "VG_KAFKA_PORT=%d VG_KAFKA_CONTROLLER_PORT=%d VG_KAFKA_NODES=1 bash '%s/deploy/kafka/kafka.sh' start "
                  "--dir '%s/state' 2>'%s/start.log'",
                  p, c, VG_SOURCE_DIR, s_kdir, s_kdir);
        FILE *f = popen (cmd, "r");
        char line[128] = "";
        while (f && fgets (line, sizeof line, f))
            snprintf (s_boot, sizeof s_boot, "%s", line);
        int rc = f ? pclose (f) : -1;
        s_boot[strcspn (s_boot, "\r\n")] = '\0';
        if (rc != 0) {
            s_boot[0] = '\0';
            snprintf (cmd, sizeof cmd,
                      "cat '%s/start.log' >&2; bash '%s/deploy/kafka/kafka.sh' clean --dir '%s/state' >/dev/null 2>&1",
                      s_kdir, VG_SOURCE_DIR, s_kdir);
            if (system (cmd) != 0)
                fprintf (stderr, "check_alerter: cleanup after a failed start failed\n");
        }
    }
}

/* ---------------------------------------------------------------- helpers */

static void
s_store_setup (void)
{
    ck_assert_ptr_nonnull (vg_test_tmpdir (s_sdir, sizeof s_sdir, "alerter"));
}

static void
s_store_teardown (void)
{
    ck_assert_int_eq (vg_test_rmtree (s_sdir), 0);
}

static vg_store_t *
s_open (void)
{
    return vg_test_store_open (s_sdir, VG_STORE_RW);
}

static void
s_alert (vg_alert_t *a, int i)
{
    memset (a, 0, sizeof *a);
    a->activity = i % 3 == 2 ? VG_ACT_CLOSE : VG_ACT_CREATE;
    a->status = a->activity == VG_ACT_CLOSE ? VG_STATUS_RESOLVED : VG_STATUS_NEW;
    a->severity = 1 + i % 5;
    a->cia = "ACI"[i % 3];
    a->time_ms = 1767225605123LL + i;
    a->first_seen_ms = 1767225300000LL;
    a->last_seen_ms = 1767225598000LL;
    a->window_start_ms = 1767225300000LL;
    a->window_end_ms = 1767225600000LL;
    a->score = i % 4 == 3 ? NAN : 0.25 * (i % 4);
    a->observed = 48213376 + i;
    a->expected = 0;
    a->lo = 0;
    a->hi = i % 2 ? INFINITY : 10;
    a->series_id = 0x1234567890abcdefULL + (uint64_t) i;
    a->rules_digest = 0xfeedULL;
    a->rule_id = "c04-login";
    a->detector = i % 2 ? "login" : "seasonal";
    a->detector_version = "1.0.0";
    a->catalog = "C04";
    a->types = "mgmt_session_unknown";
    a->title = "Management login from \"unknown\" source";
    a->techniques = "T1078,T1078.003,FGT1078";
    a->vendor = "VendorX";
    a->model = "PE-9000";
    a->role = "router";
    a->site = "site-TLL-01";
    a->sw_version = "7.3.2";
    snprintf (a->device, sizeof a->device, "lab/r%d", i % 7);
    snprintf (a->entity, sizeof a->entity, "/system/aaa{user=u%d}", i);
    snprintf (a->signal, sizeof a->signal, "user=u%d:src=198.51.100.%d", i, i % 250);
    snprintf (a->dedup_key, sizeof a->dedup_key, "c04-login:%s:user=u%d", a->device, i);
    snprintf (a->uid, sizeof a->uid, "%s@%lld", a->dedup_key, (long long) a->first_seen_ms);
    snprintf (a->evidence, sizeof a->evidence, "login by u%d from 198.51.100.%d\tvia ssh \\ \x01", i, i % 250);
    snprintf (a->reason, sizeof a->reason, "%s", a->activity == VG_ACT_CLOSE ? "condition_clear_for_600s" : "");
}

typedef struct {
    int n, ok, err, resent;
    uint64_t ids[4096];
} s_dr_t;

static void
s_on_dr (void *ctx, const vg_alerter_delivery_t *d)
{
    s_dr_t *r = ctx;
    if (d->err) {
        r->err++;
        return;
    }
    if (r->ok < 4096)
        r->ids[r->ok] = d->id;
    r->ok++;
    r->resent += d->resent;
    ck_assert_ptr_nonnull (d->key);
    ck_assert_uint_gt (d->payload_len, 100);
}

static vg_alerter_t *
s_alerter (vg_store_t *s, const char *brokers, const char *topic, size_t max_inflight, s_dr_t *dr,
           const vg_alerter_prop_t *props, size_t nprops)
{
    char err[512];
    vg_alerter_cfg_t cfg = { 0 };
    cfg.brokers = brokers;
    cfg.topic = topic;
    cfg.format = VG_OUTBOX_JSON;
    cfg.max_inflight = max_inflight;
    cfg.flush_ms = 0;
    cfg.props = props;
    cfg.nprops = nprops;
    cfg.ocsf = (vg_ocsf_ctx_t){ "0.1.0", "test-collector", s_sdir, NULL, false };
    cfg.on_delivery = dr ? s_on_dr : NULL;
    cfg.ctx = dr;
    vg_alerter_t *a = vg_alerter_new (&cfg, s, err, sizeof err);
    ck_assert_msg (a != NULL, "%s", err);
    return a;
}

/* The alerter's counters now. */
static vg_alerter_stats_t
s_stats (vg_alerter_t *a)
{
    vg_alerter_stats_t st;
    vg_alerter_stats (a, &st);
    return st;
}

/* Stage alerts [first, first + n) in one txn, commit, report. */
static void
s_fire (vg_store_t *s, vg_alerter_t *a, int first, int n)
{
    vg_store_txn_t *t = vg_store_txn_new (s);
    for (int i = first; i < first + n; i++) {
        vg_alert_t al;
        s_alert (&al, i);
        ck_assert_int_eq (vg_alerter_stage (a, &al, t), 0);
    }
    ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
    vg_alerter_committed (a, true);
    vg_store_txn_destroy (&t);
}

/* Consume want messages of topic with kcat: key, headers and payload of each, in order. */
typedef struct {
    int n;
    char *key[4096];
    char *hdr[4096];
    json_t *doc[4096];
} s_msgs_t;

static void
s_consume (const char *topic, int want, s_msgs_t *m)
{
    char cmd[512];
    memset (m, 0, sizeof *m);
    snprintf (cmd, sizeof cmd,
              "timeout 60 kcat -b '%s' -C -t '%s' -o beginning -e -q -c %d -f '%%k\\t%%h\\t%%s\\n' 2>/dev/null",
              s_boot, topic, want);
    FILE *f = popen (cmd, "r");
    ck_assert_ptr_nonnull (f);
    static char line[1 << 16];
    while (m->n < 4096 && fgets (line, sizeof line, f)) {
        line[strcspn (line, "\n")] = '\0';
        char *t1 = strchr (line, '\t');
        char *t2 = t1 ? strchr (t1 + 1, '\t') : NULL;
        ck_assert_msg (t1 && t2, "bad kcat line '%s'", line);
        *t1 = *t2 = '\0';
        json_error_t je;
        json_t *doc = json_loads (t2 + 1, 0, &je);
        ck_assert_msg (doc != NULL, "payload is not JSON: %s (%s)", je.text, t2 + 1);
        m->key[m->n] = strdup (line);
        m->hdr[m->n] = strdup (t1 + 1);
        m->doc[m->n] = doc;
        m->n++;
    }
    pclose (f);
}

static void
s_msgs_free (s_msgs_t *m)
{
    for (int i = 0; i < m->n; i++) {
        free (m->key[i]);
        free (m->hdr[i]);
        json_decref (m->doc[i]);
    }
    m->n = 0;
}

static const char *
s_jstr (json_t *doc, const char *a, const char *b)
{
    json_t *o = json_object_get (doc, a);
    json_t *v = b ? json_object_get (o, b) : o;
    return json_string_value (v);
}

/* Wait (polling) until cond(a) or timeout. */
static void
s_flush (vg_alerter_t *a, int timeout_ms)
{
    int rc = vg_alerter_flush (a, timeout_ms);
    vg_alerter_stats_t st = s_stats (a);
    ck_assert_msg (rc == 0, "flush timed out: outbox %llu inflight %llu delivered %llu errors %llu",
                   (unsigned long long) st.outbox_count, (unsigned long long) st.inflight,
                   (unsigned long long) st.delivered, (unsigned long long) st.delivery_errors);
}

static void
s_topic (char *buf, size_t size, const char *name)
{
    snprintf (buf, size, "vg-alerter-%s-%d", name, (int) getpid ());
}

/* The start of every broker test: asserts a broker is up, names the test's topic (tag) and
 * opens the store. */
static vg_store_t *
s_broker_test (char *topic, size_t size, const char *tag)
{
    ck_assert_msg (s_boot[0], "no broker (see the kafka.sh output above)");
    s_topic (topic, size, tag);
    return s_open ();
}

/* Consume want messages of topic into *m: exactly want, the i-th keyed as alert i (one
 * partition: production order). */
static void
s_consume_alerts (const char *topic, int want, s_msgs_t *m)
{
    s_consume (topic, want, m);
    ck_assert_int_eq (m->n, want);
    for (int i = 0; i < want; i++) {
        vg_alert_t al;
        s_alert (&al, i);
        ck_assert_str_eq (m->key[i], al.dedup_key);
    }
}

/* ---------------------------------------------------------------- broker tests */

START_TEST (test_deliver)
{
    char topic[96];
    vg_store_t *s = s_broker_test (topic, sizeof topic, "deliver");
    s_dr_t dr = { 0 };
    vg_alerter_t *a = s_alerter (s, s_boot, topic, 0, &dr, NULL, 0);
    s_fire (s, a, 0, 30);
    s_fire (s, a, 30, 20);
    s_flush (a, 60000);
    vg_alerter_stats_t st = s_stats (a);
    ck_assert_uint_eq (st.staged, 50);
    ck_assert_uint_eq (st.delivered, 50);
    ck_assert_uint_eq (st.outbox_count, 0);
    ck_assert_uint_eq (st.outbox_bytes, 0);
    ck_assert_uint_eq (st.inflight, 0);
    ck_assert_uint_eq (st.latency_count, 50);
    ck_assert_uint_gt (st.latency_p50_us, 0);
    ck_assert_uint_ge (st.latency_p99_us, st.latency_p50_us);
    ck_assert_int_eq (dr.ok, 50);
    ck_assert_int_eq (dr.resent, 0);
    vg_alerter_destroy (&a);
    ck_assert_ptr_null (a);
    /* Deletions were committed: a new outbox on the store is empty. */
    char err[256];
    vg_outbox_t *ob = vg_outbox_new (s, err, sizeof err);
    vg_outbox_stats_t os;
    vg_outbox_stats (ob, &os);
    ck_assert_uint_eq (os.count, 0);
    vg_outbox_destroy (&ob);

    s_msgs_t m;
    s_consume_alerts (topic, 50, &m);
    for (int i = 0; i < 50; i++) {
        vg_alert_t al;
        s_alert (&al, i);
        ck_assert_ptr_nonnull (strstr (m.hdr[i], "schema=" VG_OCSF_SCHEMA));
        ck_assert_ptr_nonnull (strstr (m.hdr[i], "schema-version=" VG_OCSF_VERSION));
        ck_assert_ptr_nonnull (strstr (m.hdr[i], "content-type=application/json"));
        json_t *d = m.doc[i];
        ck_assert_int_eq (json_integer_value (json_object_get (d, "class_uid")), 2004);
        ck_assert_int_eq (json_integer_value (json_object_get (d, "activity_id")), al.activity);
        ck_assert_str_eq (s_jstr (d, "finding_info", "uid"), al.uid);
        ck_assert_str_eq (s_jstr (d, "metadata", "correlation_uid"), al.dedup_key);
        ck_assert_str_eq (s_jstr (d, "metadata", "log_name"), topic);
        ck_assert_str_eq (s_jstr (d, "device", "model"), "PE-9000");
        json_t *rp = json_object_get (json_object_get (json_object_get (d, "unmapped"), "nte"), "replay");
        ck_assert_str_eq (json_string_value (json_object_get (rp, "store")), s_sdir);
        ck_assert_str_eq (json_string_value (json_object_get (rp, "path")), "/system/aaa");
    }
    s_msgs_free (&m);
    vg_store_destroy (&s);
}
END_TEST

/* A run that cannot reach any broker (a closed port): alerts [first, first + n) are fired,
 * the flush times out, and all n stay in the outbox, none delivered. */
static void
s_fire_undeliverable (vg_store_t *s, const char *topic, int first, int n)
{
    char dead[64];
    snprintf (dead, sizeof dead, "127.0.0.1:%d", s_free_port ());
    const vg_alerter_prop_t fast[] = { { "message.timeout.ms", "2000" } };
    s_dr_t dr = { 0 };
    vg_alerter_t *a = s_alerter (s, dead, topic, 0, &dr, fast, 1);
    uint64_t before = s_stats (a).outbox_count;
    s_fire (s, a, first, n);
    ck_assert_int_eq (vg_alerter_flush (a, 3500), -VG_EAGAIN); /* time-outs are retried, kept */
    vg_alerter_stats_t st = s_stats (a);
    ck_assert_uint_eq (st.outbox_count, before + (uint64_t) n);
    ck_assert_uint_eq (st.delivered, 0);
    ck_assert_uint_ge (st.delivery_errors, (uint64_t) n);
    ck_assert_int_eq (dr.ok, 0);
    vg_alerter_destroy (&a);
}

/* The topic holds exactly alerts 0 .. n-1, in that order, each once. */
static void
s_assert_topic_alerts (const char *topic, int n)
{
    s_msgs_t m;
    s_consume_alerts (topic, n, &m);
    for (int i = 0; i < n; i++) {
        vg_alert_t al;
        s_alert (&al, i);
        ck_assert_str_eq (s_jstr (m.doc[i], "finding_info", "uid"), al.uid);
    }
    s_msgs_free (&m);
}

START_TEST (test_outbox_resend)
{
    char topic[96];
    vg_store_t *s = s_broker_test (topic, sizeof topic, "resend");
    s_fire_undeliverable (s, topic, 0, 20);

    /* The next alerter (a restart) sends every one of them, then new ones. */
    s_dr_t dr = { 0 };
    vg_alerter_t *a = s_alerter (s, s_boot, topic, 0, &dr, NULL, 0);
    vg_alerter_stats_t st = s_stats (a);
    ck_assert_uint_eq (st.outbox_count, 20);
    s_flush (a, 60000);
    s_fire (s, a, 20, 5);
    s_flush (a, 60000);
    st = s_stats (a);
    ck_assert_uint_eq (st.delivered, 25);
    ck_assert_uint_eq (st.resent, 20);
    ck_assert_int_eq (dr.resent, 20);
    ck_assert_uint_eq (st.outbox_count, 0);
    vg_alerter_destroy (&a);
    s_assert_topic_alerts (topic, 25);
    vg_store_destroy (&s);
}
END_TEST

/* Run A delivers everything (its outbox ends empty); run B cannot reach the broker and
 * leaves 3 records; run C reads the topic back at start and must send B's 3: their ids are
 * not A's again (ids from 1 after an empty outbox made C take A's messages for B's records
 * and drop them unsent). */
START_TEST (test_ids_not_reused_after_empty_outbox)
{
    char topic[96];
    vg_store_t *s = s_broker_test (topic, sizeof topic, "reuse");
    s_dr_t dra = { 0 };
    vg_alerter_t *a = s_alerter (s, s_boot, topic, 0, &dra, NULL, 0);
    s_fire (s, a, 0, 5);
    s_flush (a, 60000);
    ck_assert_uint_eq (s_stats (a).outbox_count, 0);
    vg_alerter_destroy (&a);
    s_fire_undeliverable (s, topic, 5, 3);

    s_dr_t drc = { 0 };
    a = s_alerter (s, s_boot, topic, 0, &drc, NULL, 0);
    s_flush (a, 60000);
    vg_alerter_stats_t st = s_stats (a);
    ck_assert_uint_eq (st.outbox_count, 0);
    ck_assert_uint_eq (st.already_delivered, 0);
    ck_assert_uint_eq (st.resent, 3);
    vg_alerter_destroy (&a);
    s_assert_topic_alerts (topic, 8);
    vg_store_destroy (&s);
}
END_TEST

START_TEST (test_inflight_bound_keeps_order)
{
    char topic[96];
    vg_store_t *s = s_broker_test (topic, sizeof topic, "bound");
    s_dr_t dr = { 0 };
    vg_alerter_t *a = s_alerter (s, s_boot, topic, 4, &dr, NULL, 0);
    s_fire (s, a, 0, 100);
    vg_alerter_stats_t st = s_stats (a);
    ck_assert_uint_le (st.inflight, 4);
    ck_assert_uint_eq (st.produced, 4);
    ck_assert_uint_eq (st.outbox_count, 100);
    s_fire (s, a, 100, 10); /* behind the backlog: waits its turn */
    st = s_stats (a);
    ck_assert_uint_le (st.inflight, 4);
    s_flush (a, 60000);
    st = s_stats (a);
    ck_assert_uint_eq (st.delivered, 110);
    for (int i = 1; i < dr.ok; i++)
        ck_assert_uint_gt (dr.ids[i], dr.ids[i - 1]); /* reports in id order */
    vg_alerter_destroy (&a);
    s_msgs_t m;
    s_consume_alerts (topic, 110, &m);
    s_msgs_free (&m);
    vg_store_destroy (&s);
}
END_TEST

START_TEST (test_failed_commit_sends_nothing)
{
    char topic[96];
    vg_store_t *s = s_broker_test (topic, sizeof topic, "failed");
    s_dr_t dr = { 0 };
    vg_alerter_t *a = s_alerter (s, s_boot, topic, 0, &dr, NULL, 0);
    vg_store_txn_t *t = vg_store_txn_new (s);
    vg_alert_t al;
    s_alert (&al, 0);
    ck_assert_int_eq (vg_alerter_stage (a, &al, t), 0);
    vg_store_txn_clear (t); /* the batch never reached the store */
    vg_alerter_committed (a, false);
    s_alert (&al, 1);
    ck_assert_int_eq (vg_alerter_stage (a, &al, t), 0);
    ck_assert_int_eq (vg_store_commit (s, t, NULL, 0), 0);
    vg_alerter_committed (a, true);
    vg_store_txn_destroy (&t);
    s_flush (a, 60000);
    vg_alerter_stats_t st = s_stats (a);
    ck_assert_uint_eq (st.staged, 2);
    ck_assert_uint_eq (st.produced, 1);
    ck_assert_uint_eq (st.delivered, 1);
    vg_alerter_destroy (&a);
    s_msgs_t m;
    s_consume (topic, 2, &m); /* -e: stops at the end even if only one is there */
    ck_assert_int_eq (m.n, 1);
    ck_assert_str_eq (m.key[0], al.dedup_key);
    s_msgs_free (&m);
    vg_store_destroy (&s);
}
END_TEST

/* ---------------------------------------------------------------- no broker needed */

START_TEST (test_bad_config)
{
    vg_store_t *s = s_open ();
    char err[512];
    const vg_alerter_prop_t bad[] = { { "no.such.property", "1" } };
    vg_alerter_cfg_t cfg = { 0 };
    cfg.brokers = "127.0.0.1:1";
    cfg.topic = "t";
    cfg.props = bad;
    cfg.nprops = 1;
    ck_assert_ptr_null (vg_alerter_new (&cfg, s, err, sizeof err));
    ck_assert_msg (strstr (err, "no.such.property") != NULL, "%s", err);
    const vg_alerter_prop_t badval[] = { { "acks", "sometimes" } };
    cfg.props = badval;
    ck_assert_ptr_null (vg_alerter_new (&cfg, s, err, sizeof err));
    ck_assert_msg (strstr (err, "acks") != NULL, "%s", err);
    cfg.nprops = 0;
    cfg.topic = "";
    ck_assert_ptr_null (vg_alerter_new (&cfg, s, err, sizeof err));
    cfg.topic = "t";
    cfg.format = VG_OUTBOX_PROTOBUF;
    ck_assert_ptr_null (vg_alerter_new (&cfg, s, err, sizeof err));
    /* Valid pass-through properties (TLS/SASL-style keys are accepted the same way). */
    cfg.format = VG_OUTBOX_JSON;
    const vg_alerter_prop_t ok[] = { { "compression.type", "lz4" }, { "security.protocol", "plaintext" } };
    cfg.props = ok;
    cfg.nprops = 2;
    vg_alerter_t *a = vg_alerter_new (&cfg, s, err, sizeof err);
    ck_assert_msg (a != NULL, "%s", err);
    ck_assert_int_ge (vg_alerter_fd (a), 0);
    vg_alerter_destroy (&a);
    vg_alerter_destroy (&a);
    vg_store_destroy (&s);
}
END_TEST

/* Every leaf of ref must be in doc with an equal value. */
static void
s_superset (json_t *ref, json_t *doc, const char *path)
{
    char sub[512];
    if (json_is_object (ref)) {
        ck_assert_msg (json_is_object (doc), "%s: not an object", path);
        const char *k;
        json_t *v;
        json_object_foreach (ref, k, v)
        {
            snprintf (sub, sizeof sub, "%s.%s", path, k);
            json_t *o = json_object_get (doc, k);
            ck_assert_msg (o != NULL, "%s missing from the Kafka payload", sub);
            s_superset (v, o, sub);
        }
    } else if (json_is_array (ref)) {
        ck_assert_msg (json_is_array (doc) && json_array_size (doc) == json_array_size (ref), "%s: array differs", path);
        for (size_t i = 0; i < json_array_size (ref); i++) {
            snprintf (sub, sizeof sub, "%s[%zu]", path, i);
            s_superset (json_array_get (ref, i), json_array_get (doc, i), sub);
        }
    } else {
        ck_assert_msg (json_equal (ref, doc), "%s: value differs", path);
    }
}

START_TEST (test_ocsf_superset)
{
    static char a_buf[16384], b_buf[16384];
    for (int i = 0; i < 12; i++) {
        vg_alert_t al;
        s_alert (&al, i);
        if (i == 5) { /* empty inventory and techniques, no entity */
            al.techniques = "";
            al.vendor = al.model = al.role = al.site = al.sw_version = "";
            al.entity[0] = '\0';
            al.catalog = "";
        }
        size_t na = vg_alert_to_json (&al, a_buf, sizeof a_buf);
        vg_ocsf_ctx_t c = { "0.1.0", "c1", "/var/lib/vigil", "telemetry.alerts.ocsf.v1", false };
        size_t nb = vg_ocsf_render (&al, &c, b_buf, sizeof b_buf);
        ck_assert_uint_lt (na, sizeof a_buf);
        ck_assert_uint_lt (nb, sizeof b_buf);
        ck_assert_uint_eq (strlen (b_buf), nb);
        json_error_t je;
        json_t *ref = json_loads (a_buf, 0, &je);
        ck_assert_msg (ref != NULL, "vg_alert_to_json output: %s", je.text);
        json_t *doc = json_loads (b_buf, 0, &je);
        ck_assert_msg (doc != NULL, "ocsf output is not JSON: %s: %s", je.text, b_buf);
        s_superset (ref, doc, "$");
        /* The additions. */
        ck_assert_str_eq (s_jstr (doc, "class_name", NULL), "Detection Finding");
        ck_assert_str_eq (s_jstr (doc, "metadata", "log_name"), "telemetry.alerts.ocsf.v1");
        const char *muid = s_jstr (doc, "metadata", "uid");
        ck_assert_uint_eq (strlen (muid), 36);
        ck_assert_int_eq (muid[14], '8');
        json_t *rp = json_object_get (json_object_get (json_object_get (doc, "unmapped"), "nte"), "replay");
        ck_assert_str_eq (json_string_value (json_object_get (rp, "store")), "/var/lib/vigil");
        ck_assert_int_eq (json_integer_value (json_object_get (rp, "from_ms")), al.first_seen_ms);
        ck_assert_int_eq (json_integer_value (json_object_get (rp, "to_ms")), al.window_end_ms);
        /* The pointer URI names the same store, device and range (to exclusive) and parses
         * back; live renders are not marked as replayed. */
        vg_pointer_t ptr;
        char perr[128];
        ck_assert_int_eq (vg_pointer_parse (json_string_value (json_object_get (rp, "pointer")), &ptr, perr, sizeof perr), 0);
        ck_assert_str_eq (ptr.store, "/var/lib/vigil");
        ck_assert_str_eq (ptr.device, al.device);
        ck_assert_int_eq (ptr.from_ms, al.first_seen_ms);
        ck_assert_int_eq (ptr.to_ms, al.window_end_ms + 1);
        ck_assert_ptr_null (json_object_get (rp, "replayed"));
        if (i != 5) {
            json_t *att = json_array_get (json_object_get (json_object_get (doc, "finding_info"), "attacks"), 1);
            ck_assert_str_eq (json_string_value (json_object_get (json_object_get (att, "technique"), "src_url")),
                              "https://attack.mitre.org/techniques/T1078/003/");
        }
        /* Deterministic message uid; different for another activity of the same finding. */
        char u1[37], u2[37];
        vg_ocsf_message_uid (&al, u1);
        ck_assert_str_eq (u1, muid);
        al.activity = VG_ACT_UPDATE;
        vg_ocsf_message_uid (&al, u2);
        ck_assert_str_ne (u1, u2);
        json_decref (ref);
        json_decref (doc);
    }
    /* Truncation: the needed length is reported and the buffer stays terminated. */
    vg_alert_t al;
    s_alert (&al, 1);
    size_t need = vg_ocsf_render (&al, NULL, b_buf, sizeof b_buf);
    char small[100];
    ck_assert_uint_eq (vg_ocsf_render (&al, NULL, small, sizeof small), need);
    ck_assert_uint_eq (strlen (small), sizeof small - 1);
    ck_assert (memcmp (small, b_buf, sizeof small - 1) == 0);
}
END_TEST

Suite *
vg_alerter_suite (void)
{
    Suite *s = suite_create ("alerter");
    const TTest *local[] = { test_bad_config, test_ocsf_superset };
    vg_test_tcase (s, "local", local, sizeof local / sizeof local[0], 60, s_store_setup, s_store_teardown);
    const TTest *broker[] = {
        test_deliver, test_outbox_resend, test_ids_not_reused_after_empty_outbox, test_inflight_bound_keeps_order, test_failed_commit_sends_nothing,
    };
    TCase *tb = vg_test_tcase (s, "broker", broker, sizeof broker / sizeof broker[0], 120, s_store_setup,
                               s_store_teardown);
    tcase_add_unchecked_fixture (tb, s_broker_start, s_broker_stop);
    return s;
}
