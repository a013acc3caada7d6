/*
 * --tls, bounded: every wait of the TLS handshake ends by the timeout
 * with -ETIMEDOUT (a server that accepts and says nothing, a client that
 * connects and says nothing, one that stops in its ClientHello); a peer
 * sending something that is not TLS is refused at once; the options are
 * checked; a good pair passes, by address and by name, and a name the
 * server's certificate does not hold is refused (unless told not to
 * check). Runs on loopback
 * with the certificates of tls-certs.sh in $TLS_CERTS (tls-bounds.sh).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tptest.h"

#define TIMEOUT_MS 1000u

static char cacert[512], scert[512], skey[512], ccert[512], ckey[512];
static struct tp_listener *lis;
static uint16_t raw_port;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --tls with the throwaway CA and this side's certificate and key. */
static struct tp_opts tls_opts(const char *cert, const char *key)
{
	struct tp_opts o = { .timeout_ms = TIMEOUT_MS };

	o.tls.on = true;
	o.tls.cacert = cacert;
	o.tls.cert = cert;
	o.tls.key = key;
	return o;
}

static int raw_connect(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A TCP listener that accepts and never says a word; its port in raw_port. */
static int raw_listen(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&a, &l))
		return -1;
	raw_port = ntohs(a.sin_port);
	return fd;
}

/* The client side of "silent" cases: connect, send what arg says, stay quiet 3 s. */
static int quiet_client(void *arg)
{
	const char *say = arg;
	int fd = raw_connect(tp_listener_port(lis));

	if (fd < 0)
		return 3;
	if (say && write(fd, say, strlen(say)) != (ssize_t)strlen(say))
		return 3;
	sleep(3);
	close(fd);
	return 0;
}

static void accept_bounded(const char *what, const char *say, int want)
{
	struct tp_opts so = tls_opts(scert, skey);
	struct tp_conn *c;
	double t0, dt;
	pid_t pid;
	int rc;

	printf("-- %s\n", what);
	rc = tp_listen(&so, "127.0.0.1", 0, &lis);
	if (rc) {
		CHECK(0, "%s: listen %d", what, rc);
		return;
	}
	pid = tpt_fork(quiet_client, (void *)say);
	t0 = now_s();
	rc = tp_accept(lis, &c);
	dt = now_s() - t0;
	CHECK(rc == want, "%s: accept %d, want %d", what, rc, want);
	CHECK(dt < TIMEOUT_MS / 1000.0 + 2, "%s: accept took %.1f s", what, dt);
	if (!rc)
		tp_close(c);
	tpt_wait(pid, 10);
	tp_listener_close(lis);
}

static void connect_to_silent_server(void)
{
	struct tp_opts co = tls_opts(ccert, ckey);
	struct tp_conn *c;
	int lfd = raw_listen(), rc;
	double t0, dt;

	printf("-- a page server that accepts and never answers\n");
	if (lfd < 0) {
		CHECK(0, "raw listener");
		return;
	}
	t0 = now_s();
	rc = tp_connect(&co, "127.0.0.1", raw_port, &c);
	dt = now_s() - t0;
	CHECK(rc == -ETIMEDOUT, "connect %d, want -ETIMEDOUT", rc);
	CHECK(dt < TIMEOUT_MS / 1000.0 + 2, "connect took %.1f s", dt);
	if (!rc)
		tp_close(c);
	close(lfd);
}

/* A good pair, dialled as host: the stream works after TLS and the HELLO. */
static void good_pair(const char *host, const char *key)
{
	struct tp_opts so = tls_opts(scert, skey), co = tls_opts(ccert, ckey);
	struct tp_conn *c;
	pid_t pid;
	int rc;

	printf("-- a good pair, to %s%s\n", host, key ? ", with an auth key" : "");
	so.auth_key_file = co.auth_key_file = key;
	so.timeout_ms = co.timeout_ms = 5000;
	rc = tp_listen(&so, "127.0.0.1", 0, &lis);
	if (rc) {
		CHECK(0, "listen %d", rc);
		return;
	}
	pid = tpt_fork(tpt_serve_commit, lis);
	rc = tp_connect(&co, host, tp_listener_port(lis), &c);
	CHECK(rc == 0, "%s: connect %d", host, rc);
	if (!rc) {
		CHECK(tpt_commit_welcome(c) == 0, "%s: no RESULT after the handshake", host);
		tp_close(c);
	}
	CHECK(tpt_wait(pid, 20) == 0, "%s: the server failed", host);
	tp_listener_close(lis);
}

