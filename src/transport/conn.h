/*
 * Private to transport/: the connection as transport.c and handshake.c
 * see it.
 */
#ifndef LMIG_TRANSPORT_CONN_H
#define LMIG_TRANSPORT_CONN_H

#include "transport/auth.h"
#include "transport/backend.h"
#include "transport/compress.h"
#include "transport/transport.h"

/* Header, fixed part, STATE name or RESULT text: one frame's metadata. */
#define TP_HBUF_SIZE 4096u
/* Raw pages of one frame. */
#define TP_RUN_BYTES (TPW_MAX_RUN_PAGES * TPW_PAGE_SIZE)

struct tp_conn {
	struct tp_link *link;
	struct tp_opts opts;
	bool has_key;
	struct tp_key key;
	bool server;
	bool broken;		/* after an error: every call fails with -EPIPE */
	bool peer_lz4;		/* the peer can decompress LZ4 runs */
	bool peer_acks;		/* the peer offered TPW_FEAT_ACK */
	struct tp_order order;	/* what we receive */
	struct tp_lz4 lz4;
	/* What we send, to refuse our caller's mistakes early. */
	bool in_round;
	uint32_t round;
	uint64_t round_pages;
	/* One allocation: hbuf | zbuf (LZ4 in and out) | gbuf (gathered run). */
	uint8_t *bufs;
	size_t bufs_len;
	uint8_t *hbuf, *zbuf, *gbuf;
	size_t zcap;
	/* The frame being received. */
	struct {
		struct tp_hdr h;
		struct tp_msg m;
		uint32_t left;	/* data bytes not yet taken */
		uint32_t crc;	/* crc32c of the payload so far */
	} rx;
	struct tp_stats st;
	char name[96];		/* "tcp 198.18.0.2:7000" */
};

/*
 * Send one frame: m's fixed part, then data (datalen bytes in n
 * elements, may be 0). Counts stats.
 */
int conn_send(struct tp_conn *c, const struct tp_msg *m, const struct iovec *data,
	      int n, size_t datalen);
/*
 * Receive one frame header and fixed part (and RESULT text) into *m,
 * without the order check. Returns 1, 0 on a close between frames, or
 * -errno (logged, connection broken).
 */
int conn_recv_frame(struct tp_conn *c, struct tp_msg *m, char *text);
/*
 * Log "NAME: why", tell the peer (RESULT with status, best effort,
 * unless the link itself failed) and break the connection. Returns rc.
 */
int conn_fail(struct tp_conn *c, int rc, enum tp_status status, const char *why);

/* The handshake (handshake.c). 0 or -errno, logged. */
int tp_handshake_client(struct tp_conn *c);
int tp_handshake_server(struct tp_conn *c);

#endif
