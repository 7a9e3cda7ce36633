/* dynlib.h - a shared library opened only when the configuration uses it, its functions
 * resolved into a caller's table of pointers.  A daemon that never needs the library does not
 * map it, run its constructors or pay for its pages (libmicrohttpd pulls GnuTLS, p11-kit and
 * a dozen more into every process that links it).  Invariant: a table is either completely
 * resolved, or the library is closed again and the caller has the reason. */
#ifndef VG_DYNLIB_H
#define VG_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

/* One function of the table: its symbol name and the offset of its pointer in the table. */
typedef struct {
    const char *name;
    size_t offset;
} vg_dynlib_sym_t;

/* Open the first of the NULL-terminated list sonames that loads (RTLD_NOW | RTLD_LOCAL) and
 * store each of the nsyms symbols' addresses in the function pointer at table + offset.
 * Returns the handle (owned by the caller, give it to vg_dynlib_close) or NULL with the
 * reason in err (the library or a symbol is missing; table is then left partly filled and
 * must not be used).  dlopen counts references, so each caller may open the library for
 * itself; safe from any thread.  keep: the library stays mapped after its last close (for
 * one opened per message whose loading and global set-up are costly: libxml2 with ICU). */
void *vg_dynlib_open (const char *const *sonames, const vg_dynlib_sym_t *syms, size_t nsyms, void *table, bool keep,
                      char *err, size_t errlen);

/* Drop the reference taken by vg_dynlib_open.  NULL-safe; sets *handle_p to NULL.  Nothing
 * resolved through the handle may be called afterwards. */
void vg_dynlib_close (void **handle_p);

#endif