static int serve_refused(void *arg)
{
	struct tp_conn *c;

	(void)arg;
	return tp_accept(lis, &c) == -EACCES ? 0 : 3;
}

/*
 * 127.0.0.2 reaches the same listener, but the server's certificate names
 * 127.0.0.1, 198.18.0.2 and localhost only: refused unless no_cn_verify.
 */
static void wrong_name(bool no_cn_verify)
{
	struct tp_opts so = tls_opts(scert, skey), co = tls_opts(ccert, ckey);
	struct tp_conn *c;
	pid_t pid;
	int rc;

	printf("-- dialled by another name%s\n", no_cn_verify ? ", --tls-no-cn-verify" : "");
	co.tls.no_cn_verify = no_cn_verify;
	so.timeout_ms = co.timeout_ms = 5000;
	rc = tp_listen(&so, NULL, 0, &lis);
	if (rc) {
		CHECK(0, "listen %d", rc);
		return;
	}
	pid = tpt_fork(no_cn_verify ? tpt_serve_commit : serve_refused, lis);
	rc = tp_connect(&co, "127.0.0.2", tp_listener_port(lis), &c);
	if (no_cn_verify) {
		CHECK(rc == 0, "--tls-no-cn-verify: connect %d", rc);
		if (!rc) {
			tpt_commit_welcome(c);
			tp_close(c);
		}
	} else {
		CHECK(rc == -EACCES, "a certificate for another name: connect %d, want -EACCES", rc);
		if (!rc)
			tp_close(c);
	}
	CHECK(tpt_wait(pid, 20) == 0, "the server side of the name check");
	tp_listener_close(lis);
}

static void options(void)
{
	struct tp_tls_opts o = { 0 };

	printf("-- options\n");
	CHECK(tp_tls_opts_check(&o) == 0, "no TLS at all");
	o.cert = ccert;
	CHECK(tp_tls_opts_check(&o) == -EINVAL, "--tls-cert without --tls");
	o.on = true;
	CHECK(tp_tls_opts_check(&o) == -EINVAL, "--tls without --tls-cacert");
	o.cacert = cacert;
	CHECK(tp_tls_opts_check(&o) == -EINVAL, "--tls without --tls-key");
	o.key = ckey;
	CHECK(tp_tls_opts_check(&o) == 0, "--tls with the three files");
	CHECK(tp_tls_opt(TP_OPT_TLS_NO_CN_VERIFY, NULL, &o) && o.no_cn_verify,
	      "--tls-no-cn-verify");
	CHECK(!tp_tls_opt('x', NULL, &o), "another option taken as TLS");
}

int main(void)
{
	const char *d = getenv("TLS_CERTS");
	struct tp_opts so;
	struct tp_listener *l;
	char key[512];

	if (!d) {
		printf("SKIP: TLS_CERTS is not set (run tls-bounds.sh)\n");
		return 77;
	}
	snprintf(cacert, sizeof(cacert), "%s/ca.pem", d);
	snprintf(scert, sizeof(scert), "%s/server.pem", d);
	snprintf(skey, sizeof(skey), "%s/server.key", d);
	snprintf(ccert, sizeof(ccert), "%s/client.pem", d);
	snprintf(ckey, sizeof(ckey), "%s/client.key", d);
	options();
	accept_bounded("a client that connects and says nothing", NULL, -ETIMEDOUT);
	accept_bounded("a client that stops in its ClientHello", "\x16\x03\x01\x01", -ETIMEDOUT);
	accept_bounded("a client that speaks HTTP", "GET / HTTP/1.0\r\n\r\n", -EPROTO);
	connect_to_silent_server();
	good_pair("127.0.0.1", NULL);
	good_pair("localhost", NULL);
	wrong_name(false);
	wrong_name(true);
	if (tpt_key(tpt_tmpdir(), 1, key, sizeof(key)) == 0)
		good_pair("127.0.0.1", key);
	else
		CHECK(0, "cannot write a key");
	printf("-- a missing certificate file\n");
	so = tls_opts(scert, skey);
	so.tls.cert = "/nonexistent/server.pem";
	CHECK(tp_listen(&so, "127.0.0.1", 0, &l) == -ENOENT, "missing --tls-cert");
	tpt_cleanup();
	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
