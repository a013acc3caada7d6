/*
 * TLS under the framing, with GnuTLS; kernel TLS when the kernel has it
 * (see tls.h).
 */
#define LOG_PREFIX "transport: "
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/tls.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "log.h"
#include "transport/protocol.h"
#include "transport/sock.h"
#include "transport/tls.h"

/* The most plaintext one TLS record holds. */
#define TLS_REC 16384u
/* Received bytes read ahead for GnuTLS, which asks for each record's header and body apart. */
#define TLS_RBUF (256u << 10)
/* TLS 1.3 only: both ends are lmig, and kernel TLS takes its keys as is. */
#define TLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3"
/* The first byte of a TLS handshake record (a ClientHello). */
#define TLS_HANDSHAKE_RECORD 0x16

struct tp_tls {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	bool server;
	bool no_cn_verify;
	/* The listener and each GnuTLS-record link hold one: GnuTLS needs cred while a session lives. */
	unsigned int refs;
};

/*
 * The handshake's transport, and afterwards (without kernel TLS) the
 * link whose bytes GnuTLS encrypts, over the back end's socket.
 */
struct tls_link {
	struct tp_link base;
	struct tp_backend ops;	/* tls_ops, named after the back end below */
	struct tp_link *inner;
	struct tp_tls *tls;	/* a reference, while the session lives */
	gnutls_session_t s;
	int fd;
	uint8_t seen[4];	/* the first bytes received: a plain lmig peer? */
	size_t nseen;
	char why[96];		/* why kernel TLS was not used */
	/* After the handshake, without kernel TLS: the read-ahead (TLS_RBUF). */
	uint8_t *rbuf;
	size_t rpos, rlen;
	size_t staged;		/* bytes in stage, sent as one record */
	uint8_t stage[TLS_REC];
};

static const struct tp_backend tls_ops;

static void tls_put(struct tp_tls *t)
{
	if (!t || --t->refs)
		return;
	gnutls_priority_deinit(t->prio);
	gnutls_certificate_free_credentials(t->cred);
	free(t);
}

void tp_tls_free(struct tp_tls *t)
{
	tls_put(t);
}

static int readable(const char *opt, const char *path)
{
	int rc;

	if (access(path, R_OK) == 0)
		return 0;
	rc = -errno;
	pr_perror("%s %s", opt, path);
	return rc;
}

/* Our own certificate out of its dates would only be refused by the peer: say so now. */
static int check_dates(gnutls_certificate_credentials_t cred, const char *path)
{
	gnutls_x509_crt_t *crts;
	unsigned int n = 0, i;
	time_t now = time(NULL), from, until;
	char when[32];
	int rc = 0;

	if (gnutls_certificate_get_x509_crt(cred, 0, &crts, &n) < 0)
		return 0;	/* the peer will tell */
	if (n) {
		from = gnutls_x509_crt_get_activation_time(crts[0]);
		until = gnutls_x509_crt_get_expiration_time(crts[0]);
		if (now < from || now > until) {
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC",
				 gmtime(now < from ? &from : &until));
			pr_err("--tls-cert %s: the certificate %s %s", path,
			       now < from ? "is valid only from" : "expired on", when);
			rc = -EKEYEXPIRED;
		}
	}
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	return rc;
}

int tp_tls_new(const struct tp_tls_opts *o, bool server, struct tp_tls **out)
{
	struct tp_tls *t;
	int rc;

	rc = readable("--tls-cacert", o->cacert);
	if (!rc)
		rc = readable("--tls-cert", o->cert);
	if (!rc)
		rc = readable("--tls-key", o->key);
	if (rc)
		return rc;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->refs = 1;
	t->server = server;
	t->no_cn_verify = o->no_cn_verify;
	rc = gnutls_certificate_allocate_credentials(&t->cred);
	if (rc < 0) {
		pr_err("GnuTLS: %s", gnutls_strerror(rc));
		rc = -ENOMEM;
		goto err_free;
	}
	rc = gnutls_certificate_set_x509_trust_file(t->cred, o->cacert, GNUTLS_X509_FMT_PEM);
	if (rc <= 0) {
		pr_err("--tls-cacert %s: no CA certificate read from it%s%s", o->cacert,
		       rc < 0 ? ": " : "", rc < 0 ? gnutls_strerror(rc) : "");
		rc = -EINVAL;
		goto err_cred;
	}
	rc = gnutls_certificate_set_x509_key_file(t->cred, o->cert, o->key, GNUTLS_X509_FMT_PEM);
	if (rc < 0) {
		pr_err("--tls-cert %s, --tls-key %s: %s", o->cert, o->key, gnutls_strerror(rc));
		rc = -EINVAL;
		goto err_cred;
	}
	rc = check_dates(t->cred, o->cert);
	if (rc)
		goto err_cred;
	rc = gnutls_priority_init(&t->prio, TLS_PRIORITY, NULL);
	if (rc < 0) {
		pr_err("GnuTLS priority \"%s\": %s", TLS_PRIORITY, gnutls_strerror(rc));
		rc = -EINVAL;
		goto err_cred;
	}
	*out = t;
	return 0;
err_cred:
	gnutls_certificate_free_credentials(t->cred);
err_free:
	free(t);
	return rc;
}

