#!/usr/bin/env bash
# Every x86 KVM selftest program of TREE (TEST_GEN_PROGS_x86 and TEST_GEN_PROGS_COMMON of
# tools/testing/selftests/kvm/Makefile.kvm) must be run by the rig or be left out with a reason:
# listed in one of the test lists, or named by a left-out comment in one of them:
#
#   # left-out: NAME: REASON
#
# (NAME the program's name, as in TESTS=; REASON what was observed, or a plain fact such as
# "AMD-only: SVM"). A program that is neither is an error, and so is a left-out comment without
# a reason or for a program TREE does not have (renamed or removed upstream).
#
#   tools/rig/check-lists.sh [LIST...]   (default: tools/rig/tests-qemu.list tools/rig/tests-bochs.list)
#
# RIG_PROGRAMS=FILE: the program paths (x86/state_test, one a line) instead of TREE's.
# Prints one "error:" line per problem and exits 1, or a count line and exits 0.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

# Program names (basenames) that LIST runs: a line's name, or its prog=PATH when PATH is a
# selftest (not rig/, bench/ or an absolute path).
listed_names() { # LIST
	sed -e 's/#.*//' "$1" | awk '
		NF == 0 { next }
		{
			print $1
			for (i = 2; i <= NF && $i != "--"; i++)
				if ($i ~ /^prog=/ && $i !~ /^prog=(\/|rig\/|bench\/)/) {
					p = substr($i, 6); sub(/.*\//, "", p); print p
				}
		}'
}

# "NAME<TAB>REASON" of LIST's left-out comments (REASON may be empty: an error).
left_out_entries() { # LIST
	sed -n 's/^#[[:space:]]*left-out:[[:space:]]*\([^:[:space:]]*\)[[:space:]]*:\{0,1\}[[:space:]]*\(.*\)$/\1\t\2/p' "$1"
}

programs() {
	if [ -n "${RIG_PROGRAMS:-}" ]; then
		[ -r "$RIG_PROGRAMS" ] || die "RIG_PROGRAMS=$RIG_PROGRAMS cannot be read"
		grep -v '^[[:space:]]*$' "$RIG_PROGRAMS"
	else
		all_selftests
	fi
}

main() {
	local lists=("$@") l names=() listed="" left="" progs errors=0 p n name reason
	[ ${#lists[@]} -gt 0 ] || lists=("$RIG_DIR/tests-qemu.list" "$RIG_DIR/tests-bochs.list")
	progs=$(programs)
	[ -n "$progs" ] || die "no KVM selftest programs found (TREE=$TREE)"
	for l in "${lists[@]}"; do
		[ -r "$l" ] || die "cannot read the test list $l"
		listed+=$(listed_names "$l")$'\n'
		while IFS=$'\t' read -r name reason; do
			if [ -z "$reason" ]; then
				echo "error: $(basename "$l"): left-out $name has no reason ('# left-out: $name: REASON')"
				errors=$((errors + 1))
			fi
			if ! grep -qx "\(.*/\)\{0,1\}$name" <<<"$progs"; then
				echo "error: $(basename "$l"): left-out $name is not a KVM selftest program of TREE (renamed or removed?)"
				errors=$((errors + 1))
			fi
			left+=$name$'\n'
		done < <(left_out_entries "$l")
	done
	local nl=0 nx=0
	while IFS= read -r p; do
		n=${p##*/}
		if grep -qx -- "$n" <<<"$listed"; then
			nl=$((nl + 1))
		elif grep -qx -- "$n" <<<"$left"; then
			nx=$((nx + 1))
		else
			names+=("$n")
		fi
	done <<<"$progs"
	for n in "${names[@]}"; do
		echo "error: $n ($(grep -m1 -x "\(.*/\)\{0,1\}$n" <<<"$progs")) is in no test list and not left out: add it to a list, or '# left-out: $n: REASON'"
		errors=$((errors + 1))
	done
	[ "$errors" -eq 0 ] || exit 1
	echo "$((nl + nx)) KVM selftest programs: $nl listed, $nx left out with a reason"
}

main "$@"
