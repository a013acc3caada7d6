/*
 * The frame codec and the order check: pure functions over byte buffers
 * (see protocol.h), shared by the transport and the fuzz target.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <lz4.h>

#include "crc32c.h"
#include "transport/protocol.h"

__attribute__((format(printf, 3, 4)))
static int fail(struct tp_why *why, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why->msg, sizeof(why->msg), fmt, ap);
	va_end(ap);
	return rc;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

const char *tp_type_name(enum tp_type t)
{
	switch (t) {
	case TP_HELLO: return "HELLO";
	case TP_AUTH: return "AUTH";
	case TP_ROUND_BEGIN: return "ROUND_BEGIN";
	case TP_ROUND_END: return "ROUND_END";
	case TP_PAGES: return "PAGES";
	case TP_STATE: return "STATE";
	case TP_COMMIT: return "COMMIT";
	case TP_RESULT: return "RESULT";
	case TP_ROUND_ACK: return "ROUND_ACK";
	case TP_NONE: break;
	}
	return "?";
}

const char *tp_status_name(enum tp_status s)
{
	switch (s) {
	case TP_OK: return "ok";
	case TP_FAILED: return "failed";
	case TP_PROTOCOL: return "protocol error";
	case TP_VERSION: return "version mismatch";
	case TP_AUTH_REFUSED: return "authentication refused";
	case TP_ABORTED: return "aborted";
	}
	return "?";
}

uint16_t tp_type_to_wire(enum tp_type t)
{
	switch (t) {
	case TP_HELLO: return TPW_T_HELLO;
	case TP_AUTH: return TPW_T_AUTH;
	case TP_ROUND_BEGIN: return TPW_T_ROUND_BEGIN;
	case TP_ROUND_END: return TPW_T_ROUND_END;
	case TP_PAGES: return TPW_T_PAGES;
	case TP_STATE: return TPW_T_STATE;
	case TP_COMMIT: return TPW_T_COMMIT;
	case TP_RESULT: return TPW_T_RESULT;
	case TP_ROUND_ACK: return TPW_T_ROUND_ACK;
	case TP_NONE: break;
	}
	return 0;
}

enum tp_type tp_type_from_wire(uint16_t w)
{
	switch (w) {
	case TPW_T_HELLO: return TP_HELLO;
	case TPW_T_AUTH: return TP_AUTH;
	case TPW_T_ROUND_BEGIN: return TP_ROUND_BEGIN;
	case TPW_T_ROUND_END: return TP_ROUND_END;
	case TPW_T_PAGES: return TP_PAGES;
	case TPW_T_STATE: return TP_STATE;
	case TPW_T_COMMIT: return TP_COMMIT;
	case TPW_T_RESULT: return TP_RESULT;
	case TPW_T_ROUND_ACK: return TP_ROUND_ACK;
	}
	return TP_NONE;
}

uint32_t tp_status_to_wire(enum tp_status s)
{
	switch (s) {
	case TP_OK: return TPW_STATUS_OK;
	case TP_FAILED: return TPW_STATUS_FAILED;
	case TP_PROTOCOL: return TPW_STATUS_PROTOCOL;
	case TP_VERSION: return TPW_STATUS_VERSION;
	case TP_AUTH_REFUSED: return TPW_STATUS_AUTH;
	case TP_ABORTED: return TPW_STATUS_ABORTED;
	}
	return TPW_STATUS_FAILED;
}

enum tp_status tp_status_from_wire(uint32_t w)
{
	switch (w) {
	case TPW_STATUS_OK: return TP_OK;
	case TPW_STATUS_FAILED: return TP_FAILED;
	case TPW_STATUS_PROTOCOL: return TP_PROTOCOL;
	case TPW_STATUS_VERSION: return TP_VERSION;
	case TPW_STATUS_AUTH: return TP_AUTH_REFUSED;
	case TPW_STATUS_ABORTED: return TP_ABORTED;
	}
	return TP_FAILED;
}

size_t tp_fixed_len(enum tp_type t)
{
	switch (t) {
	case TP_HELLO: return TPW_HELLO_FIXED;
	case TP_AUTH: return TPW_AUTH_FIXED;
	case TP_ROUND_BEGIN:
	case TP_ROUND_END:
	case TP_ROUND_ACK: return TPW_ROUND_FIXED;
	case TP_PAGES: return TPW_PAGES_FIXED;
	case TP_STATE: return TPW_STATE_FIXED;
	case TP_RESULT: return TPW_RESULT_FIXED;
	case TP_COMMIT:
	case TP_NONE: break;
	}
	return 0;
}

/* The largest payload a frame of this type may have. */
static uint32_t max_len(enum tp_type t)
{
	switch (t) {
	case TP_PAGES: return TPW_MAX_PAYLOAD;
	case TP_STATE: return TPW_STATE_FIXED + TPW_MAX_NAME + TPW_MAX_STATE_CHUNK;
	case TP_RESULT: return TPW_RESULT_FIXED + TPW_MAX_RESULT_MSG;
	default: return (uint32_t)tp_fixed_len(t);
	}
}

