#!/usr/bin/env bash
# The test rig: boot Debian's stock 7.3 kernel in an emulator that offers hardware
# virtualization (QEMU TCG as an AMD host, Bochs as an Intel host), load the kit's kvm.ko and
# kvm-amd.ko / kvm-intel.ko, run KVM selftests built from TREE and report one line per test.
#
#   tools/rig/vmtest.sh            (make vmtest)
#
# Environment:
#   EMU=qemu|bochs      emulator (default: both, qemu first)
#   TESTS="a b"         test names (default: every test of tools/rig/tests-$EMU.list); a name is
#                       a selftest's program name (state_test), or a rig self-test (rig-*)
#   KERNEL=stock|debug  the kernel to boot (default stock: Debian's 7.3.4+deb13-amd64; debug: the
#                       project's lockdep/KASAN/UBSAN kernel, tools/kernel/build.sh debug, built
#                       on first use and cached)
#   RESULTS=DIR         where results go (default build/vmtest/<emu>-<timestamp>; with both
#                       emulators, DIR/<emu>)
#   VMTEST_TIMEOUT_SCALE=N  multiply every timeout by N (slow machines; default 1, 5 with KERNEL=debug)
#   MODULES_OUT=DIR BUILD_DIR=DIR  where the KVM modules for TREE are built (as for make modules; default
#                       build/modules/<release>): keeps the modules of a fixture tree apart
#   BASE_MODULES=DIR    base-kvm tests load the KVM modules in DIR instead of the booted kernel's
#                       own: a tools/build.sh output (BUILT-FOR must name the booted release),
#                       e.g. the base commit built by the kit (tools/bench/roundtrip.sh does that)
#   VMTEST_CMDLINE="..."  extra kernel command line arguments (debugging: "loglevel=7 initcall_debug")
#   VMTEST_STALL_SECS=N  the progress watchdog: a guest whose userspace prints nothing for N s of
#                       host time is taken for dead and stopped (default 120 x the timeout scale:
#                       120, 600 with KERNEL=debug)
#   VMTEST_LIST=FILE    a test list to use instead of tools/rig/tests-$EMU.list (same format; e.g.
#                       to run a test that the list leaves out, with its options)
#   VMTEST_BOOTS=one|per-cpus  one boot with the most CPUs any test asks for (default), or one
#                       boot per CPU count (Bochs: the cpus=2 tests in a second, two-CPU boot)
#   VMTEST_FULL=1       also run the list's full / full=debug tests (make check-full); without
#                       it they are reported as skips that name make check-full
#
# Results: RESULTS/serial.log (the whole console; with VMTEST_BOOTS=per-cpus RESULTS/serial-cpusN.log
# of a later boot with N CPUs), RESULTS/tests/<name>.log (each test's output
# and the kernel messages logged while it ran), RESULTS/dmesg, RESULTS/ktap (the KTAP result
# lines), RESULTS/timings, RESULTS/results (name, status, seconds, reason; tab-separated) and
# RESULTS/summary (passed=, failed=, skipped=). Exit status: 0 when nothing failed.
# This file is the test layer (lists, builds, results); tools/rig/boot.sh, which it sources, the
# boot layer (emulator profiles, initramfs, emulator run, progress watchdog). Documentation/rig.md
# explains the whole.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/results.sh"

KERNEL=${KERNEL:-stock}
# The debug kernel (lockdep, KASAN, ...) runs the tests 4-7 times slower than the stock one
# (QEMU: xapic_state_test 8.8 s -> 63.7 s): its timeouts are scaled by 5 unless set.
if [ "$KERNEL" = debug ]; then SCALE=${VMTEST_TIMEOUT_SCALE:-5}; else SCALE=${VMTEST_TIMEOUT_SCALE:-1}; fi
DEFAULT_TIMEOUT=120

