#!/usr/bin/env bash
# With a series that has no patches every gate skips and says why; nothing passes silently.
. "$(dirname "$0")/lib.sh"
empty=$SCRATCH/empty-series
rm -rf "$empty"; mkdir -p "$empty"; : >"$empty/series"
gates empty "$empty"
[ "$RC" -eq 0 ] || fail "run.sh exited $RC on an empty series"
for g in apply checkpatch bisect warnings; do
	expect_line "^skip +gates/$g +[0-9]+s +the series .* has no patches: nothing to check"
done
expect_summary 0 0 4
