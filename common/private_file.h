/* private_file.h - files and directories only their owner may read: the store and spool
 * directories (created 0700) and secrets read from files (refused when group or others may
 * read them).  Pure file-system checks; nothing here logs. */
#ifndef VG_PRIVATE_FILE_H
#define VG_PRIVATE_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* Largest secret file read (a key, a password); a bigger one is refused. */
#define VG_SECRET_MAX_BYTES 65536

/* Create directory `path` and every missing parent with mode 0700 (mkdir -p).  An existing
 * directory is left as it is.  Returns 0, or -1 with errno set. */
int vg_private_mkdirs (const char *path);

/* True when `path` exists and its group or others have any permission on it (mode & 077):
 * the caller warns and names the fix (chmod 700 / 600).  False when it is private or cannot
 * be examined (a missing file is not loose). */
bool vg_private_is_loose (const char *path);

/* Read the secret in file `path` once: the whole content (at most VG_SECRET_MAX_BYTES),
 * with one trailing "\n" or "\r\n" removed.  Refused when the file is not a regular file,
 * is group- or world-readable (mode & 044), is empty, or holds a NUL byte.  Returns 0 with
 * *out a NUL-terminated heap string the caller frees; or -VG_EIO (cannot open or read),
 * -VG_ECONFIG (refused: loose mode, empty, not a file), -VG_ETOOBIG, -VG_ENOMEM, with
 * *out NULL and the reason in err (naming the path and, for a loose mode, the fix). */
int vg_secret_read (const char *path, char **out, char *err, size_t errlen);

#endif
