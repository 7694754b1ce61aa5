// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only helper for the rig: /dev/rig_pfnmap_pages maps pages of a pool that this module
 * allocated at load time (alloc_pages(): RAM the kernel manages, with struct pages), with
 * remap_pfn_range(). Such a mapping is VM_PFNMAP | VM_IO: KVM finds the pfns through the page
 * tables and cannot pin them (kvm_vcpu_map() refuses them unless kvm.allow_unsafe_mappings=1),
 * like memory a driver maps for userspace. The pages have struct pages, so kvm_vcpu_map() maps
 * them with kmap(), never memremap(): RAM without struct pages is rig_nopage.c's pool
 * (/dev/rig_nopage). The nested VMX tests use this pool as VM_PFNMAP L1 memory
 * (vmx_vapic_invalidation_test -m /dev/rig_pfnmap_pages). File offset N * PAGE_SIZE is page N
 * of the pool; the pool is freed when the module is unloaded.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/gfp.h>

#define RIG_PFNMAP_ORDER	5	/* a pool of 32 pages */

static struct page *pool;

static int rig_pfnmap_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long pages = vma_pages(vma);

	if (vma->vm_pgoff >= (1UL << RIG_PFNMAP_ORDER) ||
	    pages > (1UL << RIG_PFNMAP_ORDER) - vma->vm_pgoff)
		return -EINVAL;
	return remap_pfn_range(vma, vma->vm_start, page_to_pfn(pool) + vma->vm_pgoff,
			       pages << PAGE_SHIFT, vma->vm_page_prot);
}

static const struct file_operations rig_pfnmap_fops = {
	.owner = THIS_MODULE,
	.mmap = rig_pfnmap_mmap,
};

static struct miscdevice rig_pfnmap_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "rig_pfnmap_pages",
	.fops = &rig_pfnmap_fops,
};

static int __init rig_pfnmap_init(void)
{
	int r;

	pool = alloc_pages(GFP_KERNEL | __GFP_ZERO, RIG_PFNMAP_ORDER);
	if (!pool)
		return -ENOMEM;
	r = misc_register(&rig_pfnmap_dev);
	if (r)
		__free_pages(pool, RIG_PFNMAP_ORDER);
	return r;
}

static void __exit rig_pfnmap_exit(void)
{
	misc_deregister(&rig_pfnmap_dev);
	__free_pages(pool, RIG_PFNMAP_ORDER);
}

module_init(rig_pfnmap_init);
module_exit(rig_pfnmap_exit);
MODULE_DESCRIPTION("vmtest rig: VM_PFNMAP memory with struct pages for KVM tests");
MODULE_LICENSE("GPL");
