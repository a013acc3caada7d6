/* The alternate signal stack is back, and a SA_ONSTACK handler runs on it after restore. */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "crtest.h"

#define ALT_SIZE	(256 * 1024)

static char *alt;
static volatile sig_atomic_t on_alt, ran;

static void on_usr2(int sig)
{
	char here;

	(void)sig;
	ran = 1;
	on_alt = (uintptr_t)&here >= (uintptr_t)alt && (uintptr_t)&here < (uintptr_t)alt + ALT_SIZE;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr2, .sa_flags = SA_ONSTACK };
	stack_t ss, old;

	cr_init();
	alt = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (alt == MAP_FAILED)
		cr_fail_errno("mmap");
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		cr_fail_errno("sigaltstack");
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR2, &sa, NULL))
		cr_fail_errno("sigaction");

	cr_ready();
	cr_wait();

	if (sigaltstack(NULL, &old))
		cr_fail_errno("sigaltstack");
	if (old.ss_sp != alt || old.ss_size != ALT_SIZE || (old.ss_flags & SS_DISABLE))
		cr_fail("sigaltstack is %p+%zu flags %#x, want %p+%d enabled", old.ss_sp,
			old.ss_size, old.ss_flags, (void *)alt, ALT_SIZE);
	raise(SIGUSR2);
	if (!ran)
		cr_fail("the SIGUSR2 handler did not run");
	if (!on_alt)
		cr_fail("the SA_ONSTACK handler ran off the alternate stack");
	cr_pass();
}
