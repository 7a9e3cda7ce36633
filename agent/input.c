/* input.c - input kinds registry, the per-input wrapper (site prefix, error logging,
 * counters) and socket helpers shared by the network inputs (see input.h).
 * Invariant: the site wrapper never allocates; an id that would not fit with its prefix
 * passes unchanged. */
#include "agent/input.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/err.h"
#include "common/listen_addr.h"
#include "common/log.h"

const vg_input_ops_t *const vg_input_kinds[] = {
    &vg_in_sim_ops, &vg_in_linux_ops, &vg_in_udp_ops, &vg_in_tcp_ops, &vg_in_pmdir_ops, &vg_in_ves_ops,
    &vg_in_pcap_ops, NULL,
};

struct vg_input {
    const vg_input_ops_t *ops;
    void *self;
    const vg_input_cfg_t *cfg;
    size_t index;
    char label[96];               /* "input 1 (udp 0.0.0.0:40000)" */
    /* site prefix */
    const char *site;             /* NULL = no prefix */
    const vg_sink_t *inner;
    char last_id[VG_MAX_ID_LEN + 1];
    char prefixed[VG_MAX_ID_LEN + 1];
    bool last_ok;
    /* error logging */
    uint64_t errors_logged;
    vg_ratelimit_t rl;
};

const vg_input_ops_t *
vg_input_kind (const char *name)
{
    for (size_t i = 0; name && vg_input_kinds[i]; i++)
        if (!strcmp (vg_input_kinds[i]->name, name))
            return vg_input_kinds[i];
    return NULL;
}

vg_input_t *
vg_input_new (const vg_input_env_t *env, char *err, size_t errlen)
{
    const vg_input_cfg_t *c = env->cfg;
    const vg_input_ops_t *ops = vg_input_kind (c->type);
    if (!ops) {
        char known[200] = "";
        for (size_t i = 0; vg_input_kinds[i]; i++) {
            strncat (known, i ? ", " : "", sizeof known - strlen (known) - 1);
            strncat (known, vg_input_kinds[i]->name, sizeof known - strlen (known) - 1);
        }
        snprintf (err, errlen, "input %zu: unknown type '%s' (known: %s)", env->index, c->type, known);
        return NULL;
    }
    vg_input_t *in = calloc (1, sizeof *in);
    if (!in) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    in->ops = ops;
    in->cfg = c;
    in->index = env->index;
    in->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (10000, 3);
    const char *where = c->listen && c->listen[0] ? c->listen : c->file && c->file[0] ? c->file : c->dir;
    if (where && where[0])
        snprintf (in->label, sizeof in->label, "input %zu (%s %s)", env->index, ops->name, where);
    else
        snprintf (in->label, sizeof in->label, "input %zu (%s)", env->index, ops->name);
    if (ops->site_prefix && c->site && c->site[0])
        in->site = c->site;
    char why[400];
    why[0] = '\0';
    in->self = ops->create (env, why, sizeof why);
    if (!in->self) {
        snprintf (err, errlen, "%s: %s", in->label, why[0] ? why : "cannot start");
        free (in);
        return NULL;
    }
    return in;
}

void
vg_input_destroy (vg_input_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_input_t *in = *self_p;
    in->ops->destroy (&in->self);
    free (in);
    *self_p = NULL;
}

/* ---- site prefix: a sink that rewrites ids without a site to "SITE/id" ---- */

static const char *
s_prefix (vg_input_t *in, const char *id)
{
    if (!id || strchr (id, '/'))
        return id;
    if (!strcmp (id, in->last_id))
        return in->last_ok ? in->prefixed : id;
    size_t n = strlen (id);
    if (n >= sizeof in->last_id)
        return id;
    memcpy (in->last_id, id, n + 1);
    int k = snprintf (in->prefixed, sizeof in->prefixed, "%s/%s", in->site, id);
    in->last_ok = k > 0 && (size_t) k < sizeof in->prefixed && (size_t) k <= VG_MAX_ID_LEN;
    return in->last_ok ? in->prefixed : id;
}

static int
s_site_device (void *ctx, const vg_device_t *d)
{
    vg_input_t *in = ctx;
    vg_device_t c = *d;
    if (d->id && !strchr (d->id, '/')) {
        c.id = s_prefix (in, d->id);
        if (!c.site || !c.site[0])
            c.site = in->site;
    }
    return vg_sink_device (in->inner, &c);
}

static int
s_site_sample (void *ctx, const vg_point_t *p)
{
    vg_input_t *in = ctx;
    vg_point_t c = *p;
    c.device = s_prefix (in, p->device);
    c.series_hint = 0; /* the producer's hash covered the old id */
    return vg_sink_sample (in->inner, &c);
}

static int
s_site_event (void *ctx, const vg_event_t *e)
{
    vg_input_t *in = ctx;
    vg_event_t c = *e;
    c.device = s_prefix (in, e->device);
    return vg_sink_event (in->inner, &c);
}

size_t
vg_input_pollfds (vg_input_t *in, int *fds, size_t cap)
{
    if (in->ops->pollfds)
        return in->ops->pollfds (in->self, fds, cap);
    if (!in->ops->fd_at)
        return 0;
    if (cap > 0)
        memcpy (&fds[0], (const char *) in->self + in->ops->fd_at - 1, sizeof fds[0]);
    return 1;
}

