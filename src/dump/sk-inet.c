#define LOG_PREFIX "dump-sk-inet: "
#include "config.h"
#include <linux/sockios.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "action-script.h"
#include "dump/dump.h"
#include "dump/sk-inet.h"
#include "netns.h"
#include "net/acceptq.h"
#include "net/addr.h"
#include "net/netlock.h"
#include "net/tcp-repair.h"

/* How long a dump waits for handshakes under way to end in an accept queue. */
#define HANDSHAKE_WAIT_MS	200

/* A connection taken out of a listener's accept queue (net/acceptq.h). */
struct queued_conn {
	int fd;				/* ours, in repair mode once saved */
	union tcp_repair_addr src, dst;	/* its addresses, known at accept() */
	struct tcp_repair_state st;
	TcpQueuedConn q;
	TcpStreamEntry t;
	uint8_t src_raw[16], dst_raw[16];
};

/* One inet socket of the target (an open file description: dups share it). */
struct inet_sock {
	int fd;				/* the target's first fd for it */
	int lfd;			/* ours, from pidfd_getfd */
	ino_t ino;
	int family, type, proto, state;
	bool connected, repaired;
	union tcp_repair_addr src, dst;
	uint32_t accept_queue;		/* listeners: connections not yet accepted, once locked */
	uint32_t backlog;		/* listeners */
	struct tcp_repair_state tcp;	/* connections (repaired) */
	struct queued_conn *queue;	/* listeners: their accept queue, in order */
	size_t nr_queue;
	TcpQueuedConn **queue_entries;
	InetSkEntry e;
	InetSkOpts o;
	TcpStreamEntry t;
	uint8_t src_raw[16], dst_raw[16];
	char congestion[32];
};

/* A target fd and the socket it refers to. */
struct inet_fd {
	int fd;
	size_t sk;
};

struct sk_inet_dump {
	struct inet_sock *sk;
	size_t nr_sk;
	struct inet_fd *fds;
	size_t nr_fds;
	char table[NETLOCK_NAME_MAX];
	bool locked;
};

static bool is_conn_state(const struct inet_sock *s)
{
	return s->proto == IPPROTO_TCP && s->state != TCP_LISTEN && s->state != TCP_CLOSE;
}

static const char *sk_name(const struct inet_sock *s, char *buf, size_t len)
{
	char a[NET_ADDR_STRLEN], b[NET_ADDR_STRLEN];

	if (s->connected)
		snprintf(buf, len, "%s %s <-> %s", s->proto == IPPROTO_TCP ? "tcp" : "udp",
			 net_addr_str(&s->src.sa, a, sizeof(a)), net_addr_str(&s->dst.sa, b, sizeof(b)));
	else
		snprintf(buf, len, "%s %s%s", s->proto == IPPROTO_TCP ? "tcp" : "udp",
			 net_addr_str(&s->src.sa, a, sizeof(a)),
			 s->state == TCP_LISTEN ? " (listening)" : "");
	return buf;
}

static int getint(int fd, int level, int name, int *v)
{
	socklen_t len = sizeof(*v);

	return getsockopt(fd, level, name, v, &len) ? -errno : 0;
}

/* What kind of socket lfd is; -ENOENT when it is not an inet one. */
static int identify(struct inet_sock *s)
{
	struct tcp_info ti;
	socklen_t len;
	int ret;

	ret = getint(s->lfd, SOL_SOCKET, SO_DOMAIN, &s->family);
	if (ret)
		return ret;
	if (s->family != AF_INET && s->family != AF_INET6)
		return -ENOENT;
	ret = getint(s->lfd, SOL_SOCKET, SO_TYPE, &s->type);
	if (!ret)
		ret = getint(s->lfd, SOL_SOCKET, SO_PROTOCOL, &s->proto);
	if (ret)
		return ret;
	if (!((s->type == SOCK_STREAM && s->proto == IPPROTO_TCP) ||
	      (s->type == SOCK_DGRAM && s->proto == IPPROTO_UDP)))
		return -EPROTONOSUPPORT;
	len = sizeof(s->src);
	if (getsockname(s->lfd, &s->src.sa, &len))
		return -errno;
	len = sizeof(s->dst);
	s->connected = getpeername(s->lfd, &s->dst.sa, &len) == 0;
	if (s->proto == IPPROTO_UDP) {
		s->state = s->connected ? TCP_ESTABLISHED : TCP_CLOSE;
		return 0;
	}
	len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(s->lfd, SOL_TCP, TCP_INFO, &ti, &len))
		return -errno;
	s->state = ti.tcpi_state;
	/* For a listener, tcp_info carries its backlog (and its accept queue: queue_length()). */
	if (s->state == TCP_LISTEN)
		s->backlog = ti.tcpi_sacked;
	return 0;
}

