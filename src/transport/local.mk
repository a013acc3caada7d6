# src/transport: framed messages and page runs between two lmig
# processes, over tcp, io_uring or RDMA (see transport.h).
liblmig_a_SOURCES += %reldir%/transport.h %reldir%/protocol.h %reldir%/frame.c \
	%reldir%/backend.h %reldir%/conn.h %reldir%/transport.c %reldir%/handshake.c \
	%reldir%/auth.c %reldir%/auth.h %reldir%/compress.c %reldir%/compress.h \
	%reldir%/sock.c %reldir%/sock.h %reldir%/tcp.c %reldir%/uring.c \
	%reldir%/tls.c %reldir%/tls.h %reldir%/tls-opts.c %reldir%/tls-opts.h
if HAVE_RDMA
liblmig_a_SOURCES += %reldir%/rdma.c
endif
EXTRA_DIST += %reldir%/rdma.c
# libsodium (auth.c) is the transport's own dependency.
AM_CFLAGS += $(SODIUM_CFLAGS)
LMIG_LIBS += $(SODIUM_LIBS)
# GnuTLS (tls.c): --tls, like the key proof, is the transport's own.
AM_CFLAGS += $(GNUTLS_CFLAGS)
LMIG_LIBS += $(GNUTLS_LIBS)
