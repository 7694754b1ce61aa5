#!/usr/bin/env bash
# The project's own kernels, built from the base (never the series: the series changes only the
# KVM modules, which are built out of tree against these), cached by configuration.
#
#   tools/kernel/build.sh stock|debug          build if needed; print the O= directory
#   tools/kernel/build.sh config stock|debug   only configure and check; print the .config path
#   tools/kernel/build.sh path stock|debug     print the O= directory (no side effect)
#
#   stock  the project configuration (tools/kernel/kvm.config): every KVM option, KVM_WERROR
#   debug  stock + tools/kernel/debug.config: lockdep, KASAN, UBSAN, KFENCE, atomic-sleep, ...
#
# Configuration: x86_64_defconfig, then scripts/kconfig/merge_config.sh with the base tree's
# kernel/configs/kvm_guest.config, tools/kernel/base-trim.config, kvm.config [, debug.config],
# then olddefconfig. Every line of our fragments must survive into the final .config (Kconfig
# drops unmet requests silently); a dropped one fails, naming the option.
#
# The O= directory, $KIT_CACHE/kernels/<flavour>-<key>, is keyed by the base commit, the
# fragments, the build root (compiler) and this script's recipe version. It holds bzImage
# (arch/x86/boot/bzImage), a prepared tree usable as KDIR for tools/build.sh (Makefile, .config,
# include/config/kernel.release, Module.symvers, scripts, objtool) and the in-tree modules
# installed under mod/ (lib/modules/<release>/..., stripped; irqbypass.ko among them).
# A build is complete only when the directory holds .kit-built; an interrupted one resumes
# (make is incremental) on the next call. Compiles run in the trixie build root with ccache and
# under build_lock.
#
# The fragments (tools/kernel/*.config) came from tools/kconfig/, and this script from
# tools/gates/kernel.sh; the first comment of kvm.config and debug.config still names those
# paths. The cache key hashes the fragments' bytes, so rewording them would rebuild both kernels
# for nothing: they are corrected with the next change of an option.
. "$(dirname "$0")/../lib/common.sh"
# The gates' helpers: the config fragments (flavour_fragments, check_config) and kmake.
# shellcheck source=../gates/lib.sh
. "$(dirname "$0")/../gates/lib.sh"

RECIPE=1

usage() { die "usage: $0 stock|debug | config stock|debug | path stock|debug"; }

# The cache key: everything the kernel's bytes depend on.
kernel_key() { # FLAVOUR
	local f
	{
		echo "recipe=$RECIPE flavour=$1 base=$BASE_COMMIT buildroot=$(basename "$(buildroot path)")"
		for f in $(flavour_fragments "$1"); do
			case $f in
			base:*) echo "$f" ;;  # part of the base commit
			*) echo "== $(basename "$f")"; cat "$f" ;;
			esac
		done
	} | sha256sum | cut -c1-16
}

