#define LOG_PREFIX "pageserver: "
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "image/image.h"
#include "pageserver/pageserver.h"
#include "transport/transport.h"

#define STATE_BUF	TPW_MAX_STATE_CHUNK

/* One migration being received. */
struct session {
	const struct pageserver_opts *o;
	const struct fault *fault;
	struct tp_conn *c;
	struct staging stg;
	char dir[PATH_MAX];		/* where the state images go */
	int dirfd;
	bool tmpdir;			/* dir is ours: removed at the end */
	uint8_t *buf;			/* STATE_BUF bytes, for image data */
	/* The image file being received (STATE frames with MORE). */
	int img_fd;
	char img_name[TPW_MAX_NAME + 1];
	uint64_t img_off;
	/* The areas message being received. */
	uint8_t *areas;
	size_t areas_len, areas_cap;
	uint32_t areas_pid;
	bool images_seen;		/* state images arrived: the next round is the final one */
	bool final_round;
	bool dead;			/* the connection is broken: send nothing more */
	uint32_t round;
	uint64_t pages, zero_pages;
	char why[TPW_MAX_RESULT_MSG];	/* the failure, for the peer */
};

__attribute__((format(printf, 2, 3)))
static void set_why(struct session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->why[0])
		return;		/* the first cause is the one that counts */
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int open_dir(struct session *s)
{
	int ret;

	if (s->o->images_dir) {
		snprintf(s->dir, sizeof(s->dir), "%s", s->o->images_dir);
		if (mkdir(s->dir, 0700) && errno != EEXIST) {
			ret = -errno;
			pr_err_rc(ret, "cannot create the images directory %s", s->dir);
			return ret;
		}
	} else {
		const char *tmp = getenv("TMPDIR");

		snprintf(s->dir, sizeof(s->dir), "%s/lmig-pageserver.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(s->dir)) {
			ret = -errno;
			pr_err_rc(ret, "cannot create a directory for the state images in %s", s->dir);
			return ret;
		}
		s->tmpdir = true;
	}
	s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		ret = -errno;
		pr_err_rc(ret, "cannot open %s", s->dir);
		return ret;
	}
	return 0;
}

