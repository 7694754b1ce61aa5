// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only helper for the rig: /dev/rig_nopage maps RAM that the kernel does not manage into a
 * process with remap_pfn_range(). The rig boots the kernel with mem=LIMIT below the emulator's
 * RAM, LIMIT aligned to a memory section (128 MiB on x86-64), so that the RAM above LIMIT is in
 * sections that have no struct pages at all: pfn_valid() is false there, and KVM's
 * kvm_vcpu_map() has to memremap()/memunmap() such a page (the case of guests whose memory is
 * reserved with mem= or memmap= on the host). The pool is [base, base + size), both module
 * parameters (the rig derives them from the same numbers as mem=); file offset N * PAGE_SIZE is
 * page N of the pool. The pool is zeroed at load.
 *
 * The module refuses to load (-EINVAL, the reasons in the kernel log) unless the whole range is
 *  - RAM in the firmware's memory map (/sys/firmware/memmap: the kernel's copy of the map as
 *    the firmware gave it, before mem=; the in-kernel lookup, e820__mapped_raw_any(), is
 *    exported to KVM only), so that it is neither an ACPI table, nor reserved, nor a hole;
 *  - not System RAM in /proc/iomem (the kernel does not manage it);
 *  - without any struct page (pfn_valid() false for every pfn).
 * It then inserts the range into /proc/iomem ("rig_nopage"), not busy: /dev/mem may map it (the
 * rig's self-test, nopage_test.c, finds the pool's pages there to check where they are).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kstrtox.h>
#include <linux/string.h>

static unsigned long long base;
module_param(base, ullong, 0444);
MODULE_PARM_DESC(base, "physical address of the pool (page aligned)");

static unsigned long long size;
module_param(size, ullong, 0444);
MODULE_PARM_DESC(size, "size of the pool in bytes (page aligned, not 0)");

static struct resource pool_res = {
	.name = "rig_nopage",
	.flags = IORESOURCE_MEM,
};

static int rig_nopage_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long pages = vma_pages(vma), pool_pages = size >> PAGE_SHIFT;

	if (vma->vm_pgoff >= pool_pages || pages > pool_pages - vma->vm_pgoff)
		return -EINVAL;
	return remap_pfn_range(vma, vma->vm_start, PHYS_PFN(base) + vma->vm_pgoff,
			       pages << PAGE_SHIFT, vma->vm_page_prot);
}

static const struct file_operations rig_nopage_fops = {
	.owner = THIS_MODULE,
	.mmap = rig_nopage_mmap,
};

static struct miscdevice rig_nopage_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "rig_nopage",
	.fops = &rig_nopage_fops,
};

/* Reads a sysfs attribute into buf (NUL-terminated, trailing newline removed). */
static int read_attr(const char *path, char *buf, size_t len)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, buf, len - 1, &pos);
	filp_close(f, NULL);
	if (n < 0)
		return n;
	buf[n] = '\0';
	strim(buf);
	return 0;
}

/*
 * Is [start, end] inside one "System RAM" entry of the firmware map? The entries are
 * /sys/firmware/memmap/0, 1, ... (start and end inclusive, in hex).
 */
static bool firmware_ram(u64 start, u64 end)
{
	char path[64], buf[32];
	u64 s, e;
	int i;

	for (i = 0; ; i++) {
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/start", i);
		if (read_attr(path, buf, sizeof(buf)))
			break;
		if (kstrtoull(buf, 0, &s))
			break;
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/end", i);
		if (read_attr(path, buf, sizeof(buf)) || kstrtoull(buf, 0, &e))
			break;
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/type", i);
		if (read_attr(path, buf, sizeof(buf)))
			break;
		if (start >= s && end <= e && !strcmp(buf, "System RAM"))
			return true;
	}
	if (!i)
		pr_err("no firmware memory map in /sys/firmware/memmap\n");
	return false;
}

/* Every reason why the range cannot be the pool is logged; true if there is none. */
static bool pool_ok(void)
{
	unsigned long pfn, last = PHYS_PFN(base + size - 1);
	bool ok = true;

	if (!firmware_ram(base, base + size - 1)) {
		pr_err("[mem %#llx-%#llx] is not RAM in the firmware memory map\n",
		       base, base + size - 1);
		ok = false;
	}
	if (region_intersects(base, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE) !=
	    REGION_DISJOINT) {
		pr_err("[mem %#llx-%#llx] intersects System RAM: the kernel manages it (boot with mem=%#llx or lower)\n",
		       base, base + size - 1, base);
		ok = false;
	}
	for (pfn = PHYS_PFN(base); pfn <= last; pfn++) {
		if (pfn_valid(pfn)) {
			pr_err("pfn %#lx has a struct page (pfn_valid): the pool must be RAM without struct pages\n",
			       pfn);
			ok = false;
			break;
		}
	}
	return ok;
}

static int __init rig_nopage_init(void)
{
	void *va;
	int r;

	if (!size || !PAGE_ALIGNED(base) || !PAGE_ALIGNED(size) || base + size < base) {
		pr_err("base=%#llx size=%#llx: both must be page aligned, size not 0\n", base, size);
		return -EINVAL;
	}
	if (!pool_ok())
		return -EINVAL;
	pool_res.start = base;
	pool_res.end = base + size - 1;
	r = insert_resource(&iomem_resource, &pool_res);
	if (r) {
		pr_err("[mem %#llx-%#llx] overlaps another resource in /proc/iomem\n",
		       base, base + size - 1);
		return r;
	}
	va = memremap(base, size, MEMREMAP_WB);
	if (!va) {
		pr_err("memremap of [mem %#llx-%#llx] failed\n", base, base + size - 1);
		r = -ENOMEM;
		goto out_release;
	}
	memset(va, 0, size);
	memunmap(va);
	r = misc_register(&rig_nopage_dev);
	if (r)
		goto out_release;
	pr_info("pool [mem %#llx-%#llx]: RAM without struct pages, /dev/rig_nopage\n",
		base, base + size - 1);
	return 0;

out_release:
	remove_resource(&pool_res);
	return r;
}

static void __exit rig_nopage_exit(void)
{
	misc_deregister(&rig_nopage_dev);
	remove_resource(&pool_res);
}

module_init(rig_nopage_init);
module_exit(rig_nopage_exit);
MODULE_DESCRIPTION("vmtest rig: RAM without struct pages (above mem=) for KVM tests");
MODULE_LICENSE("GPL");
