# restorer: the freestanding blob that finishes a restore inside the
# restored process (see src/restore/restorer-args.h). Built with
# BLOB_CFLAGS, linked at 0 with restorer.lds, flattened with objcopy and
# embedded in liblmig.a by src/restore/restorer-blob.S (.incbin).
RESTORER_OBJS = %reldir%/head.o %reldir%/restorer.o %reldir%/string.o
RESTORER_LINK_FLAGS = -nostdlib -static -Wl,--no-dynamic-linker -Wl,--build-id=none \
	-Wl,-z,noexecstack -Wl,-T,$(top_srcdir)/%reldir%/restorer.lds
# -fvisibility=hidden: no GOT indirection for the blob's own symbols.
RESTORER_BLOB_FLAGS = $(BLOB_CFLAGS) -fvisibility=hidden

%reldir%/head.o: %reldir%/head.S
	$(AM_V_CC)$(MKDIR_P) $(@D) && $(CC) $(RESTORER_BLOB_FLAGS) -c -o $@ $<
%reldir%/restorer.o: %reldir%/restorer.c src/restore/restorer-args.h nolibc/syscall.h nolibc/string.h
	$(AM_V_CC)$(MKDIR_P) $(@D) && $(CC) $(RESTORER_BLOB_FLAGS) -c -o $@ $<
%reldir%/string.o: nolibc/string.c nolibc/string.h
	$(AM_V_CC)$(MKDIR_P) $(@D) && $(CC) $(RESTORER_BLOB_FLAGS) -c -o $@ $<
%reldir%/restorer.elf: $(RESTORER_OBJS) %reldir%/restorer.lds
	$(AM_V_CCLD)$(CC) $(RESTORER_BLOB_FLAGS) $(RESTORER_LINK_FLAGS) -o $@ $(RESTORER_OBJS)
%reldir%/restorer.bin: %reldir%/restorer.elf
	$(AM_V_GEN)$(OBJCOPY) -O binary $< $@

# The blob's bytes go into liblmig.a; the .incbin finds them in the build tree.
liblmig_a_SOURCES += src/restore/restorer-blob.S
src/restore/restorer-blob.$(OBJEXT): %reldir%/restorer.bin

CLEANFILES += $(RESTORER_OBJS) %reldir%/restorer.elf %reldir%/restorer.bin
EXTRA_DIST += %reldir%/head.S %reldir%/restorer.c %reldir%/restorer.lds
