#!/usr/bin/env bash
# Every shell script of the kit (tools/, .ci/run) is shellcheck-clean at warning level, and
# that tool can parse all of it: a directive in the wrong place (say, inside an && chain) is a
# parse error, after which shellcheck checks nothing more in that file. The scripts are those of
# kit_scripts (lib.sh). shellcheck is a host package of the kit (tools/pins.conf HOST_PACKAGES).
# The check is shown to fail: a copy of a clean script with a directive inside an && chain must
# be reported.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
command -v shellcheck >/dev/null || fail "shellcheck is not installed (it is in HOST_PACKAGES: run 'make buildroot')"

# The check itself must see a parse error.
bad=$SCRATCH/shellcheck-bad.sh
printf '#!/usr/bin/env bash\ntrue &&\n\t# shellcheck disable=SC2086\n\techo $1\n' >"$bad"
if shellcheck -S warning "$bad" >/dev/null 2>&1; then
	fail "shellcheck accepted a script with a directive inside an && chain (a parse error)"
fi
note "a directive inside an && chain is reported, as it must be"

n=0 bad_files=()
while read -r f; do
	n=$((n + 1))
	if ! out=$(shellcheck -x -S warning "$f" 2>&1); then
		bad_files+=("$f")
		echo "$out" | sed -n 1,20p
	fi
done < <(kit_scripts)
[ "$n" -gt 20 ] || fail "found only $n shell scripts under tools/: the file list is wrong"
[ ${#bad_files[@]} -eq 0 ] || fail "shellcheck -S warning reports ${#bad_files[@]} of $n scripts: ${bad_files[*]}"
note "shellcheck -S warning: all $n scripts clean"
