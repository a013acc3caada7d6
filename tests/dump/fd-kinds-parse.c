/* The fdinfo parsers of src/dump/fd-event.c and fd-epoll.c on real and odd input. */
#include <stdint.h>
#include <string.h>
#include <sys/timerfd.h>

#include "dump/fd-epoll.h"
#include "dump/fd-event.h"
#include "../lib/unit.h"

#define HDR "pos:\t0\nflags:\t02004002\nmnt_id:\t17\nino:\t17\n"

static void test_eventfd(void)
{
	uint64_t c = 0;
	bool sem = true;
	int64_t id = 0;

	CHECK(fd_event_parse_eventfd(HDR "eventfd-count:                5\neventfd-id: 1\neventfd-semaphore: 1\n",
				     &c, &sem, &id) == 0);
	CHECK(c == 5 && sem && id == 1);
	CHECK(fd_event_parse_eventfd(HDR "eventfd-count: fffffffffffffffe\neventfd-id: 3\neventfd-semaphore: 0\n",
				     &c, &sem, &id) == 0);
	CHECK(c == 0xfffffffffffffffeULL && !sem && id == 3);
	/* Before Linux 6.4: no semaphore line, a plain counter. */
	sem = true;
	CHECK(fd_event_parse_eventfd(HDR "eventfd-count:       10000000000\n", &c, &sem, &id) == 0);
	CHECK(c == 0x10000000000ULL && !sem && id == -1);
	CHECK(fd_event_parse_eventfd(HDR, &c, &sem, &id) < 0);
	CHECK(fd_event_parse_eventfd(HDR "eventfd-count: -1\n", &c, &sem, &id) < 0);
	CHECK(fd_event_parse_eventfd(HDR "eventfd-count: 1\neventfd-semaphore: x\n", &c, &sem, &id) < 0);
	CHECK(fd_event_parse_eventfd(HDR "eventfd-count: 1\neventfd-id: -2\n", &c, &sem, &id) < 0);
	CHECK(fd_event_parse_eventfd("", &c, &sem, &id) < 0);
}

static void test_signalfd(void)
{
	uint64_t m = 0;

	CHECK(fd_event_parse_signalfd(HDR "sigmask:\t0000000400000800\n", &m) == 0);
	CHECK(m == ((1ULL << 11) | (1ULL << 34)));
	CHECK(fd_event_parse_signalfd(HDR "sigmask:\n", &m) < 0);
	/* Only at the start of a line. */
	CHECK(fd_event_parse_signalfd(HDR "xsigmask:\t1\n", &m) < 0);
}

static void test_timerfd(void)
{
	struct fd_timerfd_info t;

	CHECK(fd_event_parse_timerfd(HDR "clockid: 0\nticks: 12\nsettime flags: 03\n"
				     "it_value: (1, 896291355)\nit_interval: (1, 500)\n", &t) == 0);
	CHECK(t.clockid == 0 && t.ticks == 12 &&
	      t.settime_flags == (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET));
	CHECK(fd_event_parse_timerfd(HDR "clockid: 7\nticks: 0\nsettime flags: 00\n", &t) == 0);
	CHECK(t.clockid == 7 && t.ticks == 0 && t.settime_flags == 0);
	CHECK(fd_event_parse_timerfd(HDR "clockid: 1\nticks: 0\n", &t) < 0);
	CHECK(fd_event_parse_timerfd(HDR "clockid: 99999999999\nticks: 0\nsettime flags: 0\n", &t) < 0);
}

static void test_epoll(void)
{
	struct fd_epoll_item it[3];
	size_t nr = 99;
	const char *text = HDR
		"tfd:        3 events: 80000019 data:             1234  pos:0 ino:11 sdev:10\n"
		"tfd:       15 events: 40000000 data: ffffffffffffffff  pos:0 ino:2a sdev:9\n";

	CHECK(fd_epoll_parse(text, NULL, 0, &nr) == 0 && nr == 2);
	CHECK(fd_epoll_parse(text, it, 3, &nr) == 0 && nr == 2);
	CHECK(it[0].tfd == 3 && it[0].events == 0x80000019 && it[0].data == 0x1234);
	CHECK(it[1].tfd == 15 && it[1].events == 0x40000000 && it[1].data == UINT64_MAX);
	/* Room for fewer: the count says how many there are. */
	CHECK(fd_epoll_parse(text, it, 1, &nr) == 0 && nr == 2 && it[0].tfd == 3);
	CHECK(fd_epoll_parse(HDR, it, 3, &nr) == 0 && nr == 0);
	CHECK(fd_epoll_parse(HDR "tfd: 3 events: zz data: 1\n", it, 3, &nr) < 0);
	CHECK(fd_epoll_parse(HDR "tfd: 3\n", it, 3, &nr) < 0);
}

int main(void)
{
	test_eventfd();
	test_signalfd();
	test_timerfd();
	test_epoll();
	return unit_result();
}
