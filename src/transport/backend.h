/*
 * Private to transport/: what a back end provides. Each back end (tcp.c,
 * uring.c, rdma.c) moves a reliable, ordered byte stream; transport.c
 * does the framing, checks, compression and handshake above it, once.
 *
 * A back end embeds struct tp_link / struct tp_blis as the first member
 * of its own connection / listener struct. All functions return -errno
 * on failure and log nothing except where said: transport.c names the
 * peer and logs once. Every wait is bounded by the timeout given at
 * creation and returns -ETIMEDOUT when it runs out.
 */
#ifndef LMIG_TRANSPORT_BACKEND_H
#define LMIG_TRANSPORT_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct tp_backend;

struct tp_link {
	const struct tp_backend *be;
	unsigned int timeout_ms;
	char peer[80];		/* "198.18.0.2:7000" */
};

struct tp_blis {
	const struct tp_backend *be;
	unsigned int timeout_ms;
	uint16_t port;
	char name[80];		/* "198.18.0.1:7000" */
};

struct tp_backend {
	const char *name;
	/* 0 if usable here; else -errno and a static one-line reason. */
	int (*probe)(const char **why);
	int (*listen)(const char *addr, uint16_t port, unsigned int timeout_ms,
		      struct tp_blis **out);
	int (*accept)(struct tp_blis *l, struct tp_link **out);
	void (*listen_close)(struct tp_blis *l);
	int (*connect)(const char *host, uint16_t port, unsigned int timeout_ms,
		       struct tp_link **out);
	/*
	 * Long-lived buffers of transport.c (headers, compression), told
	 * once after connect/accept, so that a back end can register them
	 * with the kernel or the NIC. Optional (NULL); failure is not fatal
	 * for the caller, which ignores it: the back end then copes.
	 */
	int (*register_bufs)(struct tp_link *k, const struct iovec *bufs, int nr);
	/*
	 * Send all of iov[0..iovcnt) (total bytes), or fail. The buffers
	 * are not referenced after it returns.
	 */
	int (*sendv)(struct tp_link *k, const struct iovec *iov, int iovcnt, size_t total);
	/*
	 * Receive up to len (> 0) bytes into buf, as read(2): returns the
	 * bytes received (>= 1), 0 when the peer has closed, or -errno.
	 * Back ends should fill as much of buf as is cheap (MSG_WAITALL).
	 */
	ssize_t (*recv)(struct tp_link *k, void *buf, size_t len);
	void (*close)(struct tp_link *k);
	/*
	 * The connected TCP socket under the link, for TLS (tls.c), which
	 * runs its handshake on it and may hand the keys to the kernel;
	 * NULL when there is none (rdma). The link still owns it.
	 */
	int (*sockfd)(struct tp_link *k);
};

extern const struct tp_backend tp_tcp_backend;
extern const struct tp_backend tp_uring_backend;
extern const struct tp_backend tp_rdma_backend;

#endif
