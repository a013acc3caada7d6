/*
 * `lmig restore`: a process rebuilt from images, continuing where it stopped.
 *
 * The phases (each in its own file, mirroring src/dump/):
 *   inventory.c  inventory.img: refuse a foreign arch, page size, format
 *   pstree.c     pstree.img and every per-process image, read up front so
 *                that a bad image fails before anything is created; the
 *                process itself, created with its pid (clone3 set_tid)
 *   files.c      fdinfo-<pid>.img and files.img: files opened on high
 *                scratch fds, then put on their numbers at the very end
 *   mem.c        mm-<pid>.img, pagemap/pages: premap every area in the
 *                bootstrap region and read the saved pages into place
 *   bootstrap.c  where the region goes and what it holds
 *   core.c       core-<tid>.img: the rt_sigframe the restorer returns through
 *   task.c       task-<pid>.img: sigactions, itimers, cwd, umask
 *   child.c      the sequence the new process runs, ending in the restorer
 *   finish.c     lmig's side: wait for the report, catch the end of
 *                rt_sigreturn, unmap the restorer, let go
 *   catch.c      that catch: every thread at once (catch.h)
 *
 * Whatever fails, the half-built process is killed: nothing is left behind.
 */
#ifndef LMIG_RESTORE_H
#define LMIG_RESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"
#include "task.pb-c.h"
#include "action-script.h"
#include "restore/restorer-args.h"

struct ns_init;

struct restore_opts {
	const char *images_dir;
	bool detach;
	struct action_scripts scripts;	/* --action-script */
	bool help;
	const char *netns;		/* --netns: join this network namespace first */
	bool new_pidns;			/* --new-pidns (restore/namespaces.h) */
	const char *pidfile;		/* --pidfile: the root's pid as lmig's caller sees it */
	bool shell_job;			/* --shell-job: the job gets lmig's terminal (tty.h) */
	bool inherit_stdio;		/* --inherit-stdio: the root's fds 0-2 are lmig's (stdio.h) */
	/* Not an option: set in a new pid namespace's init (namespaces.c), else NULL. */
	struct ns_init *ns_init;
};

/*
 * Parse argv (argv[0] is "restore"). Returns 0, or -EINVAL after one
 * error line naming the option. With --help, sets o->help and returns 0.
 */
int restore_parse_opts(int argc, char **argv, struct restore_opts *o);
void restore_usage(void);

/*
 * Memory staged by the page server (src/pageserver/staging.h) for one area
 * of a process, in the restoring process's own address space: the area's
 * page at start + i is at mem + i. Restore then takes pages from here
 * instead of pages-<pid>.img: plain private anonymous areas are moved
 * into place whole with mremap (no copy), the others get their kept
 * pages (the pagemap runs) copied over their premap.
 */
struct rst_staged_area {
	uint64_t start, end;
	void *mem;		/* mem and start are equal modulo RST_PMD_SPAN when the area spans one */
	bool hugepage;		/* mem got MADV_HUGEPAGE from the page server, not from the dump */
};

/*
 * What one page-table entry of the level above the last maps (2 MiB on
 * x86_64). mremap moves whole page tables and huge pages, one entry for
 * this many bytes, only where source and destination are equal modulo
 * it; else it moves every 4 KiB entry. Fork and munmap likewise treat a
 * huge page as one entry. Staging and premap addresses are therefore
 * aligned like the target's own.
 */
#define RST_PMD_SPAN	(2ull << 20)

/* One process of the tree, as its images describe it (owned by the ctx). */
struct rst_proc {
	uint32_t pid;
	PstreeEntry *pstree;
	MmEntry *mm;
	TaskEntry *task;
	CoreEntry *core;		/* the leader's: cores[0] */
	CoreEntry **cores;		/* one per thread, in pstree order (the leader first) */
	size_t nr_cores;
	PagemapEntry **pagemap;
	size_t nr_pagemap;
	FdinfoEntry **fds;
	size_t nr_fds;
	/* Staged memory, sorted by start (NULL: read pages-<pid>.img); owned by the caller. */
	const struct rst_staged_area *staged;
	size_t nr_staged;
};