setup() { # FLAVOUR
	FLAVOUR=$1
	flavour_fragments "$FLAVOUR" >/dev/null
	read -r BASE_REPO BASE_COMMIT < <("$KIT_TOP/tools/base.sh" ensure)
	KOUT=$KERNELS/$FLAVOUR-$(kernel_key "$FLAVOUR")
	FRAGS=()
	local f
	for f in $(flavour_fragments "$FLAVOUR"); do
		case $f in base:*) FRAGS+=("$BASE_REPO/${f#base:}") ;; *) FRAGS+=("$f") ;; esac
	done
	OURS=()
	for f in "${FRAGS[@]}"; do
		case $f in "$KCONFIG_DIR"/*) OURS+=("$f") ;; esac
	done
}

check_base_tree() {
	[ "$(git -C "$BASE_REPO" rev-parse HEAD)" = "$BASE_COMMIT" ] \
		|| die "the base repository $BASE_REPO is not checked out at the base commit $BASE_COMMIT"
	[ -z "$(git -C "$BASE_REPO" status --porcelain --untracked-files=normal 2>/dev/null | sed -n 1p)" ] \
		|| die "the base repository $BASE_REPO has changes or untracked files; out-of-tree (O=) kernel builds need a clean source tree (git -C $BASE_REPO status)"
}

# make in the build root, in the base tree, output in KOUT.
kmake() {
	buildroot run -b "$KERNELS" -- make -C "$BASE_REPO" O="$KOUT" ARCH=x86_64 LOCALVERSION= \
		CC="ccache $GATES_CC" HOSTCC="ccache $GATES_CC" -j"$(nproc)" "$@"
}

configure() {
	local log=$KIT_LOGS/kernel-$FLAVOUR.log
	if [ -f "$KOUT/.kit-configured" ] && [ -f "$KOUT/.config" ]; then
		return 0
	fi
	mkdir -p "$KOUT" "$KIT_LOGS"
	log "configuring the $FLAVOUR kernel in $KOUT (log: $log)"
	{
		kmake defconfig &&
		buildroot run -b "$KERNELS" -- env ARCH=x86_64 SRCARCH=x86 \
			"$BASE_REPO/scripts/kconfig/merge_config.sh" -m -O "$KOUT" "$KOUT/.config" "${FRAGS[@]}" &&
		kmake olddefconfig
	} >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "configuring the $FLAVOUR kernel failed (log: $log)"; }
	local bad
	if ! bad=$(check_config "$KOUT/.config" "${OURS[@]}"); then
		echo "$bad" | sed 's/^/    /' >&2
		die "the $FLAVOUR kernel configuration lacks $(echo "$bad" | wc -l) requested option(s) (above); fix tools/kernel/*.config"
	fi
	: >"$KOUT/.kit-configured"
}

build() {
	local log=$KIT_LOGS/kernel-$FLAVOUR.log start rel
	if [ -f "$KOUT/.kit-built" ]; then
		echo "$KOUT"
		return 0
	fi
	build_lock
	check_base_tree
	configure
	start=$(date +%s)
	log "building the $FLAVOUR kernel (bzImage, modules) in $KOUT (log: $log)"
	if ! kmake bzImage modules >>"$log" 2>&1; then
		grep -E 'error|Error' "$log" | sed -n 1,20p >&2 || true
		die "the $FLAVOUR kernel build failed (log: $log); rerun to resume it"
	fi
	rm -rf "$KOUT/mod"
	kmake INSTALL_MOD_PATH="$KOUT/mod" INSTALL_MOD_STRIP=1 DEPMOD=true modules_install >>"$log" 2>&1 \
		|| die "modules_install of the $FLAVOUR kernel failed (log: $log)"
	for f in arch/x86/boot/bzImage Module.symvers include/config/kernel.release; do
		[ -s "$KOUT/$f" ] || die "the $FLAVOUR kernel build left no $f in $KOUT (log: $log)"
	done
	grep -q '^CONFIG_KVM=m' "$KOUT/.config" || die "$KOUT/.config has no CONFIG_KVM=m"
	rel=$(cat "$KOUT/include/config/kernel.release")
	printf 'flavour=%s\nrelease=%s\nbase=%s\nseconds=%s\n' "$FLAVOUR" "$rel" "$BASE_COMMIT" "$(since "$start")" >"$KOUT/.kit-built"
	log "$FLAVOUR kernel $rel built in $(since "$start")s: $KOUT"
	echo "$KOUT"
}

case ${1:-} in
stock|debug) need_root "building a kernel in the build root"; setup "$1"; build ;;
config)
	[ -n "${2:-}" ] || usage
	need_root "configuring a kernel in the build root"
	setup "$2"
	if [ ! -f "$KOUT/.kit-configured" ]; then
		build_lock
		check_base_tree
		configure
	fi
	echo "$KOUT/.config"
	;;
path) [ -n "${2:-}" ] || usage; setup "$2"; echo "$KOUT" ;;
*) usage ;;
esac
