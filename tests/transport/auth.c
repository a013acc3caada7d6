/*
 * Authentication: the right key passes; a wrong key, or a key on one
 * side only, is refused on both sides. Listening beyond loopback needs
 * a key or insecure. Runs on loopback.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tptest.h"

static struct tp_listener *lis;

static void one(const char *skey, const char *ckey, bool ok, const char *what)
{
	struct tp_opts so = { .auth_key_file = skey, .timeout_ms = 5000 };
	struct tp_opts co = { .auth_key_file = ckey, .timeout_ms = 5000 };
	struct tp_conn *c;
	int rc, st;
	pid_t pid;

	printf("-- %s\n", what);
	rc = tp_listen(&so, "127.0.0.1", 0, &lis);
	if (rc) {
		CHECK(0, "%s: listen %d", what, rc);
		return;
	}
	pid = tpt_fork(tpt_serve_commit, lis);
	rc = tp_connect(&co, "127.0.0.1", tp_listener_port(lis), &c);
	if (ok) {
		CHECK(rc == 0, "%s: client refused (%d)", what, rc);
		if (rc == 0) {
			CHECK(tpt_commit_welcome(c) == 0, "%s: no RESULT after the handshake", what);
			tp_close(c);
		}
	} else {
		CHECK(rc == -EACCES, "%s: client got %d, want -EACCES", what, rc);
		if (rc == 0)
			tp_close(c);
	}
	st = tpt_wait(pid, 20);
	CHECK(st == (ok ? 0 : 2), "%s: server exit %d, want %d", what, st, ok ? 0 : 2);
	tp_listener_close(lis);
}

static void test_listen_policy(const char *key)
{
	struct tp_opts o = { .timeout_ms = 1000 };
	struct tp_listener *l;
	char shortkey[256];
	int rc, fd;

	rc = tp_listen(&o, "0.0.0.0", 0, &l);
	CHECK(rc == -EPERM, "no key, any address: %d, want -EPERM", rc);
	if (!rc)
		tp_listener_close(l);
	o.insecure = true;
	rc = tp_listen(&o, "0.0.0.0", 0, &l);
	CHECK(rc == 0, "insecure, any address: %d", rc);
	if (!rc)
		tp_listener_close(l);
	o.insecure = false;
	o.auth_key_file = key;
	rc = tp_listen(&o, NULL, 0, &l);
	CHECK(rc == 0, "key, default address: %d", rc);
	if (!rc)
		tp_listener_close(l);
	snprintf(shortkey, sizeof(shortkey), "%s/short", tpt_tmpdir());
	fd = open(shortkey, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "0123456789", 10) != 10)
		CHECK(0, "cannot write %s", shortkey);
	if (fd >= 0)
		close(fd);
	o.auth_key_file = shortkey;
	rc = tp_listen(&o, NULL, 0, &l);
	CHECK(rc == -EINVAL, "10-byte key: %d, want -EINVAL", rc);
	o.auth_key_file = "/nonexistent/key";
	rc = tp_listen(&o, NULL, 0, &l);
	CHECK(rc == -ENOENT, "missing key: %d, want -ENOENT", rc);
}

int main(void)
{
	char k1[256], k2[256];

	alarm(120);
	if (tpt_key(tpt_tmpdir(), 1, k1, sizeof(k1)) || tpt_key(tpt_tmpdir(), 2, k2, sizeof(k2)))
		return 1;
	one(NULL, NULL, true, "no keys");
	one(k1, k1, true, "same key");
	one(k1, k2, false, "different keys");
	one(k1, NULL, false, "server key only");
	one(NULL, k1, false, "client key only");
	test_listen_policy(k1);
	tpt_cleanup();
	if (failures) {
		printf("%d check(s) failed\n", failures);
		return 1;
	}
	printf("transport auth: all checks passed\n");
	return 0;
}
