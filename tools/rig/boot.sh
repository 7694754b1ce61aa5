# shellcheck shell=bash
# shellcheck disable=SC2034 # BOOT_* and the profile's variables are read by tools/rig/vmtest.sh
# The rig's boot layer: how one guest is booted in one emulator. Source it from
# tools/rig/vmtest.sh (the test layer: lists, builds, results), after tools/lib/common.sh and
# tools/rig/lib.sh, with EMU, KERNEL and SCALE set.
#
# It owns the emulator profiles (CPUs, memory, the guest's modules and command line), the
# initramfs (the runner tools/rig/init, our modules, the tests of this boot), the emulator run
# (tools/rig/qemu.sh, tools/bochs/run.sh) and the host's progress watchdog. Its input is one
# boot's test table (NAME|TIMEOUT|OPTS|PROG|KMOD|ARGS lines, tools/rig/vmtest.sh parse_line),
# RIG_VMLINUZ (tools/rig/lib.sh rig_kernel), MODDIR, KMODDIR and the tests' build directory; its
# output is the console log (BOOT_SERIAL) and the emulator's exit status.

# --- emulator profiles --------------------------------------------------------------------------
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
	# Bochs boots with as many CPUs as the boot's most demanding test asks for (cpus=N, at most
	# MAX_CPUS); the others run on CPU 0 alone, as on a one-CPU host (VMTEST_BOOTS=per-cpus
	# gives them a one-CPU boot of their own: tools/rig/vmtest.sh).
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
		echo "BOOT_TAG=$BOOT_TAG"
		echo "$BOOT_GUEST_PARAMS"
	} >"$stage/etc/vmtest.conf"
	# base-kvm tests: the booted kernel's own KVM modules (the base), in /modules-base; with
	# BASE_MODULES=DIR, the modules tools/build.sh put in DIR instead (e.g. the base commit built
	# by the kit, with the flags of ours).
	if cut -d'|' -f3 "$tsv" | grep -E '(^|,)base-kvm(=[^,]*)?(,|$)' >/dev/null; then
		mkdir -p "$stage/modules-base"
		if [ -n "${BASE_MODULES:-}" ]; then
			echo "BASE_DESC='kit build in ${BASE_MODULES//\'/}'" >>"$stage/etc/vmtest.conf"
		fi
		for m in $KIT_MODULES; do
			if [ -n "${BASE_MODULES:-}" ]; then
				cp "$BASE_MODULES/$m.ko" "$stage/modules-base/$m.ko.full"
			else
				guest_module "$m" "$stage/modules-base/$m.ko.full" \
					|| die "the $KERNEL kernel has $m built in: base-kvm needs it as a module"
			fi
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

# --- one boot -------------------------------------------------------------------------------------
# boot_cpus_of OPTS: the CPUs a test's boot must have: its cpus=N, at least TEST_CPUS_DEFAULT
# (Bochs: 1); on QEMU always MAX_CPUS.
boot_cpus_of() {
	local n
	n=$(echo ",$1," | sed -n 's/.*,cpus=\([0-9]*\),.*/\1/p')
	[ -n "$TEST_CPUS_DEFAULT" ] || { echo "$MAX_CPUS"; return; }
	if [ -n "$n" ] && [ "$n" -gt "$TEST_CPUS_DEFAULT" ]; then echo "$n"; else echo "$TEST_CPUS_DEFAULT"; fi
}

