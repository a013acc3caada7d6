/*
 * Benchmark target (bench/threads/run.sh): N threads, each blocked in a
 * futex wait, the main thread in pause(). Prints "ready" on stdout once
 * every thread is created.
 */
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned int word;

static void *run(void *arg)
{
	(void)arg;
	for (;;)
		syscall(SYS_futex, &word, FUTEX_WAIT, 0, NULL, NULL, 0);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (int i = 1; i < n; i++) {
		pthread_t t;

		if (pthread_create(&t, &attr, run, NULL)) {
			perror("pthread_create");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
