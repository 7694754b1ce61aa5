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

case $EMU in
qemu)
	GUEST_MODULES="irqbypass.ko ccp.ko kvm.ko kvm-amd.ko"
	GUEST_PARAMS=""
	# Three CPUs always (tools/rig/qemu.sh: the NUMA topology needs them); tests run on all of
	# them unless they ask for fewer with cpus=N.
	MAX_CPUS=3 TEST_CPUS_DEFAULT=""
	BOOT_SECS=90
	MEM_MB=2048
	# mem= for runs with the no-struct-page pool (below): SeaBIOS reserves the top 128 KiB of
	# RAM (e820: RAM 0x100000-0x7ffdffff, reserved 0x7ffe0000-0x7fffffff; node 1 is 1-2 GiB).
	NOPAGE_LIMIT_MB=1920
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
	# Bochs boots with as many CPUs as the run's most demanding test asks for (cpus=N, at most
	# MAX_CPUS; Bochs emulates the CPUs in turn on one host thread, so each one costs host
	# time while it runs); the others run on CPU 0 alone, as on a one-CPU host.
	MAX_CPUS=2 TEST_CPUS_DEFAULT=1
	BOOT_SECS=240
	MEM_MB=1024
	# mem= for runs with the no-struct-page pool (below): the BIOS keeps its ACPI tables in the
	# top 64 KiB of RAM (e820: RAM 0x100000-0x3ffeffff, ACPI data 0x3fff0000-0x3fffffff).
	NOPAGE_LIMIT_MB=896
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
# RAM the kernel does not manage (tools/rig/kmod/rig_nopage.c, /dev/rig_nopage): a run
# with a kmod=rig_nopage test boots with mem=NOPAGE_LIMIT_MB, a multiple of the 128 MiB memory
# section (SECTION_SIZE_BITS 27), so that the RAM above it is in sections without any struct
# page (pfn_valid() false); the module maps NOPAGE_POOL_MB of it from the limit up (base= and
# size= in /etc/vmtest.conf, read by /rig/with-module), well below the firmware's tables at the
# top of RAM. Other runs keep all of MEM_MB.
NOPAGE_POOL_MB=64
if [ $((NOPAGE_LIMIT_MB % 128)) -ne 0 ] || [ $((NOPAGE_LIMIT_MB + NOPAGE_POOL_MB)) -ge "$MEM_MB" ]; then
	die "NOPAGE_LIMIT_MB=$NOPAGE_LIMIT_MB: not a multiple of 128 MiB, or the pool does not fit below ${MEM_MB} MiB"
fi
LIST=${VMTEST_LIST:-$RIG_DIR/tests-$EMU.list}
RIG_LIST=$KIT_TOP/tools/tests/rig/selftests/rig-tests.list

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

# A list line: NAME [OPTION...] [-- ARGS...]; options: timeout=SECS, cpus=N (the test needs N
# CPUs: it runs on CPUs 0..N-1 of a host booted with at least N), prog=PATH, kmod=NAME (alone:
# the test is loading the module; with prog=: a helper module loaded before the program),
# trace=EVENT+EVENT, numastat, stock-only (not run on the debug kernel: reported as a skip; the
# list says why), base-kvm[=PARAM+PARAM] (run on the booted kernel's own KVM modules, i.e. the
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
		trace=*|numastat|stock-only|base-kvm|base-kvm=*|xfail|xfail=*) opts=${opts:+$opts,}$w ;;
		modparams=*)
			[[ ${w#modparams=} =~ ^(kvm|kvm_intel|kvm_amd)\.[a-z0-9_]+=[^+,]+(\+(kvm|kvm_intel|kvm_amd)\.[a-z0-9_]+=[^+,]+)*$ ]] \
				|| die "$file: '$name': $w: expected modparams=MODULE.PARAM=VALUE[+MODULE.PARAM=VALUE...] with MODULE kvm, kvm_intel or kvm_amd"
			opts=${opts:+$opts,}$w ;;
		may-skip=?*)
			[[ $w != *,* ]] || die "$file: '$name': $w: no ',' in the reason ('+' for spaces)"
			opts=${opts:+$opts,}$w ;;
		*) die "$file: '$name': unknown option '$w' (options: timeout= cpus= prog= kmod= trace= numastat stock-only base-kvm[=] modparams= xfail[=] may-skip=; arguments go after --)" ;;
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
}

