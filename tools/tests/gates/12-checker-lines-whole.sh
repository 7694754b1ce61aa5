#!/usr/bin/env bash
# The checker wrappers (sparse, Coccinelle) write every message line whole. Kbuild runs them
# under make -j with the other jobs writing to the same log; a wrapper that writes in blocks cuts
# its lines, another job's "  CHECK   FILE" lands inside one, and the warnings gate reads the
# base's own warning as a new one (a CI run failed on exactly that). Here a stand-in sparse
# prints 200 KB of warnings through the generated wrapper, four at a time, while two writers
# print kbuild-style lines into the same file; every line of the file must be one or the other.
. "$(dirname "$0")/lib.sh"
. "$TOP/tools/lib/common.sh"
. "$TOP/tools/gates/lib.sh"
GATES_WORK=$SCRATCH/wrappers
SPARSE_DIR=$SCRATCH/fake-sparse
# shellcheck disable=SC2034 # read by write_checker_wrappers: the cocci wrapper is written too, not run
COCCI_DIR=$SCRATCH/no-cocci
rm -rf "$GATES_WORK" "$SPARSE_DIR"
mkdir -p "$GATES_WORK"
mkdir -p "$SPARSE_DIR/usr/bin"
cat >"$SPARSE_DIR/usr/bin/sparse" <<'EOS'
#!/bin/sh
# Stand-in for sparse: a known set of warnings on stderr, as sparse prints them ($1 is the
# wrapper's -fmax-warnings option, $2 names the file).
awk -v id="$2" 'BEGIN { for (i = 1; i <= 2000; i++)
	printf "arch/x86/kvm/vmx/f%s.c:%d:9: warning: cast truncates bits from constant value (100010 becomes 10)\n", id, i > "/dev/stderr" }'
EOS
chmod +x "$SPARSE_DIR/usr/bin/sparse"
write_checker_wrappers
log=$SCRATCH/wrappers/make.log
note "4 wrappers and 2 kbuild-style writers into one file"
done_mark=$SCRATCH/wrappers/done
(
	# The kbuild-style writers keep writing until every wrapper is done.
	for j in 1 2; do
		( while [ ! -e "$done_mark" ]; do printf '  CHECK   arch/x86/kvm/vmx/tdx%s.c\n' "$j"; done ) &
	done
	for j in 1 2 3 4; do "$GATES_WORK/bin/sparse" "$j" & wpids="${wpids:-} $!"; done
	# shellcheck disable=SC2086
	wait $wpids
	: >"$done_mark"
	wait
) >"$log" 2>&1
total=$(wc -l <"$log")
bad=$(grep -cvE '^(sparse: arch/x86/kvm/vmx/f[1-4]\.c:[0-9]+:9: warning: cast truncates bits from constant value \(100010 becomes 10\)|  CHECK   arch/x86/kvm/vmx/tdx[12]\.c)$' "$log" || true)
warn=$(grep -c '^sparse: ' "$log" || true)
note "$total lines, $warn warnings, $bad cut"
[ "$bad" -eq 0 ] || { grep -vE '^(sparse: .*\(100010 becomes 10\)|  CHECK   .*)$' "$log" | sed -n 1,3p | sed 's/^/    | /'; fail "$bad line(s) cut by another writer"; }
[ "$warn" -eq 8000 ] || fail "$warn warnings in the log, expected 8000 (4 x 2000)"
exit 0
