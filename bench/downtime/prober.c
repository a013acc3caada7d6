/*
 * prober: the downtime a client sees. One connection, one request every
 * interval (default 1 ms), each answered before the next is sent; the
 * longest gap between two successful answers is the client's downtime.
 *
 *   prober --host ADDR --port N --proto redis|http [--interval-us US]
 *          [--duration S] [--timeline FILE] [--ready FILE]
 *
 * The request asks a stateful counter for its next value (Redis INCR of
 * one key, or GET /next of the counter app), so each answer must be the
 * previous one plus one: a lost or repeated state after a migration shows
 * as a "counter" error, not as a number that looks fine. A broken
 * connection is reopened (counted); the time until the next answer is
 * part of the gap.
 *
 * Runs until SIGTERM/SIGINT or --duration, then prints one line:
 *   prober: requests N errors N reconnects N counter_errors N
 *           max_gap_ms G gap_at_ms T p50_us P p99_us P max_us M
 * --timeline writes "t_ms latency_us" per answered request (t from start).
 * Exit 0 when no counter error was seen, 1 otherwise, 2 on usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum proto { PROTO_REDIS, PROTO_HTTP };

struct opts {
	const char *host;
	int port;
	enum proto proto;
	long interval_us;
	double duration_s;
	const char *timeline;
	const char *ready;
};

struct sample {
	uint32_t t_ms10;	/* send time, 0.1 ms since start */
	uint32_t latency_us;
};

struct probe {
	int fd;
	long long last;		/* last counter value seen; -1 = none yet */
	unsigned long requests, errors, reconnects, counter_errors;
	struct sample *s;
	size_t ns, cap;
	double start, last_ok, max_gap, gap_at;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_to(const struct opts *o)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o->port) };
	int fd, one = 1;

	if (inet_pton(AF_INET, o->host, &a.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read one answer into buf and return its counter value (>= 0), or -1 on
 * a broken connection or a malformed answer. Waits at most timeout_ms
 * for each piece so that a frozen server is seen as a gap, not a hang.
 */
static long long read_answer(int fd, enum proto proto, char *buf, size_t cap, int timeout_ms)
{
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char *end, *body;
		ssize_t n;
		int r;

		r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR) {
			if (stop)
				return -1;
			continue;
		}
		if (r <= 0)
			return -1;
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (proto == PROTO_REDIS) {
			end = strstr(buf, "\r\n");
			if (!end)
				goto more;
			return buf[0] == ':' ? strtoll(buf + 1, NULL, 10) : -1;
		}
		/* HTTP/1.1 with Content-Length, body is the number. */
		body = strstr(buf, "\r\n\r\n");
		if (body) {
			char *cl = strcasestr(buf, "content-length:");
			long want = cl ? strtol(cl + 15, NULL, 10) : -1;

			body += 4;
			if (want < 0 || strncmp(buf, "HTTP/1.1 200", 12) != 0)
				return -1;
			if ((long)(len - (size_t)(body - buf)) >= want)
				return strtoll(body, NULL, 10);
		}
more:
		if (len >= cap - 1)
			return -1;
	}
}