static int take_one(struct sk_inet_dump *d, pid_t pid, int pidfd, int fd)
{
	struct inet_sock *s, *ns;
	struct inet_fd *nf;
	struct stat st;
	char a[128];
	int lfd, ret;

	lfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (lfd < 0) {
		ret = -errno;
		pr_err_rc(ret, "pid %d: fd %d: cannot take the socket (pidfd_getfd)", (int)pid, fd);
		return ret;
	}
	if (fstat(lfd, &st)) {
		ret = -errno;
		close(lfd);
		return ret;
	}
	nf = realloc(d->fds, (d->nr_fds + 1) * sizeof(*nf));
	if (!nf) {
		close(lfd);
		return -ENOMEM;
	}
	d->fds = nf;
	for (size_t i = 0; i < d->nr_sk; i++)
		if (d->sk[i].ino == st.st_ino) {
			close(lfd);
			d->fds[d->nr_fds++] = (struct inet_fd){ fd, i };
			return 0;
		}
	ns = realloc(d->sk, (d->nr_sk + 1) * sizeof(*ns));
	if (!ns) {
		close(lfd);
		return -ENOMEM;
	}
	d->sk = ns;
	s = &d->sk[d->nr_sk];
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->lfd = lfd;
	s->ino = st.st_ino;
	ret = identify(s);
	if (ret == -ENOENT) {	/* not an inet socket: someone else's business */
		close(lfd);
		return 0;
	}
	if (ret == -EPROTONOSUPPORT) {
		pr_err("pid %d: fd %d: inet socket of type %d, protocol %d is not supported (TCP and UDP are)",
		       (int)pid, fd, s->type, s->proto);
		close(lfd);
		return -ENOTSUP;
	}
	if (ret) {
		pr_err_rc(ret, "pid %d: fd %d: cannot read what socket it is", (int)pid, fd);
		close(lfd);
		return ret;
	}
	if (s->proto == IPPROTO_TCP && s->state != TCP_LISTEN && s->state != TCP_CLOSE &&
	    !tcp_repair_state_supported(s->state)) {
		pr_err("pid %d: fd %d: %s is in TCP state %d (a handshake under way): not supported",
		       (int)pid, fd, sk_name(s, a, sizeof(a)), s->state);
		close(lfd);
		return -ENOTSUP;
	}
	d->nr_sk++;
	d->fds[d->nr_fds++] = (struct inet_fd){ fd, d->nr_sk - 1 };
	return 0;
}

/* Take every inet socket of pid. */
static int take_all(struct sk_inet_dump *d, pid_t pid)
{
	char link[64], name[32];
	int *fds = NULL, pidfd, ret;
	size_t nr = 0;

	ret = proc_list_numbers(pid, "fd", &fds, &nr);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot list its fds", (int)pid);
		return ret;
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		ret = -errno;
		pr_err_rc(ret, "pid %d: pidfd_open", (int)pid);
		goto out;
	}
	for (size_t i = 0; !ret && i < nr; i++) {
		snprintf(name, sizeof(name), "fd/%d", fds[i]);
		if (proc_readlink(pid, name, link, sizeof(link)) ||
		    strncmp(link, "socket:[", 8) != 0)
			continue;
		ret = take_one(d, pid, pidfd, fds[i]);
	}
	close(pidfd);
