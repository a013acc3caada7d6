#define LOG_PREFIX "restore-sk-inet: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "action-script.h"
#include "net/acceptq.h"
#include "net/addr.h"
#include "net/tcp-repair.h"
#include "restore/restore.h"
#include "restore/sk-inet.h"

/* Queues go back into buffers at least this much larger than themselves. */
#define QUEUE_SLACK	(256 << 10)

static bool is_conn(const InetSkEntry *e)
{
	return e->proto == IPPROTO_TCP && e->state != TCP_LISTEN && e->state != TCP_CLOSE;
}

static socklen_t make_addr(const InetSkEntry *e, bool dst, struct sockaddr_storage *ss)
{
	const ProtobufCBinaryData *a = dst ? &e->dst_addr : &e->src_addr;
	uint32_t port = dst ? e->dst_port : e->src_port;

	if ((dst ? !e->has_dst_addr : !e->has_src_addr) || port > 0xffff)
		return 0;
	return net_addr_make(ss, (int)e->family, a->data, a->len, (uint16_t)port,
			     e->has_scope_id ? e->scope_id : 0);
}

int sk_inet_lock_network(const struct restore_ctx *ctx, int pid, const struct action_scripts *s,
			 const char *images_dir, struct sk_inet_lock *lk)
{
	const char *what = NULL;
	struct netlock_conn *c;
	size_t n = 0, cap = 0;
	int ret = 0;

	memset(lk, 0, sizeof(*lk));
	lk->pid = pid;
	netlock_table_name(pid, lk->table);
	for (size_t i = 0; i < ctx->nr_files; i++)
		cap += 1 + (ctx->files[i]->inet_sk ? ctx->files[i]->inet_sk->n_accept_queue : 0);
	c = calloc(cap ? cap : 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < ctx->nr_files; i++) {
		const InetSkEntry *e = ctx->files[i]->inet_sk;
		struct sockaddr_storage src, dst;

		if (ctx->files[i]->kind != FD_KIND__FD_INET_SK || !e || e->proto != IPPROTO_TCP ||
		    (e->state != TCP_LISTEN && !is_conn(e)))
			continue;
		if (!make_addr(e, false, &src) || (is_conn(e) && !make_addr(e, true, &dst))) {
			pr_err("pid %d: file %u: inet socket without a valid address", pid,
			       ctx->files[i]->id);
			ret = -EINVAL;
			goto out;
		}
		ret = netlock_conn_from_addrs((struct sockaddr *)&src,
					      is_conn(e) ? (struct sockaddr *)&dst : NULL, &c[n]);
		if (ret)
			goto out;
		n++;
		/* Its accept queue's connections: they exist again only once refilled. */
		for (size_t j = 0; j < e->n_accept_queue; j++) {
			const TcpQueuedConn *q = e->accept_queue[j];

			if (q->src_port > 0xffff || q->dst_port > 0xffff ||
			    !net_addr_make(&src, (int)e->family, q->src_addr.data, q->src_addr.len,
					   (uint16_t)q->src_port, 0) ||
			    !net_addr_make(&dst, (int)e->family, q->dst_addr.data, q->dst_addr.len,
					   (uint16_t)q->dst_port, 0)) {
				pr_err("pid %d: file %u: a queued connection without a valid address", pid,
				       ctx->files[i]->id);
				ret = -EINVAL;
				goto out;
			}
			ret = netlock_conn_from_addrs((struct sockaddr *)&src, (struct sockaddr *)&dst,
						      &c[n]);
			if (ret)
				goto out;
			n++;
		}
	}
	if (!n)
		goto out;
	ret = netlock_exists(lk->table);
	lk->existed = ret == 1;
	ret = netlock_lock(lk->table, c, n, &what);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot lock the network for its %zu TCP sockets: %s", pid, n,
			  what);
		goto out;
	}
	lk->locked = true;
	pr_info("pid %d: network locked for %zu TCP sockets (nftables table inet %s)", pid, n,
		lk->table);
	ret = action_scripts_run(s, ACT_NETWORK_LOCK, pid, images_dir);
	if (ret)
		sk_inet_unlock_network(lk, false, s, images_dir);
out:
	free(c);
	return ret;
}

