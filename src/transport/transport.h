/*
 * transport/: moving framed messages and page runs between two lmig
 * processes, over one of several back ends ("tcp", "uring", "rdma").
 *
 * The caller never learns which back end carries a connection: it picks
 * one by name in struct tp_opts and then uses only the functions below.
 * Framing, the handshake (version and authentication), LZ4 compression,
 * zero-page elision and crc32c checks happen here, once, above the back
 * ends. The wire format is in protocol.h and docs/protocol.md.
 *
 * Roles: the client (tp_connect) sends pages and state, the server
 * (tp_listen + tp_accept) receives them and answers with RESULT. The
 * order is checked on receipt (see struct tp_order in protocol.h):
 *
 *     client                          server
 *     ROUND_BEGIN 1, PAGES..., ROUND_END 1
 *     ROUND_BEGIN 2, ...                          (rounds count upwards)
 *     STATE...  (outside rounds)
 *     ROUND_BEGIN n, PAGES..., ROUND_END n        (final dirty pages)
 *     COMMIT
 *                                     RESULT (ok or failed + message)
 *
 * When both sides offer it (all of this version do), the server answers
 * each ROUND_END with ROUND_ACK once every page of the round is stored:
 * the client learns how far the receiver really is, not just how much
 * its socket buffers took.
 *
 * Contract for every function returning int:
 *   - 0 (or the documented positive value) on success, -errno on failure.
 *   - Failures are logged once here, naming the peer ("tcp
 *     198.18.0.2:7000: PAGES outside a round"). The caller adds what it
 *     was doing if it wants, and must not log the same cause again.
 *   - Calls block. Every wait (connect, accept, the handshake, each send
 *     and receive) is bounded by tp_opts.timeout_ms; a wait that runs out
 *     returns -ETIMEDOUT.
 *   - Protocol violations by the peer (bad magic, other version, unknown
 *     type, oversized length, bad field, frame out of order) return
 *     -EPROTO; a crc mismatch or data that does not decompress returns
 *     -EBADMSG. The peer is sent a RESULT naming the problem (best
 *     effort) and the connection is then broken: every later call
 *     returns -EPIPE. The caller turns either into an abort.
 *   - The peer closing the connection in the middle of a frame is
 *     -EPROTO ("truncated frame"); between frames, tp_recv() returns 0.
 *   - Nothing allocates more than a fixed bound per connection (about
 *     3 MiB of buffers, allocated at connect/accept), whatever the peer
 *     sends.
 * A connection is used by one thread at a time.
 */
#ifndef LMIG_TRANSPORT_H
#define LMIG_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "transport/protocol.h"
#include "transport/tls-opts.h"

#define TP_DEFAULT_TIMEOUT_MS	30000u

struct tp_opts {
	const char *backend;		/* "tcp", "uring", "rdma"; NULL = "tcp" */
	/*
	 * A file of at least 32 random bytes, the same on both sides; NULL
	 * for no authentication. With a key, both sides prove they hold it
	 * before any other frame is accepted, and a peer without the key
	 * (or without any key) is refused on both sides.
	 */
	const char *auth_key_file;
	/*
	 * Without a key a listener binds only to loopback addresses; true
	 * allows any address anyway (the page server's --insecure).
	 */
	bool insecure;
	/*
	 * TLS under the framing (tls-opts.h, tls.h): with tls.on both sides
	 * must have it, each presents its certificate and checks the
	 * peer's; a peer without TLS, or with a certificate the CA did not
	 * sign, is refused with one line. TLS counts as authentication for
	 * the listener's address (see insecure).
	 */
	struct tp_tls_opts tls;
	bool compress;			/* LZ4 for page runs this side sends */
	unsigned int timeout_ms;	/* every wait; 0 = TP_DEFAULT_TIMEOUT_MS */
};

struct tp_listener;
struct tp_conn;

/* Names of the back ends, for --help and `lmig check`. */
extern const char *const tp_backend_names[];	/* NULL-terminated */
/*
 * 0 if the back end can be used here, else -ENOENT (no such name),
 * -EOPNOTSUPP (not built in) or -ENODEV (no device / kernel support),
 * with *why set to a one-line reason. Does not log.
 */
int tp_backend_probe(const char *name, const char **why);

/*
 * Listen on address:port (port 0 picks one: see tp_listener_port()).
 * address NULL means 127.0.0.1 without a key and all addresses (0.0.0.0)
 * with a key or with insecure. A non-loopback address without a key and
 * without insecure is refused with -EPERM. The options are copied; the
 * key is read now.
 */
int tp_listen(const struct tp_opts *o, const char *address, uint16_t port,
	      struct tp_listener **out);
