/* peer_cut.c - close the TCP connection of a revoked agent (see peer_cut.h).
 *
 * An open-addressing table keyed by fd (linear probing, tombstones on removal); an entry
 * holds the key, agent and peer address its connection was admitted with. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collector/peer_cut.h"

#define SLOTS (2 * VG_PEER_CUT_MAX) /* a power of two, half full at most */
#define AGENT_MAX 128

typedef struct {
    int fd;                      /* -1 = empty, -2 = removed */
    socklen_t alen;
    struct sockaddr_storage addr;
    char key[41];
    char agent[AGENT_MAX];
} s_conn_t;

struct vg_peer_cut {
    s_conn_t *slots;
    size_t used;                 /* live entries */
};

vg_peer_cut_t *
vg_peer_cut_new (void)
{
    vg_peer_cut_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->slots = calloc (SLOTS, sizeof *self->slots);
    if (!self->slots) {
        free (self);
        return NULL;
    }
    for (size_t i = 0; i < SLOTS; i++)
        self->slots[i].fd = -1;
    return self;
}

void
vg_peer_cut_destroy (vg_peer_cut_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->slots);
    free (*self_p);
    *self_p = NULL;
}

/* The slot holding fd, or NULL; *free_at (when not NULL) = the first reusable slot seen. */
static s_conn_t *
s_find (vg_peer_cut_t *self, int fd, s_conn_t **free_at)
{
    size_t i = ((size_t) fd * 2654435761u) & (SLOTS - 1);
    if (free_at)
        *free_at = NULL;
    for (size_t n = 0; n < SLOTS; n++, i = (i + 1) & (SLOTS - 1)) {
        s_conn_t *c = &self->slots[i];
        if (c->fd == fd)
            return c;
        if (c->fd < 0 && free_at && !*free_at)
            *free_at = c;
        if (c->fd == -1)
            return NULL;
    }
    return NULL;
}

static int
s_msg_fd (const zmq_msg_t *msg)
{
    return zmq_msg_get (msg, ZMQ_SRCFD);
}

/* Is fd still connected to the peer recorded in c? */
static bool
s_same_peer (const s_conn_t *c, int fd)
{
    struct sockaddr_storage a;
    socklen_t alen = sizeof a;
    return getpeername (fd, (struct sockaddr *) &a, &alen) == 0 && alen == c->alen && memcmp (&a, &c->addr, alen) == 0;
}

static void
s_remove (vg_peer_cut_t *self, s_conn_t *c)
{
    c->fd = -2;
    self->used--;
}

void
vg_peer_cut_note (vg_peer_cut_t *self, const zmq_msg_t *msg, const char *key_z85, const char *agent_id)
{
    int fd = s_msg_fd (msg);
    if (fd < 0 || !key_z85 || !agent_id || strlen (key_z85) != 40 || strlen (agent_id) >= AGENT_MAX)
        return;
    s_conn_t *free_at;
    s_conn_t *c = s_find (self, fd, &free_at);
    if (c && strcmp (c->key, key_z85) == 0 && strcmp (c->agent, agent_id) == 0)
        return; /* known (a reused fd with the same key and agent needs no new address) */
    if (!c) {
        if (!free_at || self->used >= VG_PEER_CUT_MAX)
            return; /* full: cut on its next message only */
        c = free_at;
        self->used++;
    }
    c->fd = fd;
    c->alen = sizeof c->addr;
    if (getpeername (fd, (struct sockaddr *) &c->addr, &c->alen) != 0 || c->alen > sizeof c->addr) {
        s_remove (self, c);
        return;
    }
    memcpy (c->key, key_z85, 41);
    snprintf (c->agent, sizeof c->agent, "%s", agent_id);
}

bool
vg_peer_cut_msg (vg_peer_cut_t *self, const zmq_msg_t *msg)
{
    int fd = s_msg_fd (msg);
    if (fd < 0)
        return false;
    /* The message may have waited in its queue after its connection ended and the fd was
     * reused: shut down only the connection recorded for it, with the same peer address. */
    s_conn_t *c = s_find (self, fd, NULL);
    if (!c)
        return false;
    bool same = s_same_peer (c, fd);
    s_remove (self, c);
    return same && shutdown (fd, SHUT_RDWR) == 0;
}

size_t
vg_peer_cut_sweep (vg_peer_cut_t *self, const vg_zap_t *zap)
{
    size_t cut = 0;
    for (size_t i = 0; i < SLOTS; i++) {
        s_conn_t *c = &self->slots[i];
        if (c->fd < 0)
            continue;
        if (!s_same_peer (c, c->fd)) {
            s_remove (self, c); /* gone, or the fd is another connection's now */
            continue;
        }
        if (vg_zap_admits (zap, c->key, c->agent))
            continue;
        if (shutdown (c->fd, SHUT_RDWR) == 0)
            cut++;
        s_remove (self, c);
    }
    return cut;
}