static void remove_tmpdir(struct session *s)
{
	DIR *d;
	struct dirent *e;
	int fd;

	if (!s->tmpdir || s->dirfd < 0)
		return;
	fd = dup(s->dirfd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(s->dirfd, e->d_name, 0);
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	if (rmdir(s->dir))
		pr_warn("cannot remove %s: %s", s->dir, strerror(errno));
}

static int round_begin(struct session *s, uint32_t round)
{
	s->round = round;
	s->final_round = s->images_seen;
	if ((!s->final_round && fault_hit(s->fault, FAULT_PS_EXIT_ROUND, round)) ||
	    (s->final_round && fault_hit(s->fault, FAULT_PS_EXIT_FINAL, 0))) {
		pr_err("exiting in %s round %u on purpose (LMIG_FAULT)",
		       s->final_round ? "the final" : "pre-copy", round);
		_exit(LMIG_EXIT_FAIL);
	}
	pr_info("%s: %s round %u", tp_peer_name(s->c), s->final_round ? "final" : "pre-copy", round);
	return 0;
}

static int recv_pages(struct session *s, const struct tp_msg *m)
{
	uint64_t len = (uint64_t)m->pages.nr_pages * TPW_PAGE_SIZE;
	void *dest = staging_dest(&s->stg, m->pages.pid, m->pages.vaddr, len);
	int ret;

	if (!dest) {
		pr_err("%s: pages %#" PRIx64 " (%u) of pid %u lie outside the areas it announced",
		       tp_peer_name(s->c), m->pages.vaddr, m->pages.nr_pages, m->pages.pid);
		set_why(s, "pages %#" PRIx64 " of pid %u lie outside the areas announced",
			m->pages.vaddr, m->pages.pid);
		return -EPROTO;
	}
	if (m->pages.flags & TP_PAGES_ZERO) {
		ret = staging_discard(dest, len);
		if (ret)
			pr_err_rc(ret, "pid %u: cannot zero staged pages at %#" PRIx64,
				  m->pages.pid, m->pages.vaddr);
		s->zero_pages += m->pages.nr_pages;
		return ret;
	}
	staging_prefault(&s->stg, dest, len);
	ret = tp_recv_pages(s->c, dest);
	if (ret)
		s->dead = true;
	s->pages += m->pages.nr_pages;
	return ret;
}

static int recv_areas(struct session *s, const struct tp_msg *m, uint32_t pid)
{
	struct layout_area *a;
	const char *why = NULL;
	size_t n;
	int ret;

	if (m->state.offset == 0) {
		s->areas_len = 0;
		s->areas_pid = pid;
	} else if (m->state.offset != s->areas_len || pid != s->areas_pid) {
		why = "chunks out of order";
		goto bad;
	}
	if (s->areas_len + m->data_len > (size_t)LAYOUT_MAX_AREAS * LAYOUT_REC_SIZE) {
		why = "too many areas";
		goto bad;
	}
	if (s->areas_len + m->data_len > s->areas_cap) {
		size_t cap = s->areas_len + m->data_len;
		uint8_t *na = realloc(s->areas, cap);

		if (!na)
			return -ENOMEM;
		s->areas = na;
		s->areas_cap = cap;
	}
	ret = tp_recv_data(s->c, s->areas + s->areas_len, m->data_len);
	if (ret) {
		s->dead = true;
		return ret;
	}
	s->areas_len += m->data_len;
	if (m->state.more)
		return 0;
	ret = layout_decode(s->areas, s->areas_len, TPW_PAGE_SIZE, &a, &n, &why);
	if (ret == -EPROTO)
		goto bad;
	if (ret)
		return ret;
	ret = staging_set_layout(&s->stg, pid, a, n);
	free(a);
	if (ret)
		set_why(s, "cannot stage the memory of pid %u: %s", pid, strerror(-ret));
	return ret;
bad:
	pr_err("%s: areas of pid %u: %s", tp_peer_name(s->c), pid, why);
	set_why(s, "areas of pid %u: %s", pid, why);
	return -EPROTO;
}

static int close_image(struct session *s)
{
	int ret = 0;

	if (s->img_fd >= 0 && close(s->img_fd)) {
		ret = -errno;
		pr_err_rc(ret, "cannot write %s/%s", s->dir, s->img_name);
	}
	s->img_fd = -1;
	return ret;
}

static int recv_image(struct session *s, const struct tp_msg *m)
{
	enum img_type type;
	uint32_t id, left = m->data_len;
	int ret;

	if (img_parse_file_name(m->state.name, &type, &id)) {
		pr_err("%s: state file '%s' is not an image name", tp_peer_name(s->c), m->state.name);
		set_why(s, "state file '%s' is not an image name", m->state.name);
		return -EPROTO;
	}
	s->images_seen = true;
	if (m->state.offset == 0) {
		ret = close_image(s);
		if (ret)
			return ret;
		snprintf(s->img_name, sizeof(s->img_name), "%s", m->state.name);
		s->img_off = 0;
		s->img_fd = openat(s->dirfd, s->img_name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (s->img_fd < 0) {
			ret = -errno;
			pr_err_rc(ret, "cannot create %s/%s", s->dir, s->img_name);
			set_why(s, "cannot create %s: %s", s->img_name, strerror(-ret));
			return ret;
		}
	} else if (s->img_fd < 0 || strcmp(s->img_name, m->state.name) || m->state.offset != s->img_off) {
		pr_err("%s: state file %s: chunk at %" PRIu64 " out of order", tp_peer_name(s->c),
		       m->state.name, m->state.offset);
		set_why(s, "state file %s: chunk out of order", m->state.name);
		return -EPROTO;
	}
	while (left) {
		uint32_t n = left < STATE_BUF ? left : STATE_BUF;

		ret = tp_recv_data(s->c, s->buf, n);
		if (ret) {
			s->dead = true;
			return ret;
		}
		if (pwrite(s->img_fd, s->buf, n, (off_t)s->img_off) != (ssize_t)n) {
			ret = errno ? -errno : -EIO;
			pr_err_rc(ret, "cannot write %s/%s", s->dir, s->img_name);
			set_why(s, "cannot write %s: %s", s->img_name, strerror(-ret));
			return ret;
		}
		s->img_off += n;
		left -= n;
	}
	return m->state.more ? 0 : close_image(s);
}

static int recv_state(struct session *s, const struct tp_msg *m)
{
	uint32_t pid;

	if (layout_parse_name(m->state.name, &pid) == 0)
		return recv_areas(s, m, pid);
	return recv_image(s, m);
}

/* Every frame up to COMMIT. */
static int receive(struct session *s)
{
	char text[TPW_MAX_RESULT_MSG + 1];
	struct tp_msg m;
	int ret;

	for (;;) {
		ret = tp_recv(s->c, &m, text);
		if (ret == 0) {
			pr_err("%s: the sender closed the connection before COMMIT", tp_peer_name(s->c));
			s->dead = true;
			return -ECONNRESET;
		}
		if (ret < 0) {
			s->dead = true;
			return ret;
		}
		ret = 0;
		switch (m.type) {
		case TP_ROUND_BEGIN:
			ret = round_begin(s, m.round.round);
			break;
		case TP_ROUND_END:
			/* Every page of the round is in place: the sender may measure and decide. */
			if (tp_peer_acks(s->c)) {
				ret = tp_send_round_ack(s->c, m.round.round);
				if (ret)
					s->dead = true;
			}
			break;
		case TP_PAGES:
			ret = recv_pages(s, &m);
			break;
		case TP_STATE:
			ret = recv_state(s, &m);
			break;
		case TP_COMMIT:
			return close_image(s);
		case TP_RESULT:
			pr_err("%s: the sender gave up (%s): %s", tp_peer_name(s->c),
			       tp_status_name(m.result.status), text);
			s->dead = true;
			return -ECANCELED;
		default:
			break;
		}
		if (ret)
			return ret;
	}
}

static void drop_staging(void *arg)
{
	struct session *s = arg;

	/* The child has its copy: ours would only make its writes copy pages. */
	staging_free(&s->stg);
}

/* Restore the migrated process here, from the staging. */
static int restore_here(struct session *s, pid_t *pid)
{
	struct restore_opts ro = { .images_dir = s->dir, .detach = true, .scripts = s->o->scripts };
	struct restore_ctx rc = { .opts = &ro, .dirfd = s->dirfd, .page_size = TPW_PAGE_SIZE };
	int ret;

	ret = action_scripts_run(&ro.scripts, ACT_PRE_RESTORE, 0, s->dir);
	if (ret) {
		set_why(s, "the pre-restore action script failed (see the page server's log)");
		goto out_rollback;
	}
	ret = restore_load(&rc);
	if (ret) {
		set_why(s, "the state images do not load: %s", strerror(-ret));
		goto out_rollback;
	}
	if (fault_hit(s->fault, FAULT_PS_FAIL_RESTORE, 0)) {
		pr_err("failing the restore on purpose (LMIG_FAULT)");
		set_why(s, "restore failed on purpose (LMIG_FAULT=pageserver-fail-restore)");
		ret = -ECANCELED;
		goto out_rollback;
	}
	for (size_t i = 0; i < rc.nr_procs; i++) {
		struct rst_proc *p = &rc.procs[i];
		const struct staging_proc *sp;

		if (p->pstree->zombie)
			continue;	/* no memory: it only dies again */
		sp = staging_find(&s->stg, p->pid);
		if (!sp) {
			pr_err("pid %u: no pages were staged for it", p->pid);
			set_why(s, "no pages were staged for pid %u", p->pid);
			ret = -EPROTO;
			goto out_rollback;
		}
		ret = staging_trim(&s->stg, p->pid, p->pagemap, p->nr_pagemap);
		if (ret)
			goto out_rollback;
		p->staged = sp->a;
		p->nr_staged = sp->nr;
	}
	ret = restore_start(&rc, drop_staging, s, pid);
	if (ret == -EEXIST)
		set_why(s, "pid %u is in use on the destination", rc.procs[0].pid);
	else if (ret)
		set_why(s, "restore of pid %u failed: %s (see the page server's log)",
			rc.procs[0].pid, strerror(-ret));
	/* restore_start() ran the rollback stage itself when it failed. */
	goto out;
out_rollback:
	action_scripts_run(&ro.scripts, ACT_ROLLBACK, 0, s->dir);
out:
	restore_ctx_free(&rc);
	return ret;
}

static int write_images(struct session *s)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < s->stg.nr; i++)
		ret = ps_write_pages(s->dirfd, s->dir, &s->stg, s->stg.p[i].pid);
	if (ret)
		set_why(s, "cannot write the pages images in %s: %s", s->dir, strerror(-ret));
	return ret;
}

