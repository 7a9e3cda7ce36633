/* pcap.c - capture replay input: a pcap/pcapng file through the same decoders as the
 * live inputs, chosen by destination port (`ports: [{port: 40000, format: jti}, ...]`).
 *
 * At start the capture is read once (pcap_replay.c: link layers, IPv4/IPv6, TCP
 * reassembly) and every mapped UDP payload / TCP chunk is kept as a record in one buffer
 * (a capture file larger than max_file_size is refused; the records, payloads plus small
 * headers, are bounded by twice that).  service() then decodes the records: at speed max as
 * fast as the collector acknowledges (paused while the agent is throttled), otherwise at the
 * capture's own pace, or speed_factor times faster.  Decoders keep the payloads' timestamps
 * (the capture time is the fallback), so a replay stores the original times.  Done after the
 * last record.
 *
 * Exactly once across agent kills: before each put the input records next to the spool
 * (input-N.pcap, temp + rename) the capture's identity, how many items (samples + events) it
 * has delivered into the batches up to that put and how many into the ones before it, with
 * the put's epoch and seq.  A restart of the same capture resolves the record with the spool
 * (was that put made?) and decodes the capture from its start again, all records through the
 * same decoders (so TCP reassembly and decoder state are what they were), dropping the first
 * items already spooled, without pacing; then it goes on at its pace.  Decoding is
 * deterministic, so the items after the skip are exactly those not yet spooled. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/file_replace.h"
#include "common/hash.h"
#include "common/log.h"
#include "decode/format.h"
#include "agent/input.h"
#include "decode/pcap_replay.h"

#define PCAP_BURST 512           /* records decoded per turn */

/* A record in the buffer: this header, then srclen bytes of source, then len of data,
 * padded to 8 bytes.  Copied in and out with memcpy (no alignment assumptions). */
typedef struct {
    int64_t ts_us;
    uint64_t stream_id;
    uint32_t len;
    uint8_t fmt, flags, srclen, proto;
} s_rec_t;

typedef struct s_pcap s_pcap_t;

typedef struct {
    s_pcap_t *p;
    int fmt;
} s_port_t;

struct s_pcap {
    vg_input_host_t host;
    bool max_speed;
    double factor;               /* realtime/recorded: captured pace x factor */
    vg_buf_t recs;
    size_t pos;                  /* next record */
    uint64_t nrecs, done_recs;
    uint64_t max_bytes;
    bool over;                   /* the capture did not fit max_file_size */
    int64_t t0_us, mono0;        /* pacing origin (realtime) */
    bool started;
    vg_fmt_set_t *fs;
    vg_decode_stats_t st;
    vg_pcap_stats_t ps;
    int64_t wake_ms, wake_at_mono;
    /* exactly once across restarts (see the file header) */
    const vg_sink_t *down;       /* while decoding: where the counting sink delivers */
    vg_sink_t counting;
    uint64_t items;              /* samples + events the decoders delivered (skipped ones too) */
    uint64_t skip_left;          /* items spooled before a restart, still to drop */
    uint64_t resumed;            /* items skipped at start (a counter) */
    uint64_t saved_items;        /* items held by the puts made */
    uint64_t pending_items;      /* items recorded for the put being made */
    uint64_t key;                /* the capture's identity and port map */
    char state_path[512];        /* the record; "" = none (no spool dir) */
    bool state_sync;             /* the record is fsync'd (spool.fsync) */
    vg_ratelimit_t rl;
};

static const char *const s_keys[] = { "type", "file", "ports", "speed", "speed_factor", "max_file_size", "site", NULL };

static size_t
s_rec_size (const s_rec_t *r)
{
    return (sizeof *r + r->srclen + r->len + 7) & ~(size_t) 7;
}

static int
s_collect (void *arg, const vg_pcap_pkt_t *pkt, const uint8_t *data, size_t len)
{
    s_port_t *pt = arg;
    s_pcap_t *p = pt->p;
    s_rec_t r = { pkt->ts_us, pkt->stream_id, (uint32_t) len, (uint8_t) pt->fmt, (uint8_t) pkt->flags, 0,
                  (uint8_t) pkt->proto };
    size_t sl = pkt->src ? strlen (pkt->src) : 0;
    r.srclen = (uint8_t) (sl > 79 ? 79 : sl);
    size_t need = s_rec_size (&r);
    if (len > UINT32_MAX || p->recs.len + need > p->max_bytes) {
        p->over = true;
        return 1;
    }
    if (vg_buf_reserve (&p->recs, need) < 0)
        return -VG_ENOMEM;
    uint8_t *w = p->recs.data + p->recs.len;
    memset (w, 0, need);
    memcpy (w, &r, sizeof r);
    memcpy (w + sizeof r, pkt->src, r.srclen);
    if (len)
        memcpy (w + sizeof r + r.srclen, data, len);
    p->recs.len += need;
    p->nrecs++;
    return 0;
}

