/*
 * Network lock: while a process is frozen, dumped, moved and restored,
 * packets of its TCP connections must not reach a host without their
 * socket (the kernel would answer with a RST and the peer would drop the
 * connection). The lock is one nftables table of the current network
 * namespace (netlink, through libmnl and libnftnl: no nft program) that
 * drops, in both directions, the packets of each locked connection, and
 * the SYNs of new connections to each locked listening socket. Peers
 * retransmit what was dropped once the lock is gone.
 *
 * Packets marked TCP_REPAIR_MARK (src/net/tcp-repair.h) pass: restore
 * sends some to its own sockets.
 *
 * Both calls are idempotent and atomic (one netlink batch each): locking
 * again replaces the table with one for the new list; unlocking a table
 * that does not exist succeeds. Needs CAP_NET_ADMIN. They return 0 or
 * -errno and log nothing: *what (when not NULL) names the step that
 * failed.
 *
 * Table names: "lmig-<pid>" for the process whose connections they hold
 * (netlock_table_name()), so that a later `lmig restore` finds it.
 */
#ifndef LMIG_NET_NETLOCK_H
#define LMIG_NET_NETLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct netlock_conn {
	int family;			/* AF_INET or AF_INET6 (IPv4-mapped IPv6 is AF_INET) */
	uint8_t local[16], peer[16];	/* network order; the first 4 bytes for AF_INET */
	uint16_t lport, pport;		/* host order */
	/*
	 * A listening socket: lock SYNs from anyone to local:lport (local
	 * all zeros: to any address); peer and pport are unused.
	 */
	bool listen;
};

#define NETLOCK_NAME_MAX	32

/* "lmig-<pid>" into buf (NETLOCK_NAME_MAX bytes). */
void netlock_table_name(int pid, char *buf);

/*
 * Fill *c from a socket's local and peer addresses (peer NULL for a
 * listening socket). -EAFNOSUPPORT for other families.
 */
int netlock_conn_from_addrs(const struct sockaddr *local, const struct sockaddr *peer,
			    struct netlock_conn *c);

/* Create (or replace) table `name` locking the n connections c[]. */
int netlock_lock(const char *name, const struct netlock_conn *c, size_t n, const char **what);

/* Remove table `name`; 0 when it does not exist. */
int netlock_unlock(const char *name, const char **what);

/* Does table `name` exist? 1 yes, 0 no, or -errno. */
int netlock_exists(const char *name);

#endif