struct restore_ctx {
	const struct restore_opts *opts;
	int dirfd;
	long page_size;
	InventoryEntry *inv;
	PstreeEntry **pstree;
	size_t nr_pstree;
	FileEntry **files;		/* files.img, by record order */
	size_t nr_files;
	struct rst_proc *procs;		/* parents before children */
	size_t nr_procs;
	/* The tree's pipes (tree.c), by index in procs: the restored processes' ends. */
	int *report_fds, *go_fds;
	pid_t outside_pgid;		/* lmig's group: the root's when its own is gone (tree.c) */
	/* Pipes with ends in several processes, made once by lmig and inherited (tree.c). */
	struct rst_shared_pipe *shared_pipes;
	size_t nr_shared_pipes;
	/* Shared anonymous memory, one object per shmid, made by lmig and inherited (shmem.c). */
	struct rst_shmem *shmem;
	size_t nr_shmem;
	/* SysV shm segments made for the tree by lmig (ipc.c); the namespace is the tree's own. */
	struct rst_sysv_shm *sysv_shm;
	size_t nr_sysv_shm;
	bool ipc_own_ns;
	/* POSIX message queue records opened by lmig, inherited (mqueue.c). */
	struct rst_mqueue *mqueues;
	size_t nr_mqueues;
	/* Open file descriptions of several processes, opened by lmig (file-share.c). */
	struct rst_shared_file *shared_files;
	size_t nr_shared_files;
	/* Unix sockets, each made once by lmig and inherited (sk-unix.c). */
	struct sk_unix_rst *unix_sk;
	/* Eventfds with fds in several processes, made once by lmig and inherited (fd-event.h). */
	struct rst_shared_eventfd *shared_eventfds;
	size_t nr_shared_eventfds;
	/* --shell-job: lmig's terminal, given to the job (tty.c); NULL without. */
	struct rst_tty *tty;
};

struct rst_shared_pipe {
	uint64_t pipe_id;
	int fds[2];		/* both ends, its queued data written back already */
};

/*
 * Run a whole restore. Returns the exit code for the command: 0 when the
 * process runs (with --detach) or the restored process's exit status.
 */
int restore_run(const struct restore_opts *o);

/*
 * The two halves of restore_run(), for the page server, which restores
 * from its own process. restore_load() reads every image of ctx->dirfd
 * (ctx->opts, ->dirfd and ->page_size set by the caller); 0 or -errno
 * (logged). restore_start() creates the process as a child of the
 * caller, waits until it runs its own code and lets go of it: on 0,
 * *pid runs detached. after_clone (may be NULL) is called in the caller
 * right after the clone, e.g. to drop memory the child took over. On
 * failure (-errno, logged) nothing is left running.
 */
int restore_load(struct restore_ctx *ctx);
int restore_start(struct restore_ctx *ctx, void (*after_clone)(void *arg), void *arg,
		  pid_t *pid);

/* Phases run by lmig before anything is created; 0 or -errno (logged). */
int restore_inventory(struct restore_ctx *ctx);
int restore_read_tree(struct restore_ctx *ctx);
int restore_read_files(struct restore_ctx *ctx);
void restore_ctx_free(struct restore_ctx *ctx);

/*
 * Create the process p with its own pid, as a child of the caller. The
 * child runs restore_child() and never returns. Returns the pid, or
 * -errno after one error line: -EEXIST names the pid and who holds it.
 */
pid_t restore_clone(struct restore_ctx *ctx, struct rst_proc *p, int report_fd, int go_fd);

/* The child's side: never returns (it becomes the restored process or exits). */
__attribute__((noreturn))
void restore_child(struct restore_ctx *ctx, struct rst_proc *p, int report_fd, int go_fd);

/*
 * lmig's side once the child runs: wait for its report, catch it after
 * rt_sigreturn, unmap the bootstrap region, detach. Returns 0 or -errno
 * (logged, naming what failed); on failure the caller kills the child.
 */
int restore_finish(pid_t pid, int report_fd, int timeout_ms);

/* A restored process whose every thread sits at the end of its rt_sigreturn, traced by us. */
struct rst_held {
	pid_t pid;
	pid_t *tids;		/* the leader first; owned */
	size_t nr;
	struct rst_report rep;	/* the restorer's: where its region is */
};