/* ---- the counting sink: every item the decoders deliver, the first skip_left dropped
 * (spooled before a restart).  An item counts once the sink below took it, so a put the
 * agent's guard makes inside that call holds exactly the items counted before it. ---- */

static int
s_count_device (void *ctx, const vg_device_t *dev)
{
    s_pcap_t *p = ctx;
    return vg_sink_device (p->down, dev);
}

static int
s_count_sample (void *ctx, const vg_point_t *pt)
{
    s_pcap_t *p = ctx;
    int rc = 0;
    if (p->skip_left > 0)
        p->skip_left--;
    else
        rc = vg_sink_sample (p->down, pt);
    p->items++;
    return rc;
}

static int
s_count_event (void *ctx, const vg_event_t *e)
{
    s_pcap_t *p = ctx;
    int rc = 0;
    if (p->skip_left > 0)
        p->skip_left--;
    else
        rc = vg_sink_event (p->down, e);
    p->items++;
    return rc;
}

/* The capture's identity: device, inode, size and modification time of the file, and the
 * port map (another map decodes other items).  Never 0. */
static uint64_t
s_identity (const struct stat *sb, const vg_input_cfg_t *c)
{
    uint64_t meta[6] = { (uint64_t) sb->st_dev,           (uint64_t) sb->st_ino,
                         (uint64_t) sb->st_size,          (uint64_t) sb->st_mtim.tv_sec,
                         (uint64_t) sb->st_mtim.tv_nsec, (uint64_t) c->nports };
    uint64_t k = vg_hash64 (meta, sizeof meta, 0x9ca9);
    for (size_t i = 0; i < c->nports; i++) {
        uint64_t port = c->ports[i].port;
        k = vg_hash64 (&port, sizeof port, k);
        k = vg_hash64 (c->ports[i].format, strlen (c->ports[i].format), k);
    }
    return k ? k : 1;
}

/* Replace the record: items delivered up to the put of seq in epoch, prev up to the puts
 * before it; rec/off say where the replay was (for a reader).  temp + rename: a kill leaves
 * the old record or the new one, never a torn one.  Returns 0 or -VG_EIO (logged). */
static int
s_record (s_pcap_t *p, uint64_t items, uint64_t prev, uint64_t rec, uint64_t off, uint64_t epoch, uint64_t seq)
{
    char line[256];
    int n = snprintf (line, sizeof line, "pcap %016llx items %llu prev %llu rec %llu off %llu epoch %llu seq %llu\n",
                      (unsigned long long) p->key, (unsigned long long) items, (unsigned long long) prev,
                      (unsigned long long) rec, (unsigned long long) off, (unsigned long long) epoch,
                      (unsigned long long) seq);
    if (n > 0 && (size_t) n < sizeof line && vg_file_replace (p->state_path, line, (size_t) n, p->state_sync) == 0)
        return 0;
    vg_log_rl (&p->rl, VG_LOG_WARN, "agent", "pcap progress record %s not written: %s (a restart may send again "
               "what the next batch holds)", p->state_path, strerror (errno));
    return -VG_EIO;
}

/* Read the record of input idx: the items to skip (0 when there is none, or it is for
 * another capture or port map).  Written before the put of seq: if that put was not made,
 * what it would have held was never spooled, so resume after prev. */
static uint64_t
s_load_record (s_pcap_t *p, const vg_input_env_t *env)
{
    if (!env->spool_dir || !env->spool_dir[0])
        return 0;
    snprintf (p->state_path, sizeof p->state_path, "%s/input-%zu.pcap", env->spool_dir, env->index);
    p->state_sync = env->spool_fsync;
    FILE *f = fopen (p->state_path, "r");
    if (!f)
        return 0;
    char line[256] = "";
    char *ok = fgets (line, sizeof line, f);
    fclose (f);
    unsigned long long key, items, prev, rec, off, epoch, seq;
    if (!ok || sscanf (line, "pcap %llx items %llu prev %llu rec %llu off %llu epoch %llu seq %llu", &key, &items,
                       &prev, &rec, &off, &epoch, &seq) != 7 || prev > items)
        return 0;
    if (key != p->key) {
        vg_log (VG_LOG_INFO, "agent", "pcap input %zu: %s is another capture (or port map) than the one recorded "
                "in %s: replaying it from its start", env->index, env->cfg->file, p->state_path);
        return 0;
    }
    if (p->host.held && !p->host.held (p->host.arg, epoch, seq)) {
        /* The seq may be handed out again: record that either answer means prev. */
        s_record (p, prev, prev, rec, off, epoch, seq);
        return prev;
    }
    return items;
}

