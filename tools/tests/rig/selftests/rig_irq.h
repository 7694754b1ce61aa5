/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the rig's self-test programs (tools/tests/rig/selftests/*.c), built with the
 * KVM selftest library (tools/rig/rig.mk).
 */
#ifndef RIG_IRQ_H
#define RIG_IRQ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/*
 * CPU @cpu's count of the interrupt @name ("LOC:", "RES:", "CAL:", ...) in /proc/interrupts.
 * A missing line or column fails the test: a count of 0 would make "few interrupts" checks pass.
 */
static inline unsigned long rig_irq_count(const char *name, int cpu)
{
	unsigned long n = 0;
	char line[4096], *p, *end;
	FILE *f = fopen("/proc/interrupts", "r");
	bool found = false;
	int i;

	TEST_ASSERT(f, "cannot open /proc/interrupts");
	while (!found && fgets(line, sizeof(line), f)) {
		p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, name, strlen(name)))
			continue;
		p += strlen(name);
		for (i = 0; i <= cpu; i++) {
			n = strtoul(p, &end, 10);
			TEST_ASSERT(end != p, "no %s count for CPU %d in /proc/interrupts", name, cpu);
			p = end;
		}
		found = true;
	}
	fclose(f);
	TEST_ASSERT(found, "no %s line in /proc/interrupts", name);
	return n;
}

#endif /* RIG_IRQ_H */
