#!/usr/bin/env bash
# The sleep-under-spinlock fixture passes the static gates (32-*) but not the rig on the debug
# kernel: with the fixture applied, the first KVM_CREATE_VM takes a mutex under a spinlock and
# DEBUG_ATOMIC_SLEEP reports "BUG: sleeping function called from invalid context"; the rig fails
# the test that created the VM and quotes that line. The same test passes with the series of
# patches/ in every vmtest-*-debug run of make check, so the failure is the fixture's.
. "$(dirname "$0")/lib.sh"
fx=$FIXTURES/gates-sleep
test=svm_vmcall_test
grep -q '^+	mutex_lock(&kvm->slots_lock);' "$fx"/0001-*.patch || fail "the fixture no longer takes the mutex"

work=$SCRATCH/sleep-rig
rm -rf "$work"
mkdir -p "$work"
note "SERIES=$fx tools/series.sh prepare (TREE=$work/tree)"
TREE=$work/tree SERIES=$fx "$TOP/tools/series.sh" prepare >"$work/prepare.log" 2>&1 \
	|| { tail -n 20 "$work/prepare.log"; fail "the fixture series does not apply"; }

RC=0
note "KERNEL=debug EMU=qemu TESTS=$test tools/rig/vmtest.sh (TREE=$work/tree)"
KERNEL=debug EMU=qemu TESTS=$test SERIES=$fx TREE=$work/tree BUILD_DIR=$work/oot MODULES_OUT=$work/modules \
	RESULTS=$work/results "$TOP/tools/rig/vmtest.sh" >"$work/vmtest.log" 2>&1 || RC=$?
sed 's/^/    | /' "$work/vmtest.log"
[ -f "$work/results/results" ] || fail "the rig wrote no results (see $work/vmtest.log)"
[ "$RC" -ne 0 ] || fail "the rig passed a kernel that sleeps under a spinlock"

row=$(awk -F'\t' -v n="$test" '$1 == n' "$work/results/results")
status=$(cut -f2 <<<"$row") reason=$(cut -f4 <<<"$row")
note "rig result for $test: $status: $reason"
[ "$status" = FAIL ] || fail "$test is '$status' on the debug kernel with the fixture, expected FAIL"
grep -q 'BUG: sleeping function called from invalid context' <<<"$reason" \
	|| fail "the rig's reason does not quote DEBUG_ATOMIC_SLEEP's report: '$reason'"
# The report must point at the fixture's code, not at something else that happened to sleep:
# KVM_CREATE_VM's mutex_lock() (kvm_create_vm() is inlined into kvm_dev_ioctl()).
grep -A30 'BUG: sleeping function called from invalid context' "$work/results/tests/$test.log" \
	| grep 'kvm_dev_ioctl.*\[kvm\]' >/dev/null \
	|| fail "the report's backtrace does not go through KVM_CREATE_VM (kvm_dev_ioctl) ($work/results/tests/$test.log)"
grep -q '^ok.*boot' "$work/vmtest.log" || fail "the debug kernel did not boot cleanly with the fixture"
echo "the debug kernel caught the fixture: $reason"
