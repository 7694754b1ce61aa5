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
#                       project's lockdep/KASAN/UBSAN kernel, tools/gates/kernel.sh debug, built
#                       on first use and cached)
#   RESULTS=DIR         where results go (default build/vmtest/<emu>-<timestamp>; with both
#                       emulators, DIR/<emu>)
#   VMTEST_TIMEOUT_SCALE=N  multiply every timeout by N (slow machines; default 1, 5 with KERNEL=debug)
#   OUT=DIR BUILD_DIR=DIR  where the KVM modules for TREE are built (as for make modules; default
#                       build/modules/<release>): keeps the modules of a fixture tree apart
#   VMTEST_CMDLINE="..."  extra kernel command line arguments (debugging: "loglevel=7 initcall_debug")
#   VMTEST_STALL_SECS=N  the progress watchdog: a guest whose userspace prints nothing for N s of
#                       host time is taken for dead and stopped (default 120 x the timeout scale:
#                       120, 600 with KERNEL=debug)
#   VMTEST_LIST=FILE    a test list to use instead of tools/rig/tests-$EMU.list (same format; e.g.
#                       to run a test that the list leaves out, with its options)
#
# Results: RESULTS/serial.log (the whole console), RESULTS/tests/<name>.log (each test's output
# and the kernel messages logged while it ran), RESULTS/dmesg, RESULTS/ktap (the KTAP result
# lines), RESULTS/timings, RESULTS/results (name, status, seconds, reason; tab-separated) and
# RESULTS/summary (passed=, failed=, skipped=). Exit status: 0 when nothing failed.
# Documentation/rig.md explains the whole.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

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
		if [ -f "$res/summary" ]; then
			tp=$((tp + $(sed -n 's/^passed=//p' "$res/summary")))
			tf=$((tf + $(sed -n 's/^failed=//p' "$res/summary")))
			ts=$((ts + $(sed -n 's/^skipped=//p' "$res/summary")))
		fi
	done
	echo "vmtest, both emulators:"
	if [ "$ts" -gt 0 ]; then echo "$tp passed, $tf failed, $ts skipped"; else echo "$tp passed, $tf failed"; fi
	exit $rc
fi

case $EMU in
qemu)
	GUEST_MODULES="irqbypass.ko ccp.ko kvm.ko kvm-amd.ko"
	GUEST_PARAMS=""
	BOOT_SECS=90
	MEM_MB=2048
	EXTRA_CMDLINE=""
	# The debug kernel on QEMU's -cpu max (5-level paging): identify_cpu() clears
	# boot_cpu_data's capabilities with interrupts on and before alternatives are applied,
	# so for that moment pgtable_l5_enabled() is false, KASAN's shadow bounds are the
	# 4-level ones and an interrupt that touches the (5-level) direct map is reported as
	# "BUG: KASAN: wild-memory-access" (seen in handle_edge_irq, 0.005 s into the boot,
	# about one boot in a few under TCG). A base kernel bug, not KVM's: boot with 4 levels.
	if [ "${KERNEL:-stock}" = debug ]; then EXTRA_CMDLINE="no5lvl"; fi
	;;
bochs)
	GUEST_MODULES="irqbypass.ko kvm.ko kvm-intel.ko"
	GUEST_PARAMS="PARAMS_kvm_intel='nested=1'"
	BOOT_SECS=240
	MEM_MB=1024
	# tools/bochs/run.sh appends tsc_early_khz= itself (Bochs' TSC ticks at its ips).
	EXTRA_CMDLINE=""
	# The debug kernel (HZ=1000, lockdep, KASAN) spends about all of a 50000-instruction tick
	# (ips=50M) in the timer interrupt: its boot livelocks in a static key update ("workqueue
	# lockup", never reaches /init). A guest second of 200M instructions gives it room; time
	# stays consistent (tsc_early_khz follows ips) and only runs slower against the wall clock.
	if [ "${KERNEL:-stock}" = debug ]; then export BOCHS_IPS=${BOCHS_IPS:-200000000}; fi
	;;
*) die "EMU=$EMU: unknown emulator (known: qemu, bochs)" ;;
esac
LIST=${VMTEST_LIST:-$RIG_DIR/tests-$EMU.list}
RIG_LIST=$RIG_DIR/selftests/rig-tests.list

# --- checks that come before anything is built or booted ---------------------------------------
check_kernel() {
	case $KERNEL in
	stock|debug) ;;
	*) die "KERNEL=$KERNEL: unknown kernel (known: stock, debug)" ;;
	esac
}