# --- both emulators ---------------------------------------------------------------------------
if [ -z "${EMU:-}" ]; then
	rc=0 tp=0 tf=0 ts=0
	stamp=$(date +%Y%m%d-%H%M%S)
	for emu in qemu bochs; do
		res=${RESULTS:+$RESULTS/$emu}
		res=${res:-$KIT_TOP/build/vmtest/$emu-$stamp}
		EMU=$emu RESULTS=$res "$0" || rc=1
		tp=$((tp + $(summary_get "$res/summary" passed)))
		tf=$((tf + $(summary_get "$res/summary" failed)))
		ts=$((ts + $(summary_get "$res/summary" skipped)))
	done
	echo "vmtest, both emulators:"
	closing_line "$tp" "$tf" "$ts"
	exit $rc
fi

# The boot layer (emulator profiles, initramfs, emulator run, watchdog): tools/rig/boot.sh.
# shellcheck source-path=SCRIPTDIR source=boot.sh
. "$RIG_DIR/boot.sh"
LIST=${VMTEST_LIST:-$RIG_DIR/tests-$EMU.list}
RIG_LIST=$KIT_TOP/tools/tests/rig/selftests/rig-tests.list
case ${VMTEST_BOOTS:-one} in
one|per-cpus) ;;
*) die "VMTEST_BOOTS=$VMTEST_BOOTS: expected one or per-cpus" ;;
esac
case ${VMTEST_FULL:-0} in
0|1) ;;
*) die "VMTEST_FULL=$VMTEST_FULL: expected 0 or 1" ;;
esac

# --- checks that come before anything is built or booted ---------------------------------------
check_kernel() {
	case $KERNEL in
	stock|debug) ;;
	*) die "KERNEL=$KERNEL: unknown kernel (known: stock, debug)" ;;
	esac
}

