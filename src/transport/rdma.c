/*
 * The rdma back end: librdmacm to connect, libibverbs to move bytes on
 * a reliable-connected (RC) queue pair, with SEND/RECV into buffers each
 * side registered and posted in advance.
 *
 * Flow control is by credits: each side posts RDMA_NBUF receive buffers
 * of RDMA_BUFSZ bytes, and the peer may send only while it holds a
 * credit for one. Every send carries, as immediate data, the number of
 * buffers its sender has consumed and re-posted since it last said so
 * (credits returned); a side that has re-posted half its buffers
 * without sending anything returns them in an empty message. One credit
 * is kept back for those empty messages, so that the return of credits
 * can never be blocked by the lack of one. Nothing is ever sent to a
 * buffer that is not posted: no receiver-not-ready retries.
 *
 * Data is copied once into a registered send buffer on the way out (the
 * pages of a frame are gathered there) and copied out of the receive
 * buffer on the way in. Without an RDMA device (this project's own
 * kernel has none) probing says so in one line, and nothing else runs;
 * tests/transport/rdma.sh runs it over soft-RoCE in a VM.
 *
 * Why SEND/RECV and not RDMA WRITE into receiver-registered memory: a
 * WRITE would save the receiver's copy out of its receive buffer only if
 * the sender knew, before each frame, where in the page server's staging
 * memory the pages land (its address and rkey): a protocol feature and
 * a receive API that hands out destinations ahead of the headers. On
 * soft-RoCE both are carried out by the kernel's CPU with the same
 * copies, so the VM could not show the gain; it waits for a real NIC.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "transport/backend.h"

#define RDMA_NBUF	32u
#define RDMA_BUFSZ	(256u << 10)
#define RDMA_CLOSE_MS	1000u

struct rdma_rx {
	uint32_t idx, len, off;
};

struct rdma_link {
	struct tp_link base;
	struct rdma_event_channel *ech;
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_comp_channel *cch;
	struct ibv_cq *cq;
	struct ibv_mr *mr;
	uint8_t *mem;		/* RDMA_NBUF receive buffers, then RDMA_NBUF send buffers */
	bool qp;
	bool connected;
	bool peer_gone;		/* receives flushed: the peer disconnected */
	int err;		/* a completion error, reported once data runs out */
	unsigned int credits;	/* buffers the peer has posted for us */
	unsigned int to_return;	/* our re-posted buffers not yet told */
	unsigned int send_head, send_busy;	/* send slots, used in FIFO order */
	struct rdma_rx rxq[RDMA_NBUF];	/* received, not yet read */
	unsigned int rx_head, rx_count;
};

struct rdma_lis {
	struct tp_blis base;
	struct rdma_event_channel *ech;
	struct rdma_cm_id *id;
};

static int rdma_probe(const char **why)
{
	struct ibv_device **list;
	int n = 0;

	list = ibv_get_device_list(&n);
	if (list)
		ibv_free_device_list(list);
	if (!list || n == 0) {
		*why = "rdma: no RDMA device (is rdma_rxe loaded?)";
		return -ENODEV;
	}
	*why = "RDMA RC queue pairs (libibverbs, librdmacm)";
	return 0;
}

static int resolve(const char *host, uint16_t port, bool passive, struct addrinfo **res)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	char serv[8];
	int rc;

	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	hints.ai_family = AF_INET;
	snprintf(serv, sizeof(serv), "%u", port);
	rc = getaddrinfo(host, serv, &hints, res);
	return rc == EAI_SYSTEM ? -errno : rc ? -EHOSTUNREACH : 0;
}

static void addr_name(struct sockaddr *sa, char *buf, size_t len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)sa;
	char h[INET_ADDRSTRLEN] = "?";

	inet_ntop(AF_INET, &in->sin_addr, h, sizeof(h));
	snprintf(buf, len, "%s:%u", h, ntohs(in->sin_port));
}

