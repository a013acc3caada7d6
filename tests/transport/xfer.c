/*
 * xfer: a page sender and a page receiver over the transport, for the
 * end-to-end tests (tests/transport/e2e.sh, rdma.sh) and the benchmark
 * (bench/transport/run.sh).
 *
 *   xfer recv [common] --listen ADDR [--ready FILE]
 *   xfer send [common] --to ADDR [--compress]
 * common: --port P --transport T --key FILE --insecure --mib N
 *         --mode check|bench --kind random|mixed --gib G
 *         --tls --tls-cacert F --tls-cert F --tls-key F --tls-no-cn-verify
 *
 * check mode: the sender sends N MiB of random, zero, text and mixed
 * pages in runs of varied length from several iovecs (round 1), then
 * re-sends every 7th MiB with new contents (round 2), a 3 MiB STATE
 * file, and COMMIT. The receiver lands the pages in place, rebuilds the
 * expected contents from the same seeds, compares every byte and
 * answers RESULT ok or failed; both print the crc32c of the region.
 * Exit 0 only when everything arrived intact.
 *
 * bench mode: the sender streams G GiB of pages (random, or half zero
 * and half text: "mixed") from one N MiB buffer in 1 MiB runs; both
 * sides print one line with seconds and CPU seconds. With --transport
 * raw both sides use a plain TCP socket and write/recv instead, as the
 * baseline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "tptest.h"

#define VBASE 0x7f0000000000ull
#define MIB (1u << 20)
#define PAGES_PER_MIB (MIB / TPW_PAGE_SIZE)

struct args {
	bool send;
	const char *addr;
	uint16_t port;
	const char *ready;
	struct tp_opts o;
	bool raw;		/* --transport raw: the plain-socket baseline */
	unsigned int mib;
	bool bench;
	bool mixed;
	unsigned int gib;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The contents of MiB block b in round r (1 or 2). */
static void fill_block(uint8_t *p, unsigned int b, unsigned int r)
{
	uint64_t seed = (uint64_t)b * 4 + r;
	unsigned int i;

	switch (b % 4) {
	case 0: tpt_fill(p, MIB, TPT_RANDOM, seed); break;
	case 1: tpt_fill(p, MIB, TPT_ZERO, seed); break;
	case 2: tpt_fill(p, MIB, TPT_TEXT, seed); break;
	default:
		/* Page by page: zero, text, random, text, ... */
		for (i = 0; i < PAGES_PER_MIB; i++)
			tpt_fill(p + (size_t)i * TPW_PAGE_SIZE, TPW_PAGE_SIZE,
				 i % 4 == 0 ? TPT_ZERO : i % 4 == 2 ? TPT_RANDOM : TPT_TEXT,
				 seed * 1000 + i);
	}
}

static bool dirty_in_round2(unsigned int b)
{
	return b % 7 == 3;
}

static void fill_state(uint8_t *p, size_t len)
{
	tpt_fill(p, len & ~7ul, TPT_TEXT, 99);
	memset(p + (len & ~7ul), '!', len & 7);
}

#define STATE_LEN (3 * MIB + 5)