check_emulator() {
	case $EMU in
	qemu)
		[ -x "$(buildroot path)/usr/bin/qemu-system-x86_64" ] \
			|| die "EMU=qemu: qemu-system-x86_64 is not in the build root ($(buildroot path)); run 'make buildroot' (qemu-system-x86 is in BUILDROOT_PACKAGES)"
		;;
	bochs)
		[ -x "$KIT_TOP/tools/bochs/run.sh" ] \
			|| die "EMU=bochs: the Bochs emulator is missing (tools/bochs/run.sh does not exist yet); use EMU=qemu"
		;;
	esac
}

# A list line: NAME [OPTION...] [-- ARGS...]; options: timeout=SECS, prog=PATH, kmod=NAME (alone:
# the test is loading the module; with prog=: a helper module loaded before the program),
# trace=EVENT+EVENT, numastat, stock-only (not run on the debug kernel: reported as a skip; the
# list says why), base-kvm[=PARAM+PARAM] (run on the booted kernel's own KVM modules, i.e. the
# base, with these kvm.ko parameters; ours are loaded again after the test), xfail[=TEXT] (the
# test must fail, with TEXT ('+' for spaces) in its output: a test that passes is a failure).
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
		trace=*|numastat|stock-only|base-kvm|base-kvm=*|xfail|xfail=*) opts=${opts:+$opts,}$w ;;
		*) die "$file: '$name': unknown option '$w' (options: timeout= prog= kmod= trace= numastat stock-only base-kvm[=] xfail[=]; arguments go after --)" ;;
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

list_lines() { # FILE: the non-comment lines
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$1" | grep -v '^[[:space:]]*$' || true
}

# The tests to run, one parsed line each, into $WORK/tests.tsv.
resolve_tests() {
	local out=$1 name line found
	[ -f "$LIST" ] || die "no test list for $EMU ($LIST)"
	: >"$out"
	if [ -z "${TESTS:-}" ]; then
		while IFS= read -r line; do parse_line "$LIST" "$line" >>"$out"; done < <(list_lines "$LIST")
	else
		for name in $TESTS; do
			found=$(list_lines "$LIST" | awk -v n="$name" '$1 == n { print; exit }')
			[ -n "$found" ] || found=$(list_lines "$RIG_LIST" | awk -v n="$name" '$1 == n { print; exit }')
			if [ -z "$found" ]; then
				[ -n "$(selftest_path "$name")" ] \
					|| die "unknown test '$name': not in $(basename "$LIST"), not a rig self-test (tools/rig/selftests/rig-tests.list) and not a KVM selftest of TREE"
				found=$name
			fi
			parse_line "TESTS" "$found" >>"$out"
		done
	fi
	# stock-only tests are not run on the debug kernel; they are reported as skipped.
	: >"$out.not-run"
	if [ "$KERNEL" = debug ]; then
		awk -F'|' '$3 ~ /(^|,)stock-only(,|$)/ { print $1 }' "$out" >"$out.not-run"
		awk -F'|' '$3 !~ /(^|,)stock-only(,|$)/' "$out" >"$out.tmp" && mv "$out.tmp" "$out"
	fi
	[ -s "$out" ] || die "no tests to run"
	local dup
	dup=$(cut -d'|' -f1 "$out" | sort | uniq -d | head -n1)
	[ -z "$dup" ] || die "test '$dup' is listed twice"
}

