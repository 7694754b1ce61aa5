#!/usr/bin/env bash
# Boot a Linux kernel + initramfs in the patched Bochs (Intel CPU with VMX, for kvm_intel).
#
#   tools/bochs/run.sh KERNEL INITRD CMDLINE SERIAL_LOG TIMEOUT_SECONDS [MEM_MB]
#
# CPU model tigerlake, 1 CPU, ips=50000000, clock sync=none; "tsc_early_khz=50000" is appended
# to CMDLINE (Bochs' TSC ticks at ips, not at the frequency the model declares in CPUID 0x15).
# CMDLINE should contain console=ttyS0: COM1 is written to SERIAL_LOG. Bochs' own log goes to
# SERIAL_LOG.bochs. MEM_MB defaults to 2048.
# BOCHS_CPUS=N (default 1; the rig sets 2 for a boot with a cpus=2 test: Documentation/rig.md,
# "Two CPUs on Bochs") and BOCHS_MODEL=<bochs cpu model> override the defaults.
#
# Bochs cannot boot a kernel directly: a throw-away MBR disk image with one FAT16 partition
# and syslinux is made in a temporary directory for each run (nothing is cached).
#
# Exit status: 0 when the guest powered off (the kernel printed "reboot: Power down" or Bochs
# reported the ACPI soft power off), 124 on timeout (Bochs is killed), 125 when Bochs' own log
# grows past BOCHS_LOG_MAX_MB (default 512; Bochs is killed), 1 when the guest kernel
# panicked or restarted ("Kernel panic - not syncing", "reboot: Restarting system") or Bochs
# stopped for another reason. No Bochs process is left behind.
. "$(dirname "$0")/../lib/common.sh"
BOCHS_TOOLS=$KIT_TOP/tools/bochs
BUILDROOT_SH=$KIT_TOP/tools/buildroot.sh

BOCHS_IPS=${BOCHS_IPS:-50000000}
case $BOCHS_IPS in *[!0-9]*|"") die "BOCHS_IPS=$BOCHS_IPS: not a number" ;; esac
BOCHS_MODEL=${BOCHS_MODEL:-tigerlake}
BOCHS_CPUS=${BOCHS_CPUS:-1}
[[ $BOCHS_CPUS =~ ^[1-9]$ ]] || die "BOCHS_CPUS=$BOCHS_CPUS: not a CPU count from 1 to 9"
BOCHS_LOG_MAX_MB=${BOCHS_LOG_MAX_MB:-512}

[ $# -ge 5 ] && [ $# -le 6 ] || die "usage: $0 KERNEL INITRD CMDLINE SERIAL_LOG TIMEOUT_SECONDS [MEM_MB]"
KERNEL=$1 INITRD=$2 CMDLINE=$3 SERIAL_LOG=$4 TIMEOUT=$5 MEM_MB=${6:-2048}
[ -f "$KERNEL" ] || die "kernel $KERNEL not found"
[ -f "$INITRD" ] || die "initramfs $INITRD not found"
[[ $TIMEOUT =~ ^[0-9]+$ ]] && [ "$TIMEOUT" -gt 0 ] || die "TIMEOUT_SECONDS must be a positive integer, not '$TIMEOUT'"
[[ $MEM_MB =~ ^[0-9]+$ ]] && [ "$MEM_MB" -ge 128 ] || die "MEM_MB must be an integer >= 128, not '$MEM_MB'"
case $CMDLINE in *$'\n'*) die "CMDLINE must be a single line" ;; esac
need_root "running Bochs in the build root"

BOCHS_BIN=$("$BOCHS_TOOLS/build.sh") || die "could not build Bochs (tools/bochs/build.sh)"
BOCHS_DIR=$(dirname "$(dirname "$BOCHS_BIN")")

