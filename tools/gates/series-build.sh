#!/usr/bin/env bash
# Build every patch of SERIES, one at a time, the way the bisect and warnings gates need it.
# Not a gate itself: tools/gates/bisect.sh and warnings.sh call it, and whichever runs first
# does the work; the other reuses the results (keyed by the series, the base, the project
# configuration, this recipe, the build root, the compiler and the checkers), which are also
# kept for the machine's other clones in GATES_CACHE (~/.cache/kvm-series/gates/builds). Prints
# the results directory:
#
#   0000.log, 0000.rc            the base: make W=1 arch/x86/kvm/ (every KVM object, virt/kvm
#                                included: arch/x86/kvm/Makefile builds virt/kvm's objects)
#   NNNN.patch                   the name of patch NNNN
#   NNNN.apply                   git am's reason, when patch NNNN did not apply (nothing after it)
#   NNNN.log, NNNN.rc            make W=1 C=1 arch/x86/kvm/ after patch NNNN: incremental, so
#                                sparse (C=1) checks exactly what the patch made recompile
#   NNNN.selftests.log/.rc       make -C tools/testing/selftests/kvm, incremental, when the
#                                series touches what the selftests are built from
#   cocci.files, cocci.log       coccicheck MODE=report on the KVM .c files the series changes
#                                (final tree; kbuild's C=1 mode, one file at a time)
#   objects                      the objects the configuration puts into kvm.ko, kvm-intel.ko, kvm-amd.ko
#   seconds                      how long the build took
#   done                         all of the above is complete
#
# Scratch tree: build/gates/src (a clone of the base sharing its objects); output:
# build/gates/obj (O=, reused across runs so that only what a patch touches recompiles; ccache
# makes the rest cheap). Compiles run in the build root under build_lock.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

SELFTESTS_OUT=$GATES_WORK/obj-selftests

patches=$(gate_patches)
[ -n "$patches" ] || die "the series ($SERIES) has no patches"
base_info
cfg=$("$KIT_TOP/tools/kernel/build.sh" config stock)
checker_tools

br=$(buildroot path)
key=$({
	echo "recipe=$GATES_RECIPE base=$BASE_COMMIT selftests=${GATES_SELFTESTS:-auto}"
	echo "buildroot=$br cc=$GATES_CC sparse=$SPARSE_DIR cocci=$COCCI_DIR"
	sha256sum "$cfg" "$KIT_TOP/tools/gates/series-build.sh" "$GATES_DIR/lib.sh" \
		"$KIT_TOP/tools/buildroot.sh" | cut -d' ' -f1
	cat "$SERIES/series"
	for p in $patches; do cat "$SERIES/$p"; done
} | sha256sum | cut -c1-16)
RES=$GATES_WORK/builds/$key
# The results are also kept in the machine cache (GATES_CACHE), for every clone of this machine:
# text files (the logs, the exit codes, the objects built) whose paths into this clone's
# scratch directory are stored as @GATES_WORK@. The key covers what decides them.
CACHED=$GATES_CACHE/$key

# swap_path FROM TO <IN >OUT: every FROM replaced by TO, both taken literally.
swap_path() {
	[ -n "$1" ] || return 1
	FROM=$1 TO=$2 LC_ALL=C awk '{
		out = ""
		while ((i = index($0, ENVIRON["FROM"])) > 0) {
			out = out substr($0, 1, i - 1) ENVIRON["TO"]
			$0 = substr($0, i + length(ENVIRON["FROM"]))
		}
		print out $0
	}'
}

# copy_results FROM-DIR TO-DIR FROM-PATH TO-PATH: the results of FROM-DIR in TO-DIR, written
# whole in a temporary directory first and "done" last, so that a reader never finds a partial
# set marked done. Returns 1, leaving nothing behind, on any failure (it runs where set -e does
# not apply) or if TO-DIR exists.
copy_results() {
	local from=$1 to=$2 f tmp=$2.tmp.$$
	rm -rf "$tmp" && mkdir -p "$tmp" || return 1
	for f in "$from"/*; do
		[ "${f##*/}" != "done" ] || continue
		{ [ -f "$f" ] && swap_path "$3" "$4" <"$f" >"$tmp/${f##*/}"; } || { rm -rf "$tmp"; return 1; }
	done
	{ : >"$tmp/done" && mv -T "$tmp" "$to"; } || { rm -rf "$tmp"; return 1; }
}

# restore_cached: the cached results into RES, if the cache has them; 1 if not (then build).
restore_cached() {
	[ -f "$CACHED/done" ] || return 1
	rm -rf "$RES" && mkdir -p "${RES%/*}" || return 1
	copy_results "$CACHED" "$RES" @GATES_WORK@ "$GATES_WORK" || return 1
	log "gates: reusing the series build of $(date -r "$CACHED/done" '+%F %T') ($CACHED)"
}

if [ -f "$RES/done" ] || restore_cached; then
	echo "$RES"
	exit 0
fi

# Do the selftests depend on anything the series changes?
selftests_affected() {
	local p
	[ "${GATES_SELFTESTS:-auto}" = always ] && return 0
	[ "${GATES_SELFTESTS:-auto}" = never ] && return 1
	for p in $patches; do
		grep -E '^diff --git a/(tools/|include/uapi/|arch/x86/include/uapi/|scripts/)' "$SERIES/$p" >/dev/null && return 0
	done
	return 1
}

