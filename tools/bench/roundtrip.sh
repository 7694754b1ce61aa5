#!/usr/bin/env bash
# The nested VMX round-trip benchmark (tools/bench/vmx_roundtrip.c): base KVM against the series,
# with the pages vmcs12 points at in anonymous memory, in two kinds of VM_PFNMAP memory (pages
# with struct pages, and RAM without struct pages above mem=), with all of L1 in RAM without
# struct pages, and a control without those pages; all in one Bochs run, interleaved.
#
#   tools/bench/roundtrip.sh      (make bench)
#
# Variables: KERNEL=stock|debug (default stock), BENCH_N (measured round trips per figure,
# default 20000), BENCH_REPEAT (how many times each timed run is made, interleaved, in the same
# boot; default 5: the table gives min, median and the spread, (max - min) / median),
# BENCH_COUNT_N (round trips of the runs that count memremap()/memunmap()/iounmap() calls in L0
# with kprobes, made once each; default 2000), BENCH_BASE=kit|booted (default kit: the base
# commit of TREE built by the kit, tools/build.sh, with the flags of our modules; booted: the
# booted kernel's own KVM, which Debian built), BENCH_BASE_ONLY=1 (only build the kit's base
# modules for KERNEL and print their directory, e.g. for a run on real hardware,
# Documentation/benchmark.md), RESULTS (default
# build/bench/roundtrip-<timestamp>), TREE (the series tree our modules and the program are built
# from, as for make modules).
#
# "base" runs on the base modules (BENCH_BASE), loaded with kvm.allow_unsafe_mappings=1 because
# without it the base refuses VM_PFNMAP memory for these pages (shown by
# vmx_vapic_invalidation_test_pfnmap); "series" is our modules, loaded as in every rig run
# (allow_unsafe_mappings=N). Memory: "anonymous"; "pfnmap", the three pages from
# /dev/rig_pfnmap_pages (rig_pfnmap.ko: alloc_pages() mapped with remap_pfn_range(); the base's
# kvm_vcpu_map() kmaps them); "nopage", the three pages from /dev/rig_nopage (rig_nopage.ko: RAM
# above mem=, no struct pages; the base's kvm_vcpu_map() memremaps them); "l1nopage", all of L1
# in /dev/rig_nopage (vmcs12, the MSR bitmap, L1's code and page tables too, vmx_roundtrip -w);
# "control", anonymous memory and no control that names a page (vmx_roundtrip -c). With
# rig_nopage in the list the rig boots the whole run with mem= (tools/rig/boot.sh). The figures
# are TSC cycles in L1 per round trip L2 -> L1 -> L2 (Bochs' TSC follows the instructions it
# executes, L0's included), and the ratios are taken between figures of the same run. Nothing
# here is a pass/fail criterion: the script fails only if a run does not produce its figure, or
# a figure's line does not say the memory, pages and posted interrupts its run asked for.
. "$(dirname "$0")/../lib/common.sh"
. "$KIT_TOP/tools/rig/lib.sh"

KERNEL=${KERNEL:-stock}
N=${BENCH_N:-20000}
[[ $N =~ ^[1-9][0-9]*$ ]] || die "BENCH_N=$N is not a positive number"
REPEAT=${BENCH_REPEAT:-5}
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPEAT=$REPEAT is not a positive number"
COUNT_N=${BENCH_COUNT_N:-2000}
[[ $COUNT_N =~ ^[1-9][0-9]*$ ]] || die "BENCH_COUNT_N=$COUNT_N is not a positive number"
BASE=${BENCH_BASE:-kit}
case $BASE in kit|booted) ;; *) die "BENCH_BASE=$BASE: unknown (kit, booted)" ;; esac
RESULTS=$(realpath -m "${RESULTS:-$KIT_TOP/build/bench/roundtrip-$(date +%Y%m%d-%H%M%S)}")

