#!/usr/bin/env bash
# Self-tests of the rig: prove that tools/rig/vmtest.sh notices what it must notice.
#
#   tools/rig/selftests/run.sh [EMU]      (EMU: qemu (default) or bochs)
#
# Boots once with TESTS="rig-warn rig-hang rig-true rig-irqoff rig-base-kvm rig-kvm-back rig-xfail
# rig-xfail-passes rig-quiet rig-stall" and VMTEST_STALL_SECS=45, and checks that:
#   - rig-warn (a module that WARNs on load) FAILED, and the reason quotes the WARNING line;
#   - rig-hang (sleeps forever, 5 s timeout) FAILED with a TIMEOUT, and was killed in time;
#   - rig-true, after the hang, passed (the run goes on after a killed test);
#   - rig-irqoff (a vCPU spinning with IF=0, interrupted by SIGALRM) passed;
#   - rig-base-kvm ran on the booted kernel's own KVM modules with allow_unsafe_mappings=1, and
#     rig-kvm-back, after it, on ours again;
#   - rig-xfail (listed xfail=TEXT, fails with TEXT) is reported ok, rig-xfail-passes (listed
#     xfail, passes) FAILED;
#   - rig-quiet (silent for 60 s) passed: the guest's "# vmtest-alive" lines kept the host's
#     progress watchdog off;
#   - rig-stall (freezes the guest: no output, no power off) FAILED, stopped by the host's
#     progress watchdog 45-60 s after the guest's last line, long before the boot's own limit;
#   - vmtest.sh exited non-zero and wrote failed=4 to RESULTS/summary;
# and that bad input is refused before anything boots: an unknown test name, an unknown
# emulator, an unknown kernel, a test program that does not build.
# Prints one line per check and "N passed, N failed"; exit status 0 when all checks passed.
set -uo pipefail
RIG=$(cd "$(dirname "$0")/.." && pwd)
TOP=$(cd "$RIG/../.." && pwd)
EMU=${1:-${EMU:-qemu}}
OUT=${RESULTS:-$TOP/build/vmtest/rig-selftest-$EMU}
passed=0 failed=0

check() { # NAME CONDITION-RESULT(0/1) DETAIL
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1)); echo "ok      rig-selftest/$1"
	else
		failed=$((failed + 1)); echo "FAIL    rig-selftest/$1  $3"
	fi
}

field() { # NAME COLUMN: from RESULTS/results
	awk -F'\t' -v n="$1" -v c="$2" '$1 == n { print $c }' "$OUT/results" 2>/dev/null
}

# --- bad input: refused before booting ---
refused() { # NAME EXPECTED-MESSAGE-REGEX ENV...
	local name=$1 re=$2 out rc=0
	shift 2
	out=$(env "$@" RESULTS="$OUT-bad" "$RIG/vmtest.sh" 2>&1) || rc=$?
	if [ $rc -ne 0 ] && echo "$out" | grep -qE "$re" && [ ! -f "$OUT-bad/serial.log" ]; then
		check "$name" 0
	else
		check "$name" 1 "exit $rc, output: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	fi
	rm -rf "$OUT-bad"
}
refused unknown-test "unknown test 'no_such_test'" EMU="$EMU" TESTS=no_such_test
refused unknown-emulator "unknown emulator" EMU=vmware
refused unknown-kernel "KERNEL=nosuch: unknown kernel" EMU="$EMU" KERNEL=nosuch
refused broken-build "failed to build: rig/broken_build_test" EMU="$EMU" TESTS=rig-broken-build

# --- one boot with the rig's self-tests ---
rc=0
EMU=$EMU TESTS="rig-warn rig-hang rig-true rig-irqoff rig-base-kvm rig-kvm-back rig-xfail rig-xfail-passes rig-quiet rig-stall" VMTEST_STALL_SECS=45 RESULTS=$OUT "$RIG/vmtest.sh" >"$OUT.log" 2>&1 || rc=$?
cat "$OUT.log"
check vmtest-exit-nonzero "$([ $rc -ne 0 ]; echo $?)" "vmtest.sh exited $rc although tests failed"
check summary-failed-4 "$(grep -qx 'failed=4' "$OUT/summary" 2>/dev/null; echo $?)" "summary: $(tr '\n' ' ' <"$OUT/summary" 2>/dev/null)"
check warn-fails "$([ "$(field rig-warn 2)" = FAIL ]; echo $?)" "rig-warn: $(field rig-warn 2)"
check warn-quoted "$(field rig-warn 4 | grep -q 'WARNING: .*rig_warn'; echo $?)" "reason: $(field rig-warn 4)"
check hang-times-out "$(field rig-hang 4 | grep -q 'TIMEOUT'; echo $?)" "rig-hang: $(field rig-hang 2) $(field rig-hang 4)"
secs=$(field rig-hang 3)
check hang-killed-in-time "$(awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 4 && s < 15) }'; echo $?)" "rig-hang took ${secs}s (timeout 5s)"
check run-goes-on "$([ "$(field rig-true 2)" = ok ]; echo $?)" "rig-true: $(field rig-true 2) $(field rig-true 4)"
check irqoff-forced-out "$([ "$(field rig-irqoff 2)" = ok ]; echo $?)" "rig-irqoff: $(field rig-irqoff 2) $(field rig-irqoff 4)"
check base-kvm-loaded "$([ "$(field rig-base-kvm 2)" = ok ]; echo $?)" "rig-base-kvm: $(field rig-base-kvm 2) $(field rig-base-kvm 4)"
check own-kvm-back "$([ "$(field rig-kvm-back 2)" = ok ]; echo $?)" "rig-kvm-back: $(field rig-kvm-back 2) $(field rig-kvm-back 4)"
check xfail-ok "$([ "$(field rig-xfail 2)" = xfail ]; echo $?)" "rig-xfail: $(field rig-xfail 2) $(field rig-xfail 4)"
check xfail-passing-fails "$(field rig-xfail-passes 4 | grep -q 'must fail'; echo $?)" "rig-xfail-passes: $(field rig-xfail-passes 2) $(field rig-xfail-passes 4)"
check quiet-kept-alive "$([ "$(field rig-quiet 2)" = ok ]; echo $?)" "rig-quiet: $(field rig-quiet 2) $(field rig-quiet 4)"
check stall-stopped "$(field rig-stall 4 | grep -q 'no progress from the guest .*host watchdog'; echo $?)" "rig-stall: $(field rig-stall 2) $(field rig-stall 4)"
# Stopped VMTEST_STALL_SECS (45) after the guest's last line, give or take the watchdog's 2 s
# poll, long before the boot's own limit.
n=$(field rig-stall 4 | sed -n 's/.*no progress from the guest for \([0-9]*\)s.*/\1/p')
check stall-stopped-in-time "$([ -n "$n" ] && [ "$n" -ge 45 ] && [ "$n" -le 60 ]; echo $?)" "rig-stall stopped after ${n:-?}s without progress (VMTEST_STALL_SECS=45)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
