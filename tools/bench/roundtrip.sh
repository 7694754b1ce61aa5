#!/usr/bin/env bash
# The nested VMX round-trip benchmark (tools/bench/vmx_roundtrip.c): base KVM against the series,
# anonymous memory against two kinds of VM_PFNMAP memory for the pages vmcs12 points at (pages
# with struct pages, and RAM without struct pages above mem=), all six in one Bochs run.
#
#   tools/bench/roundtrip.sh      (make bench)
#
# Variables: KERNEL=stock|debug (default stock), BENCH_N (measured round trips per figure,
# default 20000), BENCH_REPEAT (how many times each of the six runs is made, interleaved, in the
# same boot; default 3: the table gives the median and the spread, (max - min) / median),
# RESULTS (default build/bench/roundtrip-<timestamp>), TREE (the series tree the modules and the
# program are built from, as for make modules).
#
# "base" is the booted kernel's own KVM (Debian's 7.3.4 for KERNEL=stock: the base of the
# series), loaded with kvm.allow_unsafe_mappings=1 because without it the base refuses VM_PFNMAP
# memory for these pages (shown by vmx_vapic_invalidation_test_pfnmap); "series" is our modules,
# loaded as in every rig run (allow_unsafe_mappings=N). "pfnmap" is /dev/rig_pfnmap_pages
# (rig_pfnmap.ko: alloc_pages() mapped with remap_pfn_range(); kvm_vcpu_map() kmaps them),
# "nopage" is /dev/rig_nopage (rig_nopage.ko: RAM above mem=, no struct pages; kvm_vcpu_map()
# memremaps them: the case the series is about); with it in the list the rig boots the whole run
# with mem= (tools/rig/boot.sh). The figures are TSC cycles in L1 per round
# trip L2 -> L1 -> L2 (Bochs' TSC follows the instructions it executes, L0's included), and the
# ratios are taken between figures of the same run. Nothing here is a pass/fail criterion: the
# script fails only if a run does not produce its figure.
. "$(dirname "$0")/../lib/common.sh"

KERNEL=${KERNEL:-stock}
N=${BENCH_N:-20000}
[[ $N =~ ^[1-9][0-9]*$ ]] || die "BENCH_N=$N is not a positive number"
REPEAT=${BENCH_REPEAT:-3}
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPEAT=$REPEAT is not a positive number"
RESULTS=$(realpath -m "${RESULTS:-$KIT_TOP/build/bench/roundtrip-$(date +%Y%m%d-%H%M%S)}")
mkdir -p "$RESULTS"
list=$RESULTS/roundtrip.list
runs="base_anonymous base_pfnmap base_nopage series_anonymous series_pfnmap series_nopage"
{
	echo "# written by tools/bench/roundtrip.sh"
	for k in $(seq 1 "$REPEAT"); do
		for r in $runs; do
			opts="timeout=900 prog=bench/vmx_roundtrip"
			args="-n $N"
			case $r in base_*) opts="$opts base-kvm=allow_unsafe_mappings=1" ;; esac
			case $r in
			*_pfnmap) opts="$opts kmod=rig_pfnmap"; args="$args -m /dev/rig_pfnmap_pages" ;;
			*_nopage) opts="$opts kmod=rig_nopage"; args="$args -m /dev/rig_nopage" ;;
			esac
			echo "roundtrip_${r}_$k $opts -- $args"
		done
	done
} >"$list"

rc=0
EMU=bochs KERNEL=$KERNEL VMTEST_LIST=$list RESULTS=$RESULTS/vmtest "$KIT_TOP/tools/rig/vmtest.sh" || rc=$?

# RUN KEY: the value of KEY= in the program's result line ("vmx_roundtrip: ... KEY=VALUE ...").
field() {
	sed -n "s/^vmx_roundtrip: .*\b$2=\([^ ]*\).*/\1/p" \
		"$RESULTS/vmtest/tests/roundtrip_$1.log" 2>/dev/null | tail -n 1
}
# Each run's figure is the median of its REPEAT measurements; spread[] is (max - min) / median.
declare -A f spread
missing=()
for r in $runs; do
	vals=()
	for k in $(seq 1 "$REPEAT"); do
		v=$(field "${r}_$k" cycles_per_round_trip)
		if [ -n "$v" ]; then vals+=("$v"); else missing+=("${r}_$k"); fi
	done
	[ ${#vals[@]} -eq "$REPEAT" ] || continue
	read -r "f[$r]" "spread[$r]" < <(printf '%s\n' "${vals[@]}" | sort -g | awk '
		{ v[NR] = $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.1f %.1f%%\n", m, m ? 100 * (v[NR] - v[1]) / m : 0 }')
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }

{
	echo "Nested VMX round trip L2 -> L1 -> L2 (VMCALL), $N round trips per measurement, Bochs,"
	echo "kernel $KERNEL; vmcs12: APIC-access page, TPR shadow, MSR bitmaps, posted interrupts: $(field series_anonymous_1 posted_interrupts)."
	echo "TSC cycles in L1 per round trip, median of $REPEAT interleaved runs (spread: (max - min) / median):"
	printf '  %-10s %14s %8s %14s %8s %12s\n' memory base spread series spread series/base
	for m in anonymous pfnmap nopage; do
		printf '  %-10s %14s %8s %14s %8s %12s\n' "$m" "${f[base_$m]:--}" "${spread[base_$m]:--}" \
			"${f[series_$m]:--}" "${spread[series_$m]:--}" "$(ratio "${f[series_$m]:-}" "${f[base_$m]:-}")"
	done
	for m in pfnmap nopage; do
		printf '  %-10s %14s %8s %14s\n' "$m/anon" "$(ratio "${f[base_$m]:-}" "${f[base_anonymous]:-}")" "" \
			"$(ratio "${f[series_$m]:-}" "${f[series_anonymous]:-}")"
	done
	echo "(base: the booted kernel's own KVM with kvm.allow_unsafe_mappings=1; series: ours;"
	echo " pfnmap: /dev/rig_pfnmap_pages, struct pages; nopage: /dev/rig_nopage, RAM above mem=)"
	echo "results: $RESULTS (program output: vmtest/tests/roundtrip_*.log)"
} | tee "$RESULTS/figures.txt"

[ ${#missing[@]} -eq 0 ] || die "no figure from: ${missing[*]} (see $RESULTS/vmtest/results)"
[ "$rc" -eq 0 ] || die "the rig run failed (see $RESULTS/vmtest/results)"
