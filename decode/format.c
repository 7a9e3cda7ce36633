/* format.c - format names and per-input decoder state (see format.h).
 * Invariant: a set never holds more than VG_FMT_MAX_STREAMS reassemblers; the least
 * recently fed one is evicted first. */
#include "decode/format.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "decode/gnmi.h"
#include "decode/huawei_gpb.h"
#include "decode/jti.h"
#include "decode/mdt.h"
#include "decode/pcap_replay.h"
#include "decode/pm3gpp.h"
#include "decode/udp_notif.h"
#include "decode/ves.h"

static const char *const s_names[VG_FMT__COUNT] = {
    "jti", "udp-notif", "mdt-udp", "mdt-tcp", "mdt-kvgpb", "huawei-gpb", "gnmi", "3gpp-xml", "ves",
};

typedef struct {
    uint64_t id;               /* 0 = free slot */
    uint64_t used;             /* feed counter at last use, for eviction */
    vg_mdt_stream_t *mdt;      /* NULL once desynchronised (bytes ignored until the end) */
} s_stream_t;

struct vg_fmt_set {
    vg_jti_state_t *jti;
    vg_udp_notif_t *notif;
    s_stream_t streams[VG_FMT_MAX_STREAMS];
    size_t nstreams;
    uint64_t clock;
};

int
vg_fmt_parse (const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < VG_FMT__COUNT; i++)
        if (!strcmp (name, s_names[i]))
            return i;
    if (!strcmp (name, "3gpp"))
        return VG_FMT_3GPP_XML;
    if (!strcmp (name, "mdt"))
        return VG_FMT_MDT_TCP;
    return -1;
}

const char *
vg_fmt_name (int fmt)
{
    return fmt >= 0 && fmt < VG_FMT__COUNT ? s_names[fmt] : "unknown";
}

bool
vg_fmt_is_stream (int fmt)
{
    return fmt == VG_FMT_MDT_TCP;
}

bool
vg_fmt_is_datagram (int fmt)
{
    return fmt == VG_FMT_JTI || fmt == VG_FMT_UDP_NOTIF || fmt == VG_FMT_MDT_UDP;
}

const char *
vg_fmt_list (void)
{
    return "jti | udp-notif | mdt-udp | mdt-tcp | mdt-kvgpb | huawei-gpb | gnmi | 3gpp-xml | ves";
}

vg_fmt_set_t *
vg_fmt_set_new (void)
{
    vg_fmt_set_t *fs = calloc (1, sizeof *fs);
    if (!fs)
        return NULL;
    fs->jti = vg_jti_state_new ();
    fs->notif = vg_udp_notif_new (NULL);
    if (!fs->jti || !fs->notif)
        vg_fmt_set_destroy (&fs);
    return fs;
}

static void
s_stream_free (vg_fmt_set_t *fs, s_stream_t *s)
{
    vg_mdt_stream_destroy (&s->mdt);
    s->id = 0;
    fs->nstreams--;
}

void
vg_fmt_set_destroy (vg_fmt_set_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_fmt_set_t *fs = *self_p;
    for (size_t i = 0; i < VG_FMT_MAX_STREAMS; i++)
        if (fs->streams[i].id)
            s_stream_free (fs, &fs->streams[i]);
    vg_jti_state_destroy (&fs->jti);
    vg_udp_notif_destroy (&fs->notif);
    free (fs);
    *self_p = NULL;
}

size_t
vg_fmt_set_streams (const vg_fmt_set_t *fs)
{
    return fs->nstreams;
}