int sk_inet_unlock_network(struct sk_inet_lock *lk, bool restored, const struct action_scripts *s,
			   const char *images_dir)
{
	const char *what = NULL;
	int ret;

	if (!lk->locked || (!restored && lk->existed))
		return 0;
	ret = netlock_unlock(lk->table, &what);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot remove the network lock (nftables table inet %s): %s",
			  lk->pid, lk->table, what);
		return ret;
	}
	lk->locked = false;
	pr_info("pid %d: network unlocked", lk->pid);
	return restored ? action_scripts_run(s, ACT_NETWORK_UNLOCK, lk->pid, images_dir) : 0;
}

static int setint(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v)) ? -errno : 0;
}

/* SO_SNDBUF/SO_RCVBUF: getsockopt reported twice what was set; FORCE passes the sysctl caps. */
static int set_buf(int fd, int name, uint32_t reported)
{
	int v = reported / 2 > INT32_MAX / 2 ? INT32_MAX / 2 : (int)(reported / 2);

	return setint(fd, SOL_SOCKET, name, v);
}

static int set_opts(int fd, const InetSkEntry *e, bool with_reuseaddr, const char **what)
{
	const InetSkOpts *o = e->opts;
	bool v4 = e->family == AF_INET;
	int ret = 0;

	if (!o)
		return 0;
#define SET(cond, level, name, val) \
	if (!ret && (cond)) { ret = setint(fd, level, name, (int)(val)); *what = #name; }
	SET(with_reuseaddr && o->has_reuseaddr, SOL_SOCKET, SO_REUSEADDR, o->reuseaddr);
	SET(o->has_sndbuf, SOL_SOCKET, SO_SNDBUFFORCE, o->sndbuf / 2);
	SET(o->has_rcvbuf, SOL_SOCKET, SO_RCVBUFFORCE, o->rcvbuf / 2);
	SET(o->has_priority, SOL_SOCKET, SO_PRIORITY, o->priority);
	SET(o->has_mark && o->mark, SOL_SOCKET, SO_MARK, o->mark);
	SET(o->has_oobinline, SOL_SOCKET, SO_OOBINLINE, o->oobinline);
	SET(o->has_rcvlowat, SOL_SOCKET, SO_RCVLOWAT, o->rcvlowat);
	SET(o->has_broadcast, SOL_SOCKET, SO_BROADCAST, o->broadcast);
	SET(o->has_tos && v4, SOL_IP, IP_TOS, o->tos);
	SET(o->has_tos && !v4, SOL_IPV6, IPV6_TCLASS, o->tos);
	SET(o->has_ttl && v4, SOL_IP, IP_TTL, o->ttl);
	SET(o->has_ttl && !v4, SOL_IPV6, IPV6_UNICAST_HOPS, o->ttl);
	SET(o->has_keepidle, SOL_TCP, TCP_KEEPIDLE, o->keepidle);
	SET(o->has_keepintvl, SOL_TCP, TCP_KEEPINTVL, o->keepintvl);
	SET(o->has_keepcnt, SOL_TCP, TCP_KEEPCNT, o->keepcnt);
	SET(o->has_keepalive, SOL_SOCKET, SO_KEEPALIVE, o->keepalive);
	SET(o->has_nodelay, SOL_TCP, TCP_NODELAY, o->nodelay);
	SET(o->has_user_timeout, SOL_TCP, TCP_USER_TIMEOUT, o->user_timeout);
#undef SET
	if (!ret && o->has_linger_on) {
		struct linger lg = { .l_onoff = o->linger_on, .l_linger = (int)o->linger_secs };

		*what = "SO_LINGER";
		ret = setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) ? -errno : 0;
	}
	if (!ret && o->has_rcvtimeo_us) {
		struct timeval tv = { .tv_sec = (time_t)(o->rcvtimeo_us / 1000000),
				      .tv_usec = (suseconds_t)(o->rcvtimeo_us % 1000000) };

		*what = "SO_RCVTIMEO";
		ret = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ? -errno : 0;
	}
	if (!ret && o->has_sndtimeo_us) {
		struct timeval tv = { .tv_sec = (time_t)(o->sndtimeo_us / 1000000),
				      .tv_usec = (suseconds_t)(o->sndtimeo_us % 1000000) };

		*what = "SO_SNDTIMEO";
		ret = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ? -errno : 0;
	}
	if (!ret && o->congestion && o->congestion[0]) {
		*what = "TCP_CONGESTION";
		ret = setsockopt(fd, SOL_TCP, TCP_CONGESTION, o->congestion, strlen(o->congestion)) ?
		      -errno : 0;
	}
	return ret;
}