# boot_setup TSV SERIAL TAG: for the tests of one boot, the CPUs to boot with (BOOT_CPUS: the
# most any test asks for, boot_cpus_of), the kernel command line (BOOT_CMDLINE), the guest's
# module parameters (BOOT_GUEST_PARAMS), the emulator's own limit in seconds (BOOT_LIMIT), the
# console log (BOOT_SERIAL=SERIAL) and the suffix of the boot's pseudo-tests (BOOT_TAG=TAG:
# boot$TAG, shutdown$TAG). A boot with a kmod=rig_nopage test gets mem= and the pool's parameters.
boot_setup() {
	local tsv=$1 name tmo opts prog kmod args n need=1 nopage=0 total=0
	BOOT_SERIAL=$2 BOOT_TAG=$3
	BOOT_CPUS=${TEST_CPUS_DEFAULT:-$MAX_CPUS}
	while IFS='|' read -r name tmo opts prog kmod args; do
		total=$((total + tmo))
		n=$(echo ",$opts," | sed -n 's/.*,cpus=\([0-9]*\),.*/\1/p')
		[ -z "$n" ] || [ "$n" -le "$need" ] || need=$n
		n=$(boot_cpus_of "$opts")
		[ "$n" -le "$BOOT_CPUS" ] || BOOT_CPUS=$n
		[ "$kmod" != rig_nopage ] || nopage=1
	done <"$tsv"
	local extra=$EXTRA_CMDLINE
	BOOT_GUEST_PARAMS=$GUEST_PARAMS
	if [ "$nopage" = 1 ]; then
		extra="${extra:+$extra }mem=${NOPAGE_LIMIT_MB}M"
		BOOT_GUEST_PARAMS+=$'\n'"PARAMS_rig_nopage='base=$(printf '%#x' $((NOPAGE_LIMIT_MB << 20))) size=$(printf '%#x' $((NOPAGE_POOL_MB << 20)))'"
	fi
	# 115200 baud: at the default 9600 the console drains ~1 KB per guest second, and a run
	# that ends quickly would power off with its results still queued in the tty.
	BOOT_CMDLINE="console=ttyS0,115200 loglevel=4 log_buf_len=4M panic=-1 $extra${VMTEST_CMDLINE:+ $VMTEST_CMDLINE}"
	# A boot with a cpus=N test (N >= 2): CPUs 1..N-1 have no scheduler tick while they run one
	# task, so a vCPU running L2 there leaves the guest only when something kicks it (a lost kick
	# shows; with the tick it would be hidden within a few ms). CPU 0 keeps the housekeeping.
	[ "$need" -lt 2 ] || BOOT_CMDLINE="$BOOT_CMDLINE nohz_full=1-$((need - 1))"
	# Bochs with two CPUs misses wake-ups from MWAIT: MONITOR invalidates the other CPUs' TLB
	# entries with the monitored physical address taken for a linear one, so a CPU that already
	# holds a direct write pointer to the page sets TIF_NEED_RESCHED there without waking the
	# sleeper (Linux sends no IPI to a CPU that polls in mwait_idle). Seen as "workqueue lockup,
	# cpu=1 is busy ... idling at mwait_idle" and a soft lockup in smp_call_function_many_cond on
	# the debug kernel. HLT idle makes every wake-up an IPI (Documentation/bochs.md).
	if [ "$EMU" = bochs ] && [ "$BOOT_CPUS" -ge 2 ]; then BOOT_CMDLINE="$BOOT_CMDLINE idle=halt"; fi
	BOOT_LIMIT=$((BOOT_SECS * SCALE + total + 30))
}

# boot_guest TSV TESTDIR: pack the initramfs for the tests of TSV (after boot_setup), boot it
# and wait for the emulator. The emulator's status is BOOT_RC; BOOT_SERIAL is the console. Call
# it plainly (not in a || list, which would switch off set -e in it): a failure to pack the
# initramfs stops the run.
boot_guest() {
	local tsv=$1 testdir=$2
	make_initramfs "$tsv" "$testdir"
	# Bochs is built on first use (tools/bochs/build.sh, cached): before the boot, not in it.
	if [ "$EMU" = bochs ]; then
		"$KIT_TOP/tools/bochs/build.sh" >/dev/null || die "could not build Bochs (tools/bochs/build.sh)"
	fi
	log "booting $RIG_KREL in $EMU with $BOOT_CPUS CPU(s) and $(wc -l <"$tsv") test(s), at most ${BOOT_LIMIT}s, at most ${STALL_SECS}s without progress (console: $BOOT_SERIAL)"
	BOOT_RC=0
	run_emulator "$BOOT_LIMIT" "$BOOT_CMDLINE" || BOOT_RC=$?
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
	local pid=$1 serial=$BOOT_SERIAL state n=-1 last allowed since now
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
		"$RIG_DIR/qemu.sh" "$RIG_VMLINUZ" "$RESULTS/initrd.img" "$cmdline" "$BOOT_SERIAL" "$limit" "$MEM_MB" &
	else
		BOCHS_CPUS=$BOOT_CPUS "$KIT_TOP/tools/bochs/run.sh" "$RIG_VMLINUZ" "$RESULTS/initrd.img" "$cmdline" "$BOOT_SERIAL" "$limit" "$MEM_MB" &
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
