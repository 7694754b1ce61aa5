#!/usr/bin/env bash
# A series that does not apply fails the apply gate, naming the patch and git's reason.
. "$(dirname "$0")/lib.sh"
fx=$FIXTURES/series-bad
gates apply-bad "$fx" apply
[ "$RC" -ne 0 ] || fail "run.sh passed a series that does not apply"
expect_line "^FAIL +gates/apply .*patch $(nth_patch "$fx" 2) does not apply"
expect_line "virt/kvm/kvm_main.c: patch does not apply"