void tp_hdr_encode(uint8_t out[TPW_HDR_SIZE], enum tp_type t, uint32_t length,
		   uint32_t payload_crc)
{
	put32(out, TPW_MAGIC);
	put16(out + 4, TPW_VERSION);
	put16(out + 6, tp_type_to_wire(t));
	put32(out + 8, 0);
	put32(out + 12, length);
	put32(out + 16, payload_crc);
	put32(out + 20, crc32c(0, out, 20));
}

int tp_hdr_decode(const uint8_t in[TPW_HDR_SIZE], struct tp_hdr *h, struct tp_why *why)
{
	uint16_t wtype;
	uint32_t flags;

	memset(h, 0, sizeof(*h));
	if (get32(in) != TPW_MAGIC)
		return fail(why, -EPROTO, "not an lmig frame (bad magic 0x%08x)", get32(in));
	if (get32(in + 20) != crc32c(0, in, 20))
		return fail(why, -EBADMSG, "frame header checksum mismatch");
	h->version = get16(in + 4);
	if (h->version != TPW_VERSION)
		return fail(why, -EPROTO, "peer speaks protocol version %u, this lmig speaks %u",
			    h->version, TPW_VERSION);
	wtype = get16(in + 6);
	h->type = tp_type_from_wire(wtype);
	if (h->type == TP_NONE)
		return fail(why, -EPROTO, "unknown frame type %u", wtype);
	flags = get32(in + 8);
	if (flags)
		return fail(why, -EPROTO, "%s frame with unknown flags 0x%x",
			    tp_type_name(h->type), flags);
	h->length = get32(in + 12);
	h->payload_crc = get32(in + 16);
	if (h->length < tp_fixed_len(h->type) || h->length > max_len(h->type))
		return fail(why, -EPROTO, "%s frame of %u bytes (allowed %zu..%u)",
			    tp_type_name(h->type), h->length, tp_fixed_len(h->type),
			    max_len(h->type));
	return 0;
}

size_t tp_state_name_len(const uint8_t *fixed, enum tp_type t)
{
	return t == TP_STATE ? get16(fixed) : 0;
}

size_t tp_fixed_encode(const struct tp_msg *m, uint8_t *out)
{
	size_t n = tp_fixed_len(m->type);
	uint32_t fl = 0;
	size_t nl;

	memset(out, 0, n);
	switch (m->type) {
	case TP_HELLO:
		put32(out, m->hello.features);
		put32(out + 4, m->hello.role);
		put32(out + 8, TPW_PAGE_SIZE);
		memcpy(out + 16, m->hello.nonce, TPW_NONCE_SIZE);
		break;
	case TP_AUTH:
		memcpy(out, m->auth.mac, TPW_MAC_SIZE);
		break;
	case TP_ROUND_BEGIN:
	case TP_ROUND_END:
	case TP_ROUND_ACK:
		put32(out, m->round.round);
		put64(out + 8, m->round.nr_pages);
		break;
	case TP_PAGES:
		if (m->pages.flags & TP_PAGES_ZERO)
			fl |= TPW_PAGES_ZERO;
		if (m->pages.flags & TP_PAGES_LZ4)
			fl |= TPW_PAGES_LZ4;
		put32(out, m->pages.pid);
		put32(out + 4, fl);
		put64(out + 8, m->pages.vaddr);
		put32(out + 16, m->pages.nr_pages);
		break;
	case TP_STATE:
		nl = strnlen(m->state.name, TPW_MAX_NAME);
		put16(out, (uint16_t)nl);
		put16(out + 2, m->state.more ? TPW_STATE_MORE : 0);
		put64(out + 8, m->state.offset);
		memcpy(out + n, m->state.name, nl);
		n += nl;
		break;
	case TP_RESULT:
		put32(out, tp_status_to_wire(m->result.status));
		put16(out + 4, m->result.msg_len);
		break;
	case TP_COMMIT:
	case TP_NONE:
		break;
	}
	return n;
}

