/* The /proc parsers of src/dump/proc.c on odd input, and `lmig dump` option parsing. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "mm.pb-c.h"
#include "dump/dump.h"
#include "dump/proc.h"
#include "dump/vma.h"
#include "image/mm.h"
#include "../lib/unit.h"


static void test_maps(void)
{
	struct proc_vma v;
	char longline[PATH_MAX + 200];

	CHECK(proc_parse_maps_line("55d0c8a00000-55d0c8a21000 rw-p 00000000 00:00 0                          [heap]", &v) == 0);
	CHECK(v.start == 0x55d0c8a00000 && v.end == 0x55d0c8a21000);
	CHECK(v.prot == (PROT_READ | PROT_WRITE) && !v.shared && strcmp(v.path, "[heap]") == 0);

	CHECK(proc_parse_maps_line("7f0000000000-7f0000002000 r-xs 0001a000 fe:01 123456   /tmp/a file with spaces (deleted)", &v) == 0);
	CHECK(v.prot == (PROT_READ | PROT_EXEC) && v.shared && v.pgoff == 0x1a000);
	CHECK(v.dev_major == 0xfe && v.dev_minor == 1 && v.ino == 123456);
	CHECK(v.deleted && strcmp(v.path, "/tmp/a file with spaces") == 0);

	CHECK(proc_parse_maps_line("7f0000000000-7f0000002000 ---p 00000000 00:00 0 ", &v) == 0);
	CHECK(v.prot == 0 && v.path[0] == '\0' && !v.deleted);
	/* Not deleted: the suffix alone, or inside the name. */
	CHECK(proc_parse_maps_line("1000-2000 r--p 00000000 08:01 5 /x (deleted) y", &v) == 0);
	CHECK(!v.deleted && strcmp(v.path, "/x (deleted) y") == 0);

	/* smaps key lines, garbage and truncated lines are not headers. */
	CHECK(proc_parse_maps_line("Rss:                   4 kB", &v) < 0);
	CHECK(proc_parse_maps_line("VmFlags: rd wr mr mw me ac sd", &v) < 0);
	CHECK(proc_parse_maps_line("", &v) < 0);
	CHECK(proc_parse_maps_line("1000-", &v) < 0);
	CHECK(proc_parse_maps_line("1000-2000 rw", &v) < 0);
	CHECK(proc_parse_maps_line("1000-2000 rwxq 0 0:0 0", &v) < 0);
	CHECK(proc_parse_maps_line("2000-1000 rw-p 00000000 00:00 0", &v) < 0);
	CHECK(proc_parse_maps_line("1000-2000 rw-p 00000000 00:00", &v) < 0);
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline, "1000-2000 rw-p 00000000 00:00 0 /", 33);
	CHECK(proc_parse_maps_line(longline, &v) == -ENAMETOOLONG);

	CHECK(proc_parse_vmflags("VmFlags: rd wr mr mw me gd ac dc dd nh") ==
	      (PVF_GROWSDOWN | PVF_DONTFORK | PVF_DONTDUMP | PVF_NOHUGEPAGE));
	CHECK(proc_parse_vmflags("VmFlags: rd io pf") == (PVF_IO | PVF_PFNMAP));
	CHECK(proc_parse_vmflags("VmFlags:") == 0);
	CHECK(proc_parse_vmflags("VmFlags: xyz gdx g") == 0);
}

static void test_classify(void)
{
	struct proc_vma v;
	VmaEntry e;
	const char *why;

	proc_parse_maps_line("1000-3000 rw-s 00000000 00:01 77 /dev/zero (deleted)", &v);
	vma_entry__init(&e);
	CHECK(vma_classify(&v, &e, &why) == 0 && e.kind == VMA_KIND__VMA_ANON_SHARED);
	CHECK(e.flags == (MAP_SHARED | MAP_ANONYMOUS) && e.shmid == 77);

	proc_parse_maps_line("1000-3000 rw-p 00000000 00:00 0 [stack]", &v);
	v.vmflags = PVF_GROWSDOWN | PVF_HUGEPAGE;
	vma_entry__init(&e);
	CHECK(vma_classify(&v, &e, &why) == 0 && e.kind == VMA_KIND__VMA_STACK);
	CHECK(e.flags == (MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN) && e.growsdown);
	CHECK(e.has_madv && e.madv == VMA_MADV(MADV_HUGEPAGE));

	proc_parse_maps_line("1000-3000 r--p 00000000 00:00 0 [vvar]", &v);
	v.vmflags = PVF_IO | PVF_PFNMAP;
	vma_entry__init(&e);
	CHECK(vma_classify(&v, &e, &why) == 0 && e.kind == VMA_KIND__VMA_VVAR);
	CHECK(vma_kind_is_special(e.kind));

	proc_parse_maps_line("1000-3000 rw-s 00000000 00:05 9 /dev/fb0", &v);
	v.vmflags = PVF_IO | PVF_PFNMAP;
	vma_entry__init(&e);
	CHECK(vma_classify(&v, &e, &why) == -ENOTSUP && why);

	proc_parse_maps_line("1000-3000 rw-s 00000000 00:01 32769 /SYSV00000000 (deleted)", &v);
	vma_entry__init(&e);
	CHECK(vma_classify(&v, &e, &why) == 0 && e.kind == VMA_KIND__VMA_SYSV_SHM && e.shmid == 32769);

	proc_parse_maps_line("1000-3000 r-xp 00002000 08:01 42 /usr/lib/libc.so.6", &v);
	vma_entry__init(&e);
	CHECK(vma_classify(&v, &e, &why) == 0 && e.kind == VMA_KIND__VMA_FILE_PRIVATE);
	CHECK(e.pgoff == 0x2000 && strcmp(e.path, "/usr/lib/libc.so.6") == 0 && e.ino == 42);
	CHECK(e.flags == MAP_PRIVATE && !e.file_deleted);

	proc_parse_maps_line("1000-3000 rw-p 00000000 00:00 0 [some_new_thing]", &v);
	vma_entry__init(&e);
	CHECK(vma_classify(&v, &e, &why) == -ENOTSUP);
}

