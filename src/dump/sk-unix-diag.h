/*
 * What the kernel says about one unix socket, by inode, through
 * NETLINK_SOCK_DIAG (linux/unix_diag.h): its state, name, peer, queue
 * lengths and shutdown. Used by dump/sk-unix.c.
 */
#ifndef LMIG_DUMP_SK_UNIX_DIAG_H
#define LMIG_DUMP_SK_UNIX_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UNIX_DIAG_NAME_MAX	108	/* sun_path */
#define UNIX_DIAG_ICONS_MAX	64	/* connections not yet accepted, described */

struct unix_diag_info {
	uint64_t ino;
	uint64_t peer_ino;		/* 0: no peer, or the peer was closed */
	uint8_t type;			/* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	uint8_t state;			/* TCP_LISTEN, TCP_ESTABLISHED, TCP_CLOSE, ... */
	uint8_t shutdown;		/* RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2 */
	uint8_t name[UNIX_DIAG_NAME_MAX];	/* abstract: name[0] == '\0' */
	size_t name_len;		/* 0: not bound */
	uint64_t vfs_ino;		/* bound to a path: the socket file's inode */
	uint32_t vfs_dev;
	/* Listening: connections not yet accepted and the backlog; else bytes queued. */
	uint32_t rqueue, wqueue;
	/* Listening, asked with icons: the first of those connections' sockets, in accept order. */
	uint32_t icons[UNIX_DIAG_ICONS_MAX];
	size_t nr_icons;		/* how many the kernel listed (may exceed the array) */
};

/*
 * A NETLINK_SOCK_DIAG socket in the network namespace of pid (unix
 * sockets are looked up per namespace). An fd (O_CLOEXEC) or -errno.
 */
int unix_diag_open(pid_t pid);

/*
 * The socket with inode ino (with icons: and the sockets waiting in its
 * accept queue): 0, -ENOENT when there is none, or -errno.
 */
int unix_diag_get(int nl, uint64_t ino, bool icons, struct unix_diag_info *out);

#endif
