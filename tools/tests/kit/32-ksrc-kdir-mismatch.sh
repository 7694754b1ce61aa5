#!/usr/bin/env bash
# KSRC and KDIR of different versions: refused before anything is applied or built. A KSRC that is
# not a git checkout is refused too (the series is applied with git am on a branch of it).
. "$(dirname "$0")/../lib.sh"
k=$SCRATCH/ksrc-6.12
rm -rf "$k" "$SCRATCH/ksrc-tree" "$SCRATCH/ksrc-oot" "$SCRATCH/ksrc-modules"
mkdir -p "$k/arch/x86/kvm" "$k/virt/kvm"
printf 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 57\n' >"$k/Makefile"
run() { env KSRC="$k" TREE="$SCRATCH/ksrc-tree" BUILD_DIR="$SCRATCH/ksrc-oot" MODULES_OUT="$SCRATCH/ksrc-modules" make -C "$TOP" modules; }
expect_fail 'the source is Linux 6\.12\.57 \(KSRC=.*\) but the target is 7\.3\.4\+deb13-amd64' run
git -C "$k" init -q && git -C "$k" add -A && \
	git -C "$k" -c user.name=test -c user.email=test@invalid commit -q -m fake
expect_fail 'same kernel version' run
for d in "$SCRATCH/ksrc-tree" "$SCRATCH/ksrc-oot" "$SCRATCH/ksrc-modules"; do
	[ ! -e "$d" ] || fail "$d was created although the versions differ"
done
# Same version but not a git checkout.
rm -rf "$k/.git"; printf 'VERSION = 7\nPATCHLEVEL = 3\nSUBLEVEL = 4\n' >"$k/Makefile"
expect_fail 'is not a git checkout' run
[ ! -e "$SCRATCH/ksrc-tree" ] || fail "a tree was created from a KSRC that is not a git checkout"
rm -rf "$k"