# A list line: NAME [OPTION...] [-- ARGS...]; options: timeout=SECS, cpus=N (the test needs N
# CPUs: it runs on CPUs 0..N-1 of a host booted with at least N), prog=PATH, kmod=NAME (alone:
# the test is loading the module; with prog=: a helper module loaded before the program),
# trace=EVENT+EVENT, numastat, stock-only (not run on the debug kernel: reported as a skip; the
# list says why), full (run only with VMTEST_FULL=1, make check-full: a skip otherwise),
# full=debug (the same on the debug kernel only; the stock kernel always runs it), base-kvm[=PARAM+PARAM] (run on the booted kernel's own KVM modules, i.e. the
# base, with these kvm.ko parameters; ours are loaded again for the next test that does not ask
# for them), modparams=MOD.P=V+MOD.P=V (on our modules loaded with these parameters as well:
# kvm_intel.ept=0; checked in /sys/module before the test runs), xfail[=TEXT] (the
# test must fail, with TEXT ('+' for spaces) in its output: a test that passes, skips or fails
# otherwise is a failure), may-skip=REASON (when it may skip although it passed in the
# baseline, tools/rig/baseline.sh; '+' for spaces, no ',').
# Prints NAME|TIMEOUT|OPTS|PROG|KMOD|ARGS ('|' may not be used).
parse_line() {
	local file=$1 line=$2 name tmo=$DEFAULT_TIMEOUT prog="" kmod="" opts="" args="" w
	local -a words
	[[ $line != *'|'* ]] || die "$file: '$line': the character '|' is not allowed in a test line"
	read -r -a words <<<"$line"
	name=${words[0]}
	local i=1 n=${#words[@]}
	while [ $i -lt "$n" ]; do
		w=${words[$i]}
		case $w in
		--) args=${words[*]:$((i + 1))}; break ;;
		timeout=*) tmo=${w#timeout=} ;;
		prog=*) prog=${w#prog=} ;;
		kmod=*) kmod=${w#kmod=} ;;
		cpus=*)
			[[ ${w#cpus=} =~ ^[1-9][0-9]*$ ]] && [ "${w#cpus=}" -le "$MAX_CPUS" ] \
				|| die "$file: '$name': $w: the $EMU host has at most $MAX_CPUS CPUs"
			opts=${opts:+$opts,}$w ;;
		xfail=*)
			# TEXT[;TEXT...]: each alternative with more than spaces ('+'), no ',' (it separates
			# the options): an empty one would match any failure.
			[[ ${w#xfail=} =~ ^[^,\;]*[^,\;+][^,\;]*(\;[^,\;]*[^,\;+][^,\;]*)*$ ]] \
				|| die "$file: '$name': $w: expected xfail=TEXT[;TEXT...], each TEXT non-empty and without ',' ('+' for spaces)"
			opts=${opts:+$opts,}$w ;;
		trace=*|base-kvm=*)
			[[ $w != *,* ]] || die "$file: '$name': $w: no ',' in the value ('+' between several)"
			opts=${opts:+$opts,}$w ;;
		numastat|stock-only|full|full=debug|base-kvm|xfail) opts=${opts:+$opts,}$w ;;
		modparams=*)
			[[ ${w#modparams=} =~ ^(kvm|kvm_intel|kvm_amd)\.[a-z0-9_]+=[^+,]+(\+(kvm|kvm_intel|kvm_amd)\.[a-z0-9_]+=[^+,]+)*$ ]] \
				|| die "$file: '$name': $w: expected modparams=MODULE.PARAM=VALUE[+MODULE.PARAM=VALUE...] with MODULE kvm, kvm_intel or kvm_amd"
			opts=${opts:+$opts,}$w ;;
		may-skip=?*)
			[[ $w != *,* ]] || die "$file: '$name': $w: no ',' in the reason ('+' for spaces)"
			opts=${opts:+$opts,}$w ;;
		*) die "$file: '$name': unknown option '$w' (options: timeout= cpus= prog= kmod= trace= numastat stock-only full[=debug] base-kvm[=] modparams= xfail[=] may-skip=; arguments go after --)" ;;
		esac
		i=$((i + 1))
	done
	[[ $tmo =~ ^[0-9]+$ ]] || die "$file: '$name': timeout=$tmo is not a number of seconds"
	if [ -z "$prog" ] && [ -z "$kmod" ]; then
		prog=$(selftest_path "$name")
		[ -n "$prog" ] || die "$file: unknown test '$name': not a KVM selftest of TREE (tools/testing/selftests/kvm/Makefile.kvm)"
	fi
	printf '%s|%s|%s|%s|%s|%s\n' "$name" "$((tmo * SCALE))" "$opts" "$prog" "$kmod" "$args"
}

# list_lines FILE: the test lines of a list, without comments, with their variants. A line
# "@variant ID OPTION..." defines a variant; a test line with variants=ID+ID is printed as it is
# (without that option) and once more per variant as NAME-ID with the variant's options added
# (e.g. modparams=kvm_intel.ept=0). The variants come after all the plain lines, grouped by
# variant in the order of their definitions, so that the runner loads each module configuration
# once.
list_lines() {
	local file=$1 line id rest name opts args vs v progopt
	local -A def=() more=()
	local order=()
	while read -r line; do
		case $line in
		'@variant '*)
			read -r _ id rest <<<"$line"
			[[ $id =~ ^[a-z0-9]+$ ]] && [ -n "$rest" ] || die "$file: '$line': expected @variant ID OPTION... (ID: lower-case letters and digits)"
			[ -z "${def[$id]:-}" ] || die "$file: variant '$id' is defined twice"
			def[$id]=$rest order+=("$id") ;;
		esac
	done < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$file" | grep -v '^[[:space:]]*$' || true)
	while read -r line; do
		case $line in '@variant '*) continue ;; esac
		if [[ " $line " != *" variants="* ]]; then
			echo "$line"
			continue
		fi
		if [[ $line == *' -- '* ]]; then opts=${line%% -- *} args=" -- ${line#* -- }"; else opts=$line args=; fi
		vs=$(sed -n 's/.* variants=\([^ ]*\).*/\1/p' <<<" $opts ")
		opts=$(sed -e 's/ variants=[^ ]*//' -e 's/^ *//' -e 's/ *$//' <<<" $opts ")
		echo "$opts$args"
		name=${opts%%[[:space:]]*}
		progopt=
		[[ " $opts " == *" prog="* || " $opts " == *" kmod="* ]] || progopt=" prog=$(selftest_path "$name")"
		for v in ${vs//+/ }; do
			[ -n "${def[$v]:-}" ] || die "$file: '$name': variants=$vs: no '@variant $v' in the list"
			more[$v]+="$name-$v${opts#"$name"} ${def[$v]}$progopt$args"$'\n'
		done
	done < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$file" | grep -v '^[[:space:]]*$' || true)
	for v in "${order[@]}"; do printf '%s' "${more[$v]:-}"; done
}

# The tests to run, one parsed line each, into $WORK/tests.tsv.
resolve_tests() {
	local out=$1 name line found
	[ -f "$LIST" ] || die "no test list for $EMU ($LIST)"
	: >"$out"
	# (a file each, not a pipe: a bad list line must stop the run, not only a subshell)
	list_lines "$LIST" >"$out.list" || exit 1
	list_lines "$RIG_LIST" >"$out.rig" || exit 1
	if [ -z "${TESTS:-}" ]; then
		while IFS= read -r line; do parse_line "$LIST" "$line" >>"$out"; done <"$out.list"
	else
		for name in $TESTS; do
			found=$(awk -v n="$name" '$1 == n { print; exit }' "$out.list")
			[ -n "$found" ] || found=$(awk -v n="$name" '$1 == n { print; exit }' "$out.rig")
			if [ -z "$found" ]; then
				[ -n "$(selftest_path "$name")" ] \
					|| die "unknown test '$name': not in $(basename "$LIST"), not a rig self-test (tools/tests/rig/selftests/rig-tests.list) and not a KVM selftest of TREE"
				found=$name
			fi
			parse_line "TESTS" "$found" >>"$out"
		done
	fi
	rm -f "$out.list" "$out.rig"
	# Tests this run leaves out, reported as skips with the reason (NAME<TAB>REASON in
	# $out.not-run): stock-only ones on the debug kernel; without VMTEST_FULL=1, full ones, and
	# full=debug ones on the debug kernel.
	: >"$out.not-run"
	: >"$out.tmp"
	awk -F'|' -v debug="$([ "$KERNEL" = debug ] && echo 1 || echo 0)" -v full="${VMTEST_FULL:-0}" -v list="$(basename "$LIST")" \
		-v out="$out.tmp" -v notrun="$out.not-run" '
		function has(o) { return ("," $3 ",") ~ ("," o ",") }
		debug && has("stock-only") {
			print $1 "\tnot run on the debug kernel (stock-only in " list ", which says why)" > notrun; next }
		!full && (has("full") || (debug && has("full=debug"))) {
			print $1 "\tnot run by make check" (has("full") ? "" : " on the debug kernel") \
				" (full" (has("full") ? "" : "=debug") " in " list "): make check-full runs it (VMTEST_FULL=1)" > notrun; next }
		{ print > out }
		END { close(out); close(notrun) }' "$out"
	mv "$out.tmp" "$out"
	[ -s "$out" ] || [ ! -s "$out.not-run" ] \
		|| die "no tests to run: $(wc -l <"$out.not-run") left out ($(cut -f2 "$out.not-run" | sed -n 1p))"
	[ -s "$out" ] || die "no tests to run"
	local dup
	dup=$(cut -d'|' -f1 "$out" | sort | uniq -d | sed -n 1p)
	[ -z "$dup" ] || die "test '$dup' is listed twice"
}

# The KVM modules for the kernel the rig boots, from TREE: tools/build.sh brings TREE up to date
# with SERIES, decides whether the modules are current (and builds them if not) and checks their
# vermagic; the rig only uses what it published. MODULES_OUT and BUILD_DIR (as for make modules)
# keep the modules of another tree (a fixture series) apart.
check_modules() {
	local dir=${MODULES_OUT:-$KIT_TOP/build/modules/$RIG_KREL} m
	KDIR=$RIG_KDIR MODULES_OUT=$dir "$KIT_TOP/tools/build.sh" >&2 \
		|| die "the KVM modules for $RIG_KREL could not be built (tools/build.sh)"
	[ "$(built_for_get "$dir" release)" = "$RIG_KREL" ] \
		|| die "module/kernel version mismatch: $dir/BUILT-FOR says release=$(built_for_get "$dir" release), the rig boots $RIG_KREL"
	for m in $KIT_MODULES; do
		[ -f "$dir/$m.ko" ] || die "$dir/$m.ko is missing after tools/build.sh"
	done
	MODDIR=$dir
	if [ -n "${BASE_MODULES:-}" ]; then
		[ "$(built_for_get "$BASE_MODULES" release)" = "$RIG_KREL" ] \
			|| die "BASE_MODULES=$BASE_MODULES: its BUILT-FOR says release=$(built_for_get "$BASE_MODULES" release), the rig boots $RIG_KREL"
		for m in $KIT_MODULES; do
			[ -f "$BASE_MODULES/$m.ko" ] || die "BASE_MODULES=$BASE_MODULES has no $m.ko"
		done
	fi
}

# Rig kernel modules (tools/rig/kmod/NAME.c), built against the booted kernel's headers, into a
# cache entry keyed by their sources and that kernel (published with cache_publish: built in a
# temporary directory under the entry's lock, then renamed).
build_kmods_into() { # TMP SRC
	local tmp=$1 src=$2 kd=${RIG_KDIR:-/usr/src/linux-headers-$RIG_KREL} b=()
	cp "$src"/*.c "$src/Kbuild" "$tmp/" || die "could not copy the rig's module sources"
	[ -z "$RIG_KDIR" ] || b=(-b "$RIG_KDIR")
	(
		build_lock
		buildroot run -b "$RIG_CACHE" "${b[@]}" -- make -C "$kd" M="$tmp" \
			CC="$RIG_CC" HOSTCC="$RIG_CC" modules
	) >"$KIT_LOGS/rig-kmod.log" 2>&1 || die "the rig's kernel modules failed to build (log: $KIT_LOGS/rig-kmod.log)"
}
build_kmods() {
	local names=("$@") src=$RIG_DIR/kmod key n
	key=$( (cat "$src"/*.c "$src/Kbuild"; echo "$RIG_KREL") | sha256sum | cut -c1-12)
	mkdir -p "$RIG_CACHE/kmod"
	KMODDIR=$(cache_publish "$RIG_CACHE/kmod/$key" build_kmods_into "$src")
	for n in "${names[@]}"; do
		[ -f "$KMODDIR/$n.ko" ] || die "rig module $n.ko is not in $KMODDIR (log: $KIT_LOGS/rig-kmod.log); an older kit built this cache entry in place and may have left it incomplete: rm -rf '$KMODDIR' and run again"
	done
}

# --- host side: the console log into results -----------------------------------------------------
# parse_results TSV RC SERIAL TAG: one boot's console log (SERIAL; the emulator's status RC) into
# RESULTS: its tests' lines appended to RESULTS/results, their logs to RESULTS/tests/, the kernel
# log to RESULTS/dmesg. TAG is the suffix of the boot's pseudo-tests (boot_setup).
parse_results() {
	local tsv=$1 boot_rc=$2 serial=$3 tag=$4 f
	# One section per boot in the files that collect all boots (ktap: one KTAP stream per boot).
	for f in dmesg guest-info ktap; do
		echo "# vmtest boot$tag: $BOOT_CPUS CPU(s), console $(basename "$serial")" >>"$RESULTS/$f"
	done
	tr -d '\r' <"$serial" | awk -v dir="$RESULTS" '
		/^# vmtest-begin: / { cur = substr($0, 17); next }
		/^# kmsg: / { line = substr($0, 9); print line >> (dir "/dmesg")
			if (cur != "") print "kmsg: " line >> (dir "/tests/" cur ".log"); next }
		/^# vmtest-(param|trace|numastat): / { print >> (dir "/guest-info"); if (cur != "") print >> (dir "/tests/" cur ".log"); next }
		/^# boot(-cpus[0-9]+)?: / { l = $0; sub(/^# boot(-cpus[0-9]+)?: /, "", l); print l >> (dir "/guest-info") }
		cur != "" && index($0, "# " cur ": ") == 1 { print substr($0, length(cur) + 5) >> (dir "/tests/" cur ".log"); next }
		/^(KTAP version|1\.\.[0-9]+$|ok [0-9]+ |not ok [0-9]+ )/ { print >> (dir "/ktap") }
	'
	local expected=("boot$tag") n status secs reason line died="" last
	while IFS='|' read -r n _; do expected+=("$n"); done <"$tsv"
	# The runner's last pseudo-test: the kernel log after the last test (tools/rig/init).
	expected+=("shutdown$tag")
	for n in "${expected[@]}"; do
		line=$(grep -E "^(not )?ok [0-9]+ $(printf '%s' "$n" | sed 's/[.[\*^$]/\\&/g') #" "$RESULTS/ktap" 2>/dev/null | sed -n 1p || true)
		if [ -n "$line" ]; then
			secs=$(echo "$line" | sed -n 's/.*# \(SKIP \|XFAIL \)\{0,1\}time=\([0-9.]*\)s.*/\2/p')
			reason=$(echo "$line" | sed -n 's/.*# \(SKIP \|XFAIL \)\{0,1\}time=[0-9.]*s *//p')
			case $line in
			"not ok"*) status=FAIL ;;
			*"# SKIP"*) status=skip ;;
			*"# XFAIL"*) status=xfail ;;
			*) status=ok ;;
			esac
		else
			status=FAIL secs=0
			if [ -z "$died" ]; then
				died=$n
				# (not grep -q: with pipefail, tr's SIGPIPE would fail a match)
				if tr -d '\r' <"$serial" | grep -x "# vmtest-begin: $n" >/dev/null; then
					reason="the guest died or hung during this test"
				else
					reason="the guest died or hung before this test"
				fi
				# What the console said after the last test line (earlier tests' splats are
				# theirs, already reported).
				last=$(tr -d '\r' <"$serial" | awk '
					/^(# vmtest-begin: |ok [0-9]+ |not ok [0-9]+ )/ { k = 0; next }
					{ buf[k++] = $0 }
					END { for (i = 0; i < k; i++) print buf[i] }' \
					| grep -E 'Kernel panic|BUG:|Oops|WARNING:|soft lockup|hung task|blocked for more than|RCU stall' | sed -n '1{s/^\[ *[0-9.]*\] //;p;}' || true)
				if [ -f "$WORK/stalled" ]; then
					reason="$reason ($(cat "$WORK/stalled"))"
				else
					case $boot_rc in
					124) reason="$reason (host timeout)" ;;
					125) reason="$reason (Bochs' own log passed its size limit: the emulator looped; see $(basename "$serial").bochs.tail)" ;;
					0) reason="$reason (the guest powered off early)" ;;
					*) reason="$reason (emulator exit $boot_rc)" ;;
					esac
				fi
				[ -n "$last" ] && reason="$reason; console: $last"
				# Bochs says why it stopped in its own log (e.g. a triple fault in the L0 guest).
				if [ -f "$serial.bochs" ]; then
					last=$(grep -A1 'Bochs is exiting with the following message' "$serial.bochs" | tail -n 1 || true)
					[ -n "$last" ] && reason="$reason; bochs: $last"
				fi
				[ -f "$RESULTS/tests/$n.log" ] || : >"$RESULTS/tests/$n.log"
				tail -n 40 "$serial" | tr -d '\r' | sed 's/^/console: /' >>"$RESULTS/tests/$n.log"
			else
				reason="not reached (the guest died or hung in $died)"
			fi
		fi
		printf '%s\t%s\t%s\t%s\n' "$n" "$status" "${secs:-0}" "$reason" >>"$RESULTS/results"
	done
}

