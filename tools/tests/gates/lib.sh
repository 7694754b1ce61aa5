# shellcheck shell=bash disable=SC2034
# Helpers for the gates' own tests (tools/tests/gates/*): each is an executable that exits 0
# (pass), 4 (skip: reason on the last line) or anything else (fail: what was wrong on the last
# lines), as tools/check.sh expects. They run tools/gates/run.sh on fixture series and check
# its lines, its summary and the findings it names.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
FIXTURES=$TOP/tools/fixtures
SCRATCH=$TOP/build/test/gates
mkdir -p "$SCRATCH"

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 4; }
note() { echo "--- $*"; }

# gates NAME SERIES-DIR GATE...: run the gates on SERIES-DIR; output in $OUT, status in $RC,
# results in $RES (summary, per-gate logs).
gates() {
	local name=$1 series=$2
	shift 2
	RES=$SCRATCH/$name
	rm -rf "$RES"
	RC=0
	note "SERIES=$series tools/gates/run.sh $*"
	OUT=$(SERIES=$series RESULTS=$RES "$TOP/tools/gates/run.sh" "$@" 2>&1) || RC=$?
	echo "$OUT" | sed 's/^/    | /'
}

# expect_line REGEX: run.sh printed a line matching REGEX (ERE).
expect_line() {
	grep -Eq -- "$1" <<<"$OUT" || fail "no line matching /$1/ in the gates' output"
}

# expect_summary P F S
expect_summary() {
	local want got
	want=$(printf 'passed=%s\nfailed=%s\nskipped=%s' "$1" "$2" "$3")
	got=$(cat "$RES/summary" 2>/dev/null || echo "(no summary)")
	[ "$got" = "$want" ] || fail "summary is '$(echo "$got" | tr '\n' ' ')', expected '$(echo "$want" | tr '\n' ' ')'"
}

# nth_patch SERIES-DIR N: the N-th patch named in SERIES-DIR/series (comments skipped).
nth_patch() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1/series" | sed -n "${2}p" | tr -d '[:space:]'
}

# kit_scripts: the kit's shell scripts, one path per line: the files git tracks (and new ones it
# does not ignore) under tools/ and .ci/ whose name ends in .sh or whose first line names a shell.
kit_scripts() {
	git -C "$TOP" ls-files --cached --others --exclude-standard -- tools .ci | while read -r f; do
		[ -f "$TOP/$f" ] || continue
		case $f in
		*.sh|.ci/run) echo "$f" ;;
		*) head -n1 "$TOP/$f" | grep -E '^#!.*(/|env )(ba|da|busybox )?sh\b' >/dev/null && echo "$f" ;;
		esac
	done
}
