// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmx_roundtrip
 *
 * Measure the cost of a nested VMX round trip L2 -> L1 -> L2 when vmcs12
 * points at an APIC-access page, a virtual-APIC page (TPR shadow) and, if the
 * vCPU's VMX capabilities allow it, a posted-interrupt descriptor, and uses
 * MSR bitmaps: KVM has to look up the pages that vmcs12 names on every nested
 * VM-entry, and this is what the round trip costs with them.
 *
 * L2 does nothing but VMCALL.  L1 resumes it after each exit, stepping over
 * the VMCALL, and after a warm-up counts the TSC cycles that N round trips
 * take (RDTSC in L1, around the whole loop).  Nothing is ever posted: the
 * descriptor and its notification vector only have to be in vmcs12.
 *
 * The three pages live in a memslot of their own, backed by anonymous memory
 * or, with -m FILE[:OFFSET], by FILE's shared mapping at OFFSET: VM_PFNMAP
 * memory such as /dev/rig_pfnmap_pages or /dev/rig_nopage (devices that map
 * pages with struct pages, or RAM without struct pages above mem=, with
 * remap_pfn_range()), as in vmx_vapic_invalidation_test and
 * vmx_pi_invalidation_test.  With -w as well, the rest of L1's memory (the
 * memslots the selftest library made: L1's code, page tables and stack,
 * vmcs12, the VMXON region and the MSR bitmap) moves into FILE too, after the
 * three pages, before the vCPU first runs: every page a nested VM-entry looks
 * up is then in FILE, as on hosts that give guests memory without struct
 * pages.  The library's mapping is replaced in place (MAP_FIXED), so its
 * addresses stay valid.
 *
 * With -c (the control), L1 turns none of those controls on: vmcs12 names no
 * page but the ones every VMCS needs, and the round trip costs what remains.
 *
 * With -k, the host also counts the calls of memremap(), memunmap() and
 * iounmap() (which memunmap() of memory outside the direct map calls) in L0
 * (kprobes, read from tracefs' kprobe_profile) from just before the measured
 * round trips to just after them (one ucall each way more), and reports them
 * per round trip: the mechanism behind the cycles.  The ioremap side is not
 * counted: x86's arch_memremap_wb() calls ioremap_encrypted() in the same
 * file, where the call is inlined, so a kprobe on it never fires.  The probes
 * cost cycles themselves, so a run with -k is for the counts, not for the
 * cycles.
 *
 * This is a benchmark, not a test: it checks that every exit to L1 is L2's
 * VMCALL, never how long anything takes.  The last line of its output is, on
 * one line, for scripts:
 *
 *   vmx_roundtrip: memory=<anonymous|pfnmap:FILE|l1:FILE> pages=<yes|no>
 *   posted_interrupts=<yes|no> round_trips=<N> cycles=<total>
 *   cycles_per_round_trip=<total / N, 1 decimal>
 *   [memremap=<per round trip> memunmap=<...> iounmap=<...>, with -k]
 */
#include <fcntl.h>
#include <sys/mman.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "apic.h"
#include "vmx.h"

#define PAGES_SLOT		10
#define NR_PAGES		3
#define PAGES_GPA		0xc0000000ull
#define VAPIC_GPA		(PAGES_GPA + 0x0000)
#define PI_DESC_GPA		(PAGES_GPA + 0x1000)	/* 64-byte aligned, as required */
#define APIC_ACCESS_GPA		(PAGES_GPA + 0x2000)

#define PI_NV			0xf2	/* L2's notification vector, in L1's APIC */

#define WARMUP_ROUND_TRIPS	1000
#define DEFAULT_ROUND_TRIPS	20000

static void l2_guest_code(void)
{
	for (;;)
		vmcall();
}

static void l1_vmwrite(u64 field, u64 value)
{
	__GUEST_ASSERT(!vmwrite(field, value), "VMWRITE of 0x%lx to field 0x%lx failed",
		       value, field);
}

/* The allowed-1 half of a VMX capability MSR must have all of @bits. */
static void l1_assert_allowed(u32 msr, u32 bits)
{
	u32 allowed = rdmsr(msr) >> 32;

	__GUEST_ASSERT((allowed & bits) == bits,
		       "MSR 0x%x allows 0x%x, L1 needs 0x%x (the host checked it allows them)",
		       msr, allowed, bits);
}

/* L2 exited to L1: that must be L2's VMCALL.  Step L2 over it. */
static void l1_handle_exit(u64 nr)
{
	u64 reason = vmreadz(VM_EXIT_REASON);

	__GUEST_ASSERT(reason == EXIT_REASON_VMCALL,
		       "exit %lu: exit reason 0x%lx (qualification 0x%lx), expected VMCALL",
		       nr, reason, vmreadz(EXIT_QUALIFICATION));
	vmwrite(GUEST_RIP, vmreadz(GUEST_RIP) + vmreadz(VM_EXIT_INSTRUCTION_LEN));
}

/* One round trip: L1 -> L2 (VMRESUME), L2 -> L1 (VMCALL). */
static void l1_round_trip(u64 nr)
{
	__GUEST_ASSERT(!vmresume(), "exit %lu: VMRESUME failed, VM-instruction error %lu",
		       nr, vmreadz(VM_INSTRUCTION_ERROR));
	l1_handle_exit(nr);
}

static void l1_guest_code(struct vmx_pages *vmx_pages, u64 round_trips, u64 use_pi,
			  u64 use_pages)
{
	u64 start, cycles, nr = 0, i;

	/*
	 * L1's APIC is where the notification vector would arrive: enable it,
	 * in x2APIC mode (no MMIO mapping needed).  It is enabled with or
	 * without posted interrupts so that the two modes differ only in
	 * vmcs12.  L1 runs with interrupts disabled throughout.
	 */
	x2apic_enable();

	GUEST_ASSERT(prepare_for_vmx_operation(vmx_pages));
	GUEST_ASSERT(load_vmcs(vmx_pages));
	prepare_vmcs(vmx_pages, l2_guest_code);
	if (!use_pages)
		goto run;

	/*
	 * prepare_vmcs() sets only the must-be-1 controls (and the secondary
	 * controls' activation): it points MSR_BITMAP at vmx_pages->msr, all
	 * zeroes (no MSR exits for L2), but does not turn the bitmaps on.
	 */
	l1_assert_allowed(MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
			  CPU_BASED_TPR_SHADOW | CPU_BASED_USE_MSR_BITMAPS |
			  CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	l1_assert_allowed(MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES);
	l1_vmwrite(CPU_BASED_VM_EXEC_CONTROL,
		   (vmreadz(CPU_BASED_VM_EXEC_CONTROL) | CPU_BASED_TPR_SHADOW |
		    CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) &
		   ~(CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING));
	l1_vmwrite(SECONDARY_VM_EXEC_CONTROL, vmreadz(SECONDARY_VM_EXEC_CONTROL) |
		   SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES);
	l1_vmwrite(VIRTUAL_APIC_PAGE_ADDR, VAPIC_GPA);
	l1_vmwrite(APIC_ACCESS_ADDR, APIC_ACCESS_GPA);
	l1_vmwrite(TPR_THRESHOLD, 0);

	if (use_pi) {
		/*
		 * Posted interrupts need virtual-interrupt delivery, which
		 * needs external-interrupt exiting; and acknowledge interrupt
		 * on exit.
		 */
		l1_assert_allowed(MSR_IA32_VMX_TRUE_PINBASED_CTLS,
				  PIN_BASED_EXT_INTR_MASK | PIN_BASED_POSTED_INTR);
		l1_assert_allowed(MSR_IA32_VMX_PROCBASED_CTLS2,
				  SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
		l1_assert_allowed(MSR_IA32_VMX_TRUE_EXIT_CTLS, VM_EXIT_ACK_INTR_ON_EXIT);
		l1_vmwrite(PIN_BASED_VM_EXEC_CONTROL, vmreadz(PIN_BASED_VM_EXEC_CONTROL) |
			   PIN_BASED_EXT_INTR_MASK | PIN_BASED_POSTED_INTR);
		l1_vmwrite(SECONDARY_VM_EXEC_CONTROL, vmreadz(SECONDARY_VM_EXEC_CONTROL) |
			   SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
		l1_vmwrite(VM_EXIT_CONTROLS, vmreadz(VM_EXIT_CONTROLS) | VM_EXIT_ACK_INTR_ON_EXIT);
		l1_vmwrite(POSTED_INTR_NV, PI_NV);
		l1_vmwrite(POSTED_INTR_DESC_ADDR, PI_DESC_GPA);
		l1_vmwrite(EOI_EXIT_BITMAP0, 0);
		l1_vmwrite(EOI_EXIT_BITMAP1, 0);
		l1_vmwrite(EOI_EXIT_BITMAP2, 0);
		l1_vmwrite(EOI_EXIT_BITMAP3, 0);
		l1_vmwrite(GUEST_INTR_STATUS, 0);
	}

run:
	/* The first entry and the warm-up are not measured. */
	__GUEST_ASSERT(!vmlaunch(), "VMLAUNCH failed, VM-instruction error %lu",
		       vmreadz(VM_INSTRUCTION_ERROR));
	l1_handle_exit(nr++);
	for (i = 0; i < WARMUP_ROUND_TRIPS; i++)
		l1_round_trip(nr++);

	/* The host reads its counters now (-k), and again after the loop. */
	GUEST_SYNC1(0);
	start = rdtsc();
	for (i = 0; i < round_trips; i++)
		l1_round_trip(nr++);
	cycles = rdtsc() - start;

	GUEST_SYNC3(round_trips, cycles, use_pi);
	GUEST_DONE();
}

struct vmx_ctl {
	u32 msr;	/* the VMX capability MSR */
	u32 bit;	/* the control, in the MSR's allowed-1 half */
	const char *what;
};

/* Required: the benchmark skips without them. */
static const struct vmx_ctl required_ctls[] = {
	{ MSR_IA32_VMX_TRUE_PROCBASED_CTLS, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
	  "secondary processor-based controls" },
	{ MSR_IA32_VMX_TRUE_PROCBASED_CTLS, CPU_BASED_TPR_SHADOW,
	  "TPR shadow (virtual-APIC page)" },
	{ MSR_IA32_VMX_TRUE_PROCBASED_CTLS, CPU_BASED_USE_MSR_BITMAPS, "MSR bitmaps" },
	{ MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES,
	  "APIC-access virtualization" },
};

/* For posted interrupts: without one of them, the benchmark runs without. */
static const struct vmx_ctl pi_ctls[] = {
	{ MSR_IA32_VMX_TRUE_PINBASED_CTLS, PIN_BASED_POSTED_INTR,
	  "posted-interrupt processing" },
	{ MSR_IA32_VMX_TRUE_PINBASED_CTLS, PIN_BASED_EXT_INTR_MASK,
	  "external-interrupt exiting" },
	{ MSR_IA32_VMX_PROCBASED_CTLS2, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY,
	  "virtual-interrupt delivery" },
	{ MSR_IA32_VMX_TRUE_EXIT_CTLS, VM_EXIT_ACK_INTR_ON_EXIT,
	  "acknowledge interrupt on exit" },
};

static bool vcpu_vmx_allows(struct kvm_vcpu *vcpu, const struct vmx_ctl *ctl)
{
	return (vcpu_get_msr(vcpu, ctl->msr) >> 32) & ctl->bit;
}

/* The first of @ctls that the vCPU's VMX capabilities do not allow, or NULL. */
static const struct vmx_ctl *vcpu_vmx_missing(struct kvm_vcpu *vcpu, const struct vmx_ctl *ctls,
					      int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		if (!vcpu_vmx_allows(vcpu, &ctls[i]))
			return &ctls[i];
	}
	return NULL;
}

/* The L0 functions that -k counts. */
static const char * const counted[] = { "memremap", "memunmap", "iounmap" };
#define NR_COUNTED	ARRAY_SIZE(counted)

static const char *tracefs(void)
{
	static const char * const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[128];
	int i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/kprobe_events", dirs[i]);
		if (!access(path, W_OK))
			return dirs[i];
	}
	return NULL;
}

static void tracefs_write(const char *dir, const char *file, const char *text)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_APPEND);
	TEST_ASSERT(fd >= 0, "cannot open %s", path);
	TEST_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text),
		    "writing '%s' to %s failed", text, path);
	close(fd);
}

