# src/show: `lmig show`, decode a directory of images as text or JSON.
liblmig_a_SOURCES += %reldir%/cmd-show.c %reldir%/show.h
liblmig_a_SOURCES += %reldir%/show-dir.c %reldir%/show-print.c
liblmig_a_SOURCES += %reldir%/pb-walk.c %reldir%/pb-walk.h
liblmig_a_SOURCES += %reldir%/pb-print.h %reldir%/pb-json.c %reldir%/pb-text.c