int tp_ktls_probe(const char **why)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0) {
		*why = "cannot open a TCP socket";
		return -errno;
	}
	/* The ULP exists when only the socket's state is refused. */
	rc = setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) ? -errno : 0;
	close(fd);
	if (rc == 0 || rc == -ENOTCONN) {
		*why = "the kernel has the \"tls\" TCP ULP: TLS records are sealed in the kernel";
		return 0;
	}
	*why = rc == -ENOENT ? "no \"tls\" TCP ULP in this kernel (CONFIG_TLS; modprobe tls): "
			       "GnuTLS seals the records in lmig, tcp only" :
			       "the \"tls\" TCP ULP is refused here: GnuTLS seals the records in lmig, tcp only";
	return -ENODEV;
}

int tp_tls_probe(char *why, size_t len)
{
	int rc = gnutls_global_init();

	if (rc < 0) {
		snprintf(why, len, "GnuTLS does not initialise: %s", gnutls_strerror(rc));
		return -EIO;
	}
	snprintf(why, len, "GnuTLS %s: TLS 1.3 with mutual certificates",
		 gnutls_check_version(NULL));
	gnutls_global_deinit();
	return 0;
}

int tp_tls_backend_ok(const struct tp_backend *be)
{
	const char *why;

	if (!be->sockfd) {
		pr_err("--tls over %s is not possible (no TCP socket to run TLS on); "
		       "use --transport tcp", be->name);
		return -EOPNOTSUPP;
	}
	/* GnuTLS records would bypass the back end's own data path. */
	if (strcmp(be->name, "tcp") && tp_ktls_probe(&why)) {
		pr_err("--tls over %s needs kernel TLS, and this kernel has no \"tls\" TCP ULP "
		       "(modprobe tls); use --transport tcp", be->name);
		return -EOPNOTSUPP;
	}
	return 0;
}

bool tp_tls_looks_like_tls(const uint8_t *buf, size_t len)
{
	return len >= 3 && buf[0] == TLS_HANDSHAKE_RECORD && buf[1] == 3 && buf[2] <= 4;
}

/* GnuTLS's transport: the socket, bounded by SO_RCVTIMEO/SO_SNDTIMEO and poll. */
static ssize_t tls_pull(gnutls_transport_ptr_t p, void *buf, size_t len)
{
	struct tls_link *tl = p;
	bool ahead;
	ssize_t r;

	if (tl->rpos < tl->rlen) {
		r = (ssize_t)(tl->rlen - tl->rpos < len ? tl->rlen - tl->rpos : len);
		memcpy(buf, tl->rbuf + tl->rpos, (size_t)r);
		tl->rpos += (size_t)r;
		return r;
	}
	/* Never during the handshake: what follows it may be the kernel's to read. */
	ahead = tl->rbuf && len < TLS_RBUF;
	do
		r = recv(tl->fd, ahead ? tl->rbuf : buf, ahead ? TLS_RBUF : len, 0);
	while (r < 0 && errno == EINTR);
	if (ahead && r > 0) {
		tl->rpos = (size_t)r < len ? (size_t)r : len;
		tl->rlen = (size_t)r;
		memcpy(buf, tl->rbuf, tl->rpos);
		return (ssize_t)tl->rpos;
	}
	if (r < 0) {
		gnutls_transport_set_errno(tl->s, errno == EWOULDBLOCK ? EAGAIN : errno);
		return -1;
	}
	if (tl->nseen < sizeof(tl->seen)) {
		size_t n = sizeof(tl->seen) - tl->nseen;

		n = (size_t)r < n ? (size_t)r : n;
		memcpy(tl->seen + tl->nseen, buf, n);
		tl->nseen += n;
	}
	return r;
}

