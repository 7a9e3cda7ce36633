/* udp.c - UDP listener input: every datagram goes to one decoder (jti, udp-notif or
 * mdt-udp) with the sender's address as ctx->source.
 *
 * Non-blocking: each turn reads at most UDP_BURST datagrams (recvmsg, MSG_DONTWAIT) into
 * one reused 64 KiB buffer, so a flood cannot starve the sender; the kernel buffer
 * (rcvbuf) absorbs bursts between turns.  Truncated datagrams are counted as errors.  What
 * the kernel drops because that buffer was full is not silent: SO_RXQ_OVFL reports the
 * socket's drop count with each datagram that arrives after a drop, and when the queue runs
 * empty the count is also read with SO_MEMINFO (at most once a second), so drops in a last
 * burst are counted too (counter kernel_drops, a rate-limited warning).  rcvbuf is asked
 * with SO_RCVBUFFORCE first (lifts net.core.rmem_max with CAP_NET_ADMIN), else SO_RCVBUF;
 * a buffer smaller than asked is logged with the size the kernel gave. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "decode/format.h"
#include "agent/input.h"

#define UDP_BURST 256
#define UDP_MAX 65536

typedef struct {
    int fd;
    int fmt;
    vg_fmt_set_t *fs;
    vg_decode_stats_t st;
    uint64_t datagrams, bytes, truncated, read_errors, kernel_drops;
    int64_t drops_read_mono; /* last SO_MEMINFO read */
    vg_ratelimit_t rl;
    uint8_t buf[UDP_MAX];
} s_udp_t;

static const char *const s_keys[] = { "type", "listen", "format", "rcvbuf", "site", NULL };

static void
s_destroy (void **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_udp_t *u = *self_p;
    if (u->fd >= 0)
        close (u->fd);
    vg_fmt_set_destroy (&u->fs);
    free (u);
    *self_p = NULL;
}

static void *
s_create (const vg_input_env_t *env, char *err, size_t errlen)
{
    const vg_input_cfg_t *c = env->cfg;
    int fmt = vg_fmt_parse (c->format);
    if (fmt < 0 || !vg_fmt_is_datagram (fmt)) {
        snprintf (err, errlen, "format '%s': want jti | udp-notif | mdt-udp", c->format ? c->format : "");
        return NULL;
    }
    s_udp_t *u = vg_input_calloc (sizeof *u, err, errlen);
    if (!u)
        return NULL;
    u->fmt = fmt;
    u->fd = vg_input_bind (c->listen, SOCK_DGRAM, err, errlen);
    u->fs = vg_fmt_set_new ();
    void *self = u;
    if (u->fd < 0)
        goto fail;
    if (!u->fs) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    if (c->rcvbuf) {
        int sz = (int) c->rcvbuf, got = 0;
        socklen_t gl = sizeof got;
        if (setsockopt (u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
            setsockopt (u->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz); /* rmem_max caps it */
        /* The kernel reports twice the usable size it set aside (its bookkeeping share). */
        if (getsockopt (u->fd, SOL_SOCKET, SO_RCVBUF, &got, &gl) == 0 && (int64_t) got < (int64_t) sz)
            vg_log (VG_LOG_WARN, "input", "udp %s: rcvbuf %d asked, the kernel gave %d (raise net.core.rmem_max, or "
                    "run with CAP_NET_ADMIN)", c->listen, sz, got);
    }
    int on = 1;
    setsockopt (u->fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on); /* best effort: drop counts */
    u->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 1);
    return u;
fail:
    s_destroy (&self);
    return NULL;
}

/* The socket's drop count so far (total): count and tell what is new. */
static void
s_drops_seen (s_udp_t *u, uint64_t total)
{
    if (total <= u->kernel_drops)
        return;
    vg_log_rl (&u->rl, VG_LOG_WARN, "input",
               "udp: %llu datagrams dropped by the kernel so far (socket buffer full: raise rcvbuf and "
               "net.core.rmem_max, or the agent is starved of CPU)", (unsigned long long) total);
    u->kernel_drops = total;
}

/* The socket's drop count came with the datagram. */
static void
s_kernel_drops (s_udp_t *u, struct msghdr *mh)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR (mh); c; c = CMSG_NXTHDR (mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_RXQ_OVFL)
            continue;
        uint32_t total;
        memcpy (&total, CMSG_DATA (c), sizeof total);
        s_drops_seen (u, total);
    }
}

