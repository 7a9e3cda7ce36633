/* cli_store.h - opening a collector's store for a reading subcommand (query, export,
 * inspect, alerts, timeline): as a RocksDB secondary, so it reads beside a running collector,
 * caught up with the collector's latest commits; a path without a store is refused by
 * vg_cli_store_exists's message. */
#ifndef VG_CLI_STORE_H
#define VG_CLI_STORE_H

#include <stdint.h>

#include "store/store.h"

/* 1 when path holds a store (RocksDB's CURRENT file is there); else prints "<cmd>: <path>:
 * no store here (<why>)" on stderr and returns 0.  Commands that open a store read-write
 * (vigil compact) ask first, so a mistyped path is an error instead of a new empty store. */
int vg_cli_store_exists (const char *cmd, const char *path);

/* Open the store at path as a secondary and catch up with the primary.  On failure (no
 * store at path: vg_cli_store_exists) prints "<cmd>: <reason>" on stderr and returns NULL.  The catch-up's result (0 or a negative
 * code) goes to *caught_up when it is not NULL; the store is returned either way (a store
 * that could not catch up still reads what it saw at open).  vg_store_destroy it. */
vg_store_t *vg_cli_store_open (const char *cmd, const char *path, int *caught_up);

/* End a reading subcommand: flush stdout, then on stderr either "<cmd>: store read failed:
 * <reason>" (rc < 0) or "<cmd>: <n> <what>" (what NULL: nothing).  Returns the exit status,
 * 1 or 0. */
int vg_cli_store_read_done (const char *cmd, int rc, uint64_t n, const char *what);

#endif
