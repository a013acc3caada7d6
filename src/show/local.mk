# src/show
liblmig_a_SOURCES += %reldir%/cmd-show.c