/* The next CM event on ech, within ms; it must be `want`. */
static int cm_wait(struct rdma_event_channel *ech, enum rdma_cm_event_type want,
		   unsigned int ms, struct rdma_cm_id **id)
{
	struct pollfd p = { .fd = ech->fd, .events = POLLIN };
	struct rdma_cm_event *ev;
	int n, rc;

	do
		n = poll(&p, 1, (int)ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (rdma_get_cm_event(ech, &ev))
		return -errno;
	if (ev->event == want) {
		rc = 0;
		if (id)
			*id = ev->id;
	} else if (ev->event == RDMA_CM_EVENT_REJECTED) {
		rc = -ECONNREFUSED;
	} else if (ev->event == RDMA_CM_EVENT_UNREACHABLE ||
		   ev->event == RDMA_CM_EVENT_ADDR_ERROR ||
		   ev->event == RDMA_CM_EVENT_ROUTE_ERROR) {
		rc = -EHOSTUNREACH;
	} else {
		rc = ev->status ? -abs(ev->status) : -ECONNABORTED;
	}
	rdma_ack_cm_event(ev);
	return rc;
}

static int rdma_listen_(const char *addr, uint16_t port, unsigned int timeout_ms,
			struct tp_blis **out)
{
	struct rdma_lis *l = calloc(1, sizeof(*l));
	struct addrinfo *res = NULL;
	int rc;

	if (!l)
		return -ENOMEM;
	rc = resolve(addr, port, true, &res);
	if (rc)
		goto err;
	l->ech = rdma_create_event_channel();
	if (!l->ech || rdma_create_id(l->ech, &l->id, NULL, RDMA_PS_TCP) ||
	    rdma_bind_addr(l->id, res->ai_addr) || rdma_listen(l->id, 8)) {
		rc = -errno;
		goto err;
	}
	l->base.be = &tp_rdma_backend;
	l->base.timeout_ms = timeout_ms;
	l->base.port = ntohs(rdma_get_src_port(l->id));
	addr_name(rdma_get_local_addr(l->id), l->base.name, sizeof(l->base.name));
	freeaddrinfo(res);
	*out = &l->base;
	return 0;
err:
	if (res)
		freeaddrinfo(res);
	if (l->id)
		rdma_destroy_id(l->id);
	if (l->ech)
		rdma_destroy_event_channel(l->ech);
	free(l);
	return rc ? rc : -EIO;
}

static void rdma_listen_close(struct tp_blis *bl)
{
	struct rdma_lis *l = (struct rdma_lis *)bl;

	rdma_destroy_id(l->id);
	rdma_destroy_event_channel(l->ech);
	free(l);
}

static uint8_t *rx_buf(struct rdma_link *k, unsigned int i)
{
	return k->mem + (size_t)i * RDMA_BUFSZ;
}

static uint8_t *tx_buf(struct rdma_link *k, unsigned int i)
{
	return k->mem + (size_t)(RDMA_NBUF + i) * RDMA_BUFSZ;
}

static int post_recv(struct rdma_link *k, unsigned int i)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)rx_buf(k, i), .length = RDMA_BUFSZ, .lkey = k->mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1 }, *bad;

	return -ibv_post_recv(k->id->qp, &wr, &bad);
}

/* Verbs resources for a connected or connecting id, receives posted. */
static int setup_qp(struct rdma_link *k)
{
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = RDMA_NBUF + 2, .max_recv_wr = RDMA_NBUF,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	size_t size = (size_t)2 * RDMA_NBUF * RDMA_BUFSZ;
	unsigned int i;
	int rc;

	k->pd = ibv_alloc_pd(k->id->verbs);
	if (!k->pd)
		return -errno ? -errno : -ENOMEM;
	k->cch = ibv_create_comp_channel(k->id->verbs);
	if (!k->cch)
		return -errno ? -errno : -ENOMEM;
	k->cq = ibv_create_cq(k->id->verbs, (int)(2 * RDMA_NBUF + 4), NULL, k->cch, 0);
	if (!k->cq)
		return -errno ? -errno : -ENOMEM;
	qa.send_cq = qa.recv_cq = k->cq;
	if (rdma_create_qp(k->id, k->pd, &qa))
		return -errno;
	k->qp = true;
	k->mem = aligned_alloc(4096, size);
	if (!k->mem)
		return -ENOMEM;
	k->mr = ibv_reg_mr(k->pd, k->mem, size, IBV_ACCESS_LOCAL_WRITE);
	if (!k->mr)
		return -errno ? -errno : -ENOMEM;
	for (i = 0; i < RDMA_NBUF; i++) {
		rc = post_recv(k, i);
		if (rc)
			return rc;
	}
	k->credits = RDMA_NBUF;
	return 0;
}

