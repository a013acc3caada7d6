/*
 * The transport above the back ends: choosing one, framing, crc32c,
 * page runs (zero elision, LZ4), and the receive checks.
 */
#define LOG_PREFIX "transport: "
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lz4.h>

#include "crc32c.h"
#include "log.h"
#include "transport/conn.h"
#include "transport/tls.h"

struct tp_listener {
	struct tp_blis *bl;
	struct tp_opts opts;
	bool has_key;
	struct tp_key key;
	struct tp_tls *tls;	/* NULL without --tls */
};

const char *const tp_backend_names[] = { "tcp", "uring", "rdma", NULL };

static const struct tp_backend *backend_find(const char *name)
{
	if (!name || !strcmp(name, "tcp"))
		return &tp_tcp_backend;
	if (!strcmp(name, "uring"))
		return &tp_uring_backend;
#ifdef HAVE_RDMA
	if (!strcmp(name, "rdma"))
		return &tp_rdma_backend;
#endif
	return NULL;
}

int tp_backend_probe(const char *name, const char **why)
{
	const struct tp_backend *be = backend_find(name);

	if (!be) {
		if (name && !strcmp(name, "rdma")) {
			*why = "rdma: not built (configure found no libibverbs/librdmacm)";
			return -EOPNOTSUPP;
		}
		*why = "no such transport (known: tcp, uring, rdma)";
		return -ENOENT;
	}
	return be->probe(why);
}

/* The back end for o, or NULL after an error line. */
static const struct tp_backend *backend_get(const struct tp_opts *o, int *rc)
{
	const char *why;

	*rc = tp_backend_probe(o->backend, &why);
	if (*rc) {
		pr_err("%s", why);
		return NULL;
	}
	return backend_find(o->backend);
}

static unsigned int timeout_of(const struct tp_opts *o)
{
	return o->timeout_ms ? o->timeout_ms : TP_DEFAULT_TIMEOUT_MS;
}

static bool addr_is_loopback(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return !strcmp(addr, "localhost");
}

int tp_listen(const struct tp_opts *o, const char *address, uint16_t port,
	      struct tp_listener **out)
{
	const struct tp_backend *be;
	struct tp_listener *l;
	int rc;

	be = backend_get(o, &rc);
	if (!be)
		return rc;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->opts = *o;
	l->opts.timeout_ms = timeout_of(o);
	if (o->auth_key_file) {
		rc = tp_key_load(o->auth_key_file, &l->key);
		if (rc)
			goto err;
		l->has_key = true;
	}
	if (o->tls.on) {
		rc = tp_tls_backend_ok(be);
		if (!rc)
			rc = tp_tls_new(&o->tls, true, &l->tls);
		if (rc)
			goto err;
	}
	if (!address)
		address = l->has_key || l->tls || o->insecure ? "0.0.0.0" : "127.0.0.1";
	if (!l->has_key && !l->tls && !o->insecure && !addr_is_loopback(address)) {
		pr_err("%s: refusing to listen on a non-loopback address without "
		       "an auth key or TLS (--auth-key FILE, --tls, or --insecure)", address);
		rc = -EPERM;
		goto err;
	}
	rc = be->listen(address, port, l->opts.timeout_ms, &l->bl);
	if (rc) {
		pr_err_rc(rc, "%s %s port %u: cannot listen", be->name, address, port);
		goto err;
	}
	pr_info("%s: listening on %s%s%s", be->name, l->bl->name,
		l->has_key ? " (authenticated)" : "", l->tls ? " (TLS)" : "");
	*out = l;
	return 0;
err:
	tp_tls_free(l->tls);
	tp_key_wipe(&l->key);
	free(l);
	return rc;
}

uint16_t tp_listener_port(const struct tp_listener *l)
{
	return l->bl->port;
}

void tp_listener_close(struct tp_listener *l)
{
	if (!l)
		return;
	l->bl->be->listen_close(l->bl);
	tp_tls_free(l->tls);
	tp_key_wipe(&l->key);
	free(l);
}