static const char *kprobes_dir;

/*
 * Disable and remove the probes, best effort: for what an earlier run that
 * failed may have left, after the measurement, and at exit.
 */
static void kprobes_clear(const char *dir)
{
	char path[256], line[128];
	int fd, i;

	snprintf(path, sizeof(path), "%s/events/vmx_roundtrip/enable", dir);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		/* Nothing more to do if it fails, at exit. */
		(void)!write(fd, "0\n", 2);
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/kprobe_events", dir);
	for (i = 0; i < NR_COUNTED; i++) {
		fd = open(path, O_WRONLY | O_APPEND);
		if (fd < 0)
			return;
		snprintf(line, sizeof(line), "-:vmx_roundtrip/vmxrt_%s\n", counted[i]);
		/* Fails with ENOENT when the probe is not defined. */
		(void)!write(fd, line, strlen(line));
		close(fd);
	}
}

/* The probes of a run that stops on a failed assertion go at exit. */
static void kprobes_at_exit(void)
{
	if (kprobes_dir)
		kprobes_clear(kprobes_dir);
}

/* One kprobe per counted function, in the group vmx_roundtrip, enabled. */
static void kprobes_add(const char *dir)
{
	char line[128];
	int i;

	kprobes_clear(dir);
	kprobes_dir = dir;
	atexit(kprobes_at_exit);
	for (i = 0; i < NR_COUNTED; i++) {
		snprintf(line, sizeof(line), "p:vmx_roundtrip/vmxrt_%s %s\n", counted[i],
			 counted[i]);
		tracefs_write(dir, "kprobe_events", line);
	}
	tracefs_write(dir, "events/vmx_roundtrip/enable", "1\n");
}

