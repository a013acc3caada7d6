# src/pageserver
liblmig_a_SOURCES += %reldir%/cmd-pageserver.c
liblmig_a_SOURCES += %reldir%/pageserver-opts.c %reldir%/pageserver-opts.h
