/*
 * The frame codec and order check (src/transport/protocol.h), through
 * the pure stream parser: round trips of every frame type, and every
 * kind of bad input giving its one error, never a crash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lz4.h>

#include "crc32c.h"
#include "transport/protocol.h"
#include "tptest.h"

static uint8_t scratch[TPW_MAX_RUN_PAGES * TPW_PAGE_SIZE];

/* A stream under construction. */
struct stream {
	uint8_t buf[4 << 20];
	size_t len;
};

static uint8_t *frame(struct stream *s, const struct tp_msg *m, const void *data, size_t dlen)
{
	uint8_t *start = s->buf + s->len;
	uint8_t *p = start + TPW_HDR_SIZE;
	size_t fl = tp_fixed_encode(m, p);

	if (dlen)
		memcpy(p + fl, data, dlen);
	tp_hdr_encode(start, m->type, (uint32_t)(fl + dlen), crc32c(0, p, fl + dlen));
	s->len += TPW_HDR_SIZE + fl + dlen;
	return start;
}

static void hello(struct stream *s)
{
	struct tp_msg m = { .type = TP_HELLO };

	m.hello.role = TPW_ROLE_CLIENT;
	m.hello.features = TPW_FEAT_LZ4;
	frame(s, &m, NULL, 0);
}

static void round_msg(struct stream *s, enum tp_type t, uint32_t r, uint64_t n)
{
	struct tp_msg m = { .type = t };

	m.round.round = r;
	m.round.nr_pages = n;
	frame(s, &m, NULL, 0);
}

static uint8_t *pages(struct stream *s, uint64_t vaddr, uint32_t nr, uint32_t flags,
		      const void *data, size_t dlen)
{
	struct tp_msg m = { .type = TP_PAGES };

	m.pages.pid = 42;
	m.pages.vaddr = vaddr;
	m.pages.nr_pages = nr;
	m.pages.flags = flags;
	return frame(s, &m, data, dlen);
}

/* Re-seal a header after a test edited it, so that only the edit is wrong. */
static void reseal(uint8_t *hdr)
{
	uint32_t c = crc32c(0, hdr, 20);

	memcpy(hdr + 20, &c, 4);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);	/* x86_64 only: little-endian */
}

static int parse(const struct stream *s, struct tp_why *why)
{
	memset(why, 0, sizeof(*why));
	return tp_parse_stream(s->buf, s->len, scratch, why);
}

static void expect_err(const struct stream *s, int want, const char *needle, const char *what)
{
	struct tp_why why;
	int rc = parse(s, &why);

	CHECK(rc == want, "%s: got %d (%s), want %d", what, rc, why.msg, want);
	CHECK(strstr(why.msg, needle), "%s: message \"%s\" lacks \"%s\"", what, why.msg, needle);
}

static void test_round_trip(void)
{
	static struct stream s;
	static uint8_t raw[3 * TPW_PAGE_SIZE], z[LZ4_COMPRESSBOUND(3 * TPW_PAGE_SIZE)];
	struct tp_msg m = { .type = TP_STATE };
	struct tp_why why;
	struct tp_hdr h;
	int zl, rc, used;
	size_t i;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 7 / 4096 + 'a');
	zl = LZ4_compress_default((char *)raw, (char *)z, sizeof(raw), sizeof(z));
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_BEGIN, 1, 6);
	pages(&s, 0x7f0000000000, 3, 0, raw, sizeof(raw));
	pages(&s, 0x7f0000003000, 2, TP_PAGES_ZERO, NULL, 0);
	pages(&s, 0x7f0000005000, 3, TP_PAGES_LZ4, z, (size_t)zl);
	round_msg(&s, TP_ROUND_END, 1, 8);
	strcpy(m.state.name, "core-42.img");
	m.state.offset = 4096;
	frame(&s, &m, "abc", 3);
	m.type = TP_COMMIT;
	frame(&s, &m, NULL, 0);
	m.type = TP_RESULT;
	m.result.status = TP_FAILED;
	m.result.msg_len = 5;
	frame(&s, &m, "oops!", 5);
	rc = parse(&s, &why);
	CHECK(rc == 9, "round trip: %d frames (%s), want 9", rc, why.msg);
	CHECK(!memcmp(scratch, raw, sizeof(raw)), "LZ4 run decompressed to other bytes");

	/* Decode the STATE and RESULT frames field by field. */
	s.len = 0;
	memset(&m, 0, sizeof(m));
	m.type = TP_STATE;
	strcpy(m.state.name, "core-42.img");
	m.state.offset = 4096;
	m.state.more = true;
	frame(&s, &m, "abc", 3);
	rc = tp_hdr_decode(s.buf, &h, &why);
	CHECK(rc == 0 && h.type == TP_STATE && h.length == TPW_STATE_FIXED + 11 + 3,
	      "STATE header: rc %d len %u", rc, h.length);
	used = tp_fixed_decode(&h, s.buf + TPW_HDR_SIZE, h.length, &m, &why);
	CHECK(used == (int)TPW_STATE_FIXED + 11 && !strcmp(m.state.name, "core-42.img") &&
	      m.state.offset == 4096 && m.state.more && m.data_len == 3,
	      "STATE decode: used %d name %s", used, m.state.name);
	/* The wire values are the documented ones, not the enum's. */
	CHECK(s.buf[6] == TPW_T_STATE && s.buf[7] == 0, "STATE type on the wire");
	CHECK(tp_type_to_wire(TP_RESULT) == 8 && tp_status_to_wire(TP_AUTH_REFUSED) == 4,
	      "wire constants");
}

