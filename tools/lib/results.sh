# shellcheck shell=bash
# The one result format of the kit: every runner (tools/check.sh, tools/gates/run.sh,
# tools/rig/vmtest.sh, tools/tests/rig/selftests/run.sh) prints its tests and its totals with these, and
# leaves its counts in a summary file with them. It needs nothing else of the kit.
#
#   result_line ok|FAIL|skip NAME [SECONDS] [REASON]
#       "ok      NAME                                          12s  REASON" (one line, REASON
#       optional; SECONDS may be empty, e.g. for a check that is not timed)
#   closing_line PASSED FAILED SKIPPED
#       "N passed, N failed" or "N passed, N failed, N skipped" alone on a line
#   summary_write FILE PASSED FAILED SKIPPED [KEY=VALUE...]
#       FILE gets passed=, failed=, skipped= and the extra KEY=VALUE lines
#   summary_get FILE KEY
#       the value of KEY in a summary file (0 for a count that is missing)

result_line() {
	local status=$1 name=$2 secs=${3:-} reason=${4:-}
	case $status in
	ok|FAIL|skip) ;;
	*) echo "error: result_line: unknown status '$status' (ok, FAIL, skip)" >&2; return 1 ;;
	esac
	if [ -n "$secs" ]; then
		printf '%-7s %-48s %7s%s\n' "$status" "$name" "${secs}s" "${reason:+  $reason}"
	else
		printf '%-7s %s%s\n' "$status" "$name" "${reason:+  $reason}"
	fi
}

closing_line() {
	if [ "${3:-0}" -gt 0 ]; then
		echo "$1 passed, $2 failed, $3 skipped"
	else
		echo "$1 passed, $2 failed"
	fi
}

summary_write() {
	local file=$1 p=$2 f=$3 s=$4
	shift 4
	{
		printf 'passed=%s\nfailed=%s\nskipped=%s\n' "$p" "$f" "$s"
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} >"$file"
}

summary_get() {
	local v
	v=$(sed -n "/^$2=/{s///;p;q;}" "$1" 2>/dev/null)
	case $2 in passed|failed|skipped) echo "${v:-0}" ;; *) echo "$v" ;; esac
}