SERIAL_LOG=$(realpath -m "$SERIAL_LOG")
LOGDIR=$(dirname "$SERIAL_LOG")
mkdir -p "$LOGDIR"
BOCHS_LOG=$SERIAL_LOG.bochs
: >"$SERIAL_LOG"
: >"$BOCHS_LOG"

TMP=$(mktemp -d /tmp/bochs-run.XXXXXX)
BOCHS_PGID=
# Is a live (non-zombie) member of the Bochs process group left? (Bochs is reparented when
# buildroot.sh dies first, and may stay a zombie for a moment: that does not count.)
group_alive() {
	ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'
}
cleanup() {
	local rc=$?
	if [ -n "$BOCHS_PGID" ] && group_alive "$BOCHS_PGID"; then
		# Members other than the leader (buildroot.sh) first, so that it reaps Bochs and exits.
		ps -e -o pid=,pgid= | awk -v g="$BOCHS_PGID" '$2 == g && $1 != g { print $1 }' \
			| xargs -r kill -TERM 2>/dev/null || true
		for _ in 1 2 3 4 5; do
			kill -0 "$BOCHS_PGID" 2>/dev/null || break
			sleep 0.2
		done
		kill -TERM -- "-$BOCHS_PGID" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			group_alive "$BOCHS_PGID" || break
			sleep 0.2
		done
		group_alive "$BOCHS_PGID" && kill -KILL -- "-$BOCHS_PGID" 2>/dev/null
		wait "$BOCHS_PGID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---- boot disk: MBR (syslinux mbr.bin) + one FAT16 partition at 1 MiB with syslinux ----------
cp "$KERNEL" "$TMP/vmlinuz"
cp "$INITRD" "$TMP/initrd"
cat >"$TMP/syslinux.cfg" <<EOF
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL vmlinuz
  INITRD initrd
  APPEND $CMDLINE tsc_early_khz=$((BOCHS_IPS / 1000))
EOF
payload=$(($(stat -c %s "$KERNEL") + $(stat -c %s "$INITRD")))
# Whole cylinders of Bochs' default translation (16 heads x 63 sectors x 512 bytes), at least
# 32 MiB so that FAT16 has enough clusters, with 25% + 8 MiB of slack.
cyl=516096
cyls=$(((payload * 5 / 4 + 8 * 1048576 + cyl - 1) / cyl))
[ $cyls -ge 66 ] || cyls=66
disk_bytes=$((cyls * cyl))
part_start=2048
part_sectors=$((disk_bytes / 512 - part_start))

"$BUILDROOT_SH" run -b "$TMP" -- bash -ec '
	cd "$1"; disk_bytes=$2; part_start=$3; part_sectors=$4
	truncate -s "$disk_bytes" disk.img
	echo "start=$part_start, size=$part_sectors, type=6, bootable" | sfdisk -q disk.img
	truncate -s $((part_sectors * 512)) part.img
	mkfs.vfat -F 16 -n BOOT -h "$part_start" part.img >/dev/null
	mcopy -i part.img vmlinuz initrd syslinux.cfg ::/
	syslinux --install part.img
	dd if=part.img of=disk.img bs=512 seek="$part_start" conv=notrunc,sparse status=none
	dd if=/usr/lib/syslinux/mbr/mbr.bin of=disk.img bs=440 count=1 conv=notrunc status=none
	rm -f part.img vmlinuz initrd
' _ "$TMP" "$disk_bytes" "$part_start" "$part_sectors" >"$TMP/mkdisk.log" 2>&1 || {
	cat "$TMP/mkdisk.log" >&2
	die "could not make the boot disk image"
}

cat >"$TMP/bochsrc" <<EOF
display_library: nogui
memory: guest=$MEM_MB, host=$MEM_MB
romimage: file=$BOCHS_DIR/share/BIOS-bochs-latest
vgaromimage: file=$BOCHS_DIR/share/VGABIOS-lgpl-latest
cpu: model=$BOCHS_MODEL, count=$BOCHS_CPUS, ips=$BOCHS_IPS, ignore_bad_msrs=1, reset_on_triple_fault=0
clock: sync=none, time0=local
pci: enabled=1, chipset=i440fx
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=disk, path=$TMP/disk.img, mode=flat
boot: disk
com1: enabled=1, mode=file, dev=$SERIAL_LOG
mouse: enabled=0
log: -
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
EOF