# Rig kernel modules (tools/rig/kmod/NAME.c), built against the stock kernel's headers.
build_kmods() {
	local names=("$@") src=$RIG_DIR/kmod key dir n
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
	for m in $KIT_MODULES; do
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
		echo "TEST_CPUS_DEFAULT=$TEST_CPUS_DEFAULT"
		echo "$GUEST_PARAMS"
	} >"$stage/etc/vmtest.conf"
	# base-kvm tests: the booted kernel's own KVM modules (the base), in /modules-base.
	if cut -d'|' -f3 "$tsv" | grep -Eq '(^|,)base-kvm(=[^,]*)?(,|$)'; then
		mkdir -p "$stage/modules-base"
		for m in $KIT_MODULES; do
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
# with-module NAME PROG [ARGS...]: load /rig/NAME.ko unless it is loaded, then run PROG. The
# module's parameters are PARAMS_NAME of /etc/vmtest.conf (rig_nopage: its pool).
m=$1
shift
. /etc/vmtest.conf
eval "p=\${PARAMS_$m:-}"
grep -q "^$m " /proc/modules || insmod "/rig/$m.ko" $p || { echo "with-module: insmod $m.ko $p failed"; exit 1; }
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
	# The runner's last pseudo-test: the kernel log after the last test (tools/rig/init).
	expected+=(shutdown)
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
	"$RIG_DIR/baseline.sh" "${full[@]}" --exempt "$WORK/not-run" "$BASELINE" "$WORK/tests.tsv" \
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
		BOCHS_CPUS=$BOOT_CPUS "$KIT_TOP/tools/bochs/run.sh" "$RIG_VMLINUZ" "$RESULTS/initrd.img" "$cmdline" "$RESULTS/serial.log" "$limit" "$MEM_MB" &
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
	rm -f "$RIG_TSV" "$RIG_TSV.not-run" "$RIG_TSV.list" "$RIG_TSV.rig"
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
	local progs=() kmods=() name tmo opts prog kmod args total=0 testdir="" rc=0 n nopage=0
	BOOT_CPUS=${TEST_CPUS_DEFAULT:-$MAX_CPUS}
	local need=1
	while IFS='|' read -r name tmo opts prog kmod args; do
		total=$((total + tmo))
		n=$(echo ",$opts," | sed -n 's/.*,cpus=\([0-9]*\),.*/\1/p')
		[ -z "$n" ] || [ "$n" -le "$need" ] || need=$n
		[ -z "$n" ] || [ "$n" -le "$BOOT_CPUS" ] || BOOT_CPUS=$n
		[ -z "$kmod" ] || kmods+=("$kmod")
		[ "$kmod" != rig_nopage ] || nopage=1
		if [ -n "$prog" ] && [ "${prog:0:1}" != / ]; then progs+=("$prog"); fi
	done <"$WORK/tests.tsv"
	if [ "$nopage" = 1 ]; then
		EXTRA_CMDLINE="${EXTRA_CMDLINE:+$EXTRA_CMDLINE }mem=${NOPAGE_LIMIT_MB}M"
		GUEST_PARAMS+=$'\n'"PARAMS_rig_nopage='base=$(printf '%#x' $((NOPAGE_LIMIT_MB << 20))) size=$(printf '%#x' $((NOPAGE_POOL_MB << 20)))'"
	fi
	rig_kernel "$KERNEL"
	check_modules
	[ ${#progs[@]} -eq 0 ] || testdir=$("$RIG_DIR/build-tests.sh" "${progs[@]}")
	[ ${#kmods[@]} -eq 0 ] || build_kmods "${kmods[@]}"
	make_initramfs "$WORK/tests.tsv" "$testdir"
	# 115200 baud: at the default 9600 the console drains ~1 KB per guest second, and a run
	# that ends quickly would power off with its results still queued in the tty.
	local cmdline="console=ttyS0,115200 loglevel=4 log_buf_len=4M panic=-1 $EXTRA_CMDLINE${VMTEST_CMDLINE:+ $VMTEST_CMDLINE}"
	# A run with a cpus=N test (N >= 2): CPUs 1..N-1 have no scheduler tick while they run one
	# task, so a vCPU running L2 there leaves the guest only when something kicks it (a lost kick
	# shows; with the tick it would be hidden within a few ms). CPU 0 keeps the housekeeping.
	[ "$need" -lt 2 ] || cmdline="$cmdline nohz_full=1-$((need - 1))"
	# Bochs with two CPUs misses wake-ups from MWAIT: MONITOR invalidates the other CPUs' TLB
	# entries with the monitored physical address taken for a linear one, so a CPU that already
	# holds a direct write pointer to the page sets TIF_NEED_RESCHED there without waking the
	# sleeper (Linux sends no IPI to a CPU that polls in mwait_idle). Seen as "workqueue lockup,
	# cpu=1 is busy ... idling at mwait_idle" and a soft lockup in smp_call_function_many_cond on
	# the debug kernel. HLT idle makes every wake-up an IPI (Documentation/bochs.md).
	if [ "$EMU" = bochs ] && [ "$BOOT_CPUS" -ge 2 ]; then cmdline="$cmdline idle=halt"; fi
	local limit=$((BOOT_SECS * SCALE + total + 30))
	# Bochs is built on first use (tools/bochs/build.sh, cached): before the boot, not in it.
	if [ "$EMU" = bochs ]; then
		"$KIT_TOP/tools/bochs/build.sh" >/dev/null || die "could not build Bochs (tools/bochs/build.sh)"
	fi
	log "booting $RIG_KREL in $EMU with $BOOT_CPUS CPU(s) and $(wc -l <"$WORK/tests.tsv") test(s), at most ${limit}s, at most ${STALL_SECS}s without progress (console: $RESULTS/serial.log)"
	run_emulator "$limit" "$cmdline" || rc=$?
	[ -f "$RESULTS/serial.log" ] || : >"$RESULTS/serial.log"
	parse_results "$WORK/tests.tsv" "$rc"
	compare_baseline
	report
}

main "$@"; exit $?