static ssize_t tls_push(gnutls_transport_ptr_t p, const giovec_t *iov, int iovcnt)
{
	struct tls_link *tl = p;
	struct msghdr mh = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	ssize_t r;

	do
		r = sendmsg(tl->fd, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		gnutls_transport_set_errno(tl->s, errno == EWOULDBLOCK ? EAGAIN : errno);
		return -1;
	}
	return r;
}

static int tls_pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	struct tls_link *tl = p;
	struct pollfd pfd = { .fd = tl->fd, .events = POLLIN };
	int n;

	if (tl->rpos < tl->rlen)
		return 1;
	do
		n = poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
	while (n < 0 && errno == EINTR);
	return n;
}

static int session_new(struct tp_tls *t, struct tls_link *tl, const char *host)
{
	unsigned int flags = GNUTLS_NO_TICKETS | GNUTLS_NO_SIGNAL;
	int rc;

	rc = gnutls_init(&tl->s, flags | (t->server ? GNUTLS_SERVER : GNUTLS_CLIENT));
	if (rc < 0)
		goto err;
	rc = gnutls_priority_set(tl->s, t->prio);
	if (rc >= 0)
		rc = gnutls_credentials_set(tl->s, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (rc < 0)
		goto err;
	if (t->server)
		gnutls_certificate_server_set_request(tl->s, GNUTLS_CERT_REQUIRE);
	/* Checked in the handshake: the chain, dates, and the name for a client. */
	gnutls_session_set_verify_cert(tl->s, t->server || t->no_cn_verify ? NULL : host, 0);
	gnutls_transport_set_ptr(tl->s, tl);
	gnutls_transport_set_pull_function(tl->s, tls_pull);
	gnutls_transport_set_pull_timeout_function(tl->s, tls_pull_timeout);
	gnutls_transport_set_vec_push_function(tl->s, tls_push);
	gnutls_handshake_set_timeout(tl->s, tl->base.timeout_ms);
	gnutls_record_set_timeout(tl->s, tl->base.timeout_ms);
	return 0;
err:
	pr_err("%s %s: GnuTLS session: %s", tl->ops.name, tl->base.peer, gnutls_strerror(rc));
	return -ENOMEM;
}

static bool peer_is_plain_lmig(const struct tls_link *tl)
{
	static const uint8_t magic[4] = {
		TPW_MAGIC & 0xff, (TPW_MAGIC >> 8) & 0xff, (TPW_MAGIC >> 16) & 0xff, TPW_MAGIC >> 24,
	};

	return tl->nseen == sizeof(magic) && !memcmp(tl->seen, magic, sizeof(magic));
}

/* Log why the handshake failed, naming the peer; tell the peer (an alert). */
static int handshake_failed(struct tp_tls *t, struct tls_link *tl, int err)
{
	const char *name = tl->ops.name, *peer = tl->base.peer;
	gnutls_datum_t txt = { NULL, 0 };
	int rc;

	if (peer_is_plain_lmig(tl)) {
		pr_err("%s %s: TLS mismatch: the %s answered without TLS (it has no --tls)",
		       name, peer, t->server ? "sender" : "page server");
		return -EPROTO;
	}
	switch (err) {
	case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
		gnutls_certificate_verification_status_print(
			gnutls_session_get_verify_cert_status(tl->s), GNUTLS_CRT_X509, &txt, 0);
		while (txt.size && txt.data[txt.size - 1] == ' ')
			txt.data[--txt.size] = '\0';
		pr_err("%s %s: the %s's TLS certificate is refused: %s", name, peer,
		       t->server ? "sender" : "page server", txt.data ? (char *)txt.data : "?");
		gnutls_free(txt.data);
		rc = -EACCES;
		break;
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		pr_err("%s %s: the %s refused the TLS handshake: %s (TLS alert)", name, peer,
		       t->server ? "sender" : "page server",
		       gnutls_alert_get_name(gnutls_alert_get(tl->s)));
		return -EACCES;
	case GNUTLS_E_NO_CERTIFICATE_FOUND:
	case GNUTLS_E_CERTIFICATE_REQUIRED:
		/* A client sends only a certificate of a CA the server names. */
		pr_err("%s %s: the %s presented no TLS certificate signed by this side's CA "
		       "(--tls-cacert): it has one from another CA, or none", name, peer,
		       t->server ? "sender" : "page server");
		rc = -EACCES;
		break;
	case GNUTLS_E_TIMEDOUT:
	case GNUTLS_E_AGAIN:
		pr_err("%s %s: the TLS handshake did not finish within %u ms", name, peer,
		       tl->base.timeout_ms);
		return -ETIMEDOUT;
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		pr_err("%s %s: the peer closed the connection during the TLS handshake", name, peer);
		return -ECONNRESET;
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
	case GNUTLS_E_UNEXPECTED_PACKET:
		pr_err("%s %s: the peer does not speak TLS (%s)", name, peer, gnutls_strerror(err));
		rc = -EPROTO;
		break;
	default:
		pr_err("%s %s: TLS handshake: %s", name, peer, gnutls_strerror(err));
		rc = -EPROTO;
		break;
	}
	gnutls_alert_send_appropriate(tl->s, err);
	return rc;
}

/* Server: the client's certificate is accepted. Client: wait to hear it. */
static int ready(struct tp_tls *t, struct tls_link *tl)
{
	const char *name = tl->ops.name, *peer = tl->base.peer;
	uint8_t b = TP_TLS_READY;
	ssize_t r;

	if (t->server) {
		do
			r = gnutls_record_send(tl->s, &b, 1);
		while (r == GNUTLS_E_INTERRUPTED);
		if (r == 1)
			return 0;
		pr_err("%s %s: TLS: cannot send: %s", name, peer, gnutls_strerror((int)r));
		return -ECONNRESET;
	}
	do
		r = gnutls_record_recv(tl->s, &b, 1);
	while (r == GNUTLS_E_INTERRUPTED);
	if (r == 1 && b == TP_TLS_READY)
		return 0;
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		gnutls_alert_description_t a = gnutls_alert_get(tl->s);

		pr_err("%s %s: the page server refused this side's TLS certificate: %s (TLS alert)%s",
		       name, peer, gnutls_alert_get_name(a), a == GNUTLS_A_CERTIFICATE_REQUIRED ?
		       ": it trusts no CA that signed --tls-cert" : "");
		return -EACCES;
	}
	if (r == GNUTLS_E_TIMEDOUT || r == GNUTLS_E_AGAIN) {
		pr_err("%s %s: no word from the page server within %u ms after the TLS handshake",
		       name, peer, tl->base.timeout_ms);
		return -ETIMEDOUT;
	}
	if (r == 0 || r == GNUTLS_E_PREMATURE_TERMINATION) {
		pr_err("%s %s: the page server closed the connection after the TLS handshake",
		       name, peer);
		return -ECONNRESET;
	}
	pr_err("%s %s: TLS: %s", name, peer, r < 0 ? gnutls_strerror((int)r) : "unexpected data");
	return -EPROTO;
}

