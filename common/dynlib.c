/* dynlib.c - libraries opened on demand (see dynlib.h).  Invariant: no state outside the
 * caller's handle and table. */
#include "common/dynlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

void *
vg_dynlib_open (const char *const *sonames, const vg_dynlib_sym_t *syms, size_t nsyms, void *table, bool keep,
                char *err, size_t errlen)
{
    void *h = NULL;
    const char *why = "no library name";
    for (size_t i = 0; sonames[i] && !h; i++) {
        h = dlopen (sonames[i], RTLD_NOW | RTLD_LOCAL | (keep ? RTLD_NODELETE : 0));
        if (!h)
            why = dlerror ();
    }
    if (!h) {
        snprintf (err, errlen, "cannot load %s: %s", sonames[0] ? sonames[0] : "?", why ? why : "?");
        return NULL;
    }
    for (size_t i = 0; i < nsyms; i++) {
        dlerror ();
        void *p = dlsym (h, syms[i].name);
        if (!p) {
            snprintf (err, errlen, "%s has no %s", sonames[0], syms[i].name);
            dlclose (h);
            return NULL;
        }
        /* POSIX: a function's address from dlsym converts to a function pointer; the
         * table's slot is one, of the right type, at the offset the caller gave. */
        memcpy ((char *) table + syms[i].offset, &p, sizeof p);
    }
    return h;
}

void
vg_dynlib_close (void **handle_p)
{
    if (!handle_p || !*handle_p)
        return;
    dlclose (*handle_p);
    *handle_p = NULL;
}
