/*
 * The receive queue of a unix socket, read without consuming it: peeked
 * (MSG_PEEK) from offset 0 on under SO_PEEK_OFF, which is put back as it
 * was, so that the process that owns the socket finds its queue as it
 * left it. Used by dump/sk-unix.c on a socket taken with pidfd_getfd
 * from a frozen process.
 *
 * A kernel limit: a datagram of length 0 is seen only while it is first
 * in the queue and was never peeked before (the peek offset skips it).
 */
#ifndef LMIG_DUMP_SK_UNIX_QUEUE_H
#define LMIG_DUMP_SK_UNIX_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "fdinfo.pb-c.h"

/* A stream's bytes as one record; each datagram or packet as its own. */
struct unix_queue {
	ProtobufCBinaryData *msgs;	/* owned, oldest first */
	size_t nr;
};

/*
 * Peek lfd's queue (type: SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET;
 * rd_shut: shut down for reading, where an empty read is the end). 0, or
 * -errno with *what naming the step and uq empty: -ENOTSUP when file
 * descriptors are in flight in the queue (*what says so; the ones the
 * peek gave us are closed), -EFBIG when it holds more than an image
 * record can. Not logged.
 */
int unix_queue_peek(int lfd, int type, bool rd_shut, struct unix_queue *uq, const char **what);
void unix_queue_free(struct unix_queue *uq);

#endif
