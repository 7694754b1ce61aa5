// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rig self-test: with APICv (virtual-interrupt delivery), a virtual interrupt must not be
 * delivered to a guest while it runs with RFLAGS.IF=0, however many host interrupts arrive
 * meanwhile.
 *
 * The guest sends itself an IPI with IF=0, so the vector stays pending in the virtual APIC
 * (RVI), and spins until the host says stop; the host waits two seconds, so the host's timer
 * interrupts on the vCPU's CPU cause VM exits while the vector is pending. The guest then checks
 * that its handler has not run, enables interrupts and checks that it runs exactly once.
 *
 * Stock Bochs 3.0 delivers the pending virtual interrupt instead of the VM exit when a host
 * interrupt arrives while the guest has IF=0 (HandleExtInterrupt() tests whether the virtual
 * interrupt is pending, not whether it is unmasked; tools/bochs/patches/0006). KVM then sees an
 * external interrupt in the IDT-vectoring information of an exit that happens during that
 * delivery and re-injects it into a guest with IF=0: VM entry fails (upstream's debug_regs failed
 * this way in about one run in eight).
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "apic.h"
#include "ucall_common.h"
#include "rig_irq.h"

#define RIG_VIRQ_VECTOR		0xb5
#define RIG_MIN_HOST_IRQS	50

static volatile int stop;
static volatile int irqs_received;

static void guest_irq_handler(struct ex_regs *regs)
{
	irqs_received++;
	x2apic_write_reg(APIC_EOI, 0);
}

static void guest_code(void)
{
	x2apic_enable();
	asm volatile("cli");
	x2apic_write_reg(APIC_ICR, APIC_DEST_SELF | APIC_INT_ASSERT | APIC_DM_FIXED |
			 RIG_VIRQ_VECTOR);

	while (!stop)
		asm volatile("pause");

	GUEST_ASSERT_EQ(irqs_received, 0);
	asm volatile("sti; nop; cli");
	GUEST_ASSERT_EQ(irqs_received, 1);
	GUEST_DONE();
}

static bool apicv_enabled(void)
{
	FILE *f = fopen("/sys/module/kvm_intel/parameters/enable_apicv", "r");
	int c = f ? fgetc(f) : 0;

	if (f)
		fclose(f);
	return c == 'Y';
}

static void *stopper(void *arg)
{
	struct kvm_vm *vm = arg;

	sleep(2);
	*(volatile int *)addr_gva2hva(vm, (gva_t)&stop) = 1;
	return NULL;
}

int main(void)
{
	unsigned long irqs_before, irqs_after;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	pthread_t thread;
	struct ucall uc;
	int cpu;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_X2APIC));
	__TEST_REQUIRE(apicv_enabled(),
		       "kvm_intel.enable_apicv is not Y (no kvm_intel, or APICv off): no virtual-interrupt delivery to check");

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_install_exception_handler(vm, RIG_VIRQ_VECTOR, guest_irq_handler);

	cpu = sched_getcpu();
	irqs_before = rig_irq_count("LOC:", cpu);
	pthread_create(&thread, NULL, stopper, vm);
	vcpu_run(vcpu);
	pthread_join(thread, NULL);
	irqs_after = rig_irq_count("LOC:", cpu);

	switch (get_ucall(vcpu, &uc)) {
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	case UCALL_DONE:
		break;
	default:
		TEST_FAIL("unexpected exit: %s", exit_reason_str(vcpu->run->exit_reason));
	}
	TEST_ASSERT_EQ(sched_getcpu(), cpu);
	printf("%lu local timer interrupts on CPU %d while the guest spun with IF=0 and a pending virtual interrupt\n",
	       irqs_after - irqs_before, cpu);
	TEST_ASSERT(irqs_after - irqs_before >= RIG_MIN_HOST_IRQS,
		    "only %lu host timer interrupts on CPU %d during the spin (at least %d needed for the check to mean anything)",
		    irqs_after - irqs_before, cpu, RIG_MIN_HOST_IRQS);

	kvm_vm_free(vm);
	return 0;
}
