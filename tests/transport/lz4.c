/*
 * Adaptive LZ4 and zero pages: compressible runs go compressed, random
 * runs go raw after at most a few attempts, zero pages never as data;
 * checked on the policy itself and on a real connection (loopback tcp),
 * where the receiver also checks every byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/compress.h"
#include "tptest.h"

#define RUN_PAGES 64u
#define NR_RUNS 64u
#define RUN_BYTES (RUN_PAGES * TPW_PAGE_SIZE)

static void test_policy(void)
{
	static uint8_t text[RUN_BYTES], rnd[RUN_BYTES], out[RUN_BYTES + 4096];
	struct tp_lz4 z;
	unsigned int i, tries = 0;
	size_t n;

	tpt_fill(text, sizeof(text), TPT_TEXT, 1);
	tpt_fill(rnd, sizeof(rnd), TPT_RANDOM, 2);
	tp_lz4_init(&z);
	n = tp_lz4_compress(&z, text, sizeof(text), out, sizeof(out));
	CHECK(n > 0 && n <= sizeof(text) - sizeof(text) / 8, "text: %zu bytes", n);
	/* 1000 random runs: attempts back off to one in TP_LZ4_MAX_BACKOFF. */
	for (i = 0; i < 1000; i++) {
		if (!tp_lz4_should_try(&z))
			continue;
		tries++;
		n = tp_lz4_compress(&z, rnd, sizeof(rnd), out, sizeof(out));
		CHECK(n == 0, "random data compressed to %zu", n);
	}
	CHECK(tries <= 1000 / TP_LZ4_MAX_BACKOFF + 8, "%u attempts on 1000 random runs", tries);
	/* One success resets the back-off. */
	while (!tp_lz4_should_try(&z))
		;
	CHECK(tp_lz4_compress(&z, text, sizeof(text), out, sizeof(out)) > 0, "text again");
	CHECK(tp_lz4_should_try(&z), "back-off not reset by a success");

	/* Timed: each way once, then the quicker one, the other every TP_LZ4_PROBE_EVERY runs. */
	for (int lz4_quicker = 0; lz4_quicker < 2; lz4_quicker++) {
		unsigned int lz4_runs = 0;

		tp_lz4_init(&z);
		for (i = 0; i < 320; i++) {
			bool tried = tp_lz4_should_try(&z);

			if (i == 0)
				CHECK(tried, "the first run does not try LZ4");
			if (i == 1)
				CHECK(!tried, "the second run does not measure raw");
			lz4_runs += tried;
			/* LZ4 takes 1 ms a run on a fast link or 2 ms on a slow one; raw the other. */
			tp_lz4_record(&z, tried, tried == (bool)lz4_quicker ? 1000000 : 2000000, 256);
		}
		if (lz4_quicker)
			CHECK(lz4_runs >= 320 - 320 / TP_LZ4_PROBE_EVERY - 2,
			      "LZ4 quicker: only %u of 320 runs compressed", lz4_runs);
		else
			CHECK(lz4_runs <= 320 / TP_LZ4_PROBE_EVERY + 2,
			      "raw quicker: %u of 320 runs compressed", lz4_runs);
	}

	memset(out, 0, TPW_PAGE_SIZE);
	CHECK(tp_page_is_zero(out), "zero page");
	out[TPW_PAGE_SIZE - 1] = 1;
	CHECK(!tp_page_is_zero(out), "last byte set");
	out[TPW_PAGE_SIZE - 1] = 0;
	out[100] = 1;
	CHECK(!tp_page_is_zero(out), "middle byte set");
}

struct srv {
	struct tp_listener *l;
	enum tpt_kind kind;
};

static void fill_run(uint8_t *buf, enum tpt_kind kind, unsigned int r)
{
	tpt_fill(buf, RUN_BYTES, kind, r);
	/* Some zero pages inside data runs: they must become ZERO runs. */
	if (kind != TPT_ZERO)
		memset(buf + 5 * TPW_PAGE_SIZE, 0, 3 * TPW_PAGE_SIZE);
}

