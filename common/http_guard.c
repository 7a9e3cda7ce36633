/* http_guard.c - basic auth and TLS set-up for Vigil's HTTP listeners (see http_guard.h). */
#include "common/http_guard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/file_read.h"

#define S_MAX_PEM (1u << 20)

static char *
s_read_pem (const char *path, char *err, size_t errlen)
{
    vg_buf_t b = VG_BUF_INIT;
    int rc = vg_file_read (path, S_MAX_PEM, &b);
    if (rc == -VG_EIO && !b.data) {
        snprintf (err, errlen, "cannot open %s: %s", path, strerror (errno));
        return NULL;
    }
    if (rc < 0 || b.len == 0) {
        snprintf (err, errlen, "cannot read %s (empty, unreadable or over 1 MiB)", path);
        vg_buf_free (&b);
        return NULL;
    }
    return (char *) b.data; /* NUL-terminated by vg_file_read */
}

static bool
s_set (const char *s)
{
    return s && s[0];
}

int
vg_http_guard_init (vg_http_guard_t *g, const vg_mhd_t *mhd, const char *username, const char *password,
                    const char *tls_cert, const char *tls_key, char *err, size_t errlen)
{
    memset (g, 0, sizeof *g);
    if (s_set (username)) {
        g->username = strdup (username);
        g->password = strdup (password ? password : "");
        if (!g->username || !g->password) {
            snprintf (err, errlen, "out of memory");
            vg_http_guard_free (g);
            return -1;
        }
    }
    if (!s_set (tls_cert) && !s_set (tls_key))
        return 0;
    if (!s_set (tls_cert) || !s_set (tls_key)) {
        snprintf (err, errlen, "tls_cert and tls_key go together");
        return -1;
    }
    if (mhd->is_feature_supported (MHD_FEATURE_TLS) != MHD_YES) {
        snprintf (err, errlen, "this libmicrohttpd has no TLS support");
        return -1;
    }
    g->cert_pem = s_read_pem (tls_cert, err, errlen);
    g->key_pem = g->cert_pem ? s_read_pem (tls_key, err, errlen) : NULL;
    if (!g->key_pem) {
        vg_http_guard_free (g);
        return -1;
    }
    g->tls = true;
    return 0;
}

void
vg_http_guard_free (vg_http_guard_t *g)
{
    if (!g)
        return;
    free (g->cert_pem);
    free (g->key_pem);
    free (g->username);
    free (g->password);
    g->cert_pem = g->key_pem = g->username = g->password = NULL;
    g->tls = false;
}

/* Constant-time string equality (a password check must not leak a prefix length). */
static bool
s_same (const char *a, const char *b)
{
    size_t na = strlen (a), nb = strlen (b);
    unsigned d = (unsigned) (na ^ nb);
    for (size_t i = 0; i < na; i++)
        d |= (unsigned) (a[i] ^ b[i % (nb ? nb : 1)]);
    return d == 0 && na == nb;
}

bool
vg_http_guard_allows (const vg_http_guard_t *g, const vg_mhd_t *mhd, struct MHD_Connection *conn)
{
    if (!g->username)
        return true;
    char *pass = NULL;
    char *user = mhd->basic_auth_get_username_password (conn, &pass);
    bool ok = user && pass && s_same (user, g->username) && s_same (pass, g->password);
    mhd->free (user);
    mhd->free (pass);
    return ok;
}

enum MHD_Result
vg_http_guard_challenge (const vg_mhd_t *mhd, struct MHD_Connection *conn, const char *text)
{
    struct MHD_Response *r = mhd->create_response_from_buffer (strlen (text), (void *) text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    mhd->add_response_header (r, "Content-Type", "text/plain");
    enum MHD_Result rc = mhd->queue_basic_auth_fail_response (conn, "vigil", r);
    mhd->destroy_response (r);
    return rc;
}

struct MHD_Daemon *
vg_http_guard_start (const vg_http_guard_t *g, const vg_mhd_t *mhd, unsigned flags, uint16_t port,
                     MHD_AccessHandlerCallback answer, void *cls, const struct MHD_OptionItem *opts)
{
    struct MHD_OptionItem tls[] = { { MHD_OPTION_HTTPS_MEM_CERT, 0, g->cert_pem },
                                    { MHD_OPTION_HTTPS_MEM_KEY, 0, g->key_pem },
                                    { MHD_OPTION_END, 0, NULL } };
    if (!g->tls)
        tls[0] = tls[2];
    return mhd->start_daemon (flags | (g->tls ? MHD_USE_TLS : 0), port, NULL, NULL, answer, cls, MHD_OPTION_ARRAY, opts,
                              MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
}
