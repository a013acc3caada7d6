#define LOG_PREFIX "dump-sk-unix: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "netns.h"
#include "dump/sk-unix-diag.h"

/* A netlink socket belongs to the namespace it was made in: make it in pid's. */
int unix_diag_open(pid_t pid)
{
	int home, nl, ret;

	ret = netns_enter(pid, &home);
	if (ret)
		return ret;
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	ret = nl < 0 ? -errno : nl;
	if (netns_return(home)) {
		if (nl >= 0)
			close(nl);
		ret = -EIO;
	}
	return ret;
}

static void parse_attrs(const struct unix_diag_msg *m, size_t len, struct unix_diag_info *out)
{
	const struct nlattr *a = (const struct nlattr *)(m + 1);
	size_t left = len - NLMSG_ALIGN(sizeof(*m));

	while (left >= sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= left) {
		const void *data = (const char *)a + NLA_HDRLEN;
		size_t dlen = a->nla_len - NLA_HDRLEN;

		switch (a->nla_type) {
		case UNIX_DIAG_NAME:
			out->name_len = dlen < sizeof(out->name) ? dlen : sizeof(out->name);
			memcpy(out->name, data, out->name_len);
			break;
		case UNIX_DIAG_PEER:
			if (dlen >= sizeof(uint32_t))
				out->peer_ino = *(const uint32_t *)data;
			break;
		case UNIX_DIAG_VFS:
			if (dlen >= sizeof(struct unix_diag_vfs)) {
				const struct unix_diag_vfs *v = data;

				out->vfs_ino = v->udiag_vfs_ino;
				out->vfs_dev = v->udiag_vfs_dev;
			}
			break;
		case UNIX_DIAG_ICONS:
			out->nr_icons = dlen / sizeof(uint32_t);
			memcpy(out->icons, data,
			       (out->nr_icons < UNIX_DIAG_ICONS_MAX ? out->nr_icons : UNIX_DIAG_ICONS_MAX) *
			       sizeof(uint32_t));
			break;
		case UNIX_DIAG_RQLEN:
			if (dlen >= sizeof(struct unix_diag_rqlen)) {
				const struct unix_diag_rqlen *q = data;

				out->rqueue = q->udiag_rqueue;
				out->wqueue = q->udiag_wqueue;
			}
			break;
		case UNIX_DIAG_SHUTDOWN:
			if (dlen >= 1)
				out->shutdown = *(const uint8_t *)data;
			break;
		}
		left -= (size_t)NLA_ALIGN(a->nla_len) < left ? (size_t)NLA_ALIGN(a->nla_len) : left;
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
}

int unix_diag_get(int nl, uint64_t ino, bool icons, struct unix_diag_info *out)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.r = { .sdiag_family = AF_UNIX, .udiag_states = ~0u, .udiag_ino = (uint32_t)ino,
		       .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER |
				     UDIAG_SHOW_RQLEN,
		       .udiag_cookie = { ~0u, ~0u } },
	};
	struct sockaddr_nl nladdr = { .nl_family = AF_NETLINK };
	long buf[8192];		/* room for a full accept queue's icons (SOMAXCONN) */
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	const struct unix_diag_msg *m;
	ssize_t n;

	/* The shutdown state comes with every answer (no UDIAG_SHOW_ flag for it). */
	if (ino > UINT32_MAX)
		return -ENOENT;
	if (icons)
		req.r.udiag_show |= UDIAG_SHOW_ICONS;
	if (sendto(nl, &req, sizeof(req), 0, (struct sockaddr *)&nladdr, sizeof(nladdr)) < 0)
		return -errno;
	do
		n = recv(nl, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(h, (size_t)n) || n == sizeof(buf))
		return -EBADMSG;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		return e->error ? e->error : -ENOENT;
	}
	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct unix_diag_msg)))
		return -EBADMSG;
	m = NLMSG_DATA(h);
	memset(out, 0, sizeof(*out));
	out->ino = m->udiag_ino;
	out->type = m->udiag_type;
	out->state = m->udiag_state;
	parse_attrs(m, h->nlmsg_len - NLMSG_HDRLEN, out);
	return 0;
}
