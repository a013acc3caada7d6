/*
 * Private to transport/: TLS under the framing, with GnuTLS (no
 * cryptography of our own), as CRIU's page server offers it.
 *
 * TLS starts right after the TCP connection is made, before the lmig
 * HELLO: every frame, the handshake's included, travels inside it.
 * Both sides present a certificate and verify the peer's against the CA
 * (mutual: a page server restores processes as root); the client also
 * checks that the server's certificate names the host it dialled,
 * unless told not to. Only TLS 1.3 is offered, without session tickets,
 * so that nothing but application data follows the handshake. The
 * server then sends one application byte (TP_TLS_READY): the client
 * learns that its own certificate was accepted before it sends a frame.
 *
 * After that, when the kernel has TLS (the "tls" TCP ULP), the keys are
 * handed to it and the link is left as it was: the back end's plain
 * send/recv on the socket carry TLS records, so io_uring works as it
 * does without TLS. Otherwise GnuTLS encrypts and decrypts in this
 * process, through a link that wraps the back end's (tcp only).
 */
#ifndef LMIG_TRANSPORT_TLS_H
#define LMIG_TRANSPORT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/backend.h"
#include "transport/tls-opts.h"

#define TP_TLS_READY 0x01

struct tp_tls;

/*
 * Load the CA, certificate and key named in o (which must have passed
 * tp_tls_opts_check()) for a server (listener) or a client. Returns 0,
 * or -errno after one line naming the file that could not be used.
 */
int tp_tls_new(const struct tp_tls_opts *o, bool server, struct tp_tls **out);
void tp_tls_free(struct tp_tls *t);	/* NULL is a no-op */

/*
 * Whether back end `be` can carry TLS here: 0, or -EOPNOTSUPP after one
 * line saying why (uring needs kernel TLS, rdma has no socket).
 */
int tp_tls_backend_ok(const struct tp_backend *be);

/*
 * Run the TLS handshake over *k, at most k->timeout_ms in all. On
 * success *k carries the stream in the clear for the caller: the same
 * link with kernel TLS on its socket, or a new link owning the old one.
 * host is the name the client checks the server's certificate against
 * (NULL on the server). One progress line says which was used.
 * Returns 0, or -errno after one line naming the peer:
 *   -EACCES     a certificate was refused, by us or by the peer
 *   -EPROTO     the peer does not speak TLS, or TLS failed
 *   -ETIMEDOUT  the peer did not finish the handshake in time
 *   -ECONNRESET the peer closed the connection
 * except that a server whose client sends a plain lmig frame instead of
 * a TLS ClientHello gets -EPROTONOSUPPORT, unlogged and with nothing
 * read: the caller refuses the client in the lmig protocol, which it
 * reads. On failure *k is unchanged and still owned by the caller.
 */
int tp_tls_handshake(struct tp_tls *t, struct tp_link **k, const char *host);

/* Whether received bytes that are no lmig frame start a TLS handshake. */
bool tp_tls_looks_like_tls(const uint8_t *buf, size_t len);

#endif