# ---- run ---------------------------------------------------------------------------------
log "booting $(basename "$KERNEL") in Bochs ($BOCHS_MODEL, $BOCHS_CPUS CPU, ${MEM_MB} MB, timeout ${TIMEOUT}s); serial: $SERIAL_LOG"
start=$(date +%s)
# Own process group (job control on for this one job), so that the whole tree (buildroot.sh,
# unshare, chroot, bochs) can be killed at once.
set -m
"$BUILDROOT_SH" run -b "$TMP" -b "$BOCHS_DIR" -b "$LOGDIR" -- \
	"$BOCHS_BIN" -q -f "$TMP/bochsrc" </dev/null >>"$BOCHS_LOG" 2>&1 &
bochs_pid=$!
set +m
BOCHS_PGID=$bochs_pid

POWER_MARK='reboot: Power down'
# A panic (with panic=-1 the kernel restarts before printing the end marker) or a restart
# ends the run early: Bochs would otherwise boot the guest again until the timeout.
PANIC_MARK='Kernel panic - not syncing|reboot: Restarting system'
status=
grace=
while :; do
	if ! kill -0 "$bochs_pid" 2>/dev/null; then
		wait "$bochs_pid" && brc=0 || brc=$?
		if grep -q -e "$POWER_MARK" "$SERIAL_LOG" || grep -q 'ACPI control: soft power off' "$BOCHS_LOG"; then
			status=0
		else
			warn "Bochs exited (status $brc) without a guest power off; see $BOCHS_LOG"
			status=1
		fi
		break
	fi
	now=$(date +%s)
	if [ -z "$grace" ]; then
		if grep -q -e "$POWER_MARK" "$SERIAL_LOG"; then
			grace=$((now + 10)) want=0
		elif grep -qE -e "$PANIC_MARK" "$SERIAL_LOG"; then
			grace=$((now + 3)) want=1
			warn "the guest kernel panicked or restarted (see $SERIAL_LOG)"
		fi
	elif [ "$now" -ge "$grace" ]; then
		[ "$want" -eq 0 ] && warn "the guest powered off but Bochs did not exit; killing it"
		status=$want
		break
	fi
	# A Bochs that logs in a loop fills the disk in minutes (seen: 19 GB in 10 minutes, which
	# stopped every other job on the machine): stop it, keep the log's tail and say what it said.
	if [ "$(stat -c %s "$BOCHS_LOG" 2>/dev/null || echo 0)" -gt $((BOCHS_LOG_MAX_MB * 1024 * 1024)) ]; then
		kill -KILL -- "-$BOCHS_PGID" 2>/dev/null || true
		tail -c 4000000 "$BOCHS_LOG" >"$BOCHS_LOG.tail"
		: >"$BOCHS_LOG"
		warn "Bochs' log passed ${BOCHS_LOG_MAX_MB} MB: Bochs killed; its last 4 MB are in $BOCHS_LOG.tail, most frequent lines:"
		sed 's/^[0-9]*i\[[^]]*\] *//' "$BOCHS_LOG.tail" | sort | uniq -c | sort -rn | sed -n 1,5p >&2
		status=125
		break
	fi
	if [ $((now - start)) -ge "$TIMEOUT" ]; then
		if [ -n "$grace" ]; then
			status=$want	# the guest already powered off / panicked: that is the result
		else
			warn "timeout after ${TIMEOUT}s; killing Bochs (serial log: $SERIAL_LOG)"
			status=124
		fi
		break
	fi
	sleep 0.5
done
log "Bochs run finished after $(($(date +%s) - start))s (status $status)"
exit "$status"
