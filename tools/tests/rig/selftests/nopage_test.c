// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rig self-test: the rig's two pools of VM_PFNMAP memory are what they claim to be, checked
 * through what the kernel exports to userspace, not by asking their modules:
 *
 *   nopage_test -n /dev/rig_nopage          the pages have no struct page
 *   nopage_test -p /dev/rig_pfnmap_pages    the pages have struct pages
 *
 * /proc/self/pagemap cannot say where such pages are: the page walk skips VM_PFNMAP mappings
 * (mm/pagewalk.c, walk_page_test()) and pagemap reports them not present. So the program maps
 * the first NR_PAGES pages of the device (MAP_SHARED), writes a random 16-byte key at the start
 * of each, and looks for the keys in physical memory:
 *  - through /dev/mem, mapped from the mem= limit of /proc/cmdline to the end of the firmware's
 *    RAM entry (/sys/firmware/memmap) that holds it: /dev/mem maps only what is not System RAM
 *    (x86 devmem_is_allowed()), i.e. RAM the kernel does not manage;
 *  - in /proc/kcore's System RAM segments (p_paddr: the physical address): kcore reads a page
 *    only if it has an online struct page (fs/proc/kcore.c zero-fills the others).
 * (kcore is searched only for the pages /dev/mem did not show, and only until all are found.)
 * For the page's pfn:
 *  - /sys/devices/system/memory/memoryN, the memory block that holds the address (a block is one
 *    128 MiB section here), exists when the kernel has that section's memmap: without it no pfn
 *    of the section has a struct page;
 *  - /proc/kpageflags (fs/proc/page.c) returns nothing at or beyond round_up(max_pfn,
 *    PAGES_PER_SECTION) and below it the page's flags, but 0 for a pfn without struct page (7.3
 *    no longer reports KPF_NOPAGE there): it can show that a pfn has a struct page (a flag set),
 *    never that it has none.
 * Without struct pages (-n): found through /dev/mem at or above mem=, in no memory block, no
 * page flag. With struct pages (-p): found in kcore's System RAM, below mem= if there is one, in
 * a memory block, within kpageflags. Must run as root (CAP_SYS_RAWIO, no lockdown).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

#define NR_PAGES	2
#define KEY_WORDS	2
#define CHUNK		(1 << 20)
/* Keys are kept inverted in this process, so that its own memory does not hold them. */
#define MASK		0xffffffffffffffffull

struct page_info {
	uint64_t nkey[KEY_WORDS];	/* ~key */
	uint64_t phys;
	int found;
	const char *where;
};

static long psize;

static bool is_key(const uint64_t *p, const struct page_info *pg)
{
	int i;

	for (i = 0; i < KEY_WORDS; i++)
		if ((p[i] ^ MASK) != pg->nkey[i])
			return false;
	return true;
}

/* Records where the page with this key is; returns the number of pages not yet found. */
static int hit(struct page_info *pages, const uint64_t *p, uint64_t phys, const char *where)
{
	int i, left = 0;

	for (i = 0; i < NR_PAGES; i++) {
		if (!pages[i].found && is_key(p, &pages[i])) {
			pages[i].found = 1;
			pages[i].phys = phys;
			pages[i].where = where;
		}
		left += !pages[i].found;
	}
	return left;
}

static uint64_t read_u64_at(const char *path, uint64_t offset, ssize_t *got)
{
	uint64_t v = 0;
	int fd;

	fd = open(path, O_RDONLY);
	TEST_ASSERT(fd >= 0, "cannot open %s: %s", path, strerror(errno));
	*got = pread(fd, &v, sizeof(v), offset);
	TEST_ASSERT(*got == 0 || *got == sizeof(v), "pread of %s at 0x%lx: %zd (%s)", path,
		    (unsigned long)offset, *got, strerror(errno));
	close(fd);
	return v;
}

static int read_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* mem= of the kernel command line, in bytes; 0 if there is none (the last one counts). */
static uint64_t mem_limit(void)
{
	char buf[4096], *p, *end;
	uint64_t limit = 0, v;

	TEST_ASSERT(!read_str("/proc/cmdline", buf, sizeof(buf)), "cannot read /proc/cmdline");
	for (p = buf; (p = strstr(p, "mem=")); p += 4) {
		if (p != buf && p[-1] != ' ')
			continue;
		v = strtoull(p + 4, &end, 0);
		switch (*end) {
		case 'G': case 'g':
			v <<= 10;
			/* fall through */
		case 'M': case 'm':
			v <<= 10;
			/* fall through */
		case 'K': case 'k':
			v <<= 10;
		}
		limit = v;
	}
	return limit;
}

