/* topic_check.h - which outbox records a crashed collector had already delivered.
 *
 * The alerter deletes an outbox record after the broker acknowledged it, in store commits
 * every 50 ms; a collector killed in between sends those records again after its restart.
 * Each message carries a `vigil-outbox` header "<origin>:<outbox id>" (origin = the
 * collector's id), so at start, when the outbox is not empty, the tail of every partition of
 * the topic is read back until, per partition, a message of this origin older than the
 * oldest outbox record is found (or the partition's start); the ids seen there are delivered
 * and are removed instead of being sent again.  Messages of one origin are in id order per
 * partition (idempotent producer, outbox order), which is what makes the stopping rule sound.
 * Threads: the check runs on a thread of its own; start, result and destroy are called from
 * the alerter's thread, which produces nothing from the outbox until the check has ended. */
#ifndef VG_TOPIC_CHECK_H
#define VG_TOPIC_CHECK_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/alerter.h"
#include "common/u64map.h"

#define VG_OUTBOX_HEADER "vigil-outbox"

typedef struct vg_topic_check vg_topic_check_t;

/* Start reading the topic's tail on a thread of its own: every outbox id >= min_id that
 * origin produced is collected.  brokers, props, topic and origin are borrowed and must
 * outlive the check.  A broker that cannot be reached is tried again every few seconds
 * (nothing can be delivered meanwhile anyway).  NULL when out of memory or no thread. */
vg_topic_check_t *vg_topic_check_start (const char *brokers, const vg_alerter_prop_t *props, size_t nprops,
                                        const char *topic, const char *origin, uint64_t min_id);
/* Never blocks: 0 while running; 1 when done (*seen: the ids found, owned by the check;
 * *nread: messages read back); < 0 when the topic cannot be checked (err says why: the
 * caller sends everything again). */
int vg_topic_check_result (vg_topic_check_t *c, const vg_u64map_t **seen, int64_t *nread, char *err,
                           size_t errlen);
/* Stop (waits for the thread; at most one read timeout) and free; NULL-safe, sets *c_p = NULL. */
void vg_topic_check_destroy (vg_topic_check_t **c_p);

/* The synchronous read behind it (exposed for tests): returns messages read (>= 0) or a
 * negative code with the reason in err; -VG_EAGAIN = broker or topic not reachable in
 * timeout_ms. */
int64_t vg_topic_check_read (const char *brokers, const vg_alerter_prop_t *props, size_t nprops, const char *topic,
                             const char *origin, uint64_t min_id, vg_u64map_t *seen, int64_t timeout_ms,
                             const atomic_int *stop, char *err, size_t errlen);

/* The header value for a record: "<origin>:<id>" into buf (NUL-terminated); its length. */
size_t vg_topic_check_header (const char *origin, uint64_t id, char *buf, size_t size);

#endif
