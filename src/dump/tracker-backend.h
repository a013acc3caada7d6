/*
 * What a tracker back end implements (private to src/dump/tracker*.c).
 *
 * tracker.c owns the list of areas and the order of calls; a back end
 * only arms an area, scans an armed one, and does what must happen
 * once per collect.
 */
#ifndef LMIG_DUMP_TRACKER_BACKEND_H
#define LMIG_DUMP_TRACKER_BACKEND_H

#include "dump/tracker.h"

enum tracker_area_state {
	TA_NEW,		/* not armed yet: arm, then report whole */
	TA_ARMED,	/* report what the back end finds written */
	TA_UNTRACKED,	/* the back end refused it: report whole, always */
};

struct tracker_area {
	uint64_t start, end;
	enum tracker_area_state state;
};

struct tracker_ops;

struct tracker {
	const struct tracker_ops *ops;
	pid_t pid;
	uint64_t page_size;
	bool started;
	bool last;			/* tracker_collect_last() ran: nothing is armed again */
	struct tracker_area *a;		/* sorted, not overlapping */
	size_t nr, cap;
	void *be;			/* the back end's state */
};

struct tracker_ops {
	const char *name;
	unsigned bit;			/* TRACKER_* */
	bool needs_stop;
	/* Does this kernel offer the back end? 0 or -ENOTSUP; no logging. */
	int (*probe)(void);
	/*
	 * Set up t->be for t->pid. *uffd is a userfaultfd or -1: a back end
	 * that keeps it sets *uffd to -1 (only on success). Returns 0, -ENOTSUP (not usable here; no error logged), or -errno
	 * (logged).
	 */
	int (*open)(struct tracker *t, int *uffd);
	void (*close)(struct tracker *t);
	/* Before a collect walks the areas (soft-dirty: the stopped check). May be NULL. */
	int (*begin)(struct tracker *t);
	/*
	 * Arm a (its state is TA_NEW). Returns 0; -ENOTSUP when the area
	 * cannot be tracked; -ENOENT when it has nothing mapped (stays
	 * TA_NEW, reported by nobody); -EAGAIN when the layout changed under
	 * it (stays TA_NEW, reported whole); other -errno (logged).
	 */
	int (*arm)(struct tracker *t, const struct tracker_area *a);
	/*
	 * Append the written pages of armed area a to dirty, re-arming them
	 * (not when t->last). -EAGAIN: the area's mappings changed so that
	 * its state is unknown: tracker.c arms it again (reports it whole
	 * when t->last) and reports it whole. Other -errno logged.
	 */
	int (*scan)(struct tracker *t, const struct tracker_area *a, struct range_vec *dirty);
	/* After the areas were walked (soft-dirty: clear the bits; not when t->last). May be NULL. */
	int (*end)(struct tracker *t);
};

extern const struct tracker_ops tracker_uffd_ops;
extern const struct tracker_ops tracker_softdirty_ops;

#endif
