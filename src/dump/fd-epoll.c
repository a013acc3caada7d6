#define LOG_PREFIX "dump-fd-epoll: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "dump/dump.h"
#include "dump/fd-epoll.h"
#include "dump/proc.h"

/* An fdinfo line per item, about 80 bytes: room for some 100000 items. */
#define EPOLL_FDINFO_MAX	(8u << 20)

int fd_epoll_parse(const char *text, struct fd_epoll_item *items, size_t max, size_t *nr)
{
	size_t n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		unsigned int tfd, events;
		unsigned long long data;

		if (strncmp(l, "tfd:", 4))
			continue;
		if (sscanf(l, "tfd: %u events: %x data: %llx", &tfd, &events, &data) != 3)
			return -EINVAL;
		if (n < max)
			items[n] = (struct fd_epoll_item){ tfd, events, data };
		n++;
	}
	*nr = n;
	return 0;
}

/*
 * Is the file at tfd in the process the one item i of the epoll at efd
 * watches? toff tells apart items added under the same number (only one
 * of them can be its file now). 0 yes, 1 no, -errno.
 */
static int item_is_at_its_fd(pid_t pid, int efd, const struct fd_epoll_item *items, size_t i)
{
	struct kcmp_epoll_slot slot = { .efd = (uint32_t)efd, .tfd = items[i].tfd };
	long r;

	for (size_t j = 0; j < i; j++)
		if (items[j].tfd == items[i].tfd)
			slot.toff++;
	r = syscall(SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, (unsigned long)items[i].tfd,
		    (unsigned long)&slot);
	if (r == 0)
		return 0;
	if (r > 0 || errno == EBADF || errno == ENOENT)
		return 1;
	return -errno;
}

/* One block for fe's EpollEntry, its items and the array pointing to them. */
struct epoll_mem {
	EpollEntry e;
	EpollTfdEntry **ptrs;
	EpollTfdEntry tfds[];
};

int fd_epoll_describe(struct dump_ctx *ctx, int fd, const char *link, uint32_t flags,
		      FileEntry *fe, void **mem)
{
	struct fd_epoll_item *items = NULL;
	struct epoll_mem *m = NULL;
	pid_t pid = ctx->pid;
	char path[64], *text = NULL;
	size_t nr = 0;
	int ret;

	*mem = NULL;
	if (strcmp(link, "anon_inode:[eventpoll]"))
		return -ENOENT;
	snprintf(path, sizeof(path), "%d/fdinfo/%d", (int)pid, fd);
	ret = proc_read_file(path, EPOLL_FDINFO_MAX, &text, NULL);
	if (ret) {
		pr_err_rc(ret, "pid %d: fd %d: epoll: cannot read its fdinfo", (int)pid, fd);
		return ret;
	}
	ret = fd_epoll_parse(text, NULL, 0, &nr);
	if (!ret) {
		items = calloc(nr ? nr : 1, sizeof(*items));
		ret = items ? fd_epoll_parse(text, items, nr, &nr) : -ENOMEM;
	}
	if (ret) {
		pr_err_rc(ret, "pid %d: fd %d: epoll: cannot parse its interest list", (int)pid, fd);
		goto out;
	}
	for (size_t i = 0; i < nr; i++) {
		ret = item_is_at_its_fd(pid, fd, items, i);
		if (ret > 0) {
			pr_err("pid %d: fd %d: epoll watches a file it added as fd %u, which the process no longer has on fd %u (closed, or another file there now): an epoll item lmig cannot add back",
			       (int)pid, fd, items[i].tfd, items[i].tfd);
			ret = -ENOTSUP;
		} else if (ret < 0) {
			pr_err_rc(ret, "pid %d: fd %d: epoll: cannot check its item fd %u (kcmp)",
				  (int)pid, fd, items[i].tfd);
		}
		if (ret)
			goto out;
	}
	m = calloc(1, sizeof(*m) + nr * (sizeof(EpollTfdEntry) + sizeof(EpollTfdEntry *)));
	if (!m) {
		ret = -ENOMEM;
		goto out;
	}
	epoll_entry__init(&m->e);
	m->ptrs = (EpollTfdEntry **)(m->tfds + nr);
	for (size_t i = 0; i < nr; i++) {
		epoll_tfd_entry__init(&m->tfds[i]);
		m->tfds[i].tfd = items[i].tfd;
		m->tfds[i].events = items[i].events;
		m->tfds[i].data = items[i].data;
		m->ptrs[i] = &m->tfds[i];
	}
	m->e.flags = flags & ~O_CLOEXEC;
	m->e.n_tfds = nr;
	m->e.tfds = m->ptrs;
	fe->kind = FD_KIND__FD_EPOLL;
	fe->epoll = &m->e;
	*mem = m;
out:
	free(items);
	free(text);
	return ret;
}