uint16_t tp_listener_port(const struct tp_listener *l);
/*
 * Wait (at most timeout_ms) for one client and run the handshake with
 * it. A client refused in the handshake (version, key) is an error for
 * this call (-EPROTO, -EACCES); the listener stays usable.
 */
int tp_accept(struct tp_listener *l, struct tp_conn **out);
void tp_listener_close(struct tp_listener *l);	/* NULL is a no-op */

/* Connect to host:port (numeric address or name) and run the handshake. */
int tp_connect(const struct tp_opts *o, const char *host, uint16_t port,
	       struct tp_conn **out);
/* Close and free; NULL is a no-op. Does not send anything. */
void tp_close(struct tp_conn *c);
/* "tcp 198.18.0.2:7000", for the caller's own messages. */
const char *tp_peer_name(const struct tp_conn *c);

/*
 * Sending. Each call writes whole frames before it returns; the
 * caller's buffers are not referenced after it returns. Nothing is
 * buffered across calls.
 */
int tp_send_round_begin(struct tp_conn *c, uint32_t round, uint64_t nr_pages);
/* Ends the current round; the page count is the one this side sent. */
int tp_send_round_end(struct tp_conn *c, uint32_t round);
/*
 * A run of nr_pages pages of task pid starting at vaddr (page-aligned),
 * inside a round. The data is iov[0..iovcnt): each element a whole
 * number of 4096-byte pages, nr_pages in total, pointing straight into
 * the caller's memory (not copied unless compressed). With flags
 * TP_PAGES_ZERO the run is all zero and iov must be NULL. The run is
 * split into frames of at most TPW_MAX_RUN_PAGES; pages found all-zero
 * are sent as ZERO runs, never as data; data is LZ4-compressed when
 * tp_opts.compress is set, the peer can decompress, and it pays
 * (see compress.h).
 */
int tp_send_pages(struct tp_conn *c, pid_t pid, uint64_t vaddr, uint32_t nr_pages,
		  unsigned int flags, const struct iovec *iov, int iovcnt);
/* A whole image file (split into 1 MiB chunks); name as for STATE. */
int tp_send_state(struct tp_conn *c, const char *name, const void *data, size_t len);
int tp_send_commit(struct tp_conn *c);
/*
 * Server: acknowledge round, which must be the last round received and
 * ended; the page count sent is the one that arrived. Only when
 * tp_peer_acks() (-EINVAL otherwise).
 */
int tp_send_round_ack(struct tp_conn *c, uint32_t round);
/*
 * Whether the peer takes part in ROUND_ACK: a server sends them to such
 * a client, a client waits for them from such a server.
 */
bool tp_peer_acks(const struct tp_conn *c);
/* The answer; msg may be NULL or longer than the wire allows (cut). */
int tp_send_result(struct tp_conn *c, enum tp_status status, const char *msg);

/*
 * Receiving, in two steps. tp_recv() reads one frame header and the
 * fixed part of its payload into *m and checks them and their order.
 * It returns 1 for a frame, 0 if the peer closed the connection between
 * frames, or -errno. For RESULT the message text is read too (it is in
 * *text, NUL-terminated, when text is not NULL: TPW_MAX_RESULT_MSG + 1
 * bytes). For PAGES and STATE with m->data_len > 0 the data must then
 * be taken with tp_recv_pages() or tp_recv_data() before the next
 * tp_recv() (-EINVAL otherwise). The payload crc is checked when the
 * last byte of the frame has arrived: by tp_recv() for frames without
 * data, else by the call that takes the data.
 */
int tp_recv(struct tp_conn *c, struct tp_msg *m, char *text);
/*
 * The pages of the PAGES frame just received, written to dest
 * (m->pages.nr_pages * 4096 bytes, where the restore will use them):
 * raw data is received straight into dest, LZ4 data is decompressed
 * into it. For a ZERO run dest may be NULL (nothing is written) or is
 * zero-filled. On -EBADMSG dest holds garbage.
 */
int tp_recv_pages(struct tp_conn *c, void *dest);
/* The next len bytes (<= what is left) of the current STATE frame's data. */
int tp_recv_data(struct tp_conn *c, void *buf, size_t len);

struct tp_stats {
	uint64_t frames_sent, frames_recv;
	uint64_t pages_raw;		/* sent as raw data */
	uint64_t pages_lz4;		/* sent compressed */
	uint64_t pages_zero;		/* sent as ZERO runs */
	uint64_t bytes_sent, bytes_recv;	/* on the wire, headers included */
	uint64_t lz4_tries, lz4_kept;	/* frames tried, frames sent compressed */
};
void tp_get_stats(const struct tp_conn *c, struct tp_stats *s);

#endif
