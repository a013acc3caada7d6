/*
 * The lmig wire protocol, version 1: constants, layouts and a pure codec.
 *
 * docs/protocol.md is the prose description; this header is the one
 * place the numbers live. Every value that crosses the network is
 * defined here with an explicit number (TPW_*): internal enums are never
 * written to the wire, they are mapped with tp_type_to_wire() and
 * tp_type_from_wire().
 *
 * All integers are little-endian and fixed-width, at fixed offsets.
 * A frame is a 24-byte header followed by `length` payload bytes:
 *
 *   off  size  field
 *     0     4  magic        TPW_MAGIC ("LMGF")
 *     4     2  version      TPW_VERSION
 *     6     2  type         TPW_T_*
 *     8     4  flags        0 (no frame flags are defined in version 1)
 *    12     4  length       payload bytes, <= TPW_MAX_PAYLOAD
 *    16     4  payload_crc  crc32c of the payload
 *    20     4  header_crc   crc32c of bytes 0..19
 *
 * The magic and version fields keep their place in every future version,
 * so that a peer speaking another version is recognised and refused
 * with a message naming both versions.
 *
 * Everything in this header and frame.c is pure: no I/O, no allocation,
 * no logging. Decoders take a byte buffer and its length, never read
 * past it, and return 0 or a negative errno:
 *   -EPROTO   protocol violation (bad magic, other version, unknown type,
 *             bad field, length out of bounds, frame out of order)
 *   -EBADMSG  checksum mismatch or data that does not decompress
 * and fill a struct tp_why with one line saying what was wrong, for the
 * caller to log with the peer's name.
 */
#ifndef LMIG_TRANSPORT_PROTOCOL_H
#define LMIG_TRANSPORT_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TPW_MAGIC		0x46474d4cu	/* "LMGF" as bytes on the wire */
#define TPW_VERSION		1u
#define TPW_HDR_SIZE		24u
#define TPW_PAGE_SIZE		4096u
#define TPW_MAX_RUN_PAGES	256u		/* pages in one PAGES frame */
#define TPW_MAX_STATE_CHUNK	(1u << 20)	/* data bytes in one STATE frame */
#define TPW_MAX_NAME		255u		/* STATE file name */
#define TPW_MAX_RESULT_MSG	1024u
#define TPW_NONCE_SIZE		32u
#define TPW_MAC_SIZE		32u
/* The largest payload of any frame: a PAGES frame of raw pages. */
#define TPW_MAX_PAYLOAD		(TPW_PAGES_FIXED + TPW_MAX_RUN_PAGES * TPW_PAGE_SIZE)

/* Frame types (u16 at offset 6). 0 is never valid. */
#define TPW_T_HELLO		1u
#define TPW_T_AUTH		2u
#define TPW_T_ROUND_BEGIN	3u
#define TPW_T_ROUND_END		4u
#define TPW_T_PAGES		5u
#define TPW_T_STATE		6u
#define TPW_T_COMMIT		7u
#define TPW_T_RESULT		8u
#define TPW_T_ROUND_ACK		9u

/* HELLO: u32 features, u32 role, u32 page_size, u32 reserved, u8 nonce[32] */
#define TPW_HELLO_FIXED		48u
#define TPW_FEAT_LZ4		(1u << 0)	/* can decompress LZ4 page runs */
#define TPW_FEAT_AUTH		(1u << 1)	/* has a key, will authenticate */
#define TPW_FEAT_ACK		(1u << 2)	/* ROUND_ACK: server sends it, client reads it */
#define TPW_FEAT_KNOWN		(TPW_FEAT_LZ4 | TPW_FEAT_AUTH | TPW_FEAT_ACK)
#define TPW_ROLE_CLIENT		1u		/* connected: sends pages */
#define TPW_ROLE_SERVER		2u		/* accepted: receives pages */

/* AUTH: u8 mac[32] */
#define TPW_AUTH_FIXED		32u

