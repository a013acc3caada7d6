#define LOG_PREFIX "precopy: "
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "check/check.h"
#include "pagemap.pb-c.h"
#include "image/image.h"
#include "dump/dump.h"
#include "dump/infect.h"
#include "dump/precopy.h"
#include "dump/proc.h"
#include "dump/seize.h"
#include "dump/sk-inet.h"
#include "transport/transport.h"

#define MIB		(1024.0 * 1024.0)
/* A round that removes less than this share of the previous one's dirty pages made no progress. */
#define SHRINK_MIN	0.9
/* Rounds without progress before giving up on converging. */
#define MAX_STALLS	2
/*
 * Throttle once the dirty rate reaches this share of the bandwidth. The
 * tracker counts each page once per round, so a process that rewrites
 * its whole working set every round shows about the send rate, never
 * more, however fast it writes.
 */
#define THROTTLE_AT	0.8

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A transport error, said the way a user reads it. */
static const char *cause(int ret)
{
	switch (ret) {
	case -EPIPE:
	case -ECONNRESET:
		return "the page server closed the connection (it exited or gave up)";
	case -ETIMEDOUT:
		return "the page server did not answer in time";
	case -EPROTO:
		return "protocol error (see above)";
	case -EBADMSG:
		return "checksum or decompression error (see above)";
	default:
		return strerror(-ret);
	}
}

/* The first cause of failure, for the last line and the peer. */
__attribute__((format(printf, 2, 3)))
static void set_why(struct precopy_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(ctx->why, sizeof(ctx->why), fmt, ap);
	va_end(ap);
}

/* A userfaultfd made inside the target: seized only for this, then let go. */
static int make_uffd(struct precopy_ctx *ctx, int *uffd)
{
	struct parasite_ctl *ctl = NULL;
	struct seized s;
	int ret, cret;

	ret = seize_process(ctx->pid, &s);
	if (ret)
		return ret;
	ret = infect_seized(ctx->pid, ctx->pid, &ctl);
	if (!ret) {
		ret = parasite_create_uffd(ctl, uffd);
		cret = infect_cure(ctl);
		if (!ret && cret) {
			close(*uffd);
			*uffd = -1;
			ret = cret;
		}
	}
	unseize_process(&s, false);
	return ret;
}

/* The tracker: --tracker, else what `lmig check` picks; none means stop-and-copy. */
static int setup_tracker(struct precopy_ctx *ctx)
{
	const char *name = ctx->o->tracker;
	struct check_result r;
	int uffd = -1, ret;

	if (!name) {
		memset(&r, 0, sizeof(r));
		check_run_one(&r, CHECK_UFFD_WP);
		check_run_one(&r, CHECK_SOFT_DIRTY);
		name = check_pick_tracker(&r);
		if (!name) {
			pr_warn("no dirty-page tracker works on this kernel: stop-and-copy");
			return 0;
		}
	}
	if (strcmp(name, "uffd-wp") == 0) {
		ret = make_uffd(ctx, &uffd);
		if (ret == -ESRCH || ret == -EPERM)
			return ret;
		if (ret && ctx->o->tracker)
			return ret;
		if (ret)
			pr_warn("pid %d: no userfaultfd in it (%s): trying soft-dirty", (int)ctx->pid,
				strerror(-ret));
	}
	ret = tracker_open(ctx->o->tracker, ctx->pid, uffd, &ctx->t);
	if (ret == -ENOTSUP && !ctx->o->tracker) {
		pr_warn("no dirty-page tracker works for pid %d: stop-and-copy", (int)ctx->pid);
		return 0;
	}
	if (ret == -ENOTSUP)
		pr_err("--tracker %s does not work here (see lmig check)", ctx->o->tracker);
	if (!ret)
		ctx->stats.tracker = tracker_name(ctx->t);
	return ret;
}

