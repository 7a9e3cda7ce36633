/* mhd.h - the libmicrohttpd functions Vigil calls, loaded when a listener needs them (the
 * /metrics endpoint, the agent's VES input), not linked: a process without an HTTP listener
 * does not load libmicrohttpd nor, through it, GnuTLS (about 3 MB of an agent's RSS).
 * Types and constants still come from <microhttpd.h>. */
#ifndef VG_MHD_H
#define VG_MHD_H

#include <microhttpd.h>

/* One pointer per function, named after it without the MHD_ prefix; the types are the
 * header's own, so a call through the table is checked like a direct call. */
typedef struct {
    void *handle;
    __typeof__ (MHD_start_daemon) *start_daemon;
    __typeof__ (MHD_stop_daemon) *stop_daemon;
    __typeof__ (MHD_run) *run;
    __typeof__ (MHD_get_timeout) *get_timeout;
    __typeof__ (MHD_get_daemon_info) *get_daemon_info;
    __typeof__ (MHD_is_feature_supported) *is_feature_supported;
    __typeof__ (MHD_create_response_from_buffer) *create_response_from_buffer;
    __typeof__ (MHD_add_response_header) *add_response_header;
    __typeof__ (MHD_queue_response) *queue_response;
    __typeof__ (MHD_destroy_response) *destroy_response;
    __typeof__ (MHD_queue_basic_auth_fail_response) *queue_basic_auth_fail_response;
    __typeof__ (MHD_basic_auth_get_username_password) *basic_auth_get_username_password;
    __typeof__ (MHD_lookup_connection_value) *lookup_connection_value;
    __typeof__ (MHD_get_connection_info) *get_connection_info;
    __typeof__ (MHD_free) *free;
    __typeof__ (MHD_suspend_connection) *suspend_connection;
    __typeof__ (MHD_resume_connection) *resume_connection;
} vg_mhd_t;

/* Load libmicrohttpd into api (every pointer set).  Returns 0, or -1 with the reason in err
 * (the library is not installed or lacks a function).  Each successful load must be
 * matched by vg_mhd_unload; safe from any thread. */
int vg_mhd_load (vg_mhd_t *api, char *err, size_t errlen);

/* Release what vg_mhd_load took; NULL-safe and idempotent (api->handle becomes NULL). */
void vg_mhd_unload (vg_mhd_t *api);

#endif
