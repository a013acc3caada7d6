/*
 * `lmig precopy`: live migration of a running process to `lmig pageserver`.
 *
 *   precopy.c          the whole sequence: connect, track, rounds, freeze,
 *                      commit, then kill the source or roll back
 *   precopy-areas.c    the areas of the process: read, classify, announce
 *   precopy-send.c     sending pages: find the ones to keep, read them in
 *                      large batches, hand them to the transport
 *   precopy-throttle.c slowing a process that dirties faster than we send
 *   precopy-stats.c    progress lines and --stats-json
 *
 * The promise: until the page server answers RESULT ok, the source
 * process is the one that counts. Any failure before that (peer gone,
 * error frame, timeout, checksum) resumes it exactly as it was: not
 * stopped, not traced, not throttled, no userfaultfd left on its memory.
 */
#ifndef LMIG_DUMP_PRECOPY_H
#define LMIG_DUMP_PRECOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mm.pb-c.h"
#include "dump/pagescan.h"
#include "dump/precopy-opts.h"
#include "dump/proc.h"
#include "dump/seize.h"
#include "dump/tracker.h"

struct dump_ctx;
struct dump_opts;
struct tp_conn;
struct throttle;

/* Batch of process memory read at once, and remote iovecs per process_vm_readv. */
#define PC_BATCH	(8u << 20)
#define PC_BATCH_IOV	1024

/* One area of the process, as smaps shows it and dump classifies it. */
struct pc_area {
	uint64_t start, end;
	VmaKind kind;
	bool deleted;		/* file kinds: the file is gone */
	bool carries;		/* has pages the dump keeps (not vdso, not a live shared file) */
	bool resend;		/* keeps pages its page tables may not show: sent whole when frozen */
};

struct pc_areas {
	struct pc_area *a;	/* sorted; owned */
	size_t nr, cap;
};

/* A run of the current batch: data read into the batch buffer, or a ZERO run. */
struct pc_piece {
	uint64_t start, end;
	bool zero;
};

/* What one round did (the final one included). */
struct pc_round {
	uint32_t round;
	bool final;
	uint64_t dirty_pages;		/* reported by the tracker (whole area for round 0) */
	uint64_t pages, zero_pages;	/* sent: with data, as ZERO runs */
	uint64_t wire_bytes;		/* on the wire during the round */
	uint64_t duration_ns;
	double dirty_rate;		/* bytes/s written by the process since the previous collect */
	double bandwidth;		/* page bytes/s this round moved */
	double predicted_ms;		/* the final transfer, if we froze now */
	unsigned throttle_pct;		/* CPU share the process had; 100: none */
};

struct pc_stats {
	struct pc_round *r;
	size_t nr, cap;
	const char *tracker;		/* NULL: stop-and-copy */
	const char *throttle;		/* method used, or NULL */
	const char *stop_reason;
	uint64_t total_ns, freeze_ns, downtime_ns, wire_bytes;
	bool ok;
};

struct precopy_ctx {
	const struct precopy_opts *o;
	pid_t pid;
	uint64_t ps;
	struct tp_conn *c;
	struct tracker *t;		/* NULL: stop-and-copy */
	struct throttle *thr;		/* NULL until the first tightening */
	struct pagescan scan;		/* its pagemap_fd is ours */
	int mem_fd;
	char *buf;			/* PC_BATCH bytes */
	struct pc_piece piece[PC_BATCH_IOV];	/* the batch, in address order of sending */
	size_t nr_pieces, batch_bytes;
	uint64_t run_floor;		/* a piece starting here begins a new run: areas are staged apart */
	struct pc_areas areas;
	struct range_vec dirty;
	struct range_vec retry;		/* pages a running round could not read */
	bool frozen;
	struct pc_round cur;		/* the round being sent */
	uint64_t round_t0;		/* when it began (CLOCK_MONOTONIC ns) */
	uint64_t tp_pages0, tp_zero0, tp_bytes0;	/* transport counters then */
	uint64_t sent_bytes, sent_ns;	/* page bytes and time of every round so far (until acked) */
	struct pc_stats stats;
	char why[512];			/* the first cause of failure, for the last line */
};