/* The hits of each counted function's kprobe so far, from kprobe_profile. */
static void kprobes_read(const char *dir, u64 hits[NR_COUNTED])
{
	char path[256], name[128], want[64];
	unsigned long nhit, nmiss;
	int i, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kprobe_profile", dir);
	f = fopen(path, "r");
	TEST_ASSERT(f, "cannot open %s", path);
	while (fscanf(f, "%127s %lu %lu", name, &nhit, &nmiss) == 3) {
		for (i = 0; i < NR_COUNTED; i++) {
			snprintf(want, sizeof(want), "vmxrt_%s", counted[i]);
			if (!strcmp(name, want)) {
				hits[i] = nhit;
				found++;
			}
		}
	}
	fclose(f);
	TEST_ASSERT_EQ(found, NR_COUNTED);
}

/* The size of all of @vm's memslots. */
static size_t memslots_size(struct kvm_vm *vm)
{
	struct userspace_mem_region *region;
	size_t total = 0;
	int bkt;

	hash_for_each(vm->regions.slot_hash, bkt, region, slot_node)
		total += region->region.memory_size;
	return total;
}

/*
 * Move every memslot of @vm into @fm, in place: the library's mapping of each
 * is replaced by one of the file's pages at the same address, with the same
 * contents, so everything that holds its addresses stays valid.  Before the
 * vCPU first runs, so no vCPU holds a translation of the old pages.
 */
