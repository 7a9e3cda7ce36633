/* file_read.h - a whole file read into memory, with a size bound (rules files, TLS keys,
 * inputs named on the command line).  Nothing here logs: callers name the file and the bound
 * in their own messages. */
#ifndef VG_FILE_READ_H
#define VG_FILE_READ_H

#include <stddef.h>

#include "common/buf.h"

/* Append the content of `path` ("-" = standard input) to out, then a NUL byte kept just past
 * out->len (out->data[out->len] == '\0', so text can be used as a C string).  More than max
 * bytes is refused.  Returns 0, -VG_EIO (cannot open or read; errno says why),
 * -VG_ETOOBIG or -VG_ENOMEM; on an error out->len is back where it was.  A file that cannot
 * be opened leaves out untouched (nothing is allocated before the open), so a caller can tell
 * "cannot open" from "cannot read" by out->data staying NULL on an empty buffer. */
int vg_file_read (const char *path, size_t max, vg_buf_t *out);

#endif