build_kvm() { # NNNN [C=1 ...]
	local n=$1 rc=0
	shift
	kmake -k W=1 "$@" arch/x86/kvm/ >"$RES/$n.log" 2>&1 || rc=$?
	echo "$rc" >"$RES/$n.rc"
	return 0
}

# Without the VFIO library: it needs libuuid, which the build root does not have. So the programs
# that use it (irq_test) are left out, and LDLIBS drops Makefile.kvm's -luuid (as tools/rig does).
selftest_targets() {
	local kvm=$SRC/tools/testing/selftests/kvm p
	sed -n 's/^TEST_GEN_PROGS_\(x86\|COMMON\)[[:space:]]*+=[[:space:]]*\([^[:space:]]*\).*/\2/p' \
		"$kvm/Makefile.kvm" | sort -u | while read -r p; do
		[ -f "$kvm/$p.c" ] && grep -q vfio "$kvm/$p.c" && continue
		echo "$SELFTESTS_OUT/$p"
	done
}

build_selftests() { # NNNN
	local n=$1 rc=0 targets
	targets=$(selftest_targets)
	# shellcheck disable=SC2086 # $targets is a list of paths
	{
		kmake headers &&
		inroot make -C "$SRC/tools/testing/selftests/kvm" -j"$(nproc)" OUTPUT="$SELFTESTS_OUT" \
			CC="ccache $GATES_CC" LIBVFIO_O= LIBVFIO_O_DIRS= LDLIBS=-ldl \
			KHDR_INCLUDES="-isystem $OBJ/usr/include" LINUX_HDR_PATH="$OBJ/usr/include/" \
			$targets
	} >"$RES/$n.selftests.log" 2>&1 || rc=$?
	echo "$rc" >"$RES/$n.selftests.rc"
	return 0
}

build_lock
# Another run may have built it while this one waited for the lock.
if [ -f "$RES/done" ] || restore_cached; then
	echo "$RES"
	exit 0
fi
rm -rf "$RES"
mkdir -p "$RES" "$OBJ"
start=$(date +%s)
scratch_tree "$SRC"
write_checker_wrappers
log "gates: preparing $OBJ (project configuration, modules_prepare)"
prepare_obj "$cfg" "$RES/prepare.log"
log "gates: building the base's KVM objects (W=1)"
build_kvm 0000
if [ "$(cat "$RES/0000.rc")" != 0 ]; then
	grep -E 'error' "$RES/0000.log" | sed -n 1,10p >&2 || true
	die "the base itself does not build with the project configuration (log: $RES/0000.log)"
fi
selftests=0
if selftests_affected; then
	selftests=1
	log "gates: building the base's KVM selftests"
	build_selftests 0000
	[ "$(cat "$RES/0000.selftests.rc")" = 0 ] \
		|| die "the base's KVM selftests do not build (log: $RES/0000.selftests.log)"
else
	echo "the series changes nothing the KVM selftests are built from (tools/, uapi headers, scripts/)" >"$RES/selftests.skipped"
fi
i=0
for p in $patches; do
	i=$((i + 1))
	n=$(printf '%04d' "$i")
	echo "$p" >"$RES/$n.patch"
	if ! am_one "$SRC" "$SERIES/$p" >"$RES/$n.apply" 2>&1; then
		log "gates: $p does not apply; the patches after it are not built"
		break
	fi
	rm -f "$RES/$n.apply"
	log "gates: building $p (W=1, sparse on what it recompiles)"
	build_kvm "$n" C=1 CHECK="$GATES_WORK/bin/sparse"
	if [ $selftests = 1 ]; then
		log "gates: building the KVM selftests after $p"
		build_selftests "$n"
	fi
done
# Coccinelle on the final tree, on the KVM C files the series changes (kbuild's C=1 checks
# what recompiles: touch exactly those).
if [ ! -f "$RES/$n.apply" ]; then
	changed=$(git -C "$SRC" diff --name-only "$BASE_COMMIT" HEAD -- 'arch/x86/kvm/*.c' 'virt/kvm/*.c')
	echo "$changed" >"$RES/cocci.files"
	if [ -n "$changed" ]; then
		log "gates: coccicheck (MODE=report) on $(echo "$changed" | wc -w) changed file(s)"
		(cd "$SRC" && xargs touch <<<"$changed")
		rc=0
		kmake W=1 C=1 CHECK="$GATES_WORK/bin/cocci" arch/x86/kvm/ >"$RES/cocci.log" 2>&1 || rc=$?
		echo "$rc" >"$RES/cocci.rc"
	fi
fi
# The KVM objects the configuration puts into the modules (tools/gates/bisect.sh checks the
# optional ones); kbuild rewrites the .mod files on every build, stale objects are not in them.
for f in "$OBJ"/arch/x86/kvm/{kvm,kvm-intel,kvm-amd}.mod; do
	[ ! -f "$f" ] || cat "$f"
done | LC_ALL=C sort >"$RES/objects"
since "$start" >"$RES/seconds"
: >"$RES/done"
# Publish once (still under build_lock): an entry that exists is never replaced.
# Not a failure of the build if it cannot be kept.
if [ ! -d "$CACHED" ]; then
	clean_stale_tmp "$CACHED"
	if ! { mkdir -p "$GATES_CACHE" && copy_results "$RES" "$CACHED" "$GATES_WORK" @GATES_WORK@; }; then
		warn "could not keep the series build in $CACHED"
	fi
fi
echo "$RES"
