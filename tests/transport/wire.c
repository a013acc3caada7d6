/*
 * A real receiver facing a hand-made peer on loopback: every malformed
 * or out-of-order frame gives one error on the receiver (-EPROTO or
 * -EBADMSG) and a RESULT naming it back to the peer; a peer speaking
 * another protocol version is refused with a message on both sides.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crc32c.h"
#include "tptest.h"

static struct tp_listener *lis;
static uint8_t page[TPW_PAGE_SIZE];

/* Encode one frame into buf; returns its size. */
static size_t enc(uint8_t *buf, const struct tp_msg *m, const void *data, size_t dlen)
{
	size_t fl = tp_fixed_encode(m, buf + TPW_HDR_SIZE);

	if (dlen)
		memcpy(buf + TPW_HDR_SIZE + fl, data, dlen);
	tp_hdr_encode(buf, m->type, (uint32_t)(fl + dlen),
		      crc32c(0, buf + TPW_HDR_SIZE, fl + dlen));
	return TPW_HDR_SIZE + fl + dlen;
}

static void reseal(uint8_t *hdr)
{
	uint32_t c = crc32c(0, hdr, 20);

	memcpy(hdr + 20, &c, 4);
}

static int raw_connect(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("connect");
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const void *buf, size_t len)
{
	return send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* Read one frame; returns its type, status and text for RESULT. */
static int read_frame(int fd, struct tp_msg *m, char *text)
{
	static uint8_t buf[TPW_HDR_SIZE + 2048];
	struct tp_why why;
	struct tp_hdr h;

	if (recv(fd, buf, TPW_HDR_SIZE, MSG_WAITALL) != TPW_HDR_SIZE)
		return -1;
	if (tp_hdr_decode(buf, &h, &why) || h.length > 2048)
		return -1;
	if (recv(fd, buf + TPW_HDR_SIZE, h.length, MSG_WAITALL) != (ssize_t)h.length)
		return -1;
	if (tp_fixed_decode(&h, buf + TPW_HDR_SIZE, h.length, m, &why) < 0)
		return -1;
	if (m->type == TP_RESULT && text) {
		memcpy(text, buf + TPW_HDR_SIZE + TPW_RESULT_FIXED, m->data_len);
		text[m->data_len] = '\0';
	}
	return 0;
}

/* The client side of a keyless handshake, by hand. */
static int raw_handshake(int fd)
{
	struct tp_msg m = { .type = TP_HELLO };
	uint8_t buf[256];

	m.hello.role = TPW_ROLE_CLIENT;
	m.hello.features = TPW_FEAT_LZ4;
	if (send_all(fd, buf, enc(buf, &m, NULL, 0)) || read_frame(fd, &m, NULL) ||
	    m.type != TP_HELLO)
		return -1;
	memset(&m, 0, sizeof(m));
	m.type = TP_RESULT;
	return send_all(fd, buf, enc(buf, &m, NULL, 0));
}

struct srv_case {
	int want_accept;	/* rc of tp_accept */
	int want_rc;		/* rc of the first failing receive */
};

static int serve(void *arg)
{
	static uint8_t dest[TPW_MAX_RUN_PAGES * TPW_PAGE_SIZE];
	struct srv_case *sc = arg;
	struct tp_conn *c;
	struct tp_msg m;
	int rc;

	rc = tp_accept(lis, &c);
	if (rc != sc->want_accept) {
		printf("server: accept %d, want %d\n", rc, sc->want_accept);
		return 1;
	}
	if (rc)
		return 0;
	for (;;) {
		rc = tp_recv(c, &m, NULL);
		if (rc == 1 && m.type == TP_PAGES)
			rc = tp_recv_pages(c, dest) ?: 1;
		if (rc != 1)
			break;
	}
	tp_close(c);
	if (rc != sc->want_rc) {
		printf("server: receive %d, want %d\n", rc, sc->want_rc);
		return 1;
	}
	return 0;
}

/*
 * Connect by hand, do the handshake unless hs is false, send bytes,
 * expect the server's RESULT with status (or none if status < 0).
 */
static void run(const char *what, bool hs, const uint8_t *bytes, size_t len,
		struct srv_case sc, int status, const char *needle)
{
	char text[TPW_MAX_RESULT_MSG + 1] = "";
	struct tp_msg m;
	pid_t pid;
	int fd, rc;

	printf("-- %s\n", what);
	pid = tpt_fork(serve, &sc);
	fd = raw_connect(tp_listener_port(lis));
	CHECK(fd >= 0, "%s: connect", what);
	if (fd < 0)
		return;
	if (hs)
		CHECK(raw_handshake(fd) == 0, "%s: handshake", what);
	CHECK(send_all(fd, bytes, len) == 0, "%s: send", what);
	if (status >= 0) {
		rc = read_frame(fd, &m, text);
		CHECK(rc == 0 && m.type == TP_RESULT && (int)m.result.status == status,
		      "%s: no RESULT %d (rc %d type %d status %d)", what, status, rc, m.type,
		      m.result.status);
		CHECK(strstr(text, needle), "%s: RESULT \"%s\" lacks \"%s\"", what, text, needle);
	} else {
		shutdown(fd, SHUT_WR);
	}
	close(fd);
	CHECK(tpt_wait(pid, 20) == 0, "%s: server", what);
}

static uint8_t buf[3 * TPW_MAX_PAYLOAD];

static size_t begin(uint8_t *p)
{
	struct tp_msg m = { .type = TP_ROUND_BEGIN };

	m.round.round = 1;
	return enc(p, &m, NULL, 0);
}

static size_t one_page(uint8_t *p)
{
	struct tp_msg m = { .type = TP_PAGES };

	m.pages.pid = 7;
	m.pages.vaddr = 0x400000;
	m.pages.nr_pages = 1;
	return enc(p, &m, page, sizeof(page));
}

static int client_side(void *arg)
{
	/* A "server" speaking version 2 at a real client. */
	int lfd = *(int *)arg, fd;
	struct tp_msg m = { .type = TP_HELLO };
	uint8_t b[256];
	size_t n;

	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return 1;
	if (read_frame(fd, &m, NULL) || m.type != TP_HELLO)
		return 1;
	m.hello.role = TPW_ROLE_SERVER;
	n = enc(b, &m, NULL, 0);
	b[4] = 2;
	reseal(b);
	if (send_all(fd, b, n))
		return 1;
	/* The client must tell us it refuses. */
	if (recv(fd, b, TPW_HDR_SIZE, MSG_WAITALL) != TPW_HDR_SIZE || b[6] != TPW_T_RESULT)
		return 1;
	close(fd);
	return 0;
}

static void test_client_version(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct tp_opts o = { .timeout_ms = 5000 };
	socklen_t al = sizeof(a);
	struct tp_conn *c;
	int lfd, rc;
	pid_t pid;

	printf("-- client meets a version 2 server\n");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al)) {
		CHECK(0, "raw listen");
		return;
	}
	pid = tpt_fork(client_side, &lfd);
	rc = tp_connect(&o, "127.0.0.1", ntohs(a.sin_port), &c);
	CHECK(rc == -EPROTO, "client: %d, want -EPROTO", rc);
	CHECK(tpt_wait(pid, 20) == 0, "raw server saw no refusal");
	close(lfd);
}

