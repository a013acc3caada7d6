# src/dump
liblmig_a_SOURCES += %reldir%/cmd-dump.c
liblmig_a_SOURCES += %reldir%/cmd-precopy.c
liblmig_a_SOURCES += %reldir%/precopy-opts.c %reldir%/precopy-opts.h
