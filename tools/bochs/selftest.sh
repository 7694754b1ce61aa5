#!/usr/bin/env bash
# End-to-end check of the Bochs rig: boots Debian's stock target kernel in the patched Bochs,
# loads our kvm.ko/kvm-intel.ko (nested=1) and runs a tiny KVM program (selftest/kick.c) that
# fails without patch 0001 or 0002, and a protection-keys check (selftest/pkeys.c, no KVM) that
# fails without patch 0003 (Bochs exits with a triple fault, or EFAULT is not returned).
#
#   tools/bochs/selftest.sh [MODULES_DIR]     (default: build/modules/$TARGET_KREL)
#
# Needs: the build root, kvm.ko and kvm-intel.ko built for $TARGET_KREL in MODULES_DIR.
# The kernel (linux-binary-*) and irqbypass.ko (linux-modules-*, kvm.ko depends on it and
# Debian builds it as a module) come from the pinned Debian packages in tools/pins.conf.
# Logs: build/logs/bochs-selftest.serial.log (+ .bochs). Exit 0 when everything passed.
. "$(dirname "$0")/../lib/common.sh"
BOCHS_TOOLS=$KIT_TOP/tools/bochs
BUILDROOT_SH=$KIT_TOP/tools/buildroot.sh
MODULES_DIR=${1:-$KIT_TOP/build/modules/$TARGET_KREL}
TIMEOUT=${BOCHS_SELFTEST_TIMEOUT:-400}

need_root "the Bochs self-test"
for m in kvm kvm-intel; do
	[ -f "$MODULES_DIR/$m.ko" ] || die "$MODULES_DIR/$m.ko not found; build the modules first (or pass MODULES_DIR)"
done
"$BUILDROOT_SH" ensure >/dev/null
"$BOCHS_TOOLS/build.sh" >/dev/null

# Debian's kernel image and modules packages (pinned in tools/pins.conf).
debs=()
for p in "linux-binary-$TARGET_KREL" "linux-modules-$TARGET_KREL"; do
	deb=$KIT_DOWNLOADS/${p}_${BASE_VERSION/:/%3a}_amd64.deb
	if [ ! -f "$deb" ]; then
		log "downloading $p=$BASE_VERSION (apt-get download in the build root)"
		"$BUILDROOT_SH" run -- bash -c 'cd "$1" && apt-get -o Acquire::Retries=3 download "$2"' _ \
			"$KIT_DOWNLOADS" "$p=$BASE_VERSION" >&2 || die "apt-get download $p=$BASE_VERSION failed"
	fi
	verify_sha256 "$deb" "${PKG_SHA256[$p]}"
	debs+=("$deb")
done

TMP=$(mktemp -d /tmp/bochs-selftest.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ROOT=$TMP/root
mkdir -p "$ROOT"/{bin,proc,sys,dev,tmp} "$TMP/x"
dpkg-deb --fsys-tarfile "${debs[0]}" | tar -x -C "$TMP/x" "./usr/lib/modules/$TARGET_KREL/vmlinuz"
dpkg-deb --fsys-tarfile "${debs[1]}" | tar -x -C "$TMP/x" "./usr/lib/modules/$TARGET_KREL/kernel/virt/lib/irqbypass.ko.xz"
xz -dc "$TMP/x/usr/lib/modules/$TARGET_KREL/kernel/virt/lib/irqbypass.ko.xz" >"$ROOT/irqbypass.ko"
for m in kvm kvm-intel; do
	cp "$MODULES_DIR/$m.ko" "$ROOT/$m.ko"
done
install -m 0755 "$BOCHS_TOOLS/selftest/init" "$ROOT/init"
cp "$BOCHS_TOOLS/selftest/kick.c" "$BOCHS_TOOLS/selftest/pkeys.c" "$TMP/"
"$BUILDROOT_SH" run -b "$TMP" -- bash -ec '
	cd "$1"
	cp /bin/busybox root/bin/busybox; ln -s busybox root/bin/sh
	for m in kvm kvm-intel; do strip --strip-debug root/$m.ko; done
	gcc-14 -O2 -static -Wall -o root/kick kick.c
	gcc-14 -O2 -static -Wall -o root/pkeys pkeys.c
	cd root && find . | cpio -o -H newc --quiet | gzip -1 >../initrd.gz
' _ "$TMP" || die "could not make the self-test initramfs"

mkdir -p "$KIT_LOGS"
SERIAL=$KIT_LOGS/bochs-selftest.serial.log
start=$(date +%s)
rc=0
"$BOCHS_TOOLS/run.sh" "$TMP/x/usr/lib/modules/$TARGET_KREL/vmlinuz" "$TMP/initrd.gz" \
	"console=ttyS0,115200 loglevel=4 panic=-1" "$SERIAL" "$TIMEOUT" || rc=$?
wall=$(($(date +%s) - start))

grep -E '^(HELLO|cpuinfo|insmod|PARAM|PKEYS|KICK|BYE)' "$SERIAL" | tr -d '\r' >&2 || true
fail=0
[ "$rc" -eq 0 ] || { echo "FAIL: run.sh exited $rc (124 = timeout: a hang in KVM_RUN points at the interrupt-masking bug; 1 with a triple fault after 'PKEYS' started: the protection-keys bug)" >&2; fail=1; }
grep -q '^PKEYS-DONE fails=0' "$SERIAL" || { echo "FAIL: protection-keys check did not pass" >&2; fail=1; }
grep -q '^KICK-DONE fails=0' "$SERIAL" || { echo "FAIL: kick test did not pass" >&2; fail=1; }
grep -q '^PARAM kvm_intel.enable_apicv=Y' "$SERIAL" || { echo "FAIL: kvm_intel.enable_apicv is not Y" >&2; fail=1; }
grep -q '^PARAM kvm_intel.nested=Y' "$SERIAL" || { echo "FAIL: kvm_intel.nested is not Y" >&2; fail=1; }
if grep -qE 'WARNING:|BUG:|Oops|soft lockup|Call Trace' "$SERIAL"; then
	echo "FAIL: kernel splat in $SERIAL" >&2; fail=1
fi
if [ $fail -eq 0 ]; then
	echo "bochs selftest: PASS (${wall}s wall; log $SERIAL)"
else
	echo "bochs selftest: FAIL (${wall}s wall; log $SERIAL)"
	exit 1
fi
