#!/usr/bin/env bash
# Self-tests of the rig: prove that tools/rig/vmtest.sh notices what it must notice.
#
#   tools/tests/rig/selftests/run.sh [EMU]      (EMU: qemu (default) or bochs)
#
# Boots with VMTEST_BOOTS=per-cpus (on Bochs twice, one boot per CPU count: the cpus=2 tests in a
# two-CPU boot after a one-CPU boot with the others), VMTEST_FULL=1 and VMTEST_STALL_SECS=45,
# with the TESTS of the first vmtest.sh call below, and checks that:
#   - rig-warn (a module that WARNs on load) FAILED, and the reason quotes the WARNING line;
#   - rig-hang (sleeps forever, 5 s timeout) FAILED with a TIMEOUT, and was killed in time;
#   - rig-true, after the hang, passed (the run goes on after a killed test), and so did rig-full
#     (listed full: this boot has VMTEST_FULL=1, as make check-full);
#   - rig-base-kvm ran on the booted kernel's own KVM modules with allow_unsafe_mappings=1, and
#     rig-kvm-back, after it, on ours again;
#   - rig-xfail (listed xfail=TEXT, fails with TEXT) is reported ok, rig-xfail-passes (listed
#     xfail, passes) FAILED;
#   - rig-smp (two threads pinned to CPU 0 and CPU 1 hand a word back and forth 100000 times,
#     spinning) passed, and rig-smp-one-cpu (the same with both threads on CPU 0) failed as it
#     must (xfail): the host has two CPUs that run at the same time (cpus=2 boots Bochs with two);
#   - rig-l2-kick (an L2 guest spinning on CPU 1, forced out 32 times by a signal from CPU 0:
#     KVM_EXIT_INTR in guest mode, rescheduling IPIs counted, median latency below a tick) passed;
#   - rig-nopage-refuse-ram and rig-nopage-refuse-hole (rig_nopage.ko given RAM the kernel
#     manages, and an address that is not RAM) failed to load as they must (xfail), with the
#     module's reasons in the kernel log; rig-nopage (/dev/rig_nopage: no struct pages, above
#     mem=) and rig-pfnmap-pages (/dev/rig_pfnmap_pages: struct pages) passed, and rig-nopage-wrong
#     (the no-struct-page expectations on /dev/rig_pfnmap_pages) failed as it must (xfail);
#   - rig-quiet (silent for 60 s) passed: the guest's "# vmtest-alive" lines kept the host's
#     progress watchdog off;
#   - rig-stall (freezes the guest: no output, no power off) FAILED, stopped by the host's
#     progress watchdog 45-60 s after the guest's last line, long before the boot's own limit;
#   - shutdown (the kernel log check after the last test) FAILED as not reached: the guest froze;
#   - rig-modparams ran on our modules reloaded with kvm.halt_poll_ns=12345, rig-modparams-back
#     found the boot's value again, and rig-modparams-bogus (a parameter kvm.ko does not have)
#     FAILED without running ("module parameter not in effect");
#   - on Bochs the cpus=2 tests ran in a second boot, with two CPUs (boot-cpus2, shutdown-cpus2,
#     serial-cpus2.log), the others in the first, with one; QEMU booted once, with three;
#   - vmtest.sh exited non-zero and wrote failed=6 to RESULTS/summary;
# then boots again (on Bochs with one CPU: no cpus=2 test) with TESTS="rig-true rig-irqoff
# rig-virq-masked rig-xfail-first rig-xfail-skips rig-xfail-other rig-skips rig-may-skip rig-full
# rig-full-debug rig-warn-late", KERNEL=stock, VMTEST_FULL=0 and a baseline of its own
# (VMTEST_BASELINE: rig-skips, rig-may-skip and rig-full passed)
# and checks that rig-irqoff (a vCPU spinning with IF=0, interrupted by SIGALRM) passed, that
# rig-virq-masked (a virtual interrupt pending with IF=0 while host interrupts arrive) passed on
# Bochs and skipped on QEMU, that rig-xfail-first (xfail=TEXT;TEXT, fails with the first) is
# reported ok, that rig-full (listed full, no VMTEST_FULL) is a skip naming make check-full and
# rig-full-debug (full=debug) ran on the stock kernel, that rig-xfail-skips (listed xfail, skips) and rig-xfail-other (xfail=TEXT, fails
# with another text) FAILED, rig-skips (skips, passed in the baseline) FAILED, rig-may-skip (the
# same with may-skip=) is a skip, rig-warn-late (a module whose delayed work WARNs 2 s after its
# load) passed and shutdown FAILED with that WARNING, and failed=4;
# and that bad input is refused before anything boots: an unknown test name, an unknown
# emulator, an unknown kernel, a VMTEST_FULL other than 0 or 1, a full=debug test alone on the
# debug kernel (left out: nothing to run, and the reason given), a test program that does not build, an xfail= with an empty
# alternative or a ','.
# Prints one line per check and "N passed, N failed"; exit status 0 when all checks passed.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../../../.." && pwd)
RIG=$TOP/tools/rig
EMU=${1:-${EMU:-qemu}}
OUT=${RESULTS:-$TOP/build/vmtest/rig-selftest-$EMU}
passed=0 failed=0
# shellcheck source=../../../lib/results.sh
. "$TOP/tools/lib/results.sh"

