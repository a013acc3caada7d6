#include <errno.h>
#include <string.h>

#include "crc32c.h"
#include "image/pages.h"
#include "img-sample.h"

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "inventory.pb-c.h"
#include "ipc.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"
#include "task.pb-c.h"

#define MSG(desc) PROTOBUF_C_MESSAGE_INIT(&desc)
#define BYTES(a) { sizeof(a), (uint8_t *)(a) }

static uint8_t bytes128[128] = { 0x11, 0x00, 0xff, 0x7f, 0x80, [127] = 0xab };
static uint8_t bytes3[3] = { 0xfb, 0xff, 0x00 };	/* base64 "+/8A" */

/* ---- inventory ---- */
static char *features[] = { "xsave", "rseq", "uffd-wp" };
static InventoryEntry inventory = {
	MSG(inventory_entry__descriptor),
	.format_version = IMG_FORMAT_VERSION, .arch = "x86_64", .page_size = 4096,
	.n_features = 3, .features = features, .root_pid = SAMPLE_PID,
	.lmig_version = "0.1.0", .has_dump_time_ns = 1, .dump_time_ns = 1800000000123456789ull,
	/* quote, backslash, newline, tab, control byte, UTF-8 and a stray byte */
	.hostname = "h\"o\\s\nt\t\x01-\xc3\xa9-\xff",
	.has_xsave_size = 1, .xsave_size = 2696, .has_xfeatures = 1, .xfeatures = 0x2e7,
};

/* ---- pstree ---- */
static uint32_t threads_root[] = { SAMPLE_PID, SAMPLE_TID2 };
static uint32_t threads_child[] = { SAMPLE_CHILD };
static PstreeEntry pstree_root = {
	MSG(pstree_entry__descriptor),
	.pid = SAMPLE_PID, .ppid = 0, .pgid = SAMPLE_PID, .sid = SAMPLE_PID,
	.n_threads = 2, .threads = threads_root,
	.has_zombie = 1, .zombie = 0, .has_exit_code = 1, .exit_code = -1,
};
static PstreeEntry pstree_child = {
	MSG(pstree_entry__descriptor),
	.pid = SAMPLE_CHILD, .ppid = SAMPLE_PID, .pgid = SAMPLE_PID, .sid = SAMPLE_PID,
	.n_threads = 1, .threads = threads_child,
};

/* ---- core ---- */
static X86Regs regs = {
	MSG(x86_regs__descriptor),
	.r15 = 15, .r14 = 14, .r13 = 13, .r12 = 12, .bp = 0x7ffd00001000, .bx = 6,
	.r11 = 0x246, .r10 = 10, .r9 = 9, .r8 = 8, .ax = UINT64_MAX, .cx = 12, .dx = 13,
	.si = 14, .di = 15, .orig_ax = 230, .ip = 0x401000, .cs = 0x33, .flags = 0x246,
	.sp = 0x7ffd00000ff8, .ss = 0x2b, .fs_base = 0x7f0000001000, .gs_base = 0,
	.ds = 0, .es = 0, .fs = 0, .gs = 0,
};
static RseqEntry rseq = {
	MSG(rseq_entry__descriptor),
	.rseq_abi_pointer = 0x7f0000002000, .rseq_abi_size = 32, .signature = 0x53053053,
	.has_flags = 1, .flags = 0,
};
static SigaltstackEntry sas = {
	MSG(sigaltstack_entry__descriptor), .ss_sp = 0x7f0000100000, .ss_size = 65536, .ss_flags = 0,
};
static SiginfoEntry si1 = { MSG(siginfo_entry__descriptor), .siginfo = BYTES(bytes128) };
static SiginfoEntry si2 = { MSG(siginfo_entry__descriptor), .siginfo = BYTES(bytes3) };
static SiginfoEntry *pending[] = { &si1, &si2 };
static CoreEntry core = {
	MSG(core_entry__descriptor),
	.tid = SAMPLE_PID, .regs = &regs, .has_xsave = 1, .xsave = BYTES(bytes128),
	.has_blocked = 1, .blocked = 1ull << 9, .rseq = &rseq,
	.has_robust_list = 1, .robust_list = 0x7f0000003000,
	.has_robust_list_len = 1, .robust_list_len = 24,
	.has_clear_child_tid = 1, .clear_child_tid = 0x7f0000004000,
	.n_pending = 2, .pending = pending, .sigaltstack = &sas,
	.has_sched_policy = 1, .sched_policy = 0, .has_sched_priority = 1, .sched_priority = 0,
	.has_nice = 1, .nice = -5, .comm = "worker",
	.has_syscall_nr = 1, .syscall_nr = -1, .has_syscall_ret = 1, .syscall_ret = -4,
};

