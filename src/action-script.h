/*
 * Action scripts (CRIU's --action-script): user commands run by lmig at
 * fixed stages of a dump or restore, for what lmig cannot know, e.g.
 * moving a service address between hosts at the switchover.
 *
 * Each script runs as `sh -c SCRIPT` with stdin from /dev/null and lmig's
 * stdout and stderr, in this environment (besides lmig's own):
 *   LMIG_SCRIPT_STAGE      the stage's name (below)
 *   LMIG_PID               the pid of the dumped or restored process
 *   LMIG_IMAGES_DIR        the images directory
 *   CRTOOLS_SCRIPT_ACTION  the stage again, for scripts written for CRIU
 * Scripts run one after the other in the order given; each must end
 * within ACTION_SCRIPT_TIMEOUT_S or it is killed (with its process group).
 * A script that fails (exit status not 0, killed, timed out) aborts the
 * operation at that stage: the caller rolls back (and runs "rollback",
 * whose own failures are only logged).
 */
#ifndef LMIG_ACTION_SCRIPT_H
#define LMIG_ACTION_SCRIPT_H

#include <sys/types.h>

#define ACTION_SCRIPTS_MAX	8
#define ACTION_SCRIPT_TIMEOUT_S	60

enum action_stage {
	ACT_NETWORK_LOCK,	/* dump, restore: lmig has locked the network */
	ACT_POST_DUMP,		/* dump: images written, the process still frozen */
	ACT_PRE_RESTORE,	/* restore: before anything is read or created */
	ACT_POST_RESTORE,	/* restore: the process is back, not yet unlocked */
	ACT_NETWORK_UNLOCK,	/* dump, restore: lmig has unlocked the network */
	ACT_ROLLBACK,		/* dump, restore: failed; the process runs on (dump) or is gone (restore) */
};

/* The scripts of one command, in order. Paths point into argv: not owned. */
struct action_scripts {
	const char *path[ACTION_SCRIPTS_MAX];
	unsigned int n;
};

/* "network-lock", "post-dump", ... */
const char *action_stage_name(enum action_stage stage);

/* Append a script; -E2BIG beyond ACTION_SCRIPTS_MAX, -EINVAL for "" (both logged). */
int action_scripts_add(struct action_scripts *s, const char *path);

/*
 * Run every script for stage. 0 when all succeeded (or there are none),
 * else -ECANCELED after one error line naming the script, the stage and
 * how it failed; -errno when one could not be started (logged).
 */
int action_scripts_run(const struct action_scripts *s, enum action_stage stage, pid_t pid,
		       const char *images_dir);

#endif
