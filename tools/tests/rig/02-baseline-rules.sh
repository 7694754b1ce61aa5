#!/usr/bin/env bash
# tools/rig/baseline.sh, on results made up here (host only, no boot): a test that passed in the
# baseline and skips now fails unless its list entry says may-skip=; with --full, a test that
# passed in the baseline and has no result fails; --exempt names tests not to compare.
. "$(dirname "$0")/../lib.sh"
B=$TOP/tools/rig/baseline.sh
tmp=$SCRATCH/rig-baseline
rm -rf "$tmp"; mkdir -p "$tmp"
tab=$'\t'

cat >"$tmp/baseline" <<EOT
# a comment
boot${tab}ok${tab}2.0${tab}
a${tab}ok${tab}1.0${tab}
b${tab}ok${tab}1.0${tab}
c${tab}ok${tab}1.0${tab}
d${tab}skip${tab}0.1${tab}Requirement not met: x
e${tab}ok${tab}1.0${tab}
f${tab}xfail${tab}1.0${tab}failed as expected
h${tab}FAIL${tab}0.2${tab}exit 254 (left out)
EOT
# NAME|TIMEOUT|OPTIONS|PROG|KMOD|ARGS, as vmtest.sh parses list lines
cat >"$tmp/tests" <<EOT
a|60|numastat,may-skip=no+NUMA+node+2|x86/a||
b|60||x86/b||
c|60||x86/c||
d|60||x86/d||
f|60|xfail|x86/f||
g|60||x86/g||
EOT
cat >"$tmp/results" <<EOT
boot${tab}ok${tab}2.1${tab}
a${tab}skip${tab}0.1${tab}Requirement not met: node 2
b${tab}skip${tab}0.1${tab}Requirement not met: y
c${tab}ok${tab}1.1${tab}
d${tab}skip${tab}0.1${tab}Requirement not met: x
f${tab}skip${tab}0.1${tab}not xfail any more
g${tab}skip${tab}0.1${tab}new, not in the baseline
EOT

status() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$2"; }
reason() { awk -F'\t' -v n="$1" '$1 == n { print $4 }' "$2"; }

note "a TESTS= subset: test by test"
"$B" "$tmp/baseline" "$tmp/tests" "$tmp/results" >"$tmp/out" || fail "baseline.sh failed"
sed 's/^/    | /' "$tmp/out"
[ "$(status a "$tmp/out")" = skip ] || fail "a (may-skip=) skipped: it must stay a skip, not $(status a "$tmp/out")"
reason a "$tmp/out" | grep -F '(may skip: no NUMA node 2)' >/dev/null || fail "a: the may-skip reason is not quoted: $(reason a "$tmp/out")"
[ "$(status b "$tmp/out")" = FAIL ] || fail "b passed in the baseline and skips: it must FAIL, not $(status b "$tmp/out")"
reason b "$tmp/out" | grep 'skipped, but it passed in baseline: Requirement not met: y' >/dev/null || fail "b: reason: $(reason b "$tmp/out")"
[ "$(status c "$tmp/out")" = ok ] || fail "c must stay ok"
[ "$(status d "$tmp/out")" = skip ] || fail "d skipped in the baseline too: it must stay a skip"
[ "$(status f "$tmp/out")" = FAIL ] || fail "f was xfail (passed) in the baseline and skips: it must FAIL"
[ "$(status g "$tmp/out")" = skip ] || fail "g is not in the baseline: it must stay a skip"
[ -z "$(status e "$tmp/out")" ] || fail "e has no result, but only a full run may report it"
[ "$(wc -l <"$tmp/out")" -eq "$(wc -l <"$tmp/results")" ] || fail "a subset comparison added or lost lines"

note "the whole list: a test of the baseline without a result fails"
"$B" --full "$tmp/baseline" "$tmp/tests" "$tmp/results" >"$tmp/full" || fail "baseline.sh --full failed"
sed 's/^/    | /' "$tmp/full"
[ "$(status e "$tmp/full")" = FAIL ] || fail "e passed in the baseline and has no result: it must FAIL"
reason e "$tmp/full" | grep 'has no result in this run' >/dev/null || fail "e: reason: $(reason e "$tmp/full")"
[ -z "$(status h "$tmp/full")" ] || fail "h failed (left out) in the baseline: its absence is no failure"
[ "$(status b "$tmp/full")" = FAIL ] || fail "b must FAIL in a full run too"

note "--exempt: stock-only tests the debug kernel does not run"
printf '%s\n' b e >"$tmp/exempt"
"$B" --full --exempt "$tmp/exempt" "$tmp/baseline" "$tmp/tests" "$tmp/results" >"$tmp/ex" || fail "baseline.sh --exempt failed"
[ "$(status b "$tmp/ex")" = skip ] || fail "b is exempt: it must stay a skip"
[ -z "$(status e "$tmp/ex")" ] || fail "e is exempt: no line for it"

expect_fail '^error: baseline.sh: cannot read' "$B" "$tmp/nosuch" "$tmp/tests" "$tmp/results"
echo "ok"
