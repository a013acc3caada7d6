#define LOG_PREFIX "dump-proc: "
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "dump/proc.h"

/* Smaps of a large process runs to megabytes; cap what we accept. */
#define PROC_FILE_MAX	(256u << 20)

int proc_open(pid_t pid, const char *name, int *fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		int ret = -errno;

		pr_err_rc(ret, "pid %d: cannot open %s", (int)pid, path);
		return ret;
	}
	return 0;
}

int proc_read_file(const char *path, size_t max, char **out, size_t *len)
{
	char full[PATH_MAX];
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	int fd, ret;

	if (snprintf(full, sizeof(full), "/proc/%s", path) >= (int)sizeof(full))
		return -ENAMETOOLONG;
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb;

			if (cap >= max) {
				ret = -EFBIG;
				goto out;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = n;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

int proc_readlink(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	n = readlink(path, buf, len);
	if (n < 0)
		return -errno;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

/* Parse an unsigned number in base and move *p past it; -EINVAL if none. */
static int take_u64(const char **p, int base, uint64_t *val)
{
	char *end;

	if (!isxdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*val = strtoull(*p, &end, base);
	if (errno || end == *p)
		return -EINVAL;
	*p = end;
	return 0;
}

static int take_char(const char **p, char c)
{
	if (**p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

int proc_parse_maps_line(const char *line, struct proc_vma *v)
{
	static const char deleted[] = " (deleted)";
	const char *p = line;
	uint64_t maj, min;
	size_t len;

	memset(v, 0, sizeof(*v));
	if (take_u64(&p, 16, &v->start) || take_char(&p, '-') ||
	    take_u64(&p, 16, &v->end) || take_char(&p, ' '))
		return -EINVAL;
	if (strlen(p) < 5 || p[4] != ' ')
		return -EINVAL;
	if (p[0] == 'r')
		v->prot |= PROT_READ;
	if (p[1] == 'w')
		v->prot |= PROT_WRITE;
	if (p[2] == 'x')
		v->prot |= PROT_EXEC;
	if (p[3] == 's')
		v->shared = true;
	else if (p[3] != 'p')
		return -EINVAL;
	p += 5;
	if (take_u64(&p, 16, &v->pgoff) || take_char(&p, ' ') ||
	    take_u64(&p, 16, &maj) || take_char(&p, ':') ||
	    take_u64(&p, 16, &min) || take_char(&p, ' ') ||
	    take_u64(&p, 10, &v->ino))
		return -EINVAL;
	if (v->end <= v->start || maj > UINT32_MAX || min > UINT32_MAX)
		return -EINVAL;
	v->dev_major = maj;
	v->dev_minor = min;
	/* The path starts after the padding and runs to the end of line: it may hold spaces. */
	while (*p == ' ')
		p++;
	len = strcspn(p, "\n");
	if (len >= sizeof(v->path))
		return -ENAMETOOLONG;
	memcpy(v->path, p, len);
	v->path[len] = '\0';
	if (len > sizeof(deleted) - 1 && v->path[0] == '/' &&
	    strcmp(v->path + len - (sizeof(deleted) - 1), deleted) == 0) {
		v->path[len - (sizeof(deleted) - 1)] = '\0';
		v->deleted = true;
	}
	return 0;
}

uint32_t proc_parse_vmflags(const char *line)
{
	static const struct { char code[3]; uint32_t bit; } map[] = {
		{ "gd", PVF_GROWSDOWN }, { "dc", PVF_DONTFORK }, { "dd", PVF_DONTDUMP },
		{ "hg", PVF_HUGEPAGE }, { "nh", PVF_NOHUGEPAGE }, { "mg", PVF_MERGEABLE },
		{ "wf", PVF_WIPEONFORK }, { "lo", PVF_LOCKED }, { "io", PVF_IO },
		{ "pf", PVF_PFNMAP }, { "sr", PVF_SEQ_READ }, { "rr", PVF_RAND_READ },
	};
	const char *p = strchr(line, ':');
	uint32_t flags = 0;

	if (!p)
		return 0;
	p++;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			break;
		if (p[0] && p[1] && (p[2] == ' ' || p[2] == '\n' || p[2] == '\0')) {
			for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
				if (p[0] == map[i].code[0] && p[1] == map[i].code[1])
					flags |= map[i].bit;
		}
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	return flags;
}

void proc_vmas_free(struct proc_vmas *vmas)
{
	free(vmas->v);
	vmas->v = NULL;
	vmas->nr = vmas->cap = 0;
}

static int vmas_add(struct proc_vmas *vmas, const struct proc_vma *v)
{
	if (vmas->nr == vmas->cap) {
		size_t cap = vmas->cap ? vmas->cap * 2 : 64;
		struct proc_vma *nv = realloc(vmas->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		vmas->v = nv;
		vmas->cap = cap;
	}
	vmas->v[vmas->nr++] = *v;
	return 0;
}

int proc_read_smaps(pid_t pid, struct proc_vmas *out)
{
	char path[64], *text = NULL, *line, *next;
	struct proc_vma *v;
	int ret;

	memset(out, 0, sizeof(*out));
	v = malloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%d/smaps", (int)pid);
	ret = proc_read_file(path, PROC_FILE_MAX, &text, NULL);
	if (ret)
		goto out;
	for (line = text; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (strncmp(line, "VmFlags:", 8) == 0) {
			if (out->nr)
				out->v[out->nr - 1].vmflags = proc_parse_vmflags(line);
			continue;
		}
		/* "Key:   value" lines: the first word ends with ':'. */
		if (proc_parse_maps_line(line, v))
			continue;
		ret = vmas_add(out, v);
		if (ret)
			goto out;
	}
	ret = 0;
out:
	if (ret)
		proc_vmas_free(out);
	free(text);
	free(v);
	return ret;
}

int proc_parse_stat(const char *text, struct proc_stat *st)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	unsigned long long f[53];
	const char *p;
	size_t n;
	int i;

	memset(st, 0, sizeof(*st));
	if (!open || !close || close < open)
		return -EINVAL;
	n = close - open - 1;
	if (n >= sizeof(st->comm))
		n = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, n);
	st->comm[n] = '\0';
	p = close + 1;
	while (*p == ' ')
		p++;
	if (!*p)
		return -EINVAL;
	st->state = *p++;
	memset(f, 0, sizeof(f));
	/* Fields 4 .. 52; signed ones (nice, priority) are taken through strtoll. */
	for (i = 4; i <= 52; i++) {
		char *end;

		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		errno = 0;
		f[i] = (unsigned long long)strtoll(p, &end, 10);
		if (end == p)
			return -EINVAL;
		if (errno == ERANGE)
			f[i] = strtoull(p, &end, 10);
		p = end;
	}
	if (i <= 41)	/* every kernel lmig runs on has at least 52 */
		return -EINVAL;
	st->ppid = f[4];
	st->pgid = f[5];
	st->sid = f[6];
	st->tty_nr = (int)f[7];
	st->tpgid = (int)f[8];
	st->nice = (long)f[19];
	st->num_threads = f[20];
	st->start_code = f[26];
	st->end_code = f[27];
	st->start_stack = f[28];
	st->rt_priority = f[40];
	st->policy = f[41];
	st->start_data = f[45];
	st->end_data = f[46];
	st->start_brk = f[47];
	st->arg_start = f[48];
	st->arg_end = f[49];
	st->env_start = f[50];
	st->env_end = f[51];
	st->exit_code = f[52];
	return 0;
}

int proc_read_stat(pid_t pid, pid_t tid, struct proc_stat *st)
{
	char path[64], *text;
	int ret;

	if (tid)
		snprintf(path, sizeof(path), "%d/task/%d/stat", (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "%d/stat", (int)pid);
	ret = proc_read_file(path, 64 << 10, &text, NULL);
	if (ret)
		return ret;
	ret = proc_parse_stat(text, st);
	free(text);
	return ret;
}

/* "Key:\tv1\tv2..." -> up to n numbers in base; returns how many. */
static int parse_nums(const char *p, int base, uint64_t *out, int n)
{
	int i = 0;

	while (i < n) {
		char *end;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!isxdigit((unsigned char)*p))
			break;
		errno = 0;
		out[i] = strtoull(p, &end, base);
		if (errno || end == p)
			break;
		i++;
		p = end;
	}
	return i;
}

int proc_parse_status(const char *text, struct proc_status *st)
{
	const char *line, *next;

	memset(st, 0, sizeof(*st));
	st->thp_enabled = -1;
	for (line = text; *line; line = next) {
		const char *val = strchr(line, ':');
		uint64_t v[4];
		size_t klen;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (!val || val > next)
			continue;
		klen = val - line;
		val++;
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(line, k, klen) == 0)
		if (KEY("Uid")) {
			if (parse_nums(val, 10, v, 4) != 4)
				return -EINVAL;
			for (int i = 0; i < 4; i++)
				st->uid[i] = v[i];
			st->have_uid = true;
		} else if (KEY("Gid")) {
			if (parse_nums(val, 10, v, 4) != 4)
				return -EINVAL;
			for (int i = 0; i < 4; i++)
				st->gid[i] = v[i];
			st->have_gid = true;
		} else if (KEY("Groups")) {
			const char *p = val;

			while (st->nr_groups < PROC_MAX_GROUPS && p < next) {
				char *end;
				unsigned long g;

				while (*p == ' ' || *p == '\t')
					p++;
				if (!isdigit((unsigned char)*p))
					break;
				g = strtoul(p, &end, 10);
				st->groups[st->nr_groups++] = g;
				p = end;
			}
		} else if (KEY("CapInh")) {
			if (parse_nums(val, 16, &st->cap_inh, 1) != 1)
				return -EINVAL;
		} else if (KEY("CapPrm")) {
			if (parse_nums(val, 16, &st->cap_prm, 1) != 1)
				return -EINVAL;
		} else if (KEY("CapEff")) {
			if (parse_nums(val, 16, &st->cap_eff, 1) != 1)
				return -EINVAL;
			st->have_caps = true;
		} else if (KEY("CapBnd")) {
			if (parse_nums(val, 16, &st->cap_bnd, 1) != 1)
				return -EINVAL;
		} else if (KEY("CapAmb")) {
			parse_nums(val, 16, &st->cap_amb, 1);
		} else if (KEY("NoNewPrivs")) {
			if (parse_nums(val, 10, v, 1) == 1)
				st->no_new_privs = v[0];
		} else if (KEY("Seccomp")) {
			if (parse_nums(val, 10, v, 1) == 1)
				st->seccomp = v[0];
		} else if (KEY("THP_enabled")) {
			if (parse_nums(val, 10, v, 1) == 1)
				st->thp_enabled = v[0];
		} else if (KEY("ShdPnd")) {
			parse_nums(val, 16, &st->shd_pnd, 1);
		} else if (KEY("SigBlk")) {
			parse_nums(val, 16, &st->sig_blk, 1);
		}
#undef KEY
	}
	if (!st->have_uid || !st->have_gid || !st->have_caps)
		return -EINVAL;
	return 0;
}

int proc_read_status(pid_t pid, struct proc_status *st)
{
	char path[64], *text;
	int ret;

	snprintf(path, sizeof(path), "%d/status", (int)pid);
	ret = proc_read_file(path, 64 << 10, &text, NULL);
	if (ret)
		return ret;
	ret = proc_parse_status(text, st);
	free(text);
	return ret;
}

/* The names fs/proc/base.c prints, in RLIMIT_ order. */
static const char *const limit_names[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = "Max cpu time",
	[RLIMIT_FSIZE] = "Max file size",
	[RLIMIT_DATA] = "Max data size",
	[RLIMIT_STACK] = "Max stack size",
	[RLIMIT_CORE] = "Max core file size",
	[RLIMIT_RSS] = "Max resident set",
	[RLIMIT_NPROC] = "Max processes",
	[RLIMIT_NOFILE] = "Max open files",
	[RLIMIT_MEMLOCK] = "Max locked memory",
	[RLIMIT_AS] = "Max address space",
	[RLIMIT_LOCKS] = "Max file locks",
	[RLIMIT_SIGPENDING] = "Max pending signals",
	[RLIMIT_MSGQUEUE] = "Max msgqueue size",
	[RLIMIT_NICE] = "Max nice priority",
	[RLIMIT_RTPRIO] = "Max realtime priority",
	[RLIMIT_RTTIME] = "Max realtime timeout",
};

static int parse_limit_value(const char **p, rlim_t *out)
{
	char *end;

	while (**p == ' ')
		(*p)++;
	if (strncmp(*p, "unlimited", 9) == 0) {
		*out = RLIM_INFINITY;
		*p += 9;
		return 0;
	}
	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*out = strtoull(*p, &end, 10);
	if (errno)
		return -EINVAL;
	*p = end;
	return 0;
}

int proc_parse_limits(const char *text, struct proc_limits *l)
{
	const char *line, *next;
	int found = 0;

	memset(l, 0, sizeof(*l));
	for (line = text; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		for (int r = 0; r < RLIM_NLIMITS; r++) {
			const char *name = limit_names[r], *p;
			size_t nlen;

			if (!name)
				continue;
			nlen = strlen(name);
			if (strncmp(line, name, nlen) != 0 || line[nlen] != ' ')
				continue;
			p = line + nlen;
			if (parse_limit_value(&p, &l->lim[r].rlim_cur) ||
			    parse_limit_value(&p, &l->lim[r].rlim_max))
				return -EINVAL;
			l->have[r] = true;
			found++;
			break;
		}
	}
	return found ? 0 : -EINVAL;
}

int proc_read_limits(pid_t pid, struct proc_limits *l)
{
	char path[64], *text;
	int ret;

	snprintf(path, sizeof(path), "%d/limits", (int)pid);
	ret = proc_read_file(path, 64 << 10, &text, NULL);
	if (ret)
		return ret;
	ret = proc_parse_limits(text, l);
	free(text);
	return ret;
}

int proc_parse_fdinfo(const char *text, struct proc_fdinfo *fi)
{
	const char *line, *next;
	bool have_pos = false, have_flags = false;

	memset(fi, 0, sizeof(*fi));
	for (line = text; *line; line = next) {
		uint64_t v;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (strncmp(line, "pos:", 4) == 0) {
			have_pos = parse_nums(line + 4, 10, &fi->pos, 1) == 1;
		} else if (strncmp(line, "flags:", 6) == 0) {
			have_flags = parse_nums(line + 6, 8, &v, 1) == 1;
			fi->flags = v;
		} else if (strncmp(line, "mnt_id:", 7) == 0) {
			if (parse_nums(line + 7, 10, &v, 1) == 1)
				fi->mnt_id = v;
		} else if (strncmp(line, "ino:", 4) == 0) {
			parse_nums(line + 4, 10, &fi->ino, 1);
		}
	}
	return have_pos && have_flags ? 0 : -EINVAL;
}

int proc_read_fdinfo(pid_t pid, int fd, struct proc_fdinfo *fi)
{
	char path[64], *text;
	int ret;

	snprintf(path, sizeof(path), "%d/fdinfo/%d", (int)pid, fd);
	ret = proc_read_file(path, 1 << 20, &text, NULL);
	if (ret)
		return ret;
	ret = proc_parse_fdinfo(text, fi);
	free(text);
	return ret;
}

int proc_parse_timers(const char *text, struct proc_timer **out, size_t *nr)
{
	struct proc_timer *t = NULL, *cur = NULL;
	const char *line, *next;
	size_t n = 0;

	*out = NULL;
	*nr = 0;
	for (line = text; *line; line = next) {
		char how[16], who[8];
		unsigned long long ptr;
		int a, b;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (sscanf(line, "ID: %d", &a) == 1) {
			struct proc_timer *nt = realloc(t, (n + 1) * sizeof(*t));

			if (!nt) {
				free(t);
				return -ENOMEM;
			}
			t = nt;
			cur = &t[n++];
			memset(cur, 0, sizeof(*cur));
			cur->id = a;
			cur->notify = -1;
		} else if (!cur) {
			continue;
		} else if (sscanf(line, "signal: %d/%llx", &a, &ptr) == 2) {
			cur->signo = a;
			cur->sival = ptr;
		} else if (sscanf(line, "notify: %15[a-z]/%7[a-z].%d", how, who, &b) == 3) {
			if (strcmp(how, "signal") == 0)
				cur->notify = SIGEV_SIGNAL;
			else if (strcmp(how, "none") == 0)
				cur->notify = SIGEV_NONE;
			else if (strcmp(how, "thread") == 0)
				cur->notify = SIGEV_THREAD;
			if (cur->notify >= 0 && strcmp(who, "tid") == 0)
				cur->notify |= SIGEV_THREAD_ID;
			cur->notify_pid = b;
		} else if (sscanf(line, "ClockID: %d", &a) == 1) {
			cur->clock_id = a;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (t[i].notify < 0) {
			free(t);
			return -EINVAL;
		}
	}
	*out = t;
	*nr = n;
	return 0;
}

int proc_read_timers(pid_t pid, struct proc_timer **out, size_t *nr)
{
	char path[64], *text;
	int ret;

	snprintf(path, sizeof(path), "%d/timers", (int)pid);
	ret = proc_read_file(path, PROC_FILE_MAX, &text, NULL);
	if (ret)
		return ret;
	ret = proc_parse_timers(text, out, nr);
	free(text);
	return ret;
}