static struct tp_conn *conn_new(struct tp_link *k, const struct tp_opts *o,
				const struct tp_key *key, bool server)
{
	struct tp_conn *c = calloc(1, sizeof(*c));
	struct iovec reg;

	if (!c)
		return NULL;
	c->zcap = (size_t)LZ4_compressBound((int)TP_RUN_BYTES);
	c->zcap = (c->zcap + 4095) & ~(size_t)4095;
	c->bufs_len = TP_HBUF_SIZE + c->zcap + TP_RUN_BYTES;
	c->bufs = aligned_alloc(4096, c->bufs_len);
	if (!c->bufs) {
		free(c);
		return NULL;
	}
	c->hbuf = c->bufs;
	c->zbuf = c->hbuf + TP_HBUF_SIZE;
	c->gbuf = c->zbuf + c->zcap;
	c->link = k;
	c->opts = *o;
	c->opts.timeout_ms = timeout_of(o);
	if (key) {
		c->has_key = true;
		c->key = *key;
	}
	c->server = server;
	tp_lz4_init(&c->lz4);
	tp_order_init(&c->order, true);
	snprintf(c->name, sizeof(c->name), "%s %s", k->be->name, k->peer);
	reg.iov_base = c->bufs;
	reg.iov_len = c->bufs_len;
	if (k->be->register_bufs)
		k->be->register_bufs(k, &reg, 1);
	return c;
}

/*
 * A client that sent a plain HELLO to a --tls listener: read it and
 * refuse it in the lmig protocol, so that its side says why too.
 */
static int refuse_plain(struct tp_listener *l, struct tp_link *k)
{
	struct tp_conn *c = conn_new(k, &l->opts, NULL, true);
	struct tp_msg m;

	if (!c) {
		k->be->close(k);
		return -ENOMEM;
	}
	if (conn_recv_frame(c, &m, NULL) == 1)
		conn_fail(c, -EACCES, TP_AUTH_REFUSED,
			  "TLS mismatch: the page server requires TLS (--tls), the sender has no --tls");
	tp_close(c);
	return -EACCES;
}

