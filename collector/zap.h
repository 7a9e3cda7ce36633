/* zap.h - the collector's ZAP handler (ZeroMQ RFC 27): which CURVE keys may connect.
 *
 * Invariant: a peer completes the CURVE handshake only if its public key is listed under an
 * agent, and its messages then carry that agent's id as the ZAP User-Id, so the server can
 * refuse a HELLO or BATCH that names any other agent.  The handler is a REP socket on
 * inproc://zeromq.zap.01 in the server's own ZeroMQ context, served from the server's poll
 * loop (no thread of its own). */
#ifndef VG_ZAP_H
#define VG_ZAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_ZAP_DOMAIN "vigil"

typedef struct {
    const char *agent_id;    /* becomes the User-Id of the agent's messages */
    const char *public_key;  /* Z85 (40 characters); NULL or "" = this agent has no key */
} vg_zap_key_t;

typedef struct {
    uint64_t requests;   /* ZAP requests answered */
    uint64_t allowed;
    uint64_t denied;     /* unlisted keys and non-CURVE mechanisms */
    uint64_t malformed;  /* requests that do not follow RFC 27 (answered 500 when possible) */
} vg_zap_stats_t;

typedef struct vg_zap vg_zap_t;

/* Bind the ZAP endpoint in zmq_ctx (borrowed; must outlive the handler) with the keys of
 * keys[0..nkeys) (copied).  Call before any CURVE socket of that context binds, or
 * libzmq admits every client.  Agents without a key are skipped.  NULL on failure with the
 * reason in err: an invalid Z85 key, one key listed for two agents, a second handler in
 * the same context, out of memory. */
vg_zap_t *vg_zap_new (void *zmq_ctx, const vg_zap_key_t *keys, size_t nkeys, char *err, size_t errlen);
void vg_zap_destroy (vg_zap_t **self_p);

/* Replace the allow list with keys[0..nkeys) (copied; a reload).  New handshakes see the new
 * list; connections admitted before are checked per message with vg_zap_admits.  Returns 0, or -VG_ECONFIG with the reason
 * in err (the same checks as vg_zap_new), the old list kept.  Call from the owner's thread. */
int vg_zap_set_keys (vg_zap_t *zap, const vg_zap_key_t *keys, size_t nkeys, char *err, size_t errlen);

/* The ZAP metadata property every admitted connection's messages carry: the Z85 public key
 * it completed the handshake with (zmq_msg_gets). */
#define VG_ZAP_KEY_PROPERTY "X-Vigil-Key"

/* Is the connection that authenticated with key_z85 (its VG_ZAP_KEY_PROPERTY) still
 * admitted as agent_id (its User-Id), under the list in force now?  False for a key removed
 * or given to another agent by vg_zap_set_keys since, and for NULL or malformed arguments.
 * One Z85 decode and a binary search (per message, not per sample). */
bool vg_zap_admits (const vg_zap_t *zap, const char *key_z85, const char *agent_id);

/* The REP socket, for the owner's zmq_poll (POLLIN means requests are waiting). */
void *vg_zap_socket (vg_zap_t *zap);

/* Answer every request waiting, without blocking.  Returns how many were answered. */
int vg_zap_serve (vg_zap_t *zap);

/* Number of agents with a key (the size of the allow list). */
size_t vg_zap_key_count (const vg_zap_t *zap);

const vg_zap_stats_t *vg_zap_stats (const vg_zap_t *zap);

/* The agent_id (field 1) of a serialized Batch or Hello, without unpacking the rest: walks
 * the top-level fields of p[0..len) and copies the last agent_id into out (NUL-terminated).
 * Returns 0, -VG_ENOTFOUND if there is none, -VG_EPROTO if p is not a well-formed message
 * at the top level, -VG_ETOOBIG if the id does not fit in outlen. */
int vg_zap_peek_agent_id (const uint8_t *p, size_t len, char *out, size_t outlen);

/* The epoch (field 2) and seq (field 3) of a serialized Batch, by the same walk (the last
 * of each; 0 when absent), for answering a batch that is not read (server.c: store not
 * writable).  Returns 0 or -VG_EPROTO as vg_zap_peek_agent_id. */
int vg_zap_peek_seq (const uint8_t *p, size_t len, uint64_t *epoch, uint64_t *seq);

#endif