static void test_malformed(void)
{
	static struct stream s;
	static uint8_t raw[TPW_PAGE_SIZE];
	uint8_t *p;

	/* Truncated: header and payload. */
	s.len = 0;
	hello(&s);
	s.len = 10;
	expect_err(&s, -EPROTO, "truncated frame header", "short header");
	s.len = 0;
	hello(&s);
	s.len -= 1;
	expect_err(&s, -EPROTO, "truncated HELLO", "short payload");

	/* Bad magic, bad header crc, other version, unknown type, flags. */
	s.len = 0;
	hello(&s);
	s.buf[0] ^= 1;
	expect_err(&s, -EPROTO, "bad magic", "magic");
	s.buf[0] ^= 1;
	s.buf[12] ^= 1;
	expect_err(&s, -EBADMSG, "header checksum", "header crc");
	s.buf[12] ^= 1;
	s.buf[4] = 2;
	reseal(s.buf);
	expect_err(&s, -EPROTO, "peer speaks protocol version 2, this lmig speaks 1", "version");
	s.buf[4] = 1;
	s.buf[6] = 99;
	reseal(s.buf);
	expect_err(&s, -EPROTO, "unknown frame type 99", "type");
	s.buf[6] = TPW_T_HELLO;
	s.buf[8] = 1;
	reseal(s.buf);
	expect_err(&s, -EPROTO, "unknown flags", "frame flags");

	/* Oversized length: refused from the header, before any payload. */
	s.len = 0;
	hello(&s);
	put32(s.buf + 12, 0xfffffff0u);
	reseal(s.buf);
	expect_err(&s, -EPROTO, "HELLO frame of 4294967280 bytes", "huge length");
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_BEGIN, 1, 0);
	p = pages(&s, 0x1000, 1, 0, raw, sizeof(raw));
	put32(p + 12, TPW_MAX_PAYLOAD + 1);
	reseal(p);
	expect_err(&s, -EPROTO, "PAGES frame of", "PAGES over the bound");

	/* Bad payload crc. */
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_BEGIN, 1, 0);
	p = pages(&s, 0x1000, 1, 0, raw, sizeof(raw));
	p[TPW_HDR_SIZE + TPW_PAGES_FIXED + 100] ^= 0x40;
	expect_err(&s, -EBADMSG, "payload checksum mismatch", "payload crc");

	/* Out of order. */
	s.len = 0;
	round_msg(&s, TP_ROUND_BEGIN, 1, 0);
	expect_err(&s, -EPROTO, "ROUND_BEGIN before HELLO", "before HELLO");
	s.len = 0;
	pages(&s, 0x1000, 1, 0, raw, sizeof(raw));
	expect_err(&s, -EPROTO, "PAGES before HELLO", "PAGES before HELLO");
	s.len = 0;
	hello(&s);
	pages(&s, 0x1000, 1, 0, raw, sizeof(raw));
	expect_err(&s, -EPROTO, "PAGES outside a round", "PAGES outside a round");
	s.len = 0;
	hello(&s);
	hello(&s);
	expect_err(&s, -EPROTO, "second HELLO", "second HELLO");
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_BEGIN, 2, 0);
	round_msg(&s, TP_ROUND_END, 2, 0);
	round_msg(&s, TP_ROUND_BEGIN, 2, 0);
	expect_err(&s, -EPROTO, "ROUND_BEGIN 2 after round 2", "round numbers go up");
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_BEGIN, 1, 0);
	pages(&s, 0x1000, 1, 0, raw, sizeof(raw));
	round_msg(&s, TP_ROUND_END, 1, 2);
	expect_err(&s, -EPROTO, "counts 2 pages, 1 arrived", "round count");

	/* Bad PAGES fields. */
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_BEGIN, 1, 0);
	pages(&s, 0x1001, 1, 0, raw, sizeof(raw));
	expect_err(&s, -EPROTO, "unaligned", "unaligned vaddr");
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_BEGIN, 1, 0);
	pages(&s, 0x1000, 2, 0, raw, sizeof(raw));
	expect_err(&s, -EPROTO, "2 pages with 4096 data bytes", "short run");
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_BEGIN, 1, 0);
	pages(&s, 0x1000, 1, TP_PAGES_ZERO, raw, 8);
	expect_err(&s, -EPROTO, "ZERO PAGES run with 8 data bytes", "zero with data");
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_BEGIN, 1, 0);
	pages(&s, 0x1000, 1, TP_PAGES_LZ4, "\x10garbage", 8);
	expect_err(&s, -EBADMSG, "does not decompress", "bad LZ4");
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_BEGIN, 1, 0);
	pages(&s, 0x1000, TPW_MAX_RUN_PAGES + 1, TP_PAGES_ZERO, NULL, 0);
	expect_err(&s, -EPROTO, "allowed 1..256", "run too long");
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_BEGIN, 1, 0);
	pages(&s, UINT64_MAX & ~4095ull, 2, TP_PAGES_ZERO, NULL, 0);
	expect_err(&s, -EPROTO, "past the end", "address overflow");
}