/* Hand one direction's key, IV and sequence number to the kernel. */
static int ktls_set(struct tls_link *tl, int dir)
{
	union {
		struct tls12_crypto_info_aes_gcm_128 g128;
		struct tls12_crypto_info_aes_gcm_256 g256;
		struct tls12_crypto_info_chacha20_poly1305 cc;
	} ci;
	gnutls_datum_t mac, iv, key;
	unsigned char seq[8];
	socklen_t len;
	int rc;

	if (gnutls_record_get_state(tl->s, dir == TLS_RX, &mac, &iv, &key, seq) < 0)
		return -EIO;
	memset(&ci, 0, sizeof(ci));
	switch (gnutls_cipher_get(tl->s)) {
	case GNUTLS_CIPHER_AES_128_GCM:
		if (iv.size != 12 || key.size != sizeof(ci.g128.key))
			return -EINVAL;
		ci.g128.info.version = TLS_1_3_VERSION;
		ci.g128.info.cipher_type = TLS_CIPHER_AES_GCM_128;
		memcpy(ci.g128.salt, iv.data, 4);
		memcpy(ci.g128.iv, iv.data + 4, 8);
		memcpy(ci.g128.key, key.data, key.size);
		memcpy(ci.g128.rec_seq, seq, 8);
		len = sizeof(ci.g128);
		break;
	case GNUTLS_CIPHER_AES_256_GCM:
		if (iv.size != 12 || key.size != sizeof(ci.g256.key))
			return -EINVAL;
		ci.g256.info.version = TLS_1_3_VERSION;
		ci.g256.info.cipher_type = TLS_CIPHER_AES_GCM_256;
		memcpy(ci.g256.salt, iv.data, 4);
		memcpy(ci.g256.iv, iv.data + 4, 8);
		memcpy(ci.g256.key, key.data, key.size);
		memcpy(ci.g256.rec_seq, seq, 8);
		len = sizeof(ci.g256);
		break;
	case GNUTLS_CIPHER_CHACHA20_POLY1305:
		if (iv.size != sizeof(ci.cc.iv) || key.size != sizeof(ci.cc.key))
			return -EINVAL;
		ci.cc.info.version = TLS_1_3_VERSION;
		ci.cc.info.cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
		memcpy(ci.cc.iv, iv.data, iv.size);
		memcpy(ci.cc.key, key.data, key.size);
		memcpy(ci.cc.rec_seq, seq, 8);
		len = sizeof(ci.cc);
		break;
	default:
		return -EOPNOTSUPP;
	}
	rc = setsockopt(tl->fd, SOL_TLS, dir, &ci, len) ? -errno : 0;
	explicit_bzero(&ci, sizeof(ci));
	return rc;
}