static void
s_will_spool (void *self, uint64_t epoch, uint64_t seq)
{
    s_pcap_t *p = self;
    p->pending_items = p->items + p->skip_left; /* skipping: what was spooled before */
    /* Nothing of this input since the last put: the record on disk resolves to this count
     * whether or not its own put happened. */
    if (!p->state_path[0] || p->pending_items == p->saved_items)
        return;
    s_record (p, p->pending_items, p->saved_items, p->done_recs, p->pos, epoch, seq);
}

static void
s_spooled (void *self)
{
    s_pcap_t *p = self;
    p->saved_items = p->pending_items;
}

static void
s_destroy (void **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_pcap_t *p = *self_p;
    vg_buf_free (&p->recs);
    vg_fmt_set_destroy (&p->fs);
    free (p);
    *self_p = NULL;
}

static void *
s_create (const vg_input_env_t *env, char *err, size_t errlen)
{
    const vg_input_cfg_t *c = env->cfg;
    if (!c->file || !c->file[0]) {
        snprintf (err, errlen, "file: the capture to replay is required");
        return NULL;
    }
    if (c->nports == 0) {
        snprintf (err, errlen, "ports: at least one {port, format} is required");
        return NULL;
    }
    s_pcap_t *p = calloc (1, sizeof *p);
    s_port_t *pa = calloc (c->nports, sizeof *pa);
    vg_pcap_port_t *ports = calloc (c->nports, sizeof *ports);
    void *self = p;
    if (!p || !pa || !ports) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    p->host = env->host;
    p->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (5000, 3);
    p->counting = (vg_sink_t) { p, s_count_device, s_count_sample, s_count_event };
    p->max_speed = c->speed == 1;
    p->factor = c->speed_factor >= 1 ? c->speed_factor : 1;
    struct stat sb;
    if (stat (c->file, &sb) < 0) {
        snprintf (err, errlen, "%s: %s", c->file, strerror (errno));
        goto fail;
    }
    if ((uint64_t) sb.st_size > c->max_file_size) {
        snprintf (err, errlen,
                  "%s: the capture is %lld bytes, larger than max_file_size (%llu bytes; its payloads are held in "
                  "memory for the replay): raise max_file_size for this input",
                  c->file, (long long) sb.st_size, (unsigned long long) c->max_file_size);
        goto fail;
    }
    p->key = s_identity (&sb, c);
    /* Payloads never exceed the file; records add a small header (and the source address)
     * per packet, so twice the bound leaves room without letting memory run away. */
    p->max_bytes = c->max_file_size > UINT64_MAX / 2 ? UINT64_MAX : c->max_file_size * 2;
    p->fs = vg_fmt_set_new ();
    if (!p->fs) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < c->nports; i++) {
        int fmt = vg_fmt_parse (c->ports[i].format);
        if (fmt < 0 || (!vg_fmt_is_datagram (fmt) && !vg_fmt_is_stream (fmt))) {
            snprintf (err, errlen, "ports[%zu]: format '%s': want jti | udp-notif | mdt-udp | mdt-tcp", i,
                      c->ports[i].format);
            goto fail;
        }
        for (size_t j = 0; j < i; j++)
            if (c->ports[j].port == c->ports[i].port) {
                snprintf (err, errlen, "ports[%zu]: port %llu is mapped twice", i,
                          (unsigned long long) c->ports[i].port);
                goto fail;
            }
        pa[i] = (s_port_t) { p, fmt };
        ports[i] = (vg_pcap_port_t) { (uint16_t) c->ports[i].port,
                                      vg_fmt_is_stream (fmt) ? VG_PCAP_PROTO_TCP : VG_PCAP_PROTO_UDP, s_collect,
                                      &pa[i] };
    }
    vg_pcap_cfg_t pc = { .ports = ports, .nports = c->nports };
    int rc = vg_pcap_replay_file (c->file, &pc, &p->ps);
    if (p->over) {
        snprintf (err, errlen,
                  "%s: the replay records (payloads and per-packet headers) need more than %llu bytes (twice "
                  "max_file_size): raise max_file_size for this input",
                  c->file, (unsigned long long) p->max_bytes);
        goto fail;
    }
    if (rc != 0) {
        snprintf (err, errlen, "%s: %s", c->file, p->ps.last_error[0] ? p->ps.last_error : vg_strerror (rc));
        goto fail;
    }
    free (pa);
    free (ports);
    p->skip_left = p->resumed = p->saved_items = s_load_record (p, env);
    if (p->resumed)
        vg_log (VG_LOG_INFO, "agent", "pcap input %zu: %s: %llu items were spooled before the restart; replaying "
                "after them", env->index, c->file, (unsigned long long) p->resumed);
    return p;