static void link_free(struct rdma_link *k)
{
	if (k->connected)
		rdma_disconnect(k->id);
	if (k->qp)
		rdma_destroy_qp(k->id);
	if (k->mr)
		ibv_dereg_mr(k->mr);
	if (k->cq)
		ibv_destroy_cq(k->cq);
	if (k->cch)
		ibv_destroy_comp_channel(k->cch);
	if (k->pd)
		ibv_dealloc_pd(k->pd);
	if (k->id)
		rdma_destroy_id(k->id);
	if (k->ech)
		rdma_destroy_event_channel(k->ech);
	free(k->mem);
	free(k);
}

static struct rdma_link *link_alloc(unsigned int timeout_ms)
{
	struct rdma_link *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->base.be = &tp_rdma_backend;
	k->base.timeout_ms = timeout_ms;
	k->ech = rdma_create_event_channel();
	if (!k->ech) {
		free(k);
		return NULL;
	}
	return k;
}

static void conn_param(struct rdma_conn_param *p)
{
	memset(p, 0, sizeof(*p));
	p->responder_resources = 1;
	p->initiator_depth = 1;
	p->retry_count = 7;
	p->rnr_retry_count = 7;
}

static int rdma_accept_(struct tp_blis *bl, struct tp_link **out)
{
	struct rdma_lis *l = (struct rdma_lis *)bl;
	struct rdma_conn_param cp;
	struct rdma_cm_id *id;
	struct rdma_link *k;
	int rc;

	rc = cm_wait(l->ech, RDMA_CM_EVENT_CONNECT_REQUEST, bl->timeout_ms, &id);
	if (rc)
		return rc;
	k = link_alloc(bl->timeout_ms);
	if (!k) {
		rdma_reject(id, NULL, 0);
		rdma_destroy_id(id);
		return -ENOMEM;
	}
	k->id = id;
	/* Its own channel, so that its events do not mix with the listener's. */
	if (rdma_migrate_id(id, k->ech)) {
		rc = -errno;
		goto err;
	}
	rc = setup_qp(k);
	if (rc)
		goto err;
	conn_param(&cp);
	if (rdma_accept(id, &cp)) {
		rc = -errno;
		goto err;
	}
	rc = cm_wait(k->ech, RDMA_CM_EVENT_ESTABLISHED, bl->timeout_ms, NULL);
	if (rc)
		goto err;
	k->connected = true;
	addr_name(rdma_get_peer_addr(id), k->base.peer, sizeof(k->base.peer));
	*out = &k->base;
	return 0;
err:
	link_free(k);
	return rc;
}

static int rdma_connect_(const char *host, uint16_t port, unsigned int timeout_ms,
			 struct tp_link **out)
{
	struct addrinfo *res = NULL;
	struct rdma_conn_param cp;
	struct rdma_link *k;
	int rc;

