#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/acceptq.h"
#include "net/bpf.h"
#include "net/segment.h"

#define KFUNC		"bpf_sk_assign_tcp_reqsk"
#define TCX_NEXT	(-1)	/* let the packet go on as if no program ran */
#define MAX_PROG	128	/* the program is about 60 */

/* The kernel's struct bpf_tcp_req_attrs (include/net/tcp.h, 6.9): BTF only, no uapi header. */
struct req_attrs {
	uint32_t rcv_tsval, rcv_tsecr;
	uint16_t mss;
	uint8_t rcv_wscale, snd_wscale, ecn_ok, wscale_ok, sack_ok, tstamp_ok, usec_ts_ok;
	uint8_t reserved[3];
};

/* What user space tells the program about the one ACK it waits for (the map's only value). */
struct slot {
	struct bpf_sock_tuple tuple;	/* for the listener's lookup: peer -> local */
	uint32_t tuple_len;		/* of tuple.ipv4 or tuple.ipv6 */
	uint32_t tcp_off;		/* the TCP header in the skb */
	uint32_t head[3];		/* its ports, seq and ack as on the wire */
	uint32_t armed;			/* cleared by the program when it has seen the ACK */
	int32_t result;			/* the kernel function's return */
	struct req_attrs attrs;
};

/* A program under construction, with forward jumps to labels. */
enum label { L_OUT, L_V6, L_GOT, L_NOTFOUND, NR_LABELS };

struct prog {
	struct bpf_insn insn[MAX_PROG];
	int n;
	int at[NR_LABELS];
	int from[MAX_PROG];		/* label + 1 a jump at this index goes to, or 0 */
};

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static void emit(struct prog *p, struct bpf_insn i)
{
	if (p->n < MAX_PROG)
		p->insn[p->n++] = i;
}

static void jump(struct prog *p, uint8_t op, uint8_t reg, int32_t imm, enum label to)
{
	p->from[p->n] = (int)to + 1;
	emit(p, INSN(BPF_JMP | op | BPF_K, reg, 0, 0, imm));
}

static void jump_reg(struct prog *p, uint8_t reg, uint8_t src, enum label to)
{
	p->from[p->n] = (int)to + 1;
	emit(p, INSN(BPF_JMP | BPF_JNE | BPF_X, reg, src, 0, 0));
}

static void label(struct prog *p, enum label l)
{
	p->at[l] = p->n;
}

static void link_jumps(struct prog *p)
{
	for (int i = 0; i < p->n; i++)
		if (p->from[i])
			p->insn[i].off = (int16_t)(p->at[p->from[i] - 1] - i - 1);
}

#define MOV_REG(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD_IMM(d, i)	INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define AND_IMM(d, i)	INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define LDX_W(d, s, o)	INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define LDX_B(d, s, o)	INSN(BPF_LDX | BPF_MEM | BPF_B, d, s, o, 0)
#define STX_W(d, s, o)	INSN(BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
#define ST_W(d, o, i)	INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
#define CALL(f)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define KCALL(id)	INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, id)
#define EXIT()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define SLOT(f)		((int16_t)offsetof(struct slot, f))

/*
 * The classifier: for a packet with our mark whose TCP header starts
 * with the slot's ports, seq and ack and has ACK alone of SYN, RST,
 * FIN, ACK, find the listener of the slot's tuple and hand it a request
 * socket with the slot's attributes. Everything else passes untouched.
 */
