# src/dump
liblmig_a_SOURCES += %reldir%/cmd-dump.c
liblmig_a_SOURCES += %reldir%/cmd-precopy.c
liblmig_a_SOURCES += %reldir%/precopy-opts.c %reldir%/precopy-opts.h
liblmig_a_SOURCES += %reldir%/precopy.h %reldir%/precopy.c %reldir%/precopy-areas.c \
	%reldir%/precopy-send.c %reldir%/precopy-throttle.c %reldir%/precopy-stats.c
liblmig_a_SOURCES += %reldir%/dump.h %reldir%/dump.c %reldir%/dump-opts.c \
	%reldir%/seize.c %reldir%/seize.h %reldir%/proc.c %reldir%/proc.h \
	%reldir%/pstree.c %reldir%/files.c %reldir%/core.c %reldir%/task.c \
	%reldir%/mm.c %reldir%/vma.c %reldir%/vma.h %reldir%/mem.c %reldir%/inventory.c \
	%reldir%/parasite-state.c %reldir%/parasite-state.h
liblmig_a_SOURCES += %reldir%/tracker.c %reldir%/tracker.h %reldir%/tracker-backend.h %reldir%/tracker-uffd.c %reldir%/tracker-softdirty.c
liblmig_a_SOURCES += %reldir%/sk-inet.c %reldir%/sk-inet.h
liblmig_a_SOURCES += %reldir%/sk-unix.c %reldir%/sk-unix.h %reldir%/sk-unix-diag.c %reldir%/sk-unix-diag.h
liblmig_a_SOURCES += %reldir%/fd-event.c %reldir%/fd-event.h %reldir%/fd-epoll.c %reldir%/fd-epoll.h
liblmig_a_SOURCES += %reldir%/ipc.c %reldir%/ipc.h
liblmig_a_SOURCES += %reldir%/pagescan.c %reldir%/pagescan.h
liblmig_a_SOURCES += %reldir%/mqueue.c %reldir%/mqueue.h
liblmig_a_SOURCES += %reldir%/tty.c %reldir%/tty.h
liblmig_a_SOURCES += %reldir%/file-share.c %reldir%/file-share.h
liblmig_a_SOURCES += %reldir%/precopy-tree.c
liblmig_a_SOURCES += %reldir%/sk-unix-queue.c %reldir%/sk-unix-queue.h
