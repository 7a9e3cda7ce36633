/* listen_addr.h - the listen addresses of the daemons' own servers (agent inputs udp, tcp,
 * ves; the collector's metrics endpoint), written "HOST:PORT", "[V6]:PORT", ":PORT" or
 * "PORT".  Secure default: a port without a host means loopback (127.0.0.1), never every
 * address; listening on all of them takes an explicit "0.0.0.0:PORT" or "[::]:PORT". */
#ifndef VG_LISTEN_ADDR_H
#define VG_LISTEN_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The host a bare "PORT" or ":PORT" stands for. */
#define VG_LISTEN_DEFAULT_HOST "127.0.0.1"

/* Split `text` into host and port.  A bare port gives host VG_LISTEN_DEFAULT_HOST; "[V6]"
 * gives the address without brackets.  Returns 0, or -VG_EINVAL (NULL or empty text, no
 * port, port outside 1..65535, a bare IPv6 address without brackets, a host longer than
 * hostlen - 1). */
int vg_listen_parse (const char *text, char *host, size_t hostlen, uint16_t *port);

/* True when the socket address (a struct sockaddr_in or sockaddr_in6 of addrlen bytes) is a
 * loopback address: 127.0.0.0/8, ::1, or ::ffff:127.x.y.z.  False for anything else. */
bool vg_listen_is_loopback (const void *sockaddr, unsigned addrlen);

#endif