static void build_prog(struct prog *p, int map_fd, int kfunc_id)
{
	memset(p, 0, sizeof(*p));
	emit(p, MOV_REG(BPF_REG_6, BPF_REG_1));
	emit(p, LDX_W(BPF_REG_1, BPF_REG_6, offsetof(struct __sk_buff, mark)));
	jump(p, BPF_JNE, BPF_REG_1, TCP_REPAIR_MARK, L_OUT);
	emit(p, ST_W(BPF_REG_10, -4, 0));
	emit(p, MOV_REG(BPF_REG_2, BPF_REG_10));
	emit(p, ADD_IMM(BPF_REG_2, -4));
	emit(p, INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map_fd));
	emit(p, INSN(0, 0, 0, 0, 0));
	emit(p, CALL(BPF_FUNC_map_lookup_elem));
	jump(p, BPF_JEQ, BPF_REG_0, 0, L_OUT);
	emit(p, MOV_REG(BPF_REG_7, BPF_REG_0));
	emit(p, LDX_W(BPF_REG_1, BPF_REG_7, SLOT(armed)));
	jump(p, BPF_JEQ, BPF_REG_1, 0, L_OUT);
	/* The first 16 bytes of the TCP header to fp-24. */
	emit(p, MOV_REG(BPF_REG_1, BPF_REG_6));
	emit(p, LDX_W(BPF_REG_2, BPF_REG_7, SLOT(tcp_off)));
	emit(p, MOV_REG(BPF_REG_3, BPF_REG_10));
	emit(p, ADD_IMM(BPF_REG_3, -24));
	emit(p, MOV_IMM(BPF_REG_4, 16));
	emit(p, CALL(BPF_FUNC_skb_load_bytes));
	jump(p, BPF_JNE, BPF_REG_0, 0, L_OUT);
	for (int i = 0; i < 3; i++) {
		emit(p, LDX_W(BPF_REG_1, BPF_REG_10, (int16_t)(-24 + 4 * i)));
		emit(p, LDX_W(BPF_REG_2, BPF_REG_7, (int16_t)(SLOT(head) + 4 * i)));
		jump_reg(p, BPF_REG_1, BPF_REG_2, L_OUT);
	}
	emit(p, LDX_B(BPF_REG_1, BPF_REG_10, -24 + 13));
	emit(p, AND_IMM(BPF_REG_1, TH_FIN | TH_SYN | TH_RST | TH_ACK));
	jump(p, BPF_JNE, BPF_REG_1, TH_ACK, L_OUT);
	/* Ours: one packet only. */
	emit(p, ST_W(BPF_REG_7, SLOT(armed), 0));
	emit(p, MOV_REG(BPF_REG_1, BPF_REG_6));
	emit(p, MOV_REG(BPF_REG_2, BPF_REG_7));
	emit(p, MOV_IMM(BPF_REG_4, -1));	/* BPF_F_CURRENT_NETNS */
	emit(p, MOV_IMM(BPF_REG_5, 0));
	emit(p, LDX_W(BPF_REG_3, BPF_REG_7, SLOT(tuple_len)));
	jump(p, BPF_JEQ, BPF_REG_3, sizeof(((struct bpf_sock_tuple *)0)->ipv6), L_V6);
	emit(p, MOV_IMM(BPF_REG_3, sizeof(((struct bpf_sock_tuple *)0)->ipv4)));
	emit(p, CALL(BPF_FUNC_sk_lookup_tcp));
	jump(p, BPF_JA, 0, 0, L_GOT);
	label(p, L_V6);
	emit(p, MOV_IMM(BPF_REG_3, sizeof(((struct bpf_sock_tuple *)0)->ipv6)));
	emit(p, CALL(BPF_FUNC_sk_lookup_tcp));
	label(p, L_GOT);
	jump(p, BPF_JEQ, BPF_REG_0, 0, L_NOTFOUND);
	emit(p, MOV_REG(BPF_REG_8, BPF_REG_0));
	emit(p, MOV_REG(BPF_REG_1, BPF_REG_6));
	emit(p, MOV_REG(BPF_REG_2, BPF_REG_8));
	emit(p, MOV_REG(BPF_REG_3, BPF_REG_7));
	emit(p, ADD_IMM(BPF_REG_3, SLOT(attrs)));
	emit(p, MOV_IMM(BPF_REG_4, sizeof(struct req_attrs)));
	emit(p, KCALL(kfunc_id));
	emit(p, STX_W(BPF_REG_7, BPF_REG_0, SLOT(result)));
	emit(p, MOV_REG(BPF_REG_1, BPF_REG_8));
	emit(p, CALL(BPF_FUNC_sk_release));
	jump(p, BPF_JA, 0, 0, L_OUT);
	label(p, L_NOTFOUND);
	emit(p, ST_W(BPF_REG_7, SLOT(result), -ENOENT));
	label(p, L_OUT);
	emit(p, MOV_IMM(BPF_REG_0, TCX_NEXT));
	emit(p, EXIT());
	link_jumps(p);
}

/* The program, loaded and attached to lo; each fd -1 when not open. */
struct classifier {
	int map, prog, link;
};

