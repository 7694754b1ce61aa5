#!/usr/bin/env bash
# make install / uninstall: into /lib/modules/<release>/updates/dkms (here under DESTDIR), never
# over the in-tree modules, and refused for a kernel the modules were not built for.
. "$(dirname "$0")/../lib.sh"
d=$SCRATCH/destdir
rm -rf "$d"; mkdir -p "$d/lib/modules/$TARGET_KREL/kernel/arch/x86/kvm"
echo in-tree >"$d/lib/modules/$TARGET_KREL/kernel/arch/x86/kvm/kvm.ko"
[ -f "$TOP/build/modules/$TARGET_KREL/kvm.ko" ] || make -C "$TOP" modules
expect_fail 'no modules built for kernel 6\.1\.0-99-amd64' make -C "$TOP" install DESTDIR="$d" RELEASE=6.1.0-99-amd64
[ ! -e "$d/lib/modules/6.1.0-99-amd64" ] || fail "install created files for the wrong kernel"
if [ "$(uname -r)" != "$TARGET_KREL" ]; then
	expect_fail "no modules built for kernel $(uname -r)" make -C "$TOP" install DESTDIR="$d"
fi
make -C "$TOP" install DESTDIR="$d" RELEASE="$TARGET_KREL"
for m in $KIT_MODULES; do
	cmp "$TOP/build/modules/$TARGET_KREL/$m.ko" "$d/lib/modules/$TARGET_KREL/updates/dkms/$m.ko" \
		|| fail "$m.ko was not installed into updates/dkms"
done
[ "$(cat "$d/lib/modules/$TARGET_KREL/kernel/arch/x86/kvm/kvm.ko")" = in-tree ] || fail "the in-tree kvm.ko was touched"
if [ -f "$d/lib/modules/$TARGET_KREL/modules.dep" ]; then
	grep -q '^updates/dkms/kvm-intel.ko: updates/dkms/kvm.ko' "$d/lib/modules/$TARGET_KREL/modules.dep" \
		|| fail "depmod does not resolve kvm-intel.ko to our kvm.ko"
fi
make -C "$TOP" uninstall DESTDIR="$d" RELEASE="$TARGET_KREL"
[ ! -e "$d/lib/modules/$TARGET_KREL/updates/dkms/kvm.ko" ] || fail "uninstall left kvm.ko"
[ "$(cat "$d/lib/modules/$TARGET_KREL/kernel/arch/x86/kvm/kvm.ko")" = in-tree ] || fail "uninstall touched the in-tree kvm.ko"
expect_fail 'nothing of kvm-series is installed' make -C "$TOP" uninstall DESTDIR="$d" RELEASE="$TARGET_KREL"
rm -rf "$d"
