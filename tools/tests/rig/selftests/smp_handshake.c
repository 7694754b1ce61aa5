// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rig self-test: the rig's host really has two CPUs that run at the same time.
 *
 * Two threads, pinned to CPU 0 and CPU 1, play ping-pong on one shared word ROUNDS times, each
 * spinning (never sleeping, never yielding) until the other has answered. With two CPUs every
 * answer comes within a few hundred instructions and neither thread is switched out; on one CPU
 * every hand-off needs the scheduler to preempt the spinning thread (a timer tick), so the rounds
 * cannot complete in the time allowed and the involuntary context switches pile up. Checked:
 * both threads ran on the CPU they were pinned to for the whole test, all rounds completed
 * within TIME_LIMIT seconds, and together they were switched out involuntarily fewer than
 * ROUNDS / 100 times.
 *
 * "-1" pins both threads to CPU 0: what a one-CPU host gives. The rig runs that too and expects
 * it to fail (xfail): the test is shown to tell one CPU from two.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"

#define ROUNDS		100000
#define TIME_LIMIT	20.0

static unsigned long turn;	/* even: CPU 0's turn, odd: CPU 1's */
static int stop;

struct player {
	int cpu;
	int parity;
	pthread_t thread;
	unsigned long rounds;
	long nivcsw;
	int wrong_cpu;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *play(void *arg)
{
	struct player *p = arg;
	struct rusage ru;
	unsigned long t;

	pin_self_to_cpu(p->cpu);
	while (!READ_ONCE(stop)) {
		t = __atomic_load_n(&turn, __ATOMIC_ACQUIRE);
		if (t >= 2 * ROUNDS)
			break;
		if ((t & 1) != p->parity)
			continue;
		if (sched_getcpu() != p->cpu)
			p->wrong_cpu++;
		__atomic_store_n(&turn, t + 1, __ATOMIC_RELEASE);
		p->rounds++;
	}
	getrusage(RUSAGE_THREAD, &ru);
	p->nivcsw = ru.ru_nivcsw;
	return NULL;
}

int main(int argc, char *argv[])
{
	struct player p[2] = { { .cpu = 0, .parity = 0 }, { .cpu = 1, .parity = 1 } };
	int one_cpu = argc > 1 && !strcmp(argv[1], "-1");
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	double t0, secs;
	int i;

	if (one_cpu)
		p[1].cpu = 0;
	else
		TEST_ASSERT(online >= 2, "the host has %ld online CPU(s); this test needs two",
			    online);

	t0 = now();
	for (i = 0; i < 2; i++)
		TEST_ASSERT(!pthread_create(&p[i].thread, NULL, play, &p[i]), "pthread_create");
	while (READ_ONCE(turn) < 2 * ROUNDS && now() - t0 < TIME_LIMIT)
		usleep(10000);
	secs = now() - t0;
	WRITE_ONCE(stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(p[i].thread, NULL);

	printf("%s: %lu of %d rounds in %.2fs; ",
	       one_cpu ? "both threads on CPU 0" : "threads on CPU 0 and CPU 1",
	       turn / 2, ROUNDS, secs);
	printf("involuntary context switches: %ld (CPU %d), %ld (CPU %d)\n",
	       p[0].nivcsw, p[0].cpu, p[1].nivcsw, p[1].cpu);
	TEST_ASSERT(!p[0].wrong_cpu && !p[1].wrong_cpu,
		    "a thread ran on another CPU than it was pinned to (%d, %d times)",
		    p[0].wrong_cpu, p[1].wrong_cpu);
	TEST_ASSERT(turn >= 2 * ROUNDS,
		    "handshake incomplete: %lu of %d rounds in %.1fs: the threads did not run at the same time",
		    turn / 2, ROUNDS, TIME_LIMIT);
	TEST_ASSERT(p[0].nivcsw + p[1].nivcsw < ROUNDS / 100,
		    "%ld involuntary context switches for %d rounds: the hand-offs needed the scheduler",
		    p[0].nivcsw + p[1].nivcsw, ROUNDS);
	return 0;
}
