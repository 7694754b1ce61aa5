#!/usr/bin/env bash
# No kit script ends a pipeline with a grep that stops reading at the first match (-q, -m,
# --quiet, --silent, --max-count). The kit runs under pipefail (tools/lib/common.sh): when grep
# exits early, a writer that still has output dies of SIGPIPE, the pipeline fails, and a match
# reads as no match, depending on timing. That is how boot.sh once left the base modules out of
# the initramfs in one CI run (16 *_base tests failed with "can't insert /modules-base/kvm.ko").
# Write "| grep PATTERN >/dev/null" instead; "grep -q PATTERN FILE" and "grep -q ... <<<" are fine.
# Shown to matter: a writer that writes after grep -q has matched fails the pipeline, every time.
# Shown to be caught: a fixture script with "| grep -qE" is reported. This file, which shows the
# hazard, is the one script not checked.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1

# The hazard, deterministically: the second echo comes after grep -q has exited.
if (set -o pipefail; { echo base-kvm; sleep 0.3; echo more; } | grep -q base-kvm); then
	fail "under pipefail, a writer that outlives grep -q did not fail the pipeline: the rule has no reason"
fi
if ! (set -o pipefail; { echo base-kvm; sleep 0.3; echo more; } | grep base-kvm >/dev/null); then
	fail "'| grep PATTERN >/dev/null' failed under pipefail: the advice of this test is wrong"
fi
note "under pipefail, '| grep -q' fails when the writer outlives it, '| grep >/dev/null' does not"

# early_readers FILE...: the lines (FILE:N:TEXT) that pipe into a grep that may stop early.
early_readers() {
	grep -HnE '(^|[^|])\|[[:space:]]*grep([[:space:]]+-[A-Za-z0-9]+)*[[:space:]]+(-[A-Za-z]*[qm]|--quiet|--silent|--max-count)' "$@" \
		| grep -vE '^[^:]*:[0-9]+:[[:space:]]*#' || true
}

bad=$SCRATCH/early-reader.sh
printf '#!/usr/bin/env bash\nif cut -f3 "$1" | grep -qE "x"; then echo y; fi\nfoo || grep -q x f\n' >"$bad"
[ "$(early_readers "$bad" | wc -l)" -eq 1 ] || fail "the check did not report exactly the one '| grep -qE' line of $bad: $(early_readers "$bad")"
note "a fixture's '| grep -qE' is reported, its '|| grep -q x FILE' is not"

n=0 found=""
while read -r f; do
	n=$((n + 1))
	found+=$(early_readers "$f")
done < <(kit_scripts | grep -vxF tools/tests/gates/14-pipes-read-to-the-end.sh)
[ "$n" -gt 20 ] || fail "found only $n shell scripts: the file list is wrong"
[ -z "$found" ] || fail "pipelines that end in a grep that stops early (use '| grep ... >/dev/null'): $found"
echo "$n scripts: no pipeline ends in a grep that stops reading early"
