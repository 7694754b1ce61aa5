#!/usr/bin/env bash
# Gate "apply": the whole series applies with git am onto a pristine base (a scratch tree reset
# to the base commit, tools/series.sh prepare), and exporting that tree reproduces SERIES byte for byte
# (tools/series.sh export-check: the cover letter, the patches, the series file).
#
#   SERIES=<dir> tools/gates/apply.sh    exit 0 pass, 4 skip, 1 fail
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

patches=$(gate_patches)
skip_if_empty "$patches"
tree=$GATES_WORK/apply
base_info
# A pristine base: the scratch tree (kept between runs: a fresh checkout of the whole kernel
# costs a minute) is reset to the base commit, without branches, stamps or stray files.
if [ -d "$tree/.git" ] && ! git -C "$tree" cat-file -e "$BASE_COMMIT^{commit}" 2>/dev/null; then
	rm -rf "$tree"   # a clone of a previous base import
fi
if [ -d "$tree/.git" ]; then
	git -C "$tree" am --abort >/dev/null 2>&1 || true
	git -C "$tree" checkout -q -f --detach "$BASE_COMMIT"
	git -C "$tree" branch -q -D series series-new >/dev/null 2>&1 || true
	git -C "$tree" clean -q -f -d -x
	rm -f "$(tree_stamp_path "$tree")"
fi
if ! out=$(TREE=$tree SERIES=$SERIES "$KIT_TOP/tools/series.sh" prepare 2>&1); then
	echo "$out"
	echo "FAIL: the series does not apply to a pristine base: $(grep -m1 '^error: patch' <<<"$out" || echo "$out" | tail -n1)"
	exit 1
fi
echo "ok: git am of $(echo "$patches" | wc -l) patch(es) onto the base"
if ! out=$(TREE=$tree SERIES=$SERIES "$KIT_TOP/tools/series.sh" export-check 2>&1); then
	echo "$out" | sed -n 1,60p
	echo "FAIL: the export round trip does not reproduce $SERIES: $(grep -m1 '^error:' <<<"$out")"
	exit 1
fi
echo "ok: export round trip reproduces $SERIES byte for byte"
