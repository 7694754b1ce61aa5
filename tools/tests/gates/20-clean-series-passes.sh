#!/usr/bin/env bash
# A clean series passes every gate: the kit's one-patch fixture (tools/fixtures/series-modinfo).
# check-full-only: make check's gates suite passes the same gates on patches/; 90 s
. "$(dirname "$0")/lib.sh"
gates clean "$FIXTURES/series-modinfo"
[ "$RC" -eq 0 ] || fail "run.sh exited $RC on a clean series"
for g in apply checkpatch bisect warnings; do expect_line "^ok +gates/$g "; done
expect_summary 4 0 0
grep -q 'KVM objects build' "$RES/bisect.log" || fail "the bisect gate built nothing"