out:
	free(fds);
	return ret;
}

/* Without --tcp-established, connections are refused, all named in one line. */
static int refuse_connections(const struct sk_inet_dump *d, pid_t pid)
{
	char line[1024] = "", one[192];
	size_t n = 0, len = 0;

	for (size_t i = 0; i < d->nr_sk; i++) {
		const struct inet_sock *s = &d->sk[i];
		char a[128];

		if (!is_conn_state(s))
			continue;
		n++;
		snprintf(one, sizeof(one), "%sfd %d %s", n > 1 ? ", " : "", s->fd,
			 sk_name(s, a, sizeof(a)));
		if (len + strlen(one) < sizeof(line) - 8) {
			strcat(line, one);
			len += strlen(one);
		} else if (!strstr(line, "...")) {
			strcat(line, ", ...");
		}
	}
	if (!n)
		return 0;
	pr_err("pid %d: %zu established TCP connection%s (%s): dump with --tcp-established to take %s",
	       (int)pid, n, n > 1 ? "s" : "", line, n > 1 ? "them" : "it");
	return -ENOTSUP;
}

/*
 * Lock the tree's TCP sockets: listeners (their SYNs) and connections.
 * widen: again, with the connections taken from accept queues since
 * (the table is replaced in one step).
 */
static int lock_network(struct dump_ctx *ctx, struct sk_inet_dump *d, bool widen)
{
	size_t cap = 0, n = 0;
	struct netlock_conn *c;
	const char *what = NULL;
	int ret = 0;

	for (size_t i = 0; i < d->nr_sk; i++)
		cap += 1 + d->sk[i].nr_queue;
	c = calloc(cap ? cap : 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < d->nr_sk; i++) {
		const struct inet_sock *s = &d->sk[i];

		if (s->proto != IPPROTO_TCP || (s->state != TCP_LISTEN && !is_conn_state(s)))
			continue;
		ret = netlock_conn_from_addrs(&s->src.sa, s->state == TCP_LISTEN ? NULL : &s->dst.sa,
					      &c[n]);
		if (ret)
			goto out;
		n++;
		for (size_t j = 0; j < s->nr_queue; j++) {
			ret = netlock_conn_from_addrs(&s->queue[j].src.sa, &s->queue[j].dst.sa, &c[n]);
			if (ret)
				goto out;
			n++;
		}
	}
	if (!n)
		goto out;
	netlock_table_name(ctx->pid, d->table);
	ret = netlock_lock(d->table, c, n, &what);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot lock the network for its %zu TCP sockets: %s",
			  (int)ctx->pid, n, what);
		goto out;
	}
	d->locked = true;
	if (widen) {
		pr_info("pid %d: network lock widened to %zu TCP sockets (with the accept queues')",
			(int)ctx->pid, n);
		goto out;
	}
	pr_info("pid %d: network locked for %zu TCP sockets (nftables table inet %s)",
		(int)ctx->pid, n, d->table);
	ret = action_scripts_run(&ctx->opts->scripts, ACT_NETWORK_LOCK, ctx->pid,
				 ctx->opts->images_dir);
out:
	free(c);
	return ret;
}

/* Handshakes under way to one of the tree's listeners (SYN_RECV in /proc/PID/net/tcp*). */
static size_t handshakes(const struct sk_inet_dump *d, pid_t pid)
{
	static const char *const files[] = { "net/tcp", "net/tcp6" };
	char line[512];
	size_t n = 0;

	for (size_t f = 0; f < 2; f++) {
		char path[64];
		FILE *fp;

		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[f]);
		fp = fopen(path, "re");
		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp)) {
			unsigned port, st;
			char *colon = strchr(line, ':');

			/* "  sl  local_address rem_address   st ...": local "ADDR:PORT" in hex */
			if (!colon || !(colon = strchr(colon + 1, ':')) ||
			    sscanf(colon + 1, "%x %*s %x", &port, &st) != 2 || st != TCP_SYN_RECV)
				continue;
			for (size_t i = 0; i < d->nr_sk; i++)
				if (d->sk[i].state == TCP_LISTEN && d->sk[i].proto == IPPROTO_TCP &&
				    ntohs(d->sk[i].src.v4.sin_port) == port) {
					n++;
					break;
				}
		}
		fclose(fp);
	}
	return n;
}

