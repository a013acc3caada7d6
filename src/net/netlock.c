#include "config.h"
#include <errno.h>
#include <netinet/in.h>		/* before the linux/ headers, which would define in_addr again */
#include <netinet/tcp.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "net/netlock.h"
#include "net/tcp-repair.h"

/* Before conntrack (-200): a locked packet leaves no trace there. */
#define LOCK_PRIORITY	(-300)
/* Generous room per netlink message (a rule with every match is ~500 bytes). */
#define MSG_ROOM	1024
#define ACK_TIMEOUT_S	5

/* A batch being built: messages counted, so that their acks can be. */
struct batch {
	struct mnl_nlmsg_batch *b;
	char *buf;
	uint32_t seq, first_seq, nr_msgs;
	const char *table;
};

void netlock_table_name(int pid, char *buf)
{
	snprintf(buf, NETLOCK_NAME_MAX, "lmig-%d", pid);
}

int netlock_conn_from_addrs(const struct sockaddr *local, const struct sockaddr *peer,
			    struct netlock_conn *c)
{
	const struct sockaddr *sa[2] = { local, peer };
	uint8_t *addr[2];
	uint16_t *port[2];

	memset(c, 0, sizeof(*c));
	addr[0] = c->local;
	addr[1] = c->peer;
	port[0] = &c->lport;
	port[1] = &c->pport;
	c->listen = !peer;
	c->family = local->sa_family;
	for (int i = 0; i < 2 && sa[i]; i++) {
		if (sa[i]->sa_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)sa[i];

			memcpy(addr[i], &in->sin_addr, 4);
			*port[i] = ntohs(in->sin_port);
		} else if (sa[i]->sa_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa[i];

			memcpy(addr[i], &in6->sin6_addr, 16);
			*port[i] = ntohs(in6->sin6_port);
		} else {
			return -EAFNOSUPPORT;
		}
	}
	/* An IPv4-mapped IPv6 connection is IPv4 on the wire. */
	if (c->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)c->local) &&
	    (c->listen || IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)c->peer))) {
		c->family = AF_INET;
		memmove(c->local, c->local + 12, 4);
		memset(c->local + 4, 0, 12);
		memmove(c->peer, c->peer + 12, 4);
		memset(c->peer + 4, 0, 12);
	}
	return 0;
}

static int batch_init(struct batch *bt, const char *table, size_t nr_msgs)
{
	size_t size = (nr_msgs + 2) * MSG_ROOM;

	memset(bt, 0, sizeof(*bt));
	bt->table = table;
	bt->buf = malloc(size);
	if (!bt->buf)
		return -ENOMEM;
	bt->b = mnl_nlmsg_batch_start(bt->buf, size);
	if (!bt->b) {
		free(bt->buf);
		bt->buf = NULL;
		return -ENOMEM;
	}
	bt->seq = bt->first_seq = (uint32_t)time(NULL);
	nftnl_batch_begin(mnl_nlmsg_batch_current(bt->b), bt->seq++);
	mnl_nlmsg_batch_next(bt->b);
	return 0;
}

static void batch_free(struct batch *bt)
{
	if (bt->b)
		mnl_nlmsg_batch_stop(bt->b);
	free(bt->buf);
}

static struct nlmsghdr *batch_hdr(struct batch *bt, uint16_t type, uint16_t flags)
{
	bt->nr_msgs++;
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(bt->b), type, NFPROTO_INET,
				     flags | NLM_F_ACK, bt->seq++);
}

static int batch_table(struct batch *bt, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, bt->table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nlh = batch_hdr(bt, type, flags);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	mnl_nlmsg_batch_next(bt->b);
	return 0;
}

static int batch_chain(struct batch *bt, const char *name, uint32_t hook)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, bt->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, LOCK_PRIORITY);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = batch_hdr(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	mnl_nlmsg_batch_next(bt->b);
	return 0;
}

/* Each add_* returns false when out of memory; the rule is then freed by the caller. */
static bool add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return false;
	nftnl_rule_add_expr(r, e);
	return true;
}

static bool add_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	return add_expr(r, e);
}

static bool add_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	return add_expr(r, e);
}

static bool add_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return add_expr(r, e);
}

/* reg1 = reg1 & mask (len bytes). */
static bool add_mask(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	uint8_t zero[4] = { 0 };

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	return add_expr(r, e);
}

static bool add_drop(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
	}
	return add_expr(r, e);
}

static bool is_any(const uint8_t *a, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (a[i])
			return false;
	return true;
}

/*
 * One rule: family, tcp, the addresses and ports in the direction
 * given (inbound: peer -> local), not our mark -> drop.
 */