/* Options that must be in place before bind(). */
static int set_pre_bind(int fd, const InetSkEntry *e, const char **what)
{
	const InetSkOpts *o = e->opts;
	int ret = 0;

	if (e->family == AF_INET6 && e->has_v6only) {
		*what = "IPV6_V6ONLY";
		ret = setint(fd, SOL_IPV6, IPV6_V6ONLY, e->v6only);
	}
	if (!ret && o && o->has_reuseport && o->reuseport) {
		*what = "SO_REUSEPORT";
		ret = setint(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	}
	if (!ret && o && o->has_freebind && o->freebind) {
		*what = "IP_FREEBIND";
		ret = e->family == AF_INET ? setint(fd, SOL_IP, IP_FREEBIND, 1)
					   : setint(fd, SOL_IPV6, IPV6_FREEBIND, 1);
	}
	return ret;
}

/* A connection's state from its image: addresses, TCP state and stream. */
static int tcp_state_fill(struct tcp_repair_state *st, const InetSkEntry *e,
			  const ProtobufCBinaryData *src, uint32_t sport,
			  const ProtobufCBinaryData *dst, uint32_t dport, uint32_t state,
			  const TcpStreamEntry *t)
{
	uint32_t scope = e->has_scope_id ? e->scope_id : 0;
	struct sockaddr_storage ss;

	memset(st, 0, sizeof(*st));
	if (!t || sport > 0xffff || dport > 0xffff)
		return -EINVAL;
	st->family = (int)e->family;
	if (!net_addr_make(&ss, st->family, src->data, src->len, (uint16_t)sport, scope))
		return -EINVAL;
	memcpy(&st->src, &ss, sizeof(st->src));
	if (!net_addr_make(&ss, st->family, dst->data, dst->len, (uint16_t)dport, scope))
		return -EINVAL;
	memcpy(&st->dst, &ss, sizeof(st->dst));
	st->state = (uint8_t)state;
	st->inq_seq = t->inq_seq;
	st->outq_seq = t->outq_seq;
	if (t->has_inq) {
		st->inq = t->inq.data;
		st->inq_len = (uint32_t)t->inq.len;
	}
	if (t->has_outq) {
		st->outq = t->outq.data;
		st->outq_len = (uint32_t)t->outq.len;
	}
	st->unsent_len = t->has_unsent_len ? t->unsent_len : 0;
	st->mss_clamp = t->mss_clamp;
	st->opt_mask = (uint8_t)t->opt_mask;
	st->snd_wscale = (uint8_t)t->snd_wscale;
	st->rcv_wscale = (uint8_t)t->rcv_wscale;
	st->timestamp = t->timestamp;
	st->has_window = t->has_snd_wl1 && t->has_snd_wnd && t->has_max_window &&
			 t->has_rcv_wnd && t->has_rcv_wup;
	st->snd_wl1 = t->snd_wl1;
	st->snd_wnd = t->snd_wnd;
	st->max_window = t->max_window;
	st->rcv_wnd = t->rcv_wnd;
	st->rcv_wup = t->rcv_wup;
	return 0;
}

static int tcp_state_from(const InetSkEntry *e, struct tcp_repair_state *st)
{
	if (!e->has_src_addr || !e->has_dst_addr) {
		memset(st, 0, sizeof(*st));
		return -EINVAL;
	}
	return tcp_state_fill(st, e, &e->src_addr, e->src_port, &e->dst_addr, e->dst_port,
			      e->state, e->tcp);
}

/* The connections of a listener's accept queue, back into it (net/acceptq.h). */
static int refill_queue(const InetSkEntry *e, const char **what)
{
	struct tcp_repair_state *conns = calloc(e->n_accept_queue, sizeof(*conns));
	size_t done = 0;
	int ret = 0;

	if (!conns)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_accept_queue && !ret; i++) {
		const TcpQueuedConn *q = e->accept_queue[i];

		ret = tcp_state_fill(&conns[i], e, &q->src_addr, q->src_port, &q->dst_addr,
				     q->dst_port, q->state, q->tcp);
		if (ret)
			*what = "a queued connection without a complete state in the image";
	}
	if (!ret)
		ret = acceptq_refill(conns, e->n_accept_queue, &done, what);
	if (!ret)
		pr_info("port %u: %zu connection%s back in the accept queue", e->src_port, done,
			done > 1 ? "s" : "");
	free(conns);
	return ret;
}

