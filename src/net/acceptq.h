/*
 * A listener's accept queue: connections the kernel completed but the
 * process has not accepted yet.
 *
 * Dump: take them out with accept() (in queue order) and save each with
 * tcp_repair_save(), as any connection. Restore: acceptq_refill() puts
 * them back into a listening socket's queue, in that order, with their
 * sequence numbers, options and unread data, without a packet to the
 * peer: each gets a handshake-less ACK through the local stack, which a
 * tcx classifier at lo's ingress matches and hands to the listener with
 * a request socket of the connection's parameters (the kernel's
 * bpf_sk_assign_tcp_reqsk(), Linux 6.9, for SYN cookies checked in BPF);
 * the kernel then completes the connection as a SYN cookie and queues
 * it. Its unread data and a FIN the peer sent follow as segments.
 *
 * Runs in the listener's network namespace (the caller's current one).
 * Needs CAP_NET_ADMIN and CAP_BPF (root), net.ipv4.tcp_syncookies not 0,
 * and a network lock, if any, that lets TCP_REPAIR_MARK through.
 * Functions return 0 or -errno and log nothing; *what names the step
 * that failed.
 */
#ifndef LMIG_NET_ACCEPTQ_H
#define LMIG_NET_ACCEPTQ_H

#include <stddef.h>

#include "net/tcp-repair.h"

/*
 * Can this kernel refill accept queues? 0 when it can; otherwise -errno
 * and *why says what is missing.
 */
int acceptq_probe(const char **why);

/*
 * Is st a connection acceptq_refill() can queue? (Established or closed
 * by its peer, nothing sent by us yet, options it can express.) 0, or
 * -ENOTSUP with *why.
 */
int acceptq_conn_supported(const struct tcp_repair_state *st, const char **why);

/*
 * Queue conns[0..n), in that order, on the listener the kernel finds
 * for each one's local address (with SO_REUSEPORT, the one the group's
 * hash picks). No socket of these connections may exist here. *done
 * counts the connections queued, even on failure (those stay queued).
 */
int acceptq_refill(const struct tcp_repair_state *conns, size_t n, size_t *done,
		   const char **what);

#endif
