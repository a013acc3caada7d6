# Checkpoint/restore test programs: each X.cr is built from X.c with the
# crtest library and run by run-cr (under subreaper) twice: dump
# --leave-running, and dump + kill + restore.
check_PROGRAMS += %reldir%/subreaper
check_LIBRARIES += %reldir%/libcrtest.a
%canon_reldir%_libcrtest_a_SOURCES = %reldir%/crtest.c %reldir%/crtest.h

CR_TESTS = %reldir%/anon.cr

check_PROGRAMS += $(CR_TESTS)
TESTS += $(CR_TESTS)
%canon_reldir%_anon_cr_SOURCES = %reldir%/anon.c
%canon_reldir%_anon_cr_LDADD = %reldir%/libcrtest.a

TEST_EXTENSIONS += .cr
CR_LOG_COMPILER = $(top_builddir)/%reldir%/subreaper $(SHELL) $(top_srcdir)/%reldir%/run-cr
EXTRA_DIST += %reldir%/run-cr

# The memory workload, dirtying memory while it is dumped and restored.
CR_SCRIPT_TESTS = %reldir%/memdirty.cr
TESTS += $(CR_SCRIPT_TESTS)
EXTRA_DIST += $(CR_SCRIPT_TESTS)

# Threads and process trees (helper "trees").
CR_TESTS += %reldir%/threads.cr
%canon_reldir%_threads_cr_SOURCES = %reldir%/threads.c
%canon_reldir%_threads_cr_LDADD = %reldir%/libcrtest.a -lpthread

# Task state (helper "task"): signals, timers, creds, seccomp, rlimits, prctl, SELinux.
CR_TESTS += %reldir%/signals.cr %reldir%/timers.cr %reldir%/itimers.cr %reldir%/sigaltstack.cr \
	%reldir%/rlimits.cr %reldir%/creds.cr %reldir%/seccomp.cr %reldir%/prctl.cr %reldir%/selinux.cr