int tp_accept(struct tp_listener *l, struct tp_conn **out)
{
	const struct tp_backend *be = l->bl->be;
	struct tp_link *k;
	struct tp_conn *c;
	int rc;

	rc = be->accept(l->bl, &k);
	if (rc) {
		pr_err_rc(rc, "%s %s: accept", be->name, l->bl->name);
		return rc;
	}
	if (l->tls) {
		rc = tp_tls_handshake(l->tls, &k, NULL);
		if (rc == -EPROTONOSUPPORT)
			return refuse_plain(l, k);
		if (rc) {
			be->close(k);
			return rc;
		}
	}
	c = conn_new(k, &l->opts, l->has_key ? &l->key : NULL, true);
	if (!c) {
		k->be->close(k);
		return -ENOMEM;
	}
	rc = tp_handshake_server(c);
	if (rc) {
		tp_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int tp_connect(const struct tp_opts *o, const char *host, uint16_t port,
	       struct tp_conn **out)
{
	const struct tp_backend *be;
	struct tp_tls *tls = NULL;
	struct tp_key key;
	struct tp_link *k;
	struct tp_conn *c;
	int rc;

	be = backend_get(o, &rc);
	if (!be)
		return rc;
	if (o->tls.on) {
		rc = tp_tls_backend_ok(be);
		if (!rc)
			rc = tp_tls_new(&o->tls, false, &tls);
		if (rc)
			return rc;
	}
	if (o->auth_key_file) {
		rc = tp_key_load(o->auth_key_file, &key);
		if (rc)
			goto out_tls;
	}
	rc = be->connect(host, port, timeout_of(o), &k);
	if (rc) {
		pr_err_rc(rc, "%s %s port %u: cannot connect", be->name, host, port);
		goto out;
	}
	if (tls) {
		rc = tp_tls_handshake(tls, &k, host);
		if (rc) {
			be->close(k);
			goto out;
		}
	}
	c = conn_new(k, o, o->auth_key_file ? &key : NULL, false);
	if (!c) {
		k->be->close(k);
		rc = -ENOMEM;
		goto out;
	}
	rc = tp_handshake_client(c);
	if (rc) {
		tp_close(c);
		goto out;
	}
	*out = c;
out:
	tp_key_wipe(&key);
out_tls:
	tp_tls_free(tls);
	return rc;
}

void tp_close(struct tp_conn *c)
{
	if (!c)
		return;
	c->link->be->close(c->link);
	tp_key_wipe(&c->key);
	free(c->bufs);
	free(c);
}

const char *tp_peer_name(const struct tp_conn *c)
{
	return c->name;
}

void tp_get_stats(const struct tp_conn *c, struct tp_stats *s)
{
	*s = c->st;
}

int conn_fail(struct tp_conn *c, int rc, enum tp_status status, const char *why)
{
	pr_err("%s: %s", c->name, why);
	/* Tell the peer why, unless the link itself is what failed. */
	if (!c->broken && (rc == -EPROTO || rc == -EBADMSG || rc == -EACCES)) {
		struct tp_msg m = { .type = TP_RESULT };
		struct iovec iov = { (void *)why, strnlen(why, TPW_MAX_RESULT_MSG) };

		m.result.status = status;
		m.result.msg_len = (uint16_t)iov.iov_len;
		c->broken = true;	/* no recursion from conn_send's errors */
		conn_send(c, &m, &iov, 1, iov.iov_len);
	}
	c->broken = true;
	return rc;
}

static int link_err(struct tp_conn *c, int rc, const char *what)
{
	char why[128];

	snprintf(why, sizeof(why), "%s: %s", what, strerror(-rc));
	return conn_fail(c, rc, TP_ABORTED, why);
}

int conn_send(struct tp_conn *c, const struct tp_msg *m, const struct iovec *data,
	      int n, size_t datalen)
{
	struct iovec iov[TPW_MAX_RUN_PAGES + 1];
	size_t flen, total;
	uint32_t crc;
	int i, rc;

	if (n > (int)TPW_MAX_RUN_PAGES)
		return -EINVAL;
	flen = tp_fixed_encode(m, c->hbuf + TPW_HDR_SIZE);
	crc = crc32c(0, c->hbuf + TPW_HDR_SIZE, flen);
	for (i = 0; i < n; i++)
		crc = crc32c(crc, data[i].iov_base, data[i].iov_len);
	tp_hdr_encode(c->hbuf, m->type, (uint32_t)(flen + datalen), crc);
	iov[0].iov_base = c->hbuf;
	iov[0].iov_len = TPW_HDR_SIZE + flen;
	if (n)
		memcpy(iov + 1, data, (size_t)n * sizeof(*data));
	total = TPW_HDR_SIZE + flen + datalen;
	rc = c->link->be->sendv(c->link, iov, n + 1, total);
	if (rc) {
		if (c->broken)
			return rc;
		return link_err(c, rc, "send");
	}
	c->st.frames_sent++;
	c->st.bytes_sent += total;
	return 0;
}

/*
 * Exactly len bytes. Returns 0, 1 if the peer closed before the first
 * byte and at_start, or -errno (logged: a close in the middle is a
 * truncated frame).
 */
static int recv_exact(struct tp_conn *c, void *buf, size_t len, bool at_start)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = c->link->be->recv(c->link, (char *)buf + got, len - got);

		if (r < 0)
			return link_err(c, (int)r, "receive");
		if (r == 0) {
			if (at_start && got == 0)
				return 1;
			return conn_fail(c, -EPROTO, TP_PROTOCOL,
					 "truncated frame: the peer closed the connection");
		}
		got += (size_t)r;
	}
	c->st.bytes_recv += len;
	return 0;
}