/*
 * ROUND_BEGIN / ROUND_END / ROUND_ACK: u32 round, u32 reserved, u64 nr_pages.
 * ROUND_ACK goes the other way: the server has received and stored every
 * page of that round (nr_pages of them), when both sides offered
 * TPW_FEAT_ACK.
 */
#define TPW_ROUND_FIXED		16u

/*
 * PAGES: u32 pid, u32 flags, u64 vaddr, u32 nr_pages, u32 reserved,
 * then the data: none (ZERO), nr_pages * 4096 raw bytes, or (LZ4) one
 * LZ4 block that decompresses to exactly nr_pages * 4096 bytes and is
 * smaller than that.
 */
#define TPW_PAGES_FIXED		24u
#define TPW_PAGES_ZERO		(1u << 0)
#define TPW_PAGES_LZ4		(1u << 1)

/*
 * STATE: u16 name_len, u16 flags, u32 reserved, u64 offset, then the
 * name (1..255 bytes, no '/', no NUL, not "." or ".."), then up to 1 MiB
 * of the file's bytes at that offset. A file larger than one chunk is
 * sent as several frames with increasing offsets, all but the last
 * with STATE_MORE.
 */
#define TPW_STATE_FIXED		16u
#define TPW_STATE_MORE		(1u << 0)

/* RESULT: u32 status, u16 msg_len, u16 reserved, then msg (<= 1024, no NUL) */
#define TPW_RESULT_FIXED	8u
#define TPW_STATUS_OK		0u
#define TPW_STATUS_FAILED	1u	/* the operation failed on the peer */
#define TPW_STATUS_PROTOCOL	2u	/* the peer broke the protocol */
#define TPW_STATUS_VERSION	3u	/* protocol versions differ */
#define TPW_STATUS_AUTH		4u	/* authentication refused */
#define TPW_STATUS_ABORTED	5u	/* the sender gave up (crc error, ...) */

/* Internal names of the frame types; never on the wire. */
enum tp_type {
	TP_NONE = 0,
	TP_HELLO,
	TP_AUTH,
	TP_ROUND_BEGIN,
	TP_ROUND_END,
	TP_PAGES,
	TP_STATE,
	TP_COMMIT,
	TP_RESULT,
	TP_ROUND_ACK,
};

/* Internal status codes for RESULT; mapped to TPW_STATUS_*. */
enum tp_status {
	TP_OK = 0,
	TP_FAILED,
	TP_PROTOCOL,
	TP_VERSION,
	TP_AUTH_REFUSED,
	TP_ABORTED,
};

struct tp_why {
	char msg[160];
};

struct tp_hdr {
	enum tp_type type;
	uint16_t version;
	uint32_t length;
	uint32_t payload_crc;
};

/* The fixed part of a frame's payload, decoded. */
struct tp_msg {
	enum tp_type type;
	union {
		struct {
			uint32_t features;
			uint32_t role;
			uint8_t nonce[TPW_NONCE_SIZE];
		} hello;
		struct {
			uint8_t mac[TPW_MAC_SIZE];
		} auth;
		struct {
			uint32_t round;
			uint64_t nr_pages;
		} round;		/* ROUND_BEGIN, ROUND_END and ROUND_ACK */
		struct {
			uint32_t pid;
			uint32_t flags;	/* TP_PAGES_ZERO, TP_PAGES_LZ4 */
			uint64_t vaddr;
			uint32_t nr_pages;
		} pages;
		struct {
			char name[TPW_MAX_NAME + 1];
			uint64_t offset;
			bool more;
		} state;
		struct {
			enum tp_status status;
			uint16_t msg_len;
		} result;
	};
	/* Payload bytes after the fixed part (and the name, for STATE). */
	uint32_t data_len;
};

/* Internal page-run flags; mapped to TPW_PAGES_*. */
#define TP_PAGES_ZERO	(1u << 0)
#define TP_PAGES_LZ4	(1u << 1)

