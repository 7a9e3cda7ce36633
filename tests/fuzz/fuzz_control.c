/* fuzz_control.c - libFuzzer target for the agent <-> collector control messages.
 *
 * An input is the two frames of a message as they travel: the type byte (vigil.MsgType),
 * then the payload.  HELLO goes through the collector's parser (vg_server_parse_hello),
 * WELCOME and ACK through the agent's (sender.c unpacks them and reads every field),
 * HEARTBEAT through its unpacker.  For HELLO and BATCH the agent id that the CURVE check
 * peeks at (vg_zap_peek_agent_id) must be the one the full unpack reads, or a key could
 * speak for another agent.
 * Seeds (VG_FUZZ_SEEDS, see fuzz_seed.h): one packed message of each type. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/server.h"
#include "collector/zap.h"
#include "common/err.h"
#include "common/model.h"
#include "proto/vigil.pb-c.h"
#include "tests/fuzz/fuzz_seed.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The peeked agent id agrees with the unpacked one (id NULL: the message did not unpack). */
static void
s_check_peek (const uint8_t *p, size_t len, const char *id)
{
    char peeked[VG_MAX_ID_LEN + 1];
    int rc = vg_zap_peek_agent_id (p, len, peeked, sizeof peeked);
    if (rc != 0 && rc != -VG_ENOTFOUND && rc != -VG_EPROTO && rc != -VG_ETOOBIG)
        abort ();
    if (!id)
        return;
    if (rc == 0 && strcmp (peeked, id) != 0)
        abort ();
    if (rc == -VG_ENOTFOUND && id[0])
        abort ();
}

/* Touch a string field as the daemons do (logged with %s): it must be NUL-terminated. */
static size_t
s_len (const char *s)
{
    return s ? strlen (s) : 0;
}

static void
s_seed (const char *dir, const char *name, uint8_t type, const ProtobufCMessage *m)
{
    uint8_t buf[1024];
    size_t n = protobuf_c_message_get_packed_size (m);
    if (n + 1 > sizeof buf)
        abort ();
    buf[0] = type;
    protobuf_c_message_pack (m, buf + 1);
    vg_fuzz_seed_write (dir, name, buf, n + 1);
}

static void
vg_fuzz_setup (void)
{
}

static void
vg_fuzz_seeds (const char *dir)
{
    Vigil__Device dev = VIGIL__DEVICE__INIT;
    dev.id = "lab/r1";
    dev.vendor = "juniper";
    Vigil__Device *devs[] = { &dev };
    Vigil__Hello h = VIGIL__HELLO__INIT;
    h.agent_id = "a1";
    h.version = "0.1.0";
    h.epoch = 0x1234567890abcdefULL;
    h.n_devices = 1;
    h.devices = devs;
    s_seed (dir, "hello", VIGIL__MSG_TYPE__MSG_TYPE_HELLO, &h.base);
    Vigil__Batch b = VIGIL__BATCH__INIT;
    b.agent_id = "a1";
    b.epoch = 7;
    b.seq = 42;
    s_seed (dir, "batch", VIGIL__MSG_TYPE__MSG_TYPE_BATCH, &b.base);
    Vigil__Welcome w = VIGIL__WELCOME__INIT;
    w.collector_id = "collector";
    w.epoch = 7;
    w.committed_seq = 41;
    s_seed (dir, "welcome", VIGIL__MSG_TYPE__MSG_TYPE_WELCOME, &w.base);
    Vigil__Ack a = VIGIL__ACK__INIT;
    a.epoch = 7;
    a.seq = 42;
    a.status = VIGIL__ACK_STATUS__ACK_STATUS_RETRY;
    a.reason = "expected seq 40";
    a.duplicate = 1;
    s_seed (dir, "ack", VIGIL__MSG_TYPE__MSG_TYPE_ACK, &a.base);
    Vigil__Heartbeat hb = VIGIL__HEARTBEAT__INIT;
    hb.agent_id = "a1";
    hb.ts_ms = -1;
    s_seed (dir, "heartbeat", VIGIL__MSG_TYPE__MSG_TYPE_HEARTBEAT, &hb.base);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *p = data + 1;
    size_t len = size - 1;
    volatile size_t sink = 0;
    switch (data[0]) {
    case VIGIL__MSG_TYPE__MSG_TYPE_HELLO: {
        Vigil__Hello *h = vg_server_parse_hello (p, len);
        if (h && s_len (h->agent_id) > VG_MAX_ID_LEN)
            abort ();
        s_check_peek (p, len, h ? h->agent_id : NULL);
        if (h) {
            sink += s_len (h->version) + h->epoch;
            for (size_t i = 0; i < h->n_devices; i++)
                sink += s_len (h->devices[i]->id) + s_len (h->devices[i]->vendor);
            vigil__hello__free_unpacked (h, NULL);
        }
        break;
    }
    case VIGIL__MSG_TYPE__MSG_TYPE_BATCH: {
        Vigil__Batch *b = vigil__batch__unpack (NULL, len, p);
        s_check_peek (p, len, b ? b->agent_id : NULL);
        if (b)
            vigil__batch__free_unpacked (b, NULL);
        break;
    }
    case VIGIL__MSG_TYPE__MSG_TYPE_WELCOME: {
        Vigil__Welcome *w = vigil__welcome__unpack (NULL, len, p);
        if (w) {
            sink += s_len (w->collector_id) + w->epoch + w->committed_seq;
            vigil__welcome__free_unpacked (w, NULL);
        }
        break;
    }
    case VIGIL__MSG_TYPE__MSG_TYPE_ACK: {
        Vigil__Ack *a = vigil__ack__unpack (NULL, len, p);
        if (a) {
            sink += s_len (a->reason) + a->epoch + a->seq + (size_t) a->status + a->duplicate;
            vigil__ack__free_unpacked (a, NULL);
        }
        break;
    }
    case VIGIL__MSG_TYPE__MSG_TYPE_HEARTBEAT: {
        Vigil__Heartbeat *hb = vigil__heartbeat__unpack (NULL, len, p);
        if (hb) {
            sink += s_len (hb->agent_id) + (size_t) hb->ts_ms;
            vigil__heartbeat__free_unpacked (hb, NULL);
        }
        break;
    }
    default:
        break; /* the server counts and drops unknown types; the agent ignores them */
    }
    (void) sink;
    return 0;
}