static int check_crc(struct tp_conn *c)
{
	char why[160];

	if (c->rx.crc == c->rx.h.payload_crc)
		return 0;
	if (c->rx.m.type == TP_PAGES)
		snprintf(why, sizeof(why),
			 "PAGES frame (pid %u, 0x%llx, %u pages): payload checksum mismatch",
			 c->rx.m.pages.pid, (unsigned long long)c->rx.m.pages.vaddr,
			 c->rx.m.pages.nr_pages);
	else
		snprintf(why, sizeof(why), "%s frame: payload checksum mismatch",
			 tp_type_name(c->rx.m.type));
	return conn_fail(c, -EBADMSG, TP_ABORTED, why);
}

int conn_recv_frame(struct tp_conn *c, struct tp_msg *m, char *text)
{
	uint8_t *fx = c->hbuf + TPW_HDR_SIZE;
	struct tp_why why;
	size_t want, nl;
	int rc, used;

	if (c->broken)
		return -EPIPE;
	rc = recv_exact(c, c->hbuf, TPW_HDR_SIZE, true);
	if (rc)
		return rc == 1 ? 0 : rc;
	rc = tp_hdr_decode(c->hbuf, &c->rx.h, &why);
	if (rc && tp_tls_looks_like_tls(c->hbuf, TPW_HDR_SIZE))
		return conn_fail(c, rc, TP_PROTOCOL,
				 "TLS mismatch: the peer speaks TLS (--tls), this side has no --tls");
	if (rc)
		return conn_fail(c, rc, c->rx.h.version && c->rx.h.version != TPW_VERSION ?
				 TP_VERSION : TP_PROTOCOL, why.msg);
	want = tp_fixed_len(c->rx.h.type);
	if (want) {
		rc = recv_exact(c, fx, want, false);
		if (rc)
			return rc;
	}
	/* The STATE name follows; a bad length is left to the decoder. */
	nl = tp_state_name_len(fx, c->rx.h.type);
	if (nl && nl <= TPW_MAX_NAME && want + nl <= c->rx.h.length) {
		rc = recv_exact(c, fx + want, nl, false);
		if (rc)
			return rc;
		want += nl;
	}
	used = tp_fixed_decode(&c->rx.h, fx, want, m, &why);
	if (used < 0)
		return conn_fail(c, used, TP_PROTOCOL, why.msg);
	c->rx.m = *m;
	c->rx.crc = crc32c(0, fx, want);
	c->rx.left = m->data_len;
	c->st.frames_recv++;
	if (m->type == TP_RESULT) {
		char *t = (char *)fx + want;

		rc = recv_exact(c, t, m->data_len, false);
		if (rc)
			return rc;
		c->rx.crc = crc32c(c->rx.crc, t, m->data_len);
		c->rx.left = 0;
		t[m->data_len] = '\0';
		if (memchr(t, '\0', m->data_len))
			return conn_fail(c, -EPROTO, TP_PROTOCOL, "RESULT message with a NUL");
		if (text)
			memcpy(text, t, (size_t)m->data_len + 1);
	}
	if (c->rx.left == 0)
		return check_crc(c) ?: 1;
	return 1;
}

int tp_recv(struct tp_conn *c, struct tp_msg *m, char *text)
{
	struct tp_why why;
	int rc;

	if (c->broken)
		return -EPIPE;
	if (c->rx.left) {
		pr_err("%s: %s frame data not taken before the next frame", c->name,
		       tp_type_name(c->rx.m.type));
		return -EINVAL;
	}
	rc = conn_recv_frame(c, m, text);
	if (rc <= 0)
		return rc;
	rc = tp_order_check(&c->order, m, &why);
	if (rc)
		return conn_fail(c, rc, TP_PROTOCOL, why.msg);
	return 1;
}

