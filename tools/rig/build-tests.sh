#!/usr/bin/env bash
# Build static KVM selftests from TREE for the rig, inside the build root.
#
#   tools/rig/build-tests.sh PROG...    PROG as in Makefile.kvm ("x86/state_test"), "rig/NAME"
#                                       for a rig self-test in tools/tests/rig/selftests/, or
#                                       "bench/NAME" for a benchmark in tools/bench/
#
# Prints the output directory; PROG's binary is DIR/PROG. Objects live in a cache directory
# keyed by TREE's HEAD and the state of its uapi headers and selftest sources, so an unchanged
# tree rebuilds nothing and a changed one rebuilds only what make finds out of date. The uapi
# headers are installed out of the source tree (O=), the selftests built with OUTPUT=, so TREE
# is never written to. The VFIO library is left out (no KVM test the rig runs uses it, and it
# needs libuuid, which the build root does not have).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || die "usage: $0 PROG..."
[ -e "$TREE/.git" ] || die "TREE=$TREE is not a git tree; run 'make tree' first"

# The cache key: HEAD plus any uncommitted change to what the selftests are built from.
tree_key() {
	local head dirty
	head=$(git -C "$TREE" rev-parse HEAD) || die "cannot read TREE's HEAD ($TREE)"
	dirty=$(git -C "$TREE" status --porcelain -- include/uapi arch/x86/include/uapi \
		tools/testing/selftests/kvm tools/include tools/arch/x86/include | sha256sum | cut -c1-8)
	echo "${head:0:12}-$dirty"
}

key=$(tree_key)
dir=$RIG_CACHE/selftests/$key
kvm=$TREE/tools/testing/selftests/kvm
log=$KIT_LOGS/rig-selftests.log
mkdir -p "$dir" "$KIT_LOGS"

targets=()
for p in "$@"; do targets+=("$dir/out/$p"); done

# in_root_make MAKE-ARGS...: the selftests' make, in the build root, for the targets.
in_root_make() {
	buildroot run -b "$RIG_CACHE" -b "$TREE" -- bash -euc '
		tree=$1 dir=$2 kvm=$3 cc=$4 rigdir=$5; shift 5
		if [ ! -f "$dir/hdr/usr/include/linux/kvm.h" ]; then
			[ "$1" != -q ] || exit 1
			make -s -C "$tree" O="$dir/hdr-obj" INSTALL_HDR_PATH="$dir/hdr/usr" ARCH=x86_64 \
				HOSTCC="$cc" headers_install
		fi
		make -C "$kvm" -f Makefile -f "$rigdir/rig.mk" \
			OUTPUT="$dir/out" CC="$cc" EXTRA_CFLAGS=-static LDLIBS=-ldl \
			LIBVFIO_O= LIBVFIO_O_DIRS= \
			KHDR_INCLUDES="-isystem $dir/hdr/usr/include" LINUX_HDR_PATH="$dir/hdr/usr/include/" \
			RIG_SRC="$rigdir/../tests/rig/selftests" BENCH_SRC="$rigdir/../bench" "$@"
	' _ "$TREE" "$dir" "$kvm" "$RIG_CC" "$RIG_DIR" "$@"
}

rc=0
# Up to date (make -q): nothing to build, so no need to wait for the machine's build lock (a
# kernel build holds it for many minutes).
if in_root_make -q "${targets[@]}" >/dev/null 2>&1; then
	log "the ${#targets[@]} selftest(s) from TREE ${key} are up to date"
else
	build_lock
	log "building ${#targets[@]} selftest(s) from TREE ${key} (log: $log)"
	in_root_make -k -j"$(nproc)" "${targets[@]}" >"$log" 2>&1 || rc=$?
fi

missing=()
for p in "$@"; do
	[ -x "$dir/out/$p" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	grep -E 'error|Error' "$log" | sed -n 1,20p >&2 || true
	die "test program(s) failed to build: ${missing[*]} (full log: $log)"
fi
[ $rc -eq 0 ] || die "the selftest build failed (full log: $log)"
echo "$dir/out"
