#!/usr/bin/env bash
# Compare a rig run's results with a baseline, so that a test that stopped running cannot hide
# in a green run (tools/rig/vmtest.sh calls it before it reports; Documentation/rig.md).
#
#   tools/rig/baseline.sh [--full] [--exempt FILE] BASELINE TESTS RESULTS
#
# BASELINE: NAME<TAB>RESULT<TAB>SECONDS<TAB>REASON lines ('#' comments), RESULT one of ok, xfail,
# skip, FAIL (tools/rig/baseline-<emu>.txt). TESTS: the run's parsed test lines
# (NAME|TIMEOUT|OPTIONS|...: vmtest.sh's tests.tsv), for their may-skip= option. RESULTS: the
# run's NAME<TAB>STATUS<TAB>SECONDS<TAB>REASON lines. Prints RESULTS amended:
#   - a test that passed in the baseline (ok or xfail) and skipped now is a FAIL, unless its list
#     entry has may-skip=REASON ('+' for spaces): then it stays a skip, with that reason quoted;
#   - with --full (the whole list was run): a test that passed in the baseline and has no result
#     is a FAIL (it was dropped from the list, or renamed, without updating the baseline);
#   - the tests named in the --exempt FILE (one a line: those the run left out, stock-only ones
#     on the debug kernel, full ones outside make check-full) are not compared.
set -euo pipefail

die() { echo "error: $*" >&2; exit 1; }

full=0 exempt=/dev/null
while [ $# -gt 0 ]; do
	case $1 in
	--full) full=1; shift ;;
	--exempt) exempt=${2:-}; shift 2 ;;
	--*) die "baseline.sh: unknown option '$1'" ;;
	*) break ;;
	esac
done
[ $# -eq 3 ] || die "usage: baseline.sh [--full] [--exempt FILE] BASELINE TESTS RESULTS"
baseline=$1 tests=$2 results=$3
for f in "$baseline" "$tests" "$results" "$exempt"; do
	[ -r "$f" ] || die "baseline.sh: cannot read $f"
done

# Files are read in this order: exempt names, the baseline, the tests' options, the results.
awk -F'\t' -v OFS='\t' -v full="$full" -v bname="$(basename "$baseline")" '
	FILENAME == ARGV[1] { if ($0 != "") exempt[$0] = 1; next }
	FILENAME == ARGV[2] {
		if ($0 ~ /^#/ || $0 ~ /^[[:space:]]*$/) next
		if ($2 == "ok" || $2 == "xfail") { passed[$1] = 1; order[++n] = $1 }
		next
	}
	FILENAME == ARGV[3] {
		split($0, f, "|")
		k = split(f[3], opts, ",")
		for (i = 1; i <= k; i++)
			if (opts[i] ~ /^may-skip=/) { r = substr(opts[i], 10); gsub(/\+/, " ", r); mayskip[f[1]] = r }
		next
	}
	{
		seen[$1] = 1
		if ($2 == "skip" && ($1 in passed) && !($1 in exempt)) {
			if ($1 in mayskip)
				$4 = $4 " (may skip: " mayskip[$1] ")"
			else {
				$2 = "FAIL"
				$4 = "skipped, but it passed in " bname ": " $4 " (if it may skip here, say when: may-skip=REASON in its list line)"
			}
		}
		print $1 "\t" $2 "\t" $3 "\t" $4
	}
	END {
		if (!full) exit 0
		for (i = 1; i <= n; i++)
			if (!(order[i] in seen) && !(order[i] in exempt))
				print order[i] "\tFAIL\t0\tpassed in " bname ", but has no result in this run: dropped from the list or renamed? (update " bname " if that is meant)"
	}
' "$exempt" "$baseline" "$tests" "$results"