# The base commit (tools/base.sh, the one the series applies to) as the kit builds it: a tree
# made by tools/series.sh from the base with an empty series, built by tools/build.sh as ours
# are (same Kbuild, sync step, flags), for the kernel the rig boots. Cached by the base commit
# and the kernel; tools/build.sh rebuilds when its inputs change. Its log goes beside it, not
# over the log of our modules.
base_modules() {
	local base top empty
	read -r _ base < <("$KIT_TOP/tools/base.sh" ensure) || die "tools/base.sh ensure failed"
	[ -n "$base" ] || die "tools/base.sh ensure named no base commit"
	if [ "$KERNEL" = stock ]; then
		RIG_KREL=$TARGET_KREL RIG_KDIR=
	else
		rig_kernel "$KERNEL"
	fi
	top=$KIT_CACHE/bench/base-$base
	empty=$top/empty-series
	mkdir -p "$empty"
	: >"$empty/series"
	TREE=$top/linux SERIES=$empty "$KIT_TOP/tools/series.sh" prepare >&2 \
		|| die "could not make a tree of the base commit $base"
	[ "$(git -C "$top/linux" rev-parse HEAD)" = "$base" ] \
		|| die "$top/linux is not at the base commit $base"
	TREE=$top/linux SERIES=$empty KDIR=$RIG_KDIR BUILD_DIR=$top/build KIT_LOGS=$top/logs \
		MODULES_OUT=$top/modules/$RIG_KREL "$KIT_TOP/tools/build.sh" >&2 \
		|| die "the base KVM modules could not be built (tools/build.sh)"
	echo "$top/modules/$RIG_KREL"
}

if [ "${BENCH_BASE_ONLY:-0}" = 1 ]; then
	base_modules
	exit 0
fi
mkdir -p "$RESULTS"
if [ "$BASE" = kit ]; then
	base_dir=$(base_modules)
	export BASE_MODULES=$base_dir
	base_desc="the base commit built by the kit ($base_dir)"
else
	unset BASE_MODULES
	base_desc="the booted kernel's own KVM"
fi

list=$RESULTS/roundtrip.list
mems="anonymous pfnmap nopage l1nopage control"
counted_mems="anonymous nopage l1nopage"
# run_opts MEMORY: the list options and program arguments of a run on MEMORY.
run_opts() {
	case $1 in
	anonymous) echo "|" ;;
	pfnmap) echo "kmod=rig_pfnmap|-m /dev/rig_pfnmap_pages" ;;
	nopage) echo "kmod=rig_nopage|-m /dev/rig_nopage" ;;
	l1nopage) echo "kmod=rig_nopage|-m /dev/rig_nopage -w" ;;
	control) echo "|-c" ;;
	esac
}
# want_memory MEMORY: what the program's memory= says for it.
want_memory() {
	case $1 in
	anonymous|control) echo anonymous ;;
	pfnmap) echo pfnmap:/dev/rig_pfnmap_pages ;;
	nopage) echo pfnmap:/dev/rig_nopage ;;
	l1nopage) echo l1:/dev/rig_nopage ;;
	esac
}
entry() { # NAME KVM MEMORY ARGS...
	local name=$1 kvm=$2 mem=$3 o
	shift 3
	o=$(run_opts "$mem")
	opts="timeout=900 prog=bench/vmx_roundtrip ${o%%|*}"
	[ "$kvm" = base ] && opts="$opts base-kvm=allow_unsafe_mappings=1"
	echo "$name ${opts% } -- $* ${o#*|}"
}
{
	echo "# written by tools/bench/roundtrip.sh"
	for k in $(seq 1 "$REPEAT"); do
		for kvm in base series; do
			for m in $mems; do
				entry "roundtrip_${kvm}_${m}_$k" "$kvm" "$m" -n "$N"
			done
		done
	done
	for kvm in base series; do
		for m in $counted_mems; do
			entry "roundtrip_${kvm}_${m}_count" "$kvm" "$m" -n "$COUNT_N" -k
		done
	done
} | sed 's/  */ /g; s/ $//' >"$list"

rc=0
EMU=bochs KERNEL=$KERNEL VMTEST_LIST=$list RESULTS=$RESULTS/vmtest "$KIT_TOP/tools/rig/vmtest.sh" || rc=$?