/*
 * The lock holds back new SYNs, not the last ACK of a handshake under
 * way: let those end (in the accept queues, taken with the rest) rather
 * than leave a client whose connection no host will know. Bounded: a
 * client that never answers is a SYN the lock might as well have held.
 */
static void drain_handshakes(struct dump_ctx *ctx, const struct sk_inet_dump *d)
{
	size_t n = handshakes(d, ctx->pid), first = n;
	struct timespec t0, t;
	long ms = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (n) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= HANDSHAKE_WAIT_MS) {
			pr_warn("pid %d: %zu handshake%s to its listeners still under way after %d ms: left behind",
				(int)ctx->pid, n, n > 1 ? "s" : "", HANDSHAKE_WAIT_MS);
			return;
		}
		usleep(1000);
		n = handshakes(d, ctx->pid);
	}
	if (first)
		pr_info("pid %d: %zu handshake%s to its listeners ended in %ld ms", (int)ctx->pid, first,
			first > 1 ? "s" : "", ms);
}

static void read_opts(struct inet_sock *s)
{
	InetSkOpts *o = &s->o;
	int fd = s->lfd, v;
	struct linger lg;
	struct timeval tv;
	socklen_t len;

	inet_sk_opts__init(o);
#define GET(level, name, field)	\
	if (getint(fd, level, name, &v) == 0) { o->has_##field = true; o->field = v; }
	GET(SOL_SOCKET, SO_REUSEADDR, reuseaddr);
	GET(SOL_SOCKET, SO_REUSEPORT, reuseport);
	GET(SOL_SOCKET, SO_KEEPALIVE, keepalive);
	GET(SOL_SOCKET, SO_SNDBUF, sndbuf);
	GET(SOL_SOCKET, SO_RCVBUF, rcvbuf);
	GET(SOL_SOCKET, SO_PRIORITY, priority);
	GET(SOL_SOCKET, SO_MARK, mark);
	GET(SOL_SOCKET, SO_OOBINLINE, oobinline);
	GET(SOL_SOCKET, SO_RCVLOWAT, rcvlowat);
	if (s->family == AF_INET) {
		GET(SOL_IP, IP_TOS, tos);
		GET(SOL_IP, IP_TTL, ttl);
		GET(SOL_IP, IP_FREEBIND, freebind);
	} else {
		GET(SOL_IPV6, IPV6_TCLASS, tos);
		GET(SOL_IPV6, IPV6_UNICAST_HOPS, ttl);
		GET(SOL_IPV6, IPV6_FREEBIND, freebind);
	}
	if (s->proto == IPPROTO_TCP) {
		GET(SOL_TCP, TCP_KEEPIDLE, keepidle);
		GET(SOL_TCP, TCP_KEEPINTVL, keepintvl);
		GET(SOL_TCP, TCP_KEEPCNT, keepcnt);
		GET(SOL_TCP, TCP_NODELAY, nodelay);
		GET(SOL_TCP, TCP_USER_TIMEOUT, user_timeout);
		len = sizeof(s->congestion) - 1;
		if (getsockopt(fd, SOL_TCP, TCP_CONGESTION, s->congestion, &len) == 0) {
			s->congestion[len] = '\0';
			o->congestion = s->congestion;
		}
	} else {
		GET(SOL_SOCKET, SO_BROADCAST, broadcast);
	}
#undef GET
	len = sizeof(lg);
	if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len) == 0) {
		o->has_linger_on = o->has_linger_secs = true;
		o->linger_on = lg.l_onoff;
		o->linger_secs = lg.l_linger;
	}
	len = sizeof(tv);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0) {
		o->has_rcvtimeo_us = true;
		o->rcvtimeo_us = (uint64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	}
	len = sizeof(tv);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) == 0) {
		o->has_sndtimeo_us = true;
		o->sndtimeo_us = (uint64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	}
}

