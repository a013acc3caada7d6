# src/pageserver: `lmig pageserver`, the destination of a live migration.
liblmig_a_SOURCES += %reldir%/cmd-pageserver.c
liblmig_a_SOURCES += %reldir%/pageserver-opts.c %reldir%/pageserver-opts.h
liblmig_a_SOURCES += %reldir%/pageserver.h %reldir%/session.c %reldir%/images.c
liblmig_a_SOURCES += %reldir%/staging.c %reldir%/staging.h %reldir%/layout.c %reldir%/layout.h
# Fault injection (LMIG_FAULT), read once by the commands that honour it.
liblmig_a_SOURCES += src/fault.c src/fault.h