# RUN KEY: the value of KEY= in the program's result line ("vmx_roundtrip: ... KEY=VALUE ...").
field() {
	sed -n "s/^vmx_roundtrip: .*\b$2=\([^ ]*\).*/\1/p" \
		"$RESULTS/vmtest/tests/roundtrip_$1.log" 2>/dev/null | tail -n 1
}
# Every figure's line must say what its run asked for; posted interrupts the same in every run
# that has the pages.
missing=() wrong=() pi=
check_run() { # RUN MEMORY
	local run=$1 m=$2 got want p
	got=$(field "$run" memory)
	[ -n "$got" ] || { missing+=("$run"); return 1; }
	want=$(want_memory "$m")
	[ "$got" = "$want" ] || wrong+=("$run: memory=$got, not $want")
	p=$(field "$run" pages)
	if [ "$m" = control ]; then want=no; else want=yes; fi
	[ "$p" = "$want" ] || wrong+=("$run: pages=$p, not $want")
	p=$(field "$run" posted_interrupts)
	if [ "$m" = control ]; then
		[ "$p" = no ] || wrong+=("$run: posted_interrupts=$p in the control")
	elif [ -z "$pi" ]; then
		pi=$p
	elif [ "$p" != "$pi" ]; then
		wrong+=("$run: posted_interrupts=$p, other runs $pi")
	fi
	return 0
}
# Each run's figures: min, median and spread ((max - min) / median) of its REPEAT measurements.
declare -A fmin fmed spread
for kvm in base series; do
	for m in $mems; do
		r=${kvm}_$m vals=()
		for k in $(seq 1 "$REPEAT"); do
			check_run "${r}_$k" "$m" && vals+=("$(field "${r}_$k" cycles_per_round_trip)")
		done
		[ ${#vals[@]} -eq "$REPEAT" ] || continue
		read -r "fmin[$r]" "fmed[$r]" "spread[$r]" < <(printf '%s\n' "${vals[@]}" | sort -g | awk '
			{ v[NR] = $1 }
			END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			      printf "%.1f %.1f %.1f%%\n", v[1], m, m ? 100 * (v[NR] - v[1]) / m : 0 }')
	done
	for m in $counted_mems; do
		check_run "${kvm}_${m}_count" "$m" || true
	done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }

{
	echo "Nested VMX round trip L2 -> L1 -> L2 (VMCALL), Bochs, kernel $KERNEL, $N round trips per"
	echo "measurement, $REPEAT interleaved measurements per figure; vmcs12: APIC-access page, TPR shadow,"
	echo "MSR bitmaps, posted interrupts: ${pi:-?} (every run's line checked)."
	echo "base: $base_desc, kvm.allow_unsafe_mappings=1; series: our modules."
	echo "TSC cycles in L1 per round trip: median (min; spread = (max - min) / median):"
	printf '  %-10s %22s %8s %22s %8s %8s\n' memory base spread series spread ser/base
	for m in $mems; do
		printf '  %-10s %22s %8s %22s %8s %8s\n' "$m" \
			"${fmed[base_$m]:--} (${fmin[base_$m]:--})" "${spread[base_$m]:--}" \
			"${fmed[series_$m]:--} (${fmin[series_$m]:--})" "${spread[series_$m]:--}" \
			"$(ratio "${fmed[series_$m]:-}" "${fmed[base_$m]:-}")"
	done
	echo "Against anonymous memory (medians):"
	for m in pfnmap nopage l1nopage; do
		printf '  %-18s base %6s   series %6s\n' "$m/anonymous" \
			"$(ratio "${fmed[base_$m]:-}" "${fmed[base_anonymous]:-}")" \
			"$(ratio "${fmed[series_$m]:-}" "${fmed[series_anonymous]:-}")"
	done
	echo "Calls in L0 per round trip ($COUNT_N round trips, kprobes; these runs are not timed):"
	printf '  %-10s %-7s %10s %10s %10s\n' memory kvm memremap memunmap iounmap
	for m in $counted_mems; do
		for kvm in base series; do
			printf '  %-10s %-7s %10s %10s %10s\n' "$m" "$kvm" \
				"$(field "${kvm}_${m}_count" memremap)" "$(field "${kvm}_${m}_count" memunmap)" \
				"$(field "${kvm}_${m}_count" iounmap)"
		done
	done
	echo "(pfnmap: /dev/rig_pfnmap_pages, struct pages; nopage: /dev/rig_nopage, RAM above mem=;"
	echo " l1nopage: all of L1 there; control: no vmcs12 pages)"
	echo "command: KERNEL=$KERNEL BENCH_N=$N BENCH_REPEAT=$REPEAT BENCH_COUNT_N=$COUNT_N BENCH_BASE=$BASE tools/bench/roundtrip.sh"
	echo "results: $RESULTS (program output: vmtest/tests/roundtrip_*.log)"
} | tee "$RESULTS/figures.txt"

[ ${#missing[@]} -eq 0 ] || die "no figure from: ${missing[*]} (see $RESULTS/vmtest/results)"
[ ${#wrong[@]} -eq 0 ] || die "runs that did not measure what they asked for: $(printf '%s; ' "${wrong[@]}")"
[ "$rc" -eq 0 ] || die "the rig run failed (see $RESULTS/vmtest/results)"
