#!/usr/bin/env bash
# A series whose second patch does not build on its own (the third fixes it) fails the bisect
# gate, naming patch 2, the file and the compiler's message; patches 1 and 3 build.
. "$(dirname "$0")/lib.sh"
fx=$FIXTURES/gates-bisect
p2=$(nth_patch "$fx" 2)
gates bisect "$fx" bisect
[ "$RC" -ne 0 ] || fail "run.sh passed a series that does not bisect"
expect_line "^FAIL +gates/bisect +[0-9]+s +$p2: the KVM build fails"
expect_line "arch/x86/kvm/x86\.c:[0-9]+:[0-9]+: error: .*KVM_GATES_FIXTURE_TAG"
grep -q "^ok: $(nth_patch "$fx" 1): KVM objects build" "$RES/bisect.log" || fail "patch 1 was not reported as building"
grep -q "^ok: $(nth_patch "$fx" 3): KVM objects build" "$RES/bisect.log" || fail "patch 3 was not reported as building"
expect_summary 0 1 0
