# shellcheck shell=bash
# Helpers for the tests under tools/tests/. A test exits 0 (pass), 4 (skip: reason on the last
# line) or anything else (fail: what was wrong on the last lines).
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The kit's shared definitions (pins, KIT_MODULES, ...), as the scripts under test see them.
. "$TOP/tools/lib/common.sh"
SCRATCH=$TOP/build/test
mkdir -p "$SCRATCH"

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 4; }
note() { echo "--- $*"; }

# expect_fail REGEX CMD...: CMD must exit non-zero and print a line matching REGEX (ERE).
expect_fail() {
	local re=$1 out rc=0
	shift
	note "expect failure matching /$re/: $*"
	out=$("$@" 2>&1) || rc=$?
	echo "$out" | sed 's/^/    | /'
	[ $rc -ne 0 ] || fail "'$*' succeeded but should have failed"
	grep -Eq -- "$re" <<<"$out" || fail "'$*' failed without a message matching /$re/"
}

# modinfo_field FIELD MODULE.ko (reads the .modinfo section; no kmod needed)
modinfo_field() {
	objcopy -O binary --only-section=.modinfo "$2" /dev/stdout 2>/dev/null \
		| tr '\0' '\n' | sed -n "s/^$1=//p"
}
