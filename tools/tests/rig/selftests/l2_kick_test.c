// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rig self-test: an L2 guest spinning on CPU 1 is forced out by an IPI sent from CPU 0.
 *
 * This is the path the nested pfn-cache invalidation depends on (a request and a kick from one
 * CPU make the vCPU running L2 on another CPU exit before the old page can be reused), in its
 * plainest form: the vCPU thread, pinned to CPU 1, runs L1, which enters L2; L2 increments a
 * counter forever. The main thread, pinned to CPU 0, waits until it sees the counter move (L2
 * is running right now), then sends the vCPU thread a signal: the kernel kicks CPU 1 with a
 * rescheduling IPI, which must force a VM exit out of L2, and KVM_RUN must return -EINTR
 * (KVM_EXIT_INTR) with KVM_RUN_X86_GUEST_MODE set (the vCPU was in L2). ROUNDS times; checked
 * each time, plus: CPU 1 received at least ROUNDS rescheduling IPIs (/proc/interrupts), and the
 * median time from the signal to KVM_RUN's return is below MEDIAN_LIMIT_MS.
 *
 * The rig boots a host with two CPUs with nohz_full=1: while the vCPU thread is CPU 1's only
 * task, CPU 1 has no scheduler tick (HZ=250 on Debian's kernel, 1000 on the debug kernel), which
 * would end the spin within a few ms and hide a lost IPI. Checked first: CPU 1 takes at most
 * QUIET_TICKS local timer interrupts in a second of L2 spinning (measured: QEMU 4-6, Bochs 12;
 * residual timers). With a lost IPI each exit would wait for the next of those, 1000/T ms apart
 * on average for T per second, so its latency would be spread over that gap: the median is
 * required to stay below a quarter of it (at most 100 ms), which 32 rounds cannot meet by chance
 * (measured with the IPI: Bochs 0.17 ms, QEMU 4 ms on a loaded host).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "vmx.h"
#include "svm_util.h"
#include "rig_irq.h"

#define ROUNDS		32
#define QUIET_TICKS	20

static u64 l2_count;

static void l2_guest_code(void)
{
	for (;;)
		WRITE_ONCE(l2_count, l2_count + 1);
}

static void l1_guest_code(void *data)
{
	if (this_cpu_has(X86_FEATURE_VMX)) {
		struct vmx_pages *vmx = data;

		GUEST_ASSERT(prepare_for_vmx_operation(vmx));
		GUEST_ASSERT(load_vmcs(vmx));
		prepare_vmcs(vmx, l2_guest_code);
		GUEST_ASSERT(!vmlaunch());
	} else {
		struct svm_test_data *svm = data;

		generic_svm_setup(svm, l2_guest_code);
		run_guest(svm->vmcb, svm->vmcb_gpa);
	}
	GUEST_FAIL("L2 exited to L1");
}

static struct kvm_vcpu *vcpu;
static u64 *count;	/* the guest's l2_count */
static int done_round;
static double t_sent, lat_us[ROUNDS];
static int vcpu_cpu;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
}