/* The end (exclusive) of the firmware's System RAM entry that holds addr; 0 if none does. */
static uint64_t firmware_ram_end(uint64_t addr)
{
	char path[64], buf[64];
	uint64_t s, e;
	int i;

	for (i = 0; ; i++) {
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/start", i);
		if (read_str(path, buf, sizeof(buf)))
			return 0;
		s = strtoull(buf, NULL, 0);
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/end", i);
		TEST_ASSERT(!read_str(path, buf, sizeof(buf)), "cannot read %s", path);
		e = strtoull(buf, NULL, 0);
		snprintf(path, sizeof(path), "/sys/firmware/memmap/%d/type", i);
		TEST_ASSERT(!read_str(path, buf, sizeof(buf)), "cannot read %s", path);
		if (addr >= s && addr <= e && !strcmp(buf, "System RAM"))
			return e + 1;
	}
}

/* Looks for the keys in the RAM above mem= through /dev/mem. */
static void scan_devmem(struct page_info *pages, uint64_t limit)
{
	uint64_t end = firmware_ram_end(limit), off;
	char *mem;
	int fd;

	if (!limit || !end)
		return;
	fd = open("/dev/mem", O_RDONLY);
	TEST_ASSERT(fd >= 0, "cannot open /dev/mem: %s", strerror(errno));
	mem = mmap(NULL, end - limit, PROT_READ, MAP_SHARED, fd, limit);
	TEST_ASSERT(mem != MAP_FAILED, "cannot map [0x%lx, 0x%lx) of /dev/mem: %s",
		    (unsigned long)limit, (unsigned long)end, strerror(errno));
	for (off = 0; off < end - limit; off += psize)
		hit(pages, (uint64_t *)(mem + off), limit + off, "/dev/mem");
	munmap(mem, end - limit);
	close(fd);
	printf("searched [0x%lx, 0x%lx) (RAM above mem=) through /dev/mem\n",
	       (unsigned long)limit, (unsigned long)end);
}

/* Looks for the keys not found yet in the System RAM segments of /proc/kcore (direct map). */
static void scan_kcore(struct page_info *pages)
{
	uint64_t total = 0, off, j, n;
	int fd, i, left = 1;
	Elf64_Phdr *ph;
	Elf64_Ehdr eh;
	char *buf;

	fd = open("/proc/kcore", O_RDONLY);
	TEST_ASSERT(fd >= 0, "cannot open /proc/kcore: %s", strerror(errno));
	TEST_ASSERT(pread(fd, &eh, sizeof(eh), 0) == sizeof(eh) &&
		    !memcmp(eh.e_ident, ELFMAG, SELFMAG) && eh.e_ident[EI_CLASS] == ELFCLASS64,
		    "/proc/kcore: no ELF64 header");
	ph = calloc(eh.e_phnum, sizeof(*ph));
	buf = malloc(CHUNK);
	TEST_ASSERT(ph && buf, "out of memory");
	TEST_ASSERT(pread(fd, ph, eh.e_phnum * sizeof(*ph), eh.e_phoff) ==
		    (ssize_t)(eh.e_phnum * sizeof(*ph)), "/proc/kcore: cannot read the headers");
	for (i = 0; i < eh.e_phnum && left; i++) {
		/* KCORE_RAM: the direct map; not the kernel image (KCORE_TEXT), not vmalloc. */
		if (ph[i].p_type != PT_LOAD || ph[i].p_paddr == (Elf64_Addr)-1 ||
		    ph[i].p_vaddr >= 0xffffffff80000000ull)
			continue;
		for (off = 0; off < ph[i].p_filesz && left; off += n) {
			n = ph[i].p_filesz - off < CHUNK ? ph[i].p_filesz - off : CHUNK;
			TEST_ASSERT(pread(fd, buf, n, ph[i].p_offset + off) == (ssize_t)n,
				    "/proc/kcore: short read at 0x%lx: %s",
				    (unsigned long)(ph[i].p_offset + off), strerror(errno));
			for (j = 0; j < n && left; j += psize)
				left = hit(pages, (uint64_t *)(buf + j), ph[i].p_paddr + off + j,
					   "/proc/kcore");
			total += n;
		}
	}
	free(buf);
	free(ph);
	close(fd);
	printf("searched %lu MiB of System RAM through /proc/kcore\n", (unsigned long)(total >> 20));
}

