/*
 * A target in seccomp strict mode, for seccomp-strict.sh: says READY on
 * stdout, enters strict mode and blocks in read(0) (one of the four
 * syscalls strict mode allows); leaves with exit when stdin closes.
 */
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	char c;

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0))
		return 1;
	if (write(1, "READY\n", 6) != 6)
		syscall(SYS_exit, 1);
	while (read(0, &c, 1) > 0)
		;
	syscall(SYS_exit, 0);	/* exit_group would be killed */
	return 0;
}
