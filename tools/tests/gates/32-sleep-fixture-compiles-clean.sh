#!/usr/bin/env bash
# The sleep-under-spinlock fixture is invisible to the static gates (only the debug kernel
# catches it, in the rig): it builds on its own and adds no warning.
. "$(dirname "$0")/lib.sh"
fx=$FIXTURES/gates-sleep
grep -q '^+	spin_lock(&kvm->mn_invalidate_lock);' "$fx"/0001-*.patch || fail "the fixture no longer takes the spinlock"
grep -q '^+	mutex_lock(&kvm->slots_lock);' "$fx"/0001-*.patch || fail "the fixture no longer takes the mutex"
gates sleep "$fx" checkpatch bisect warnings
[ "$RC" -eq 0 ] || fail "the sleep fixture does not pass the static gates"
expect_summary 3 0 0
