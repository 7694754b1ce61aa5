#!/usr/bin/env bash
# KDIR missing or not a prepared tree: a clear message, and nothing applied or built.
. "$(dirname "$0")/../lib.sh"
rm -rf "$SCRATCH/kdir" "$SCRATCH/modules-kdir" && mkdir -p "$SCRATCH/kdir/empty" "$SCRATCH/kdir/unprepared"
cat >"$SCRATCH/kdir/unprepared/Makefile" <<'EOT'
VERSION = 7
PATCHLEVEL = 3
SUBLEVEL = 4
EOT
run() { env KDIR="$1" TREE="$SCRATCH/kdir/tree" BUILD_DIR="$SCRATCH/kdir/oot" MODULES_OUT="$SCRATCH/modules-kdir" make -C "$TOP" modules; }
expect_fail "KDIR=$SCRATCH/kdir/missing does not exist" run "$SCRATCH/kdir/missing"
expect_fail 'is not a kernel tree \(no Makefile\)' run "$SCRATCH/kdir/empty"
expect_fail 'is not a prepared kernel tree' run "$SCRATCH/kdir/unprepared"
for d in "$SCRATCH/kdir/tree" "$SCRATCH/kdir/oot" "$SCRATCH/modules-kdir"; do
	[ ! -e "$d" ] || fail "$d was created although KDIR was bad"
done
