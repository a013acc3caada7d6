/*
 * Infection: map the parasite into a seized target, drive it command by
 * command, cure. The contract is in infect.h; thread borrowing in
 * infect-thread.c.
 *
 * The area is private anonymous memory written with process_vm_writev,
 * not a memfd shared with lmig: it needs one remote mmap and no fd in the
 * target (nothing to close, nothing a seccomp filter on memfd_create can
 * refuse), and the command area is a few KiB, so copying it costs
 * microseconds. Bulk data (pages) never goes through the parasite.
 */
#include "config.h"

#define LOG_PREFIX "infect: "
#include "log.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "compat.h"
#include "infect-thread.h"
#include "infect.h"

/* parasite/blob.S */
extern const unsigned char parasite_blob[];
extern const unsigned char parasite_blob_end[];

#define PAGE_SIZE_	4096UL
#define PAGE_UP(x)	(((x) + PAGE_SIZE_ - 1) & ~(PAGE_SIZE_ - 1))
#define PARASITE_STACK_SIZE	(64 * 1024UL)

struct parasite_ctl {
	pid_t pid;
	int pidfd;
	uint64_t syscall_insn;		/* a `syscall` already in the target */
	struct infect_thread thread;	/* the borrowed thread */
	uint64_t base;			/* the area in the target */
	size_t size;
	size_t blob_len;
	uint64_t args_addr;
	uint64_t stack_top;
	struct parasite_args args;	/* lmig's copy of the command area */
};

static long syscall_err(long ret)
{
	return ret < 0 && ret > -4096 ? ret : 0;
}

static int write_mem(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)addr, len };
	ssize_t n;

	n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)addr, len };
	ssize_t n;

	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int infect_remote_syscall(pid_t tid, long nr, const long args[6], long *ret)
{
	struct infect_thread t;
	uint64_t insn;
	int err, err2;

	err = infect_find_syscall_insn(tid, &insn);
	if (err)
		return err;
	err = infect_thread_save(&t, tid);
	if (err)
		return err;
	err = infect_thread_syscall(&t, insn, nr, args, ret);
	err2 = infect_thread_restore(&t);
	return err ? err : err2;
}

int parasite_syscall(struct parasite_ctl *ctl, long nr, const long args[6], long *ret)
{
	return infect_thread_syscall(&ctl->thread, ctl->syscall_insn, nr, args, ret);
}

/* A remote syscall whose failure in the target is an error here too. */
static int ctl_syscall(struct parasite_ctl *ctl, const char *what, long nr,
		       const long args[6], long *ret)
{
	int err;

	err = parasite_syscall(ctl, nr, args, ret);
	if (err)
		return err;
	err = (int)syscall_err(*ret);
	if (err)
		pr_err_rc(err, "pid %d: remote %s", ctl->pid, what);
	return err;
}

static int map_blob(struct parasite_ctl *ctl)
{
	size_t blob_pages = PAGE_UP(ctl->blob_len);
	long args[6], ret;
	int err;

	ctl->size = blob_pages + PAGE_UP(sizeof(struct parasite_args)) + PARASITE_STACK_SIZE;
	args[0] = 0;
	args[1] = (long)ctl->size;
	args[2] = PROT_READ | PROT_WRITE;
	args[3] = MAP_PRIVATE | MAP_ANONYMOUS;
	args[4] = -1;
	args[5] = 0;
	err = ctl_syscall(ctl, "mmap", __NR_mmap, args, &ret);
	if (err)
		return err;
	ctl->base = (uint64_t)ret;
	ctl->args_addr = ctl->base + blob_pages;
	ctl->stack_top = ctl->base + ctl->size;

	err = write_mem(ctl->pid, ctl->base, parasite_blob, ctl->blob_len);
	if (err) {
		pr_err_rc(err, "pid %d: write the parasite at %#llx", ctl->pid,
			  (unsigned long long)ctl->base);
		return err;
	}

	/* W^X: the blob's pages become read+exec, the args and stack stay read+write */
	args[0] = (long)ctl->base;
	args[1] = (long)blob_pages;
	args[2] = PROT_READ | PROT_EXEC;
	return ctl_syscall(ctl, "mprotect", __NR_mprotect, args, &ret);
}