/*
 * restore_finish() in two halves, so that a tree is let go only once
 * every process of it is caught: restore_catch() waits for the report,
 * seizes every thread and takes each to the end of its rt_sigreturn;
 * restore_release() unmaps the region and detaches every thread. Both
 * return 0 or -errno (logged); on failure the caller kills pid. Both
 * leave h freed but on the success of catch.
 */
int restore_catch(pid_t pid, int report_fd, int timeout_ms, struct rst_held *h);
int restore_release(struct rst_held *h, int timeout_ms);
void restore_held_free(struct rst_held *h);

/* --- pieces used by the child (child.c) --- */

/* Open every file of p on a scratch fd >= base; fills scratch[i] for p->fds[i]. */
int files_open(struct restore_ctx *ctx, struct rst_proc *p, int base, int *scratch);
/*
 * Put the scratch fds on their numbers, fill the epolls among them
 * (fd-epoll.h) and close every other fd but keep[] (entries < 0
 * ignored). Logs nothing: it runs when fd 2 is already the target's.
 * 0 or -errno.
 */
int files_install(const struct restore_ctx *ctx, struct rst_proc *p, const int *scratch,
		  const int *keep, size_t nr_keep);
/*
 * A file of kind REG, DIR, CHR, MEMFD or FIFO opened as fe says (position
 * included), CLOEXEC. The fd, or -errno with *what saying what failed.
 */
int files_open_reg(const FileEntry *fe, const char **what);
/* The highest target fd of p, or -1. */
int files_max_fd(const struct rst_proc *p);
/* The bytes queued in pe written into the pipe's write end wfd (grown to hold them): 0 or -errno. */
int files_refill_pipe(int wfd, const PipeEntry *pe);

struct bootstrap;

/* Plan and reserve the region for p (bootstrap.c); 0 or -errno (logged). */
int bootstrap_create(struct restore_ctx *ctx, struct rst_proc *p, struct bootstrap **out);
struct rst_args *bootstrap_args(struct bootstrap *b);
/* Address where vma i of p's mm is premapped. */
uint64_t bootstrap_premap_addr(const struct bootstrap *b, size_t vma_idx);
/* Jump into the restorer; never returns. */
__attribute__((noreturn)) void bootstrap_enter(struct bootstrap *b);

/* Premap every area of p and fill in the saved pages (mem.c). */
int mem_premap(struct restore_ctx *ctx, struct rst_proc *p, struct bootstrap *b);
/* Fill the mm fields of the args (mem.c); exe_fd is p's exe opened, or -1. */
int mem_fill_args(struct restore_ctx *ctx, struct rst_proc *p, struct rst_args *a,
		  struct bootstrap *b, int exe_fd);

/* Build every thread's rt_sigframe and struct rst_thread in the args area (core.c). */
int core_prepare(struct restore_ctx *ctx, struct rst_proc *p, struct bootstrap *b);
/*
 * task.c: the task state of restorer-task.h (sigactions, itimers, POSIX
 * timers, pending signals, rlimits, creds, prctl values, seccomp, LSM
 * label) into the args area. Refuses (-errno, logged, naming what) what
 * lmig cannot give back as saved: a hard rlimit above its own without
 * CAP_SYS_RESOURCE, a capability it lacks. task_args_size() bounds the
 * bytes both take from the args area.
 */
size_t task_args_size(const struct rst_proc *p);
int task_fill_args(struct restore_ctx *ctx, struct rst_proc *p, struct rst_args *a,
		   struct bootstrap *b);
/*
 * PTRACE_O_SUSPEND_SECCOMP when thread tid of pid is under a seccomp
 * filter (the restorer installs them before lmig seizes the threads),
 * else 0: the blob's last syscalls and lmig's unmap must pass them.
 */
long task_seize_seccomp_opt(pid_t pid, pid_t tid);
/* One thread's pending signals (called for each thread by core_prepare). */
int task_fill_thread(const struct rst_proc *p, const CoreEntry *core, struct bootstrap *b,
		     struct rst_thread_task *tt);
/* cwd, root, umask, session and group: done by the child itself (task.c). */
int task_restore_self(struct rst_proc *p);

#endif