static void *region(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

/* Send pages [first, first+nr) of mem in runs of varied length and iovecs. */
static int send_span(struct tp_conn *c, uint8_t *mem, uint64_t first, uint64_t nr,
		     uint64_t *rng)
{
	uint64_t done = 0;
	int rc = 0;

	while (done < nr && !rc) {
		uint32_t run = (uint32_t)(*rng % 300 + 1);
		struct iovec iov[3];
		uint8_t *p;
		int n = 1;

		*rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
		if (run > nr - done)
			run = (uint32_t)(nr - done);
		p = mem + (first + done) * TPW_PAGE_SIZE;
		iov[0].iov_base = p;
		iov[0].iov_len = (size_t)run * TPW_PAGE_SIZE;
		if (run >= 3) {
			/* Split the run: the transport gathers across iovecs. */
			iov[0].iov_len = TPW_PAGE_SIZE;
			iov[1].iov_base = p + TPW_PAGE_SIZE;
			iov[1].iov_len = (size_t)(run - 2) * TPW_PAGE_SIZE;
			iov[2].iov_base = p + (size_t)(run - 1) * TPW_PAGE_SIZE;
			iov[2].iov_len = TPW_PAGE_SIZE;
			n = 3;
		}
		rc = tp_send_pages(c, 1234, VBASE + (first + done) * TPW_PAGE_SIZE, run, 0, iov, n);
		done += run;
	}
	return rc;
}

static int check_send(struct tp_conn *c, const struct args *a)
{
	size_t len = (size_t)a->mib * MIB;
	uint8_t *mem = region(len), *state = region(STATE_LEN);
	char text[TPW_MAX_RESULT_MSG + 1];
	uint64_t rng = 12345;
	struct tp_stats st;
	struct tp_msg m;
	unsigned int b;
	int rc;

	for (b = 0; b < a->mib; b++)
		fill_block(mem + (size_t)b * MIB, b, 1);
	rc = tp_send_round_begin(c, 1, len / TPW_PAGE_SIZE);
	rc = rc ?: send_span(c, mem, 0, len / TPW_PAGE_SIZE, &rng);
	rc = rc ?: tp_send_round_end(c, 1);
	rc = rc ?: tp_send_round_begin(c, 2, 0);
	for (b = 0; b < a->mib && !rc; b++) {
		if (!dirty_in_round2(b))
			continue;
		fill_block(mem + (size_t)b * MIB, b, 2);
		rc = send_span(c, mem, (uint64_t)b * PAGES_PER_MIB, PAGES_PER_MIB, &rng);
	}
	rc = rc ?: tp_send_round_end(c, 2);
	fill_state(state, STATE_LEN);
	rc = rc ?: tp_send_state(c, "pages-1.img", state, STATE_LEN);
	rc = rc ?: tp_send_commit(c);
	if (rc)
		return 1;
	rc = tp_recv(c, &m, text);
	if (rc != 1 || m.type != TP_RESULT) {
		printf("send: no RESULT (%d)\n", rc);
		return 1;
	}
	tp_get_stats(c, &st);
	printf("send: region crc32c %08x; pages raw %llu lz4 %llu zero %llu; %llu bytes sent\n",
	       crc32c(0, mem, len), (unsigned long long)st.pages_raw,
	       (unsigned long long)st.pages_lz4, (unsigned long long)st.pages_zero,
	       (unsigned long long)st.bytes_sent);
	printf("send: receiver says %s%s%s\n", tp_status_name(m.result.status),
	       text[0] ? ": " : "", text);
	return m.result.status == TP_OK ? 0 : 1;
}

static int check_recv(struct tp_conn *c, const struct args *a)
{
	size_t len = (size_t)a->mib * MIB;
	uint8_t *mem = region(len), *want = region(len);
	uint8_t *state = region(STATE_LEN), *swant = region(STATE_LEN);
	char msg[160] = "";
	size_t slen = 0;
	struct tp_msg m;
	unsigned int b;
	int rc;

	/* Poison, so that a page that never arrives cannot pass as zero. */
	memset(mem, 0x5a, len);
	while ((rc = tp_recv(c, &m, NULL)) == 1 && m.type != TP_COMMIT) {
		if (m.type == TP_PAGES) {
			uint64_t off = m.pages.vaddr - VBASE;

			if (m.pages.vaddr < VBASE || off > len ||
			    (uint64_t)m.pages.nr_pages * TPW_PAGE_SIZE > len - off) {
				snprintf(msg, sizeof(msg), "pages outside the region");
				break;
			}
			rc = tp_recv_pages(c, mem + off);
			if (rc)
				return 1;
		} else if (m.type == TP_STATE) {
			if (m.state.offset != slen || slen + m.data_len > STATE_LEN) {
				snprintf(msg, sizeof(msg), "STATE chunk out of place");
				break;
			}
			if (tp_recv_data(c, state + slen, m.data_len))
				return 1;
			slen += m.data_len;
		}
	}
	if (rc != 1)
		return 1;
	for (b = 0; b < a->mib; b++)
		fill_block(want + (size_t)b * MIB, b, dirty_in_round2(b) ? 2 : 1);
	fill_state(swant, STATE_LEN);
	if (!msg[0] && memcmp(mem, want, len)) {
		size_t i = 0;

		while (mem[i] == want[i])
			i++;
		snprintf(msg, sizeof(msg), "pages differ from byte %zu (page 0x%llx)", i,
			 (unsigned long long)(VBASE + (i & ~4095ul)));
	}
	if (!msg[0] && (slen != STATE_LEN || memcmp(state, swant, STATE_LEN)))
		snprintf(msg, sizeof(msg), "STATE differs (%zu bytes)", slen);
	printf("recv: region crc32c %08x: %s\n", crc32c(0, mem, len), msg[0] ? msg : "intact");
	tp_send_result(c, msg[0] ? TP_FAILED : TP_OK, msg);
	return msg[0] ? 1 : 0;
}

static void bench_fill(uint8_t *mem, size_t len, bool mixed)
{
	size_t half = len / 2;

	if (!mixed) {
		tpt_fill(mem, len, TPT_RANDOM, 7);
		return;
	}
	tpt_fill(mem, half, TPT_ZERO, 0);
	tpt_fill(mem + half, len - half, TPT_TEXT, 7);
}

static void report(const char *side, const struct args *a, uint64_t bytes, double t, double c)
{
	double gib = (double)bytes / (1 << 30);

	printf("bench %s %s%s: %.3f GiB in %.3f s = %.3f GiB/s, %.3f CPU s/GiB\n", side,
	       a->raw ? "raw" : a->o.backend, a->o.compress ? "+lz4" : "", gib, t,
	       gib / t, c / gib);
}

static int bench_send(struct tp_conn *c, int fd, const struct args *a)
{
	size_t len = (size_t)a->mib * MIB;
	uint64_t total = (uint64_t)a->gib << 30, sent = 0;
	uint8_t *mem = region(len);
	double t0, c0;
	int rc = 0;

	bench_fill(mem, len, a->mixed);
	t0 = now();
	c0 = cpu();
	if (c)
		rc = tp_send_round_begin(c, 1, total / TPW_PAGE_SIZE);
	while (sent < total && !rc) {
		size_t off = sent % len;

		if (c) {
			struct iovec iov = { mem + off, MIB };

			rc = tp_send_pages(c, 1, VBASE + off, PAGES_PER_MIB, 0, &iov, 1);
		} else {
			ssize_t w = send(fd, mem + off, MIB, MSG_NOSIGNAL);

			rc = w == (ssize_t)MIB ? 0 : -1;
		}
		sent += MIB;
	}
	if (c && !rc) {
		struct tp_msg m;

		rc = tp_send_round_end(c, 1) ?: tp_send_commit(c);
		rc = rc ?: tp_recv(c, &m, NULL) == 1 && m.result.status == TP_OK ? 0 : -1;
	} else if (!rc) {
		char b;

		shutdown(fd, SHUT_WR);
		rc = recv(fd, &b, 1, 0) == 0 ? 0 : -1;
	}
	if (rc)
		return 1;
	report("send", a, total, now() - t0, cpu() - c0);
	return 0;
}

static int bench_recv(struct tp_conn *c, int fd, const struct args *a)
{
	size_t len = (size_t)a->mib * MIB;
	uint8_t *mem = region(len);
	uint64_t got = 0;
	double t0 = 0, c0 = 0;
	struct tp_msg m;
	int rc;

	memset(mem, 1, len);
	for (;;) {
		if (c) {
			rc = tp_recv(c, &m, NULL);
			if (rc != 1)
				return 1;
			if (m.type == TP_COMMIT)
				break;
			if (m.type != TP_PAGES)
				continue;
			if (!t0) {
				t0 = now();
				c0 = cpu();
			}
			if (tp_recv_pages(c, mem + (m.pages.vaddr - VBASE) % len))
				return 1;
			got += (uint64_t)m.pages.nr_pages * TPW_PAGE_SIZE;
		} else {
			ssize_t r = recv(fd, mem + got % len, MIB - got % MIB, MSG_WAITALL);

			if (r < 0)
				return 1;
			if (r == 0)
				break;
			if (!t0) {
				t0 = now();
				c0 = cpu();
			}
			got += (uint64_t)r;
		}
	}
	report("recv", a, got, now() - t0, cpu() - c0);
	if (c)
		tp_send_result(c, TP_OK, NULL);
	return 0;
}

/* The baseline: one plain TCP connection, tuned like the tcp back end. */
static int raw_socket(const struct args *a)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(a->port) };
	int fd, s, one = 1, sz = 8 << 20;

	inet_pton(AF_INET, a->addr, &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	if (a->send) {
		for (int i = 0; i < 100; i++) {
			if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
				return fd;
			usleep(50000);
		}
		perror("connect");
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		perror("bind");
		return -1;
	}
	if (a->ready)
		fclose(fopen(a->ready, "w"));
	s = accept(fd, NULL, NULL);
	close(fd);
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	return s;
}

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "transport", required_argument, NULL, 'T' },
		{ "key", required_argument, NULL, 'k' },
		{ "insecure", no_argument, NULL, 'i' },
		{ "compress", no_argument, NULL, 'z' },
		{ "mib", required_argument, NULL, 'm' },
		{ "mode", required_argument, NULL, 'M' },
		{ "kind", required_argument, NULL, 'K' },
		{ "gib", required_argument, NULL, 'g' },
		{ "ready", required_argument, NULL, 'r' },
		TP_TLS_LONGOPTS,
		{ 0 },
	};
	int c;

	if (argc < 2)
		return -1;
	a->send = !strcmp(argv[1], "send");
	a->mib = 64;
	a->gib = 4;
	a->o.backend = "tcp";
	a->o.timeout_ms = 20000;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'l':
		case 't': a->addr = optarg; break;
		case 'p': a->port = (uint16_t)atoi(optarg); break;
		case 'T': a->o.backend = optarg; a->raw = !strcmp(optarg, "raw"); break;
		case 'k': a->o.auth_key_file = optarg; break;
		case 'i': a->o.insecure = true; break;
		case 'z': a->o.compress = true; break;
		case 'm': a->mib = (unsigned int)atoi(optarg); break;
		case 'M': a->bench = !strcmp(optarg, "bench"); break;
		case 'K': a->mixed = !strcmp(optarg, "mixed"); break;
		case 'g': a->gib = (unsigned int)atoi(optarg); break;
		case 'r': a->ready = optarg; break;
		default:
			if (!tp_tls_opt(c, optarg, &a->o.tls))
				return -1;
		}
	}
	return a->addr && a->port && a->mib && !tp_tls_opts_check(&a->o.tls) ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct tp_listener *l = NULL;
	struct tp_conn *c = NULL;
	int rc, fd = -1;

	if (parse(argc, argv, &a)) {
		fprintf(stderr, "usage: xfer send|recv --to|--listen ADDR --port P [...]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (a.raw) {
		fd = raw_socket(&a);
		if (fd < 0)
			return 1;
		return a.send ? bench_send(NULL, fd, &a) : bench_recv(NULL, fd, &a);
	}
	if (a.send) {
		/* The receiver is up (the script waited for its ready file). */
		rc = tp_connect(&a.o, a.addr, a.port, &c);
		if (rc)
			return rc == -ENODEV || rc == -EOPNOTSUPP ? 77 : 1;
		rc = a.bench ? bench_send(c, -1, &a) : check_send(c, &a);
	} else {
		rc = tp_listen(&a.o, a.addr, a.port, &l);
		if (rc)
			return rc == -ENODEV || rc == -EOPNOTSUPP ? 77 : 1;
		if (a.ready)
			fclose(fopen(a.ready, "w"));
		rc = tp_accept(l, &c);
		if (rc) {
			tp_listener_close(l);
			return 1;
		}
		rc = a.bench ? bench_recv(c, -1, &a) : check_recv(c, &a);
	}
	tp_close(c);
	tp_listener_close(l);
	return rc;
}