static void check(const char *dev, bool want_page)
{
	uint64_t limit = mem_limit(), bsize, pfn, flags, key[KEY_WORDS];
	struct page_info pages[NR_PAGES] = {};
	char path[96], buf[64], *mem;
	bool block;
	struct stat st;
	ssize_t got;
	int fd, i, k;

	TEST_ASSERT(!read_str("/sys/devices/system/memory/block_size_bytes", buf, sizeof(buf)),
		    "cannot read /sys/devices/system/memory/block_size_bytes");
	bsize = strtoull(buf, NULL, 16);

	fd = open(dev, O_RDWR);
	TEST_ASSERT(fd >= 0, "cannot open %s: %s", dev, strerror(errno));
	mem = mmap(NULL, NR_PAGES * psize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	TEST_ASSERT(mem != MAP_FAILED, "cannot mmap %s: %s", dev, strerror(errno));
	for (i = 0; i < NR_PAGES; i++) {
		uint64_t *p = (uint64_t *)(mem + i * psize);

		TEST_ASSERT(getrandom(key, sizeof(key), 0) == sizeof(key), "getrandom failed");
		memset(p, 0x5a, psize);
		for (k = 0; k < KEY_WORDS; k++) {
			pages[i].nkey[k] = key[k] ^ MASK;
			p[k] = key[k];
		}
		explicit_bzero(key, sizeof(key));
		TEST_ASSERT(is_key(p, &pages[i]) && ((char *)p)[psize - 1] == 0x5a,
			    "%s: page %d does not keep what was written: not RAM", dev, i);
	}

	scan_devmem(pages, limit);
	for (i = 0; i < NR_PAGES; i++)
		if (!pages[i].found)
			break;
	if (i < NR_PAGES)
		scan_kcore(pages);

	for (i = 0; i < NR_PAGES; i++) {
		TEST_ASSERT(pages[i].found,
			    "%s: page %d is nowhere in physical memory (/dev/mem above mem=, /proc/kcore)",
			    dev, i);
		pfn = pages[i].phys / psize;
		flags = read_u64_at("/proc/kpageflags", pfn * 8, &got);
		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%lu",
			 (unsigned long)(pages[i].phys / bsize));
		block = !stat(path, &st);
		printf("%s: page %d: pfn 0x%lx (found through %s), kpageflags %s0x%lx, %s %s, mem= limit pfn 0x%lx\n",
		       dev, i, (unsigned long)pfn, pages[i].where,
		       got ? "" : "none (beyond the memmap) ", (unsigned long)flags, path,
		       block ? "present" : "absent", (unsigned long)(limit / psize));

		if (want_page) {
			TEST_ASSERT(!strcmp(pages[i].where, "/proc/kcore"),
				    "%s: pfn 0x%lx has no struct page: not in the kernel's System RAM (/proc/kcore), but in RAM above mem= (/dev/mem)",
				    dev, (unsigned long)pfn);
			TEST_ASSERT(block,
				    "%s: pfn 0x%lx has no struct page: %s does not exist (no memmap)",
				    dev, (unsigned long)pfn, path);
			TEST_ASSERT(got, "%s: pfn 0x%lx is beyond /proc/kpageflags (no memmap)", dev,
				    (unsigned long)pfn);
			TEST_ASSERT(!limit || pages[i].phys < limit,
				    "%s: pfn 0x%lx is above the mem= limit 0x%lx", dev,
				    (unsigned long)pfn, (unsigned long)limit);
		} else {
			TEST_ASSERT(!strcmp(pages[i].where, "/dev/mem"),
				    "%s: pfn 0x%lx has a struct page: it is in the kernel's System RAM (/proc/kcore reads only pages with one)",
				    dev, (unsigned long)pfn);
			TEST_ASSERT(!block,
				    "%s: pfn 0x%lx has a struct page: %s exists (the kernel has its memmap)",
				    dev, (unsigned long)pfn, path);
			TEST_ASSERT(!flags, "%s: pfn 0x%lx has a struct page (kpageflags 0x%lx)", dev,
				    (unsigned long)pfn, (unsigned long)flags);
			TEST_ASSERT(limit, "the kernel was not booted with mem=");
			TEST_ASSERT(pages[i].phys >= limit,
				    "%s: pfn 0x%lx is below the mem= limit 0x%lx", dev,
				    (unsigned long)pfn, (unsigned long)limit);
		}
	}
	munmap(mem, NR_PAGES * psize);
	close(fd);
	printf("%s: %d pages %s\n", dev, NR_PAGES,
	       want_page ? "with struct pages, in the kernel's System RAM" :
			   "without struct pages, in RAM above mem=");
}

int main(int argc, char *argv[])
{
	int opt, n = 0;

	psize = getpagesize();
	while ((opt = getopt(argc, argv, "n:p:")) != -1) {
		switch (opt) {
		case 'n':
			check(optarg, false);
			break;
		case 'p':
			check(optarg, true);
			break;
		default:
			TEST_FAIL("usage: %s [-n DEV_WITHOUT_STRUCT_PAGES] [-p DEV_WITH_STRUCT_PAGES]",
				  argv[0]);
		}
		n++;
	}
	TEST_ASSERT(n, "nothing to check: -n DEV or -p DEV");
	return 0;
}
