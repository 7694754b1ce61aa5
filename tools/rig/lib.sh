# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables set here are the sourcing scripts'
# Helpers of the test rig (tools/rig/*.sh). Source it after tools/lib/common.sh; it sources
# tools/lib/fetch.sh itself (the rig's scripts need not).
#
# Everything the rig builds or downloads is cached under $KIT_CACHE/rig, keyed by what it was
# made from, and published atomically (NAME.tmp.PID, then rename), like the rest of the kit. The
# stock kernel's packages are fetched and its directory published by the helpers of
# tools/lib/fetch.sh (fetch_pinned_deb, cache_publish).

# shellcheck source=../lib/fetch.sh
. "$KIT_TOP/tools/lib/fetch.sh"

RIG_DIR=$KIT_TOP/tools/rig
RIG_CACHE=$KIT_CACHE/rig
# Absolute: the selftests are built with make -C, in another directory.
case $TREE in /*) ;; *) TREE=$PWD/$TREE ;; esac
export TREE

# The stock kernel the rig boots: Debian's own build of the base.
RIG_KREL=$TARGET_KREL
RIG_KVERSION=$BASE_VERSION
RIG_KPKG_BINARY=linux-binary-$RIG_KREL
RIG_KPKG_MODULES=linux-modules-$RIG_KREL

RIG_CC=$KIT_CC

buildroot() {
	"$KIT_TOP/tools/buildroot.sh" "$@"
}

# kernel_dir: the stock kernel (vmlinuz, config, and the modules tree), extracted once into
# the cache; prints its directory.
kernel_dir() {
	cache_publish "$RIG_CACHE/kernel/${RIG_KREL}_${RIG_KVERSION}" extract_stock_kernel
}

# extract_stock_kernel TMP: kernel_dir's builder (cache_publish renames TMP when it succeeds).
# The packages are Debian's $RIG_KVERSION, pinned in PKG_SHA256 of tools/pins.conf.
extract_stock_kernel() {
	local tmp=$1 bin mods vmlinuz mdir
	bin=$(fetch_pinned_deb "$RIG_KPKG_BINARY" "$RIG_KVERSION" "${PKG_SHA256[$RIG_KPKG_BINARY]:-}")
	mods=$(fetch_pinned_deb "$RIG_KPKG_MODULES" "$RIG_KVERSION" "${PKG_SHA256[$RIG_KPKG_MODULES]:-}")
	mkdir -p "$tmp/x"
	log "extracting the stock kernel $RIG_KREL ($RIG_KVERSION) into ${tmp%.tmp.*}"
	buildroot run -b "$RIG_CACHE" -- bash -euc '
		dpkg-deb -x "$1" "$3/x"
		dpkg-deb -x "$2" "$3/x"' _ "$bin" "$mods" "$tmp" \
		|| die "could not extract $bin / $mods"
	vmlinuz=$(find "$tmp/x" -path "*/modules/$RIG_KREL/vmlinuz" -o -name "vmlinuz-$RIG_KREL" | sed -n 1p)
	[ -n "$vmlinuz" ] || die "$RIG_KPKG_BINARY has no vmlinuz for $RIG_KREL"
	cp "$vmlinuz" "$tmp/vmlinuz"
	mkdir -p "$tmp/lib/modules"
	mdir=$(find "$tmp/x" -type d -path "*/modules/$RIG_KREL" | sed -n 1p)
	[ -n "$mdir" ] && [ -d "$mdir/kernel" ] || die "$RIG_KPKG_MODULES has no modules for $RIG_KREL"
	mv "$mdir" "$tmp/lib/modules/$RIG_KREL"
	rm -rf "$tmp/x"
	# The package leaves modules.dep to the postinst's depmod: make it here.
	buildroot run -b "$RIG_CACHE" -- depmod -b "$tmp" "$RIG_KREL" 2>/dev/null \
		|| die "depmod failed for the stock kernel's modules"
}

# rig_kernel stock|debug: the kernel the rig boots. Sets RIG_KREL (its release), RIG_VMLINUZ,
# RIG_MODROOT (a directory holding lib/modules/$RIG_KREL with its own modules) and RIG_KDIR (the
# KDIR our modules are built against; empty for the stock kernel, whose headers are the default
# target). The debug kernel is the project's own build (tools/kernel/build.sh debug), made on
# first use and cached.
rig_kernel() {
	local dir
	case $1 in
	stock)
		dir=$(kernel_dir)
		RIG_KREL=$TARGET_KREL RIG_VMLINUZ=$dir/vmlinuz RIG_MODROOT=$dir RIG_KDIR=
		;;
	debug)
		dir=$("$KIT_TOP/tools/kernel/build.sh" debug) || die "the debug kernel could not be built (tools/kernel/build.sh debug)"
		RIG_KREL=$(cat "$dir/include/config/kernel.release")
		RIG_VMLINUZ=$dir/arch/x86/boot/bzImage RIG_MODROOT=$dir/mod RIG_KDIR=$dir
		[ -f "$RIG_VMLINUZ" ] && [ -d "$RIG_MODROOT/lib/modules/$RIG_KREL" ] \
			|| die "the debug kernel in $dir lacks bzImage or its installed modules"
		;;
	*) die "KERNEL=$1: unknown kernel (known: stock, debug)" ;;
	esac
}

# guest_module NAME DEST: copy the booted kernel's module NAME (decompressed) to DEST. Returns 1
# when that kernel has NAME built in (nothing to load).
guest_module() {
	local name=$1 dest=$2 mdir=$RIG_MODROOT/lib/modules/$RIG_KREL f
	f=$(find "$mdir/kernel" \( -name "$name.ko" -o -name "$name.ko.xz" \) | sed -n 1p)
	if [ -z "$f" ]; then
		grep -q "/$name.ko\$" "$mdir/modules.builtin" 2>/dev/null && return 1
		die "the $KERNEL kernel ($RIG_KREL) has no module $name, built in or not"
	fi
	case $f in
	*.xz) xz -dc "$f" >"$dest" ;;
	*) cp "$f" "$dest" ;;
	esac
}

# Test names: a test is named by the basename of its program ("state_test"); its program is
# the path under tools/testing/selftests/kvm given by Makefile.kvm ("x86/state_test").
# all_selftests: every x86 test program of TREE, as paths.
all_selftests() {
	local mk=$TREE/tools/testing/selftests/kvm/Makefile.kvm
	[ -f "$mk" ] || die "TREE=$TREE has no tools/testing/selftests/kvm/Makefile.kvm; run 'make tree' first"
	# "+=" lines and the first, "=" (TEST_GEN_PROGS_COMMON = demand_paging_test); not the
	# "TEST_GEN_PROGS_x86 = $(TEST_GEN_PROGS_COMMON)" that includes the common ones.
	sed -n 's/^TEST_GEN_PROGS_\(x86\|COMMON\)[[:space:]]*+\{0,1\}=[[:space:]]*\([^$[:space:]][^[:space:]]*\).*/\2/p' "$mk" | sort -u
}

# selftest_path NAME: the program path of a test name, or nothing.
selftest_path() {
	local name=$1
	# (awk reads to the end: an early exit would kill all_selftests with SIGPIPE, under pipefail.)
	all_selftests | awk -v n="$name" '!f { b = $0; sub(/.*\//, "", b); if (b == n || $0 == n) { print; f = 1 } }'
}
