/*
 * `lmig pageserver`: the destination side of a live migration.
 *
 *   session.c   one migration: receive rounds into the staging, the state
 *               images into a directory, then on COMMIT restore (or write
 *               images) and answer with RESULT
 *   staging.c   the newest copy of every page, in our own memory
 *   layout.c    the areas message that shapes the staging
 *   images.c    --images-dir: pagemap and pages files from the staging
 *   cmd-pageserver.c  listen, accept one migration (or more), exit code
 */
#ifndef LMIG_PAGESERVER_H
#define LMIG_PAGESERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault.h"
#include "pageserver/pageserver-opts.h"
#include "pageserver/staging.h"

struct tp_conn;

/*
 * Serve one migration on the accepted connection c: 0 when it ended with
 * RESULT ok (the process runs here, or its images are in --images-dir),
 * else -errno after the cause was logged and, when the connection still
 * works, sent to the peer in a failed RESULT.
 */
int ps_session(const struct pageserver_opts *o, const struct fault *fault, struct tp_conn *c);

/*
 * --images-dir: turn pagemap-<pid>.img in dirfd (the runs the frozen
 * process kept, without data) into an ordinary pagemap and pages file
 * with the staged data (zero pages as PE_ZERO runs). dir names dirfd in
 * messages. 0 or -errno (logged).
 */
int ps_write_pages(int dirfd, const char *dir, struct staging *s, uint32_t pid);

#endif