/* ---- task ---- */
static SigactionEntry sa1 = {
	MSG(sigaction_entry__descriptor), .sig = 10, .handler = 0x401200, .flags = 0x4000000,
	.restorer = 0x401300, .mask = 0,
};
static SigactionEntry sa2 = {
	MSG(sigaction_entry__descriptor), .sig = 15, .handler = 1, .flags = 0, .restorer = 0, .mask = ~0ull,
};
static SigactionEntry *sigactions[] = { &sa1, &sa2 };
static ItimerEntry it = { MSG(itimer_entry__descriptor), .which = 0, .interval_us = 1000, .value_us = 500 };
static ItimerEntry *itimers[] = { &it };
static PosixTimerEntry pt = {
	MSG(posix_timer_entry__descriptor), .id = 0, .clock_id = 1, .notify = 0, .signo = 14,
	.sival = 7, .has_notify_tid = 1, .notify_tid = SAMPLE_PID, .interval_ns = 1000000,
	.value_ns = 250000, .has_overrun = 1, .overrun = 2,
};
static PosixTimerEntry *posix_timers[] = { &pt };
static RlimitEntry rl = { MSG(rlimit_entry__descriptor), .resource = 7, .cur = 1024, .max = UINT64_MAX };
static RlimitEntry *rlimits[] = { &rl };
static uint32_t groups[] = { 0, 27, 100 };
static CredsEntry creds = {
	MSG(creds_entry__descriptor), .uid = 1000, .euid = 1000, .suid = 1000, .fsuid = 1000,
	.gid = 1000, .egid = 1000, .sgid = 1000, .fsgid = 1000, .n_groups = 3, .groups = groups,
	.cap_inh = 0, .cap_prm = 0x1ffffffffff, .cap_eff = 0x1ffffffffff, .cap_bnd = 0x1ffffffffff,
	.has_cap_amb = 1, .cap_amb = 0, .has_securebits = 1, .securebits = 0,
};
static SeccompFilterEntry seccomp = {
	MSG(seccomp_filter_entry__descriptor), .filter = BYTES(bytes3), .has_flags = 1, .flags = 1,
};
static SeccompFilterEntry *seccomps[] = { &seccomp };
static ProtobufCBinaryData shared_pending[] = { BYTES(bytes128) };
static TaskEntry task = {
	MSG(task_entry__descriptor),
	.pid = SAMPLE_PID, .n_sigactions = 2, .sigactions = sigactions,
	.n_itimers = 1, .itimers = itimers, .n_posix_timers = 1, .posix_timers = posix_timers,
	.has_personality = 1, .personality = 0, .has_umask = 1, .umask = 022,
	.n_rlimits = 1, .rlimits = rlimits, .creds = &creds,
	.has_no_new_privs = 1, .no_new_privs = 1, .has_pdeath_sig = 1, .pdeath_sig = 9,
	.has_dumpable = 1, .dumpable = 1, .has_child_subreaper = 1, .child_subreaper = 0,
	.cwd = "/srv/app", .root = "/", .n_seccomp = 1, .seccomp = seccomps,
	.selinux_label = "unconfined", .n_shared_pending = 1, .shared_pending = shared_pending,
	.comm = "app", .has_timerslack_ns = 1, .timerslack_ns = 50000,
};

/* ---- mm ---- */
static VmaEntry vma_text = {
	MSG(vma_entry__descriptor), .start = 0x400000, .end = 0x403000, .prot = 5, .flags = 2,
	.kind = VMA_KIND__VMA_FILE_PRIVATE, .has_pgoff = 1, .pgoff = 0, .path = "/usr/bin/app",
	.has_madv = 1, .madv = 0, .has_growsdown = 1, .growsdown = 0, .has_shmid = 1, .shmid = 0,
	.has_file_deleted = 1, .file_deleted = 0, .has_dev = 1, .dev = 0x801, .has_ino = 1, .ino = 1234,
	.name = "",
};
static VmaEntry vma_stack = {
	MSG(vma_entry__descriptor), .start = 0x7f0000000000, .end = 0x7f0000001000, .prot = 3,
	.flags = 0x22, .kind = VMA_KIND__VMA_STACK, .has_growsdown = 1, .growsdown = 1, .name = "[stack]",
};
static VmaEntry *vmas[] = { &vma_text, &vma_stack };
static uint64_t auxv[] = { 33, 0x7ffd00010000, 0, 0 };
static MmEntry mm = {
	MSG(mm_entry__descriptor),
	.start_code = 0x400000, .end_code = 0x401000, .start_data = 0x402000, .end_data = 0x403000,
	.start_brk = 0x500000, .brk = 0x521000, .start_stack = 0x7ffd00000000,
	.arg_start = 0x7ffd00000100, .arg_end = 0x7ffd00000200, .env_start = 0x7ffd00000200,
	.env_end = 0x7ffd00000300, .n_auxv = 4, .auxv = auxv, .exe_path = "/usr/bin/app",
	.n_vmas = 2, .vmas = vmas, .has_thp_disabled = 1, .thp_disabled = 0,
};

