/* pcap_util.c - test-only capture, file and sink helpers (see pcap_util.h). */
#include "tests/decode/pcap_util.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"

int
tu_read_file (const char *path, tu_blob_t *out)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return -1;
    fseek (f, 0, SEEK_END);
    long n = ftell (f);
    fseek (f, 0, SEEK_SET);
    out->data = malloc ((size_t) n + 1);
    if (!out->data || fread (out->data, 1, (size_t) n, f) != (size_t) n) {
        fclose (f);
        free (out->data);
        out->data = NULL;
        return -1;
    }
    fclose (f);
    out->data[n] = 0;
    out->len = (size_t) n;
    return 0;
}

void
tu_blob_free (tu_blob_t *b)
{
    free (b->data);
    b->data = NULL;
    b->len = 0;
}

void
tu_blobs_free (tu_blob_t **b, int n)
{
    if (!*b)
        return;
    for (int i = 0; i < n; i++)
        free ((*b)[i].data);
    free (*b);
    *b = NULL;
}

size_t
tu_b64 (const char *s, size_t n, uint8_t *out)
{
    static const char *A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        const char *q = s[i] ? strchr (A, s[i]) : NULL;
        if (!q)
            continue;
        acc = acc << 6 | (uint32_t) (q - A);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t) (acc >> bits);
        }
    }
    return o;
}

/* Locate the IP header of a frame; returns its offset or -1. */
static int
s_l3 (int dlt, const uint8_t *p, size_t n)
{
    size_t off;
    unsigned et;
    switch (dlt) {
    case DLT_EN10MB:
        if (n < 14)
            return -1;
        et = (unsigned) p[12] << 8 | p[13];
        off = 14;
        while ((et == 0x8100 || et == 0x88a8) && n >= off + 4) {
            et = (unsigned) p[off + 2] << 8 | p[off + 3];
            off += 4;
        }
        return (et == 0x0800 || et == 0x86dd) ? (int) off : -1;
    case DLT_LINUX_SLL:
        if (n < 16)
            return -1;
        et = (unsigned) p[14] << 8 | p[15];
        return (et == 0x0800 || et == 0x86dd) ? 16 : -1;
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
    case DLT_IPV6:
#endif
        return 0;
    default:
        return -1;
    }
}

/* Parse IP + transport: sets proto, l4 offset and the 4-tuple key text. */
static int
s_ip (const uint8_t *p, size_t n, int *proto, size_t *l4, char *key, size_t keycap)
{
    if (n < 1)
        return -1;
    int v = p[0] >> 4;
    if (v == 4) {
        if (n < 20)
            return -1;
        size_t ihl = (size_t) (p[0] & 15) * 4;
        if (ihl < 20 || n < ihl)
            return -1;
        *proto = p[9];
        *l4 = ihl;
        snprintf (key, keycap, "%u.%u.%u.%u>%u.%u.%u.%u", p[12], p[13], p[14], p[15], p[16], p[17],
                  p[18], p[19]);
        return 0;
    }
    if (v == 6) {
        if (n < 40)
            return -1;
        *proto = p[6];
        *l4 = 40;
        size_t o = 0;
        for (int i = 8; i < 40 && o + 3 < keycap; i++)
            o += (size_t) snprintf (key + o, keycap - o, "%02x", p[i]);
        return 0;
    }
    return -1;
}

/* A packet of the wanted IP protocol: the frame, its length, the IP and transport offsets and
 * the address-pair key. */
typedef int (*s_pkt_fn) (void *ctx, const uint8_t *p, size_t caplen, size_t l3, size_t l4, const char *key);

/* Call fn for every IPv4/IPv6 packet of the capture carrying IP protocol proto with at least
 * hdr_min bytes of transport header (fn returns 0 to go on, < 0 to stop with that code).
 * Returns 0, fn's code, or -1 if the file cannot be opened. */
static int
s_each_ip (const char *path, int proto_want, size_t hdr_min, s_pkt_fn fn, void *ctx)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline (path, err);
    if (!pc)
        return -1;
    int dlt = pcap_datalink (pc);
    struct pcap_pkthdr *h;
    const uint8_t *p;
    int rc = 0;
    while (rc == 0 && pcap_next_ex (pc, &h, &p) == 1) {
        int l3 = s_l3 (dlt, p, h->caplen);
        if (l3 < 0)
            continue;
        int proto;
        size_t l4;
        char key[128];
        if (s_ip (p + l3, h->caplen - (size_t) l3, &proto, &l4, key, sizeof key) < 0 || proto != proto_want
            || h->caplen < (size_t) l3 + l4 + hdr_min)
            continue;
        rc = fn (ctx, p, h->caplen, (size_t) l3, l4, key);
    }
    pcap_close (pc);
    return rc;
}