static int check_name(const uint8_t *name, size_t len, struct tp_why *why)
{
	if (len == 0 || len > TPW_MAX_NAME)
		return fail(why, -EPROTO, "STATE name of %zu bytes", len);
	if (memchr(name, '/', len) || memchr(name, '\0', len))
		return fail(why, -EPROTO, "STATE name with '/' or NUL");
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return fail(why, -EPROTO, "STATE name \".\" or \"..\"");
	return 0;
}

static int decode_pages(const struct tp_hdr *h, const uint8_t *in, struct tp_msg *m,
			struct tp_why *why)
{
	uint32_t fl = get32(in + 4);
	uint64_t raw;

	m->pages.pid = get32(in);
	m->pages.vaddr = get64(in + 8);
	m->pages.nr_pages = get32(in + 16);
	m->pages.flags = 0;
	if (fl & ~(TPW_PAGES_ZERO | TPW_PAGES_LZ4))
		return fail(why, -EPROTO, "PAGES with unknown flags 0x%x", fl);
	if ((fl & TPW_PAGES_ZERO) && (fl & TPW_PAGES_LZ4))
		return fail(why, -EPROTO, "PAGES both ZERO and LZ4");
	if (fl & TPW_PAGES_ZERO)
		m->pages.flags |= TP_PAGES_ZERO;
	if (fl & TPW_PAGES_LZ4)
		m->pages.flags |= TP_PAGES_LZ4;
	if (get32(in + 20))
		return fail(why, -EPROTO, "PAGES with a non-zero reserved field");
	if (m->pages.nr_pages == 0 || m->pages.nr_pages > TPW_MAX_RUN_PAGES)
		return fail(why, -EPROTO, "PAGES run of %u pages (allowed 1..%u)",
			    m->pages.nr_pages, TPW_MAX_RUN_PAGES);
	if (m->pages.vaddr % TPW_PAGE_SIZE)
		return fail(why, -EPROTO, "PAGES at unaligned address 0x%llx",
			    (unsigned long long)m->pages.vaddr);
	raw = (uint64_t)m->pages.nr_pages * TPW_PAGE_SIZE;
	if (m->pages.vaddr > UINT64_MAX - raw)
		return fail(why, -EPROTO, "PAGES run past the end of the address space");
	if (fl & TPW_PAGES_ZERO) {
		if (m->data_len)
			return fail(why, -EPROTO, "ZERO PAGES run with %u data bytes", m->data_len);
	} else if (fl & TPW_PAGES_LZ4) {
		if (m->data_len == 0 || m->data_len >= raw)
			return fail(why, -EPROTO, "LZ4 PAGES run of %u bytes for %u pages",
				    m->data_len, m->pages.nr_pages);
	} else if (m->data_len != raw) {
		return fail(why, -EPROTO, "PAGES run of %u pages with %u data bytes",
			    m->pages.nr_pages, m->data_len);
	}
	return 0;
}