int precopy_run(const struct precopy_opts *o);

/*
 * precopy-tree.c: the tree at the switchover. Only the root is
 * pre-copied while it runs; its descendants (a shell's sleep, a worker)
 * are dumped with it once frozen and their memory is sent whole in the
 * final round.
 */
struct pc_tree {
	struct seized_tree seized;	/* filled by seize_tree() at the freeze */
	struct dump_ctx *dcs;		/* one per process, the root's first; NULL until dumped */
	struct precopy_ctx *sub;	/* one per process (sub[0], the root's, unused) */
	size_t nr_sub;
};
/*
 * The dump contexts of the seized tree (t->dcs) for dump_tree() into
 * dirfd, pagemap only (pages go by the rounds); the caller may fill the
 * root's vmas first (dcs[0].vmas_read).
 */
int pc_tree_prepare(struct pc_tree *t, const struct dump_opts *o, int dirfd);
/* The areas message of every descendant; *pages: the pages they carry. */
int pc_tree_send_areas(struct precopy_ctx *ctx, struct pc_tree *t, uint64_t *pages);
/* Every kept page of every descendant, in the final round (after pc_flush() of the root). */
int pc_tree_send_pages(struct pc_tree *t, int dirfd);
/* dump_tree_release() (killed or resumed), or unseize_tree() before the dump; frees t's parts. */
int pc_tree_release(struct pc_tree *t, bool kill_it);

/* precopy-areas.c */
/* Re-read /proc/PID/smaps (vmas, if not NULL, gets the raw list; else it is freed). */
int pc_read_areas(struct precopy_ctx *ctx, struct proc_vmas *vmas);
/* The same from a list already read (while frozen). */
int pc_areas_from_vmas(struct precopy_ctx *ctx, const struct proc_vmas *vmas);
/* The ranges of the carrying areas, for the tracker (*out owned by the caller). */
int pc_tracked_ranges(const struct precopy_ctx *ctx, struct range **out, size_t *n);
/* Announce every non-special area to the page server (the areas message). */
int pc_send_areas(struct precopy_ctx *ctx);
void pc_areas_free(struct pc_areas *a);

/* precopy-send.c */
/*
 * Send the pages to keep in [start, end) of the carrying areas (clipped
 * to them). With zero_rest, pages there that are not kept are sent as
 * ZERO runs (a page that went back to zero must not keep its old copy
 * at the destination). Running (not frozen), pages that cannot be read
 * go to ctx->retry; frozen, that is an error.
 */
int pc_send_range(struct precopy_ctx *ctx, uint64_t start, uint64_t end, bool zero_rest);
/* Send the data of [start, end) as it is (no scan): kept runs of the resend areas. */
int pc_send_run(struct precopy_ctx *ctx, uint64_t start, uint64_t end);
/* Read and send what is batched; call before ROUND_END. */
int pc_flush(struct precopy_ctx *ctx);
/*
 * The kept runs (pagemap-<pid>.img in dirfd) of the areas whose pages the
 * page tables may not show (shared, deleted files): sent as they are.
 */
int pc_send_resend_areas(struct precopy_ctx *ctx, int dirfd);

/* precopy-throttle.c */
/*
 * Tighten the limit on pid one step (the first call sets it up: a cgroup
 * v2 cpu.max limit when cgroups can be used, else SIGSTOP/SIGCONT
 * duty-cycling). Returns the CPU share now allowed in percent, or 0 when
 * it cannot get tighter (or cannot be set up; logged once).
 */
unsigned throttle_tighten(struct throttle **t, pid_t pid);
const char *throttle_method(const struct throttle *t);
/* Lift the limit and put everything back as it was; frees t. NULL is fine. */
void throttle_end(struct throttle *t);

/* precopy-stats.c */
int pc_stats_push(struct pc_stats *s, const struct pc_round *r);
void pc_print_round(const struct pc_round *r);
int pc_write_json(const struct pc_stats *s, const char *path);
void pc_stats_free(struct pc_stats *s);

#endif
