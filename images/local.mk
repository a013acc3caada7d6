# Protobuf-c schemas: the one description of process state, on disk and
# on the wire. protoc-c generates the C in the build tree.
LMIG_PROTOS = \
	%reldir%/inventory.proto \
	%reldir%/pstree.proto \
	%reldir%/core.proto \
	%reldir%/task.proto \
	%reldir%/mm.proto \
	%reldir%/pagemap.proto \
	%reldir%/fdinfo.proto \
	%reldir%/sk-inet.proto \
	%reldir%/sk-unix.proto

LMIG_PROTO_C = $(LMIG_PROTOS:.proto=.pb-c.c)
LMIG_PROTO_H = $(LMIG_PROTOS:.proto=.pb-c.h)

nodist_liblmig_a_SOURCES += $(LMIG_PROTO_C) $(LMIG_PROTO_H)
BUILT_SOURCES += $(LMIG_PROTO_C) $(LMIG_PROTO_H)
CLEANFILES += $(LMIG_PROTO_C) $(LMIG_PROTO_H)
EXTRA_DIST += $(LMIG_PROTOS)

%.pb-c.c %.pb-c.h: %.proto
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	$(PROTOC_C) --proto_path=$(dir $<) --c_out=$(@D) $(notdir $<)
LMIG_PROTOS += %reldir%/ipc.proto
LMIG_PROTOS += %reldir%/tty.proto
