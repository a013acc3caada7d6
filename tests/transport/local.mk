# Transport tests: the codec (pure), then real connections on loopback,
# then transfers between two test hosts (network namespaces, see
# tests/lib/hosts.sh) over each back end.
TRANSPORT_UNIT = %reldir%/frame %reldir%/lz4 %reldir%/auth %reldir%/wire
UNIT_TESTS += $(TRANSPORT_UNIT)
check_PROGRAMS += $(TRANSPORT_UNIT) %reldir%/xfer
%canon_reldir%_frame_LDADD = liblmig.a $(LMIG_LIBS)
%canon_reldir%_lz4_LDADD = %reldir%/libtptest.a liblmig.a $(LMIG_LIBS)
%canon_reldir%_auth_LDADD = %reldir%/libtptest.a liblmig.a $(LMIG_LIBS)
%canon_reldir%_wire_LDADD = %reldir%/libtptest.a liblmig.a $(LMIG_LIBS)
%canon_reldir%_xfer_LDADD = %reldir%/libtptest.a liblmig.a $(LMIG_LIBS)
check_LIBRARIES += %reldir%/libtptest.a
%canon_reldir%_libtptest_a_SOURCES = %reldir%/tptest.c %reldir%/tptest.h

# End to end between two test hosts: tcp and uring, lz4 and auth on/off;
# rdma over soft-RoCE in a VM under Debian's 6.1 kernel (tests/vm/run-in-vm).
TESTS += %reldir%/e2e.sh %reldir%/rdma.sh
EXTRA_DIST += %reldir%/e2e.sh %reldir%/rdma.sh %reldir%/rdma-vm.sh tests/lib/hosts.sh

# The frame decoder's fuzzer: run on request (`make fuzz-frame`), not by
# make check: tests/fuzz/run-frame.sh BUILDDIR [SECONDS].
EXTRA_DIST += tests/fuzz/fuzz-frame.c tests/fuzz/run-frame.sh
fuzz-frame:
	$(SHELL) $(top_srcdir)/tests/fuzz/run-frame.sh $(abs_top_builddir) $(FUZZ_SECONDS)
.PHONY: fuzz-frame
# --tls between two test hosts: refusals, then a migration (tls-certs.sh makes the CA).
TESTS += %reldir%/tls.sh
EXTRA_DIST += %reldir%/tls.sh %reldir%/tls-certs.sh
# --tls with kernel TLS (tcp and uring) under Debian's 6.1 kernel in a VM: this one has no tls ULP.
TESTS += %reldir%/tls-ktls.sh
EXTRA_DIST += %reldir%/tls-ktls.sh %reldir%/tls-ktls-vm.sh
# --tls on loopback: every handshake wait bounded, non-TLS refused, options.
check_PROGRAMS += %reldir%/tls-bounds
%canon_reldir%_tls_bounds_LDADD = %reldir%/libtptest.a liblmig.a $(LMIG_LIBS)
TESTS += %reldir%/tls-bounds.sh
EXTRA_DIST += %reldir%/tls-bounds.sh
