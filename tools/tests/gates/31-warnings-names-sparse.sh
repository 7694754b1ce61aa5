#!/usr/bin/env bash
# A patch that builds clean with gcc W=1 but dereferences a __user pointer fails the warnings
# gate, naming the patch, sparse, the file and sparse's message; the bisect gate passes it.
. "$(dirname "$0")/lib.sh"
fx=$FIXTURES/gates-sparse
p1=$(nth_patch "$fx" 1)
gates sparse "$fx" bisect warnings
[ "$RC" -ne 0 ] || fail "run.sh passed a series that adds a sparse warning"
expect_line "^ok +gates/bisect "
expect_line "^FAIL +gates/warnings +[0-9]+s +$p1: new sparse warning in arch/x86/kvm/x86\.c: warning: dereference of noderef expression"
expect_summary 1 1 0
