/*
 * Logging: one sink for the whole process, a prefix per module.
 *
 * Each .c file defines LOG_PREFIX ("dump-mem: ") before including this
 * header. Errors carry file:line so that a report points at the code.
 * pr_perror() appends strerror(errno); pr_err_rc() appends strerror(-rc)
 * for the negative-errno convention used throughout lmig.
 */
#ifndef LMIG_LOG_H
#define LMIG_LOG_H

#include <errno.h>
#include <stdbool.h>

enum log_level {
	LOG_QUIET = 0,	/* errors only */
	LOG_NORMAL,	/* errors, warnings, progress */
	LOG_INFO,	/* -v */
	LOG_DEBUG,	/* -vv */
};

#ifndef LOG_PREFIX
#define LOG_PREFIX ""
#endif

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Also copy every message to PATH (appended). Returns 0 or -errno. */
int log_open_file(const char *path);
void log_close(void);

__attribute__((format(printf, 5, 6)))
void log_msg(enum log_level level, const char *file, int line, int err, const char *fmt, ...);

#define LOG_ERR_LEVEL ((enum log_level)-1)

#define pr_err(fmt, ...) \
	log_msg(LOG_ERR_LEVEL, __FILE__, __LINE__, 0, LOG_PREFIX fmt, ##__VA_ARGS__)
#define pr_perror(fmt, ...) \
	log_msg(LOG_ERR_LEVEL, __FILE__, __LINE__, errno, LOG_PREFIX fmt, ##__VA_ARGS__)
#define pr_err_rc(rc, fmt, ...) \
	log_msg(LOG_ERR_LEVEL, __FILE__, __LINE__, -(rc), LOG_PREFIX fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) \
	log_msg(LOG_NORMAL, NULL, 0, 0, LOG_PREFIX "warning: " fmt, ##__VA_ARGS__)
#define pr_msg(fmt, ...) \
	log_msg(LOG_NORMAL, NULL, 0, 0, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) \
	log_msg(LOG_INFO, NULL, 0, 0, LOG_PREFIX fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) \
	log_msg(LOG_DEBUG, NULL, 0, 0, LOG_PREFIX fmt, ##__VA_ARGS__)

#endif
