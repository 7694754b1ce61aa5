#!/usr/bin/env bash
# Boot KERNEL + INITRD in QEMU (TCG, an AMD-like CPU with SVM and NPT) inside the build root.
#
#   tools/rig/qemu.sh KERNEL INITRD CMDLINE SERIAL_LOG TIMEOUT_SECONDS [MEM_MB]
#
# Same interface as tools/bochs/run.sh: exits 0 when the guest powers off, 124 when the host-side
# timeout killed it, QEMU's status otherwise.
#
# Topology: three CPUs, one socket each (CPUs of one socket on different nodes make Linux warn
# about the LLC at boot), and three NUMA nodes: node 0 = CPU 0 + half the memory, node 1 = CPU 1
# + the other half, node 2 = CPU 2 and no memory. Linux numbers nodes in the order it meets them
# in SRAT, CPU entries first, so a CPU-only node can only get id 2 if three CPUs exist; and
# guest_memfd_test needs memory on nodes 0 and 1 (it binds to both by id).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

[ $# -ge 5 ] || die "usage: $0 KERNEL INITRD CMDLINE SERIAL_LOG TIMEOUT_SECONDS [MEM_MB]"
kernel=$(realpath "$1") initrd=$(realpath "$2") cmdline=$3 serial=$(realpath -m "$4") secs=$5
mem=${6:-2048}
[ -f "$kernel" ] || die "no kernel at $kernel"
[ -f "$initrd" ] || die "no initrd at $initrd"
[ -x "$(buildroot path)/usr/bin/qemu-system-x86_64" ] \
	|| die "qemu-system-x86_64 is missing from the build root ($(buildroot path)); add qemu-system-x86 to BUILDROOT_PACKAGES in tools/pins.conf"
half=$((mem / 2))
mkdir -p "$(dirname "$serial")"
: >"$serial"

rc=0
# timeout --foreground: QEMU stays in this script's process group, so that stopping the group
# (vmtest.sh's progress watchdog, or its exit) stops QEMU too. Without it, timeout moves itself
# and QEMU into a group of their own, and they outlive us up to the timeout.
buildroot run -b "$(dirname "$kernel")" -b "$(dirname "$initrd")" -b "$(dirname "$serial")" -- \
	timeout --foreground -k 10 "$secs" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -m "${mem}M" \
	-smp 3,sockets=3,cores=1,threads=1 \
	-object memory-backend-ram,id=m0,size="${half}M" \
	-object memory-backend-ram,id=m1,size="$((mem - half))M" \
	-numa node,nodeid=0,cpus=0,memdev=m0 \
	-numa node,nodeid=1,cpus=1,memdev=m1 \
	-numa node,nodeid=2,cpus=2 \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	-nodefaults -nographic -monitor none -serial file:"$serial" -no-reboot \
	</dev/null || rc=$?
exit $rc