int
vg_input_service (vg_input_t *in, int64_t now_ms, int64_t mono_ms, const vg_sink_t *sink)
{
    int rc;
    if (in->site) {
        in->inner = sink;
        vg_sink_t wrap = { in, s_site_device, s_site_sample, s_site_event };
        rc = in->ops->service (in->self, now_ms, mono_ms, &wrap);
    } else {
        rc = in->ops->service (in->self, now_ms, mono_ms, sink);
    }
    const vg_decode_stats_t *st = vg_input_stats (in);
    if (st && st->errors > in->errors_logged) {
        vg_log_rl (&in->rl, VG_LOG_WARN, "input", "%s: %llu new decode errors (%llu total), last: %s", in->label,
                   (unsigned long long) (st->errors - in->errors_logged), (unsigned long long) st->errors,
                   st->last_error);
        in->errors_logged = st->errors;
    }
    return rc;
}

bool
vg_input_done (const vg_input_t *in)
{
    return in->ops->done ? in->ops->done (in->self) : false;
}

int64_t
vg_input_next_wake (const vg_input_t *in, int64_t mono_ms)
{
    int64_t w = in->ops->next_wake ? in->ops->next_wake (in->self, mono_ms) : 1000;
    return w < 0 ? 0 : w;
}

void
vg_input_will_spool (vg_input_t *in, uint64_t epoch, uint64_t seq)
{
    if (in->ops->will_spool)
        in->ops->will_spool (in->self, epoch, seq);
}

void
vg_input_spooled (vg_input_t *in)
{
    if (in->ops->spooled)
        in->ops->spooled (in->self);
}

const vg_decode_stats_t *
vg_input_stats (const vg_input_t *in)
{
    if (in->ops->stats)
        return in->ops->stats (in->self);
    if (in->ops->stats_at)
        return (const vg_decode_stats_t *) ((const char *) in->self + in->ops->stats_at - 1);
    return NULL;
}

const char *
vg_input_counter (const vg_input_t *in, size_t i, uint64_t *value)
{
    if (i >= in->ops->ncounters)
        return NULL;
    const vg_input_counter_t *c = &in->ops->counters[i];
    memcpy (value, (const char *) in->self + c->offset, sizeof *value);
    return c->name;
}

void
vg_input_log_stats (const vg_input_t *in)
{
    char extra[400];
    extra[0] = '\0';
    if (in->ops->describe)
        in->ops->describe (in->self, extra, sizeof extra);
    size_t len = strlen (extra);
    for (size_t i = 0; i < in->ops->ncounters && len < sizeof extra; i++) {
        uint64_t v;
        const char *name = vg_input_counter (in, i, &v);
        int n = snprintf (extra + len, sizeof extra - len, "%s%s=%llu", len ? " " : "", name,
                          (unsigned long long) v);
        len = n < 0 ? sizeof extra : len + (size_t) n;
    }
    const vg_decode_stats_t *st = vg_input_stats (in);
    if (st)
        vg_log (VG_LOG_INFO, "input", "%s: messages=%llu samples=%llu events=%llu errors=%llu undecoded=%llu lost=%llu suspect=%llu%s%s",
                in->label, (unsigned long long) st->messages, (unsigned long long) st->samples,
                (unsigned long long) st->events, (unsigned long long) st->errors, (unsigned long long) st->undecoded,
                (unsigned long long) st->lost, (unsigned long long) st->suspect, extra[0] ? " " : "", extra);
    else if (extra[0])
        vg_log (VG_LOG_INFO, "input", "%s: %s", in->label, extra);
}

void *
vg_input_calloc (size_t size, char *err, size_t errlen)
{
    void *p = calloc (1, size);
    if (!p)
        snprintf (err, errlen, "out of memory");
    return p;
}

/* ---- sockets ---- */

int
vg_input_bind (const char *addr, int socktype, char *err, size_t errlen)
{
    char host[256];
    uint16_t port;
    if (vg_listen_parse (addr, host, sizeof host, &port) < 0) {
        snprintf (err, errlen, "listen '%s': want HOST:PORT, [V6]:PORT or PORT (= 127.0.0.1:PORT)", addr ? addr : "");
        return -1;
    }
    char service[8];
    snprintf (service, sizeof service, "%u", (unsigned) port);
    struct addrinfo hints, *res = NULL;
    memset (&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int g = getaddrinfo (host, service, &hints, &res);
    if (g != 0) {
        snprintf (err, errlen, "listen '%s': %s", addr, gai_strerror (g));
        return -1;
    }
    int fd = -1;
    const char *why = "no address";
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket (ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            why = strerror (errno);
            continue;
        }
        int one = 1;
        setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6 && !strcmp (host, "::")) {
            int zero = 0; /* "[::]:PORT": IPv4 and IPv6 on one socket */
            setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        }
        int fl = fcntl (fd, F_GETFL, 0);
        if (fl < 0 || fcntl (fd, F_SETFL, fl | O_NONBLOCK) < 0 || bind (fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
            (socktype == SOCK_STREAM && listen (fd, 64) < 0)) {
            why = strerror (errno);
            close (fd);
            fd = -1;
            continue;
        }
        break;
    }
    freeaddrinfo (res);
    if (fd < 0)
        snprintf (err, errlen, "listen '%s': %s", addr, why);
    return fd;
}

void
vg_input_addr_str (const void *sockaddr, unsigned addrlen, char *buf, size_t size)
{
    char h[INET6_ADDRSTRLEN + 1], s[8];
    const struct sockaddr *sa = sockaddr;
    if (getnameinfo (sa, (socklen_t) addrlen, h, sizeof h, s, sizeof s, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf (buf, size, "unknown");
        return;
    }
    if (sa->sa_family == AF_INET6) {
        /* An IPv4 peer on a dual-stack socket: show it as IPv4. */
        if (!strncmp (h, "::ffff:", 7) && strchr (h + 7, '.'))
            snprintf (buf, size, "%s:%s", h + 7, s);
        else
            snprintf (buf, size, "[%s]:%s", h, s);
    } else {
        snprintf (buf, size, "%s:%s", h, s);
    }
}