static void classifier_close(struct classifier *c)
{
	if (c->link >= 0)
		close(c->link);
	if (c->prog >= 0)
		close(c->prog);
	if (c->map >= 0)
		close(c->map);
}

static int classifier_open(struct classifier *c, const char **what)
{
	struct prog p;
	char log[4096];
	int id, lo;

	c->map = c->prog = c->link = -1;
	*what = "finding " KFUNC " in the kernel's BTF (Linux 6.9 or later)";
	id = bpf_kfunc_btf_id(KFUNC);
	if (id < 0)
		return id;
	*what = "creating the BPF map";
	c->map = bpf_slot_create(sizeof(struct slot));
	if (c->map < 0)
		goto fail;
	build_prog(&p, c->map, id);
	*what = "loading the BPF classifier";
	c->prog = bpf_classifier_load(p.insn, (size_t)p.n, log, sizeof(log));
	if (c->prog < 0)
		goto fail;
	*what = "attaching the classifier to lo (tcx, Linux 6.6 or later)";
	lo = (int)if_nametoindex("lo");
	c->link = lo ? bpf_tcx_ingress_attach(c->prog, lo) : -ENODEV;
	if (c->link < 0)
		goto fail;
	return 0;
fail:
	id = c->map < 0 ? c->map : c->prog < 0 ? c->prog : c->link;
	classifier_close(c);
	return id;
}

/* The kernel completes a queued connection as a SYN cookie: not with cookies off. */
static bool syncookies_off(void)
{
	int fd = open("/proc/sys/net/ipv4/tcp_syncookies", O_RDONLY | O_CLOEXEC);
	char v[8] = "";
	bool off;

	if (fd < 0)
		return false;
	off = read(fd, v, sizeof(v) - 1) > 0 && v[0] == '0';
	close(fd);
	return off;
}

int acceptq_probe(const char **why)
{
	struct classifier c;
	int ret;

	ret = classifier_open(&c, why);
	if (ret)
		return ret;
	classifier_close(&c);
	if (syncookies_off()) {
		*why = "net.ipv4.tcp_syncookies is 0 in this network namespace";
		return -ENOTSUP;
	}
	return 0;
}

int acceptq_conn_supported(const struct tcp_repair_state *st, const char **why)
{
	uint32_t min_mss = tcp_segment_is_v4(&st->src) ? 536 : 1220;

	*why = NULL;
	if (st->state != TCP_ESTABLISHED && st->state != TCP_CLOSE_WAIT)
		*why = "it is neither established nor closed by its peer only";
	else if (st->outq_len)
		*why = "it holds data of ours not yet acknowledged";
	else if (st->mss_clamp < min_mss || st->mss_clamp > 0xffff)
		*why = "its MSS is out of range";
	else if ((st->opt_mask & TCPI_OPT_WSCALE) && (st->snd_wscale > 14 || st->rcv_wscale > 14))
		*why = "its window scale is out of range";
	else if (!st->has_window)
		*why = "its window is unknown";
	return *why ? -ENOTSUP : 0;
}

/*
 * The state and unread bytes (counting a FIN) of the socket of st's
 * connection, through sock_diag; -ENOENT when there is none.
 */
static int diag_conn(const struct tcp_repair_state *st, uint8_t *state, uint32_t *rqueue)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
	} req;
	union {
		struct nlmsghdr nh;
		uint8_t buf[1024];
	} resp;
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	const struct nlmsghdr *h;
	ssize_t n;
	int fd, ret;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.r.sdiag_family = (uint8_t)st->family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0u;
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (st->family == AF_INET) {
		req.r.id.idiag_sport = st->src.v4.sin_port;
		req.r.id.idiag_dport = st->dst.v4.sin_port;
		memcpy(req.r.id.idiag_src, &st->src.v4.sin_addr, 4);
		memcpy(req.r.id.idiag_dst, &st->dst.v4.sin_addr, 4);
	} else {
		req.r.id.idiag_sport = st->src.v6.sin6_port;
		req.r.id.idiag_dport = st->dst.v6.sin6_port;
		memcpy(req.r.id.idiag_src, &st->src.v6.sin6_addr, 16);
		memcpy(req.r.id.idiag_dst, &st->dst.v6.sin6_addr, 16);
	}
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, &resp, sizeof(resp), 0);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	h = &resp.nh;
	ret = -EIO;
	if (!NLMSG_OK(h, (size_t)n))
		goto out;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		ret = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? e->error : -EIO;
		goto out;
	}
	if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
	    h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
		const struct inet_diag_msg *m = NLMSG_DATA(h);

		/* Without the connection's socket the lookup falls back to its listener. */
		if (m->idiag_state == TCP_LISTEN || m->id.idiag_dport != req.r.id.idiag_dport) {
			ret = -ENOENT;
			goto out;
		}
		*state = m->idiag_state;
		*rqueue = m->idiag_rqueue;
		ret = 0;
	}
