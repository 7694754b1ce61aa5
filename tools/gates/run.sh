#!/usr/bin/env bash
# The maintainer gates: checks a series must pass before it is posted.
#
#   tools/gates/run.sh [GATE...]     run these gates (default: all, in this order):
#       apply       git am of the whole series onto a pristine base + the export round trip
#       checkpatch  scripts/checkpatch.pl --strict on every patch (exceptions: checkpatch-exceptions)
#       bisect      every patch builds on its own: all KVM objects (W=1, project config with
#                   KVM_WERROR) and the KVM selftests
#       warnings    no new gcc W=1, sparse or Coccinelle warning against baseline-warnings
#
# Variables: SERIES (default patches/), RESULTS (directory for the summary and the logs;
# default build/results/gates). One line per gate: "ok|FAIL|skip  gates/NAME  SECONDSs  reason";
# RESULTS/summary gets passed=N failed=N skipped=N; the exit status is non-zero when one failed.
# Each gate's full output is in RESULTS/NAME.log; documentation: Documentation/gates.md.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/results.sh"
. "$(dirname "$0")/lib.sh"

ALL_GATES="apply checkpatch bisect warnings"
RESULTS=$(realpath -m "${RESULTS:-$KIT_TOP/build/results/gates}")
export SERIES

gates=("$@")
[ ${#gates[@]} -gt 0 ] || read -r -a gates <<<"$ALL_GATES"
for g in "${gates[@]}"; do
	case " $ALL_GATES " in *" $g "*) ;; *) die "unknown gate '$g' (known: $ALL_GATES)" ;; esac
done

mkdir -p "$RESULTS"
passed=0 failed=0 skipped=0
for g in "${gates[@]}"; do
	logf=$RESULTS/$g.log
	start=$(date +%s)
	rc=0
	"$GATES_DIR/$g.sh" >"$logf" 2>&1 </dev/null || rc=$?
	secs=$(since "$start")
	case $rc in
	0)  passed=$((passed + 1))
	    result_line ok "gates/$g" "$secs" "$(tail -n1 "$logf")" ;;
	4)  skipped=$((skipped + 1))
	    result_line skip "gates/$g" "$secs" "$(tail -n1 "$logf" | sed 's/^SKIP: //')" ;;
	*)  failed=$((failed + 1))
	    reason=$(grep -m1 '^FAIL: ' "$logf" | sed 's/^FAIL: //' || true)
	    [ -n "$reason" ] || reason=$(grep -m1 '^error: ' "$logf" || tail -n1 "$logf")
	    result_line FAIL "gates/$g" "$secs" "$reason"
	    # Every finding, so that the failure can be read without opening the log.
	    grep -E '^(FAIL: |    )' "$logf" | grep -vxF "FAIL: $reason" | sed -n 1,40p | sed 's/^/        | /' || true
	    echo "        (log: $logf)" ;;
	esac
done
summary_write "$RESULTS/summary" "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ]