static void test_stat(void)
{
	struct proc_stat st;
	char text[2048];

	/* comm with spaces and ')' */
	snprintf(text, sizeof(text), "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 -5 3 0 "
		 "100 1000 10 18446744073709551615 4096 8192 140000000 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 "
		 "12288 16384 20480 24576 28672 32768 36864 0\n");
	CHECK(proc_parse_stat(text, &st) == 0);
	CHECK(strcmp(st.comm, "a) b (c)") == 0 && st.state == 'S');
	CHECK(st.ppid == 1 && st.pgid == 42 && st.sid == 42 && st.nice == -5 && st.num_threads == 3);
	CHECK(st.start_code == 4096 && st.end_code == 8192 && st.start_stack == 140000000);
	CHECK(st.start_data == 12288 && st.end_data == 16384 && st.start_brk == 20480);
	CHECK(st.arg_start == 24576 && st.env_end == 36864 && st.exit_code == 0);
	CHECK(proc_parse_stat("42 (x S 1", &st) < 0);
	CHECK(proc_parse_stat("42 (x) S 1 2 3", &st) < 0);
	CHECK(proc_parse_stat("", &st) < 0);
	CHECK(proc_read_stat(getpid(), 0, &st) == 0 && st.state == 'R' && st.ppid == getppid());
}

static void test_status(void)
{
	struct proc_status st;
	const char *text =
		"Name:\tcat\nUmask:\t0022\nState:\tR (running)\n"
		"Uid:\t1000\t1001\t1002\t1003\nGid:\t10\t11\t12\t13\n"
		"Groups:\t4 24 27 \nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
		"CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000001\n"
		"NoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\nTHP_enabled:\t0\nweird line\n:\n";

	CHECK(proc_parse_status(text, &st) == 0);
	CHECK(st.uid[0] == 1000 && st.uid[3] == 1003 && st.gid[1] == 11);
	CHECK(st.nr_groups == 3 && st.groups[2] == 27);
	CHECK(st.cap_prm == 0x1ffffffffffULL && st.cap_amb == 1 && st.cap_inh == 0);
	CHECK(st.no_new_privs == 1 && st.seccomp == 2 && st.thp_enabled == 0);
	CHECK(proc_parse_status("Uid:\t1\t2\n", &st) < 0);
	CHECK(proc_parse_status("Uid:\tx\nGid:\t1 2 3 4\nCapEff:\t0\n", &st) < 0);
}

static void test_limits(void)
{
	struct proc_limits l;
	const char *text =
		"Limit                     Soft Limit           Hard Limit           Units     \n"
		"Max cpu time              unlimited            unlimited            seconds   \n"
		"Max stack size            8388608              unlimited            bytes     \n"
		"Max open files            1024                 524288               files     \n"
		"Max realtime timeout      unlimited            unlimited            us        \n"
		"Max something new         5                    6                    things    \n";

	CHECK(proc_parse_limits(text, &l) == 0);
	CHECK(l.have[RLIMIT_CPU] && l.lim[RLIMIT_CPU].rlim_cur == RLIM_INFINITY);
	CHECK(l.lim[RLIMIT_STACK].rlim_cur == 8388608 && l.lim[RLIMIT_STACK].rlim_max == RLIM_INFINITY);
	CHECK(l.lim[RLIMIT_NOFILE].rlim_cur == 1024 && l.lim[RLIMIT_NOFILE].rlim_max == 524288);
	CHECK(l.have[RLIMIT_RTTIME] && !l.have[RLIMIT_AS]);
	CHECK(proc_parse_limits("Max open files            lots   5\n", &l) < 0);
	CHECK(proc_parse_limits("nothing here\n", &l) < 0);
	CHECK(proc_read_limits(getpid(), &l) == 0);
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		struct rlimit rl;

		getrlimit(r, &rl);
		CHECK(l.have[r] && l.lim[r].rlim_cur == rl.rlim_cur && l.lim[r].rlim_max == rl.rlim_max);
	}
}