static void set_addr(const union tcp_repair_addr *a, uint8_t *raw, ProtobufCBinaryData *bin,
		     uint32_t *port)
{
	if (a->sa.sa_family == AF_INET) {
		memcpy(raw, &a->v4.sin_addr, 4);
		bin->len = 4;
		*port = ntohs(a->v4.sin_port);
	} else {
		memcpy(raw, &a->v6.sin6_addr, 16);
		bin->len = 16;
		*port = ntohs(a->v6.sin6_port);
	}
	bin->data = raw;
}

/* The image of s, all but the connection state. */
static void build_entry(struct inet_sock *s)
{
	InetSkEntry *e = &s->e;
	int v, fl;

	inet_sk_entry__init(e);
	e->family = s->family;
	e->type = s->type;
	e->proto = s->proto;
	e->state = s->state;
	fl = fcntl(s->lfd, F_GETFL);
	e->flags = fl < 0 ? O_RDWR : fl;
	e->has_src_addr = e->has_src_port = true;
	set_addr(&s->src, s->src_raw, &e->src_addr, &e->src_port);
	if (s->connected) {
		e->has_dst_addr = e->has_dst_port = true;
		set_addr(&s->dst, s->dst_raw, &e->dst_addr, &e->dst_port);
	}
	if (s->family == AF_INET6) {
		if (s->src.v6.sin6_scope_id) {
			e->has_scope_id = true;
			e->scope_id = s->src.v6.sin6_scope_id;
		}
		if (getint(s->lfd, SOL_IPV6, IPV6_V6ONLY, &v) == 0) {
			e->has_v6only = true;
			e->v6only = v;
		}
	}
	if (s->state == TCP_LISTEN) {
		e->has_backlog = true;
		e->backlog = s->backlog;
	}
	read_opts(s);
	e->opts = &s->o;
}

static void fill_stream(TcpStreamEntry *t, const struct tcp_repair_state *st)
{
	tcp_stream_entry__init(t);
	t->inq_seq = st->inq_seq;
	t->outq_seq = st->outq_seq;
	t->has_inq = t->has_outq = true;
	t->inq.data = st->inq;
	t->inq.len = st->inq_len;
	t->outq.data = st->outq;
	t->outq.len = st->outq_len;
	t->has_unsent_len = true;
	t->unsent_len = st->unsent_len;
	t->mss_clamp = st->mss_clamp;
	t->opt_mask = st->opt_mask;
	if (st->opt_mask & TCPI_OPT_WSCALE) {
		t->has_snd_wscale = t->has_rcv_wscale = true;
		t->snd_wscale = st->snd_wscale;
		t->rcv_wscale = st->rcv_wscale;
	}
	if (st->opt_mask & TCPI_OPT_TIMESTAMPS) {
		t->has_timestamp = true;
		t->timestamp = st->timestamp;
	}
	if (st->has_window) {
		t->has_snd_wl1 = t->has_snd_wnd = t->has_max_window = true;
		t->has_rcv_wnd = t->has_rcv_wup = true;
		t->snd_wl1 = st->snd_wl1;
		t->snd_wnd = st->snd_wnd;
		t->max_window = st->max_window;
		t->rcv_wnd = st->rcv_wnd;
		t->rcv_wup = st->rcv_wup;
	}
}

static void build_tcp(struct inet_sock *s)
{
	fill_stream(&s->t, &s->tcp);
	s->e.tcp = &s->t;
}

static const char *conn_name(const union tcp_repair_addr *src, const union tcp_repair_addr *dst,
			     char *buf, size_t len)
{
	char a[NET_ADDR_STRLEN], b[NET_ADDR_STRLEN];

	snprintf(buf, len, "tcp %s <-> %s", net_addr_str(&src->sa, a, sizeof(a)),
		 net_addr_str(&dst->sa, b, sizeof(b)));
	return buf;
}