/* ---- pagemap: data (2 pages), zero (1), data (1) ---- */
static PagemapEntry pm_data1 = {
	MSG(pagemap_entry__descriptor), .vaddr = 0x400000, .nr_pages = 2,
	.has_flags = 1, .flags = 0, .has_crc32c = 1, .crc32c = 0,	/* set by sample_write_dir */
};
static PagemapEntry pm_zero = {
	MSG(pagemap_entry__descriptor), .vaddr = 0x402000, .nr_pages = 1, .has_flags = 1, .flags = PE_ZERO,
};
static PagemapEntry pm_data2 = {
	MSG(pagemap_entry__descriptor), .vaddr = 0x7f0000000000, .nr_pages = 1,
};

/* ---- fdinfo and files ---- */
static FdinfoEntry fdi = { MSG(fdinfo_entry__descriptor), .fd = 3, .id = 1, .has_cloexec = 1, .cloexec = 1 };
static RegFileEntry reg = {
	MSG(reg_file_entry__descriptor), .path = "/tmp/a file \"quoted\"", .flags = 02, .pos = 42,
	.has_mode = 1, .mode = 0100644, .has_size = 1, .size = 3, .has_content = 1, .content = BYTES(bytes3),
	.has_unlinked = 1, .unlinked = 1,
};
static PipeEntry pipe_e = {
	MSG(pipe_entry__descriptor), .pipe_id = 777, .write_end = 0, .flags = 0,
	.has_data = 1, .data = { 0, NULL },
};
static EventfdEntry efd = { MSG(eventfd_entry__descriptor), .counter = 5, .flags = 0x80000 };
static EpollTfdEntry tfd1 = { MSG(epoll_tfd_entry__descriptor), .tfd = 3, .events = 1, .data = 3 };
static EpollTfdEntry tfd2 = { MSG(epoll_tfd_entry__descriptor), .tfd = 4, .events = 5, .data = UINT64_MAX };
static EpollTfdEntry *tfds[] = { &tfd1, &tfd2 };
static EpollEntry epoll = { MSG(epoll_entry__descriptor), .flags = 0, .n_tfds = 2, .tfds = tfds };
static SignalfdEntry sfd = { MSG(signalfd_entry__descriptor), .sigmask = 1u << 16, .flags = 0 };
static TimerfdEntry tmfd = {
	MSG(timerfd_entry__descriptor), .clockid = 1, .flags = 0, .interval_ns = 1, .value_ns = 2,
	.has_ticks = 1, .ticks = 3, .has_settime_flags = 1, .settime_flags = 0,
};
static ProtobufCBinaryData queue[] = { BYTES(bytes3), { 0, NULL } };
static UnixSkEntry usk = {
	MSG(unix_sk_entry__descriptor), .ino = 999, .type = 1, .state = 1, .has_peer_ino = 1,
	.peer_ino = 998, .has_name = 1, .name = { 4, (uint8_t *)"\0abc" }, .has_backlog = 1,
	.backlog = 128, .n_queue = 2, .queue = queue, .has_flags = 1, .flags = 0,
	.has_shutdown = 1, .shutdown = 0,
};
/* Every sub-message at once: the schema allows it and the printers must cope. */
static FileEntry file_all = {
	MSG(file_entry__descriptor), .id = 1, .kind = FD_KIND__FD_REG, .reg = &reg, .pipe = &pipe_e,
	.eventfd = &efd, .epoll = &epoll, .signalfd = &sfd, .timerfd = &tmfd, .unix_sk = &usk,
};
static FileEntry file_pipe = { MSG(file_entry__descriptor), .id = 2, .kind = FD_KIND__FD_PIPE, .pipe = &pipe_e };

/* ---- ipc ---- */
static IpcPermEntry ipc_perm = {
	MSG(ipc_perm_entry__descriptor), .key = 0x1234, .id = 32769, .uid = 1000, .gid = 1000,
	.cuid = 0, .cgid = 0, .mode = 01600,
};
static SysvShmEntry ipc_shm = { MSG(sysv_shm_entry__descriptor), .perm = &ipc_perm, .size = 10000 };
static IpcEntry ipc_e = { MSG(ipc_entry__descriptor), .shm = &ipc_shm };

