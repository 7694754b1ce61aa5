#!/usr/bin/env bash
# `make check`: every test of the project, one line per test, and a closing line
# "N passed, N failed" (", N skipped" when some were skipped).
#
#   tools/check.sh            all suites
#   tools/check.sh SUITE...   only these suites: kit, gates, gate-tests, rig, vmtest
#   CHECK_FULL=1 tools/check.sh   `make check-full`: also the tests that do not fit make check's
#                             time budget (below), and the rig's `full` list entries (VMTEST_FULL)
#
# kit: the build kit (tools/tests/kit); gates: the maintainer gates on patches/; gate-tests: the
# gates' own tests on the fixture series (tools/tests/gates), the sleeping fixture caught by the
# debug kernel among them; rig: the rig's self-tests (tools/tests/rig); vmtest: the KVM selftests
# in the rig, for every emulator of VMTEST_EMUS (default "qemu bochs") and kernel of
# VMTEST_KERNELS (default "stock debug").
#
# A test is an executable under tools/tests/<suite>/ (run in name order): exit 0 passes, exit 4
# (KSFT_SKIP) skips with the reason on its last output line, anything else fails. A test with a
# line "# check-full-only: REASON" runs only with CHECK_FULL=1; make check reports it as a skip
# that names make check-full and gives REASON. Its output goes
# to build/logs/check/<suite>/<name>.log. The gates (tools/gates/run.sh) and the test rig
# (tools/rig/vmtest.sh) report their own tests and leave their counts in RESULTS/summary
# (passed=N, failed=N, skipped=N).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/results.sh"

CHECK_LOGS=$KIT_LOGS/check
passed=0 failed=0 skipped=0
failures=()

run_test() {
	local suite=$1 t=$2 name rc=0 start secs logf
	name=$(basename "$t")
	name=${name%.sh}
	logf=$CHECK_LOGS/$suite/$name.log
	mkdir -p "$CHECK_LOGS/$suite"
	start=$(date +%s)
	"$t" >"$logf" 2>&1 </dev/null || rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) passed=$((passed + 1)); result_line ok "$suite/$name" "$secs" ;;
	4) skipped=$((skipped + 1))
	   result_line skip "$suite/$name" "$secs" "$(tail -n1 "$logf")" ;;
	*) failed=$((failed + 1)); failures+=("$suite/$name")
	   result_line FAIL "$suite/$name" "$secs" "(log: $logf)"
	   # The log's own FAIL lines first (a runner's failed check may be far from its end), then
	   # its last lines.
	   { grep -E '^FAIL[: ]' "$logf" | sed -n 1,10p || true; tail -n 5 "$logf"; } | sed 's/^/        | /' ;;
	esac
}

run_suite_dir() {
	local suite=$1 dir=${2:-$KIT_TOP/tools/tests/$1} t name why
	for t in "$dir"/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		why=$(sed -n '/^# check-full-only: /{s///;p;q;}' "$t")
		if [ -n "$why" ] && [ "$CHECK_FULL" != 1 ]; then
			name=$(basename "$t")
			skipped=$((skipped + 1))
			result_line skip "$suite/${name%.sh}" 0 "not run by make check ($why): make check-full runs it"
			continue
		fi
		run_test "$suite" "$t"
	done
}

# run_external NAME CMD...: a runner that prints its own per-test lines and writes
# $RESULTS/summary; a runner that fails without counting a failure counts as one failure.
run_external() {
	local name=$1 results rc=0 p f s
	shift
	results=$KIT_TOP/build/results/check-$name
	rm -rf "$results"
	RESULTS=$results "$@" || rc=$?
	p=$(summary_get "$results/summary" passed)
	f=$(summary_get "$results/summary" failed)
	s=$(summary_get "$results/summary" skipped)
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	[ "$f" -eq 0 ] || failures+=("$name")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1)); failures+=("$name (runner exit $rc)")
	fi
}

case ${CHECK_FULL:=0} in
0|1) ;;
*) die "CHECK_FULL=$CHECK_FULL: expected 0 or 1" ;;
esac
# The rig's `full` list entries run in make check-full only (tools/rig/vmtest.sh).
export VMTEST_FULL=$CHECK_FULL
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(kit gates gate-tests rig vmtest)
rm -rf "$CHECK_LOGS"
start_all=$(date +%s)
for s in "${suites[@]}"; do
	case $s in
	kit|rig) run_suite_dir "$s" ;;
	gates)
		[ ! -x "$KIT_TOP/tools/gates/run.sh" ] || run_external gates "$KIT_TOP/tools/gates/run.sh" ;;
	gate-tests) run_suite_dir "$s" "$KIT_TOP/tools/tests/gates" ;;
	vmtest)
		if [ -x "$KIT_TOP/tools/rig/vmtest.sh" ]; then
			for emu in ${VMTEST_EMUS:-qemu bochs}; do
				for kernel in ${VMTEST_KERNELS:-stock debug}; do
					run_external "vmtest-$emu-$kernel" env EMU="$emu" KERNEL="$kernel" "$KIT_TOP/tools/rig/vmtest.sh"
				done
			done
		fi ;;
	*) die "unknown suite '$s' (known: kit, gates, gate-tests, rig, vmtest)" ;;
	esac
done
echo "check took $(( $(date +%s) - start_all ))s; logs in $CHECK_LOGS"
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
closing_line "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ]