int tp_fixed_decode(const struct tp_hdr *h, const uint8_t *in, size_t len,
		    struct tp_msg *m, struct tp_why *why)
{
	size_t fixed = tp_fixed_len(h->type);
	size_t used = fixed;
	uint16_t fl;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->type = h->type;
	if (len < fixed || h->length < fixed)
		return fail(why, -EPROTO, "%s frame too short", tp_type_name(h->type));
	switch (h->type) {
	case TP_HELLO:
		m->hello.features = get32(in);
		m->hello.role = get32(in + 4);
		memcpy(m->hello.nonce, in + 16, TPW_NONCE_SIZE);
		if (m->hello.role != TPW_ROLE_CLIENT && m->hello.role != TPW_ROLE_SERVER)
			rc = fail(why, -EPROTO, "HELLO with unknown role %u", m->hello.role);
		else if (get32(in + 8) != TPW_PAGE_SIZE)
			rc = fail(why, -EPROTO, "peer uses %u-byte pages, this lmig %u",
				  get32(in + 8), TPW_PAGE_SIZE);
		/* Unknown feature bits are allowed: a newer peer may offer more. */
		break;
	case TP_AUTH:
		memcpy(m->auth.mac, in, TPW_MAC_SIZE);
		break;
	case TP_ROUND_BEGIN:
	case TP_ROUND_END:
	case TP_ROUND_ACK:
		m->round.round = get32(in);
		m->round.nr_pages = get64(in + 8);
		if (get32(in + 4))
			rc = fail(why, -EPROTO, "%s with a non-zero reserved field",
				  tp_type_name(h->type));
		break;
	case TP_PAGES:
		m->data_len = h->length - (uint32_t)fixed;
		rc = decode_pages(h, in, m, why);
		break;
	case TP_STATE: {
		size_t nl = get16(in);

		fl = get16(in + 2);
		if (fl & ~TPW_STATE_MORE)
			return fail(why, -EPROTO, "STATE with unknown flags 0x%x", fl);
		if (get32(in + 4))
			return fail(why, -EPROTO, "STATE with a non-zero reserved field");
		if (nl > TPW_MAX_NAME || fixed + nl > h->length)
			return fail(why, -EPROTO, "STATE name of %zu bytes in a %u-byte frame",
				    nl, h->length);
		if (len < fixed + nl)
			return fail(why, -EPROTO, "STATE frame too short");
		rc = check_name(in + fixed, nl, why);
		if (rc)
			return rc;
		memcpy(m->state.name, in + fixed, nl);
		m->state.name[nl] = '\0';
		m->state.more = fl & TPW_STATE_MORE;
		m->state.offset = get64(in + 8);
		used += nl;
		m->data_len = h->length - (uint32_t)used;
		if (m->data_len > TPW_MAX_STATE_CHUNK)
			return fail(why, -EPROTO, "STATE chunk of %u bytes", m->data_len);
		if (m->state.offset > UINT64_MAX - m->data_len)
			return fail(why, -EPROTO, "STATE offset overflows");
		break;
	}
	case TP_RESULT:
		m->result.status = tp_status_from_wire(get32(in));
		m->result.msg_len = get16(in + 4);
		m->data_len = h->length - (uint32_t)fixed;
		if (m->result.msg_len != m->data_len || get16(in + 6))
			rc = fail(why, -EPROTO, "RESULT message of %u bytes in a %u-byte frame",
				  m->result.msg_len, h->length);
		break;
	case TP_COMMIT:
		break;
	case TP_NONE:
		rc = fail(why, -EPROTO, "unknown frame type");
		break;
	}
	if (rc)
		return rc;
	if (h->type != TP_PAGES && h->type != TP_STATE && h->type != TP_RESULT &&
	    h->length != fixed)
		return fail(why, -EPROTO, "%s frame of %u bytes, expected %zu",
			    tp_type_name(h->type), h->length, fixed);
	return (int)used;
}

void tp_order_init(struct tp_order *o, bool handshake_done)
{
	memset(o, 0, sizeof(*o));
	o->hello_seen = handshake_done;
}