static int batch_rule(struct batch *bt, const struct netlock_conn *c, bool inbound)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint8_t nfproto = c->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6, l4 = IPPROTO_TCP;
	uint32_t alen = c->family == AF_INET ? 4 : 16, saddr_off = c->family == AF_INET ? 12 : 8;
	uint32_t mark = TCP_REPAIR_MARK;
	const uint8_t *src = inbound ? c->peer : c->local, *dst = inbound ? c->local : c->peer;
	uint16_t sport = htons(inbound ? c->pport : c->lport), dport = htons(inbound ? c->lport : c->pport);
	uint8_t synack = TH_SYN | TH_ACK, syn = TH_SYN;
	struct nlmsghdr *nlh;
	bool ok;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, bt->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, inbound ? "input" : "output");
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	ok = add_meta(r, NFT_META_NFPROTO) && add_cmp(r, NFT_CMP_EQ, &nfproto, 1) &&
	     add_meta(r, NFT_META_L4PROTO) && add_cmp(r, NFT_CMP_EQ, &l4, 1);
	if (ok && !c->listen)
		ok = add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, saddr_off, alen) &&
		     add_cmp(r, NFT_CMP_EQ, src, alen) &&
		     add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2) &&
		     add_cmp(r, NFT_CMP_EQ, &sport, 2);
	if (ok && !(c->listen && is_any(c->local, alen)))
		ok = add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, saddr_off + alen, alen) &&
		     add_cmp(r, NFT_CMP_EQ, dst, alen);
	if (ok)
		ok = add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2) &&
		     add_cmp(r, NFT_CMP_EQ, &dport, 2);
	/* A listener: only new connections (SYN without ACK; flags are byte 13). */
	if (ok && c->listen)
		ok = add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1) &&
		     add_mask(r, &synack, 1) && add_cmp(r, NFT_CMP_EQ, &syn, 1);
	if (ok)
		ok = add_meta(r, NFT_META_MARK) && add_cmp(r, NFT_CMP_NEQ, &mark, 4) && add_drop(r);
	if (!ok) {
		nftnl_rule_free(r);
		return -ENOMEM;
	}
	nlh = batch_hdr(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	mnl_nlmsg_batch_next(bt->b);
	return 0;
}

/* Send the batch and collect one ack per message; the first error wins. */
static int batch_send(struct batch *bt, bool enoent_ok, const char **what)
{
	struct timeval tv = { .tv_sec = ACK_TIMEOUT_S };
	struct mnl_socket *nl;
	char *buf = NULL;
	uint32_t acks = 0;
	int sndbuf, ret = 0;

	nftnl_batch_end(mnl_nlmsg_batch_current(bt->b), bt->seq++);
	mnl_nlmsg_batch_next(bt->b);

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl) {
		*what = "opening a netfilter netlink socket";
		return -errno;
	}
	sndbuf = (int)mnl_nlmsg_batch_size(bt->b) + 4096;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    (sndbuf > 200000 &&
	     setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))) {
		*what = "setting up the netlink socket";
		ret = -errno;
		goto out;
	}
	buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(bt->b), mnl_nlmsg_batch_size(bt->b)) < 0) {
		*what = "sending the nftables batch";
		ret = -errno;
		goto out;
	}
	while (acks < bt->nr_msgs && !ret) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE);
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0) {
			*what = errno == EAGAIN ? "waiting for nftables to answer" : "reading nftables' answer";
			ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
			break;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *err;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			err = mnl_nlmsg_get_payload(nlh);
			if (err->error == 0 || (enoent_ok && err->error == -ENOENT)) {
				acks++;
				continue;
			}
			*what = "nftables refused the lock table";
			ret = err->error;
			break;
		}
	}
out:
	free(buf);
	mnl_socket_close(nl);
	return ret;
}

int netlock_lock(const char *name, const struct netlock_conn *c, size_t n, const char **what)
{
	struct batch bt;
	const char *dummy;
	int ret;

	if (!what)
		what = &dummy;
	*what = "building the nftables batch";
	ret = batch_init(&bt, name, 5 + 2 * n);
	if (ret)
		return ret;
	/* add + delete + add: replaces a table of that name, atomically. */
	ret = batch_table(&bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	if (!ret)
		ret = batch_table(&bt, NFT_MSG_DELTABLE, 0);
	if (!ret)
		ret = batch_table(&bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	if (!ret)
		ret = batch_chain(&bt, "input", NF_INET_LOCAL_IN);
	if (!ret)
		ret = batch_chain(&bt, "output", NF_INET_LOCAL_OUT);
	for (size_t i = 0; i < n && !ret; i++) {
		ret = batch_rule(&bt, &c[i], true);
		if (!ret && !c[i].listen)
			ret = batch_rule(&bt, &c[i], false);
	}
	if (!ret)
		ret = batch_send(&bt, false, what);
	batch_free(&bt);
	return ret;
}

int netlock_unlock(const char *name, const char **what)
{
	struct batch bt;
	const char *dummy;
	int ret;

	if (!what)
		what = &dummy;
	*what = "building the nftables batch";
	ret = batch_init(&bt, name, 1);
	if (ret)
		return ret;
	ret = batch_table(&bt, NFT_MSG_DELTABLE, 0);
	if (!ret)
		ret = batch_send(&bt, true, what);
	batch_free(&bt);
	return ret;
}

int netlock_exists(const char *name)
{
	struct mnl_socket *nl;
	struct nftnl_table *t = nftnl_table_alloc();
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct timeval tv = { .tv_sec = ACK_TIMEOUT_S };
	uint32_t seq = (uint32_t)time(NULL);
	int ret = -EIO;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		int len = (int)n;

		if (n < 0) {
			ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
			break;
		}
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *err;

			if (nlh->nlmsg_type != NLMSG_ERROR) {
				ret = 1;	/* the table itself; its ack follows */
				continue;
			}
			err = mnl_nlmsg_get_payload(nlh);
			if (err->error == -ENOENT)
				ret = 0;
			else if (err->error)
				ret = err->error;
			goto out;
		}
	}
out:
	mnl_socket_close(nl);
	return ret;
}