out:
	close(fd);
	return ret;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait (a little) for the connection's socket to show `want` unread bytes; -ETIMEDOUT if not. */
static int wait_rqueue(const struct tcp_repair_state *st, uint32_t want, unsigned ms)
{
	uint64_t end = now_ms() + ms;
	uint32_t rq = 0;
	uint8_t state;
	int ret;

	for (;;) {
		ret = diag_conn(st, &state, &rq);
		if (!ret && rq == want)
			return 0;
		if (ret && ret != -ENOENT)
			return ret;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		usleep(200);
	}
}

/* What the kernel's lookup of the listener takes: the ACK's source and destination. */
static void fill_tuple(struct slot *s, const struct tcp_repair_state *st)
{
	if (tcp_segment_is_v4(&st->src)) {
		s->tuple_len = sizeof(s->tuple.ipv4);
		if (st->family == AF_INET) {
			s->tuple.ipv4.saddr = st->dst.v4.sin_addr.s_addr;
			s->tuple.ipv4.daddr = st->src.v4.sin_addr.s_addr;
		} else {
			memcpy(&s->tuple.ipv4.saddr, &st->dst.v6.sin6_addr.s6_addr[12], 4);
			memcpy(&s->tuple.ipv4.daddr, &st->src.v6.sin6_addr.s6_addr[12], 4);
		}
		s->tuple.ipv4.sport = st->family == AF_INET ? st->dst.v4.sin_port : st->dst.v6.sin6_port;
		s->tuple.ipv4.dport = st->family == AF_INET ? st->src.v4.sin_port : st->src.v6.sin6_port;
	} else {
		s->tuple_len = sizeof(s->tuple.ipv6);
		memcpy(s->tuple.ipv6.saddr, &st->dst.v6.sin6_addr, 16);
		memcpy(s->tuple.ipv6.daddr, &st->src.v6.sin6_addr, 16);
		s->tuple.ipv6.sport = st->dst.v6.sin6_port;
		s->tuple.ipv6.dport = st->src.v6.sin6_port;
	}
}

/*
 * Segments of the peer as st saw them: the peer's next byte is
 * inq_seq - unread - FIN, and it has acknowledged all we sent.
 */
static void base_segment(struct tcp_segment *seg, const struct tcp_repair_state *st)
{
	uint32_t win = st->snd_wnd >> ((st->opt_mask & TCPI_OPT_WSCALE) ? st->snd_wscale : 0);

	memset(seg, 0, sizeof(*seg));
	seg->local = &st->src;
	seg->peer = &st->dst;
	seg->ack = st->outq_seq;
	seg->flags = TH_ACK;
	seg->window = win > 0xffff ? 0xffff : (uint16_t)win;
	/*
	 * tsval 0: the new socket's ts_recent is 0, which PAWS accepts any
	 * value after (the peer's real ones come next).
	 */
	seg->ts = !!(st->opt_mask & TCPI_OPT_TIMESTAMPS);
	seg->tsecr = st->timestamp;
}