int main(void)
{
	struct tp_opts o = { .timeout_ms = 5000 };
	struct tp_msg m;
	size_t n;

	alarm(120);
	tpt_fill(page, sizeof(page), TPT_RANDOM, 3);
	if (tp_listen(&o, "127.0.0.1", 0, &lis))
		return 1;

	/* Version 2 HELLO: refused, RESULT VERSION back. */
	memset(&m, 0, sizeof(m));
	m.type = TP_HELLO;
	m.hello.role = TPW_ROLE_CLIENT;
	n = enc(buf, &m, NULL, 0);
	buf[4] = 2;
	reseal(buf);
	run("version 2 client", false, buf, n, (struct srv_case){ -EPROTO, 0 },
	    TPW_STATUS_VERSION, "peer speaks protocol version 2, this lmig speaks 1");

	/* Frames before HELLO. */
	n = begin(buf);
	run("ROUND_BEGIN before HELLO", false, buf, n, (struct srv_case){ -EPROTO, 0 },
	    TPW_STATUS_PROTOCOL, "ROUND_BEGIN during the handshake, expected HELLO");

	/* PAGES outside a round. */
	n = one_page(buf);
	run("PAGES outside a round", true, buf, n, (struct srv_case){ 0, -EPROTO },
	    TPW_STATUS_PROTOCOL, "PAGES outside a round");

	/* A flipped bit in page data: crc. */
	n = begin(buf);
	n += one_page(buf + n);
	buf[n - 100] ^= 4;
	run("corrupted page", true, buf, n, (struct srv_case){ 0, -EBADMSG },
	    TPW_STATUS_ABORTED, "checksum mismatch");

	/* A length above the bound: refused from the header alone. */
	n = begin(buf);
	n += one_page(buf + n);
	memcpy(buf + n - sizeof(page) - TPW_PAGES_FIXED - TPW_HDR_SIZE + 12,
	       &(uint32_t){ 0x7fffffff }, 4);
	reseal(buf + n - sizeof(page) - TPW_PAGES_FIXED - TPW_HDR_SIZE);
	run("oversized length", true, buf, n, (struct srv_case){ 0, -EPROTO },
	    TPW_STATUS_PROTOCOL, "PAGES frame of 2147483647 bytes");

	/* Unknown type. */
	n = begin(buf);
	buf[6] = 77;
	reseal(buf);
	run("unknown type", true, buf, n, (struct srv_case){ 0, -EPROTO },
	    TPW_STATUS_PROTOCOL, "unknown frame type 77");

	/* The peer closes in the middle of a frame, then between frames. */
	n = begin(buf);
	n += one_page(buf + n);
	run("close mid-frame", true, buf, n - 1000, (struct srv_case){ 0, -EPROTO }, -1, "");
	run("close between frames", true, buf, n, (struct srv_case){ 0, 0 }, -1, "");

	tp_listener_close(lis);
	test_client_version();
	if (failures) {
		printf("%d check(s) failed\n", failures);
		return 1;
	}
	printf("transport wire: all checks passed\n");
	return 0;
}