/* Dirty pages since the last collect; soft-dirty needs the process stopped meanwhile. */
static int collect(struct precopy_ctx *ctx)
{
	struct seized s;
	int ret;

	if (ctx->frozen)
		return tracker_collect_last(ctx->t, &ctx->dirty);
	if (!tracker_needs_stop(ctx->t))
		return tracker_collect(ctx->t, &ctx->dirty);
	ret = seize_process(ctx->pid, &s);
	if (ret)
		return ret;
	ret = tracker_collect(ctx->t, &ctx->dirty);
	unseize_process(&s, false);
	return ret;
}

static uint64_t vec_pages(const struct range_vec *v, uint64_t ps)
{
	uint64_t n = 0;

	for (size_t i = 0; i < v->nr; i++)
		n += (v->r[i].end - v->r[i].start) / ps;
	return n;
}

static int round_begin(struct precopy_ctx *ctx, uint32_t round, uint64_t dirty_pages, bool final)
{
	struct tp_stats st;

	tp_get_stats(ctx->c, &st);
	memset(&ctx->cur, 0, sizeof(ctx->cur));
	ctx->cur.round = round;
	ctx->cur.final = final;
	ctx->cur.dirty_pages = dirty_pages;
	ctx->cur.throttle_pct = 100;
	ctx->round_t0 = now_ns();
	ctx->tp_pages0 = st.pages_raw + st.pages_lz4;
	ctx->tp_zero0 = st.pages_zero;
	ctx->tp_bytes0 = st.bytes_sent;
	return tp_send_round_begin(ctx->c, round, dirty_pages);
}

/*
 * Wait until the page server has stored every page of round: what the
 * socket buffers took is not there yet, and a backlog left now would be
 * drained while the process is frozen.
 */
static int wait_ack(struct precopy_ctx *ctx, uint32_t round)
{
	char text[TPW_MAX_RESULT_MSG + 1];
	struct tp_msg m;
	int ret;

	for (;;) {
		ret = tp_recv(ctx->c, &m, text);
		if (ret == 0)
			return -ECONNRESET;
		if (ret < 0)
			return ret;
		if (m.type == TP_RESULT) {
			set_why(ctx, "round %u: the page server answered %s: %s", round,
				tp_status_name(m.result.status), text);
			return -ECANCELED;
		}
		if (m.type == TP_ROUND_ACK && m.round.round == round)
			return 0;
	}
}

/* End the round; a pre-copy round lasts until the page server acknowledges it. */
static int round_end(struct precopy_ctx *ctx)
{
	struct pc_round *r = &ctx->cur;
	struct tp_stats st;
	int ret;

	ret = pc_flush(ctx);
	if (!ret)
		ret = tp_send_round_end(ctx->c, r->round);
	if (!ret && !r->final && tp_peer_acks(ctx->c))
		ret = wait_ack(ctx, r->round);
	if (ret)
		return ret;
	tp_get_stats(ctx->c, &st);
	r->duration_ns = now_ns() - ctx->round_t0;
	r->pages = st.pages_raw + st.pages_lz4 - ctx->tp_pages0;
	r->zero_pages = st.pages_zero - ctx->tp_zero0;
	r->wire_bytes = st.bytes_sent - ctx->tp_bytes0;
	if (r->duration_ns)
		r->bandwidth = (double)(r->pages + r->zero_pages) * (double)ctx->ps * 1e9 /
			       (double)r->duration_ns;
	ctx->sent_bytes += (r->pages + r->zero_pages) * ctx->ps;
	ctx->sent_ns += r->duration_ns;
	return 0;
}

/* Round 0: arm the tracker, then every kept page of every area. */
static int round_zero(struct precopy_ctx *ctx, uint64_t *t_collect)
{
	struct range *r = NULL;
	size_t n;
	uint64_t total = 0;
	int ret;

	ret = pc_read_areas(ctx, NULL);
	if (!ret)
		ret = pc_tracked_ranges(ctx, &r, &n);
	if (ret)
		return ret;
	ret = tracker_start(ctx->t, r, n);
	*t_collect = now_ns();
	for (size_t i = 0; i < n; i++)
		total += (r[i].end - r[i].start) / ctx->ps;
	if (!ret)
		ret = pc_send_areas(ctx);
	if (!ret)
		ret = round_begin(ctx, 0, total, false);
	for (size_t i = 0; !ret && i < n; i++)
		ret = pc_send_range(ctx, r[i].start, r[i].end, false);
	if (!ret)
		ret = round_end(ctx);
	free(r);
	return ret;
}

