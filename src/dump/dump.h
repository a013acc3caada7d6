/*
 * `lmig dump`: the state of one seized process written as images.
 *
 * The phases (each in its own file, mirrored by src/restore/):
 *   seize.c      stop every thread with ptrace, and let go again
 *   pstree.c     pstree.img
 *   files.c      fdinfo-<pid>.img and files.img (checked first: an fd we
 *                cannot dump fails the dump before anything slow runs)
 *   parasite-state.c  what only the target can read, for the images below
 *   core.c       core-<tid>.img per thread
 *   task.c       task-<pid>.img
 *   mm.c, vma.c  mm-<pid>.img (mm fields, auxv, vmas)
 *   mem.c        pagemap-<pid>.img and pages-<pid>.img
 *   inventory.c  inventory.img, written last: a directory without it
 *                holds an incomplete dump
 *
 * Whatever fails, the target is detached and keeps running unchanged.
 */
#ifndef LMIG_DUMP_H
#define LMIG_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "action-script.h"
#include "dump/parasite-state.h"
#include "dump/proc.h"
#include "dump/seize.h"

struct img;

struct dump_opts {
	pid_t pid;
	const char *images_dir;
	bool leave_running;
	bool tcp_established;		/* dump TCP connections (else refuse them) */
	struct action_scripts scripts;	/* --action-script */
	bool shell_job;			/* --shell-job: the job's terminal is its shell's (dump/tty.h) */
	bool help;
};

/*
 * Parse argv (argv[0] is "dump"). Returns 0, or -EINVAL after one error
 * line naming the option. With --help, sets o->help and returns 0.
 */
int dump_parse_opts(int argc, char **argv, struct dump_opts *o);
void dump_usage(void);

/* Features an image set uses, named in inventory.img (dump_feature_name). */
enum dump_feature {
	DF_XSAVE	= 1u << 0,
	DF_RSEQ		= 1u << 1,
	DF_SECCOMP	= 1u << 2,
	DF_PARASITE	= 1u << 3,	/* task fields that only the parasite reads are present */
};
const char *dump_feature_name(unsigned bit);

struct dump_ctx {
	const struct dump_opts *opts;
	pid_t pid;
	int dirfd;
	long page_size;
	struct seized seized;		/* the stopped threads, leader first */
	struct proc_stat stat;		/* of the process, read once stopped */
	struct proc_vmas vmas;		/* its smaps, read once stopped */
	struct parasite_state ps;	/* valid when features has DF_PARASITE */
	unsigned features;		/* DF_* */
	uint32_t xsave_buf;		/* buffer for NT_X86_XSTATE, from dump_probe_xsave() */
	uint32_t xsave_size;		/* bytes of NT_X86_XSTATE ptrace gave */
	uint64_t xfeatures;		/* XCR0 */
	uint32_t next_file_id;		/* files.img ids, from 1 */
	struct img *files_img;		/* files.img of a whole tree, or NULL: dump_files() opens its own */
	const struct seized_tree *tree;	/* the tree being dumped, or NULL: ctx's process alone */
	struct file_share *shares;	/* the tree's files dumped so far (file-share.h), or NULL */
	uint64_t freeze_ns;		/* CLOCK_REALTIME when every thread was stopped */
	uint64_t pages_saved, pages_zero;
	/* vmas filled by the caller while the process is stopped (precopy's freeze): not read again. */
	bool vmas_read;
	/*
	 * Live migration (src/dump/precopy*.c): pagemap-<pid>.img lists the
	 * pages to keep (no flags, no crc) and no pages file is written; the
	 * data went to the page server in rounds.
	 */
	bool pagemap_only;
	/*
	 * Inet sockets taken from the target (src/dump/sk-inet.h), between
	 * sk_inet_prepare() (run by dump_process()) and sk_inet_finish(),
	 * which whoever calls dump_tree() must call before letting the
	 * process go, killed or resumed.
	 */
	struct sk_inet_dump *inet;
};

/* Run a whole dump as described by o. Returns 0 or -errno (logged). */
int dump_run(const struct dump_opts *o);

/* A fresh ctx for o (no directory open, nothing seized); dump_ctx_fini() frees what the phases read. */
void dump_ctx_init(struct dump_ctx *ctx, const struct dump_opts *o);
void dump_ctx_fini(struct dump_ctx *ctx);

/*
 * Every image of a seized tree into ctxs[0].dirfd, inventory.img last:
 * ctxs[i] (set up by the caller: pid, dirfd, seized borrowed from
 * tree->p[i], tree) for each process of tree, the root first; zombies
 * are only in pstree.img. The processes share files.img and its ids.
 * 0 or -errno (logged). Whoever calls it calls sk_inet_finish() on each
 * ctx before letting the tree go.
 */
int dump_tree(struct dump_ctx *ctxs, const struct seized_tree *tree);

/*
 * One ctx per process of tree (dump_ctx_init(), its pid, dirfd, its
 * seized threads borrowed, tree) into *out, owned by the caller until
 * dump_tree_release(). 0 or -ENOMEM.
 */
int dump_tree_ctxs(const struct dump_opts *o, const struct seized_tree *tree, int dirfd,
		   struct dump_ctx **out);

/*
 * Let the tree go, killed (kill_it) or resumed as it was: sk_inet_finish()
 * on each ctx while still frozen, unseize_tree(), then frees ctxs. Returns
 * the first error of sk_inet_finish() (logged).
 */
int dump_tree_release(struct dump_ctx *ctxs, struct seized_tree *tree, bool kill_it);

/*
 * The images of ctx's process alone (every phase but pstree.img and
 * inventory.img), for one process of a tree. 0 or -errno (logged).
 */
int dump_process(struct dump_ctx *ctx);

/* The phases; each returns 0 or -errno after one error line naming the object. */
int dump_pstree(struct dump_ctx *ctx);
int dump_files(struct dump_ctx *ctx);
int dump_cores(struct dump_ctx *ctx);
int dump_task(struct dump_ctx *ctx);
int dump_mm(struct dump_ctx *ctx);
int dump_pages(struct dump_ctx *ctx);
int dump_inventory(struct dump_ctx *ctx);

/*
 * Pending signals of a stopped thread (shared: the process-wide queue),
 * as raw 128-byte siginfo_t records, oldest first, without dequeuing them.
 * *out (nr * 128 bytes, NULL when none) is owned by the caller.
 */
int dump_peek_siginfo(pid_t tid, bool shared, uint8_t **out, size_t *nr);

/*
 * CPUID leaf 0xd and XGETBV: an xsave buffer size large enough for every
 * feature the CPU supports, and XCR0; 0s without XSAVE.
 */
void dump_probe_xsave(uint32_t *size, uint64_t *xcr0);

#endif