typedef struct {
    tu_blob_t *b;
    size_t n, cap;
} s_udp_t;

static int
s_udp_pkt (void *ctx, const uint8_t *p, size_t caplen, size_t l3, size_t l4, const char *key)
{
    s_udp_t *u = ctx;
    (void) key;
    size_t o = l3 + l4;
    size_t ulen = (size_t) p[o + 4] << 8 | p[o + 5];
    if (ulen < 8 || o + ulen > caplen)
        return 0;
    if (vg_array_reserve ((void **) &u->b, &u->cap, u->n + 1, sizeof *u->b) < 0)
        return -1;
    tu_blob_t *b = &u->b[u->n++];
    b->len = ulen - 8;
    b->data = malloc (b->len + 1);
    memcpy (b->data, p + o + 8, b->len);
    return 0;
}

int
tu_pcap_udp (const char *path, tu_blob_t **out)
{
    s_udp_t u = { NULL, 0, 0 };
    int rc = s_each_ip (path, 17, 8, s_udp_pkt, &u);
    *out = u.b;
    return rc < 0 ? rc : (int) u.n;
}

typedef struct {
    uint32_t seq;
    uint8_t *data;
    size_t len;
    char key[200];
} s_seg_t;

static int
s_segcmp (const void *a, const void *b)
{
    const s_seg_t *x = a, *y = b;
    int c = strcmp (x->key, y->key);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

typedef struct {
    s_seg_t *segs;
    size_t n, cap;
} s_tcp_t;

static int
s_tcp_pkt (void *ctx, const uint8_t *p, size_t caplen, size_t l3, size_t l4, const char *key)
{
    s_tcp_t *c = ctx;
    size_t t = l3 + l4;
    size_t doff = (size_t) (p[t + 12] >> 4) * 4;
    if (doff < 20 || caplen < t + doff)
        return 0;
    size_t plen = caplen - t - doff;
    /* Trim Ethernet padding using the IP length. */
    if ((p[l3] >> 4) == 4) {
        size_t iplen = (size_t) p[l3 + 2] << 8 | p[l3 + 3];
        if (iplen >= l4 + doff && iplen - l4 - doff < plen)
            plen = iplen - l4 - doff;
    } else {
        size_t pl = (size_t) p[l3 + 4] << 8 | p[l3 + 5];
        if (pl >= doff && pl - doff < plen)
            plen = pl - doff;
    }
    if (plen == 0)
        return 0;
    if (vg_array_reserve ((void **) &c->segs, &c->cap, c->n + 1, sizeof *c->segs) < 0)
        return -1;
    s_seg_t *s = &c->segs[c->n++];
    snprintf (s->key, sizeof s->key, "%s:%u>%u", key, (unsigned) (p[t] << 8 | p[t + 1]),
              (unsigned) (p[t + 2] << 8 | p[t + 3]));
    s->seq = (uint32_t) p[t + 4] << 24 | (uint32_t) p[t + 5] << 16 | (uint32_t) p[t + 6] << 8 | p[t + 7];
    s->data = malloc (plen);
    memcpy (s->data, p + t + doff, plen);
    s->len = plen;
    return 0;
}

int
tu_pcap_tcp_stream (const char *path, tu_blob_t *out, int *nseg)
{
    s_tcp_t c = { NULL, 0, 0 };
    if (s_each_ip (path, 6, 20, s_tcp_pkt, &c) < 0 || c.n == 0) {
        free (c.segs);
        return -1;
    }
    s_seg_t *segs = c.segs;
    size_t n = c.n;
    qsort (segs, n, sizeof *segs, s_segcmp);
    /* Pick the stream with most bytes. */
    size_t best = 0, bestbytes = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i, bytes = 0;
        while (j < n && strcmp (segs[j].key, segs[i].key) == 0)
            bytes += segs[j++].len;
        if (bytes > bestbytes) {
            bestbytes = bytes;
            best = i;
        }
        i = j;
    }
    out->data = malloc (bestbytes + 1);
    out->len = 0;
    *nseg = 0;
    uint32_t next = segs[best].seq;
    for (size_t i = best; i < n && strcmp (segs[i].key, segs[best].key) == 0; i++) {
        s_seg_t *s = &segs[i];
        uint32_t skip = next - s->seq;   /* retransmitted overlap (mod 2^32) */
        if (s->seq != next && skip >= s->len)
            continue;
        if (s->seq == next)
            skip = 0;
        memcpy (out->data + out->len, s->data + skip, s->len - skip);
        out->len += s->len - skip;
        next = s->seq + (uint32_t) s->len;
        (*nseg)++;
    }
    for (size_t i = 0; i < n; i++)
        free (segs[i].data);
    free (segs);
    out->data[out->len] = 0;
    return 0;
}

