#!/usr/bin/env bash
# Build kvm.ko, kvm-intel.ko and kvm-amd.ko out of tree from the synced sources.
#
#   tools/build.sh            build for KDIR (default: Debian's stock 7.3.4+deb13-amd64 headers
#                             inside the build root) into build/modules/<release>/
#
# Variables: KDIR (a prepared kernel tree or headers directory), TREE, USE_BUILDROOT (1: build
# inside the trixie build root, the default; 0: on the host, for a KDIR built with the host's
# compiler), W (passed to kbuild, e.g. W=1), MODULES_OUT (where the modules go: a name of its
# own, so that an OUT in the caller's environment never decides what is replaced), BUILD_DIR (where the
# sources are synced and built; default: the repository top, i.e. its arch/, virt/, include/).
#
# Order: every input is checked (KDIR, versions) before anything is applied or built.
. "$(dirname "$0")/lib/common.sh"

USE_BUILDROOT=${USE_BUILDROOT:-1}
BUILD_DIR=$(realpath -m "${BUILD_DIR:-$KIT_TOP}")
DEFAULT_KDIR=/usr/src/linux-headers-$TARGET_KREL
MODULES=$KIT_MODULES

# Path as seen by the build (inside the build root for the default headers).
kdir_host_path() {
	if [ -z "${KDIR:-}" ]; then
		echo "$("$KIT_TOP/tools/buildroot.sh" path)$DEFAULT_KDIR"
	else
		realpath -m "$KDIR"
	fi
}

check_kdir() {
	local k=$1 what=${KDIR:+KDIR=$KDIR}
	what=${what:-"the default target headers ($DEFAULT_KDIR in the build root)"}
	[ -d "$k" ] || die "$what does not exist"
	[ -f "$k/Makefile" ] || die "$what is not a kernel tree (no Makefile)"
	kdir_release "$k" >/dev/null \
		|| die "$what is not a prepared kernel tree (no include/config/kernel.release); run 'make modules_prepare' in it or install its linux-headers package"
	[ -f "$k/Module.symvers" ] || die "$what has no Module.symvers; build the kernel there first (modules cannot link without it)"
	[ -f "$k/.config" ] || die "$what has no .config"
	grep -q '^CONFIG_KVM=m' "$k/.config" || die "$what is not configured with CONFIG_KVM=m; the kit builds KVM as modules"
}

check_versions() {
	local k=$1 krel tv
	krel=$(kdir_release "$k")
	if [ -n "${KSRC:-}" ]; then
		tv=$(kernel_makefile_version "$KSRC") || die "KSRC=$KSRC is not a kernel source tree (no top-level Makefile with VERSION)"
	else
		tv=$BASE_KVERSION
	fi
	if [ "$(major_minor "$krel")" != "$(major_minor "$tv")" ]; then
		die "the source is Linux $tv${KSRC:+ (KSRC=$KSRC)} but ${KDIR:+KDIR=$KDIR is }the target is $krel: KVM modules must be built from the same kernel version as the target"
	fi
	case $krel in
	"$tv"|"$tv"[-+~]*) ;;
	*) warn "source $tv and target $krel differ in the stable release; building anyway" ;;
	esac
}

# The compiler the target was built with (CONFIG_CC_VERSION_TEXT's first word), if present.
target_cc() {
	local k=$1 cc
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$k/.config")
	echo "${cc:-gcc}"
}

