#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/*
 * Process-wide by nature: every module writes to the same stderr and the
 * same --log-file. Nothing else in lmig keeps global mutable state.
 */
static enum log_level cur_level = LOG_NORMAL;
static int log_fd = -1;

void log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

int log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	return 0;
}

void log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

void log_msg(enum log_level level, const char *file, int line, int err, const char *fmt, ...)
{
	int saved_errno = errno;
	bool is_err = level == LOG_ERR_LEVEL;
	char buf[4096];
	size_t off = 0;
	va_list ap;
	int n;

	if (!is_err && level > cur_level && log_fd < 0)
		goto out;

	if (is_err)
		off += (size_t)snprintf(buf, sizeof(buf), "lmig: error: ");
	va_start(ap, fmt);
	n = vsnprintf(buf + off, sizeof(buf) - off, fmt, ap);
	va_end(ap);
	if (n > 0)
		off += (size_t)n;
	if (off >= sizeof(buf))
		off = sizeof(buf) - 1;
	/* Messages are single lines; drop a trailing newline a caller added. */
	while (off > 0 && buf[off - 1] == '\n')
		off--;
	if (err && off < sizeof(buf))
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, ": %s", strerror(err));
	if (is_err && file && off < sizeof(buf) && cur_level >= LOG_INFO)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, " (%s:%d)", file, line);
	if (off >= sizeof(buf) - 1)
		off = sizeof(buf) - 2;
	buf[off++] = '\n';

	if (is_err || level <= cur_level)
		write_all(STDERR_FILENO, buf, off);
	if (log_fd >= 0) {
		char stamp[32];
		struct timespec ts;
		int sl;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		sl = snprintf(stamp, sizeof(stamp), "(%05ld.%06ld) ", (long)ts.tv_sec, ts.tv_nsec / 1000);
		write_all(log_fd, stamp, (size_t)sl);
		if (is_err && file && cur_level < LOG_INFO) {
			char loc[256];
			int ll = snprintf(loc, sizeof(loc), "%s:%d: ", file, line);

			write_all(log_fd, loc, (size_t)ll);
		}
		write_all(log_fd, buf, off);
	}
out:
	errno = saved_errno;
}