static int unmap_blob(struct parasite_ctl *ctl)
{
	long args[6] = { (long)ctl->base, (long)ctl->size, 0, 0, 0, 0 }, ret;

	if (!ctl->base)
		return 0;
	return ctl_syscall(ctl, "munmap", __NR_munmap, args, &ret);
}

int infect_seized(pid_t pid, pid_t tid, struct parasite_ctl **out)
{
	struct parasite_ctl *ctl;
	int err;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->pid = pid;
	ctl->blob_len = (size_t)(parasite_blob_end - parasite_blob);

	ctl->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (ctl->pidfd < 0) {
		err = -errno;
		pr_perror("pid %d: pidfd_open", pid);
		goto err_free;
	}
	err = infect_find_syscall_insn(tid, &ctl->syscall_insn);
	if (err)
		goto err_pidfd;
	err = infect_thread_save(&ctl->thread, tid);
	if (err)
		goto err_pidfd;
	err = map_blob(ctl);
	if (err)
		goto err_thread;

	pr_debug("pid %d: parasite at %#llx (%zu bytes, blob %zu) in tid %d", pid,
		 (unsigned long long)ctl->base, ctl->size, ctl->blob_len, tid);
	*out = ctl;
	return 0;

err_thread:
	unmap_blob(ctl);
	infect_thread_restore(&ctl->thread);
err_pidfd:
	close(ctl->pidfd);
err_free:
	free(ctl);
	return err;
}

int infect_cure(struct parasite_ctl *ctl)
{
	int err, err2;

	if (!ctl)
		return 0;
	err = unmap_blob(ctl);
	err2 = infect_thread_restore(&ctl->thread);
	close(ctl->pidfd);
	free(ctl);
	return err ? err : err2;
}

/*
 * Run command CMD in thread T: IN_LEN bytes of ctl->args.u go in, OUT_LEN
 * bytes come back into ctl->args.u. Returns the blob's answer.
 */
static int run_cmd(struct parasite_ctl *ctl, struct infect_thread *t, uint32_t cmd,
		   size_t in_len, size_t out_len)
{
	int err;

	ctl->args.version = PARASITE_PROTO_VERSION;
	ctl->args.cmd = cmd;
	ctl->args.ret = PARASITE_RET_UNSET;
	err = write_mem(ctl->pid, ctl->args_addr, &ctl->args, PARASITE_ARGS_HDR_SIZE + in_len);
	if (err) {
		pr_err_rc(err, "pid %d: write parasite command %u", ctl->pid, cmd);
		return err;
	}
	err = infect_thread_call(t, ctl->base, ctl->stack_top, ctl->args_addr,
				 ctl->base, ctl->base + ctl->blob_len);
	if (err)
		return err;
	err = read_mem(ctl->pid, ctl->args_addr, &ctl->args, PARASITE_ARGS_HDR_SIZE + out_len);
	if (err) {
		pr_err_rc(err, "pid %d: read parasite answer to command %u", ctl->pid, cmd);
		return err;
	}
	if (ctl->args.ret == PARASITE_RET_UNSET) {
		pr_err("pid %d: parasite stopped without answering command %u", ctl->pid, cmd);
		return -EIO;
	}
	if (ctl->args.ret < 0) {
		err = (int)ctl->args.ret;
		pr_err_rc(err, "pid %d: tid %d: parasite command %u", ctl->pid, t->tid, cmd);
		return err;
	}
	return 0;
}

int parasite_get_sigactions(struct parasite_ctl *ctl, struct parasite_sigactions *out)
{
	int err;

	err = run_cmd(ctl, &ctl->thread, PARASITE_CMD_GET_SIGACTIONS, 0, sizeof(*out));
	if (!err)
		*out = ctl->args.u.sigactions;
	return err;
}