/*
 * Move the session into the kernel: 1 when done, 0 when the kernel
 * cannot take it (*why says why; nothing changed, GnuTLS goes on),
 * -errno when it took the send side only (the connection is lost).
 */
static int ktls_install(struct tls_link *tl, const char **why)
{
	int rc;

	if (gnutls_record_check_pending(tl->s)) {
		*why = "GnuTLS holds received data";
		return 0;
	}
	if (setsockopt(tl->fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls"))) {
		*why = errno == ENOENT ? "no \"tls\" TCP ULP in this kernel" : "the \"tls\" TCP ULP is refused";
		return 0;
	}
	/* The ULP alone leaves the socket plain: a refused key falls back. */
	rc = ktls_set(tl, TLS_TX);
	if (rc) {
		snprintf(tl->why, sizeof(tl->why), "%s (%s)", rc == -EOPNOTSUPP ?
			 "lmig hands the kernel no key of this cipher" :
			 "the kernel refused the send key", strerror(-rc));
		*why = tl->why;
		return 0;
	}
	rc = ktls_set(tl, TLS_RX);
	if (rc) {
		pr_err_rc(rc, "%s %s: kernel TLS took the send key but not the receive key",
			  tl->ops.name, tl->base.peer);
		return rc;
	}
	return 1;
}

/* "CN=lmig-server,O=...": the peer certificate's subject. */
static void peer_subject(gnutls_session_t s, char *buf, size_t len)
{
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt;
	gnutls_datum_t dn = { NULL, 0 };
	unsigned int n = 0;

	snprintf(buf, len, "?");
	certs = gnutls_certificate_get_peers(s, &n);
	if (!certs || !n || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) >= 0 &&
	    gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0)
		snprintf(buf, len, "%s", (char *)dn.data);
	gnutls_free(dn.data);
	gnutls_x509_crt_deinit(crt);
}

static void describe(struct tls_link *tl, bool ktls, const char *why)
{
	char subject[256];

	peer_subject(tl->s, subject, sizeof(subject));
	pr_msg("transport: %s %s: TLS 1.3 %s with \"%s\"; records sealed by %s%s%s\n",
	       tl->ops.name, tl->base.peer, gnutls_cipher_get_name(gnutls_cipher_get(tl->s)),
	       subject, ktls ? "the kernel (kTLS)" : "GnuTLS in lmig",
	       ktls ? "" : ": no kTLS, ", ktls ? "" : why);
}

