#include "config.h"
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net/segment.h"
#include "net/tcp-repair.h"

#define TCPF(s)		(1u << (s))

/*
 * Where a FIN sits, by state (the same reasoning as CRIU's soccr):
 * we sent one (first, or after the peer's), the peer sent one (first,
 * or after ours), and whether the other side acknowledged ours.
 */
#define SNDQ_FIRST_FIN	(TCPF(TCP_FIN_WAIT1) | TCPF(TCP_FIN_WAIT2) | TCPF(TCP_CLOSING))
#define SNDQ_SECOND_FIN	(TCPF(TCP_LAST_ACK))
#define SNDQ_FIN_ACKED	(TCPF(TCP_FIN_WAIT2))
#define RCVQ_FIRST_FIN	(TCPF(TCP_CLOSE_WAIT) | TCPF(TCP_LAST_ACK))
#define RCVQ_SECOND_FIN	(TCPF(TCP_CLOSING))

#define SUPPORTED_STATES (TCPF(TCP_ESTABLISHED) | SNDQ_FIRST_FIN | SNDQ_SECOND_FIN | \
			  RCVQ_FIRST_FIN | RCVQ_SECOND_FIN)

static int fail(const char **what, const char *step)
{
	int ret = -errno;

	if (what)
		*what = step;
	return ret ? ret : -EIO;
}

static int setopt(int fd, int name, int val)
{
	return setsockopt(fd, SOL_TCP, name, &val, sizeof(val));
}

int tcp_repair_on(int fd)
{
	return setopt(fd, TCP_REPAIR, TCP_REPAIR_ON) ? -errno : 0;
}

int tcp_repair_off(int fd)
{
	return setopt(fd, TCP_REPAIR, TCP_REPAIR_OFF) ? -errno : 0;
}

bool tcp_repair_state_supported(int state)
{
	return state >= 0 && state < 32 && (SUPPORTED_STATES & TCPF(state));
}

void tcp_repair_state_free(struct tcp_repair_state *st)
{
	free(st->inq);
	free(st->outq);
	st->inq = st->outq = NULL;
	st->inq_len = st->outq_len = st->unsent_len = 0;
}

/* The sequence number of queue q, and its len bytes peeked (len + 1 asked: exactly len must come). */
static int read_queue(int fd, int q, uint32_t *seq, uint32_t len, uint8_t **buf)
{
	socklen_t sl = sizeof(*seq);
	ssize_t n;

	*buf = NULL;
	if (setopt(fd, TCP_REPAIR_QUEUE, q) || getsockopt(fd, SOL_TCP, TCP_QUEUE_SEQ, seq, &sl))
		return -errno;
	if (!len)
		return 0;
	*buf = malloc((size_t)len + 1);
	if (!*buf)
		return -ENOMEM;
	n = recv(fd, *buf, (size_t)len + 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == (ssize_t)len)
		return 0;
	free(*buf);
	*buf = NULL;
	return n < 0 ? -errno : -EIO;
}

int tcp_repair_save(int fd, struct tcp_repair_state *st, const char **what)
{
	union tcp_repair_addr src, dst;
	struct tcp_repair_window w;
	struct tcp_info ti;
	socklen_t len;
	int outq, unsent, inq, ret;
	unsigned mstate;

	memset(st, 0, sizeof(*st));
	len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len))
		return fail(what, "TCP_INFO");
	if (!tcp_repair_state_supported(ti.tcpi_state)) {
		if (what)
			*what = "not a connected TCP socket";
		return -ENOTCONN;
	}
	mstate = TCPF(ti.tcpi_state);
	len = sizeof(src);
	if (getsockname(fd, &src.sa, &len))
		return fail(what, "getsockname");
	len = sizeof(dst);
	if (getpeername(fd, &dst.sa, &len))
		return fail(what, "getpeername");
	if (ioctl(fd, SIOCOUTQ, &outq) || ioctl(fd, SIOCOUTQNSD, &unsent) ||
	    ioctl(fd, SIOCINQ, &inq))
		return fail(what, "queue sizes");
	/* A FIN we sent takes a sequence number, not a byte of the send queue. */
	if (mstate & (SNDQ_FIRST_FIN | SNDQ_SECOND_FIN)) {
		if (outq)
			outq--;
		if (unsent)
			unsent--;
	}
	if (outq < 0 || unsent < 0 || unsent > outq || inq < 0) {
		if (what)
			*what = "queue sizes";
		return -EIO;
	}

	len = sizeof(st->mss_clamp);
	if (getsockopt(fd, SOL_TCP, TCP_MAXSEG, &st->mss_clamp, &len))
		return fail(what, "TCP_MAXSEG");
	st->opt_mask = ti.tcpi_options & (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE);
	if (st->opt_mask & TCPI_OPT_WSCALE) {
		st->snd_wscale = ti.tcpi_snd_wscale;
		st->rcv_wscale = ti.tcpi_rcv_wscale;
	}
	if (st->opt_mask & TCPI_OPT_TIMESTAMPS) {
		len = sizeof(st->timestamp);
		if (getsockopt(fd, SOL_TCP, TCP_TIMESTAMP, &st->timestamp, &len))
			return fail(what, "TCP_TIMESTAMP");
	}
	len = sizeof(w);
	if (getsockopt(fd, SOL_TCP, TCP_REPAIR_WINDOW, &w, &len))
		return fail(what, "TCP_REPAIR_WINDOW");
	st->has_window = true;
	st->snd_wl1 = w.snd_wl1;
	st->snd_wnd = w.snd_wnd;
	st->max_window = w.max_window;
	st->rcv_wnd = w.rcv_wnd;
	st->rcv_wup = w.rcv_wup;

	st->family = src.sa.sa_family;
	st->src = src;
	st->dst = dst;
	st->state = ti.tcpi_state;
	st->inq_len = inq;
	st->outq_len = outq;
	st->unsent_len = unsent;
	ret = read_queue(fd, TCP_RECV_QUEUE, &st->inq_seq, st->inq_len, &st->inq);
	if (ret) {
		if (what)
			*what = "reading the receive queue";
		goto err;
	}
	ret = read_queue(fd, TCP_SEND_QUEUE, &st->outq_seq, st->outq_len, &st->outq);
	if (ret) {
		if (what)
			*what = "reading the send queue";
		goto err;
	}
	setopt(fd, TCP_REPAIR_QUEUE, TCP_NO_QUEUE);
	return 0;