/* Pages the last round could not read, and the dirty ones, with the new layout announced. */
static int send_dirty(struct precopy_ctx *ctx)
{
	struct range_vec retry = ctx->retry;
	int ret = 0;

	memset(&ctx->retry, 0, sizeof(ctx->retry));
	for (size_t i = 0; !ret && i < retry.nr; i++)
		ret = pc_send_range(ctx, retry.r[i].start, retry.r[i].end, false);
	for (size_t i = 0; !ret && i < ctx->dirty.nr; i++)
		ret = pc_send_range(ctx, ctx->dirty.r[i].start, ctx->dirty.r[i].end, true);
	range_vec_free(&retry);
	return ret;
}

/* Tell the tracker the layout in ctx->areas, collect. */
static int track_and_collect(struct precopy_ctx *ctx)
{
	struct range *r = NULL;
	size_t n;
	int ret;

	if (!ctx->t)
		return 0;
	ret = pc_tracked_ranges(ctx, &r, &n);
	if (!ret)
		ret = tracker_update_areas(ctx->t, r, n);
	free(r);
	if (!ret)
		ret = collect(ctx);
	return ret;
}

/* Re-read the layout, tell the tracker, collect. */
static int next_layout_and_collect(struct precopy_ctx *ctx)
{
	int ret = pc_read_areas(ctx, NULL);

	return ret ? ret : track_and_collect(ctx);
}

/*
 * Pre-copy rounds 1..n while the process runs, until the predicted final
 * transfer fits, the rounds stop shrinking, or --max-rounds.
 */
static int rounds(struct precopy_ctx *ctx, uint32_t *next_round)
{
	const struct precopy_opts *o = ctx->o;
	uint64_t t_collect, prev_dirty = 0;
	unsigned stalls = 0, pct = 100;
	uint32_t n;
	int ret;

	ret = round_zero(ctx, &t_collect);
	if (ret) {
		set_why(ctx, "round 0: %s: %s", tp_peer_name(ctx->c), cause(ret));
		return ret;
	}
	pc_print_round(&ctx->cur);
	ret = pc_stats_push(&ctx->stats, &ctx->cur);
	for (n = 1; !ret; n++) {
		double bw, rate, pred_bytes;
		uint64_t t, dirty;

		if (n >= o->max_rounds) {
			ctx->stats.stop_reason = "max rounds";
			break;
		}
		ret = next_layout_and_collect(ctx);
		t = now_ns();
		if (ret) {
			set_why(ctx, "round %u: cannot collect the dirty pages: %s", n, strerror(-ret));
			break;
		}
		dirty = vec_pages(&ctx->dirty, ctx->ps);
		rate = (double)dirty * (double)ctx->ps * 1e9 / (double)(t - t_collect);
		t_collect = t;
		ret = pc_send_areas(ctx);
		if (!ret)
			ret = round_begin(ctx, n, dirty, false);
		if (!ret)
			ret = send_dirty(ctx);
		if (!ret)
			ret = round_end(ctx);
		if (ret) {
			set_why(ctx, "round %u: %s: %s", n, tp_peer_name(ctx->c), cause(ret));
			break;
		}
		bw = ctx->sent_ns ? (double)ctx->sent_bytes * 1e9 / (double)ctx->sent_ns : 0;
		pred_bytes = rate * (double)(now_ns() - t_collect) / 1e9;
		ctx->cur.dirty_rate = rate;
		ctx->cur.predicted_ms = bw > 0 ? pred_bytes / bw * 1e3 : 0;
		ctx->cur.throttle_pct = pct;
		pc_print_round(&ctx->cur);
		ret = pc_stats_push(&ctx->stats, &ctx->cur);
		if (ret)
			break;
		if (ctx->cur.predicted_ms <= o->max_downtime_ms) {
			ctx->stats.stop_reason = "predicted downtime fits";
			n++;
			break;
		}
		if (rate >= bw * THROTTLE_AT) {
			unsigned p = throttle_tighten(&ctx->thr, ctx->pid);

			if (p) {
				pct = p;
				ctx->stats.throttle = throttle_method(ctx->thr);
				pr_msg("precopy: pid %d dirties %.0f MiB/s while %.0f MiB/s are sent: "
				       "throttled to %u%% CPU (%s)", (int)ctx->pid, rate / MIB, bw / MIB,
				       p, throttle_method(ctx->thr));
				prev_dirty = dirty;
				continue;
			}
		}
		if (n >= 2 && (double)dirty >= (double)prev_dirty * SHRINK_MIN) {
			if (++stalls >= MAX_STALLS) {
				ctx->stats.stop_reason = "rounds stopped shrinking";
				n++;
				break;
			}
		} else {
			stalls = 0;
		}
		prev_dirty = dirty;
	}
	*next_round = n;
	return ret;
}

