/* http_guard.h - who may talk to an HTTP listener, and over what: optional HTTP basic auth
 * (user and password compared in constant time) and optional TLS (PEM certificate and key
 * read from files), shared by the VES input and the /metrics endpoints, and one way to start
 * a listener with them.
 * Invariant: once vg_http_guard_init succeeded, tls is true exactly when both PEMs are held,
 * and auth is required exactly when a user name was given. */
#ifndef VG_HTTP_GUARD_H
#define VG_HTTP_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mhd.h"

typedef struct {
    char *username, *password;       /* owned copies; username NULL = no auth */
    char *cert_pem, *key_pem;        /* owned; NULL = plain HTTP */
    bool tls;
} vg_http_guard_t;

/* Set g up from the options (each NULL or "" = not set; borrowed for the call):
 * a username turns basic auth on (password "" when unset; both copied); tls_cert and tls_key together
 * turn TLS on (PEM files of at most 1 MiB; mhd must be loaded, for its TLS support check).
 * Returns 0, or -1 with the reason in err (one of cert/key alone, unreadable file, no TLS in
 * this libmicrohttpd, out of memory). */
int vg_http_guard_init (vg_http_guard_t *g, const vg_mhd_t *mhd, const char *username, const char *password,
                        const char *tls_cert, const char *tls_key, char *err, size_t errlen);
/* Free what init read; NULL-safe, idempotent. */
void vg_http_guard_free (vg_http_guard_t *g);

/* May this request go on?  True without auth, else when its basic-auth user and password
 * match.  HTTP thread. */
bool vg_http_guard_allows (const vg_http_guard_t *g, const vg_mhd_t *mhd, struct MHD_Connection *conn);

/* Start mhd's daemon with flags on port (0 when opts give MHD_OPTION_LISTEN_SOCKET or a
 * MHD_OPTION_SOCK_ADDR with its own), answering with answer(cls, ...), the options opts
 * (an MHD_OPTION_END-terminated array, borrowed for the call) and, when g->tls, TLS with
 * g's certificate and key.  Returns the daemon, or NULL when libmicrohttpd refused. */
struct MHD_Daemon *vg_http_guard_start (const vg_http_guard_t *g, const vg_mhd_t *mhd, unsigned flags, uint16_t port,
                                        MHD_AccessHandlerCallback answer, void *cls,
                                        const struct MHD_OptionItem *opts);

/* Answer 401 with a basic-auth challenge for realm "vigil" and the text body. */
enum MHD_Result vg_http_guard_challenge (const vg_mhd_t *mhd, struct MHD_Connection *conn, const char *text);

#endif
