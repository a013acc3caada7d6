/*
 * Parsers for /proc/PID files the dump reads.
 *
 * Every parser is bounded (no line longer than PROC_LINE_MAX is taken
 * whole; longer ones are cut, never overflow) and tolerant: an odd line
 * it does not recognise is skipped, a line it needs and cannot parse
 * makes it return -EINVAL. All return 0 or -errno and do not log, so
 * that the caller names the process in its one error line.
 *
 * The *_parse_* functions take the text of the file, which unit tests
 * feed directly; the proc_read_* wrappers read the file of a pid.
 */
#ifndef LMIG_DUMP_PROC_H
#define LMIG_DUMP_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/resource.h>
#include <limits.h>

#include "proc-list.h"	/* proc_list_numbers(), for dump/ and restore/ */

#define PROC_LINE_MAX	(PATH_MAX + 256)

/* One line of /proc/PID/maps (or smaps header plus its VmFlags). */
struct proc_vma {
	uint64_t start, end;
	uint32_t prot;		/* PROT_* */
	bool shared;		/* 's' in the flags column */
	uint64_t pgoff;
	uint32_t dev_major, dev_minor;
	uint64_t ino;
	bool deleted;		/* the path ended in " (deleted)", removed here */
	char path[PATH_MAX];	/* "" for anonymous areas, or "[heap]", ... */
	/* From smaps' VmFlags (0 when read from maps). */
	uint32_t vmflags;
};

/* struct proc_vma.vmflags: the VmFlags two-letter codes lmig cares about */
enum {
	PVF_GROWSDOWN	= 1 << 0,	/* gd */
	PVF_DONTFORK	= 1 << 1,	/* dc */
	PVF_DONTDUMP	= 1 << 2,	/* dd */
	PVF_HUGEPAGE	= 1 << 3,	/* hg */
	PVF_NOHUGEPAGE	= 1 << 4,	/* nh */
	PVF_MERGEABLE	= 1 << 5,	/* mg */
	PVF_WIPEONFORK	= 1 << 6,	/* wf */
	PVF_LOCKED	= 1 << 7,	/* lo */
	PVF_IO		= 1 << 8,	/* io: VM_IO, pfn maps of devices */
	PVF_PFNMAP	= 1 << 9,	/* pf */
	PVF_SEQ_READ	= 1 << 10,	/* sr */
	PVF_RAND_READ	= 1 << 11,	/* rr */
};

struct proc_vmas {
	struct proc_vma *v;	/* owned; free with proc_vmas_free() */
	size_t nr, cap;
};

/*
 * Parse the header line of a maps/smaps entry into *v. Returns 0, or
 * -EINVAL when the line is not such a header (e.g. an smaps "Key: val").
 */
int proc_parse_maps_line(const char *line, struct proc_vma *v);
/* Parse a "VmFlags: rd wr mr ..." line into PVF_ bits. */
uint32_t proc_parse_vmflags(const char *line);
/* Read /proc/PID/smaps into *out (entries in address order). */
int proc_read_smaps(pid_t pid, struct proc_vmas *out);
void proc_vmas_free(struct proc_vmas *vmas);

/* The fields of /proc/PID/stat the dump uses (numbers as in proc(5)). */
struct proc_stat {
	char comm[64];
	char state;			/* 3 */
	int ppid, pgid, sid;		/* 4, 5, 6 */
	int tty_nr, tpgid;		/* 7, 8: controlling terminal (0: none), its foreground group */
	long nice;			/* 19 */
	long num_threads;		/* 20 */
	unsigned long rt_priority;	/* 40 */
	unsigned long policy;		/* 41 */
	uint64_t start_code, end_code, start_stack;		/* 26 .. 28 */
	uint64_t start_data, end_data, start_brk;		/* 45 .. 47 */
	uint64_t arg_start, arg_end, env_start, env_end;	/* 48 .. 51 */
	int exit_code;			/* 52 */
};

int proc_parse_stat(const char *text, struct proc_stat *st);
/* /proc/PID/stat, or /proc/PID/task/TID/stat when tid != 0. */
int proc_read_stat(pid_t pid, pid_t tid, struct proc_stat *st);

/* The fields of /proc/PID/status the dump uses. */
#define PROC_MAX_GROUPS	256
struct proc_status {
	uint32_t uid[4], gid[4];	/* real, effective, saved, fs */
	uint32_t groups[PROC_MAX_GROUPS];
	size_t nr_groups;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	int no_new_privs;
	int seccomp;			/* 0 none, 1 strict, 2 filter */
	int thp_enabled;		/* -1 when the line is absent */
	uint64_t shd_pnd, sig_blk;
	bool have_uid, have_gid, have_caps;
};

int proc_parse_status(const char *text, struct proc_status *st);
int proc_read_status(pid_t pid, struct proc_status *st);

/* /proc/PID/limits: every RLIMIT_* the file lists, RLIM_INFINITY for "unlimited". */
struct proc_limits {
	struct rlimit lim[RLIM_NLIMITS];
	bool have[RLIM_NLIMITS];
};

int proc_parse_limits(const char *text, struct proc_limits *l);
int proc_read_limits(pid_t pid, struct proc_limits *l);

/* /proc/PID/fdinfo/FD: the common header lines. */
struct proc_fdinfo {
	uint64_t pos;
	uint32_t flags;		/* open flags, O_CLOEXEC included */
	int mnt_id;
	uint64_t ino;
};

int proc_parse_fdinfo(const char *text, struct proc_fdinfo *fi);
int proc_read_fdinfo(pid_t pid, int fd, struct proc_fdinfo *fi);

/* One POSIX timer of /proc/PID/timers. */
struct proc_timer {
	int id;
	int signo;
	uint64_t sival;		/* sigev_value as a pointer-sized value */
	int notify;		/* SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, | SIGEV_THREAD_ID */
	int notify_pid;		/* the pid or tid signalled */
	int clock_id;
};

/*
 * Parse /proc/PID/timers into *out (malloc()ed, owned by the caller;
 * NULL when there are none).
 */
int proc_parse_timers(const char *text, struct proc_timer **out, size_t *nr);
int proc_read_timers(pid_t pid, struct proc_timer **out, size_t *nr);

/*
 * Read a whole /proc file (path relative to /proc) into a NUL-terminated
 * malloc()ed buffer of at most max bytes. *out owned by the caller.
 */
int proc_read_file(const char *path, size_t max, char **out, size_t *len);
/* Open /proc/PID/NAME read-only: 0, or -errno logged naming the pid and the file. */
int proc_open(pid_t pid, const char *name, int *fd);
/* readlink() of /proc/PID/NAME into buf (NUL-terminated); -ENAMETOOLONG if cut. */
int proc_readlink(pid_t pid, const char *name, char *buf, size_t len);

#endif