/* The socket's drop count read directly (the queue is empty, so no datagram will bring it). */
static void
s_meminfo_drops (s_udp_t *u, int64_t mono)
{
    if (mono - u->drops_read_mono < 1000)
        return;
    u->drops_read_mono = mono;
    uint32_t mi[SK_MEMINFO_VARS];
    socklen_t ml = sizeof mi;
    if (getsockopt (u->fd, SOL_SOCKET, SO_MEMINFO, mi, &ml) == 0 && ml > SK_MEMINFO_DROPS * sizeof mi[0])
        s_drops_seen (u, mi[SK_MEMINFO_DROPS]);
}

static int
s_service (void *self, int64_t now, int64_t mono, const vg_sink_t *sink)
{
    s_udp_t *u = self;
    for (int i = 0; i < UDP_BURST; i++) {
        struct sockaddr_storage ss;
        struct iovec iov = { u->buf, sizeof u->buf };
        union {
            char b[CMSG_SPACE (sizeof (uint32_t))];
            struct cmsghdr align;
        } ctl;
        struct msghdr mh = { .msg_name = &ss, .msg_namelen = sizeof ss, .msg_iov = &iov, .msg_iovlen = 1,
                             .msg_control = ctl.b, .msg_controllen = sizeof ctl.b };
        ssize_t n = recvmsg (u->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                u->read_errors++;
            else
                s_meminfo_drops (u, mono);
            break;
        }
        socklen_t sl = mh.msg_namelen;
        s_kernel_drops (u, &mh);
        u->datagrams++;
        u->bytes += (uint64_t) n;
        char src[80];
        vg_input_addr_str (&ss, sl, src, sizeof src);
        if ((size_t) n > sizeof u->buf) {
            u->truncated++;
            vg_decode_fail (&u->st, -VG_ETOOBIG, "datagram of %zd bytes from %s exceeds %u", n, src, UDP_MAX);
            continue;
        }
        vg_decode_ctx_t ctx = { src, now };
        vg_fmt_decode (u->fs, u->fmt, u->buf, (size_t) n, &ctx, sink, &u->st);
    }
    return 0;
}

static int64_t
s_next_wake (const void *self, int64_t mono)
{
    (void) self;
    (void) mono;
    return 1000; /* udp-notif reassembly expiry is driven by arrivals; nothing to do when idle */
}

static void
s_describe (const void *self, char *buf, size_t size)
{
    const s_udp_t *u = self;
    snprintf (buf, size, "format=%s", vg_fmt_name (u->fmt));
}

#define C(f) VG_INPUT_COUNTER (s_udp_t, f)
static const vg_input_counter_t s_counters[] = {
    C (datagrams), C (bytes), C (truncated), C (read_errors), C (kernel_drops),
};
#undef C

const vg_input_ops_t vg_in_udp_ops = {
    .name = "udp",
    .summary = "UDP listener: Juniper JTI, IETF UDP-notif or Cisco MDT UDP datagrams",
    .keys = s_keys,
    .site_prefix = true,
    .create = s_create,
    .destroy = s_destroy,
    .fd_at = VG_INPUT_FD_AT (s_udp_t, fd),
    .service = s_service,
    .next_wake = s_next_wake,
    .stats_at = VG_INPUT_STATS_AT (s_udp_t, st),
    .describe = s_describe,
    .counters = s_counters,
    .ncounters = sizeof s_counters / sizeof s_counters[0],
};