	rc = resolve(host, port, false, &res);
	if (rc)
		return rc;
	k = link_alloc(timeout_ms);
	if (!k) {
		rc = -ENOMEM;
		goto out;
	}
	if (rdma_create_id(k->ech, &k->id, NULL, RDMA_PS_TCP) ||
	    rdma_resolve_addr(k->id, NULL, res->ai_addr, (int)timeout_ms)) {
		rc = -errno;
		goto err;
	}
	rc = cm_wait(k->ech, RDMA_CM_EVENT_ADDR_RESOLVED, timeout_ms, NULL);
	if (rc)
		goto err;
	if (rdma_resolve_route(k->id, (int)timeout_ms)) {
		rc = -errno;
		goto err;
	}
	rc = cm_wait(k->ech, RDMA_CM_EVENT_ROUTE_RESOLVED, timeout_ms, NULL);
	if (rc)
		goto err;
	rc = setup_qp(k);
	if (rc)
		goto err;
	conn_param(&cp);
	if (rdma_connect(k->id, &cp)) {
		rc = -errno;
		goto err;
	}
	rc = cm_wait(k->ech, RDMA_CM_EVENT_ESTABLISHED, timeout_ms, NULL);
	if (rc)
		goto err;
	k->connected = true;
	addr_name(res->ai_addr, k->base.peer, sizeof(k->base.peer));
	*out = &k->base;
	goto out;
err:
	link_free(k);
out:
	freeaddrinfo(res);
	return rc;
}

/* Take in what has completed. Returns the completions seen or -errno. */
static int reap(struct rdma_link *k)
{
	struct ibv_wc wc[16];
	int n, i, rc;

	n = ibv_poll_cq(k->cq, 16, wc);
	if (n < 0)
		return -EIO;
	for (i = 0; i < n; i++) {
		if (wc[i].status != IBV_WC_SUCCESS) {
			if (wc[i].status == IBV_WC_WR_FLUSH_ERR)
				k->peer_gone = true;
			else if (!k->err)
				k->err = -EIO;
			if (wc[i].wr_id >= RDMA_NBUF && k->send_busy)
				k->send_busy--;
			continue;
		}
		/* wr_id: receive buffer index, or RDMA_NBUF + send slot. */
		if (wc[i].wr_id >= RDMA_NBUF) {
			k->send_busy--;
			continue;
		}
		if (wc[i].wc_flags & IBV_WC_WITH_IMM)
			k->credits += ntohl(wc[i].imm_data);
		if (wc[i].byte_len == 0) {
			/* Only credits: the buffer goes straight back. */
			rc = post_recv(k, (unsigned int)wc[i].wr_id);
			if (rc)
				return rc;
			k->to_return++;
			continue;
		}
		k->rxq[(k->rx_head + k->rx_count) % RDMA_NBUF] = (struct rdma_rx){
			(uint32_t)wc[i].wr_id, wc[i].byte_len, 0 };
		k->rx_count++;
	}
	return n;
}

/* Wait (bounded) until something completes. */
static int progress(struct rdma_link *k)
{
	struct pollfd p = { .fd = k->cch->fd, .events = POLLIN };
	struct ibv_cq *cq;
	void *ctx;
	int n;

	n = reap(k);
	if (n)
		return n < 0 ? n : 0;
	if (ibv_req_notify_cq(k->cq, 0))
		return -EIO;
	/* Completions that came before the notification was armed. */
	n = reap(k);
	if (n)
		return n < 0 ? n : 0;
	if (k->peer_gone)
		return -ECONNRESET;
	do
		n = poll(&p, 1, (int)k->base.timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (ibv_get_cq_event(k->cch, &cq, &ctx))
		return -EIO;
	ibv_ack_cq_events(cq, 1);
	n = reap(k);
	return n < 0 ? n : 0;
}

/* Post len bytes from send slot i, returning our pending credits with it. */
static int post_send(struct rdma_link *k, unsigned int i, uint32_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)tx_buf(k, i), .length = len, .lkey = k->mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = RDMA_NBUF + i, .sg_list = &sge, .num_sge = len ? 1 : 0,
		.opcode = IBV_WR_SEND_WITH_IMM, .send_flags = IBV_SEND_SIGNALED,
	}, *bad;
	int rc;

	wr.imm_data = htonl(k->to_return);
	rc = ibv_post_send(k->id->qp, &wr, &bad);
	if (rc)
		return -rc;
	k->to_return = 0;
	k->credits--;
	k->send_busy++;
	k->send_head = (k->send_head + 1) % RDMA_NBUF;
	return 0;
}

