/*
 * The few bpf(2) operations lmig needs, without libbpf: an array map of
 * one slot, a classifier program loaded from instructions, attached to
 * a device's ingress with a tcx link (closing the link's fd detaches
 * it), and the BTF id of a kernel function a program calls.
 *
 * Functions return an fd or 0 on success, -errno on failure, and log
 * nothing.
 */
#ifndef LMIG_NET_BPF_H
#define LMIG_NET_BPF_H

#include <linux/bpf.h>
#include <stddef.h>

/* BTF id of the kernel function `name` (for BPF_PSEUDO_KFUNC_CALL); -ENOENT when absent. */
int bpf_kfunc_btf_id(const char *name);

/* An array map of one element of value_size bytes, all zero. */
int bpf_slot_create(size_t value_size);
int bpf_slot_write(int map_fd, const void *value);
int bpf_slot_read(int map_fd, void *value);

/*
 * Load a BPF_PROG_TYPE_SCHED_CLS program. On failure the verifier's
 * log is in log (NUL-terminated, possibly empty).
 */
int bpf_classifier_load(const struct bpf_insn *insns, size_t n, char *log, size_t log_len);

/* Run prog_fd at the ingress of device ifindex, after its other programs; returns the link. */
int bpf_tcx_ingress_attach(int prog_fd, int ifindex);

#endif
