/*
 * A process tree restored as it was dumped: every process with its pid,
 * under its own parent, in its session and process group, zombies dead
 * again with their status, and let go only once every thread of every
 * process is back (all are caught at the end of rt_sigreturn first).
 *
 * How the tree is built (lmig = the restoring process):
 *   1. lmig makes a report pipe and a go pipe per process and clones the
 *      root (clone3 set_tid). Every process, in restore_child():
 *      tree_create() starts its session (setsid) or group (setpgid) if it
 *      led one, clones its own children with their pids, keeps only its
 *      own pipe ends and reports "created".
 *   2. lmig reads the "created" reports in tree order (parents first) and
 *      seizes each live process, then writes go to all.
 *   3. Each process joins its process group (tree_join_group(): all
 *      groups exist by then); a zombie exits with its saved status; the
 *      others restore themselves (files, memory, restorer).
 *   4. lmig catches every process (restore_catch), waits for the zombies
 *      to be zombies, then releases every process (restore_release).
 *
 * What is refused (restore_check_tree(), one line naming the pid): a
 * session that is neither the parent's nor led by the process itself,
 * a process group with no process in the tree other than the root's own
 * outside group, a group led from another session.
 *
 * A session led from outside the tree (the shell's, for a job) becomes
 * lmig's own: the root is cloned in it. When the tree had that session's
 * terminal (dumped with --shell-job), tty_restore_check() (tty.h) allows
 * this only with restore --shell-job, and then gives the job lmig's
 * terminal instead.
 */
#ifndef LMIG_RESTORE_TREE_H
#define LMIG_RESTORE_TREE_H

#include <sys/types.h>

struct restore_ctx;
struct rst_proc;

/* The checks above, on the pstree of ctx (lmig's side, before anything is created). */
int restore_check_tree(struct restore_ctx *ctx);

/*
 * Create the whole tree and wait until it runs. On 0 *root is the root's
 * pid (lmig's child) and every process runs; after_clone (may be NULL)
 * is called right after the root is cloned. On failure (-errno, logged)
 * every process created is killed.
 */
int restore_tree(struct restore_ctx *ctx, void (*after_clone)(void *arg), void *arg,
		 pid_t *root);

/* SIGKILL every process of a tree restore_tree() let run (e.g. a post-restore script failed). */
void restore_tree_kill(struct restore_ctx *ctx, pid_t root);

/* --- in the restored process (restore_child) --- */

/* The pipe made once for the whole tree with this pipe_id, or NULL: each process makes its own. */
const struct rst_shared_pipe *tree_shared_pipe(const struct restore_ctx *ctx, uint64_t pipe_id);

/*
 * Step 1 for p: session or group, children cloned, pipes of others
 * closed. 0 or -errno; msg (size len) says what failed.
 */
int tree_create(struct restore_ctx *ctx, struct rst_proc *p, char *msg, size_t len);
/* Step 3: join p's process group. 0 or -errno with msg. */
int tree_join_group(struct restore_ctx *ctx, struct rst_proc *p, char *msg, size_t len);
/* A zombie ends as it had ended: exit code or signal. Never returns. */
__attribute__((noreturn)) void tree_die_as_zombie(struct rst_proc *p);

#endif
