/* zap.c - ZAP handler: CURVE key allow list, key -> agent id (see zap.h).
 *
 * The keys are decoded once into a sorted array of 32-byte keys, so a handshake costs one
 * binary search.  Every request gets exactly one reply (a REP socket that skipped one
 * would stop serving): 200 with the agent id as User-Id, 400 for an unknown key or a
 * mechanism other than CURVE, 500 for a request that does not follow RFC 27. */
#include "collector/zap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "common/err.h"
#include "common/log.h"
#include "common/varint.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define S_MAX_FRAMES 10

typedef struct {
    uint8_t key[32];
    char *agent_id;
} s_entry_t;

struct vg_zap {
    void *sock;
    s_entry_t *keys;
    size_t nkeys;
    vg_zap_stats_t stats;
    vg_ratelimit_t rl;
};

static int
s_entry_cmp (const void *a, const void *b)
{
    return memcmp (((const s_entry_t *) a)->key, ((const s_entry_t *) b)->key, 32);
}

static void
s_keys_free (s_entry_t *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++)
        free (e[i].agent_id);
    free (e);
}

/* Decode keys[0..nkeys) into a sorted table (*out, *nout; agents without a key skipped).
 * Returns 0, or -1 with the reason in err (bad Z85, one key for two agents, no memory). */
static int
s_keys_decode (const vg_zap_key_t *keys, size_t nkeys, s_entry_t **out, size_t *nout, char *err, size_t errlen)
{
    size_t n = 0;
    s_entry_t *t = calloc (nkeys ? nkeys : 1, sizeof *t);
    if (!t) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < nkeys; i++) {
        const char *z85 = keys[i].public_key;
        if (!z85 || !z85[0])
            continue;
        s_entry_t *e = &t[n];
        if (strlen (z85) != 40 || !zmq_z85_decode (e->key, z85)) {
            snprintf (err, errlen, "agent '%s': public_key is not a 40-character Z85 CURVE key",
                      keys[i].agent_id ? keys[i].agent_id : "?");
            goto fail;
        }
        e->agent_id = strdup (keys[i].agent_id ? keys[i].agent_id : "");
        if (!e->agent_id) {
            snprintf (err, errlen, "out of memory");
            goto fail;
        }
        n++;
    }
    qsort (t, n, sizeof *t, s_entry_cmp);
    for (size_t i = 1; i < n; i++)
        if (!memcmp (t[i - 1].key, t[i].key, 32)) {
            snprintf (err, errlen, "agents '%s' and '%s' have the same public_key (a key names one agent)",
                      t[i - 1].agent_id, t[i].agent_id);
            goto fail;
        }
    *out = t;
    *nout = n;
    return 0;
fail:
    s_keys_free (t, n);
    return -1;
}

vg_zap_t *
vg_zap_new (void *zmq_ctx, const vg_zap_key_t *keys, size_t nkeys, char *err, size_t errlen)
{
    vg_zap_t *zap = calloc (1, sizeof *zap);
    if (!zap) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    zap->rl = (vg_ratelimit_t) VG_RATELIMIT_INIT (1000, 5);
    if (s_keys_decode (keys, nkeys, &zap->keys, &zap->nkeys, err, errlen) < 0)
        goto fail;
    zap->sock = zmq_socket (zmq_ctx, ZMQ_REP);
    if (!zap->sock) {
        snprintf (err, errlen, "ZAP socket: %s", zmq_strerror (zmq_errno ()));
        goto fail;
    }
    int zero = 0;
    zmq_setsockopt (zap->sock, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind (zap->sock, S_ZAP_ENDPOINT) != 0) {
        snprintf (err, errlen, "cannot bind the ZAP handler: %s", zmq_strerror (zmq_errno ()));
        goto fail;
    }
    return zap;
fail:
    vg_zap_destroy (&zap);
    return NULL;
}

void
vg_zap_destroy (vg_zap_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vg_zap_t *zap = *self_p;
    if (zap->sock) {
        zmq_unbind (zap->sock, S_ZAP_ENDPOINT); /* now, not when the reaper gets to it */
        zmq_close (zap->sock);
    }
    s_keys_free (zap->keys, zap->nkeys);
    free (zap);
    *self_p = NULL;
}

int
vg_zap_set_keys (vg_zap_t *zap, const vg_zap_key_t *keys, size_t nkeys, char *err, size_t errlen)
{
    s_entry_t *t = NULL;
    size_t n = 0;
    if (s_keys_decode (keys, nkeys, &t, &n, err, errlen) < 0)
        return -VG_ECONFIG;
    s_keys_free (zap->keys, zap->nkeys);
    zap->keys = t;
    zap->nkeys = n;
    return 0;
}