int tp_tls_handshake(struct tp_tls *t, struct tp_link **kp, const char *host)
{
	struct tp_link *k = *kp;
	const char *why = "";
	struct tls_link *tl;
	int fd, rc;

	fd = k->be->sockfd ? k->be->sockfd(k) : -EOPNOTSUPP;
	if (fd < 0)
		return tp_tls_backend_ok(k->be) ?: -EOPNOTSUPP;
	tl = calloc(1, sizeof(*tl));
	if (!tl)
		return -ENOMEM;
	tl->base = *k;
	tl->ops = tls_ops;
	tl->ops.name = k->be->name;
	tl->base.be = &tl->ops;
	tl->inner = k;
	tl->fd = fd;
	if (t->server) {
		uint8_t b;
		ssize_t r;

		/* A plain lmig client is refused in its own protocol, by the caller. */
		rc = sock_wait(fd, POLLIN, k->timeout_ms);
		if (rc) {
			pr_err_rc(rc, "%s %s: waiting for the TLS handshake", k->be->name, k->peer);
			goto out;
		}
		do
			r = recv(fd, &b, 1, MSG_PEEK);
		while (r < 0 && errno == EINTR);
		if (r <= 0) {
			rc = r ? -errno : -ECONNRESET;
			pr_err_rc(rc, "%s %s: before the TLS handshake", k->be->name, k->peer);
			goto out;
		}
		if (b == (TPW_MAGIC & 0xff)) {
			rc = -EPROTONOSUPPORT;
			goto out;
		}
	}
	rc = session_new(t, tl, host);
	if (rc)
		goto out;
	do
		rc = gnutls_handshake(tl->s);
	while (rc == GNUTLS_E_INTERRUPTED);
	if (rc < 0) {
		rc = handshake_failed(t, tl, rc);
		goto out;
	}
	rc = ready(t, tl);
	if (rc)
		goto out;
	rc = ktls_install(tl, &why);
	if (rc < 0)
		goto out;
	describe(tl, rc == 1, why);
	if (rc == 1) {
		/* The kernel seals and opens every record from now on. */
		gnutls_deinit(tl->s);
		free(tl);
		return 0;
	}
	if (strcmp(k->be->name, "tcp")) {
		pr_err("%s %s: --tls over %s needs kernel TLS: %s", k->be->name, k->peer,
		       k->be->name, why);
		rc = -EOPNOTSUPP;
		goto out;
	}
	tl->rbuf = malloc(TLS_RBUF);
	if (!tl->rbuf) {
		rc = -ENOMEM;
		goto out;
	}
	tl->tls = t;
	t->refs++;
	*kp = &tl->base;
	return 0;
out:
	if (tl->s)
		gnutls_deinit(tl->s);
	free(tl->rbuf);
	free(tl);
	return rc;
}

static int tls_errno(ssize_t err)
{
	pr_debug("TLS: %s", gnutls_strerror((int)err));
	switch (err) {
	case GNUTLS_E_AGAIN:
	case GNUTLS_E_TIMEDOUT:
		return -ETIMEDOUT;
	case GNUTLS_E_DECRYPTION_FAILED:
		return -EBADMSG;
	case GNUTLS_E_PUSH_ERROR:
		return -EPIPE;
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		return -ECONNRESET;
	default:
		return -EIO;
	}
}

static int send_all(struct tls_link *tl, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t w = gnutls_record_send(tl->s, p, len);

		if (w == GNUTLS_E_INTERRUPTED)
			continue;
		if (w < 0)
			return tls_errno(w);
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Whole records where the caller's data allows, small pieces (frame
 * headers) gathered with what follows them into one record.
 */
static int tls_sendv(struct tp_link *bk, const struct iovec *iov, int iovcnt, size_t total)
{
	struct tls_link *tl = (struct tls_link *)bk;
	int i, rc = 0;

	(void)total;
	for (i = 0; i < iovcnt && !rc; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t len = iov[i].iov_len, n;

		while (len && !rc) {
			if (tl->staged == 0 && len >= TLS_REC) {
				n = len - len % TLS_REC;
				rc = send_all(tl, p, n);
			} else {
				n = TLS_REC - tl->staged < len ? TLS_REC - tl->staged : len;
				memcpy(tl->stage + tl->staged, p, n);
				tl->staged += n;
				if (tl->staged == TLS_REC) {
					rc = send_all(tl, tl->stage, tl->staged);
					tl->staged = 0;
				}
			}
			p += n;
			len -= n;
		}
	}
	if (!rc && tl->staged)
		rc = send_all(tl, tl->stage, tl->staged);
	tl->staged = 0;
	return rc;
}

static ssize_t tls_recv(struct tp_link *bk, void *buf, size_t len)
{
	struct tls_link *tl = (struct tls_link *)bk;
	ssize_t r;

	do
		r = gnutls_record_recv(tl->s, buf, len);
	while (r == GNUTLS_E_INTERRUPTED);
	if (r >= 0)
		return r;
	/* A close without close_notify: the framing sees where it fell. */
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	return tls_errno(r);
}

static int tls_sockfd(struct tp_link *bk)
{
	return ((struct tls_link *)bk)->fd;
}

/* Sends nothing (no close_notify): tp_close() never does. */
static void tls_close(struct tp_link *bk)
{
	struct tls_link *tl = (struct tls_link *)bk;

	gnutls_deinit(tl->s);
	tl->inner->be->close(tl->inner);
	tls_put(tl->tls);
	free(tl->rbuf);
	free(tl);
}

static const struct tp_backend tls_ops = {
	.sendv = tls_sendv,
	.recv = tls_recv,
	.sockfd = tls_sockfd,
	.close = tls_close,
};