static void move_memslots(struct kvm_vm *vm, struct file_mem *fm)
{
	struct userspace_mem_region *region;
	void *copy, *p;
	size_t size;
	int bkt;

	hash_for_each(vm->regions.slot_hash, bkt, region, slot_node) {
		size = region->region.memory_size;
		TEST_ASSERT(fm->next + (off_t)size <= fm->end,
			    "%s: more memory needed than sized", fm->path);
		copy = malloc(size);
		TEST_ASSERT(copy, "malloc() of %zu bytes failed", size);
		memcpy(copy, region->host_mem, size);
		p = mmap(region->host_mem, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 fm->fd, fm->next);
		TEST_ASSERT(p == region->host_mem,
			    "mmap() of %zu bytes of %s at offset 0x%lx over memslot %u failed",
			    size, fm->path, (long)fm->next, region->region.slot);
		memcpy(p, copy, size);
		free(copy);
		pr_info("memslot %u (%zu KiB at GPA 0x%llx) moved into %s at offset 0x%lx\n",
			region->region.slot, size >> 10,
			(unsigned long long)region->region.guest_phys_addr, fm->path,
			(long)fm->next);
		fm->next += size;
	}
}

static void print_usage(const char *name)
{
	printf("usage: %s [-n ROUND_TRIPS] [-m FILE[:OFFSET] [-w]] [-c] [-k] [-h]\n"
	       "  -n ROUND_TRIPS    measured round trips L2 -> L1 -> L2 (default %d), after\n"
	       "                    %d that are not measured\n"
	       "  -m FILE[:OFFSET]  back the APIC-access and virtual-APIC pages and the\n"
	       "                    posted-interrupt descriptor with %d pages of FILE's shared\n"
	       "                    mapping at OFFSET (default 0; page aligned), e.g. VM_PFNMAP\n"
	       "                    memory from /dev/rig_nopage; without -m, anonymous memory\n"
	       "  -w                with -m: all of L1's memory in FILE too (vmcs12, MSR\n"
	       "                    bitmap, L1's code and page tables), after the pages\n"
	       "  -c                the control: L1 turns on no control that names a page\n"
	       "  -k                count calls of memremap(), memunmap() and iounmap() in\n"
	       "                    L0 during the measured round trips\n"
	       "                    (kprobes; costs cycles)\n"
	       "  -h                this help\n",
	       name, DEFAULT_ROUND_TRIPS, WARMUP_ROUND_TRIPS, NR_PAGES);
}

