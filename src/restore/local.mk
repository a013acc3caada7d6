# src/restore: `lmig restore` (see restore.h for the phases). The
# restorer blob it embeds is built by restorer/local.mk.
liblmig_a_SOURCES += %reldir%/cmd-restore.c %reldir%/restore-opts.c %reldir%/restore.h
liblmig_a_SOURCES += %reldir%/inventory.c %reldir%/pstree.c %reldir%/files.c
liblmig_a_SOURCES += %reldir%/mem.c %reldir%/core.c %reldir%/task.c
liblmig_a_SOURCES += %reldir%/bootstrap.c %reldir%/bootstrap.h
liblmig_a_SOURCES += %reldir%/child.c %reldir%/finish.c
liblmig_a_SOURCES += %reldir%/restorer-args.h %reldir%/restorer-task.h %reldir%/restorer-blob.h
liblmig_a_SOURCES += %reldir%/sk-inet.c %reldir%/sk-inet.h
liblmig_a_SOURCES += %reldir%/tree.c %reldir%/tree.h
liblmig_a_SOURCES += %reldir%/shmem.c %reldir%/shmem.h
liblmig_a_SOURCES += %reldir%/namespaces.c %reldir%/namespaces.h
liblmig_a_SOURCES += %reldir%/sk-unix.c %reldir%/sk-unix.h
liblmig_a_SOURCES += %reldir%/fd-event.c %reldir%/fd-event.h %reldir%/fd-epoll.c %reldir%/fd-epoll.h
liblmig_a_SOURCES += %reldir%/ipc.c %reldir%/ipc.h
liblmig_a_SOURCES += %reldir%/mqueue.c %reldir%/mqueue.h
liblmig_a_SOURCES += %reldir%/tty.c %reldir%/tty.h %reldir%/stdio.c %reldir%/stdio.h
liblmig_a_SOURCES += %reldir%/file-share.c %reldir%/file-share.h
liblmig_a_SOURCES += %reldir%/catch.c %reldir%/catch.h