main() {
	local k krel cc out log jobs rc=0 inside
	k=$(kdir_host_path)
	if [ -z "${KDIR:-}" ]; then
		[ "$USE_BUILDROOT" = 1 ] || die "the default target's headers exist only in the build root; set KDIR for USE_BUILDROOT=0"
		"$KIT_TOP/tools/buildroot.sh" ensure >/dev/null
	fi
	check_kdir "$k"
	check_versions "$k"
	krel=$(kdir_release "$k")
	inside=${KDIR:+$k}
	inside=${inside:-$DEFAULT_KDIR}
	cc=$(target_cc "$k")
	out=${MODULES_OUT:-$KIT_TOP/build/modules/$krel}
	log=$KIT_LOGS/modules-$krel.log
	mkdir -p "$KIT_LOGS"
	"$KIT_TOP/tools/series.sh" ensure
	# The one place that decides whether the modules are current: published from this tree's
	# HEAD, with no change in it, for this target (its .config and Module.symvers: the debug
	# kernel keeps its release when its configuration changes) and these flags.
	BUILD_ID=$(build_id "$k")
	local m have=1
	for m in $MODULES; do [ -f "$out/$m.ko" ] || have=0; done
	if [ $have = 1 ] && [ "$(built_for_get "$out" build)" = "$BUILD_ID" ] && [ -z "$(tree_changes)" ]; then
		log "modules for $krel in $out are current (tree $(git -C "$TREE" rev-parse --short HEAD))"
		return 0
	fi
	build_lock
	"$KIT_TOP/tools/sync.sh" "$BUILD_DIR" >/dev/null
	[ "$BUILD_DIR" = "$KIT_TOP" ] || cp "$KIT_TOP/Kbuild" "$BUILD_DIR/Kbuild"
	jobs=$(nproc)
	local make_cmd=(make -C "$inside" M="$BUILD_DIR" -j"$jobs" ${W:+W=$W} modules)
	log "building ${MODULES// /, } for $krel (log: $log)"
	if [ "$USE_BUILDROOT" = 1 ]; then
		local b=()
		[ -n "${KDIR:-}" ] && b+=(-b "$k")
		[ "$BUILD_DIR" = "$KIT_TOP" ] || b+=(-b "$BUILD_DIR")
		"$KIT_TOP/tools/buildroot.sh" run "${b[@]}" -- \
			"${make_cmd[@]}" CC="ccache $cc" HOSTCC="$cc" >"$log" 2>&1 || rc=$?
	else
		command -v "$cc" >/dev/null 2>&1 || cc=gcc
		"${make_cmd[@]}" CC="$cc" >"$log" 2>&1 || rc=$?
	fi
	if [ $rc -ne 0 ]; then
		grep -E 'error|Error' "$log" | sed -n 1,20p >&2 || true
		die "the module build failed for $krel (full log: $log)"
	fi
	check_and_collect "$k" "$krel" "$out"
}

# build_id KDIR: what the modules are made from: TREE's HEAD, the target's configuration and
# symbol versions, the kit's Kbuild and sync step, W, the compiler mode.
build_id() {
	{
		git -C "$TREE" rev-parse HEAD 2>/dev/null || echo unknown
		sha256sum "$1/.config" "$1/Module.symvers" "$KIT_TOP/Kbuild" "$KIT_TOP/tools/sync.sh" | cut -d' ' -f1
		echo "W=${W:-} USE_BUILDROOT=$USE_BUILDROOT"
	} | sha256sum | cut -c1-16
}

# Uncommitted changes in TREE's KVM sources (then the modules are always rebuilt).
tree_changes() {
	git -C "$TREE" status --porcelain -- arch/x86/kvm virt/kvm arch/x86/include include 2>/dev/null
}

# Every module must exist and carry the target's vermagic; only then are they published.
check_and_collect() {
	local k=$1 krel=$2 out=$3 m f vm tmp
	tmp=$out.tmp.$$
	rm -rf "$tmp"; mkdir -p "$tmp"
	for m in $MODULES; do
		f=$BUILD_DIR/arch/x86/kvm/$m.ko
		[ -f "$f" ] || { rm -rf "$tmp"; die "$m.ko was not built (see $KIT_LOGS/modules-$krel.log)"; }
		vm=$(modinfo_field vermagic "$f")
		case $vm in
		"$krel "*) ;;
		*) rm -rf "$tmp"; die "$m.ko has vermagic '$vm', which does not match the target $krel" ;;
		esac
		cp "$f" "$tmp/"
	done
	printf 'release=%s\nvermagic=%s\ntree=%s\nbuild=%s\n' "$krel" "$vm" \
		"$(git -C "$TREE" rev-parse HEAD 2>/dev/null || echo unknown)" "$BUILD_ID" >"$tmp/BUILT-FOR"
	rm -rf "$out"; mkdir -p "$(dirname "$out")"; mv "$tmp" "$out"
	log "vermagic matches the target: $vm"
	log "modules for $krel in $out"
}

# modinfo without depending on the host's kmod: read the .modinfo section.
modinfo_field() {
	local field=$1 f=$2
	objcopy -O binary --only-section=.modinfo "$f" /dev/stdout 2>/dev/null \
		| tr '\0' '\n' | sed -n "s/^$field=//p" | sed -n 1p
}

main "$@"
