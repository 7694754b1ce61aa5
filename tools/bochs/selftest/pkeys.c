// SPDX-License-Identifier: GPL-2.0-only
/*
 * Protection keys (PKU) check for the Bochs rig self-test (tools/bochs/selftest.sh),
 * run in the Bochs guest by selftest/init. It needs no KVM and fails without patch 0003.
 *
 * Intel SDM Vol. 3A, 4.6.1 and 4.6.2: PKRU controls data accesses to user-mode addresses
 * (U/S=1 at every paging level), by user-mode and by supervisor-mode code; it never restricts
 * supervisor-mode addresses. Linux keeps the task's PKRU while it runs kernel code (syscalls,
 * and KVM runs with the guest's PKRU around VM entry/exit), so:
 *
 *  1. kernel code must run normally while PKRU write-disables every key, key 0 included
 *     (a Bochs that applies PKRU.WD to supervisor-mode addresses takes a #PF on the first
 *     kernel stack push, then #DF, then shuts down: Bochs exits with
 *     "exception(): 3rd (14) exception with no resolution");
 *  2. the kernel's accesses to a user buffer follow PKRU: read() into an access- or
 *     write-disabled buffer and write() from an access-disabled one fail with EFAULT,
 *     write() from a write-disabled buffer works.
 *
 * Output: "PKEYS ..." lines, then "PKEYS-DONE fails=N".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fails;

static void check(const char *what, int ok, long ret, int err)
{
	printf("PKEYS %s: ret=%ld errno=%d: %s\n", what, ret, ret < 0 ? err : 0, ok ? "ok" : "WRONG");
	fflush(stdout);
	fails += !ok;
}

static inline unsigned int rdpkru(void)
{
	unsigned int eax, edx;

	asm volatile("rdpkru" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

/*
 * getppid() with PKRU = all keys write-disabled (reads stay allowed, so user code can go
 * on running), restored before anything in user mode writes memory.
 */
static long syscall_with_pkru_all_wd(unsigned int saved)
{
	long ret;

	asm volatile(
		"mov $0xaaaaaaaa, %%eax\n\t"
		"xor %%ecx, %%ecx\n\t"
		"xor %%edx, %%edx\n\t"
		"wrpkru\n\t"
		"mov %[nr], %%eax\n\t"
		"syscall\n\t"
		"mov %%rax, %%r8\n\t"
		"mov %[saved], %%eax\n\t"
		"xor %%ecx, %%ecx\n\t"
		"xor %%edx, %%edx\n\t"
		"wrpkru\n\t"
		"mov %%r8, %[ret]\n\t"
		: [ret] "=r"(ret)
		: [nr] "i"(SYS_getppid), [saved] "r"(saved)
		: "rax", "rcx", "rdx", "r8", "r11", "memory");
	return ret;
}

int main(void)
{
	int fd, pfd[2], pkey;
	unsigned int saved;
	char *buf;
	long r;

	pkey = pkey_alloc(0, 0);
	if (pkey < 0) {
		printf("PKEYS pkey_alloc failed (errno %d): protection keys not offered\n", errno);
		printf("PKEYS-DONE fails=1\n");
		return 1;
	}
	buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || pkey_mprotect(buf, 4096, PROT_READ | PROT_WRITE, pkey) ||
	    (fd = open("/init", O_RDONLY)) < 0 || pipe(pfd)) {
		printf("PKEYS setup failed (errno %d)\n", errno);
		printf("PKEYS-DONE fails=1\n");
		return 1;
	}
	buf[0] = 1;

	/* 1. kernel code with every key write-disabled in PKRU */
	saved = rdpkru();
	r = syscall_with_pkru_all_wd(saved);
	check("syscall with PKRU=0xaaaaaaaa (kernel pages are supervisor-mode: not affected)",
	      r == getppid() && rdpkru() == saved, r, 0);

	/* 2. the kernel's accesses to a user-mode buffer follow PKRU */
	pkey_set(pkey, 0);
	r = pread(fd, buf, 1, 0);
	check("kernel write to user buffer, key allowed", r == 1, r, errno);

	pkey_set(pkey, PKEY_DISABLE_ACCESS);
	r = pread(fd, buf, 1, 0);
	pkey_set(pkey, 0);
	check("kernel write to user buffer, key access-disabled (EFAULT)", r < 0 && errno == EFAULT, r, errno);

	pkey_set(pkey, PKEY_DISABLE_WRITE);
	r = pread(fd, buf, 1, 0);
	pkey_set(pkey, 0);
	check("kernel write to user buffer, key write-disabled (EFAULT)", r < 0 && errno == EFAULT, r, errno);

	pkey_set(pkey, PKEY_DISABLE_ACCESS);
	r = write(pfd[1], buf, 1);
	pkey_set(pkey, 0);
	check("kernel read of user buffer, key access-disabled (EFAULT)", r < 0 && errno == EFAULT, r, errno);

	pkey_set(pkey, PKEY_DISABLE_WRITE);
	r = write(pfd[1], buf, 1);
	pkey_set(pkey, 0);
	check("kernel read of user buffer, key write-disabled", r == 1, r, errno);

	printf("PKEYS-DONE fails=%d\n", fails);
	return fails != 0;
}