int tp_recv_pages(struct tp_conn *c, void *dest)
{
	const struct tp_msg *m = &c->rx.m;
	size_t raw = (size_t)m->pages.nr_pages * TPW_PAGE_SIZE;
	int rc;

	if (c->broken)
		return -EPIPE;
	if (m->type != TP_PAGES) {
		pr_err("%s: tp_recv_pages() after a %s frame", c->name, tp_type_name(m->type));
		return -EINVAL;
	}
	if (m->pages.flags & TP_PAGES_ZERO) {
		if (dest)
			memset(dest, 0, raw);
		return 0;
	}
	if (c->rx.left == 0) {
		pr_err("%s: PAGES data taken twice", c->name);
		return -EINVAL;
	}
	if (m->pages.flags & TP_PAGES_LZ4) {
		rc = recv_exact(c, c->zbuf, c->rx.left, false);
		if (rc)
			return rc;
		c->rx.crc = crc32c(c->rx.crc, c->zbuf, c->rx.left);
		rc = check_crc(c);
		if (rc)
			return rc;
		if (LZ4_decompress_safe((const char *)c->zbuf, dest, (int)c->rx.left,
					(int)raw) != (int)raw)
			return conn_fail(c, -EBADMSG, TP_ABORTED,
					 "LZ4 PAGES run does not decompress to its page count");
	} else {
		rc = recv_exact(c, dest, raw, false);
		if (rc)
			return rc;
		c->rx.crc = crc32c(c->rx.crc, dest, raw);
		rc = check_crc(c);
		if (rc)
			return rc;
	}
	c->rx.left = 0;
	return 0;
}

int tp_recv_data(struct tp_conn *c, void *buf, size_t len)
{
	int rc;

	if (c->broken)
		return -EPIPE;
	if (c->rx.m.type != TP_STATE || len > c->rx.left) {
		pr_err("%s: tp_recv_data() of %zu bytes with %u left of a %s frame", c->name,
		       len, c->rx.left, tp_type_name(c->rx.m.type));
		return -EINVAL;
	}
	rc = recv_exact(c, buf, len, false);
	if (rc)
		return rc;
	c->rx.crc = crc32c(c->rx.crc, buf, len);
	c->rx.left -= (uint32_t)len;
	return c->rx.left ? 0 : check_crc(c);
}

/* Refuse our own caller's mistakes before they reach the peer. */
static int usable(struct tp_conn *c, const char *what, bool want_round)
{
	if (c->broken)
		return -EPIPE;
	if (c->in_round != want_round) {
		pr_err("%s: %s %s a round", c->name, what, want_round ? "outside" : "inside");
		return -EINVAL;
	}
	return 0;
}

int tp_send_round_begin(struct tp_conn *c, uint32_t round, uint64_t nr_pages)
{
	struct tp_msg m = { .type = TP_ROUND_BEGIN };
	int rc = usable(c, "ROUND_BEGIN", false);

	if (rc)
		return rc;
	m.round.round = round;
	m.round.nr_pages = nr_pages;
	rc = conn_send(c, &m, NULL, 0, 0);
	if (rc)
		return rc;
	c->in_round = true;
	c->round = round;
	c->round_pages = 0;
	return 0;
}

int tp_send_round_end(struct tp_conn *c, uint32_t round)
{
	struct tp_msg m = { .type = TP_ROUND_END };
	int rc = usable(c, "ROUND_END", true);

	if (rc)
		return rc;
	if (round != c->round) {
		pr_err("%s: ROUND_END %u in round %u", c->name, round, c->round);
		return -EINVAL;
	}
	m.round.round = round;
	m.round.nr_pages = c->round_pages;
	rc = conn_send(c, &m, NULL, 0, 0);
	if (rc)
		return rc;
	c->in_round = false;
	return 0;
}

