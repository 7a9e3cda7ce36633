/* peer_cut.h - close the TCP connection of an agent whose CURVE key a reload revoked.
 *
 * libzmq has no call to drop one peer of a ROUTER socket, and a revoked agent's connection
 * stays admitted (ZAP runs once, at the handshake).  The server therefore remembers, per
 * connection, the key and agent its admitted messages came with (the connection's fd, read
 * from the message with ZMQ_SRCFD, and its peer address), and shuts the socket down
 * (shutdown(2), never close: libzmq still owns the fd) when that key is no longer admitted:
 * at the reload for every connection it knows, and on a later message of a revoked key.
 * libzmq then sees the connection end and drops it; the agent reconnects and its handshake is
 * refused.  Invariant: a socket is shut down only when its peer address is still the one
 * recorded with the revoked key, so a reused fd never cuts another agent's connection.
 * Bounded: at most VG_PEER_CUT_MAX connections are remembered; others are not cut (their
 * messages are still ignored, and the agent reconnects once it has waited its timeout). */
#ifndef VG_PEER_CUT_H
#define VG_PEER_CUT_H

#include <stdbool.h>
#include <stddef.h>

#include <zmq.h>

#include "collector/zap.h"

#define VG_PEER_CUT_MAX 4096

typedef struct vg_peer_cut vg_peer_cut_t;

/* A table for up to VG_PEER_CUT_MAX connections; NULL when out of memory. */
vg_peer_cut_t *vg_peer_cut_new (void);
/* Free; NULL-safe, sets *self_p = NULL. */
void vg_peer_cut_destroy (vg_peer_cut_t **self_p);

/* msg (any frame an agent sent) was admitted as agent_id with key_z85: remember its
 * connection.  One zmq_msg_get and a probe per message; getpeername(2) only for a connection
 * (fd) not seen with this key before.  Does nothing for a message without an fd (inproc). */
void vg_peer_cut_note (vg_peer_cut_t *self, const zmq_msg_t *msg, const char *key_z85, const char *agent_id);

/* Shut down the connection msg came on (its key is revoked), if it is remembered and still
 * connected to the same peer address.  Returns true when a socket was shut down. */
bool vg_peer_cut_msg (vg_peer_cut_t *self, const zmq_msg_t *msg);

/* Shut down every remembered connection whose key zap no longer admits for its agent
 * (after vg_zap_set_keys), and forget connections that are gone.  Returns how many sockets
 * were shut down. */
size_t vg_peer_cut_sweep (vg_peer_cut_t *self, const vg_zap_t *zap);

#endif