fail:
    free (pa);
    free (ports);
    s_destroy (&self);
    return NULL;
}

static void
s_decode (s_pcap_t *p, const s_rec_t *r, const uint8_t *at, const vg_sink_t *sink)
{
    char src[80];
    memcpy (src, at + sizeof *r, r->srclen);
    src[r->srclen] = '\0';
    const uint8_t *data = at + sizeof *r + r->srclen;
    vg_decode_ctx_t ctx = { src, r->ts_us / 1000 };
    if (vg_fmt_is_stream (r->fmt))
        vg_fmt_stream (p->fs, r->fmt, r->stream_id, r->flags, data, r->len, &ctx, sink, &p->st);
    else
        vg_fmt_decode (p->fs, r->fmt, data, r->len, &ctx, sink, &p->st);
}

static int
s_service (void *self, int64_t now, int64_t mono, const vg_sink_t *sink)
{
    s_pcap_t *p = self;
    (void) now;
    p->wake_at_mono = mono;
    p->wake_ms = 1000;
    if (p->pos >= p->recs.len)
        return 0;
    s_rec_t r;
    if (!p->started) {
        memcpy (&r, p->recs.data + p->pos, sizeof r);
        p->t0_us = r.ts_us;
        p->mono0 = mono;
        p->started = true;
    }
    /* Skipping what was spooled before a restart: no pacing, and nothing reaches the batch
     * (device announcements aside), so no throttle either. */
    bool skipping = p->skip_left > 0;
    bool throttled = !skipping && p->max_speed && p->host.throttled (p->host.arg);
    p->down = sink;
    for (int k = 0; k < PCAP_BURST && !throttled && p->pos < p->recs.len; k++) {
        const uint8_t *at = p->recs.data + p->pos;
        memcpy (&r, at, sizeof r);
        if (!p->max_speed && !skipping) {
            int64_t due = (int64_t) ((double) (r.ts_us - p->t0_us) / 1000.0 / p->factor) - (mono - p->mono0);
            if (due > 0) {
                p->wake_ms = due;
                return 0;
            }
        }
        s_decode (p, &r, at, &p->counting);
        p->pos += s_rec_size (&r);
        p->done_recs++;
        if (skipping && p->skip_left == 0) {
            p->started = false; /* the pace starts again at the next record */
            break;
        }
        if (p->max_speed && !skipping && (k & 63) == 63)
            throttled = p->host.throttled (p->host.arg);
    }
    if (p->pos < p->recs.len)
        p->wake_ms = throttled ? 5 : 0;
    return 0;
}

static bool
s_done (const void *self)
{
    const s_pcap_t *p = self;
    return p->pos >= p->recs.len;
}

static int64_t
s_next_wake (const void *self, int64_t mono)
{
    const s_pcap_t *p = self;
    return p->wake_ms - (mono - p->wake_at_mono);
}

static const vg_input_counter_t s_counters[] = {
    { "packets", offsetof (s_pcap_t, ps.packets) }, { "records", offsetof (s_pcap_t, nrecs) },
    { "replayed", offsetof (s_pcap_t, done_recs) }, { "unmapped", offsetof (s_pcap_t, ps.unmapped) },
    { "tcp_streams", offsetof (s_pcap_t, ps.tcp_streams) }, { "tcp_gaps", offsetof (s_pcap_t, ps.tcp_gaps) },
    { "items", offsetof (s_pcap_t, items) }, { "resumed_after", offsetof (s_pcap_t, resumed) },
};

const vg_input_ops_t vg_in_pcap_ops = {
    .name = "pcap",
    .summary = "replay of a pcap/pcapng capture through the decoders, by destination port",
    .keys = s_keys,
    .site_prefix = true,
    .create = s_create,
    .destroy = s_destroy,
    .service = s_service,
    .done = s_done,
    .next_wake = s_next_wake,
    .will_spool = s_will_spool,
    .spooled = s_spooled,
    .stats_at = VG_INPUT_STATS_AT (s_pcap_t, st),
    .counters = s_counters,
    .ncounters = sizeof s_counters / sizeof s_counters[0],
};
