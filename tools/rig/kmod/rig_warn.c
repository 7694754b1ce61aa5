// SPDX-License-Identifier: GPL-2.0
/*
 * Rig self-test: a module that WARNs when it is loaded. The rig must fail the test that loaded
 * it and quote the warning (tools/tests/rig/selftests/run.sh checks that it does).
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init rig_warn_init(void)
{
	WARN(1, "vmtest rig self-test: deliberate warning on load\n");
	return 0;
}

static void __exit rig_warn_exit(void)
{
}

module_init(rig_warn_init);
module_exit(rig_warn_exit);
MODULE_DESCRIPTION("vmtest rig self-test: WARN on load");
MODULE_LICENSE("GPL");
