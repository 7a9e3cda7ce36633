/* cli_store.h - opening a collector's store for a reading subcommand (query, export,
 * inspect, alerts, timeline): as a RocksDB secondary, so it reads beside a running collector,
 * caught up with the collector's latest commits. */
#ifndef VG_CLI_STORE_H
#define VG_CLI_STORE_H

#include "store/store.h"

/* Open the store at path as a secondary and catch up with the primary.  On failure prints
 * "<cmd>: <reason>" on stderr and returns NULL.  The catch-up's result (0 or a negative
 * code) goes to *caught_up when it is not NULL; the store is returned either way (a store
 * that could not catch up still reads what it saw at open).  vg_store_destroy it. */
vg_store_t *vg_cli_store_open (const char *cmd, const char *path, int *caught_up);

#endif