int
vg_fmt_decode (vg_fmt_set_t *fs, int fmt, const uint8_t *p, size_t len, const vg_decode_ctx_t *ctx,
               const vg_sink_t *sink, vg_decode_stats_t *st)
{
    switch (fmt) {
    case VG_FMT_JTI:
        return vg_jti_decode (p, len, ctx, sink, fs->jti, st);
    case VG_FMT_UDP_NOTIF:
        return vg_udp_notif_decode (fs->notif, p, len, ctx, sink, st);
    case VG_FMT_MDT_UDP:
        return vg_mdt_decode_datagram (p, len, ctx, sink, st);
    case VG_FMT_MDT_KVGPB:
        return vg_mdt_decode_payload (p, len, VG_MDT_ENCAP_AUTO, ctx, sink, st);
    case VG_FMT_HUAWEI_GPB:
        return vg_huawei_gpb_decode (p, len, ctx, sink, st);
    case VG_FMT_GNMI:
        return vg_gnmi_decode (p, len, ctx, sink, st);
    case VG_FMT_3GPP_XML:
        return vg_pm3gpp_decode (p, len, ctx, sink, st);
    case VG_FMT_VES:
        return vg_ves_decode (p, len, ctx, sink, st);
    default:
        return vg_decode_fail (st, -VG_EINVAL, "format %s is not decoded unit by unit", vg_fmt_name (fmt));
    }
}

static s_stream_t *
s_stream_find (vg_fmt_set_t *fs, uint64_t id)
{
    for (size_t i = 0; i < VG_FMT_MAX_STREAMS; i++)
        if (fs->streams[i].id == id)
            return &fs->streams[i];
    return NULL;
}

/* A slot for a new stream: a free one, else the least recently fed (evicted). */
static s_stream_t *
s_stream_slot (vg_fmt_set_t *fs)
{
    s_stream_t *oldest = NULL;
    for (size_t i = 0; i < VG_FMT_MAX_STREAMS; i++) {
        s_stream_t *s = &fs->streams[i];
        if (!s->id)
            return s;
        if (!oldest || s->used < oldest->used)
            oldest = s;
    }
    s_stream_free (fs, oldest);
    return oldest;
}

int
vg_fmt_stream (vg_fmt_set_t *fs, int fmt, uint64_t stream_id, unsigned flags, const uint8_t *p, size_t len,
               const vg_decode_ctx_t *ctx, const vg_sink_t *sink, vg_decode_stats_t *st)
{
    if (fmt != VG_FMT_MDT_TCP)
        return vg_decode_fail (st, -VG_EINVAL, "format %s is not a stream format", vg_fmt_name (fmt));
    if (stream_id == 0)
        return vg_decode_fail (st, -VG_EINVAL, "stream id 0");
    s_stream_t *s = s_stream_find (fs, stream_id);
    if (s && (flags & (VG_PCAP_F_OPEN | VG_PCAP_F_GAP))) {
        /* A reused id or lost bytes: framing restarts with this chunk. */
        if (s->mdt && vg_mdt_stream_pending (s->mdt))
            st->lost++;
        s_stream_free (fs, s);
        s = NULL;
    }
    if (flags & VG_PCAP_F_CLOSE) {
        if (s) {
            if (s->mdt && vg_mdt_stream_pending (s->mdt))
                vg_decode_fail (st, -VG_ETRUNC, "stream %s ended inside a frame (%zu bytes)",
                                ctx && ctx->source ? ctx->source : "?", vg_mdt_stream_pending (s->mdt));
            s_stream_free (fs, s);
        }
        if (len == 0)
            return 0;
        s = NULL;
    }
    if (len == 0)
        return 0;
    if (!s) {
        s = s_stream_slot (fs);
        s->mdt = vg_mdt_stream_new ();
        if (!s->mdt)
            return vg_decode_fail (st, -VG_ENOMEM, "out of memory (stream)");
        s->id = stream_id;
        fs->nstreams++;
    }
    s->used = ++fs->clock;
    if (!s->mdt)
        return 0; /* desynchronised earlier: the rest of this stream is ignored */
    int rc = vg_mdt_stream_feed (s->mdt, p, len, ctx, sink, st);
    if (rc == -VG_EPROTO || rc == -VG_ETOOBIG)
        vg_mdt_stream_destroy (&s->mdt); /* as a server would close the connection */
    return rc;
}
