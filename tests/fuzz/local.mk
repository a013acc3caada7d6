# The image reader's fuzzer: built with clang and run only on request,
# `make fuzz` (FUZZ_SECONDS, default 20), never by make check.
EXTRA_DIST += %reldir%/fuzz-image.c %reldir%/run.sh
FUZZ_SECONDS = 20
fuzz: $(BUILT_SOURCES)
	$(SHELL) $(top_srcdir)/%reldir%/run.sh $(abs_top_builddir) $(FUZZ_SECONDS)
.PHONY: fuzz
