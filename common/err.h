/* err.h - Vigil error codes.
 *
 * Functions that can fail return 0 on success or a negative -VG_E* code; vg_strerror()
 * turns a code (negative or positive) into a short static string. */
#ifndef VG_ERR_H
#define VG_ERR_H

enum {
    VG_OK = 0,
    VG_EINVAL = 1,     /* bad argument or malformed input */
    VG_ENOMEM = 2,     /* allocation failed */
    VG_EIO = 3,        /* file or socket I/O failed (errno has detail) */
    VG_EPROTO = 4,     /* peer or input violates the wire format */
    VG_ETOOBIG = 5,    /* input exceeds a configured bound */
    VG_ETRUNC = 6,     /* input ends early */
    VG_ENOTFOUND = 7,  /* no such key, file or entity */
    VG_EAGAIN = 8,     /* try again later (no credit, no data yet) */
    VG_ECONFIG = 9,    /* configuration error */
    VG_ECRC = 10,      /* checksum mismatch */
    VG_ESTORE = 11,    /* storage engine error */
    VG_EFULL = 12,     /* a bounded resource is full */
    VG_EUNSUPP = 13,   /* well-formed but not supported */
    VG_ERANGE = 14,    /* value out of the accepted range */
    VG_EDUP = 15,      /* duplicate */
    VG_E_COUNT
};

/* Short description of an error code; accepts -VG_Exxx or VG_Exxx. Never NULL. */
const char *vg_strerror (int code);

#endif