check() { # NAME CONDITION-RESULT(0/1) DETAIL
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1)); result_line ok "rig-selftest/$1"
	else
		failed=$((failed + 1)); result_line FAIL "rig-selftest/$1" "" "$3"
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
	if [ $rc -ne 0 ] && echo "$out" | grep -E "$re" >/dev/null && [ ! -f "$OUT-bad/serial.log" ]; then
		check "$name" 0
	else
		check "$name" 1 "exit $rc, output: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	fi
	rm -rf "$OUT-bad"
}
refused unknown-test "unknown test 'no_such_test'" EMU="$EMU" TESTS=no_such_test
refused unknown-emulator "unknown emulator" EMU=vmware
refused unknown-kernel "KERNEL=nosuch: unknown kernel" EMU="$EMU" KERNEL=nosuch
refused full-not-boolean "VMTEST_FULL=yes: expected 0 or 1" EMU="$EMU" VMTEST_FULL=yes
# full=debug on the debug kernel without VMTEST_FULL=1: left out, and said why (before any boot).
refused full-debug-left-out "no tests to run: 1 left out \(not run by make check on the debug kernel" EMU="$EMU" KERNEL=debug VMTEST_FULL=0 TESTS=rig-full-debug
refused broken-build "failed to build: rig/broken_build_test" EMU="$EMU" TESTS=rig-broken-build
# xfail=TEXT;TEXT: an empty alternative would match any failure, a ',' would split the options.
badlist=$OUT-lists
mkdir -p "$badlist"
printf 'bad-xfail\txfail=good+text; prog=/bin/true\n' >"$badlist/empty-alternative.list"
printf 'bad-xfail\txfail=one,two prog=/bin/true\n' >"$badlist/comma.list"
refused xfail-empty-alternative "xfail=good\+text;: expected xfail=TEXT" EMU="$EMU" VMTEST_LIST="$badlist/empty-alternative.list"
refused xfail-comma "xfail=one,two: expected xfail=TEXT" EMU="$EMU" VMTEST_LIST="$badlist/comma.list"
rm -rf "$badlist"