void *
vg_zap_socket (vg_zap_t *zap)
{
    return zap->sock;
}

size_t
vg_zap_key_count (const vg_zap_t *zap)
{
    return zap->nkeys;
}

const vg_zap_stats_t *
vg_zap_stats (const vg_zap_t *zap)
{
    return &zap->stats;
}

static bool
s_frame_is (zmq_msg_t *m, const char *s)
{
    size_t n = strlen (s);
    return zmq_msg_size (m) == n && !memcmp (zmq_msg_data (m), s, n);
}

bool
vg_zap_admits (const vg_zap_t *zap, const char *key_z85, const char *agent_id)
{
    s_entry_t probe;
    if (!key_z85 || !agent_id || strlen (key_z85) != 40 || !zmq_z85_decode (probe.key, key_z85))
        return false;
    const s_entry_t *e = bsearch (&probe, zap->keys, zap->nkeys, sizeof *zap->keys, s_entry_cmp);
    return e && strcmp (e->agent_id, agent_id) == 0;
}

/* Send the six reply frames; request_id may be NULL (echoed as empty).  An admitted key
 * (key_z85 not NULL) rides in the metadata frame as VG_ZAP_KEY_PROPERTY (ZMTP metadata:
 * name length, name, 4-byte big-endian value length, value). */
static void
s_reply (vg_zap_t *zap, zmq_msg_t *request_id, const char *code, const char *text, const char *user_id,
         const char *key_z85)
{
    zmq_send (zap->sock, "1.0", 3, ZMQ_SNDMORE);
    if (request_id)
        zmq_send (zap->sock, zmq_msg_data (request_id), zmq_msg_size (request_id), ZMQ_SNDMORE);
    else
        zmq_send (zap->sock, "", 0, ZMQ_SNDMORE);
    zmq_send (zap->sock, code, strlen (code), ZMQ_SNDMORE);
    zmq_send (zap->sock, text, strlen (text), ZMQ_SNDMORE);
    zmq_send (zap->sock, user_id, strlen (user_id), ZMQ_SNDMORE);
    if (!key_z85) {
        zmq_send (zap->sock, "", 0, 0);
        return;
    }
    uint8_t meta[1 + sizeof VG_ZAP_KEY_PROPERTY + 4 + 40];
    size_t nl = strlen (VG_ZAP_KEY_PROPERTY), vl = strlen (key_z85), n = 0;
    meta[n++] = (uint8_t) nl;
    memcpy (meta + n, VG_ZAP_KEY_PROPERTY, nl);
    n += nl;
    meta[n++] = 0;
    meta[n++] = 0;
    meta[n++] = 0;
    meta[n++] = (uint8_t) vl;
    memcpy (meta + n, key_z85, vl);
    n += vl;
    zmq_send (zap->sock, meta, n, 0);
}