# The tests this run left out (resolve_tests), as skips, after the boots' results.
not_run_results() {
	local n reason
	while IFS=$'\t' read -r n reason; do
		printf '%s\tskip\t0\t%s\n' "$n" "$reason" >>"$RESULTS/results"
	done <"$WORK/not-run"
	cut -f1,3 "$RESULTS/results" >"$RESULTS/timings"
}

# The baseline the run is compared with, into BASELINE: VMTEST_BASELINE, else
# baseline-<emu>-<kernel>.txt when the kernel has one of its own, else baseline-<emu>.txt
# (measured on the stock kernel; on the debug kernel its stock-only tests are not compared).
baseline_file() {
	BASELINE=${VMTEST_BASELINE:-$RIG_DIR/baseline-$EMU-$KERNEL.txt}
	[ -n "${VMTEST_BASELINE:-}" ] || [ -f "$BASELINE" ] || BASELINE=$RIG_DIR/baseline-$EMU.txt
	[ -f "$BASELINE" ] || die "no baseline to compare the $EMU results with ($BASELINE)"
}

# tools/rig/baseline.sh: a test that passed in the baseline and skips now fails (unless
# may-skip=); when the whole list ran, one that has no result fails too. A TESTS= subset, or
# another list (VMTEST_LIST) without a VMTEST_BASELINE of its own, is compared test by test.
compare_baseline() {
	local full=()
	if [ -z "${TESTS:-}" ] && { [ -z "${VMTEST_LIST:-}" ] || [ -n "${VMTEST_BASELINE:-}" ]; }; then
		full=(--full)
	fi
	cut -f1 "$WORK/not-run" >"$WORK/exempt"
	"$RIG_DIR/baseline.sh" "${full[@]}" --exempt "$WORK/exempt" "$BASELINE" "$WORK/tests.tsv" \
		"$RESULTS/results" >"$WORK/results.new" || die "could not compare the results with $BASELINE"
	mv "$WORK/results.new" "$RESULTS/results"
	cut -f1,3 "$RESULTS/results" >"$RESULTS/timings"
	log "results compared with $BASELINE (${full[*]:-the tests that ran})"
}

