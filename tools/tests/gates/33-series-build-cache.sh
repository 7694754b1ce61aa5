#!/usr/bin/env bash
# The series build's results kept in the machine cache serve another clone. With a cache of its
# own (GATES_CACHE), the bisect gate on the fixture of test 30 builds in a first scratch
# directory and stores the results; run with a second scratch directory (GATES_WORK, as in
# another clone) it reuses them ("gates: reusing the series build"), reports the same findings
# with the paths stripped as from its own build, and its logs name its own directory, never the
# first one or the cache's placeholder. The directories' names have characters that a regular
# expression would read as special ('.', '+'; kbuild itself refuses '&' and '#' in its paths).
. "$(dirname "$0")/lib.sh"
fx=$FIXTURES/gates-bisect
p2=$(nth_patch "$fx" 2)
export GATES_CACHE=$SCRATCH/cache-store
a=$SCRATCH/cache.work+a b=$SCRATCH/cache.work+b
rm -rf "$GATES_CACHE" "$a" "$b"
for w in "$a" "$b"; do
	export GATES_WORK=$w
	gates "cache-${w: -1}" "$fx" bisect
	[ "$RC" -ne 0 ] || fail "run.sh passed a series that does not bisect (GATES_WORK=$GATES_WORK)"
	expect_line "^FAIL +gates/bisect +[0-9]+s +$p2: the KVM build fails"
	expect_line "\| +arch/x86/kvm/x86\.c:[0-9]+:[0-9]+: error: .*KVM_GATES_FIXTURE_TAG"
	if [ "$w" = "$a" ]; then
		! grep -F "gates: reusing" "$RES/bisect.log" || fail "the first run reused results from an empty cache"
	else
		grep -F "gates: reusing the series build" "$RES/bisect.log" >/dev/null \
			|| fail "the second scratch directory built the series again instead of reusing the cache"
	fi
done
mapfile -t logs < <(find "$b/builds" -name '*.log')
[ ${#logs[@]} -gt 0 ] || fail "no build logs in $b/builds"
grep -lF "$b/obj" "${logs[@]}" >/dev/null || fail "no log of $b/builds names $b/obj: the paths were not restored"
! grep -lF -e "$a/" -e "@GATES_WORK@" "${logs[@]}" || fail "logs of $b/builds name $a or the cache's placeholder (files above)"
grep -lF "@GATES_WORK@/obj" "$GATES_CACHE"/*/0000.log >/dev/null || fail "the cache's logs do not hold the placeholder"
rm -rf "$GATES_CACHE" "$a" "$b"