int ps_session(const struct pageserver_opts *o, const struct fault *fault, struct tp_conn *c)
{
	struct session s = { .o = o, .fault = fault, .c = c, .dirfd = -1, .img_fd = -1 };
	char msg[TPW_MAX_RESULT_MSG];
	uint64_t t0;
	pid_t pid = 0;
	int ret;

	staging_init(&s.stg, TPW_PAGE_SIZE);
	s.buf = malloc(STATE_BUF);
	if (!s.buf) {
		ret = -ENOMEM;
		set_why(&s, "out of memory");
		goto answer;
	}
	ret = open_dir(&s);
	if (ret) {
		set_why(&s, "cannot store the state images: %s", strerror(-ret));
		goto answer;
	}
	pr_info("%s: migration begins", tp_peer_name(c));
	ret = receive(&s);
	if (ret)
		goto answer;
	t0 = now_ns();
	ret = o->images_dir ? write_images(&s) : restore_here(&s, &pid);
	if (!ret)
		pr_msg("pageserver: %s: %" PRIu64 " pages (%" PRIu64 " zero) in %u rounds; %s in %.1f ms\n",
		       tp_peer_name(c), s.pages, s.zero_pages, s.round + 1,
		       o->images_dir ? "images written" : "restored", (double)(now_ns() - t0) / 1e6);
answer:
	if (!ret) {
		if (o->images_dir)
			snprintf(msg, sizeof(msg), "images written to %.900s", s.dir);
		else
			snprintf(msg, sizeof(msg), "pid %d runs", (int)pid);
		ret = tp_send_result(c, TP_OK, msg);
	} else if (!s.dead) {
		set_why(&s, "the page server failed: %s", strerror(-ret));
		tp_send_result(c, TP_FAILED, s.why);
	}
	close_image(&s);
	staging_free(&s.stg);
	remove_tmpdir(&s);
	if (s.dirfd >= 0)
		close(s.dirfd);
	free(s.areas);
	free(s.buf);
	return ret;
}