static void test_fdinfo(void)
{
	struct proc_fdinfo fi;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	char buf[16];

	CHECK(proc_parse_fdinfo("pos:\t17\nflags:\t02100002\nmnt_id:\t25\nino:\t99\n", &fi) == 0);
	CHECK(fi.pos == 17 && fi.flags == 02100002 && fi.mnt_id == 25 && fi.ino == 99);
	CHECK(proc_parse_fdinfo("flags:\t0\n", &fi) < 0);
	CHECK(read(fd, buf, sizeof(buf)) == sizeof(buf));
	CHECK(proc_read_fdinfo(getpid(), fd, &fi) == 0 && fi.pos == sizeof(buf) && (fi.flags & O_CLOEXEC));
	close(fd);
}

static void test_timers(void)
{
	struct proc_timer *t;
	size_t n;
	const char *text =
		"ID: 0\nsignal: 14/00000000deadbeef\nnotify: signal/pid.42\nClockID: 1\n"
		"ID: 7\nsignal: 10/0000000000000000\nnotify: signal/tid.43\nClockID: 0\n"
		"ID: 9\nsignal: 0/0000000000000000\nnotify: none/pid.42\nClockID: 7\n";

	CHECK(proc_parse_timers(text, &t, &n) == 0 && n == 3);
	if (n == 3) {
		CHECK(t[0].id == 0 && t[0].signo == 14 && t[0].sival == 0xdeadbeef);
		CHECK(t[0].notify == SIGEV_SIGNAL && t[0].notify_pid == 42 && t[0].clock_id == 1);
		CHECK(t[1].id == 7 && t[1].notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID) && t[1].notify_pid == 43);
		CHECK(t[2].notify == SIGEV_NONE && t[2].clock_id == 7);
	}
	free(t);
	CHECK(proc_parse_timers("", &t, &n) == 0 && n == 0 && !t);
	CHECK(proc_parse_timers("ID: 1\nsignal: 14/0\n", &t, &n) < 0);
	CHECK(proc_parse_timers("garbage\nnotify: x/y.1\n", &t, &n) == 0 && n == 0);
}

static void test_smaps_self(void)
{
	struct proc_vmas vmas;
	bool heap = false, stack = false, gd = false;

	CHECK(proc_read_smaps(getpid(), &vmas) == 0 && vmas.nr > 5);
	for (size_t i = 0; i < vmas.nr; i++) {
		const struct proc_vma *v = &vmas.v[i];

		heap |= strcmp(v->path, "[heap]") == 0;
		if (strcmp(v->path, "[stack]") == 0) {
			stack = true;
			gd = v->vmflags & PVF_GROWSDOWN;
		}
		CHECK(i == 0 || v->start >= vmas.v[i - 1].end);
	}
	CHECK(stack && gd);
	(void)heap;	/* a static binary may have no heap yet */
	proc_vmas_free(&vmas);
}

static void test_opts(void)
{
	struct dump_opts o;

	{
		char *argv[] = { "dump", "--pid", "42", "-D", "/tmp/x", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &o) == 0);
		CHECK(o.pid == 42 && strcmp(o.images_dir, "/tmp/x") == 0 && !o.leave_running);
	}
	{
		char *argv[] = { "dump", "-t", "7", "--images-dir=/d", "--leave-running", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &o) == 0);
		CHECK(o.pid == 7 && strcmp(o.images_dir, "/d") == 0 && o.leave_running);
	}
	{
		char *argv[] = { "dump", "--help", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &o) == 0 && o.help);
	}
	{
		char *argv[] = { "dump", "--pid", "42", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "dump", "-D", "/d", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "dump", "--pid", "x42", "-D", "/d", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "dump", "--pid", "42", "-D", "/d", "extra", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "dump", "--pid", "42", "-D", "/d", "--bogus", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &o) < 0);
	}
	{
		char *argv[] = { "dump", "--pid", NULL };

		CHECK(dump_parse_opts(ARGC(argv), argv, &o) < 0);
	}
}

int main(void)
{
	log_set_level(LOG_QUIET);
	test_maps();
	test_classify();
	test_stat();
	test_status();
	test_limits();
	test_fdinfo();
	test_timers();
	test_smaps_self();
	test_opts();
	return unit_result();
}