report() {
	local p=0 f=0 s=0 n status secs reason
	while IFS=$'\t' read -r n status secs reason; do
		case $status in
		ok) p=$((p + 1)); result_line ok "$EMU/$n" "$secs" ;;
		xfail) p=$((p + 1)); result_line ok "$EMU/$n" "$secs" "$reason" ;;
		skip) s=$((s + 1)); result_line skip "$EMU/$n" "$secs" "$reason" ;;
		*) f=$((f + 1)); result_line FAIL "$EMU/$n" "$secs" "$reason"
		   [ -s "$RESULTS/tests/$n.log" ] && echo "        (log: $RESULTS/tests/$n.log)" ;;
		esac
	done <"$RESULTS/results"
	summary_write "$RESULTS/summary" "$p" "$f" "$s" "emu=$EMU" "kernel=$KERNEL" "cpus=$BOOT_CPUS" \
		"wall=$(( $(date +%s) - START ))" "emu_wall=${EMU_WALL:-0}"
	echo "vmtest $EMU took $(( $(date +%s) - START ))s; results in $RESULTS"
	closing_line "$p" "$f" "$s"
	[ "$f" -eq 0 ]
}


# The emulator runs in a process group of its own (run_emulator): stop it with us. On INT and
# TERM, die of the signal after that, so that a caller (the both-emulators loop, make, check.sh)
# stops too instead of going on.
rig_cleanup() {
	rm -f "$RIG_TSV" "$RIG_TSV.not-run" "$RIG_TSV.list" "$RIG_TSV.rig" "$RIG_TSV.tmp"
	[ -z "$RIG_EMU_PID" ] || kill -TERM -- "-$RIG_EMU_PID" 2>/dev/null || true
}
rig_signal() { # SIGNAL
	rig_cleanup
	trap - EXIT "$1"
	kill -"$1" $$
}

