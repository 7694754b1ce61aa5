#!/usr/bin/env bash
# A patch that does not apply: the kit names it and gives git's reason; a new tree is not
# created, an existing one is left exactly as it was.
. "$(dirname "$0")/../lib.sh"
bad=$TOP/tools/fixtures/series-bad
rm -rf "$SCRATCH/bad-new"
expect_fail 'patch 0002-KVM-fixture-patch-that-does-not-apply.patch does not apply' \
	env TREE="$SCRATCH/bad-new" SERIES="$bad" make -C "$TOP" tree
expect_fail 'patch does not apply|patch failed' env TREE="$SCRATCH/bad-new" SERIES="$bad" make -C "$TOP" tree
[ ! -e "$SCRATCH/bad-new" ] || fail "a half-applied tree was left at $SCRATCH/bad-new"
ls -d "$SCRATCH"/bad-new.tmp.* 2>/dev/null && fail "a temporary tree was left behind"

rm -rf "$SCRATCH/bad-existing"
TREE=$SCRATCH/bad-existing SERIES=$TOP/tools/fixtures/series-modinfo make -C "$TOP" tree
head=$(git -C "$SCRATCH/bad-existing" rev-parse HEAD)
expect_fail 'does not apply' env TREE="$SCRATCH/bad-existing" SERIES="$bad" make -C "$TOP" tree
[ "$(git -C "$SCRATCH/bad-existing" rev-parse HEAD)" = "$head" ] || fail "the existing tree moved"
[ -z "$(git -C "$SCRATCH/bad-existing" status --porcelain)" ] || fail "the existing tree was left dirty"
git -C "$SCRATCH/bad-existing" rev-parse -q --verify series-new && fail "a series-new branch was left"
# Nothing was built from the bad series.
expect_fail 'does not apply' env TREE="$SCRATCH/bad-new" SERIES="$bad" \
	BUILD_DIR="$SCRATCH/oot-bad" MODULES_OUT="$SCRATCH/modules-bad" make -C "$TOP" modules
[ ! -e "$SCRATCH/modules-bad" ] || fail "modules were produced from a series that does not apply"
rm -rf "$SCRATCH/bad-existing"

# A TREE that exists but is not a git tree (a typo, someone's directory) is refused and left alone.
rm -rf "$SCRATCH/not-a-tree"
mkdir -p "$SCRATCH/not-a-tree"
echo keep >"$SCRATCH/not-a-tree/file"
expect_fail 'exists and is not a git tree' env TREE="$SCRATCH/not-a-tree" make -C "$TOP" tree
[ "$(ls -A "$SCRATCH/not-a-tree")" = file ] || fail "the directory given as TREE was changed"
ls -d "$SCRATCH"/not-a-tree.tmp.* 2>/dev/null && fail "a temporary tree was left behind"
rm -rf "$SCRATCH/not-a-tree"
