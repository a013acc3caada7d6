#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat.h"
#include "net/bpf.h"

#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));

	return r < 0 ? -errno : (int)r;
}

static int read_all(const char *path, uint8_t **out, size_t *len)
{
	size_t cap = 8 << 20, n = 0;
	uint8_t *buf = malloc(cap), *nb;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;
	ssize_t r;

	if (fd < 0 || !buf) {
		ret = fd < 0 ? -errno : -ENOMEM;
		goto fail;
	}
	while ((r = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			nb = realloc(buf, cap * 2);
			if (!nb) {
				ret = -ENOMEM;
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (r < 0) {
		ret = -errno;
		goto fail;
	}
	close(fd);
	*out = buf;
	*len = n;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* Bytes that follow a btf_type of this kind and vlen. */
static size_t kind_extra(unsigned kind, unsigned vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR:
		return sizeof(struct btf_var);
	case BTF_KIND_DATASEC:
		return vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ENUM64:
		return vlen * sizeof(struct btf_enum64);
	default:	/* PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG */
		return 0;
	}
}

int bpf_kfunc_btf_id(const char *name)
{
	const struct btf_header *h;
	const char *strs;
	uint8_t *buf = NULL;
	size_t len = 0, off;
	int ret, id = 1;

	ret = read_all(VMLINUX_BTF, &buf, &len);
	if (ret)
		return ret;
	ret = -EINVAL;
	h = (const struct btf_header *)buf;
	if (len < sizeof(*h) || h->magic != BTF_MAGIC ||
	    (size_t)h->hdr_len + h->str_off + h->str_len > len ||
	    (size_t)h->hdr_len + h->type_off + h->type_len > len)
		goto out;
	strs = (const char *)buf + h->hdr_len + h->str_off;
	ret = -ENOENT;
	for (off = 0; off + sizeof(struct btf_type) <= h->type_len; id++) {
		const struct btf_type *t = (const void *)(buf + h->hdr_len + h->type_off + off);
		unsigned kind = BTF_INFO_KIND(t->info);

		if (kind == BTF_KIND_FUNC && t->name_off < h->str_len &&
		    strcmp(strs + t->name_off, name) == 0) {
			ret = id;
			break;
		}
		off += sizeof(*t) + kind_extra(kind, BTF_INFO_VLEN(t->info));
	}
out:
	free(buf);
	return ret;
}

int bpf_slot_create(size_t value_size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = sizeof(uint32_t);
	a.value_size = (uint32_t)value_size;
	a.max_entries = 1;
	a.map_flags = 0;
	return sys_bpf(BPF_MAP_CREATE, &a);
}

static int slot_op(int cmd, int map_fd, const void *value)
{
	uint32_t key = 0;
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map_fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)value;
	a.flags = cmd == BPF_MAP_UPDATE_ELEM ? BPF_ANY : 0;
	return sys_bpf(cmd, &a);
}

int bpf_slot_write(int map_fd, const void *value)
{
	return slot_op(BPF_MAP_UPDATE_ELEM, map_fd, value);
}

int bpf_slot_read(int map_fd, void *value)
{
	return slot_op(BPF_MAP_LOOKUP_ELEM, map_fd, value);
}

int bpf_classifier_load(const struct bpf_insn *insns, size_t n, char *log, size_t log_len)
{
	/* Its kernel function calls need a GPL-compatible program; lmig is GPL-2.0. */
	static const char license[] = "GPL";
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)license;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0 || !log || log_len < 2)
		return fd;
	/* Again, for the verifier's reasons. */
	log[0] = '\0';
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = (uint32_t)log_len;
	a.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	log[log_len - 1] = '\0';
	return fd;
}

int bpf_tcx_ingress_attach(int prog_fd, int ifindex)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)prog_fd;
	a.link_create.target_ifindex = (uint32_t)ifindex;
	a.link_create.attach_type = LMIG_BPF_TCX_INGRESS;
	return sys_bpf(BPF_LINK_CREATE, &a);
}
