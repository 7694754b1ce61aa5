// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rig self-test: a vCPU that spins with interrupts disabled (RFLAGS.IF=0) must still be forced
 * out of KVM_RUN when the host needs the CPU: a SIGALRM sent to the vCPU thread must make
 * KVM_RUN return -EINTR (exit reason KVM_EXIT_INTR) within a few seconds.
 *
 * On an emulator that does not deliver host interrupts while a guest runs with IF=0 (stock
 * Bochs, see Documentation/rig.md), the host gets no timer tick while the guest spins: this test
 * then hangs and the rig must report it (per-test timeout or the host-side timeout).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

static void guest_code(void)
{
	asm volatile("cli");
	for (;;)
		asm volatile("pause");
}

static void on_alarm(int sig)
{
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct timespec t0, t1;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	double secs;
	int r;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	TEST_ASSERT(!sigaction(SIGALRM, &sa, NULL), "sigaction failed");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	alarm(2);
	r = __vcpu_run(vcpu);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	TEST_ASSERT(r == -1 && errno == EINTR,
		    "KVM_RUN returned %d (errno %d) after %.1fs, expected -1/EINTR", r, errno, secs);
	TEST_ASSERT_EQ(vcpu->run->exit_reason, KVM_EXIT_INTR);
	printf("KVM_RUN of a vCPU spinning with IF=0 was interrupted by SIGALRM after %.1fs\n", secs);
	TEST_ASSERT(secs < 10, "the vCPU was forced out only after %.1fs", secs);

	kvm_vm_free(vm);
	return 0;
}