static int send_file(struct precopy_ctx *ctx, int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC), ret = 0;
	struct stat st;
	char *buf = NULL;
	size_t done = 0;

	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		pr_err_rc(ret, "cannot read the image %s", name);
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (done < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + done, (size_t)st.st_size - done);

		if (r <= 0) {
			ret = r < 0 ? -errno : -EIO;
			pr_err_rc(ret, "cannot read the image %s", name);
			goto out;
		}
		done += (size_t)r;
	}
	ret = tp_send_state(ctx->c, name, buf, done);
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Every image of the directory as STATE, inventory.img last (it marks a complete set). */
static int send_images(struct precopy_ctx *ctx, int dirfd)
{
	int fd = dup(dirfd), ret = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while (!ret && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "inventory.img") == 0)
			continue;
		ret = send_file(ctx, dirfd, e->d_name);
	}
	closedir(d);
	return ret ? ret : send_file(ctx, dirfd, "inventory.img");
}

static void remove_dir(const char *dir, int dirfd)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				unlinkat(dirfd, e->d_name, 0);
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	rmdir(dir);
}

/* Wait for the page server's answer to COMMIT. */
static int wait_result(struct precopy_ctx *ctx)
{
	char text[TPW_MAX_RESULT_MSG + 1];
	struct tp_msg m;
	int ret;

	for (;;) {
		ret = tp_recv(ctx->c, &m, text);
		if (ret == 0)
			ret = -ECONNRESET;
		if (ret < 0) {
			set_why(ctx, "after COMMIT: %s: %s", tp_peer_name(ctx->c), cause(ret));
			return ret;
		}
		if (m.type != TP_RESULT)
			continue;
		if (m.result.status != TP_OK) {
			set_why(ctx, "the page server answered %s: %s", tp_status_name(m.result.status),
				text);
			return -ECANCELED;
		}
		pr_info("the page server answered ok: %s", text);
		return 0;
	}
}

/*
 * Freeze the tree, dump its state, send the last dirty pages of the root,
 * the whole memory of its descendants and the images, COMMIT and wait for
 * the answer. The caller lets go of (or kills) what stays seized in *tree.
 */