%canon_reldir%_signals_cr_SOURCES = %reldir%/signals.c
%canon_reldir%_signals_cr_LDADD = %reldir%/libcrtest.a
%canon_reldir%_timers_cr_SOURCES = %reldir%/timers.c
%canon_reldir%_timers_cr_LDADD = %reldir%/libcrtest.a
%canon_reldir%_itimers_cr_SOURCES = %reldir%/itimers.c
%canon_reldir%_itimers_cr_LDADD = %reldir%/libcrtest.a
%canon_reldir%_sigaltstack_cr_SOURCES = %reldir%/sigaltstack.c
%canon_reldir%_sigaltstack_cr_LDADD = %reldir%/libcrtest.a
%canon_reldir%_rlimits_cr_SOURCES = %reldir%/rlimits.c
%canon_reldir%_rlimits_cr_LDADD = %reldir%/libcrtest.a
%canon_reldir%_creds_cr_SOURCES = %reldir%/creds.c
%canon_reldir%_creds_cr_LDADD = %reldir%/libcrtest.a
%canon_reldir%_seccomp_cr_SOURCES = %reldir%/seccomp.c
%canon_reldir%_seccomp_cr_LDADD = %reldir%/libcrtest.a $(SECCOMP_LIBS)
%canon_reldir%_prctl_cr_SOURCES = %reldir%/prctl.c
%canon_reldir%_prctl_cr_LDADD = %reldir%/libcrtest.a
%canon_reldir%_selinux_cr_SOURCES = %reldir%/selinux.c
%canon_reldir%_selinux_cr_LDADD = %reldir%/libcrtest.a $(SELINUX_LIBS)
check_PROGRAMS += %reldir%/strict
%canon_reldir%_strict_SOURCES = %reldir%/strict.c
TASK_SCRIPT_TESTS = %reldir%/seccomp-strict.sh %reldir%/rlimit-above.sh %reldir%/selinux-enabled.sh
TESTS += $(TASK_SCRIPT_TESTS)
EXTRA_DIST += $(TASK_SCRIPT_TESTS)
CR_TESTS += %reldir%/tree.cr
%canon_reldir%_tree_cr_SOURCES = %reldir%/tree.c
%canon_reldir%_tree_cr_LDADD = %reldir%/libcrtest.a
# Unix sockets (helper "unix"): pairs, listeners, bound datagram sockets, shared ends.
CR_TESTS += %reldir%/unix.cr
%canon_reldir%_unix_cr_SOURCES = %reldir%/unix.c
%canon_reldir%_unix_cr_LDADD = %reldir%/libcrtest.a
# eventfd, signalfd, timerfd, epoll (helper "fdkinds")
CR_TESTS += %reldir%/eventfd.cr %reldir%/signalfd.cr %reldir%/timerfd.cr %reldir%/epoll.cr
%canon_reldir%_eventfd_cr_SOURCES = %reldir%/eventfd.c
%canon_reldir%_eventfd_cr_LDADD = %reldir%/libcrtest.a
%canon_reldir%_signalfd_cr_SOURCES = %reldir%/signalfd.c
%canon_reldir%_signalfd_cr_LDADD = %reldir%/libcrtest.a
%canon_reldir%_timerfd_cr_SOURCES = %reldir%/timerfd.c
%canon_reldir%_timerfd_cr_LDADD = %reldir%/libcrtest.a
%canon_reldir%_epoll_cr_SOURCES = %reldir%/epoll.c
%canon_reldir%_epoll_cr_LDADD = %reldir%/libcrtest.a
FDKINDS_SCRIPT_TESTS = %reldir%/fdkinds-epoll-refuse.sh %reldir%/fdkinds-asyncio.sh
TESTS += $(FDKINDS_SCRIPT_TESTS)
EXTRA_DIST += $(FDKINDS_SCRIPT_TESTS)
# SysV IPC, POSIX queues, shared open files (helper "ipc").
CR_TESTS += %reldir%/sysvshm.cr
%canon_reldir%_sysvshm_cr_SOURCES = %reldir%/sysvshm.c
%canon_reldir%_sysvshm_cr_LDADD = %reldir%/libcrtest.a
CR_TESTS += %reldir%/ipcns.cr
%canon_reldir%_ipcns_cr_SOURCES = %reldir%/ipcns.c
%canon_reldir%_ipcns_cr_LDADD = %reldir%/libcrtest.a
CR_TESTS += %reldir%/mqueue.cr %reldir%/mqueue-ns.cr
%canon_reldir%_mqueue_cr_SOURCES = %reldir%/mqueue.c
%canon_reldir%_mqueue_cr_LDADD = %reldir%/libcrtest.a
%canon_reldir%_mqueue_ns_cr_SOURCES = %reldir%/mqueue.c
%canon_reldir%_mqueue_ns_cr_CPPFLAGS = $(AM_CPPFLAGS) -DOWN_NS
%canon_reldir%_mqueue_ns_cr_LDADD = %reldir%/libcrtest.a
CR_TESTS += %reldir%/shared-fd.cr
%canon_reldir%_shared_fd_cr_SOURCES = %reldir%/shared-fd.c
%canon_reldir%_shared_fd_cr_LDADD = %reldir%/libcrtest.a
IPC_SCRIPT_TESTS = %reldir%/sysvshm-key.sh %reldir%/ipc-precopy.sh %reldir%/mqueue-notify.sh
TESTS += $(IPC_SCRIPT_TESTS)
EXTRA_DIST += $(IPC_SCRIPT_TESTS)
CR_TESTS += %reldir%/eventfd-tree.cr
%canon_reldir%_eventfd_tree_cr_SOURCES = %reldir%/eventfd-tree.c
%canon_reldir%_eventfd_tree_cr_LDADD = %reldir%/libcrtest.a
