#define LOG_PREFIX "restore: "
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <unistd.h>

#include "log.h"
#include "restore/bootstrap.h"
#include "restore/restore.h"
#include "restore/tree.h"

static void send_report(int fd, int rc, const char *msg)
{
	struct rst_report r = { .rc = rc, .step = RST_STEP_NONE };

	if (msg)
		snprintf(r.msg, sizeof(r.msg), "%s", msg);
	if (write(fd, &r, sizeof(r)) < 0) {
		/* lmig is gone: PTRACE_O_EXITKILL ends us anyway. */
	}
}

/* A number above every fd the target uses, raising our soft limit to reach it. */
static int scratch_base(struct rst_proc *p)
{
	struct rlimit rl;
	int base = files_max_fd(p) + 1;

	if (base < 3)
		base = 3;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return base;
}

/* Everything up to the restorer that may fail and be logged. */
static int prepare(struct restore_ctx *ctx, struct rst_proc *p, int *report_fd,
		   int *scratch, struct bootstrap **out)
{
	struct bootstrap *b = NULL;
	struct rst_args *a;
	int base = scratch_base(p), exe_fd = -1, fd, ret;

	fd = fcntl(*report_fd, F_DUPFD_CLOEXEC, base);
	if (fd < 0) {
		ret = -errno;
		pr_perror("pid %u: cannot move lmig's report pipe out of the way", p->pid);
		return ret;
	}
	close(*report_fd);
	*report_fd = fd;

	ret = files_open(ctx, p, base, scratch);
	if (ret)
		return ret;
	if (p->mm->exe_path) {
		exe_fd = open(p->mm->exe_path, O_RDONLY | O_CLOEXEC);
		if (exe_fd >= 0 && exe_fd < base) {
			fd = fcntl(exe_fd, F_DUPFD_CLOEXEC, base);
			close(exe_fd);
			exe_fd = fd;
		}
		if (exe_fd < 0) {
			ret = -errno;
			pr_perror("pid %u: cannot open its executable %s", p->pid, p->mm->exe_path);
			return ret;
		}
	}
	ret = bootstrap_create(ctx, p, &b);
	if (ret)
		goto err;
	a = bootstrap_args(b);
	ret = mem_premap(ctx, p, b);
	if (!ret)
		ret = mem_fill_args(ctx, p, a, b, exe_fd);
	if (!ret)
		ret = task_fill_args(ctx, p, a, b);
	if (!ret)
		ret = core_prepare(ctx, p, b);
	if (!ret)
		ret = task_restore_self(p);
	if (ret) {
		if (ret == -ENOMEM)
			pr_err("pid %u: out of memory preparing the restorer", p->pid);
		goto err;
	}
	a->report_fd = *report_fd;
	/* glibc registered rseq for lmig's thread; the restorer drops it before our TLS goes. */
	if (__rseq_size) {
		a->self_rseq = (uint64_t)((char *)__builtin_thread_pointer() + __rseq_offset);
		a->self_rseq_len = __rseq_size;
		a->self_rseq_sig = RSEQ_SIG;
	}
	*out = b;
	return 0;
err:
	/* The region is left mapped: this process exits right away. */
	bootstrap_free(b);
	if (exe_fd >= 0)
		close(exe_fd);
	return ret;
}

void restore_child(struct restore_ctx *ctx, struct rst_proc *p, int report_fd, int go_fd)
{
	int *scratch, keep[2], ret;
	struct bootstrap *b = NULL;
	char msg[sizeof(((struct rst_report *)0)->msg)] = "";
	sigset_t all;
	char go;

	/* Nothing may interrupt us half-way; the restored mask comes with sigreturn. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* Our session or group, our children; then lmig seizes us and says go. */
	ret = tree_create(ctx, p, msg, sizeof(msg));
	send_report(report_fd, ret, msg[0] ? msg : NULL);
	if (ret)
		_exit(1);
	if (read(go_fd, &go, 1) != 1)
		_exit(1);
	close(go_fd);
	ret = tree_join_group(ctx, p, msg, sizeof(msg));
	if (ret) {
		send_report(report_fd, ret, msg);
		_exit(1);
	}
	if (p->pstree->zombie)
		tree_die_as_zombie(p);
	scratch = calloc(p->nr_fds ? p->nr_fds : 1, sizeof(int));
	if (!scratch) {
		send_report(report_fd, -ENOMEM, "out of memory");
		_exit(1);
	}

	ret = prepare(ctx, p, &report_fd, scratch, &b);
	if (ret) {
		send_report(report_fd, ret, NULL);
		_exit(1);
	}

	/* From here on fd 2 may be the target's: no logging. */
	log_close();
	keep[0] = report_fd;
	keep[1] = bootstrap_args(b)->exe_fd;
	ret = files_install(ctx, p, scratch, keep, 2);
	if (ret) {
		send_report(report_fd, ret, "cannot put the files on their fds");
		_exit(1);
	}
	bootstrap_enter(b);
}
