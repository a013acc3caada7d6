/*
 * Dirty-page tracker: the choice of back end and the list of areas
 * (contract in tracker.h).
 */
#define LOG_PREFIX "tracker: "
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "dump/tracker.h"
#include "dump/tracker-backend.h"

static const struct tracker_ops *const backends[] = {
	&tracker_uffd_ops,	/* preferred: no freeze per round */
	&tracker_softdirty_ops,
};

#define NR_BACKENDS (sizeof(backends) / sizeof(backends[0]))

int range_vec_push(struct range_vec *v, uint64_t start, uint64_t end)
{
	if (v->nr && v->r[v->nr - 1].end == start) {
		v->r[v->nr - 1].end = end;
		return 0;
	}
	if (v->nr == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct range *r = realloc(v->r, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		v->r = r;
		v->cap = cap;
	}
	v->r[v->nr].start = start;
	v->r[v->nr].end = end;
	v->nr++;
	return 0;
}

void range_vec_free(struct range_vec *v)
{
	free(v->r);
	v->r = NULL;
	v->nr = v->cap = 0;
}

unsigned tracker_available(void)
{
	unsigned mask = 0;
	size_t i;

	for (i = 0; i < NR_BACKENDS; i++)
		if (backends[i]->probe() == 0)
			mask |= backends[i]->bit;
	return mask;
}

static int try_open(struct tracker *t, const struct tracker_ops *ops, int *uffd)
{
	int ret;

	t->ops = ops;
	ret = ops->open(t, uffd);
	if (ret)
		t->ops = NULL;
	return ret;
}

int tracker_open(const char *name, pid_t pid, int uffd, struct tracker **out)
{
	struct tracker *t;
	bool known = false;
	size_t i;
	int ret = -ENOTSUP;

	t = calloc(1, sizeof(*t));
	if (!t) {
		ret = -ENOMEM;
		goto out;
	}
	t->pid = pid;
	t->page_size = (uint64_t)sysconf(_SC_PAGESIZE);

	for (i = 0; i < NR_BACKENDS; i++) {
		if (name && strcmp(name, backends[i]->name) != 0)
			continue;
		known = true;
		ret = try_open(t, backends[i], &uffd);
		if (ret != -ENOTSUP)
			break;
		pr_info("pid %d: %s is not usable here", pid, backends[i]->name);
	}
	if (ret == 0) {
		pr_info("pid %d: tracking dirty pages with %s", pid, t->ops->name);
		*out = t;
		t = NULL;
	} else if (!known) {
		pr_err("unknown tracker \"%s\" (uffd-wp, soft-dirty)", name);
		ret = -EINVAL;
	} else if (ret == -ENOTSUP) {
		pr_info("pid %d: no dirty-page tracker works on this kernel", pid);
	}
	free(t);
out:
	/* Unless a back end took it (and set it to -1). */
	if (uffd >= 0)
		close(uffd);
	return ret;
}

const char *tracker_name(const struct tracker *t)
{
	return t->ops->name;
}

bool tracker_needs_stop(const struct tracker *t)
{
	return t->ops->needs_stop;
}

static int check_areas(const struct tracker *t, const struct range *areas, size_t n)
{
	uint64_t mask = t->page_size - 1, prev_end = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((areas[i].start | areas[i].end) & mask || areas[i].start >= areas[i].end ||
		    areas[i].start < prev_end)
			return -EINVAL;
		prev_end = areas[i].end;
	}
	return 0;
}

static int areas_push(struct tracker_area **a, size_t *nr, size_t *cap,
		      uint64_t start, uint64_t end, enum tracker_area_state state)
{
	if (*nr && (*a)[*nr - 1].end == start && (*a)[*nr - 1].state == state) {
		(*a)[*nr - 1].end = end;
		return 0;
	}
	if (*nr == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		struct tracker_area *n = realloc(*a, c * sizeof(*n));

		if (!n)
			return -ENOMEM;
		*a = n;
		*cap = c;
	}
	(*a)[*nr] = (struct tracker_area){ .start = start, .end = end, .state = state };
	(*nr)++;
	return 0;
}

/*
 * The new list is areas, each part keeping the state it had in the old
 * list where the two overlap, TA_NEW elsewhere.
 */