/* Receive one request (all its frames) and answer it.  Returns 0, or -VG_EAGAIN if none. */
static int
s_serve_one (vg_zap_t *zap)
{
    zmq_msg_t f[S_MAX_FRAMES];
    int n = 0;
    zmq_msg_init (&f[0]);
    if (zmq_msg_recv (&f[0], zap->sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&f[0]);
        return -VG_EAGAIN;
    }
    n = 1;
    bool more = zmq_msg_more (&f[0]);
    bool extra = false;
    while (more) {
        /* A multipart message arrives whole: the rest is already here. */
        zmq_msg_t scratch;
        zmq_msg_t *m = n < S_MAX_FRAMES ? &f[n] : &scratch;
        zmq_msg_init (m);
        if (zmq_msg_recv (m, zap->sock, 0) < 0) {
            zmq_msg_close (m);
            break;
        }
        more = zmq_msg_more (m);
        if (m == &scratch) {
            zmq_msg_close (&scratch);
            extra = true;
        } else
            n++;
    }
    zap->stats.requests++;
    /* RFC 27: version, request id, domain, address, identity, mechanism, credentials... */
    if (n < 6 || extra || !s_frame_is (&f[0], "1.0")) {
        zap->stats.malformed++;
        s_reply (zap, n >= 2 ? &f[1] : NULL, "500", "malformed ZAP request", "", NULL);
        vg_log_rl (&zap->rl, VG_LOG_WARN, "zap", "malformed ZAP request (%d frames) refused", n);
    } else if (!s_frame_is (&f[5], "CURVE") || n != 7 || zmq_msg_size (&f[6]) != 32) {
        zap->stats.denied++;
        s_reply (zap, &f[1], "400", "CURVE with a listed key required", "", NULL);
        vg_log_rl (&zap->rl, VG_LOG_WARN, "zap", "connection from %.*s refused: mechanism %.*s, not CURVE",
                   (int) (zmq_msg_size (&f[3]) > 64 ? 64 : zmq_msg_size (&f[3])), (const char *) zmq_msg_data (&f[3]),
                   (int) (zmq_msg_size (&f[5]) > 16 ? 16 : zmq_msg_size (&f[5])), (const char *) zmq_msg_data (&f[5]));
    } else {
        s_entry_t probe;
        memcpy (probe.key, zmq_msg_data (&f[6]), 32);
        const s_entry_t *e = bsearch (&probe, zap->keys, zap->nkeys, sizeof *zap->keys, s_entry_cmp);
        char z85[41];
        zmq_z85_encode (z85, probe.key, 32);
        if (e) {
            zap->stats.allowed++;
            s_reply (zap, &f[1], "200", "OK", e->agent_id, z85);
        } else {
            zap->stats.denied++;
            s_reply (zap, &f[1], "400", "unknown key", "", NULL);
            vg_log_rl (&zap->rl, VG_LOG_WARN, "zap", "connection from %.*s refused: CURVE key %s is not listed",
                       (int) (zmq_msg_size (&f[3]) > 64 ? 64 : zmq_msg_size (&f[3])),
                       (const char *) zmq_msg_data (&f[3]), z85);
        }
    }
    for (int i = 0; i < n; i++)
        zmq_msg_close (&f[i]);
    return 0;
}

int
vg_zap_serve (vg_zap_t *zap)
{
    int n = 0;
    while (s_serve_one (zap) == 0)
        n++;
    return n;
}

/* Walk the top-level fields of p[0..len): the last agent_id (field 1) into id and idlen, the
 * last epoch (2) and seq (3) varints into epoch/seq.  0 or -VG_EPROTO. */
static int
s_peek (const uint8_t *p, size_t len, const uint8_t **id, size_t *idlen, uint64_t *epoch, uint64_t *seq)
{
    const uint8_t *end = p + len;
    while (p < end) {
        uint64_t tag, v;
        size_t k = vg_varint_get (p, end, &tag);
        if (!k || (tag >> 3) == 0)
            return -VG_EPROTO;
        p += k;
        switch (tag & 7) {
        case 0:
            k = vg_varint_get (p, end, &v);
            if (!k)
                return -VG_EPROTO;
            p += k;
            if ((tag >> 3) == 2)
                *epoch = v;
            else if ((tag >> 3) == 3)
                *seq = v;
            break;
        case 1:
            if ((size_t) (end - p) < 8)
                return -VG_EPROTO;
            p += 8;
            break;
        case 5:
            if ((size_t) (end - p) < 4)
                return -VG_EPROTO;
            p += 4;
            break;
        case 2:
            k = vg_varint_get (p, end, &v);
            if (!k || v > (uint64_t) (end - p - k))
                return -VG_EPROTO;
            p += k;
            if ((tag >> 3) == 1) {
                *id = p;
                *idlen = (size_t) v;
            }
            p += v;
            break;
        default: /* groups (3, 4) are not used by our schema */
            return -VG_EPROTO;
        }
        if ((tag >> 3) == 1 && (tag & 7) != 2)
            return -VG_EPROTO;
    }
    return 0;
}

int
vg_zap_peek_agent_id (const uint8_t *p, size_t len, char *out, size_t outlen)
{
    const uint8_t *id = NULL;
    size_t idlen = 0;
    uint64_t epoch, seq;
    int rc = s_peek (p, len, &id, &idlen, &epoch, &seq);
    if (rc < 0)
        return rc;
    if (!id)
        return -VG_ENOTFOUND;
    if (idlen >= outlen || memchr (id, 0, idlen))
        return idlen >= outlen ? -VG_ETOOBIG : -VG_EPROTO;
    memcpy (out, id, idlen);
    out[idlen] = '\0';
    return 0;
}

int
vg_zap_peek_seq (const uint8_t *p, size_t len, uint64_t *epoch, uint64_t *seq)
{
    const uint8_t *id = NULL;
    size_t idlen = 0;
    *epoch = *seq = 0;
    return s_peek (p, len, &id, &idlen, epoch, seq);
}