main() {
	START=$(date +%s)
	check_kernel
	check_emulator
	local tsv
	tsv=$(mktemp)
	RIG_TSV=$tsv
	RIG_EMU_PID=
	trap rig_cleanup EXIT
	trap 'rig_signal INT' INT
	trap 'rig_signal TERM' TERM
	trap 'rig_signal HUP' HUP
	resolve_tests "$tsv"
	baseline_file
	RESULTS=${RESULTS:-$KIT_TOP/build/vmtest/$EMU-$(date +%Y%m%d-%H%M%S)}
	RESULTS=$(realpath -m "$RESULTS")
	rm -rf "$RESULTS"
	mkdir -p "$RESULTS"
	WORK=$RESULTS/.work
	mkdir -p "$WORK" "$KIT_LOGS"
	mv "$tsv" "$WORK/tests.tsv"
	mv "$tsv.not-run" "$WORK/not-run"
	local progs=() kmods=() name tmo opts prog kmod args testdir=""
	while IFS='|' read -r name tmo opts prog kmod args; do
		[ -z "$kmod" ] || kmods+=("$kmod")
		if [ -n "$prog" ] && [ "${prog:0:1}" != / ]; then progs+=("$prog"); fi
	done <"$WORK/tests.tsv"
	rig_kernel "$KERNEL"
	check_modules
	[ ${#progs[@]} -eq 0 ] || testdir=$("$RIG_DIR/build-tests.sh" "${progs[@]}")
	# (not in a || list: set -e must hold in cache_publish's builder)
	if [ ${#kmods[@]} -gt 0 ]; then build_kmods "${kmods[@]}"; fi
	# VMTEST_BOOTS=one (the default): one boot with as many CPUs as the most demanding test asks
	# for (boot_cpus_of); the others run on CPU 0 alone. VMTEST_BOOTS=per-cpus: one boot per CPU
	# count, so that a one-CPU test really runs on a one-CPU host; the first boot's pseudo-tests
	# are boot and shutdown, a later one's boot-cpusN and shutdown-cpusN, its console
	# serial-cpusN.log. Measured on the stock Bochs list (Documentation/rig.md, "Two CPUs on
	# Bochs"): the one-CPU tests took as long in the two-CPU boot as in a one-CPU boot (an idle
	# CPU 1 halts), and the second boot cost 39 s more, so one boot is the default.
	local n line groups=() tag serial cpus_used="" wall=0
	while IFS='|' read -r name _ opts _; do
		boot_cpus_of "$opts"
	done <"$WORK/tests.tsv" | sort -n | uniq >"$WORK/boot-cpus"
	[ "${VMTEST_BOOTS:-one}" = per-cpus ] || tail -n 1 "$WORK/boot-cpus" >"$WORK/boot-cpus.one"
	[ "${VMTEST_BOOTS:-one}" = per-cpus ] || mv "$WORK/boot-cpus.one" "$WORK/boot-cpus"
	mapfile -t groups <"$WORK/boot-cpus"
	mkdir -p "$RESULTS/tests"
	: >"$RESULTS/results"
	for n in "${groups[@]}"; do
		if [ ${#groups[@]} -eq 1 ]; then
			cp "$WORK/tests.tsv" "$WORK/boot-$n.tsv"
		else
			while IFS= read -r line; do
				IFS='|' read -r _ _ opts _ <<<"$line"
				[ "$(boot_cpus_of "$opts")" != "$n" ] || printf '%s\n' "$line"
			done <"$WORK/tests.tsv" >"$WORK/boot-$n.tsv"
		fi
		if [ "$n" = "${groups[0]}" ]; then
			tag="" serial=$RESULTS/serial.log
		else
			tag=-cpus$n serial=$RESULTS/serial-cpus$n.log
		fi
		boot_setup "$WORK/boot-$n.tsv" "$serial" "$tag"
		boot_guest "$WORK/boot-$n.tsv" "$testdir"
		[ -f "$serial" ] || : >"$serial"
		parse_results "$WORK/boot-$n.tsv" "$BOOT_RC" "$serial" "$tag"
		cpus_used=${cpus_used:+$cpus_used+}$BOOT_CPUS
		wall=$((wall + EMU_WALL))
	done
	BOOT_CPUS=$cpus_used EMU_WALL=$wall
	not_run_results
	compare_baseline
	report
}

main "$@"; exit $?