int main(int argc, char *argv[])
{
	u64 round_trips = DEFAULT_ROUND_TRIPS, cycles = 0;
	u64 hits_before[NR_COUNTED] = {}, hits_after[NR_COUNTED] = {};
	bool use_pi, use_pages = true, whole = false, count = false;
	bool done = false, reported = false;
	const char *spec = NULL, *trace_dir = NULL;
	struct file_mem mem = {};
	const struct vmx_ctl *missing;
	size_t l1_size = 0;
	gva_t vmx_pages_gva;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int opt, syncs = 0, i;
	struct ucall uc;
	void *pages;

	while ((opt = getopt(argc, argv, "n:m:wckh")) != -1) {
		switch (opt) {
		case 'n':
			round_trips = atoi_positive("-n: the number of round trips", optarg);
			break;
		case 'm':
			spec = optarg;
			break;
		case 'w':
			whole = true;
			break;
		case 'c':
			use_pages = false;
			break;
		case 'k':
			count = true;
			break;
		case 'h':
			print_usage(argv[0]);
			exit(KSFT_PASS);
		default:
			print_usage(argv[0]);
			exit(KSFT_FAIL);
		}
	}
	TEST_ASSERT(optind == argc, "unexpected argument '%s' (-h for help)", argv[optind]);
	TEST_ASSERT(!whole || spec, "-w needs -m FILE: it moves L1's memory into FILE");

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_VMX));
	if (count) {
		trace_dir = tracefs();
		__TEST_REQUIRE(trace_dir, "-k needs tracefs with kprobe_events (CONFIG_KPROBE_EVENTS)");
	}

	vm = vm_create_with_one_vcpu(&vcpu, l1_guest_code);

	/* What the vCPU offers L1, the values L1 reads from its VMX capability MSRs. */
	missing = vcpu_vmx_missing(vcpu, required_ctls, ARRAY_SIZE(required_ctls));
	__TEST_REQUIRE(!missing, "no %s for L2 (MSR 0x%x does not allow control 0x%x)",
		       missing->what, missing->msr, missing->bit);
	missing = vcpu_vmx_missing(vcpu, pi_ctls, ARRAY_SIZE(pi_ctls));
	use_pi = !missing && use_pages;
	if (!use_pages)
		pr_info("the control: no page in vmcs12 but the ones every VMCS needs\n");
	else if (missing)
		pr_info("no posted interrupts for L2: no %s (MSR 0x%x does not allow 0x%x)\n"
			"measuring without posted interrupts\n",
			missing->what, missing->msr, missing->bit);
	else
		pr_info("posted interrupts for L2: on in vmcs12 (notification vector 0x%x,\n"
			"descriptor at 0x%llx), nothing is posted\n", PI_NV, PI_DESC_GPA);

	vcpu_alloc_vmx(vm, &vmx_pages_gva);
	vcpu_args_set(vcpu, 4, vmx_pages_gva, round_trips, (u64)use_pi, (u64)use_pages);

	/* Everything L1 needs is allocated: the library's memslots have their final size. */
	if (whole)
		l1_size = memslots_size(vm);
	if (spec)
		file_mem_open(&mem, spec, NR_PAGES * getpagesize() + l1_size);
	if (mem.path)
		pr_info("the pages are backed by %s at offset 0x%lx\n", mem.path, (long)mem.next);
	else
		pr_info("the pages are backed by anonymous memory\n");
	pages = file_mem_alloc(&mem, NR_PAGES * getpagesize());
	if (whole)
		move_memslots(vm, &mem);
	vm_set_user_memory_region(vm, PAGES_SLOT, 0, PAGES_GPA, NR_PAGES * getpagesize(), pages);
	if (use_pages)
		pr_info("virtual-APIC page at 0x%llx, APIC-access page at 0x%llx, MSR bitmaps on\n",
			VAPIC_GPA, APIC_ACCESS_GPA);
	if (count)
		kprobes_add(trace_dir);

	while (!done) {
		vcpu_run(vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			/* The first one comes just before the measured loop. */
			if (!syncs++) {
				if (count)
					kprobes_read(trace_dir, hits_before);
				break;
			}
			TEST_ASSERT(!reported, "L1 reported its figures twice");
			if (count)
				kprobes_read(trace_dir, hits_after);
			TEST_ASSERT_EQ(uc.args[0], round_trips);
			TEST_ASSERT_EQ(uc.args[2], (u64)use_pi);
			cycles = uc.args[1];
			reported = true;
			break;
		case UCALL_DONE:
			done = true;
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("unexpected ucall %lu", uc.cmd);
		}
	}
	TEST_ASSERT(reported, "L1 finished without reporting its figures");
	if (count) {
		kprobes_clear(trace_dir);
		kprobes_dir = NULL;
	}

	pr_info("%lu round trips L2 -> L1 -> L2 (after %d not measured): %lu TSC cycles in L1\n",
		round_trips, WARMUP_ROUND_TRIPS, cycles);
	/* The line for scripts, in one piece on stdout. */
	printf("vmx_roundtrip: memory=%s%s pages=%s posted_interrupts=%s ",
	       !mem.path ? "anonymous" : whole ? "l1:" : "pfnmap:", mem.path ? mem.path : "",
	       use_pages ? "yes" : "no", use_pi ? "yes" : "no");
	printf("round_trips=%lu cycles=%lu cycles_per_round_trip=%.1f",
	       round_trips, cycles, (double)cycles / round_trips);
	for (i = 0; count && i < NR_COUNTED; i++)
		printf(" %s=%.2f", counted[i],
		       (double)(hits_after[i] - hits_before[i]) / round_trips);
	printf("\n");
	fflush(stdout);

	kvm_vm_free(vm);
	munmap(pages, NR_PAGES * getpagesize());
	return 0;
}
