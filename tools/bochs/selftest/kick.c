/* Self-test of the patched Bochs (tools/bochs/selftest.sh), run inside the Bochs guest.
 * - a KVM guest that exits with OUT must reach userspace (basic VMX works);
 * - a KVM guest spinning with RFLAGS.IF=0 must be kicked out of KVM_RUN by a signal: host
 *   timer interrupts must cause external-interrupt VM exits (patch 0001);
 * - the same two with an in-kernel irqchip, where KVM enables APICv and so uses a 64-byte
 *   aligned posted-interrupt descriptor (patch 0002; without it VM entry fails). */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void on_alarm(int sig) { (void)sig; }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static int run_guest(int kvm, const unsigned char *code, size_t len, const char *what, int expect_eintr, int irqchip)
{
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) { perror("KVM_CREATE_VM"); return 1; }
	/* an in-kernel irqchip makes KVM use APICv (posted interrupts) for the vCPU */
	if (irqchip && ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0) { perror("KVM_CREATE_IRQCHIP"); return 1; }
	void *mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memcpy((char *)mem + 0x1000, code, len);
	struct kvm_userspace_memory_region r = { .slot = 0, .guest_phys_addr = 0, .memory_size = 0x10000, .userspace_addr = (unsigned long)mem };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0) { perror("SET_USER_MEMORY_REGION"); return 1; }
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) { perror("KVM_CREATE_VCPU"); return 1; }
	int sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	struct kvm_sregs s; ioctl(vcpu, KVM_GET_SREGS, &s);
	s.cs.base = 0; s.cs.selector = 0; ioctl(vcpu, KVM_SET_SREGS, &s);
	struct kvm_regs g = { .rip = 0x1000, .rflags = 0x2 }; /* IF = 0 */
	ioctl(vcpu, KVM_SET_REGS, &g);
	alarm(expect_eintr ? 2 : 0);
	double t0 = now();
	int rc = ioctl(vcpu, KVM_RUN, 0);
	int e = errno;
	double dt = now() - t0;
	if (expect_eintr) {
		if (rc < 0 && e == EINTR) { printf("KICK-PASS %s: KVM_RUN returned EINTR after %.2fs\n", what, dt); return 0; }
		printf("KICK-FAIL %s: KVM_RUN rc=%d errno=%d exit_reason=%u after %.2fs\n", what, rc, e, run->exit_reason, dt);
		return 1;
	}
	if (rc == 0 && run->exit_reason == KVM_EXIT_IO && run->io.port == 0x10) {
		printf("KICK-PASS %s: exit IO port 0x10 after %.2fs\n", what, dt); return 0;
	}
	printf("KICK-FAIL %s: KVM_RUN rc=%d errno=%d exit_reason=%u fail_entry_reason=0x%llx after %.2fs\n", what, rc, e,
	       run->exit_reason, (unsigned long long)run->fail_entry.hardware_entry_failure_reason, dt);
	return 1;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	int kvm = open("/dev/kvm", O_RDWR);
	if (kvm < 0) { perror("/dev/kvm"); return 1; }
	static const unsigned char io[] = { 0xe6, 0x10, 0xf4 };         /* out %al,$0x10; hlt */
	static const unsigned char spin[] = { 0xfa, 0xeb, 0xfe };       /* cli; jmp . */
	int fails = run_guest(kvm, io, sizeof io, "io-exit", 0, 0);
	fails += run_guest(kvm, spin, sizeof spin, "spin-with-IF=0", 1, 0);
	fails += run_guest(kvm, io, sizeof io, "io-exit+irqchip(APICv)", 0, 1);
	fails += run_guest(kvm, spin, sizeof spin, "spin-with-IF=0+irqchip(APICv)", 1, 1);
	printf("KICK-DONE fails=%d\n", fails);
	return fails != 0;
}