static int send_run(struct tp_conn *c, uint32_t pid, uint64_t vaddr, uint32_t nr,
		    bool zero, const struct iovec *seg, int nseg)
{
	struct tp_msg m = { .type = TP_PAGES };
	size_t raw = (size_t)nr * TPW_PAGE_SIZE;
	struct timespec t0 = { 0 }, t1;
	bool tried = false;
	struct iovec z;
	int rc;

	m.pages.pid = pid;
	m.pages.vaddr = vaddr;
	m.pages.nr_pages = nr;
	if (zero) {
		m.pages.flags = TP_PAGES_ZERO;
		rc = conn_send(c, &m, NULL, 0, 0);
		if (!rc)
			c->st.pages_zero += nr;
		goto out;
	}
	if (c->opts.compress && c->peer_lz4) {
		tried = tp_lz4_should_try(&c->lz4);
		clock_gettime(CLOCK_MONOTONIC, &t0);
	}
	if (tried) {
		const void *src = seg[0].iov_base;
		size_t zl;
		int i;

		if (nseg > 1) {
			uint8_t *p = c->gbuf;

			for (i = 0; i < nseg; i++) {
				memcpy(p, seg[i].iov_base, seg[i].iov_len);
				p += seg[i].iov_len;
			}
			src = c->gbuf;
		}
		c->st.lz4_tries++;
		zl = tp_lz4_compress(&c->lz4, src, raw, c->zbuf, c->zcap);
		if (zl) {
			c->st.lz4_kept++;
			m.pages.flags = TP_PAGES_LZ4;
			z.iov_base = c->zbuf;
			z.iov_len = zl;
			rc = conn_send(c, &m, &z, 1, zl);
			if (!rc)
				c->st.pages_lz4 += nr;
			goto out;
		}
	}
	rc = conn_send(c, &m, seg, nseg, raw);
	if (!rc)
		c->st.pages_raw += nr;
out:
	if (!rc && c->opts.compress && c->peer_lz4 && !zero) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		tp_lz4_record(&c->lz4, tried, (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u +
			      (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec, nr);
	}
	if (!rc)
		c->round_pages += nr;
	return rc;
}

/* Walks the caller's iovecs page by page. */
struct page_cursor {
	const struct iovec *iov;
	int left;
	size_t off;
};

static uint8_t *cursor_page(const struct page_cursor *pc)
{
	return (uint8_t *)pc->iov->iov_base + pc->off;
}

static void cursor_next(struct page_cursor *pc)
{
	pc->off += TPW_PAGE_SIZE;
	if (pc->off == pc->iov->iov_len && pc->left > 1) {
		pc->iov++;
		pc->left--;
		pc->off = 0;
	}
}

static int check_iov(struct tp_conn *c, uint32_t nr, const struct iovec *iov, int iovcnt)
{
	size_t sum = 0;
	int i;

	if (!iov || iovcnt <= 0)
		goto bad;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0 || iov[i].iov_len % TPW_PAGE_SIZE)
			goto bad;
		sum += iov[i].iov_len;
	}
	if (sum == (size_t)nr * TPW_PAGE_SIZE)
		return 0;
bad:
	pr_err("%s: page run of %u pages with bad iovecs", c->name, nr);
	return -EINVAL;
}