# --- one boot with the rig's self-tests ---
rc=0
EMU=$EMU VMTEST_BOOTS=per-cpus VMTEST_FULL=1 TESTS="rig-warn rig-hang rig-true rig-full rig-base-kvm rig-kvm-back rig-xfail rig-xfail-passes rig-quiet rig-smp rig-smp-one-cpu rig-l2-kick rig-nopage-refuse-ram rig-nopage-refuse-hole rig-nopage rig-pfnmap-pages rig-nopage-wrong rig-modparams rig-modparams-back rig-modparams-bogus rig-stall" VMTEST_STALL_SECS=45 RESULTS=$OUT "$RIG/vmtest.sh" >"$OUT.log" 2>&1 || rc=$?
# (indented: its expected FAIL lines are not this script's failed checks)
sed 's/^/    | /' "$OUT.log"
check vmtest-exit-nonzero "$([ $rc -ne 0 ]; echo $?)" "vmtest.sh exited $rc although tests failed"
check summary-failed-6 "$(grep -qx 'failed=6' "$OUT/summary" 2>/dev/null; echo $?)" "summary: $(tr '\n' ' ' <"$OUT/summary" 2>/dev/null)"
# The guest froze in rig-stall: its last check, shutdown, never came.
check shutdown-not-reached "$([ "$(field shutdown 2)" = FAIL ] && field shutdown 4 | grep 'not reached' >/dev/null; echo $?)" "shutdown: $(field shutdown 2) $(field shutdown 4)"
check warn-fails "$([ "$(field rig-warn 2)" = FAIL ]; echo $?)" "rig-warn: $(field rig-warn 2)"
check warn-quoted "$(field rig-warn 4 | grep 'WARNING: .*rig_warn' >/dev/null; echo $?)" "reason: $(field rig-warn 4)"
check hang-times-out "$(field rig-hang 4 | grep 'TIMEOUT' >/dev/null; echo $?)" "rig-hang: $(field rig-hang 2) $(field rig-hang 4)"
secs=$(field rig-hang 3)
check hang-killed-in-time "$(awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 4 && s < 15) }'; echo $?)" "rig-hang took ${secs}s (timeout 5s)"
check run-goes-on "$([ "$(field rig-true 2)" = ok ]; echo $?)" "rig-true: $(field rig-true 2) $(field rig-true 4)"
check full-runs-in-check-full "$([ "$(field rig-full 2)" = ok ]; echo $?)" "rig-full (VMTEST_FULL=1): $(field rig-full 2) $(field rig-full 4)"
check base-kvm-loaded "$([ "$(field rig-base-kvm 2)" = ok ]; echo $?)" "rig-base-kvm: $(field rig-base-kvm 2) $(field rig-base-kvm 4)"
check own-kvm-back "$([ "$(field rig-kvm-back 2)" = ok ]; echo $?)" "rig-kvm-back: $(field rig-kvm-back 2) $(field rig-kvm-back 4)"
check xfail-ok "$([ "$(field rig-xfail 2)" = xfail ]; echo $?)" "rig-xfail: $(field rig-xfail 2) $(field rig-xfail 4)"
check xfail-passing-fails "$(field rig-xfail-passes 4 | grep 'must fail' >/dev/null; echo $?)" "rig-xfail-passes: $(field rig-xfail-passes 2) $(field rig-xfail-passes 4)"
check smp-handshake "$([ "$(field rig-smp 2)" = ok ]; echo $?)" "rig-smp: $(field rig-smp 2) $(field rig-smp 4)"
check smp-one-cpu-fails "$([ "$(field rig-smp-one-cpu 2)" = xfail ] && field rig-smp-one-cpu 4 | grep 'handshake incomplete' >/dev/null; echo $?)" "rig-smp-one-cpu: $(field rig-smp-one-cpu 2) $(field rig-smp-one-cpu 4)"
check l2-kicked-out "$([ "$(field rig-l2-kick 2)" = ok ]; echo $?)" "rig-l2-kick: $(field rig-l2-kick 2) $(field rig-l2-kick 4)"
check nopage-refuses-ram "$([ "$(field rig-nopage-refuse-ram 2)" = xfail ] && grep -q 'rig_nopage: .* intersects System RAM' "$OUT/tests/rig-nopage-refuse-ram.log" && grep -q 'rig_nopage: pfn 0x100 has a struct page (pfn_valid)' "$OUT/tests/rig-nopage-refuse-ram.log"; echo $?)" "rig-nopage-refuse-ram: $(field rig-nopage-refuse-ram 2) $(field rig-nopage-refuse-ram 4) (the kernel log must say why)"
check nopage-refuses-hole "$([ "$(field rig-nopage-refuse-hole 2)" = xfail ] && grep -q 'rig_nopage: .* is not RAM in the firmware memory map' "$OUT/tests/rig-nopage-refuse-hole.log"; echo $?)" "rig-nopage-refuse-hole: $(field rig-nopage-refuse-hole 2) $(field rig-nopage-refuse-hole 4) (the kernel log must say why)"
check nopage-no-struct-pages "$([ "$(field rig-nopage 2)" = ok ]; echo $?)" "rig-nopage: $(field rig-nopage 2) $(field rig-nopage 4)"
check pfnmap-pages-struct-pages "$([ "$(field rig-pfnmap-pages 2)" = ok ]; echo $?)" "rig-pfnmap-pages: $(field rig-pfnmap-pages 2) $(field rig-pfnmap-pages 4)"
check nopage-wrong-fails "$([ "$(field rig-nopage-wrong 2)" = xfail ] && field rig-nopage-wrong 4 | grep 'has a struct page' >/dev/null; echo $?)" "rig-nopage-wrong: $(field rig-nopage-wrong 2) $(field rig-nopage-wrong 4)"
check modparams-loaded "$([ "$(field rig-modparams 2)" = ok ]; echo $?)" "rig-modparams: $(field rig-modparams 2) $(field rig-modparams 4)"
check modparams-back "$([ "$(field rig-modparams-back 2)" = ok ]; echo $?)" "rig-modparams-back: $(field rig-modparams-back 2) $(field rig-modparams-back 4)"
check modparams-bogus-fails "$([ "$(field rig-modparams-bogus 2)" = FAIL ] && field rig-modparams-bogus 4 | grep 'module parameter not in effect: kvm.no_such_param=1' >/dev/null; echo $?)" "rig-modparams-bogus: $(field rig-modparams-bogus 2) $(field rig-modparams-bogus 4)"
check quiet-kept-alive "$([ "$(field rig-quiet 2)" = ok ]; echo $?)" "rig-quiet: $(field rig-quiet 2) $(field rig-quiet 4)"
check stall-stopped "$(field rig-stall 4 | grep 'no progress from the guest .*host watchdog' >/dev/null; echo $?)" "rig-stall: $(field rig-stall 2) $(field rig-stall 4)"
# Stopped VMTEST_STALL_SECS (45) after the guest's last line, give or take the watchdog's 2 s
# poll, long before the boot's own limit.
n=$(field rig-stall 4 | sed -n 's/.*no progress from the guest for \([0-9]*\)s.*/\1/p')
check stall-stopped-in-time "$([ -n "$n" ] && [ "$n" -ge 45 ] && [ "$n" -le 60 ]; echo $?)" "rig-stall stopped after ${n:-?}s without progress (VMTEST_STALL_SECS=45)"
# One boot per CPU count: on Bochs the cpus=2 tests (rig-smp, rig-smp-one-cpu, rig-l2-kick) ran
# in a second boot with two CPUs, after the watchdog stopped the first (one CPU, the rest); QEMU
# boots once, with three.
console_has() { # FILE LINE-REGEX
	# Not grep -q: it may exit before tr has written the whole file, and with pipefail tr's
	# SIGPIPE would fail the pipeline although the line is there.
	tr -d '\r' <"$1" 2>/dev/null | grep -E "$2" >/dev/null
}
if [ "$EMU" = bochs ]; then
	check boot-per-cpu-count "$(grep -qx 'cpus=1+2' "$OUT/summary" && [ "$(field boot 2)" = ok ] \
		&& [ "$(field boot-cpus2 2)" = ok ] && [ "$(field shutdown-cpus2 2)" = ok ] \
		&& console_has "$OUT/serial.log" '^# vmtest: guest runner up, .*, 1 CPUs$' \
		&& console_has "$OUT/serial-cpus2.log" '^# vmtest: guest runner up, .*, 2 CPUs$' \
		&& console_has "$OUT/serial-cpus2.log" '^# vmtest-begin: rig-smp$' \
		&& ! console_has "$OUT/serial.log" '^# vmtest-begin: rig-smp$' \
		&& console_has "$OUT/serial.log" '^# vmtest-begin: rig-true$'; echo $?)" \
		"summary $(grep cpus= "$OUT/summary"), boot-cpus2: $(field boot-cpus2 2), shutdown-cpus2: $(field shutdown-cpus2 2)"
