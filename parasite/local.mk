# parasite: the freestanding blob run inside a seized target
# (parasite-proto.h is the protocol), and its driver on lmig's side,
# src/dump/infect*.c, listed here so that the two change together.
#
# The blob is compiled with BLOB_CFLAGS (never CFLAGS: no sanitizers),
# linked by parasite.lds into one read+exec segment, flattened with
# objcopy and embedded by blob.S with .incbin. --emit-relocs keeps the
# link's relocations in parasite.elf so that tests/parasite/freestanding.sh
# can prove they are all PC-relative.
PARASITE_BLOB_OBJS = %reldir%/head.blob.o %reldir%/parasite.blob.o \
	%reldir%/nolibc-string.blob.o
PARASITE_BLOB_HDRS = $(srcdir)/%reldir%/parasite-proto.h \
	$(srcdir)/nolibc/syscall.h $(srcdir)/nolibc/string.h $(srcdir)/src/compat.h

%reldir%/head.blob.o: $(srcdir)/%reldir%/head.S
	$(AM_V_CPPAS)$(MKDIR_P) %reldir% && \
	$(CC) $(BLOB_CFLAGS) -c -o $@ $(srcdir)/%reldir%/head.S
%reldir%/parasite.blob.o: $(srcdir)/%reldir%/parasite.c $(PARASITE_BLOB_HDRS)
	$(AM_V_CC)$(MKDIR_P) %reldir% && \
	$(CC) $(BLOB_CFLAGS) -c -o $@ $(srcdir)/%reldir%/parasite.c
# GCC may turn the byte loops of memcpy/memset into calls to themselves.
%reldir%/nolibc-string.blob.o: $(srcdir)/nolibc/string.c $(srcdir)/nolibc/string.h
	$(AM_V_CC)$(MKDIR_P) %reldir% && \
	$(CC) $(BLOB_CFLAGS) -fno-tree-loop-distribute-patterns -c -o $@ $(srcdir)/nolibc/string.c
%reldir%/parasite.elf: $(PARASITE_BLOB_OBJS) $(srcdir)/%reldir%/parasite.lds
	$(AM_V_CCLD)$(CC) $(BLOB_CFLAGS) -static -Wl,-T,$(srcdir)/%reldir%/parasite.lds \
	-Wl,--emit-relocs -Wl,--build-id=none -Wl,--no-undefined -o $@ $(PARASITE_BLOB_OBJS)
%reldir%/parasite.bin: %reldir%/parasite.elf
	$(AM_V_GEN)$(OBJCOPY) -O binary %reldir%/parasite.elf $@
%reldir%/blob.$(OBJEXT): %reldir%/parasite.bin

liblmig_a_SOURCES += %reldir%/blob.S %reldir%/parasite-proto.h \
	src/dump/infect.c src/dump/infect.h src/dump/infect-thread.c src/dump/infect-thread.h
CLEANFILES += $(PARASITE_BLOB_OBJS) %reldir%/parasite.elf %reldir%/parasite.bin
EXTRA_DIST += %reldir%/head.S %reldir%/parasite.c %reldir%/parasite.lds
