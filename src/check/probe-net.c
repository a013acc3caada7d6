/* Socket and transport probes: TCP repair mode, io_uring, RDMA devices, TLS. */
#define LOG_PREFIX "check: "
#include "config.h"
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <liburing.h>
#ifdef HAVE_RDMA
#include <infiniband/verbs.h>
#endif

#include "log.h"
#include "net/acceptq.h"
#include "probe.h"
#include "transport/tls-opts.h"

void probe_tcp_repair(struct check_probe *p)
{
	int on = 1, queue = TCP_SEND_QUEUE;
	int sk = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (sk < 0) {
		probe_set(p, false, "TCP socket: %s", strerror(errno));
		return;
	}
	if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)) < 0) {
		if (errno == EPERM)
			probe_set(p, false, "TCP_REPAIR refused: needs CAP_NET_ADMIN (not root?)");
		else
			probe_set(p, false, "TCP_REPAIR: %s", strerror(errno));
	} else if (setsockopt(sk, IPPROTO_TCP, TCP_REPAIR_QUEUE, &queue, sizeof(queue)) < 0) {
		probe_set(p, false, "TCP_REPAIR_QUEUE: %s", strerror(errno));
	} else {
		probe_set(p, true, "a TCP socket entered repair mode and took TCP_REPAIR_QUEUE");
	}
	close(sk);
}

/* A ring with one NOP through it: io_uring is there and not disabled by sysctl. */
void probe_io_uring(struct check_probe *p)
{
	struct __kernel_timespec ts = { .tv_sec = PROBE_TIMEOUT_MS / 1000 };
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int rc;

	rc = io_uring_queue_init(4, &ring, 0);
	if (rc < 0) {
		probe_set(p, false, "io_uring_queue_init: %s%s", strerror(-rc),
			  rc == -EPERM ? " (kernel.io_uring_disabled?)" : "");
		return;
	}
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	rc = io_uring_submit(&ring);
	if (rc == 1)
		rc = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	else if (rc >= 0)
		rc = -EIO;
	if (rc < 0) {
		probe_set(p, false, "a NOP through io_uring: %s", strerror(-rc));
	} else {
		if (cqe->res < 0)
			probe_set(p, false, "io_uring NOP completed with %s", strerror(-cqe->res));
		else
			probe_set(p, true, "a ring ran a NOP");
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
}

void probe_io_uring_send_zc(struct check_probe *p)
{
	struct io_uring_probe *probe = io_uring_get_probe();

	if (!probe) {
		probe_set(p, false, "io_uring_get_probe failed: no io_uring, or opcode probing (5.6+)");
		return;
	}
	if (io_uring_opcode_supported(probe, IORING_OP_SEND_ZC))
		probe_set(p, true, "io_uring_get_probe lists IORING_OP_SEND_ZC");
	else
		probe_set(p, false, "io_uring_get_probe does not list IORING_OP_SEND_ZC (6.0+)");
	io_uring_free_probe(probe);
}

#ifdef HAVE_RDMA
void probe_rdma(struct check_probe *p)
{
	struct ibv_device **list;
	int n = 0;

	list = ibv_get_device_list(&n);
	if (!list) {
		probe_set(p, false, "ibv_get_device_list: %s%s", strerror(errno),
			  errno == ENOSYS ? " (no RDMA support in this kernel)" : "");
		return;
	}
	if (n > 0)
		probe_set(p, true, "%d verbs device%s, the first %s", n, n == 1 ? "" : "s",
			  ibv_get_device_name(list[0]));
	else
		probe_set(p, false, "no RDMA devices (ibv_get_device_list found none)");
	ibv_free_device_list(list);
}
#else
void probe_rdma(struct check_probe *p)
{
	probe_set(p, false, "not built (configure found no libibverbs/librdmacm)");
}
#endif

/* --tls: GnuTLS is linked in; whether it initialises here. */
void probe_tls(struct check_probe *p)
{
	char why[CHECK_DETAIL_MAX] = "";
	bool ok = tp_tls_probe(why, sizeof(why)) == 0;

	probe_set(p, ok, "%s", why);
}

/* Kernel TLS: then --tls leaves the data path to the back end (uring too). */
void probe_ktls(struct check_probe *p)
{
	const char *why = "";
	bool ok = tp_ktls_probe(&why) == 0;

	probe_set(p, ok, "%s", why);
}

/* Connections not yet accepted by the process: put back into a listener's queue at restore. */
void probe_accept_queue(struct check_probe *p)
{
	const char *why = NULL;
	int ret = acceptq_probe(&why);

	if (ret)
		probe_set(p, false, "%s: %s", why, strerror(-ret));
	else
		probe_set(p, true, "loaded a classifier calling bpf_sk_assign_tcp_reqsk and attached it to lo");
}