static void record(struct probe *p, double t_send, double t_done)
{
	if (p->ns == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 65536;
		struct sample *s = realloc(p->s, cap * sizeof(*s));

		if (!s)
			return;		/* the timeline stops growing; the figures go on */
		p->s = s;
		p->cap = cap;
	}
	p->s[p->ns].t_ms10 = (uint32_t)((t_send - p->start) * 1e4);
	p->s[p->ns].latency_us = (uint32_t)((t_done - t_send) * 1e6);
	p->ns++;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const struct probe *p, const struct opts *o)
{
	uint32_t *lat = calloc(p->ns ? p->ns : 1, sizeof(*lat));
	uint32_t p50 = 0, p99 = 0, max = 0;

	if (lat && p->ns) {
		for (size_t i = 0; i < p->ns; i++)
			lat[i] = p->s[i].latency_us;
		qsort(lat, p->ns, sizeof(*lat), cmp_u32);
		p50 = lat[p->ns / 2];
		p99 = lat[p->ns * 99 / 100];
		max = lat[p->ns - 1];
	}
	free(lat);
	printf("prober: requests %lu errors %lu reconnects %lu counter_errors %lu "
	       "max_gap_ms %.3f gap_at_ms %.1f p50_us %u p99_us %u max_us %u\n",
	       p->requests, p->errors, p->reconnects, p->counter_errors,
	       p->max_gap * 1e3, (p->gap_at - p->start) * 1e3, p50, p99, max);
	if (o->timeline) {
		FILE *f = fopen(o->timeline, "w");

		if (!f) {
			perror("prober: timeline");
			return;
		}
		for (size_t i = 0; i < p->ns; i++)
			fprintf(f, "%.1f %u\n", p->s[i].t_ms10 / 10.0, p->s[i].latency_us);
		fclose(f);
	}
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "proto", required_argument, NULL, 'P' },
		{ "interval-us", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "timeline", required_argument, NULL, 't' },
		{ "ready", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .interval_us = 1000, .proto = PROTO_REDIS };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'H': o->host = optarg; break;
		case 'p': o->port = atoi(optarg); break;
		case 'P':
			if (strcmp(optarg, "redis") == 0)
				o->proto = PROTO_REDIS;
			else if (strcmp(optarg, "http") == 0)
				o->proto = PROTO_HTTP;
			else
				return -1;
			break;
		case 'i': o->interval_us = atol(optarg); break;
		case 'd': o->duration_s = atof(optarg); break;
		case 't': o->timeline = optarg; break;
		case 'r': o->ready = optarg; break;
		default: return -1;
		}
	}
	return o->host && o->port > 0 && o->interval_us >= 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const char redis_req[] = "*2\r\n$4\r\nINCR\r\n$12\r\nprober:count\r\n";
	static const char http_req[] = "GET /next HTTP/1.1\r\nHost: counter\r\n\r\n";
	struct probe p = { .fd = -1, .last = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	const char *req;
	size_t req_len;
	char buf[4096];
	struct opts o;
	double next;

	if (parse(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: prober --host ADDR --port N --proto redis|http "
				"[--interval-us US] [--duration S] [--timeline FILE] [--ready FILE]\n");
		return 2;
	}
	req = o.proto == PROTO_REDIS ? redis_req : http_req;
	req_len = o.proto == PROTO_REDIS ? sizeof(redis_req) - 1 : sizeof(http_req) - 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	p.fd = connect_to(&o);
	if (p.fd < 0) {
		fprintf(stderr, "prober: cannot connect to %s:%d: %s\n", o.host, o.port, strerror(-p.fd));
		return 1;
	}
	if (o.ready) {
		FILE *f = fopen(o.ready, "w");

		if (f)
			fclose(f);
	}
	p.start = p.last_ok = p.gap_at = next = now();
	while (!stop && (o.duration_s <= 0 || now() - p.start < o.duration_s)) {
		double t_send, t_done;
		long long v;

		if (p.fd < 0) {
			p.fd = connect_to(&o);
			if (p.fd < 0) {
				usleep(1000);
				continue;
			}
			p.reconnects++;
		}
		t_send = now();
		p.requests++;
		v = -1;
		if (send_all(p.fd, req, req_len) == 0)
			v = read_answer(p.fd, o.proto, buf, sizeof(buf), 30000);
		t_done = now();
		if (v < 0) {
			if (stop)
				break;
			p.errors++;
			close(p.fd);
			p.fd = -1;
			continue;
		}
		if (p.last >= 0 && v != p.last + 1)
			p.counter_errors++;
		p.last = v;
		if (t_done - p.last_ok > p.max_gap) {
			p.max_gap = t_done - p.last_ok;
			p.gap_at = p.last_ok;
		}
		p.last_ok = t_done;
		record(&p, t_send, t_done);
		next += (double)o.interval_us / 1e6;
		if (next > t_done)
			usleep((useconds_t)((next - t_done) * 1e6));
		else
			next = t_done;
	}
	report(&p, &o);
	if (p.fd >= 0)
		close(p.fd);
	free(p.s);
	return p.counter_errors ? 1 : 0;
}
