# src/restore
liblmig_a_SOURCES += %reldir%/cmd-restore.c
