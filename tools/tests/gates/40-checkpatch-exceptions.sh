#!/usr/bin/env bash
# checkpatch --strict findings fail the gate with the patch and the message type; a justified
# exception excuses exactly that type; an exception without a justification, or a stale one,
# fails.
. "$(dirname "$0")/lib.sh"
bad=$SCRATCH/cp-series
rm -rf "$bad"; cp -r "$FIXTURES/gates-sparse" "$bad"
p=$(nth_patch "$bad" 1)
sed -i '/^Signed-off-by:/d' "$bad/$p"
gates cp-fail "$bad" checkpatch
[ "$RC" -ne 0 ] || fail "a patch without Signed-off-by passed"
expect_line "^FAIL +gates/checkpatch .*$p: ERROR:MISSING_SIGN_OFF"
exc=$SCRATCH/cp-exceptions
echo "$p MISSING_SIGN_OFF test data: the fixture lost its sign-off on purpose" >"$exc"
RC=0; OUT=$(CHECKPATCH_EXCEPTIONS=$exc SERIES=$bad RESULTS=$SCRATCH/cp-exc "$TOP/tools/gates/run.sh" checkpatch 2>&1) || RC=$?
echo "$OUT" | sed 's/^/    | /'
[ "$RC" -eq 0 ] || fail "a justified exception did not excuse MISSING_SIGN_OFF"
echo "$p LONG_LINE" >>"$exc"
RC=0; OUT=$(CHECKPATCH_EXCEPTIONS=$exc SERIES=$bad RESULTS=$SCRATCH/cp-exc "$TOP/tools/gates/run.sh" checkpatch 2>&1) || RC=$?
echo "$OUT" | sed 's/^/    | /'
[ "$RC" -ne 0 ] || fail "an exception without a justification was accepted"
expect_line "has no justification"
echo "$p MISSING_SIGN_OFF why" >"$exc"; echo "$p LONG_LINE stale on purpose" >>"$exc"
RC=0; OUT=$(CHECKPATCH_EXCEPTIONS=$exc SERIES=$bad RESULTS=$SCRATCH/cp-exc "$TOP/tools/gates/run.sh" checkpatch 2>&1) || RC=$?
echo "$OUT" | sed 's/^/    | /'
[ "$RC" -ne 0 ] || fail "a stale exception was accepted"
expect_line "matches nothing any more"
