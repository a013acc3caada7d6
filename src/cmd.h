/*
 * The subcommands of the lmig binary.
 *
 * Each command's entry point takes the arguments after its name
 * (argv[0] is the command name) and returns a process exit code
 * (enum lmig_exit), never -errno: it is the outermost layer.
 */
#ifndef LMIG_CMD_H
#define LMIG_CMD_H

/* Exit codes, documented in lmig(8). */
enum lmig_exit {
	LMIG_EXIT_OK = 0,
	LMIG_EXIT_FAIL = 1,		/* the operation failed; the reason was logged */
	LMIG_EXIT_USAGE = 2,		/* bad command line */
	LMIG_EXIT_UNSUPPORTED = 3,	/* not possible here (missing kernel feature, not built yet) */
};

struct lmig_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

int cmd_check(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_precopy(int argc, char **argv);
int cmd_pageserver(int argc, char **argv);
int cmd_show(int argc, char **argv);

/* Lookup by name; NULL when there is no such command. */
const struct lmig_cmd *cmd_find(const char *name);
/* All commands, terminated by an entry with name == NULL. */
extern const struct lmig_cmd lmig_cmds[];

#endif