static int freeze_and_commit(struct precopy_ctx *ctx, struct pc_tree *tree,
			     const struct dump_opts *dopts, int dirfd, uint32_t round,
			     uint64_t *t_freeze, uint64_t *t_commit)
{
	const char *phase = "freezing";
	uint64_t dirty = 0, tree_pages = 0;
	int ret;

	throttle_end(ctx->thr);
	ctx->thr = NULL;
	*t_freeze = now_ns();
	ret = seize_tree(ctx->pid, &tree->seized);
	if (ret)
		goto fail;
	ctx->frozen = true;
	/*
	 * The last dirty pages are collected before the parasite comes: the
	 * frozen process writes nothing more, and the parasite's anonymous
	 * mapping, placed below the last one the process made, can merge
	 * into it, which makes that whole area soft-dirty (the kernel marks
	 * a new or grown VMA VM_SOFTDIRTY): the final round would resend it.
	 */
	phase = "collecting the last dirty pages";
	ret = pc_tree_prepare(tree, dopts, dirfd);
	/* One read of the frozen layout for the last collect and the images (a walk of every page table). */
	if (!ret)
		ret = pc_read_areas(ctx, &tree->dcs[0].vmas);
	if (!ret) {
		tree->dcs[0].vmas_read = true;
		ret = track_and_collect(ctx);
	}
	if (ret)
		goto fail;
	phase = "dumping the frozen tree";
	ret = dump_tree(tree->dcs, &tree->seized);
	if (ret)
		goto fail;
	phase = "sending the state";
	ret = pc_send_areas(ctx);
	if (!ret)
		ret = pc_tree_send_areas(ctx, tree, &tree_pages);
	if (!ret)
		ret = send_images(ctx, dirfd);
	if (ret)
		goto fail;
	phase = "the final round";
	if (ctx->t)
		dirty = vec_pages(&ctx->dirty, ctx->ps);
	else
		for (size_t i = 0; i < ctx->areas.nr; i++)
			if (ctx->areas.a[i].carries)
				dirty += (ctx->areas.a[i].end - ctx->areas.a[i].start) / ctx->ps;
	ret = round_begin(ctx, round, dirty + tree_pages, true);
	if (!ret && ctx->t)
		ret = send_dirty(ctx);
	for (size_t i = 0; !ret && !ctx->t && i < ctx->areas.nr; i++)
		if (ctx->areas.a[i].carries)
			ret = pc_send_range(ctx, ctx->areas.a[i].start, ctx->areas.a[i].end, false);
	if (!ret)
		ret = pc_send_resend_areas(ctx, dirfd);
	if (!ret)
		ret = pc_flush(ctx);
	if (!ret)
		ret = pc_tree_send_pages(tree, dirfd);
	if (!ret)
		ret = round_end(ctx);
	if (ret)
		goto fail;
	/*
	 * Nothing more to track, but the tracker stays open until the answer:
	 * closing the userfaultfd write-unprotects every page of every area
	 * (262144 entries for 1 GiB), which is no part of the downtime.
	 */
	/* The state has left: the source lets go of what it holds for the service (its address). */
	phase = "the post-dump action script";
	ret = action_scripts_run(&dopts->scripts, ACT_POST_DUMP, ctx->pid, dopts->images_dir);
	if (ret)
		goto fail;
	phase = "committing";
	ret = tp_send_commit(ctx->c);
	if (ret)
		goto fail;
	*t_commit = now_ns();
	pc_print_round(&ctx->cur);
	ret = pc_stats_push(&ctx->stats, &ctx->cur);
	if (ret)
		goto fail;
	return wait_result(ctx);
fail:
	set_why(ctx, "%s: %s: %s", phase, tp_peer_name(ctx->c), cause(ret));
	return ret;
}

static int make_tmpdir(char *dir, size_t len, int *dirfd)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, len, "%s/lmig-precopy.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		int ret = -errno;

		pr_err_rc(ret, "cannot create a directory for the images in %s", dir);
		return ret;
	}
	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0) {
		int ret = -errno;

		pr_err_rc(ret, "cannot open %s", dir);
		rmdir(dir);
		return ret;
	}
	return 0;
}