const ProtobufCMessage *sample_msg(enum img_type type)
{
	switch (type) {
	case IMG_INVENTORY:	return &inventory.base;
	case IMG_PSTREE:	return &pstree_root.base;
	case IMG_CORE:		return &core.base;
	case IMG_TASK:		return &task.base;
	case IMG_MM:		return &mm.base;
	case IMG_PAGEMAP:	return &pm_data1.base;
	case IMG_FDINFO:	return &fdi.base;
	case IMG_FILES:		return &file_all.base;
	case IMG_IPC:		return &ipc_e.base;
	default:		return NULL;
	}
}

void sample_page_data(uint8_t *buf)
{
	for (size_t i = 0; i < SAMPLE_PAGES_BYTES; i++)
		buf[i] = (uint8_t)(i * 7 + i / 4096);
}

static int write_many(int dirfd, enum img_type type, uint32_t id, const ProtobufCMessage *const *msgs, size_t n)
{
	struct img *img;
	int rc;

	rc = img_open_write(dirfd, type, id, &img);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = img_write_msg(img, msgs[i]);
	if (rc < 0) {
		img_close(img);
		return rc;
	}
	return img_close(img);
}

int sample_write_dir(int dirfd)
{
	uint8_t data[SAMPLE_PAGES_BYTES];
	struct pages_file *pf;
	PagemapEntry d1 = pm_data1, d2 = pm_data2, z2 = pm_zero;
	const ProtobufCMessage *pstree[] = { &pstree_root.base, &pstree_child.base };
	const ProtobufCMessage *files[] = { &file_all.base, &file_pipe.base };
	const ProtobufCMessage *pm_root[] = { &d1.base, &pm_zero.base, &d2.base };
	const ProtobufCMessage *pm_child[] = { &z2.base };
	const ProtobufCMessage *fds[] = { &fdi.base, &fdi.base };
	CoreEntry core2 = core, core3 = core;
	TaskEntry task2 = task;
	int rc;

	sample_page_data(data);
	d1.crc32c = crc32c(0, data, 2 * 4096);
	d2.has_crc32c = 1;
	d2.crc32c = crc32c(0, data + 2 * 4096, 4096);
	z2.vaddr = 0x10000;
	z2.nr_pages = 16;
	core2.tid = SAMPLE_TID2;
	core3.tid = SAMPLE_CHILD;
	task2.pid = SAMPLE_CHILD;

	if ((rc = img_write_one(dirfd, IMG_INVENTORY, 0, &inventory.base)) < 0 ||
	    (rc = write_many(dirfd, IMG_PSTREE, 0, pstree, 2)) < 0 ||
	    (rc = write_many(dirfd, IMG_FILES, 0, files, 2)) < 0 ||
	    (rc = img_write_one(dirfd, IMG_TASK, SAMPLE_PID, &task.base)) < 0 ||
	    (rc = img_write_one(dirfd, IMG_CORE, SAMPLE_PID, &core.base)) < 0 ||
	    (rc = img_write_one(dirfd, IMG_CORE, SAMPLE_TID2, &core2.base)) < 0 ||
	    (rc = img_write_one(dirfd, IMG_MM, SAMPLE_PID, &mm.base)) < 0 ||
	    (rc = write_many(dirfd, IMG_PAGEMAP, SAMPLE_PID, pm_root, 3)) < 0 ||
	    (rc = write_many(dirfd, IMG_FDINFO, SAMPLE_PID, fds, 2)) < 0 ||
	    (rc = img_write_one(dirfd, IMG_TASK, SAMPLE_CHILD, &task2.base)) < 0 ||
	    (rc = img_write_one(dirfd, IMG_CORE, SAMPLE_CHILD, &core3.base)) < 0 ||
	    (rc = img_write_one(dirfd, IMG_MM, SAMPLE_CHILD, &mm.base)) < 0 ||
	    (rc = write_many(dirfd, IMG_PAGEMAP, SAMPLE_CHILD, pm_child, 1)) < 0 ||
	    (rc = write_many(dirfd, IMG_FDINFO, SAMPLE_CHILD, fds, 0)) < 0)
		return rc;

	rc = pages_open_write(dirfd, SAMPLE_PID, &pf);
	if (rc < 0)
		return rc;
	rc = pages_append(pf, data, 2 * 4096);
	if (rc == 0)
		rc = pages_append(pf, data + 2 * 4096, 4096);
	if (rc < 0) {
		pages_close(pf);
		return rc;
	}
	return pages_close(pf);
}
