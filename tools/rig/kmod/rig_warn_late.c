// SPDX-License-Identifier: GPL-2.0
/*
 * Rig self-test: a module that WARNs from a delayed work item, 2 seconds after it was loaded,
 * when the test that loaded it has been checked already (like a splat from a VM's teardown that
 * a work item finishes). Loaded by the last test of a run, the rig's "shutdown" check must
 * catch it (tools/tests/rig/selftests/run.sh checks that it does).
 */
#include <linux/module.h>
#include <linux/bug.h>
#include <linux/workqueue.h>

static void rig_warn_late_fn(struct work_struct *work)
{
	WARN(1, "vmtest rig self-test: deliberate warning from a delayed work\n");
}

static DECLARE_DELAYED_WORK(rig_warn_late_work, rig_warn_late_fn);

static int __init rig_warn_late_init(void)
{
	schedule_delayed_work(&rig_warn_late_work, 2 * HZ);
	return 0;
}

static void __exit rig_warn_late_exit(void)
{
	cancel_delayed_work_sync(&rig_warn_late_work);
}

module_init(rig_warn_late_init);
module_exit(rig_warn_late_exit);
MODULE_DESCRIPTION("vmtest rig self-test: WARN from a delayed work after load");
MODULE_LICENSE("GPL");
