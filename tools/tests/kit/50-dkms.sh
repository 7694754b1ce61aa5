#!/usr/bin/env bash
# `make dkms` gives a self-contained DKMS source tree; `dkms build` and `dkms install` for
# Debian's 7.3.4+deb13-amd64 succeed inside the build root, with the modules in updates/dkms.
# DKMS runs with private trees, so the build root's own DKMS state is not changed.
. "$(dirname "$0")/../lib.sh"
src=$(make -s -C "$TOP" dkms | tail -n1)
[ -f "$src/dkms.conf" ] || fail "make dkms did not produce a dkms.conf ($src)"
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$src/dkms.conf")
t=$SCRATCH/dkms-run
rm -rf "$t"; mkdir -p "$t/dkms" "$t/src" "$t/inst/$TARGET_KREL"
"$TOP/tools/buildroot.sh" run -b "$t" -- bash -euc '
	t=$1 src=$2 ver=$3 krel=$4
	o=(--dkmstree "$t/dkms" --sourcetree "$t/src" --installtree "$t/inst")
	dkms add "${o[@]}" "$src"
	dkms build "${o[@]}" -m kvm-series -v "$ver" -k "$krel" --kernelsourcedir "/usr/src/linux-headers-$krel"
	dkms install "${o[@]}" -m kvm-series -v "$ver" -k "$krel" --kernelsourcedir "/usr/src/linux-headers-$krel" --force
	dkms status "${o[@]}"
' _ "$t" "$src" "$ver" "$TARGET_KREL"
for m in $KIT_MODULES; do
	f=$(find "$t/inst" -path "*/$TARGET_KREL/updates/dkms/$m.ko*" | sed -n 1p)
	[ -n "$f" ] || fail "dkms did not install $m.ko into updates/dkms"
	note "installed: ${f#$t/inst/}"
done
rm -rf "$t"