# The modules of build/modules/<release>/ must be built for the kernel the rig boots and from
# TREE's HEAD; if they are stale, rebuild them (make modules) once. OUT and BUILD_DIR (as for
# make modules) keep the modules of another tree (a fixture series) apart.
check_modules() {
	local dir=${OUT:-$KIT_TOP/build/modules/$RIG_KREL} head rel tree
	# TREE follows SERIES first, as for make modules: after a change to patches/, the rig must not
	# run the modules and the selftests of the previous series (a tree with local work is kept).
	"$KIT_TOP/tools/series.sh" ensure >&2 || die "TREE=$TREE could not be brought up to date with ${SERIES:-$KIT_TOP/patches}"
	head=$(git -C "$TREE" rev-parse HEAD 2>/dev/null) || die "TREE=$TREE is not a git tree; run 'make tree' first"
	if ! modules_fresh "$dir" "$head"; then
		log "the KVM modules in $dir are missing or stale for TREE ($head); running make modules"
		KDIR=$RIG_KDIR make -C "$KIT_TOP" modules >&2 || die "make modules failed"
		head=$(git -C "$TREE" rev-parse HEAD)
	fi
	[ -f "$dir/BUILT-FOR" ] || die "no modules for $RIG_KREL in $dir after make modules (is RELEASE or KDIR set to another kernel?)"
	rel=$(sed -n 's/^release=//p' "$dir/BUILT-FOR")
	tree=$(sed -n 's/^tree=//p' "$dir/BUILT-FOR")
	[ "$rel" = "$RIG_KREL" ] || die "module/kernel version mismatch: $dir/BUILT-FOR says release=$rel, the rig boots $RIG_KREL"
	[ "$tree" = "$head" ] || die "module/tree mismatch: $dir was built from $tree, TREE is at $head; run 'make modules'"
	local m vm
	for m in kvm kvm-amd kvm-intel; do
		[ -f "$dir/$m.ko" ] || die "$dir/$m.ko is missing; run 'make modules'"
		vm=$(objcopy -O binary --only-section=.modinfo "$dir/$m.ko" /dev/stdout 2>/dev/null | tr '\0' '\n' | sed -n 's/^vermagic=//p')
		case $vm in
		"$RIG_KREL "*) ;;
		*) die "module/kernel version mismatch: $m.ko has vermagic '$vm', the rig boots $RIG_KREL" ;;
		esac
	done
	MODDIR=$dir
}

modules_fresh() {
	local dir=$1 head=$2
	[ -f "$dir/BUILT-FOR" ] || return 1
	[ "$(sed -n 's/^tree=//p' "$dir/BUILT-FOR")" = "$head" ] || return 1
	[ "$(sed -n 's/^release=//p' "$dir/BUILT-FOR")" = "$RIG_KREL" ]
}

