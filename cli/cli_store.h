/* cli_store.h - opening a collector's store for a reading subcommand (query, export,
 * inspect, alerts, timeline): as a RocksDB secondary, so it reads beside a running collector,
 * caught up with the collector's latest commits. */
#ifndef VG_CLI_STORE_H
#define VG_CLI_STORE_H

#include <stdint.h>

#include "store/store.h"

/* Open the store at path as a secondary and catch up with the primary.  On failure prints
 * "<cmd>: <reason>" on stderr and returns NULL.  The catch-up's result (0 or a negative
 * code) goes to *caught_up when it is not NULL; the store is returned either way (a store
 * that could not catch up still reads what it saw at open).  vg_store_destroy it. */
vg_store_t *vg_cli_store_open (const char *cmd, const char *path, int *caught_up);

/* End a reading subcommand: flush stdout, then on stderr either "<cmd>: store read failed:
 * <reason>" (rc < 0) or "<cmd>: <n> <what>" (what NULL: nothing).  Returns the exit status,
 * 1 or 0. */
int vg_cli_store_read_done (const char *cmd, int rc, uint64_t n, const char *what);

#endif