static void *vcpu_thread(void *arg)
{
	int i, r;

	pin_self_to_cpu(1);
	for (i = 0; i < ROUNDS; i++) {
		r = __vcpu_run(vcpu);
		lat_us[i] = (now() - t_sent) * 1e6;
		vcpu_cpu = sched_getcpu();
		TEST_ASSERT(r == -1 && errno == EINTR,
			    "round %d: KVM_RUN returned %d (errno %d, exit reason %u), expected -EINTR",
			    i, r, errno, vcpu->run->exit_reason);
		TEST_ASSERT_EQ(vcpu->run->exit_reason, KVM_EXIT_INTR);
		TEST_ASSERT(vcpu->run->flags & KVM_RUN_X86_GUEST_MODE,
			    "round %d: the vCPU was not in L2 when it was forced out", i);
		TEST_ASSERT(vcpu_cpu == 1, "round %d: the vCPU ran on CPU %d", i, vcpu_cpu);
		__atomic_store_n(&done_round, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long res0, res1, loc0, ticks = 0;
	pthread_t thread;
	u64 c0;
	double t0, median, limit_ms;
	int window, moved;
	struct kvm_vm *vm;
	gva_t gva;
	int i;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_VMX) || kvm_cpu_has(X86_FEATURE_SVM));
	TEST_ASSERT(sysconf(_SC_NPROCESSORS_ONLN) >= 2,
		    "the host has one CPU; this test needs two");

	pin_self_to_cpu(0);
	vm = vm_create_with_one_vcpu(&vcpu, l1_guest_code);
	if (kvm_cpu_has(X86_FEATURE_VMX))
		vcpu_alloc_vmx(vm, &gva);
	else
		vcpu_alloc_svm(vm, &gva);
	vcpu_args_set(vcpu, 1, gva);
	count = addr_gva2hva(vm, (gva_t)&l2_count);
	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction");

	TEST_ASSERT(!pthread_create(&thread, NULL, vcpu_thread, NULL), "pthread_create");
	/* L2 is spinning on CPU 1: nothing must interrupt it but what we send. */
	t0 = now();
	while (!READ_ONCE(*count))
		TEST_ASSERT(now() - t0 < 30, "L2 did not start in 30s");
	for (window = 0; window < 5; window++) {
		loc0 = rig_irq_count("LOC:", 1);
		c0 = READ_ONCE(*count);
		sleep(1);
		ticks = rig_irq_count("LOC:", 1) - loc0;
		TEST_ASSERT(READ_ONCE(*count) != c0, "L2 stopped spinning");
		if (ticks <= QUIET_TICKS)
			break;
	}
	TEST_ASSERT(ticks <= QUIET_TICKS,
		    "CPU 1 took %lu timer interrupts in a second of L2 spinning: not tickless (boot with nohz_full=1)",
		    ticks);
	res0 = rig_irq_count("RES:", 1);
	for (i = 0; i < ROUNDS; i++) {
		/* L2 must be running right now: its counter moves while we watch. */
		t0 = now();
		for (moved = 0; moved < 2; moved++) {
			c0 = READ_ONCE(*count);
			while (READ_ONCE(*count) == c0)
				TEST_ASSERT(now() - t0 < 30,
					    "round %d: L2's counter did not move in 30s", i);
		}
		t_sent = now();
		pthread_kill(thread, SIGUSR1);
		while (__atomic_load_n(&done_round, __ATOMIC_ACQUIRE) <= i)
			TEST_ASSERT(now() - t_sent < 30,
				    "round %d: the vCPU running L2 on CPU 1 was not forced out in 30s",
				    i);
	}
	pthread_join(thread, NULL);
	res1 = rig_irq_count("RES:", 1);

	qsort(lat_us, ROUNDS, sizeof(lat_us[0]), cmp_double);
	median = lat_us[ROUNDS / 2];
	printf("CPU 1 took %lu timer interrupts in a second of L2 spinning; ", ticks);
	printf("L2 forced out by a signal from CPU 0 %d times: signal to KVM_RUN return ", ROUNDS);
	printf("min %.0f us, median %.0f us, max %.0f us; ",
	       lat_us[0], median, lat_us[ROUNDS - 1]);
	limit_ms = 250.0 / (ticks ? ticks : 1);
	if (limit_ms > 100)
		limit_ms = 100;
	printf("rescheduling IPIs to CPU 1: %lu; L2 counter %lu; limit %.0f ms\n",
	       res1 - res0, (unsigned long)READ_ONCE(*count), limit_ms);
	TEST_ASSERT(res1 - res0 >= ROUNDS, "CPU 1 got only %lu rescheduling IPIs for %d kicks",
		    res1 - res0, ROUNDS);
	TEST_ASSERT(median < limit_ms * 1000,
		    "median %.0f us from the signal to the exit (limit %.0f ms): the IPI did not force L2 out",
		    median, limit_ms);
	kvm_vm_free(vm);
	return 0;
}
