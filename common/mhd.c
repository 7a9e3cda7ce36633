/* mhd.c - libmicrohttpd opened on demand (see mhd.h).  Invariant: api->handle is non-NULL
 * exactly when every pointer of the table is set. */
#include "common/mhd.h"

#include <stddef.h>
#include <string.h>

#include "common/dynlib.h"

#ifndef VG_MHD_SONAME
#define VG_MHD_SONAME "libmicrohttpd.so.12"
#endif

#define S_SYM(fn) { "MHD_" #fn, offsetof (vg_mhd_t, fn) }

static const vg_dynlib_sym_t s_syms[] = {
    S_SYM (start_daemon),
    S_SYM (stop_daemon),
    S_SYM (run),
    S_SYM (get_timeout),
    S_SYM (get_daemon_info),
    S_SYM (is_feature_supported),
    S_SYM (create_response_from_buffer),
    S_SYM (add_response_header),
    S_SYM (queue_response),
    S_SYM (destroy_response),
    S_SYM (queue_basic_auth_fail_response),
    S_SYM (basic_auth_get_username_password),
    S_SYM (lookup_connection_value),
    S_SYM (get_connection_info),
    S_SYM (free),
    S_SYM (suspend_connection),
    S_SYM (resume_connection),
};

int
vg_mhd_load (vg_mhd_t *api, char *err, size_t errlen)
{
    static const char *const sonames[] = { VG_MHD_SONAME, "libmicrohttpd.so", NULL };
    memset (api, 0, sizeof *api);
    void *h = vg_dynlib_open (sonames, s_syms, sizeof s_syms / sizeof s_syms[0], api, false, err, errlen);
    if (!h) {
        memset (api, 0, sizeof *api);
        return -1;
    }
    api->handle = h;
    return 0;
}

void
vg_mhd_unload (vg_mhd_t *api)
{
    if (!api)
        return;
    vg_dynlib_close (&api->handle);
}