err:
	setopt(fd, TCP_REPAIR_QUEUE, TCP_NO_QUEUE);
	tcp_repair_state_free(st);
	return ret;
}

static int set_seq(int fd, int q, uint32_t seq)
{
	if (setopt(fd, TCP_REPAIR_QUEUE, q) || setsockopt(fd, SOL_TCP, TCP_QUEUE_SEQ, &seq, sizeof(seq)))
		return -errno;
	return 0;
}

/*
 * Write buf into the queue selected before. Never blocks: nothing will
 * free room while the connection is being restored. In repair mode the
 * receive queue takes one linear buffer per call, so a refused large
 * chunk is retried in smaller ones.
 */
static int write_queue(int fd, const uint8_t *buf, uint32_t len)
{
	uint32_t chunk = len;

	while (len) {
		ssize_t n = send(fd, buf, chunk < len ? chunk : len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && errno == ENOMEM && chunk > 4096) {
				chunk /= 2;
				continue;
			}
			return n < 0 ? -errno : -EIO;
		}
		buf += n;
		len -= (uint32_t)n;
	}
	return 0;
}

static socklen_t addr_len(const union tcp_repair_addr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->v6) : sizeof(a->v4);
}

/*
 * Send the socket a segment as if from its peer (FIN, or the ACK of our
 * FIN): what a half-closed connection received before the dump but no
 * queue can hold.
 */
static int inject(const struct tcp_repair_state *st, uint8_t flags, uint32_t seq, uint32_t ack)
{
	uint32_t win = st->snd_wnd >> st->snd_wscale;
	struct tcp_segment seg = {
		.local = &st->src, .peer = &st->dst, .seq = seq, .ack = ack, .flags = flags,
		/* The window the peer last advertised, so that ours to it stays as restored. */
		.window = win > 0xffff ? 0xffff : (uint16_t)win,
	};
	int fd, ret;

	fd = tcp_segment_socket(st->family, tcp_segment_is_v4(&st->src));
	if (fd < 0)
		return fd;
	ret = tcp_segment_send(fd, &seg);
	close(fd);
	return ret;
}

/* Put our FIN in the send queue; acked: as sent already (the peer has it). */
static int restore_our_fin(int fd, bool acked)
{
	if (setopt(fd, TCP_REPAIR_QUEUE, acked ? TCP_SEND_QUEUE : TCP_NO_QUEUE))
		return -errno;
	if (shutdown(fd, SHUT_WR))
		return -errno;
	return setopt(fd, TCP_REPAIR_QUEUE, TCP_NO_QUEUE) ? -errno : 0;
}