int precopy_run(const struct precopy_opts *o)
{
	struct precopy_ctx ctx = { .o = o, .pid = o->pid, .scan.pagemap_fd = -1, .mem_fd = -1 };
	struct tp_opts to = {
		.backend = o->transport ? o->transport : "tcp",
		.auth_key_file = o->auth_key,
		.tls = o->tls,
		.compress = o->compress_lz4,
	};
	struct dump_opts dopts = {
		.pid = o->pid,
		.leave_running = o->leave_running,
		.tcp_established = o->tcp_established,
		.scripts = o->scripts,
	};
	uint64_t t_start = now_ns(), t_freeze = 0, t_commit = 0, t_end;
	char dir[PATH_MAX];
	struct pc_tree tree = { 0 };
	size_t nr_procs;
	int dirfd = -1;
	uint32_t round = 0;
	struct tp_stats st;
	int ret;

	ctx.ps = (uint64_t)sysconf(_SC_PAGESIZE);
	ctx.scan.ps = ctx.ps;
	ret = make_tmpdir(dir, sizeof(dir), &dirfd);
	if (ret)
		return ret;
	dopts.images_dir = dir;
	ctx.buf = malloc(PC_BATCH);
	if (!ctx.buf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = proc_open(o->pid, "pagemap", &ctx.scan.pagemap_fd);
	if (!ret)
		ret = proc_open(o->pid, "mem", &ctx.mem_fd);
	if (ret)
		goto out;
	ret = tp_connect(&to, o->host, o->port, &ctx.c);
	if (ret) {
		set_why(&ctx, "cannot reach the page server at %s:%u", o->host, o->port);
		goto out;
	}
	if (o->max_rounds > 0) {
		ret = setup_tracker(&ctx);
		if (ret) {
			set_why(&ctx, "cannot track its dirty pages: %s", strerror(-ret));
			goto out;
		}
	}
	if (ctx.t) {
		ret = rounds(&ctx, &round);
		if (ret)
			goto out;
	} else {
		ctx.stats.stop_reason = "stop-and-copy";
	}
	ret = freeze_and_commit(&ctx, &tree, &dopts, dirfd, round, &t_freeze, &t_commit);
out:
	t_end = now_ns();
	throttle_end(ctx.thr);
	tracker_close(ctx.t);	/* before the tree is let go or killed, either way */
	if (ctx.c) {
		tp_get_stats(ctx.c, &st);
		ctx.stats.wire_bytes = st.bytes_sent + st.bytes_recv;
	}
	if (!ret) {
		ctx.stats.ok = true;
		ctx.stats.freeze_ns = t_commit - t_freeze;
		ctx.stats.downtime_ns = t_end - t_freeze;
		nr_procs = tree.seized.nr;
		/* The tree runs at the destination now: this copy must never run again (logged). */
		pc_tree_release(&tree, !o->leave_running);
		pr_msg("precopy: pid %d (%zu process(es)) migrated to %s:%u: %zu pre-copy round(s), "
		       "freeze %.1f ms, downtime %.1f ms, %.1f MiB on the wire, %.0f ms in all",
		       (int)o->pid, nr_procs, o->host, o->port, ctx.stats.nr - 1,
		       (double)ctx.stats.freeze_ns / 1e6,
		       (double)ctx.stats.downtime_ns / 1e6, (double)ctx.stats.wire_bytes / MIB,
		       (double)(t_end - t_start) / 1e6);
	} else {
		/* Roll back: let go of the tree exactly as it was. */
		pc_tree_release(&tree, false);
		if (ctx.c && ctx.why[0])
			tp_send_result(ctx.c, TP_ABORTED, ctx.why);
		action_scripts_run(&o->scripts, ACT_ROLLBACK, o->pid, dir);
		pr_err("pid %d: migration failed: %s; the process goes on running here, unchanged",
		       (int)o->pid, ctx.why[0] ? ctx.why : strerror(-ret));
	}
	ctx.stats.total_ns = t_end - t_start;
	if (o->stats_json && (ctx.c || !ret))
		pc_write_json(&ctx.stats, o->stats_json);
	tp_close(ctx.c);
	remove_dir(dir, dirfd);
	close(dirfd);
	pc_areas_free(&ctx.areas);
	range_vec_free(&ctx.dirty);
	range_vec_free(&ctx.retry);
	pc_stats_free(&ctx.stats);
	if (ctx.scan.pagemap_fd >= 0)
		close(ctx.scan.pagemap_fd);
	if (ctx.mem_fd >= 0)
		close(ctx.mem_fd);
	free(ctx.buf);
	return ret;
}
