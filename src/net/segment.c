#include "config.h"
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/segment.h"

/* NOP, NOP, kind 8 length 10, tsval, tsecr: RFC 7323's recommended layout. */
#define TS_OPT_LEN	12
#define LINK_HDR_LEN	14	/* loopback's Ethernet-shaped header */

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

bool tcp_segment_is_v4(const union tcp_repair_addr *local)
{
	return local->sa.sa_family == AF_INET ||
	       (local->sa.sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&local->v6.sin6_addr));
}

size_t tcp_segment_tcp_offset(const union tcp_repair_addr *local)
{
	return LINK_HDR_LEN + (tcp_segment_is_v4(local) ? sizeof(struct iphdr) : sizeof(struct ip6_hdr));
}

int tcp_segment_socket(int family, bool v4_mapped)
{
	uint32_t mark = TCP_REPAIR_MARK;
	int fd;

	/* IPPROTO_RAW implies that we write the IP header, in both families. */
	fd = socket(family == AF_INET || v4_mapped ? AF_INET : AF_INET6, SOCK_RAW | SOCK_CLOEXEC,
		    IPPROTO_RAW);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static uint16_t port_of(const union tcp_repair_addr *a)
{
	return a->sa.sa_family == AF_INET ? a->v4.sin_port : a->v6.sin6_port;
}

static void build_tcp(const struct tcp_segment *seg, uint8_t *p, size_t hlen)
{
	struct tcphdr th;

	memset(&th, 0, sizeof(th));
	th.source = port_of(seg->peer);
	th.dest = port_of(seg->local);
	th.seq = htonl(seg->seq);
	th.ack_seq = htonl(seg->ack);
	th.doff = (uint16_t)(hlen / 4);
	th.fin = !!(seg->flags & TH_FIN);
	th.ack = !!(seg->flags & TH_ACK);
	th.psh = !!(seg->flags & TH_PUSH);
	th.window = htons(seg->window);
	memcpy(p, &th, sizeof(th));
	if (seg->ts) {
		uint32_t v[2] = { htonl(seg->tsval), htonl(seg->tsecr) };
		uint8_t *o = p + sizeof(th);

		o[0] = TCPOPT_NOP;
		o[1] = TCPOPT_NOP;
		o[2] = TCPOPT_TIMESTAMP;
		o[3] = TCPOLEN_TIMESTAMP;
		memcpy(o + 4, v, sizeof(v));
	}
}

void tcp_segment_head(const struct tcp_segment *seg, uint8_t out[12])
{
	uint8_t th[sizeof(struct tcphdr) + TS_OPT_LEN];

	build_tcp(seg, th, sizeof(struct tcphdr));
	memcpy(out, th, 12);
}

int tcp_segment_send(int fd, const struct tcp_segment *seg)
{
	uint8_t pkt[sizeof(struct ip6_hdr) + sizeof(struct tcphdr) + TS_OPT_LEN + TCP_SEGMENT_MAX_DATA];
	size_t thlen = sizeof(struct tcphdr) + (seg->ts ? TS_OPT_LEN : 0), iplen;
	union tcp_repair_addr to;
	struct tcphdr *th;
	uint8_t *t;
	uint32_t sum;
	ssize_t n;

	if (seg->len > TCP_SEGMENT_MAX_DATA)
		return -EMSGSIZE;
	memset(&to, 0, sizeof(to));
	if (tcp_segment_is_v4(seg->local)) {
		struct iphdr ip = { 0 };
		const void *s, *d;

		s = seg->peer->sa.sa_family == AF_INET ? (const void *)&seg->peer->v4.sin_addr
						       : (const void *)&seg->peer->v6.sin6_addr.s6_addr[12];
		d = seg->local->sa.sa_family == AF_INET ? (const void *)&seg->local->v4.sin_addr
							: (const void *)&seg->local->v6.sin6_addr.s6_addr[12];
		iplen = sizeof(ip);
		ip.version = 4;
		ip.ihl = sizeof(ip) / 4;
		ip.ttl = 64;
		ip.protocol = IPPROTO_TCP;
		ip.tot_len = htons((uint16_t)(iplen + thlen + seg->len));
		memcpy(&ip.saddr, s, 4);
		memcpy(&ip.daddr, d, 4);
		sum = csum_add(0, &ip.saddr, 8);
		memcpy(pkt, &ip, sizeof(ip));
		to.v4.sin_family = AF_INET;
		memcpy(&to.v4.sin_addr, d, 4);
	} else {
		struct ip6_hdr ip6;

		memset(&ip6, 0, sizeof(ip6));
		iplen = sizeof(ip6);
		ip6.ip6_flow = htonl(6u << 28);
		ip6.ip6_plen = htons((uint16_t)(thlen + seg->len));
		ip6.ip6_nxt = IPPROTO_TCP;
		ip6.ip6_hops = 64;
		ip6.ip6_src = seg->peer->v6.sin6_addr;
		ip6.ip6_dst = seg->local->v6.sin6_addr;
		sum = csum_add(0, &ip6.ip6_src, 32);
		memcpy(pkt, &ip6, sizeof(ip6));
		to.v6.sin6_family = AF_INET6;
		to.v6.sin6_addr = ip6.ip6_dst;
		to.v6.sin6_scope_id = seg->local->v6.sin6_scope_id;
	}
	t = pkt + iplen;
	build_tcp(seg, t, thlen);
	if (seg->len)
		memcpy(t + thlen, seg->data, seg->len);
	sum += IPPROTO_TCP + (uint32_t)(thlen + seg->len);
	th = (struct tcphdr *)t;
	th->check = csum_fold(csum_add(sum, t, thlen + seg->len));
	n = sendto(fd, pkt, iplen + thlen + seg->len, 0, &to.sa,
		   to.sa.sa_family == AF_INET ? sizeof(to.v4) : sizeof(to.v6));
	if (n < 0)
		return -errno;
	return n == (ssize_t)(iplen + thlen + seg->len) ? 0 : -EIO;
}
