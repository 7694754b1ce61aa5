#!/usr/bin/env bash
# Every x86 KVM selftest program of the tree is in a rig test list or left out with a reason
# (tools/rig/check-lists.sh), and the check notices a program that is neither, a left-out
# comment without a reason and one for a program the tree does not have. Host only: no boot.
. "$(dirname "$0")/../lib.sh"
CHECK=$TOP/tools/rig/check-lists.sh
tmp=$SCRATCH/rig-check-lists
rm -rf "$tmp"; mkdir -p "$tmp"

# The tree follows the series, as for a rig run.
"$TOP/tools/series.sh" ensure
note "the real lists against the tree's programs"
"$CHECK" || fail "tools/rig/check-lists.sh: the test lists do not account for every program"

# The tree's programs, as the check reads them (tools/rig/lib.sh all_selftests).
bash -c '. "$1/tools/lib/common.sh"; . "$1/tools/rig/lib.sh"; all_selftests' _ "$TOP" >"$tmp/programs"
grep -qx 'x86/state_test' "$tmp/programs" || fail "all_selftests does not list x86/state_test"
grep -qx 'demand_paging_test' "$tmp/programs" || fail "all_selftests misses demand_paging_test (TEST_GEN_PROGS_COMMON = ...)"

# One more program, in no list: it must be named.
{ cat "$tmp/programs"; echo x86/rig_fake_unlisted_test; } >"$tmp/programs+fake"
expect_fail '^error: rig_fake_unlisted_test \(x86/rig_fake_unlisted_test\) is in no test list and not left out' \
	env RIG_PROGRAMS="$tmp/programs+fake" "$CHECK"

# Lists of their own: a program run through prog= counts as listed; left-out comments need a
# reason and a program that exists.
printf '%s\n' x86/state_test x86/smm_test x86/amx_test >"$tmp/three"
printf '%s\n' 'state_again prog=x86/state_test -- -x' 'smm_test timeout=5' '# left-out: amx_test: no AMX here' >"$tmp/ok.list"
out=$(RIG_PROGRAMS="$tmp/three" "$CHECK" "$tmp/ok.list") || fail "a list with prog= and a left-out comment was refused: $out"
note "$out"
[ "$out" = "3 KVM selftest programs: 2 listed, 1 left out with a reason" ] || fail "unexpected count: $out"
printf '%s\n' 'state_test' 'smm_test' '# left-out: amx_test:' >"$tmp/noreason.list"
expect_fail '^error: noreason.list: left-out amx_test has no reason' env RIG_PROGRAMS="$tmp/three" "$CHECK" "$tmp/noreason.list"
printf '%s\n' 'state_test' 'smm_test' '# left-out: amx_test: no AMX' '# left-out: gone_test: removed' >"$tmp/stale.list"
expect_fail '^error: stale.list: left-out gone_test is not a KVM selftest program of TREE' env RIG_PROGRAMS="$tmp/three" "$CHECK" "$tmp/stale.list"
# A comment that only mentions a program is not a left-out entry.
printf '%s\n' 'state_test' 'smm_test' '# amx_test: no AMX here' >"$tmp/prose.list"
expect_fail '^error: amx_test \(x86/amx_test\) is in no test list' env RIG_PROGRAMS="$tmp/three" "$CHECK" "$tmp/prose.list"
echo "ok"
