#!/usr/bin/env bash
# No kit script ends a pipeline with a reader that stops at the first match or after N lines:
# grep -q/-m/-l/-L (--quiet, --silent, --max-count, --files-with(out)-match, also egrep/fgrep and
# with the option anywhere on the command) or head. The kit runs under pipefail
# (tools/lib/common.sh): when the reader exits early, a writer that still has output dies of
# SIGPIPE, the pipeline fails, and a match reads as no match (or set -e ends the script),
# depending on timing. That is how boot.sh once left the base modules out of the initramfs in one
# CI run (16 *_base tests failed with "can't insert /modules-base/kvm.ko"). Write
# "| grep PATTERN >/dev/null" and "| sed -n 1,Np" instead; "grep -q PATTERN FILE" and
# "grep -q ... <<<" are fine. Lines continued with a trailing '\' or '|' are joined first.
# Shown to matter: a writer that never stops fails the pipeline of grep -q and of head, every
# time. Shown to be caught: a fixture script with each form is reported. This file, which shows
# the hazard, is the one script not checked.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1

# The hazard, deterministically: yes never stops writing, so it always outlives the reader.
if (set -o pipefail; yes base-kvm | grep -q base-kvm); then
	fail "under pipefail, a writer that outlives grep -q did not fail the pipeline: the rule has no reason"
fi
if (set -o pipefail; yes base-kvm | head -n 1 >/dev/null); then
	fail "under pipefail, a writer that outlives head did not fail the pipeline: the rule has no reason"
fi
if ! (set -o pipefail; seq 200000 | grep -x 1 >/dev/null && seq 200000 | sed -n 1p >/dev/null); then
	fail "'| grep PATTERN >/dev/null' or '| sed -n 1p' failed under pipefail: the advice of this test is wrong"
fi
note "under pipefail, '| grep -q' and '| head' fail when the writer outlives them, '| grep >/dev/null' and '| sed -n 1p' do not"

# early_readers FILE...: the commands (FILE: TEXT, continued lines joined) that pipe into a
# reader that may stop early. Comment lines are left out.
early_readers() {
	local f
	for f in "$@"; do
		awk -v f="$f" '
			/^[[:space:]]*#/ && cur == "" { next }
			{ cur = cur $0 }
			/(^|[^\\])(\\\\)*\\[[:space:]]*$/ { sub(/\\[[:space:]]*$/, "", cur); cur = cur " "; next }
			/\|[[:space:]]*$/ { cur = cur " "; next }
			{ print f ": " cur; cur = "" }
			END { if (cur != "") print f ": " cur }' "$f"
	done | grep -E '(^|[^|])\|&?[[:space:]]*(([A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*|env|-[A-Za-z]+|command)[[:space:]]+)*([ef]?grep[^|;&)]*[[:space:]](-[A-Za-z]*[qmlL]|--quiet|--silent|--max-count|--files-with)|head([[:space:];&|)]|$))' || true
}

bad=$SCRATCH/early-reader.sh
cat >"$bad" <<'FIXTURE'
#!/usr/bin/env bash
if cut -f3 "$1" | grep -qE "x"; then echo y; fi
foo || grep -q x f
grep -q x f <<<"$v"
a | grep -e x -q
a | LC_ALL=C grep -l x
a |& egrep --quiet x
a |
	grep -m1 x
a \
	| head -n 1
a | sed -n 1p
# a | grep -q x
a | grep x && grep -q y f
echo foo\\
x=$(a | head)
FIXTURE
want="$bad: if cut -f3 \"\$1\" | grep -qE \"x\"; then echo y; fi
$bad: a | grep -e x -q
$bad: a | LC_ALL=C grep -l x
$bad: a |& egrep --quiet x
$bad: a | 	grep -m1 x
$bad: a  	| head -n 1
$bad: x=\$(a | head)"
got=$(early_readers "$bad")
[ "$got" = "$want" ] || fail "the check did not report exactly the seven early readers of $bad: got
$got
wanted
$want"
note "a fixture's seven early readers are reported (grep -qE, -e X -q, LC_ALL=C grep -l, |& egrep --quiet, grep -m1 after a '|' line end, head after a '\\' line end, head before ')'); '|| grep', '<<<', 'sed -n 1p', a comment, a grep -q after '&&' and a line ending in an escaped backslash are not"

n=0 found="" hits=""
while read -r f; do
	n=$((n + 1))
	hits=$(early_readers "$f")
	[ -z "$hits" ] || found+=$hits$'\n'
done < <(kit_scripts | grep -vxF tools/tests/gates/14-pipes-read-to-the-end.sh)
[ "$n" -gt 20 ] || fail "found only $n shell scripts: the file list is wrong"
[ -z "$found" ] || fail "pipelines that end in a reader that stops early (use '| grep ... >/dev/null' or '| sed -n 1,Np'): $found"
echo "$n scripts: no pipeline ends in a reader that stops early"