int tcp_repair_restore(int fd, const struct tcp_repair_state *st, const char **what)
{
	unsigned mstate = TCPF(st->state);
	uint32_t inq_seq = st->inq_seq, outq_seq = st->outq_seq, sent;
	struct tcp_repair_opt opts[4];
	int n = 0, ret;

	if (!tcp_repair_state_supported(st->state) || st->unsent_len > st->outq_len ||
	    (st->inq_len && !st->inq) || (st->outq_len && !st->outq) ||
	    (st->family != AF_INET && st->family != AF_INET6) ||
	    st->src.sa.sa_family != st->family || st->dst.sa.sa_family != st->family) {
		if (what)
			*what = "inconsistent connection state";
		return -EINVAL;
	}
	if (bind(fd, &st->src.sa, addr_len(&st->src)))
		return fail(what, "bind to the local address");
	/* A FIN received or sent is put back below, and counts again then. */
	if (mstate & (RCVQ_FIRST_FIN | RCVQ_SECOND_FIN))
		inq_seq--;
	if (mstate & (SNDQ_FIRST_FIN | SNDQ_SECOND_FIN))
		outq_seq--;
	ret = set_seq(fd, TCP_RECV_QUEUE, inq_seq - st->inq_len);
	if (!ret)
		ret = set_seq(fd, TCP_SEND_QUEUE, outq_seq - st->outq_len);
	if (ret) {
		if (what)
			*what = "setting the sequence numbers";
		return ret;
	}
	/* In repair mode connect() sends nothing: it only names the peer. */
	if (connect(fd, &st->dst.sa, addr_len(&st->dst)))
		return fail(what, "connect to the peer");

	if (st->opt_mask & TCPI_OPT_SACK)
		opts[n++] = (struct tcp_repair_opt){ TCPOPT_SACK_PERMITTED, 0 };
	if (st->opt_mask & TCPI_OPT_WSCALE)
		opts[n++] = (struct tcp_repair_opt){ TCPOPT_WINDOW,
						     st->snd_wscale | (uint32_t)st->rcv_wscale << 16 };
	if (st->opt_mask & TCPI_OPT_TIMESTAMPS)
		opts[n++] = (struct tcp_repair_opt){ TCPOPT_TIMESTAMP, 0 };
	opts[n++] = (struct tcp_repair_opt){ TCPOPT_MAXSEG, st->mss_clamp };
	if (setsockopt(fd, SOL_TCP, TCP_REPAIR_OPTIONS, opts, n * sizeof(opts[0])))
		return fail(what, "TCP_REPAIR_OPTIONS");
	if ((st->opt_mask & TCPI_OPT_TIMESTAMPS) &&
	    setsockopt(fd, SOL_TCP, TCP_TIMESTAMP, &st->timestamp, sizeof(st->timestamp)))
		return fail(what, "TCP_TIMESTAMP");

	if (st->inq_len) {
		ret = setopt(fd, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE) ? -errno : 0;
		if (!ret)
			ret = write_queue(fd, st->inq, st->inq_len);
		if (ret) {
			if (what)
				*what = "refilling the receive queue (is SO_RCVBUF large enough?)";
			return ret;
		}
	}
	if (st->has_window) {
		struct tcp_repair_window w = {
			.snd_wl1 = st->snd_wl1, .snd_wnd = st->snd_wnd,
			.max_window = st->max_window, .rcv_wnd = st->rcv_wnd,
			.rcv_wup = st->rcv_wup,
		};

		/* The peer's FIN is not in yet: it will advance rcv_nxt by one. */
		if (mstate & (RCVQ_FIRST_FIN | RCVQ_SECOND_FIN)) {
			w.rcv_wup--;
			w.rcv_wnd++;
		}
		if (setsockopt(fd, SOL_TCP, TCP_REPAIR_WINDOW, &w, sizeof(w)))
			return fail(what, "TCP_REPAIR_WINDOW");
	}
	/* What was sent goes back as sent (the peer may acknowledge it) ... */
	sent = st->outq_len - st->unsent_len;
	if (sent) {
		if (setopt(fd, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE))
			return fail(what, "TCP_REPAIR_QUEUE");
		ret = write_queue(fd, st->outq, sent);
		if (ret) {
			if (what)
				*what = "refilling the send queue (is SO_SNDBUF large enough?)";
			return ret;
		}
	}
	/* ... and what never left is written like any data, out of repair mode. */
	if (st->unsent_len) {
		if (setopt(fd, TCP_REPAIR_QUEUE, TCP_NO_QUEUE) ||
		    setopt(fd, TCP_REPAIR, TCP_REPAIR_OFF_NO_WP))
			return fail(what, "leaving repair mode for the unsent data");
		ret = write_queue(fd, st->outq + sent, st->unsent_len);
		if (setopt(fd, TCP_REPAIR, TCP_REPAIR_ON) && !ret)
			ret = -errno;
		if (ret) {
			if (what)
				*what = "writing the unsent data (is SO_SNDBUF large enough?)";
			return ret;
		}
	}
	setopt(fd, TCP_REPAIR_QUEUE, TCP_NO_QUEUE);

	/* FINs, in the order they happened. */
	if (mstate & SNDQ_FIRST_FIN) {
		ret = restore_our_fin(fd, mstate & SNDQ_FIN_ACKED);
		if (ret) {
			if (what)
				*what = "restoring our FIN";
			return ret;
		}
	}
	if (mstate & (RCVQ_FIRST_FIN | RCVQ_SECOND_FIN)) {
		/* It acknowledged what it had of ours: nothing of the send queue. */
		ret = inject(st, TH_FIN | TH_ACK, inq_seq, outq_seq - st->outq_len);
		if (ret) {
			if (what)
				*what = "sending the peer's FIN to the socket";
			return ret;
		}
	}
	if (mstate & SNDQ_SECOND_FIN) {
		ret = restore_our_fin(fd, false);
		if (ret) {
			if (what)
				*what = "restoring our FIN";
			return ret;
		}
	}
	if (mstate & SNDQ_FIN_ACKED) {
		ret = inject(st, TH_ACK, st->inq_seq, st->outq_seq);
		if (ret) {
			if (what)
				*what = "acknowledging our FIN to the socket";
			return ret;
		}
	}
	return 0;
}