int tp_order_check(struct tp_order *o, const struct tp_msg *m, struct tp_why *why)
{
	const char *name = tp_type_name(m->type);

	if (o->ended)
		return fail(why, -EPROTO, "%s after RESULT", name);
	if (m->type == TP_RESULT) {
		o->ended = true;
		return 0;
	}
	if (!o->hello_seen) {
		if (m->type != TP_HELLO)
			return fail(why, -EPROTO, "%s before HELLO", name);
		o->hello_seen = true;
		o->in_handshake = true;
		return 0;
	}
	if (m->type != TP_AUTH)
		o->in_handshake = false;
	if (o->committed)
		return fail(why, -EPROTO, "%s after COMMIT", name);
	if (o->any_ack && m->type != TP_ROUND_ACK)
		return fail(why, -EPROTO, "%s after ROUND_ACK", name);
	switch (m->type) {
	case TP_HELLO:
		return fail(why, -EPROTO, "second HELLO");
	case TP_AUTH:
		if (!o->in_handshake)
			return fail(why, -EPROTO, "AUTH outside the handshake");
		return 0;
	case TP_ROUND_BEGIN:
		if (o->in_round)
			return fail(why, -EPROTO, "ROUND_BEGIN %u inside round %u",
				    m->round.round, o->round);
		if (o->any_round && m->round.round <= o->round)
			return fail(why, -EPROTO, "ROUND_BEGIN %u after round %u",
				    m->round.round, o->round);
		o->in_round = true;
		o->any_round = true;
		o->from_sender = true;
		o->round = m->round.round;
		o->round_pages = 0;
		return 0;
	case TP_ROUND_END:
		if (!o->in_round || m->round.round != o->round)
			return fail(why, -EPROTO, "ROUND_END %u outside round %u",
				    m->round.round, o->round);
		if (m->round.nr_pages != o->round_pages)
			return fail(why, -EPROTO, "ROUND_END %u counts %llu pages, %llu arrived",
				    m->round.round, (unsigned long long)m->round.nr_pages,
				    (unsigned long long)o->round_pages);
		o->in_round = false;
		return 0;
	case TP_PAGES:
		if (!o->in_round)
			return fail(why, -EPROTO, "PAGES outside a round");
		o->round_pages += m->pages.nr_pages;
		return 0;
	case TP_STATE:
		if (o->in_round)
			return fail(why, -EPROTO, "STATE inside round %u", o->round);
		o->from_sender = true;
		return 0;
	case TP_COMMIT:
		if (o->in_round)
			return fail(why, -EPROTO, "COMMIT inside round %u", o->round);
		o->committed = true;
		return 0;
	case TP_ROUND_ACK:
		/* Acks come from the page receiver, whose stream carries nothing else. */
		if (o->from_sender)
			return fail(why, -EPROTO, "ROUND_ACK %u in a stream of rounds",
				    m->round.round);
		if (o->any_ack && m->round.round <= o->ack_round)
			return fail(why, -EPROTO, "ROUND_ACK %u after ROUND_ACK %u",
				    m->round.round, o->ack_round);
		o->any_ack = true;
		o->ack_round = m->round.round;
		return 0;
	case TP_RESULT:
	case TP_NONE:
		break;
	}
	return fail(why, -EPROTO, "unexpected %s", name);
}

/* One frame of the stream at buf; returns its size or -errno. */
static long parse_one(const uint8_t *buf, size_t len, struct tp_order *o,
		      uint8_t *scratch, struct tp_why *why)
{
	struct tp_hdr h;
	struct tp_msg m;
	const uint8_t *p;
	int used, rc;

	if (len < TPW_HDR_SIZE)
		return fail(why, -EPROTO, "truncated frame header (%zu of %u bytes)",
			    len, TPW_HDR_SIZE);
	rc = tp_hdr_decode(buf, &h, why);
	if (rc)
		return rc;
	p = buf + TPW_HDR_SIZE;
	if (len - TPW_HDR_SIZE < h.length)
		return fail(why, -EPROTO, "truncated %s frame (%zu of %u payload bytes)",
			    tp_type_name(h.type), len - TPW_HDR_SIZE, h.length);
	if (crc32c(0, p, h.length) != h.payload_crc)
		return fail(why, -EBADMSG, "%s frame payload checksum mismatch",
			    tp_type_name(h.type));
	used = tp_fixed_decode(&h, p, h.length, &m, why);
	if (used < 0)
		return used;
	rc = tp_order_check(o, &m, why);
	if (rc)
		return rc;
	if (m.type == TP_PAGES && (m.pages.flags & TP_PAGES_LZ4)) {
		int raw = (int)(m.pages.nr_pages * TPW_PAGE_SIZE);

		if (LZ4_decompress_safe((const char *)p + used, (char *)scratch,
					(int)m.data_len, raw) != raw)
			return fail(why, -EBADMSG, "LZ4 PAGES run does not decompress to %u pages",
				    m.pages.nr_pages);
	}
	return (long)(TPW_HDR_SIZE + h.length);
}

int tp_parse_stream(const uint8_t *buf, size_t len, uint8_t *scratch, struct tp_why *why)
{
	struct tp_order o;
	int frames = 0;

	tp_order_init(&o, false);
	while (len > 0) {
		long n = parse_one(buf, len, &o, scratch, why);

		if (n < 0)
			return (int)n;
		buf += n;
		len -= (size_t)n;
		frames++;
	}
	return frames;
}