/* Receive NR_RUNS runs, check each against what the sender made. */
static int serve(void *arg)
{
	struct srv *s = arg;
	static uint8_t got[RUN_BYTES], want[RUN_BYTES];
	struct tp_conn *c;
	struct tp_msg m;
	int rc, bad = 0;

	if (tp_accept(s->l, &c))
		return 1;
	while ((rc = tp_recv(c, &m, NULL)) == 1 && m.type != TP_COMMIT) {
		if (m.type != TP_PAGES)
			continue;
		uint64_t off = m.pages.vaddr - 0x10000000;
		unsigned int r = (unsigned int)(off / RUN_BYTES);

		memset(got, 0xaa, sizeof(got));
		if (tp_recv_pages(c, got))
			return 1;
		fill_run(want, s->kind, r);
		if (memcmp(got, want + off % RUN_BYTES, (size_t)m.pages.nr_pages * TPW_PAGE_SIZE))
			bad++;
	}
	if (rc != 1 || bad) {
		printf("server: rc %d, %d runs differ\n", rc, bad);
		tp_send_result(c, TP_FAILED, "bad data");
		return 1;
	}
	tp_send_result(c, TP_OK, NULL);
	tp_close(c);
	return 0;
}

static void test_conn(enum tpt_kind kind, bool compress, struct tp_stats *st)
{
	struct tp_opts o = { .backend = "tcp", .compress = compress, .timeout_ms = 10000 };
	static uint8_t buf[RUN_BYTES];
	struct srv s = { .kind = kind };
	struct tp_conn *c;
	struct tp_msg m;
	unsigned int r;
	pid_t pid;
	int rc;

	memset(st, 0, sizeof(*st));
	if (tp_listen(&o, "127.0.0.1", 0, &s.l)) {
		failures++;
		return;
	}
	pid = tpt_fork(serve, &s);
	rc = tp_connect(&o, "127.0.0.1", tp_listener_port(s.l), &c);
	CHECK(rc == 0, "connect: %d", rc);
	if (rc == 0) {
		rc = tp_send_round_begin(c, 1, NR_RUNS * RUN_PAGES);
		for (r = 0; r < NR_RUNS && !rc; r++) {
			struct iovec iov[2] = {
				{ buf, RUN_BYTES / 2 }, { buf + RUN_BYTES / 2, RUN_BYTES / 2 },
			};

			fill_run(buf, kind, r);
			rc = tp_send_pages(c, 1, 0x10000000 + (uint64_t)r * RUN_BYTES,
					   RUN_PAGES, 0, iov, 2);
		}
		rc = rc ?: tp_send_round_end(c, 1) ?: tp_send_commit(c);
		CHECK(rc == 0, "send: %d", rc);
		rc = tp_recv(c, &m, NULL);
		CHECK(rc == 1 && m.type == TP_RESULT && m.result.status == TP_OK,
		      "result: rc %d type %d", rc, m.type);
		tp_get_stats(c, st);
		tp_close(c);
	}
	CHECK(tpt_wait(pid, 30) == 0, "server failed");
	tp_listener_close(s.l);
}

int main(void)
{
	struct tp_stats st;
	uint64_t total = NR_RUNS * RUN_PAGES;

	alarm(120);
	test_policy();

	test_conn(TPT_TEXT, true, &st);
	printf("text+lz4: raw %llu lz4 %llu zero %llu pages, %llu bytes sent\n",
	       (unsigned long long)st.pages_raw, (unsigned long long)st.pages_lz4,
	       (unsigned long long)st.pages_zero, (unsigned long long)st.bytes_sent);
	CHECK(st.pages_zero == NR_RUNS * 3, "zero pages: %llu", (unsigned long long)st.pages_zero);
	/* Which way is quicker over loopback is the machine's to say: both were measured. */
	CHECK(st.pages_lz4 > 0 && st.pages_raw > 0, "text: %llu pages compressed, %llu raw",
	      (unsigned long long)st.pages_lz4, (unsigned long long)st.pages_raw);

	test_conn(TPT_RANDOM, true, &st);
	printf("random+lz4: raw %llu lz4 %llu zero %llu pages, %llu tries\n",
	       (unsigned long long)st.pages_raw, (unsigned long long)st.pages_lz4,
	       (unsigned long long)st.pages_zero, (unsigned long long)st.lz4_tries);
	CHECK(st.pages_lz4 == 0 && st.pages_raw == total - NR_RUNS * 3, "random sent raw");
	CHECK(st.lz4_tries < 20, "random: %llu compression attempts for %u frames",
	      (unsigned long long)st.lz4_tries, NR_RUNS * 2);

	test_conn(TPT_TEXT, false, &st);
	CHECK(st.pages_lz4 == 0 && st.lz4_tries == 0, "compression off yet used");

	test_conn(TPT_ZERO, true, &st);
	CHECK(st.pages_zero == total && st.bytes_sent < 100000, "zero: %llu bytes sent",
	      (unsigned long long)st.bytes_sent);
	if (failures) {
		printf("%d check(s) failed\n", failures);
		return 1;
	}
	printf("transport lz4: all checks passed\n");
	return 0;
}