/* ROUND_ACK: the receiver's stream, acks counting upwards, never mixed with rounds. */
static void test_round_ack(void)
{
	static struct stream s;
	struct tp_msg m = { .type = TP_RESULT };
	struct tp_why why;
	struct tp_hdr h;
	int rc;

	s.len = 0;
	round_msg(&s, TP_ROUND_ACK, 0, 5);
	rc = tp_hdr_decode(s.buf, &h, &why);
	CHECK(rc == 0 && h.type == TP_ROUND_ACK && s.buf[6] == TPW_T_ROUND_ACK && TPW_T_ROUND_ACK == 9,
	      "ROUND_ACK header: rc %d type %d", rc, (int)h.type);
	rc = tp_fixed_decode(&h, s.buf + TPW_HDR_SIZE, h.length, &m, &why);
	CHECK(rc == (int)TPW_ROUND_FIXED && m.type == TP_ROUND_ACK && m.round.round == 0 &&
	      m.round.nr_pages == 5, "ROUND_ACK decode: rc %d round %u pages %llu", rc,
	      m.round.round, (unsigned long long)m.round.nr_pages);

	/* A server's answer: acks after the handshake, then RESULT. */
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_ACK, 0, 5);
	round_msg(&s, TP_ROUND_ACK, 1, 0);
	round_msg(&s, TP_ROUND_ACK, 3, 7);
	memset(&m, 0, sizeof(m));
	m.type = TP_RESULT;
	frame(&s, &m, NULL, 0);
	rc = parse(&s, &why);
	CHECK(rc == 5, "acks then RESULT: %d frames (%s), want 5", rc, why.msg);

	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_ACK, 2, 0);
	round_msg(&s, TP_ROUND_ACK, 2, 0);
	expect_err(&s, -EPROTO, "ROUND_ACK 2 after ROUND_ACK 2", "acks go up");
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_BEGIN, 1, 0);
	round_msg(&s, TP_ROUND_END, 1, 0);
	round_msg(&s, TP_ROUND_ACK, 1, 0);
	expect_err(&s, -EPROTO, "ROUND_ACK 1 in a stream of rounds", "ack among rounds");
	s.len = 0;
	hello(&s);
	memset(&m, 0, sizeof(m));
	m.type = TP_STATE;
	strcpy(m.state.name, "mm-1.img");
	frame(&s, &m, NULL, 0);
	round_msg(&s, TP_ROUND_ACK, 0, 0);
	expect_err(&s, -EPROTO, "ROUND_ACK 0 in a stream of rounds", "ack after STATE");
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_ACK, 0, 0);
	round_msg(&s, TP_ROUND_BEGIN, 1, 0);
	expect_err(&s, -EPROTO, "ROUND_BEGIN after ROUND_ACK", "round after ack");
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_ACK, 0, 0);
	memset(&m, 0, sizeof(m));
	m.type = TP_COMMIT;
	frame(&s, &m, NULL, 0);
	expect_err(&s, -EPROTO, "COMMIT after ROUND_ACK", "commit after ack");
	/* The fixed size is the whole frame. */
	s.len = 0;
	hello(&s);
	round_msg(&s, TP_ROUND_ACK, 0, 0);
	put32(s.buf + s.len - TPW_ROUND_FIXED - TPW_HDR_SIZE + 12, TPW_ROUND_FIXED + 1);
	reseal(s.buf + s.len - TPW_ROUND_FIXED - TPW_HDR_SIZE);
	expect_err(&s, -EPROTO, "ROUND_ACK frame of 17 bytes", "ack too long");
}

static void test_state_names(void)
{
	static const char *bad[] = { "", ".", "..", "a/b" };
	static struct stream s;
	struct tp_msg m = { .type = TP_STATE };
	uint8_t *p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.len = 0;
		hello(&s);
		strcpy(m.state.name, bad[i]);
		frame(&s, &m, NULL, 0);
		expect_err(&s, -EPROTO, "STATE name", bad[i]);
	}
	/* A name length that runs past the frame. */
	s.len = 0;
	hello(&s);
	strcpy(m.state.name, "x");
	p = frame(&s, &m, NULL, 0);
	p[TPW_HDR_SIZE] = 200;
	put32(p + 16, crc32c(0, p + TPW_HDR_SIZE, TPW_STATE_FIXED + 1));
	reseal(p);
	expect_err(&s, -EPROTO, "STATE name of 200 bytes", "name past the frame");
}

int main(void)
{
	test_round_trip();
	test_malformed();
	test_round_ack();
	test_state_names();
	if (failures) {
		printf("%d check(s) failed\n", failures);
		return 1;
	}
	printf("transport frame codec: all checks passed\n");
	return 0;
}
