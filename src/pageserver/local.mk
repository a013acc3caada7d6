# src/pageserver
liblmig_a_SOURCES += %reldir%/cmd-pageserver.c