else
	check one-boot "$(grep -qx 'cpus=3' "$OUT/summary" && [ -z "$(field boot-cpus3 2)" ] \
		&& console_has "$OUT/serial.log" '^# vmtest-begin: rig-smp$'; echo $?)" "summary $(grep cpus= "$OUT/summary")"
fi

# --- a second boot: honest counting ---
# A baseline of its own (input, not output of this run): rig-skips, rig-may-skip and rig-full
# passed there (rig-full, left out of this run, must not count as missing or skipped).
COUNT=$OUT-count
printf '%s\tok\t0\t\n' boot rig-skips rig-may-skip rig-full >"$COUNT.baseline"
rc=0
EMU=$EMU KERNEL=stock VMTEST_FULL=0 TESTS="rig-true rig-irqoff rig-virq-masked rig-xfail-first rig-xfail-skips rig-xfail-other rig-skips rig-may-skip rig-full rig-full-debug rig-warn-late" VMTEST_BASELINE=$COUNT.baseline RESULTS=$COUNT "$RIG/vmtest.sh" >"$COUNT.log" 2>&1 || rc=$?
sed 's/^/    | /' "$COUNT.log"
cfield() { OUT=$COUNT field "$@"; }
check count-exit-nonzero "$([ $rc -ne 0 ]; echo $?)" "vmtest.sh exited $rc although tests failed"
check count-summary-failed-4 "$(grep -qx 'failed=4' "$COUNT/summary" 2>/dev/null; echo $?)" "summary: $(tr '\n' ' ' <"$COUNT/summary" 2>/dev/null)"
# One CPU on Bochs in this boot: there rig-irqoff catches an emulator that loses host
# interrupts while a guest runs with IF=0 (with two CPUs it passed on such a Bochs; rig-l2-kick
# catches that one there). QEMU always has three CPUs.
check irqoff-forced-out "$([ "$(cfield rig-irqoff 2)" = ok ] && { [ "$EMU" != bochs ] || grep -qx 'cpus=1' "$COUNT/summary"; }; echo $?)" "rig-irqoff: $(cfield rig-irqoff 2) $(cfield rig-irqoff 4); $(grep cpus= "$COUNT/summary" 2>/dev/null)"
# rig-virq-masked: Bochs must not deliver a virtual interrupt while the guest has IF=0 (it
# passes with tools/bochs/patches/0006); QEMU emulates an AMD host and has no APICv to check.
if [ "$EMU" = bochs ]; then
	check virq-masked "$([ "$(cfield rig-virq-masked 2)" = ok ]; echo $?)" "rig-virq-masked: $(cfield rig-virq-masked 2) $(cfield rig-virq-masked 4)"