/* Connections in a listener's accept queue now (tcp_info of a listener). */
static uint32_t queue_length(const struct inet_sock *s)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	return getsockopt(s->lfd, SOL_TCP, TCP_INFO, &ti, &len) ? 0 : ti.tcpi_unacked;
}

/*
 * Take the connections of a listener's accept queue out of it with
 * accept(), in order (save_queue() saves them once the lock holds their
 * packets back too). They go back into a queue at the restore, or into
 * this one if the process carries on (sk_inet_finish()); both need a
 * kernel that can do it, checked first.
 */
static int take_queue(struct dump_ctx *ctx, struct inet_sock *s)
{
	const char *what = NULL;
	socklen_t len;
	char a[128];
	int home, ret;

	s->accept_queue = queue_length(s);
	if (!s->accept_queue)
		return 0;
	sk_name(s, a, sizeof(a));
	if (!ctx->opts->tcp_established) {
		pr_err("pid %d: fd %d: %s has %u connection%s accepted by the kernel but not yet by the process: dump with --tcp-established to take them",
		       (int)ctx->pid, s->fd, a, s->accept_queue, s->accept_queue > 1 ? "s" : "");
		return -ENOTSUP;
	}
	ret = netns_enter(ctx->pid, &home);
	if (ret) {
		pr_err_rc(ret, "pid %d: cannot enter its network namespace", (int)ctx->pid);
		return ret;
	}
	ret = acceptq_probe(&what);
	if (netns_return(home))
		return -EIO;
	if (ret) {
		pr_err_rc(ret, "pid %d: fd %d: %s has %u connection%s not yet accepted, and this kernel cannot put %s back in a queue: %s",
			  (int)ctx->pid, s->fd, a, s->accept_queue, s->accept_queue > 1 ? "s" : "",
			  s->accept_queue > 1 ? "them" : "it", what);
		return -ENOTSUP;
	}
	s->queue = calloc(s->accept_queue, sizeof(*s->queue));
	s->queue_entries = calloc(s->accept_queue, sizeof(*s->queue_entries));
	if (!s->queue || !s->queue_entries)
		return -ENOMEM;
	while (s->nr_queue < s->accept_queue) {
		struct pollfd pfd = { .fd = s->lfd, .events = POLLIN };
		struct queued_conn *q = &s->queue[s->nr_queue];

		/* One may have gone (reset) since the count: never block on an empty queue. */
		if (poll(&pfd, 1, 0) <= 0)
			break;
		q->fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (q->fd < 0) {
			ret = -errno;
			if (ret == -EAGAIN)
				break;
			pr_err_rc(ret, "pid %d: fd %d: %s: cannot take a connection of its accept queue",
				  (int)ctx->pid, s->fd, a);
			return ret;
		}
		s->nr_queue++;
		len = sizeof(q->src);
		if (getsockname(q->fd, &q->src.sa, &len))
			return -errno;
		len = sizeof(q->dst);
		if (getpeername(q->fd, &q->dst.sa, &len))
			return -errno;
	}
	return 0;
}