# Rig kernel modules (tools/rig/selftests/kmod/NAME.c), built against the stock kernel's headers.
build_kmods() {
	local names=("$@") src=$RIG_DIR/selftests/kmod key dir n
	key=$( (cat "$src"/*.c "$src/Kbuild"; echo "$RIG_KREL") | sha256sum | cut -c1-12)
	dir=$RIG_CACHE/kmod/$key
	KMODDIR=$dir
	local need=0
	for n in "${names[@]}"; do [ -f "$dir/$n.ko" ] || need=1; done
	[ $need = 1 ] || return 0
	rm -rf "$dir"; mkdir -p "$dir"
	cp "$src"/*.c "$src/Kbuild" "$dir/"
	(
		build_lock
		local kd=${RIG_KDIR:-/usr/src/linux-headers-$RIG_KREL} b=()
		[ -z "$RIG_KDIR" ] || b=(-b "$RIG_KDIR")
		buildroot run -b "$RIG_CACHE" "${b[@]}" -- make -C "$kd" M="$dir" \
			CC="$RIG_CC" HOSTCC="$RIG_CC" modules
	) >"$KIT_LOGS/rig-kmod.log" 2>&1 || die "the rig's kernel modules failed to build (log: $KIT_LOGS/rig-kmod.log)"
	for n in "${names[@]}"; do [ -f "$dir/$n.ko" ] || die "rig module $n.ko was not built (log: $KIT_LOGS/rig-kmod.log)"; done
}

# --- the initramfs ------------------------------------------------------------------------------
make_initramfs() {
	local tsv=$1 testdir=$2 stage=$WORK/initramfs name tmo opts prog kmod args cmd
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,etc,modules,tests,rig,proc,sys,dev,tmp}
	cp "$RIG_DIR/init" "$stage/init"
	chmod +x "$stage/init"
	cp "$(buildroot path)/bin/busybox" "$stage/bin/busybox"
	# Without debug info: 48 MB less to unpack and load (it matters in Bochs).
	local m
	for m in kvm kvm-amd kvm-intel; do
		strip --strip-debug -o "$stage/modules/$m.ko" "$MODDIR/$m.ko" || die "could not strip $m.ko"
	done
	# The kernel's own modules that ours need, unless that kernel has them built in.
	local mods="" gm
	for gm in $GUEST_MODULES; do
		case $gm in
		kvm.ko|kvm-amd.ko|kvm-intel.ko) mods="$mods $gm" ;;
		*) guest_module "${gm%.ko}" "$stage/modules/$gm" && mods="$mods $gm" ;;
		esac
	done
	{
		echo "EMU=$EMU"
		echo "MODULES='${mods# }'"
		echo "$GUEST_PARAMS"
	} >"$stage/etc/vmtest.conf"
	# base-kvm tests: the booted kernel's own KVM modules (the base), in /modules-base.
	if cut -d'|' -f3 "$tsv" | grep -Eq '(^|,)base-kvm(=[^,]*)?(,|$)'; then
		mkdir -p "$stage/modules-base"
		for m in kvm kvm-amd kvm-intel; do
			guest_module "$m" "$stage/modules-base/$m.ko.full" \
				|| die "the $KERNEL kernel has $m built in: base-kvm needs it as a module"
			strip --strip-debug -o "$stage/modules-base/$m.ko" "$stage/modules-base/$m.ko.full" \
				|| die "could not strip the base $m.ko"
			rm -f "$stage/modules-base/$m.ko.full"
		done
	fi
	: >"$stage/etc/vmtest.list"
	mkdir -p "$stage/rig"
	cat >"$stage/rig/with-module" <<'EOS'
#!/bin/sh
# with-module NAME PROG [ARGS...]: load /rig/NAME.ko unless it is loaded, then run PROG.
m=$1
shift
grep -q "^$m " /proc/modules || insmod "/rig/$m.ko" || { echo "with-module: insmod $m.ko failed"; exit 1; }
exec "$@"
EOS
	chmod +x "$stage/rig/with-module"
	while IFS='|' read -r name tmo opts prog kmod args; do
		[ -z "$kmod" ] || cp "$KMODDIR/$kmod.ko" "$stage/rig/"
		if [ -n "$prog" ] && [ "${prog:0:1}" != / ]; then
			mkdir -p "$stage/tests/$(dirname "$prog")"
			strip -o "$stage/tests/$prog" "$testdir/$prog"
			prog=/tests/$prog
		fi
		if [ -n "$kmod" ] && [ -n "$prog" ]; then
			# The module is a helper the program needs (loaded once, kept loaded).
			cmd="/rig/with-module $kmod $prog $args"
		elif [ -n "$kmod" ]; then
			cmd="insmod /rig/$kmod.ko $args"
		else
			cmd="$prog $args"
		fi
		printf '%s|%s|%s|%s\n' "$name" "$tmo" "$opts" "$cmd" >>"$stage/etc/vmtest.list"
	done <"$tsv"
	# cpio is in the build root, not necessarily on the host.
	buildroot run -b "$RESULTS" -- bash -euc 'cd "$1" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -1 >"$2"' \
		_ "$stage" "$RESULTS/initrd.img" || die "could not pack the initramfs"
}

# --- host side: the console log into results -----------------------------------------------------
parse_results() {
	local serial=$RESULTS/serial.log tsv=$1 boot_rc=$2
	mkdir -p "$RESULTS/tests"
	rm -f "$RESULTS"/tests/*.log
	tr -d '\r' <"$serial" | awk -v dir="$RESULTS" '
		/^# vmtest-begin: / { cur = substr($0, 17); next }
		/^# kmsg: / { line = substr($0, 9); print line >> (dir "/dmesg")
			if (cur != "") print "kmsg: " line >> (dir "/tests/" cur ".log"); next }
		/^# vmtest-(param|trace|numastat): / { print >> (dir "/guest-info"); if (cur != "") print >> (dir "/tests/" cur ".log"); next }
		/^# boot: / { print substr($0, 9) >> (dir "/guest-info") }
		cur != "" && index($0, "# " cur ": ") == 1 { print substr($0, length(cur) + 5) >> (dir "/tests/" cur ".log"); next }
		/^(KTAP version|1\.\.[0-9]+$|ok [0-9]+ |not ok [0-9]+ )/ { print >> (dir "/ktap") }
	'
	: >"$RESULTS/results"
	local expected=(boot) n status secs reason line died="" last
	while IFS='|' read -r n _; do expected+=("$n"); done <"$tsv"
	for n in "${expected[@]}"; do
		line=$(grep -E "^(not )?ok [0-9]+ $(printf '%s' "$n" | sed 's/[.[\*^$]/\\&/g') #" "$RESULTS/ktap" 2>/dev/null | head -n1 || true)
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
				if tr -d '\r' <"$serial" | grep -qx "# vmtest-begin: $n"; then
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
					| grep -E 'Kernel panic|BUG:|Oops|WARNING:|soft lockup|hung task|blocked for more than|RCU stall' | head -n 1 | sed 's/^\[ *[0-9.]*\] //' || true)
				if [ -f "$WORK/stalled" ]; then
					reason="$reason ($(cat "$WORK/stalled"))"
				else
					case $boot_rc in
					124) reason="$reason (host timeout)" ;;
					125) reason="$reason (Bochs' own log passed its size limit: the emulator looped; see serial.log.bochs.tail)" ;;
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
	while IFS= read -r n; do
		printf '%s\tskip\t0\t%s\n' "$n" "not run on the debug kernel (stock-only in $(basename "$LIST"), which says why)" >>"$RESULTS/results"
	done <"$WORK/not-run"
	cut -f1,3 "$RESULTS/results" >"$RESULTS/timings"
}

report() {
	local p=0 f=0 s=0 n status secs reason
	while IFS=$'\t' read -r n status secs reason; do
		case $status in
		ok) p=$((p + 1)); printf 'ok      %-44s %6ss\n' "$EMU/$n" "$secs" ;;
		xfail) p=$((p + 1)); printf 'ok      %-44s %6ss  %s\n' "$EMU/$n" "$secs" "$reason" ;;
		skip) s=$((s + 1)); printf 'skip    %-44s %6ss  %s\n' "$EMU/$n" "$secs" "$reason" ;;
		*) f=$((f + 1)); printf 'FAIL    %-44s %6ss  %s\n' "$EMU/$n" "$secs" "$reason"
		   [ -s "$RESULTS/tests/$n.log" ] && echo "        (log: $RESULTS/tests/$n.log)" ;;
		esac
	done <"$RESULTS/results"
	printf 'passed=%s\nfailed=%s\nskipped=%s\nemu=%s\nkernel=%s\nwall=%s\nemu_wall=%s\n' "$p" "$f" "$s" "$EMU" "$KERNEL" \
		"$(( $(date +%s) - START ))" "${EMU_WALL:-0}" >"$RESULTS/summary"
	echo "vmtest $EMU took $(( $(date +%s) - START ))s; results in $RESULTS"
	if [ "$s" -gt 0 ]; then echo "$p passed, $f failed, $s skipped"; else echo "$p passed, $f failed"; fi
	[ "$f" -eq 0 ]
}

# --- host side: the progress watchdog -----------------------------------------------------------
# The emulator's own limit is the sum of all the tests' timeouts (hours for the debug kernel's
# Bochs list): a guest that dies without powering off or panicking (a hang with interrupts off,
# a wedged emulator) would hold the machine that long. Every line the guest's userspace prints
# starts with "# " (the runner's lines, the tests' relayed output, "# kmsg:" lines) or is a KTAP
# result line, and while a test runs the runner prints "# vmtest-alive: Ns" every 10 s of guest
# time; the kernel's own console lines start with "[". When no userspace line comes for
# STALL_SECS of host time (from the console's creation; the boot allowance on top until the
# runner's first line), the guest is dead: the watchdog stops the emulator and says so in
# $WORK/stalled. The guest stops a hung test at its timeout itself. Host time, not the test's
# timeout: Bochs' guest clock counts instructions and may run slower than the host's.
STALL_SECS=${VMTEST_STALL_SECS:-$((120 * SCALE))}
[[ $STALL_SECS =~ ^[1-9][0-9]*$ ]] || die "VMTEST_STALL_SECS=$STALL_SECS is not a number of seconds"
watch_progress() { # PID
	local pid=$1 serial=$RESULTS/serial.log state n=-1 last allowed since now
	# The runner creates the console log when the emulator starts (Bochs may be built first).
	while [ ! -f "$serial" ]; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 1
	done
	since=$(date +%s)
	allowed=$((BOOT_SECS * SCALE + STALL_SECS))
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		# "COUNT<TAB>LAST PROGRESS LINE" (the console log is small: tens of KB)
		state=$(tr -d '\r' <"$serial" | awk '
			/^(# |ok [0-9]+ |not ok [0-9]+ )/ { n++; l = $0 }
			END { printf "%d\t%s", n, substr(l, 1, 100) }')
		now=$(date +%s)
		if [ "${state%%$'\t'*}" != "$n" ]; then
			n=${state%%$'\t'*} since=$now allowed=$STALL_SECS
			last=${state#*$'\t'}
		elif [ $((now - since)) -gt "$allowed" ]; then
			echo "no progress from the guest for $((now - since))s (after '${last:-the kernel start}'): host watchdog" \
				>"$WORK/stalled"
			warn "$(cat "$WORK/stalled"); stopping $EMU"
			kill -TERM -- "-$pid" 2>/dev/null || true
			return 0
		fi
	done
}

# run_emulator LIMIT CMDLINE: boot the guest with the emulator's own LIMIT and the progress
# watchdog. Returns the runner's status; $WORK/stalled exists when the watchdog stopped it.
run_emulator() {
	local limit=$1 cmdline=$2 rc=0 wpid t0
	rm -f "$WORK/stalled"
	t0=$(date +%s)
	# Its own process group, so that the watchdog can stop all of it (qemu.sh: timeout and
	# QEMU; bochs/run.sh stops Bochs' own group on TERM).
	set -m
	if [ "$EMU" = qemu ]; then
		"$RIG_DIR/qemu.sh" "$RIG_VMLINUZ" "$RESULTS/initrd.img" "$cmdline" "$RESULTS/serial.log" "$limit" "$MEM_MB" &
	else
		"$KIT_TOP/tools/bochs/run.sh" "$RIG_VMLINUZ" "$RESULTS/initrd.img" "$cmdline" "$RESULTS/serial.log" "$limit" "$MEM_MB" &
	fi
	RIG_EMU_PID=$!
	set +m
	watch_progress "$RIG_EMU_PID" &
	wpid=$!
	wait "$RIG_EMU_PID" || rc=$?
	RIG_EMU_PID=
	kill "$wpid" 2>/dev/null || true
	wait "$wpid" 2>/dev/null || true
	EMU_WALL=$(($(date +%s) - t0))
	return $rc
}

# The emulator runs in a process group of its own (run_emulator): stop it with us. On INT and
# TERM, die of the signal after that, so that a caller (the both-emulators loop, make, check.sh)
# stops too instead of going on.
rig_cleanup() {
	rm -f "$RIG_TSV" "$RIG_TSV.not-run"
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
	RESULTS=${RESULTS:-$KIT_TOP/build/vmtest/$EMU-$(date +%Y%m%d-%H%M%S)}
	RESULTS=$(realpath -m "$RESULTS")
	rm -rf "$RESULTS"
	mkdir -p "$RESULTS"
	WORK=$RESULTS/.work
	mkdir -p "$WORK" "$KIT_LOGS"
	mv "$tsv" "$WORK/tests.tsv"
	mv "$tsv.not-run" "$WORK/not-run"
	local progs=() kmods=() name tmo opts prog kmod args total=0 testdir="" rc=0
	while IFS='|' read -r name tmo opts prog kmod args; do
		total=$((total + tmo))
		[ -z "$kmod" ] || kmods+=("$kmod")
		if [ -n "$prog" ] && [ "${prog:0:1}" != / ]; then progs+=("$prog"); fi
	done <"$WORK/tests.tsv"
	rig_kernel "$KERNEL"
	check_modules
	[ ${#progs[@]} -eq 0 ] || testdir=$("$RIG_DIR/build-tests.sh" "${progs[@]}")
	[ ${#kmods[@]} -eq 0 ] || build_kmods "${kmods[@]}"
	make_initramfs "$WORK/tests.tsv" "$testdir"
	# 115200 baud: at the default 9600 the console drains ~1 KB per guest second, and a run
	# that ends quickly would power off with its results still queued in the tty.
	local cmdline="console=ttyS0,115200 loglevel=4 log_buf_len=4M panic=-1 $EXTRA_CMDLINE${VMTEST_CMDLINE:+ $VMTEST_CMDLINE}"
	local limit=$((BOOT_SECS * SCALE + total + 30))
	# Bochs is built on first use (tools/bochs/build.sh, cached): before the boot, not in it.
	if [ "$EMU" = bochs ]; then
		"$KIT_TOP/tools/bochs/build.sh" >/dev/null || die "could not build Bochs (tools/bochs/build.sh)"
	fi
	log "booting $RIG_KREL in $EMU with $(wc -l <"$WORK/tests.tsv") test(s), at most ${limit}s, at most ${STALL_SECS}s without progress (console: $RESULTS/serial.log)"
	run_emulator "$limit" "$cmdline" || rc=$?
	[ -f "$RESULTS/serial.log" ] || : >"$RESULTS/serial.log"
	parse_results "$WORK/tests.tsv" "$rc"
	report
}

main "$@"; exit $?
