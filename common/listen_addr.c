/* listen_addr.c - listen address parsing with the loopback default (see listen_addr.h). */
#include "common/listen_addr.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/err.h"

int
vg_listen_parse (const char *text, char *host, size_t hostlen, uint16_t *port)
{
    if (!text || !text[0] || hostlen == 0)
        return -VG_EINVAL;
    const char *ps;
    size_t hn;
    const char *hs = text;
    if (text[0] == '[') {
        const char *close = strchr (text, ']');
        if (!close || close[1] != ':')
            return -VG_EINVAL;
        hs = text + 1;
        hn = (size_t) (close - hs);
        ps = close + 2;
    } else {
        const char *colon = strrchr (text, ':');
        if (colon && strchr (text, ':') != colon)
            return -VG_EINVAL; /* a bare IPv6 address needs brackets */
        hn = colon ? (size_t) (colon - text) : 0;
        ps = colon ? colon + 1 : text;
    }
    if (hn == 0) {
        hs = VG_LISTEN_DEFAULT_HOST;
        hn = strlen (hs);
    }
    if (hn >= hostlen)
        return -VG_EINVAL;
    char *end;
    errno = 0;
    unsigned long p = strtoul (ps, &end, 10);
    if (!*ps || *end || errno || p < 1 || p > 65535 || ps[0] == '-' || ps[0] == '+')
        return -VG_EINVAL;
    memcpy (host, hs, hn);
    host[hn] = '\0';
    *port = (uint16_t) p;
    return 0;
}

bool
vg_listen_is_loopback (const void *sockaddr, unsigned addrlen)
{
    const struct sockaddr *sa = sockaddr;
    if (!sa || addrlen < sizeof sa->sa_family)
        return false;
    if (sa->sa_family == AF_INET && addrlen >= sizeof (struct sockaddr_in)) {
        const struct sockaddr_in *in = sockaddr;
        return (ntohl (in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6 && addrlen >= sizeof (struct sockaddr_in6)) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *) sockaddr)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK (a) || (IN6_IS_ADDR_V4MAPPED (a) && a->s6_addr[12] == 127);
    }
    return false;
}