/* Save the connections take_queue() took, now that the lock holds them. */
static int save_queue(struct dump_ctx *ctx, struct inet_sock *s)
{
	const char *what = NULL;
	char a[128], b[128];
	int ret;

	sk_name(s, a, sizeof(a));
	for (size_t i = 0; i < s->nr_queue; i++) {
		struct queued_conn *q = &s->queue[i];

		ret = tcp_repair_on(q->fd);
		what = "repair mode";
		if (!ret)
			ret = tcp_repair_save(q->fd, &q->st, &what);
		if (!ret)
			ret = acceptq_conn_supported(&q->st, &what);
		if (ret) {
			pr_err_rc(ret, "pid %d: fd %d: %s: connection %s of its accept queue: %s",
				  (int)ctx->pid, s->fd, a, conn_name(&q->src, &q->dst, b, sizeof(b)),
				  what);
			return ret;
		}
		tcp_queued_conn__init(&q->q);
		set_addr(&q->st.src, q->src_raw, &q->q.src_addr, &q->q.src_port);
		set_addr(&q->st.dst, q->dst_raw, &q->q.dst_addr, &q->q.dst_port);
		q->q.state = q->st.state;
		fill_stream(&q->t, &q->st);
		q->q.tcp = &q->t;
		s->queue_entries[i] = &q->q;
		pr_info("pid %d: fd %d: %s: took %s from its accept queue, %u bytes to read%s",
			(int)ctx->pid, s->fd, a, conn_name(&q->src, &q->dst, b, sizeof(b)),
			q->st.inq_len, q->st.state == TCP_CLOSE_WAIT ? ", closed by the peer" : "");
	}
	s->e.n_accept_queue = s->nr_queue;
	s->e.accept_queue = s->queue_entries;
	return 0;
}

/*
 * The process carries on: its listener's connections go back into its
 * queue, in order (the network lock still holds their peers back).
 */
static int return_queue(struct dump_ctx *ctx, struct inet_sock *s)
{
	struct tcp_repair_state *conns = calloc(s->nr_queue, sizeof(*conns));
	const char *what = NULL;
	size_t done = 0;
	char a[128];
	int home, ret;

	if (!conns)
		return -ENOMEM;
	/* Their sockets first: the refilled ones take the same addresses. */
	for (size_t i = 0; i < s->nr_queue; i++) {
		struct queued_conn *q = &s->queue[i];

		/* One taken but not saved yet (the dump failed in between): saved now, still locked. */
		if (!q->st.family && (tcp_repair_on(q->fd) || tcp_repair_save(q->fd, &q->st, &what)))
			pr_warn("pid %d: fd %d: cannot save a connection of its accept queue",
				(int)ctx->pid, s->fd);
		conns[i] = q->st;
		close(q->fd);
		q->fd = -1;
	}
	ret = netns_enter(ctx->pid, &home);
	if (!ret) {
		ret = acceptq_refill(conns, s->nr_queue, &done, &what);
		if (netns_return(home) && !ret)
			ret = -EIO;
	} else {
		what = "entering its network namespace";
	}
	if (ret)
		pr_err_rc(ret, "pid %d: fd %d: %s: %zu of the %zu connections of its accept queue are lost: %s",
			  (int)ctx->pid, s->fd, sk_name(s, a, sizeof(a)), s->nr_queue - done, s->nr_queue,
			  what);
	else
		pr_info("pid %d: fd %d: %s: its %zu connection%s back in its accept queue", (int)ctx->pid,
			s->fd, sk_name(s, a, sizeof(a)), done, done > 1 ? "s" : "");
	free(conns);
	return ret;
}

static int read_socket(struct dump_ctx *ctx, struct inet_sock *s)
{
	const char *what = NULL;
	char a[128];
	int ret, q;

	build_entry(s);
	if (s->state == TCP_LISTEN && s->proto == IPPROTO_TCP)
		return take_queue(ctx, s);
	if (s->proto == IPPROTO_UDP && ioctl(s->lfd, SIOCINQ, &q) == 0 && q > 0)
		pr_warn("pid %d: fd %d: %s: its queued datagrams are not dumped (dropped, as a network may)",
			(int)ctx->pid, s->fd, sk_name(s, a, sizeof(a)));
	if (!is_conn_state(s))
		return 0;
	ret = tcp_repair_on(s->lfd);
	if (ret) {
		pr_err_rc(ret, "pid %d: fd %d: %s: cannot put it in repair mode", (int)ctx->pid, s->fd,
			  sk_name(s, a, sizeof(a)));
		return ret;
	}
	s->repaired = true;
	ret = tcp_repair_save(s->lfd, &s->tcp, &what);
	if (ret) {
		pr_err_rc(ret, "pid %d: fd %d: %s: %s", (int)ctx->pid, s->fd, sk_name(s, a, sizeof(a)),
			  what);
		return ret;
	}
	/* The state may have moved on between the first look and the freeze of its queues. */
	s->e.state = s->state = s->tcp.state;
	build_tcp(s);
	pr_info("pid %d: fd %d: %s: state %d, %u bytes to send (%u unsent), %u to read",
		(int)ctx->pid, s->fd, sk_name(s, a, sizeof(a)), s->state, s->tcp.outq_len,
		s->tcp.unsent_len, s->tcp.inq_len);
	return 0;
}

