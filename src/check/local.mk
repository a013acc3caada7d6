# src/check
liblmig_a_SOURCES += %reldir%/cmd-check.c