/* Hand the listener the connection's final ACK, through the classifier. */
static int queue_one(const struct classifier *c, int raw, const struct tcp_repair_state *st,
		     uint32_t first_seq, const char **what)
{
	struct tcp_segment seg;
	struct slot s;
	uint8_t state;
	uint32_t rq;
	int ret;

	*what = "a socket of this connection already exists here";
	ret = diag_conn(st, &state, &rq);
	if (ret != -ENOENT)
		return ret ? ret : -EEXIST;
	base_segment(&seg, st);
	seg.seq = first_seq;

	memset(&s, 0, sizeof(s));
	fill_tuple(&s, st);
	s.tcp_off = (uint32_t)tcp_segment_tcp_offset(&st->src);
	tcp_segment_head(&seg, (uint8_t *)s.head);
	s.armed = 1;
	s.result = 1;
	s.attrs.mss = (uint16_t)st->mss_clamp;
	s.attrs.wscale_ok = !!(st->opt_mask & TCPI_OPT_WSCALE);
	if (s.attrs.wscale_ok) {
		s.attrs.snd_wscale = st->snd_wscale;
		s.attrs.rcv_wscale = st->rcv_wscale;
	}
	s.attrs.sack_ok = !!(st->opt_mask & TCPI_OPT_SACK);
	s.attrs.tstamp_ok = seg.ts;
	/* Our timestamps go on from where the dumped socket's were. */
	s.attrs.rcv_tsecr = st->timestamp;
	*what = "arming the classifier";
	ret = bpf_slot_write(c->map, &s);
	if (ret)
		return ret;
	*what = "sending the connection's ACK to the listener";
	ret = tcp_segment_send(raw, &seg);
	if (ret)
		return ret;
	*what = "waiting for the kernel to queue the connection";
	ret = wait_rqueue(st, 0, 1000);
	if (ret == -ETIMEDOUT && bpf_slot_read(c->map, &s) == 0 && s.result != 1) {
		*what = s.result == -ENOENT ? "no listener for the connection's address"
					    : "the kernel refused the request socket";
		return s.result < 0 ? s.result : -EIO;
	}
	return ret;
}

/*
 * Its unread bytes, then the FIN of a peer that closed its side: each
 * segment sent again until the socket has it (a window still closed
 * opens as the socket acknowledges what came before).
 */
static int send_data(int raw, const struct tcp_repair_state *st, uint32_t first_seq,
		     const char **what)
{
	bool fin = st->state == TCP_CLOSE_WAIT;
	uint32_t off = 0, chunk;
	struct tcp_segment seg;
	uint64_t end;
	int ret;

	base_segment(&seg, st);
	while (off < st->inq_len || fin) {
		chunk = st->inq_len - off;
		if (chunk > st->mss_clamp)
			chunk = st->mss_clamp;
		if (chunk > TCP_SEGMENT_MAX_DATA)
			chunk = TCP_SEGMENT_MAX_DATA;
		seg.seq = first_seq + off;
		seg.data = st->inq + off;
		seg.len = chunk;
		seg.flags = TH_ACK | (chunk ? TH_PUSH : 0);
		if (off + chunk == st->inq_len && fin)
			seg.flags |= TH_FIN;
		end = now_ms() + 3000;
		do {
			*what = "sending the connection's unread data";
			ret = tcp_segment_send(raw, &seg);
			if (!ret)
				ret = wait_rqueue(st, off + chunk + !!(seg.flags & TH_FIN), 20);
		} while (ret == -ETIMEDOUT && now_ms() < end);
		if (ret) {
			*what = "the new socket did not take the connection's unread data";
			return ret;
		}
		off += chunk;
		if (seg.flags & TH_FIN)
			break;
	}
	return 0;
}

int acceptq_refill(const struct tcp_repair_state *conns, size_t n, size_t *done,
		   const char **what)
{
	struct classifier c;
	int ret = 0, raw;

	*done = 0;
	if (!n)
		return 0;
	if (syncookies_off()) {
		*what = "net.ipv4.tcp_syncookies is 0 in this network namespace (the kernel completes "
			"a queued connection as a SYN cookie)";
		return -ENOTSUP;
	}
	ret = classifier_open(&c, what);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		const struct tcp_repair_state *st = &conns[i];
		uint32_t first_seq = st->inq_seq - st->inq_len - (st->state == TCP_CLOSE_WAIT);

		ret = acceptq_conn_supported(st, what);
		if (ret)
			break;
		*what = "opening a raw socket";
		raw = tcp_segment_socket(st->family, tcp_segment_is_v4(&st->src));
		if (raw < 0) {
			ret = raw;
			break;
		}
		ret = queue_one(&c, raw, st, first_seq, what);
		if (!ret)
			ret = send_data(raw, st, first_seq, what);
		close(raw);
		if (ret)
			break;
		(*done)++;
	}
	classifier_close(&c);
	return ret;
}