int tracker_update_areas(struct tracker *t, const struct range *areas, size_t n)
{
	struct tracker_area *na = NULL;
	size_t nnr = 0, ncap = 0, i, j = 0, k;
	int ret;

	ret = check_areas(t, areas, n);
	if (ret) {
		pr_err("pid %d: areas not sorted, page-aligned and disjoint", t->pid);
		return ret;
	}
	for (i = 0; i < n; i++) {
		uint64_t s = areas[i].start, e = areas[i].end, cur = s;

		while (j < t->nr && t->a[j].end <= s)
			j++;
		for (k = j; k < t->nr && t->a[k].start < e && !ret; k++) {
			const struct tracker_area *o = &t->a[k];
			uint64_t os = o->start > cur ? o->start : cur;
			uint64_t oe = o->end < e ? o->end : e;

			if (os > cur)
				ret = areas_push(&na, &nnr, &ncap, cur, os, TA_NEW);
			if (!ret)
				ret = areas_push(&na, &nnr, &ncap, os, oe, o->state);
			cur = oe;
		}
		if (!ret && cur < e)
			ret = areas_push(&na, &nnr, &ncap, cur, e, TA_NEW);
		if (ret)
			goto err;
	}
	free(t->a);
	t->a = na;
	t->nr = nnr;
	t->cap = ncap;
	return 0;
err:
	free(na);
	return ret;
}

/* Arm a TA_NEW area; *whole tells whether to report it whole now. */
static int arm_area(struct tracker *t, struct tracker_area *a, bool *whole)
{
	int ret = t->ops->arm(t, a);

	*whole = true;
	switch (ret) {
	case 0:
		a->state = TA_ARMED;
		return 0;
	case -ENOTSUP:
		pr_info("pid %d: %s cannot track %#llx-%#llx: always copied",
			t->pid, t->ops->name, (unsigned long long)a->start,
			(unsigned long long)a->end);
		a->state = TA_UNTRACKED;
		return 0;
	case -ENOENT:
		*whole = false;
		return 0;
	case -EAGAIN:
		return 0;
	default:
		return ret;
	}
}

int tracker_start(struct tracker *t, const struct range *areas, size_t n)
{
	bool whole;
	size_t i;
	int ret;

	if (t->started)
		return -EINVAL;
	ret = tracker_update_areas(t, areas, n);
	if (ret)
		return ret;
	for (i = 0; i < t->nr; i++) {
		ret = arm_area(t, &t->a[i], &whole);
		if (ret)
			return ret;
	}
	if (t->ops->end) {
		ret = t->ops->end(t);
		if (ret)
			return ret;
	}
	t->started = true;
	return 0;
}

/* The walk of every area for a collect; t->last: nothing armed again. */
static int collect_areas(struct tracker *t, struct range_vec *dirty)
{
	struct tracker_area *a;
	bool whole;
	size_t i;
	int ret = 0;

	dirty->nr = 0;
	if (t->ops->begin) {
		ret = t->ops->begin(t);
		if (ret)
			return ret;
	}
	for (i = 0; i < t->nr && !ret; i++) {
		a = &t->a[i];
		whole = true;
		switch (a->state) {
		case TA_NEW:
			/* Last: reported whole, not armed. */
			if (!t->last)
				ret = arm_area(t, a, &whole);
			break;
		case TA_UNTRACKED:
			break;
		case TA_ARMED:
			ret = t->ops->scan(t, a, dirty);
			whole = false;
			if (ret == -EAGAIN) {
				pr_debug("pid %d: %#llx-%#llx changed under the tracker: copied whole",
					 t->pid, (unsigned long long)a->start,
					 (unsigned long long)a->end);
				a->state = TA_NEW;
				if (!t->last) {
					ret = arm_area(t, a, &whole);
				} else {
					ret = 0;
					whole = true;
				}
			}
			break;
		}
		if (!ret && whole)
			ret = range_vec_push(dirty, a->start, a->end);
	}
	if (!ret && t->ops->end && !t->last)
		ret = t->ops->end(t);
	return ret;
}

int tracker_collect(struct tracker *t, struct range_vec *dirty)
{
	if (!t->started || t->last)
		return -EINVAL;
	return collect_areas(t, dirty);
}

int tracker_collect_last(struct tracker *t, struct range_vec *dirty)
{
	if (!t->started || t->last)
		return -EINVAL;
	t->last = true;
	return collect_areas(t, dirty);
}


void tracker_close(struct tracker *t)
{
	if (!t)
		return;
	if (t->ops)
		t->ops->close(t);
	free(t->a);
	free(t);
}
