/*
 * Helpers for the transport tests (see tptest.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tptest.h"

static char tmpdir[64];

static uint64_t next(uint64_t *s)
{
	/* xorshift64*: fast, reproducible, incompressible enough for LZ4. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

void tpt_fill(void *buf, size_t len, enum tpt_kind kind, uint64_t seed)
{
	static const char words[] =
		"the quick brown fox jumps over the lazy dog while the page server "
		"keeps the newest copy of each page and the restore maps it in place ";
	uint64_t *w = buf, s = seed * 0x9E3779B97F4A7C15ull + 1;
	char *c = buf;
	size_t i;

	switch (kind) {
	case TPT_ZERO:
		memset(buf, 0, len);
		break;
	case TPT_RANDOM:
		for (i = 0; i < len / 8; i++)
			w[i] = next(&s);
		break;
	case TPT_TEXT:
		for (i = 0; i < len;) {
			/* Words in a seeded order with a counter: compressible, not constant. */
			size_t n = snprintf(c + i, len - i, "%llu %.*s ",
					    (unsigned long long)(i / 64 + seed),
					    (int)(next(&s) % 40 + 10),
					    words + next(&s) % 60);
			i += n < len - i ? n : len - i;
		}
		break;
	}
}

pid_t tpt_fork(int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

int tpt_wait(pid_t pid, unsigned int secs)
{
	struct timespec t0, t;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r < 0)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= (time_t)secs) {
			printf("child %d took more than %us: killing it\n", (int)pid, secs);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(10000);
	}
}

int tpt_key(const char *dir, int seed, char *path, size_t len)
{
	uint8_t key[32];
	int fd, i;

	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)(seed * 31 + i * 7);
	snprintf(path, len, "%s/key-%d", dir, seed);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key)) {
		perror(path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

const char *tpt_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/lmig-tptest-XXXXXX");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(1);
		}
	}
	return tmpdir;
}

void tpt_cleanup(void)
{
	char path[sizeof(tmpdir) + 260];
	struct dirent *e;
	DIR *d;

	if (!tmpdir[0])
		return;
	d = opendir(tmpdir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	if (rmdir(tmpdir))
		fprintf(stderr, "could not remove %s\n", tmpdir);
	tmpdir[0] = '\0';
}

int tpt_serve_commit(void *listener)
{
	struct tp_conn *c;
	struct tp_msg m;
	int rc;

	rc = tp_accept(listener, &c);
	if (rc)
		return rc == -EACCES ? 2 : 3;
	/* The stream works after the handshake. */
	rc = tp_recv(c, &m, NULL);
	if (rc != 1 || m.type != TP_COMMIT)
		return 3;
	tp_send_result(c, TP_OK, "welcome");
	tp_close(c);
	return 0;
}

int tpt_commit_welcome(struct tp_conn *c)
{
	char text[TPW_MAX_RESULT_MSG + 1] = "";
	struct tp_msg m = { 0 };

	if (tp_send_commit(c) || tp_recv(c, &m, text) != 1)
		return -1;
	return m.type == TP_RESULT && !strcmp(text, "welcome") ? 0 : -1;
}