int sk_inet_prepare(struct dump_ctx *ctx)
{
	struct sk_inet_dump *d = calloc(1, sizeof(*d));
	size_t queued = 0;
	int ret;

	if (!d)
		return -ENOMEM;
	ctx->inet = d;
	ret = take_all(d, ctx->pid);
	if (ret || !d->nr_sk)
		return ret;
	if (!ctx->opts->tcp_established) {
		ret = refuse_connections(d, ctx->pid);
		if (ret)
			return ret;
	}
	ret = lock_network(ctx, d, false);
	if (ret)
		return ret;
	drain_handshakes(ctx, d);
	for (size_t i = 0; i < d->nr_sk && !ret; i++) {
		ret = read_socket(ctx, &d->sk[i]);
		queued += d->sk[i].nr_queue;
	}
	if (!ret && queued)
		ret = lock_network(ctx, d, true);
	for (size_t i = 0; i < d->nr_sk && !ret; i++)
		ret = save_queue(ctx, &d->sk[i]);
	return ret;
}

int sk_inet_describe(struct dump_ctx *ctx, int fd, FileEntry *fe)
{
	struct sk_inet_dump *d = ctx->inet;

	for (size_t i = 0; d && i < d->nr_fds; i++)
		if (d->fds[i].fd == fd) {
			fe->kind = FD_KIND__FD_INET_SK;
			fe->inet_sk = &d->sk[d->fds[i].sk].e;
			return 0;
		}
	return -ENOENT;
}

int sk_inet_finish(struct dump_ctx *ctx, bool killed)
{
	struct sk_inet_dump *d = ctx->inet;
	const char *what = NULL;
	int ret = 0, r;

	if (!d)
		return 0;
	for (size_t i = 0; i < d->nr_sk; i++) {
		struct inet_sock *s = &d->sk[i];

		/* Killed: left in repair mode, the target's close sends nothing. */
		if (s->repaired && !killed) {
			r = tcp_repair_off(s->lfd);
			if (r) {
				pr_err_rc(r, "pid %d: fd %d: cannot take it out of repair mode",
					  (int)ctx->pid, s->fd);
				if (!ret)
					ret = r;
			}
		}
		/* Killed: the taken connections are closed in repair mode, silently. */
		if (s->nr_queue && !killed) {
			r = return_queue(ctx, s);
			if (!ret)
				ret = r;
		}
		for (size_t j = 0; j < s->nr_queue; j++) {
			if (s->queue[j].fd >= 0)
				close(s->queue[j].fd);
			tcp_repair_state_free(&s->queue[j].st);
		}
		free(s->queue);
		free(s->queue_entries);
		close(s->lfd);
		tcp_repair_state_free(&s->tcp);
	}
	if (d->locked && !killed) {
		r = netlock_unlock(d->table, &what);
		if (r) {
			pr_err_rc(r, "pid %d: cannot remove the network lock (nftables table inet %s): %s",
				  (int)ctx->pid, d->table, what);
			if (!ret)
				ret = r;
		} else {
			r = action_scripts_run(&ctx->opts->scripts, ACT_NETWORK_UNLOCK, ctx->pid,
					       ctx->opts->images_dir);
			if (!ret)
				ret = r;
		}
	} else if (d->locked) {
		pr_info("pid %d: the network stays locked (nftables table inet %s) until lmig restore",
			(int)ctx->pid, d->table);
	}
	free(d->sk);
	free(d->fds);
	free(d);
	ctx->inet = NULL;
	return ret;
}