/* A free send slot and `need` credits, waiting for them (bounded). */
static int get_slot(struct rdma_link *k, unsigned int need, unsigned int *slot)
{
	int rc;

	while (k->send_busy >= RDMA_NBUF || k->credits < need) {
		if (k->peer_gone)
			return -EPIPE;
		if (k->err)
			return k->err;
		rc = progress(k);
		if (rc)
			return rc == -ECONNRESET ? -EPIPE : rc;
	}
	*slot = k->send_head;
	return 0;
}

/* Tell the peer about re-posted buffers if enough have piled up. */
static int return_credits(struct rdma_link *k)
{
	unsigned int slot;

	if (k->to_return < RDMA_NBUF / 2 || k->credits < 1 || k->send_busy >= RDMA_NBUF)
		return 0;
	return get_slot(k, 1, &slot) ?: post_send(k, slot, 0);
}

static int rdma_sendv(struct tp_link *bk, const struct iovec *iov, int iovcnt, size_t total)
{
	struct rdma_link *k = (struct rdma_link *)bk;
	size_t off = 0;		/* into iov[i] */
	int i = 0, rc;

	(void)total;
	while (i < iovcnt) {
		unsigned int slot;
		uint32_t fill = 0;
		uint8_t *buf;

		/* Keep one credit back for returning credits. */
		rc = get_slot(k, 2, &slot);
		if (rc)
			return rc;
		buf = tx_buf(k, slot);
		while (i < iovcnt && fill < RDMA_BUFSZ) {
			size_t n = iov[i].iov_len - off;

			if (n > RDMA_BUFSZ - fill)
				n = RDMA_BUFSZ - fill;
			memcpy(buf + fill, (const uint8_t *)iov[i].iov_base + off, n);
			fill += (uint32_t)n;
			off += n;
			if (off == iov[i].iov_len) {
				i++;
				off = 0;
			}
		}
		if (fill == 0)
			break;
		rc = post_send(k, slot, fill);
		if (rc)
			return rc;
	}
	return 0;
}

static ssize_t rdma_recv(struct tp_link *bk, void *buf, size_t len)
{
	struct rdma_link *k = (struct rdma_link *)bk;
	size_t got = 0;
	int rc;

	while (k->rx_count == 0) {
		if (k->err)
			return k->err;
		if (k->peer_gone)
			return 0;
		rc = return_credits(k);
		if (rc)
			return rc;
		rc = progress(k);
		if (rc == -ECONNRESET)
			return 0;
		if (rc)
			return rc;
	}
	while (got < len && k->rx_count > 0) {
		struct rdma_rx *r = &k->rxq[k->rx_head];
		size_t n = r->len - r->off;

		if (n > len - got)
			n = len - got;
		memcpy((uint8_t *)buf + got, rx_buf(k, r->idx) + r->off, n);
		got += n;
		r->off += (uint32_t)n;
		if (r->off == r->len) {
			rc = post_recv(k, r->idx);
			if (rc)
				return rc;
			k->to_return++;
			k->rx_head = (k->rx_head + 1) % RDMA_NBUF;
			k->rx_count--;
		}
	}
	rc = return_credits(k);
	return rc ? rc : (ssize_t)got;
}

static void rdma_close(struct tp_link *bk)
{
	struct rdma_link *k = (struct rdma_link *)bk;
	struct timespec t0, t;

	/* Let what we sent be delivered before the queue pair goes. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (k->send_busy && !k->peer_gone && !k->err) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >
		    RDMA_CLOSE_MS)
			break;
		if (reap(k) < 0)
			break;
	}
	link_free(k);
}

const struct tp_backend tp_rdma_backend = {
	.name = "rdma",
	.probe = rdma_probe,
	.listen = rdma_listen_,
	.accept = rdma_accept_,
	.listen_close = rdma_listen_close,
	.connect = rdma_connect_,
	.sendv = rdma_sendv,
	.recv = rdma_recv,
	.close = rdma_close,
};