int parasite_get_itimers(struct parasite_ctl *ctl, struct parasite_itimers *out)
{
	int err;

	err = run_cmd(ctl, &ctl->thread, PARASITE_CMD_GET_ITIMERS, 0, sizeof(*out));
	if (!err)
		*out = ctl->args.u.itimers;
	return err;
}

int parasite_get_posix_timers(struct parasite_ctl *ctl, const int32_t *ids, unsigned int n,
			      struct parasite_posix_timer *out)
{
	struct parasite_posix_timers *pt = &ctl->args.u.posix_timers;
	unsigned int done, i, batch;
	size_t len;
	int err;

	for (done = 0; done < n; done += batch) {
		batch = n - done;
		if (batch > PARASITE_MAX_POSIX_TIMERS)
			batch = PARASITE_MAX_POSIX_TIMERS;
		memset(pt, 0, sizeof(*pt));
		pt->nr = batch;
		for (i = 0; i < batch; i++)
			pt->t[i].id = ids[done + i];
		len = offsetof(struct parasite_posix_timers, t) + batch * sizeof(pt->t[0]);
		err = run_cmd(ctl, &ctl->thread, PARASITE_CMD_GET_POSIX_TIMERS, len, len);
		if (err)
			return err;
		memcpy(out + done, pt->t, batch * sizeof(pt->t[0]));
	}
	return 0;
}

int parasite_get_process_state(struct parasite_ctl *ctl, struct parasite_process_state *out)
{
	int err;

	err = run_cmd(ctl, &ctl->thread, PARASITE_CMD_GET_PROCESS_STATE, 0, sizeof(*out));
	if (!err)
		*out = ctl->args.u.process;
	return err;
}

int parasite_get_thread_state(struct parasite_ctl *ctl, pid_t tid,
			      struct parasite_thread_state *out)
{
	struct infect_thread other, *t = &ctl->thread;
	int err, err2;

	if (tid != ctl->thread.tid) {
		err = infect_thread_save(&other, tid);
		if (err)
			return err;
		t = &other;
	}
	err = run_cmd(ctl, t, PARASITE_CMD_GET_THREAD_STATE, 0, sizeof(*out));
	if (!err && ctl->args.u.thread.tid != tid) {
		pr_err("pid %d: thread state answered by tid %d, not %d", ctl->pid,
		       ctl->args.u.thread.tid, tid);
		err = -EIO;
	}
	if (!err)
		*out = ctl->args.u.thread;
	if (t == &other) {
		err2 = infect_thread_restore(&other);
		if (!err)
			err = err2;
	}
	return err;
}

static int close_remote_fd(struct parasite_ctl *ctl, int fd)
{
	ctl->args.u.close_fd.fd = fd;
	ctl->args.u.close_fd.pad = 0;
	return run_cmd(ctl, &ctl->thread, PARASITE_CMD_CLOSE_FD, sizeof(ctl->args.u.close_fd), 0);
}

int parasite_create_uffd(struct parasite_ctl *ctl, int *local_fd)
{
	struct parasite_uffd *u = &ctl->args.u.uffd;
	int err, err2, fd, remote;

	memset(u, 0, sizeof(*u));
	u->features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED;
	err = run_cmd(ctl, &ctl->thread, PARASITE_CMD_CREATE_UFFD, sizeof(*u), sizeof(*u));
	if (err)
		return err;
	remote = u->fd;

	fd = (int)syscall(SYS_pidfd_getfd, ctl->pidfd, remote, 0);
	err = fd < 0 ? -errno : 0;
	if (err)
		pr_perror("pid %d: pidfd_getfd of its uffd %d", ctl->pid, remote);

	err2 = close_remote_fd(ctl, remote);
	if (err2 && !err) {
		close(fd);
		err = err2;
	}
	if (!err)
		*local_fd = fd;
	return err;
}
