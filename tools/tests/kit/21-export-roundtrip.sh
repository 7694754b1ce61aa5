#!/usr/bin/env bash
# Applying a series to a fresh tree and exporting it reproduces it byte for byte: the fixture
# series, and patches/ itself.
. "$(dirname "$0")/../lib.sh"
rm -rf "$SCRATCH/rt-fixture"
TREE=$SCRATCH/rt-fixture SERIES=$TOP/tools/fixtures/series-modinfo make -C "$TOP" tree export-check
if grep -qv '^#' "$TOP/patches/series" 2>/dev/null && [ -n "$(grep -v '^#' "$TOP/patches/series")" ]; then
	rm -rf "$SCRATCH/rt-patches"
	TREE=$SCRATCH/rt-patches SERIES=$TOP/patches make -C "$TOP" tree export-check
else
	note "patches/ holds no patches yet: only the fixture round trip was checked"
fi
