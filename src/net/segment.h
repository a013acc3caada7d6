/*
 * TCP segments handed to a local socket as if its peer had sent them:
 * raw IP through the local stack, marked TCP_REPAIR_MARK so that a
 * network lock lets them pass. For what no repair interface can set:
 * a FIN the peer sent, the ACK of ours, the handshake and the data of a
 * connection put back into a listener's accept queue (acceptq.h).
 *
 * Functions return 0 or -errno and log nothing.
 */
#ifndef LMIG_NET_SEGMENT_H
#define LMIG_NET_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/tcp-repair.h"

struct tcp_segment {
	/* The receiving socket's own address and its peer's (from -> to is peer -> local). */
	const union tcp_repair_addr *local, *peer;
	uint32_t seq, ack;		/* host order */
	uint8_t flags;			/* TH_ACK, TH_FIN, TH_PUSH (netinet/tcp.h) */
	uint16_t window;		/* as on the wire: already shifted by the window scale */
	bool ts;			/* with a timestamp option */
	uint32_t tsval, tsecr;
	const void *data;
	size_t len;
};

/* The largest payload tcp_segment_send() takes. */
#define TCP_SEGMENT_MAX_DATA	(32 << 10)

/*
 * A raw socket for segments to local addresses of this family (AF_INET6
 * sockets with IPv4-mapped addresses travel as IPv4: pass the socket's
 * family, the send picks). The caller closes it.
 */
int tcp_segment_socket(int family, bool v4_mapped);

/* Does this socket's traffic go as IPv4 (AF_INET, or AF_INET6 with a mapped address)? */
bool tcp_segment_is_v4(const union tcp_repair_addr *local);

/*
 * Offset of the TCP header in the packet tcp_segment_send() sends, as
 * seen at the local device's ingress (after its 14-byte link header).
 */
size_t tcp_segment_tcp_offset(const union tcp_repair_addr *local);

/* The first 12 bytes of the TCP header seg makes (ports, seq, ack): what a filter matches. */
void tcp_segment_head(const struct tcp_segment *seg, uint8_t out[12]);

/* Send seg through fd (tcp_segment_socket() of the right family). */
int tcp_segment_send(int fd, const struct tcp_segment *seg);

#endif