static int open_conn(int fd, const InetSkEntry *e, const char **what)
{
	const InetSkOpts *o = e->opts;
	struct tcp_repair_state st;
	uint32_t sndbuf, rcvbuf;
	int ret;

	ret = tcp_state_from(e, &st);
	if (ret) {
		*what = "no complete connection state in the image";
		return ret;
	}
	*what = "TCP_REPAIR";
	ret = tcp_repair_on(fd);
	if (ret)
		return ret;
	/* Room for the queues first (the dumped sizes follow with the other options). */
	sndbuf = st.outq_len * 2 + QUEUE_SLACK;
	rcvbuf = st.inq_len * 2 + QUEUE_SLACK;
	if (o && o->has_sndbuf && o->sndbuf > sndbuf)
		sndbuf = o->sndbuf;
	if (o && o->has_rcvbuf && o->rcvbuf > rcvbuf)
		rcvbuf = o->rcvbuf;
	*what = "buffer sizes for the queues";
	ret = set_buf(fd, SO_SNDBUFFORCE, sndbuf * 2);
	if (!ret)
		ret = set_buf(fd, SO_RCVBUFFORCE, rcvbuf * 2);
	if (!ret)
		ret = set_pre_bind(fd, e, what);
	if (!ret)
		ret = tcp_repair_restore(fd, &st, what);
	if (!ret)
		ret = set_opts(fd, e, false, what);
	if (ret)
		return ret;
	*what = "leaving repair mode";
	ret = tcp_repair_off(fd);
	/* Leaving repair mode resets SO_REUSEADDR: its value goes back last. */
	if (!ret && o && o->has_reuseaddr) {
		*what = "SO_REUSEADDR";
		ret = setint(fd, SOL_SOCKET, SO_REUSEADDR, o->reuseaddr);
	}
	return ret;
}

static int open_plain(int fd, const InetSkEntry *e, const char **what)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int ret;

	ret = set_pre_bind(fd, e, what);
	if (ret)
		return ret;
	if (e->has_src_port && e->src_port) {
		/* The old socket may linger a moment; the image's value comes back below. */
		*what = "SO_REUSEADDR";
		ret = setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);
		len = make_addr(e, false, &ss);
		if (!ret && !len) {
			*what = "no valid local address in the image";
			return -EINVAL;
		}
		*what = "bind to its address";
		if (!ret && bind(fd, (struct sockaddr *)&ss, len)) {
			ret = -errno;
			/*
			 * An accepted connection that has ended (CLOSE) keeps its
			 * listener's port, which the restored listener holds again:
			 * a dead socket needs no address.
			 */
			if (ret == -EADDRINUSE && e->proto == IPPROTO_TCP && e->state == TCP_CLOSE) {
				pr_info("a closed TCP socket on port %u, which is in use: restored unbound",
					e->src_port);
				ret = 0;
			}
		}
	}
	if (!ret && e->state == TCP_LISTEN) {
		*what = "listen";
		if (listen(fd, e->has_backlog ? (int)e->backlog : SOMAXCONN))
			ret = -errno;
		if (!ret && e->n_accept_queue)
			ret = refill_queue(e, what);
	}
	if (!ret && e->proto == IPPROTO_UDP && e->state == TCP_ESTABLISHED) {
		len = make_addr(e, true, &ss);
		*what = "connect to its peer";
		if (!len)
			ret = -EINVAL;
		else if (connect(fd, (struct sockaddr *)&ss, len))
			ret = -errno;
	}
	if (!ret)
		ret = set_opts(fd, e, true, what);
	return ret;
}

int sk_inet_open(const FileEntry *fe, const char **what)
{
	const InetSkEntry *e = fe->inet_sk;
	int fd, ret;

	*what = "no inet socket record";
	if (!e)
		return -EINVAL;
	*what = "unsupported socket kind in the image";
	if ((e->family != AF_INET && e->family != AF_INET6) ||
	    !((e->type == SOCK_STREAM && e->proto == IPPROTO_TCP) ||
	      (e->type == SOCK_DGRAM && e->proto == IPPROTO_UDP)) ||
	    (is_conn(e) && !tcp_repair_state_supported((int)e->state)))
		return -EINVAL;
	*what = "socket";
	fd = socket((int)e->family, (int)e->type | SOCK_CLOEXEC, (int)e->proto);
	if (fd < 0)
		return -errno;
	ret = is_conn(e) ? open_conn(fd, e, what) : open_plain(fd, e, what);
	if (!ret && fcntl(fd, F_SETFL, e->flags & (O_NONBLOCK | O_ASYNC)) < 0) {
		*what = "file flags";
		ret = -errno;
	}
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}