const char *tp_type_name(enum tp_type t);
const char *tp_status_name(enum tp_status s);
uint16_t tp_type_to_wire(enum tp_type t);
enum tp_type tp_type_from_wire(uint16_t w);		/* TP_NONE if unknown */
uint32_t tp_status_to_wire(enum tp_status s);
enum tp_status tp_status_from_wire(uint32_t w);		/* TP_FAILED if unknown */

/*
 * Bytes of the fixed part of a payload of this type, i.e. what must be
 * read before tp_payload_decode(); for STATE the name follows it.
 */
size_t tp_fixed_len(enum tp_type t);

/* Write a frame header. */
void tp_hdr_encode(uint8_t out[TPW_HDR_SIZE], enum tp_type t, uint32_t length,
		   uint32_t payload_crc);
/*
 * Decode and check a frame header: magic, header crc, version, type,
 * flags, and length against the bounds of its type. A header from
 * another protocol version returns -EPROTO with h->version set to the
 * peer's, so that the caller can tell the peer which one it speaks.
 */
int tp_hdr_decode(const uint8_t in[TPW_HDR_SIZE], struct tp_hdr *h, struct tp_why *why);

/*
 * Encode the fixed part of m (of m->type) into out, which has room for
 * tp_fixed_len(m->type) bytes, plus the name for STATE. Returns the
 * bytes written. For STATE, m->state.name must pass the name rules.
 */
size_t tp_fixed_encode(const struct tp_msg *m, uint8_t *out);
/*
 * Decode the fixed part of a payload (len bytes at in: at least
 * tp_fixed_len(h->type), plus the name for STATE) and check every field
 * against h->length. Sets m, including m->data_len. Returns the bytes
 * consumed (> 0 except for COMMIT, which has none) or -EPROTO.
 */
int tp_fixed_decode(const struct tp_hdr *h, const uint8_t *in, size_t len,
		    struct tp_msg *m, struct tp_why *why);
/* The name bytes that follow a STATE fixed part (0 for other types). */
size_t tp_state_name_len(const uint8_t *fixed, enum tp_type t);

/*
 * The order in which frames may arrive, seen from one side of a
 * connection after its handshake. The client (page sender) sends
 * ROUND_BEGIN, PAGES..., ROUND_END (rounds numbered upwards), STATE
 * (outside rounds), PAGES of the final round, COMMIT; the server
 * answers with ROUND_ACK after rounds (counting upwards) and RESULT. A
 * stream carries either rounds or acks, never both. RESULT may arrive
 * in either direction at any time (it ends the conversation). HELLO and AUTH belong to the
 * handshake and are refused afterwards. With handshake_done false the
 * first frame must be HELLO, and AUTH frames may follow it.
 */
struct tp_order {
	bool hello_seen;
	bool in_handshake;	/* after HELLO, before any other frame: AUTH allowed */
	bool in_round;
	bool any_round;
	bool committed;
	bool ended;		/* a RESULT was seen */
	uint32_t round;
	uint64_t round_pages;	/* pages received in the current round */
	bool from_sender;	/* a ROUND_BEGIN or STATE was seen */
	bool any_ack;
	uint32_t ack_round;	/* the last ROUND_ACK */
};

void tp_order_init(struct tp_order *o, bool handshake_done);
int tp_order_check(struct tp_order *o, const struct tp_msg *m, struct tp_why *why);

/*
 * Decode a whole byte stream of frames as a receiver would, without
 * I/O: header, fixed part, order, crc, LZ4 data. Used by the fuzz
 * target and the unit tests. Frames are decoded until the buffer ends
 * or one is bad. Returns the number of good frames, or a negative errno
 * for the first bad one (-EPROTO for a frame cut short by the end of
 * the buffer). scratch must hold TPW_MAX_RUN_PAGES * TPW_PAGE_SIZE bytes.
 */
int tp_parse_stream(const uint8_t *buf, size_t len, uint8_t *scratch,
		    struct tp_why *why);

#endif