int tp_send_pages(struct tp_conn *c, pid_t pid, uint64_t vaddr, uint32_t nr_pages,
		  unsigned int flags, const struct iovec *iov, int iovcnt)
{
	struct iovec seg[TPW_MAX_RUN_PAGES];
	struct page_cursor pc = { iov, iovcnt, 0 };
	uint32_t done = 0, k;
	bool zero, nz = false;
	int rc = usable(c, "PAGES", true);

	if (rc)
		return rc;
	if (vaddr % TPW_PAGE_SIZE || nr_pages == 0 ||
	    vaddr > UINT64_MAX - (uint64_t)nr_pages * TPW_PAGE_SIZE) {
		pr_err("%s: bad page run 0x%llx + %u pages", c->name,
		       (unsigned long long)vaddr, nr_pages);
		return -EINVAL;
	}
	if (flags & TP_PAGES_ZERO) {
		if (iov) {
			pr_err("%s: ZERO page run with data", c->name);
			return -EINVAL;
		}
		for (; done < nr_pages && !rc; done += k) {
			k = nr_pages - done < TPW_MAX_RUN_PAGES ? nr_pages - done : TPW_MAX_RUN_PAGES;
			rc = send_run(c, (uint32_t)pid, vaddr + (uint64_t)done * TPW_PAGE_SIZE,
				      k, true, NULL, 0);
		}
		return rc;
	}
	rc = check_iov(c, nr_pages, iov, iovcnt);
	if (rc)
		return rc;
	if (nr_pages)
		nz = tp_page_is_zero(cursor_page(&pc));
	while (done < nr_pages) {
		int nseg = 0;

		zero = nz;
		for (k = 0; k < TPW_MAX_RUN_PAGES && done + k < nr_pages; k++) {
			uint8_t *p = cursor_page(&pc);

			if (k > 0) {
				nz = tp_page_is_zero(p);
				if (nz != zero)
					break;
			}
			if (!zero) {
				if (nseg && (uint8_t *)seg[nseg - 1].iov_base +
					    seg[nseg - 1].iov_len == p) {
					seg[nseg - 1].iov_len += TPW_PAGE_SIZE;
				} else {
					seg[nseg].iov_base = p;
					seg[nseg].iov_len = TPW_PAGE_SIZE;
					nseg++;
				}
			}
			cursor_next(&pc);
		}
		rc = send_run(c, (uint32_t)pid, vaddr + (uint64_t)done * TPW_PAGE_SIZE, k,
			      zero, seg, nseg);
		if (rc)
			return rc;
		done += k;
		/* The page that ended this run starts the next one. */
		if (k == TPW_MAX_RUN_PAGES && done < nr_pages)
			nz = tp_page_is_zero(cursor_page(&pc));
	}
	return 0;
}

static bool state_name_ok(const char *name)
{
	size_t l = strnlen(name, TPW_MAX_NAME + 1);

	return l > 0 && l <= TPW_MAX_NAME && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

int tp_send_state(struct tp_conn *c, const char *name, const void *data, size_t len)
{
	struct tp_msg m = { .type = TP_STATE };
	size_t off = 0;
	int rc = usable(c, "STATE", false);

	if (rc)
		return rc;
	if (!state_name_ok(name)) {
		pr_err("%s: bad STATE file name \"%s\"", c->name, name);
		return -EINVAL;
	}
	strcpy(m.state.name, name);
	do {
		size_t n = len - off < TPW_MAX_STATE_CHUNK ? len - off : TPW_MAX_STATE_CHUNK;
		struct iovec iov = { (char *)data + off, n };

		m.state.offset = off;
		m.state.more = off + n < len;
		rc = conn_send(c, &m, &iov, n ? 1 : 0, n);
		off += n;
	} while (!rc && off < len);
	return rc;
}

int tp_send_commit(struct tp_conn *c)
{
	struct tp_msg m = { .type = TP_COMMIT };
	int rc = usable(c, "COMMIT", false);

	return rc ? rc : conn_send(c, &m, NULL, 0, 0);
}

int tp_send_round_ack(struct tp_conn *c, uint32_t round)
{
	struct tp_msg m = { .type = TP_ROUND_ACK };

	if (c->broken)
		return -EPIPE;
	if (!c->peer_acks || !c->order.any_round || c->order.in_round || c->order.round != round) {
		pr_err("%s: ROUND_ACK %u out of turn", c->name, round);
		return -EINVAL;
	}
	m.round.round = round;
	m.round.nr_pages = c->order.round_pages;
	return conn_send(c, &m, NULL, 0, 0);
}

bool tp_peer_acks(const struct tp_conn *c)
{
	return c->peer_acks;
}

int tp_send_result(struct tp_conn *c, enum tp_status status, const char *msg)
{
	struct tp_msg m = { .type = TP_RESULT };
	struct iovec iov = { (void *)(msg ? msg : ""), 0 };

	if (c->broken)
		return -EPIPE;
	iov.iov_len = strnlen(iov.iov_base, TPW_MAX_RESULT_MSG);
	m.result.status = status;
	m.result.msg_len = (uint16_t)iov.iov_len;
	return conn_send(c, &m, &iov, iov.iov_len ? 1 : 0, iov.iov_len);
}
