# src/image: the image container, the raw pages files, and CRC32C
# (src/crc32c.[ch], shared with transport/).
liblmig_a_SOURCES += %reldir%/image.c %reldir%/image.h %reldir%/pagemap.h %reldir%/mm.h
liblmig_a_SOURCES += %reldir%/pages.c %reldir%/pages.h
liblmig_a_SOURCES += src/crc32c.c src/crc32c.h
