#!/usr/bin/env bash
# Gate "checkpatch": scripts/checkpatch.pl --strict (the base tree's) is clean on every patch of
# SERIES, or each message it prints is an exception listed in tools/gates/checkpatch-exceptions:
#
#   PATCH-FILE-NAME  MESSAGE_TYPE  one-line justification
#
# (checkpatch's --show-types names the type, e.g. LONG_LINE). An exception without a
# justification, or one that no longer matches anything, is itself an error: the list stays
# short and true. CHECKPATCH_EXCEPTIONS=<file> reads another list (the gates' own tests).
#
#   SERIES=<dir> tools/gates/checkpatch.sh    exit 0 pass, 4 skip, 1 fail
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

EXCEPTIONS=${CHECKPATCH_EXCEPTIONS:-$GATES_DIR/checkpatch-exceptions}

patches=$(gate_patches)
skip_if_empty "$patches"
base_info

# The exceptions: "PATCH TYPE" keys; a line without a justification fails.
declare -A exc=() used=()
bad=0
if [ -f "$EXCEPTIONS" ]; then
	while read -r ep et ej; do
		case $ep in ''|'#'*) continue ;; esac
		if [ -z "$et" ] || [ -z "$ej" ]; then
			gate_fail "$EXCEPTIONS: '$ep $et' has no justification (format: PATCH TYPE why)"
			bad=$((bad + 1))
			continue
		fi
		exc["$ep $et"]=1
	done <"$EXCEPTIONS"
fi

for p in $patches; do
	out=$(cd "$BASE_REPO" && perl scripts/checkpatch.pl --strict --show-types --no-summary \
		--color=never "$SERIES/$p" 2>&1) || true
	# "ERROR:TYPE: message", "WARNING:TYPE: message", "CHECK:TYPE: message"; the next line
	# ("#N: FILE: +code") says where.
	found=0
	while IFS= read -r line; do
		case $line in
		ERROR:*|WARNING:*|CHECK:*) ;;
		*) continue ;;
		esac
		type=$(echo "$line" | cut -d: -f2)
		if [ -n "${exc["$p $type"]:-}" ]; then
			used["$p $type"]=1
			echo "excepted: $p: $line"
			continue
		fi
		where=$(echo "$out" | grep -F -x -A1 -- "$line" | sed -n '2{s/^#[0-9]*: //;s/^FILE: //;s/:$//;p}' || true)
		gate_fail "$p: $line${where:+ ($where)}"
		found=$((found + 1))
	done <<<"$out"
	if [ $found -eq 0 ]; then
		echo "ok: $p: checkpatch --strict clean"
	else
		bad=$((bad + found))
	fi
done
for k in "${!exc[@]}"; do
	[ -n "${used[$k]:-}" ] && continue
	# Only exceptions for patches of this series can be stale here.
	case " $(tr '\n' ' ' <<<"$patches") " in *" ${k%% *} "*)
		gate_fail "$EXCEPTIONS: exception '$k' matches nothing any more; remove it"
		bad=$((bad + 1)) ;;
	esac
done
[ $bad -eq 0 ] || { echo "FAIL: $bad checkpatch problem(s) (above); fix them or add a justified exception to $EXCEPTIONS"; exit 1; }
echo "checkpatch --strict: all $(echo "$patches" | wc -l) patch(es) clean"
