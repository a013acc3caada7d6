/*
 * TCP repair: the state of one connected TCP socket, read out of it and
 * written into a new one (the kernel's TCP_REPAIR interface; the shape
 * of CRIU's soccr library).
 *
 * This module knows nothing of processes, images or fds of other
 * processes: it works on sockets of the calling process. The caller
 * owns the fds; no function here closes one.
 *
 * Dump:    tcp_repair_on(fd); tcp_repair_save(fd, &st);
 *          then either close(fd) while still in repair mode (no FIN,
 *          no RST goes out: the connection lives on in `st`), or
 *          tcp_repair_off(fd) and the socket carries on as before.
 * Restore: fd = socket(st.family, SOCK_STREAM, 0); tcp_repair_on(fd);
 *          (set SO_REUSEADDR etc. as needed) tcp_repair_restore(fd, &st);
 *          set socket options; tcp_repair_off(fd).
 *
 * Between tcp_repair_save() on one socket and tcp_repair_off() on its
 * replacement, packets of the connection must not reach a host without
 * the socket (it would answer with a RST): see netlock.h.
 *
 * Functions return 0 or -errno and log nothing: the caller knows which
 * connection it is and logs once. *what (when not NULL) is set to a
 * short description of the step that failed.
 */
#ifndef LMIG_NET_TCP_REPAIR_H
#define LMIG_NET_TCP_REPAIR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

union tcp_repair_addr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

struct tcp_repair_state {
	int family;			/* AF_INET or AF_INET6 */
	union tcp_repair_addr src;	/* local address and port */
	union tcp_repair_addr dst;	/* peer address and port */
	uint8_t state;			/* TCP_ESTABLISHED, TCP_FIN_WAIT1, ... (netinet/tcp.h) */

	/*
	 * Sequence numbers, as the kernel keeps them: inq_seq is rcv_nxt
	 * and outq_seq is write_seq, both counting a FIN received or sent
	 * (each takes one sequence number but no byte of a queue).
	 */
	uint32_t inq_seq, outq_seq;
	/* Received, not read by the process: inq_len bytes at inq (malloc'd). */
	uint8_t *inq;
	uint32_t inq_len;
	/*
	 * Written by the process, not acknowledged by the peer: outq_len
	 * bytes at outq (malloc'd), of which the last unsent_len were never
	 * sent at all.
	 */
	uint8_t *outq;
	uint32_t outq_len, unsent_len;

	/* Negotiated at connect time (TCP_REPAIR_OPTIONS). */
	uint32_t mss_clamp;
	uint8_t opt_mask;		/* TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE */
	uint8_t snd_wscale, rcv_wscale;
	uint32_t timestamp;		/* TCP_TIMESTAMP, when TCPI_OPT_TIMESTAMPS */

	/* TCP_REPAIR_WINDOW */
	bool has_window;
	uint32_t snd_wl1, snd_wnd, max_window, rcv_wnd, rcv_wup;
};

/*
 * The mark (SO_MARK) of the packets this module sends itself: a FIN
 * injected into a restored socket whose peer had closed its side. A
 * network lock must let packets with this mark through.
 */
#define TCP_REPAIR_MARK		0x6c6d6967	/* "lmig" */

/* Repair mode on; needs CAP_NET_ADMIN. */
int tcp_repair_on(int fd);
/* Repair mode off; the socket sends a window probe and carries on. */
int tcp_repair_off(int fd);

/*
 * Is this TCP state one tcp_repair_save() can take? (Established and
 * the half-closed states; not LISTEN, SYN_SENT, SYN_RECV, CLOSE, TIME_WAIT.)
 */
bool tcp_repair_state_supported(int state);

/*
 * Read the state of fd, a connected TCP socket in repair mode, into
 * *st (overwritten). Reads the queues with MSG_PEEK: nothing is
 * consumed. On success the caller owns st's queues
 * (tcp_repair_state_free()); on failure *st holds nothing to free.
 * -ENOTCONN for a state tcp_repair_state_supported() refuses.
 */
int tcp_repair_save(int fd, struct tcp_repair_state *st, const char **what);

/*
 * Make fd, a new unbound SOCK_STREAM socket of st->family in repair
 * mode, the socket st describes: bound to st->src (repair mode forces
 * address reuse), sequences set, queues refilled, connected to st->dst
 * without a packet sent, options, timestamp and window set, a FIN sent
 * or received restored. Leaves fd in repair mode. st is not changed.
 */
int tcp_repair_restore(int fd, const struct tcp_repair_state *st, const char **what);

/* Free the queues of st (not st itself) and zero their lengths. */
void tcp_repair_state_free(struct tcp_repair_state *st);

#endif
