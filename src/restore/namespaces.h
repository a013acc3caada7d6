/*
 * `lmig restore --netns PATH --new-pidns`: restore into namespaces of
 * its own, so that several copies of one checkpoint run side by side
 * with their old pids and ports.
 *
 *   --netns PATH   lmig joins the network namespace at PATH (for example
 *                  /run/netns/NAME) before anything else: action scripts,
 *                  the network lock and the restored sockets are there.
 *   --new-pidns    lmig makes a pid namespace and forks its init (pid 1),
 *                  which mounts its own /proc in a mount namespace of its
 *                  own (a private copy of lmig's), restores the tree as
 *                  its child, with the old pids, then stays as the
 *                  namespace's reaper until no process is left and exits
 *                  with the root's exit status (128 + signal when killed).
 *                  lmig waits for it, or with --detach exits 0 as soon as
 *                  the tree runs. SIGKILL to the init ends the namespace
 *                  and every process in it (other signals sent to it from
 *                  outside are ignored by the kernel: it handles none).
 *
 * The restored processes keep the images' pids inside the namespace; a
 * pid of 1 (the init's) cannot be restored there.
 */
#ifndef LMIG_RESTORE_NAMESPACES_H
#define LMIG_RESTORE_NAMESPACES_H

#include <sys/types.h>

struct restore_opts;

/* What the namespace's init needs once the tree runs (restore_opts.ns_init). */
struct ns_init {
	int ready_fd;	/* one byte here tells lmig outside that the tree runs */
};

/*
 * The whole command with --netns and/or --new-pidns: joins, creates,
 * restores. Returns the command's exit code (enum lmig_exit, or the
 * root's exit status when lmig waits for it).
 */
int restore_in_namespaces(const struct restore_opts *o);

/*
 * In the namespace's init, once restore_start() let the tree run with
 * root as the init's child: tell lmig outside, then reap every process
 * until none is left. Returns the root's exit status (128 + signal).
 */
int ns_init_reap(struct ns_init *ni, pid_t root);

/*
 * --pidfile: write pid and a newline to path (created 0644, truncated).
 * 0 or -errno (logged, saying that the process runs all the same).
 */
int restore_write_pidfile(const char *path, pid_t pid);

#endif
