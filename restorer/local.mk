# restorer: the freestanding blob that finishes a restore inside the
# restored process (see src/restore/restorer-args.h). Built with
# BLOB_CFLAGS, linked at 0 with restorer.lds, flattened with objcopy and
# embedded in liblmig.a by src/restore/restorer-blob.S (.incbin).
# In the order of a shell glob: tests/restore/freestanding.sh relinks "$d"/*.o.
RESTORER_OBJS = %reldir%/creds.o %reldir%/head.o %reldir%/restorer.o %reldir%/seccomp.o \
	%reldir%/string.o %reldir%/task-state.o
RESTORER_LINK_FLAGS = -nostdlib -static -Wl,--no-dynamic-linker -Wl,--build-id=none \
	-Wl,-z,noexecstack -Wl,-T,$(top_srcdir)/%reldir%/restorer.lds
# -fvisibility=hidden: no GOT indirection for the blob's own symbols.
RESTORER_BLOB_FLAGS = $(BLOB_CFLAGS) -fvisibility=hidden

%reldir%/head.o: %reldir%/head.S
	$(AM_V_CC)$(MKDIR_P) $(@D) && $(CC) $(RESTORER_BLOB_FLAGS) -c -o $@ $<
%reldir%/restorer.o: %reldir%/restorer.c src/restore/restorer-args.h src/restore/restorer-task.h \
	%reldir%/task-state.h nolibc/syscall.h nolibc/string.h
	$(AM_V_CC)$(MKDIR_P) $(@D) && $(CC) $(RESTORER_BLOB_FLAGS) -c -o $@ $<
# Task state (src/restore/restorer-task.h): one object per kind.
RESTORER_TASK_DEPS = %reldir%/task-state.h src/restore/restorer-args.h \
	src/restore/restorer-task.h nolibc/syscall.h
%reldir%/task-state.o: %reldir%/task-state.c $(RESTORER_TASK_DEPS) src/compat.h
	$(AM_V_CC)$(MKDIR_P) $(@D) && $(CC) $(RESTORER_BLOB_FLAGS) -c -o $@ $<
%reldir%/creds.o: %reldir%/creds.c $(RESTORER_TASK_DEPS)
	$(AM_V_CC)$(MKDIR_P) $(@D) && $(CC) $(RESTORER_BLOB_FLAGS) -c -o $@ $<
%reldir%/seccomp.o: %reldir%/seccomp.c $(RESTORER_TASK_DEPS)
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
EXTRA_DIST += %reldir%/head.S %reldir%/restorer.c %reldir%/restorer.lds \
	%reldir%/task-state.h %reldir%/task-state.c %reldir%/creds.c %reldir%/seccomp.c