else
	check virq-masked-skips "$([ "$(cfield rig-virq-masked 2)" = skip ] && cfield rig-virq-masked 4 | grep 'X2APIC\|enable_apicv\|kvm_intel' >/dev/null; echo $?)" "rig-virq-masked: $(cfield rig-virq-masked 2) $(cfield rig-virq-masked 4)"
fi
check xfail-first-alternative "$([ "$(cfield rig-xfail-first 2)" = xfail ]; echo $?)" "rig-xfail-first: $(cfield rig-xfail-first 2) $(cfield rig-xfail-first 4)"
check xfail-skipping-fails "$([ "$(cfield rig-xfail-skips 2)" = FAIL ] && cfield rig-xfail-skips 4 | grep 'skipped (exit 4), but it must fail' >/dev/null; echo $?)" "rig-xfail-skips: $(cfield rig-xfail-skips 2) $(cfield rig-xfail-skips 4)"
check xfail-other-text-fails "$([ "$(cfield rig-xfail-other 2)" = FAIL ] && cfield rig-xfail-other 4 | grep "not with 'expected failure'" >/dev/null; echo $?)" "rig-xfail-other: $(cfield rig-xfail-other 2) $(cfield rig-xfail-other 4)"
check skip-after-pass-fails "$([ "$(cfield rig-skips 2)" = FAIL ] && cfield rig-skips 4 | grep 'skipped, but it passed in' >/dev/null; echo $?)" "rig-skips: $(cfield rig-skips 2) $(cfield rig-skips 4)"
check may-skip-skips "$([ "$(cfield rig-may-skip 2)" = skip ] && cfield rig-may-skip 4 | grep -F '(may skip: rig self-test)' >/dev/null; echo $?)" "rig-may-skip: $(cfield rig-may-skip 2) $(cfield rig-may-skip 4)"
check full-skips-in-check "$([ "$(cfield rig-full 2)" = skip ] && cfield rig-full 4 | grep 'make check-full runs it' >/dev/null; echo $?)" "rig-full: $(cfield rig-full 2) $(cfield rig-full 4)"
check full-debug-runs-on-stock "$([ "$(cfield rig-full-debug 2)" = ok ]; echo $?)" "rig-full-debug (stock kernel): $(cfield rig-full-debug 2) $(cfield rig-full-debug 4)"
check warn-late-passes "$([ "$(cfield rig-warn-late 2)" = ok ]; echo $?)" "rig-warn-late: $(cfield rig-warn-late 2) $(cfield rig-warn-late 4) (its WARN must come after its own check)"
check shutdown-catches-late-warn "$([ "$(cfield shutdown 2)" = FAIL ] && cfield shutdown 4 | grep 'after the last test (rig-warn-late): WARNING: .*rig_warn_late' >/dev/null; echo $?)" "shutdown: $(cfield shutdown 2) $(cfield shutdown 4)"

closing_line "$passed" "$failed" 0
[ "$failed" -eq 0 ]