/* ---- recording sink ---------------------------------------------------------------- */

static char *
s_dup (const char *s)
{
    return s ? strdup (s) : NULL;
}

static int
s_rec_device (void *ctx, const vg_device_t *d)
{
    tu_rec_t *r = ctx;
    r->ndevices++;
    snprintf (r->last_device, sizeof r->last_device, "%s", d->id);
    snprintf (r->last_vendor, sizeof r->last_vendor, "%s", d->vendor ? d->vendor : "");
    return 0;
}

static int
s_rec_sample (void *ctx, const vg_point_t *pt)
{
    tu_rec_t *r = ctx;
    if (r->fail_after >= 0 && r->n == (size_t) r->fail_after)
        return -12; /* -VG_EFULL */
    if (!r->keep) {
        r->n++;
        return 0;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->s = realloc (r->s, sizeof *r->s * r->cap);
    }
    tu_sample_t *s = &r->s[r->n++];
    char lab[2048];
    size_t o = 0;
    lab[0] = 0;
    for (size_t i = 0; i < pt->nlabels && o < sizeof lab - 1; i++) {
        if (i > 0 && strcmp (pt->labels[i - 1].key, pt->labels[i].key) > 0)
            return -1; /* labels must arrive sorted */
        o += (size_t) snprintf (lab + o, sizeof lab - o, "%s%s=%s", i ? "," : "", pt->labels[i].key,
                                pt->labels[i].value);
    }
    s->device = s_dup (pt->device);
    s->path = s_dup (pt->path);
    s->labels = s_dup (lab);
    s->origin = s_dup (pt->origin_path);
    s->input = s_dup (pt->input);
    s->state = s_dup (pt->state);
    s->unit = s_dup (pt->unit);
    s->kind = pt->kind;
    s->value = pt->value;
    s->ts_ms = pt->ts_ms;
    return 0;
}

static int
s_rec_event (void *ctx, const vg_event_t *e)
{
    tu_rec_t *r = ctx;
    r->nevents++;
    if (e->type >= 0 && e->type < VG_EV__COUNT)
        r->events_by_type[e->type]++;
    return 0;
}

vg_sink_t
tu_rec_init (tu_rec_t *r, int keep)
{
    memset (r, 0, sizeof *r);
    r->fail_after = -1;
    r->keep = keep;
    return tu_rec_sink (r);
}

void
tu_rec_free (tu_rec_t *r)
{
    for (size_t i = 0; r->keep && i < r->n; i++) {
        tu_sample_t *s = &r->s[i];
        free (s->device);
        free (s->path);
        free (s->labels);
        free (s->origin);
        free (s->input);
        free (s->state);
        free (s->unit);
    }
    free (r->s);
    r->s = NULL;
    r->n = r->cap = 0;
}

vg_sink_t
tu_rec_sink (tu_rec_t *r)
{
    vg_sink_t s = { r, s_rec_device, s_rec_sample, s_rec_event };
    return s;
}

const tu_sample_t *
tu_rec_find (const tu_rec_t *r, const char *path, const char *labels)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp (r->s[i].path, path) == 0 && (!labels || strcmp (r->s[i].labels, labels) == 0))
            return &r->s[i];
    return NULL;
}

const tu_sample_t *
tu_rec_find_origin (const tu_rec_t *r, const char *origin, const char *labels)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->s[i].origin && strcmp (r->s[i].origin, origin) == 0 &&
            (!labels || strcmp (r->s[i].labels, labels) == 0))
            return &r->s[i];
    return NULL;
}
