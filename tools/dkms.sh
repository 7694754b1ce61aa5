#!/usr/bin/env bash
# DKMS source tree, and install/uninstall of the built modules.
#
#   tools/dkms.sh source      write build/dkms/kvm-series-<version>/ (dkms.conf, Kbuild, Makefile,
#                             synced sources): `dkms add` + `dkms build` work on it as it is
#   tools/dkms.sh install     copy build/modules/<RELEASE>/*.ko to
#                             $DESTDIR/lib/modules/<RELEASE>/updates/dkms and run depmod
#   tools/dkms.sh uninstall   remove exactly what install put there
#
# RELEASE defaults to the running kernel (uname -r). install refuses when the modules were not
# built for RELEASE. The in-tree modules (kernel/arch/x86/kvm/) are never touched: updates/
# takes precedence over them in depmod's search order, and uninstall brings them back.
. "$(dirname "$0")/lib/common.sh"

MODULES=$KIT_MODULES
PACKAGE=kvm-series

package_version() {
	# The base's kernel version plus the tree's commit: a new series is a new DKMS version.
	local v h
	v=$(kernel_makefile_version "$TREE") || die "no tree at $TREE; run 'make tree' first"
	h=$(git -C "$TREE" rev-parse --short=12 HEAD 2>/dev/null || echo 0)
	echo "$v+$h"
}

source_tree() {
	local ver out tmp
	ver=$(package_version)
	out=$KIT_TOP/build/dkms/$PACKAGE-$ver
	tmp=$out.tmp.$$
	rm -rf "$KIT_TOP/build/dkms"
	mkdir -p "$tmp"
	"$KIT_TOP/tools/sync.sh" "$tmp" >/dev/null
	cp "$KIT_TOP/Kbuild" "$tmp/Kbuild"
	cp "$KIT_TOP/tools/dkms/Makefile" "$tmp/Makefile"
	# dkms.conf's BUILD_EXCLUSIVE_KERNEL names Linux 7.3: refuse a tree (KSRC) of another version.
	[ "$(major_minor "$ver")" = 7.3 ] || { rm -rf "$tmp"; die "dkms.conf is written for Linux 7.3, the tree is $ver"; }
	sed -e "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$ver\"/" "$KIT_TOP/dkms.conf" >"$tmp/dkms.conf"
	mv "$tmp" "$out"
	log "DKMS source tree: $out"
	echo "$out"
}

release() {
	echo "${RELEASE:-$(uname -r)}"
}

install_modules() {
	local rel built dir m
	rel=$(release)
	built=$KIT_TOP/build/modules/$rel
	if [ ! -f "$built/BUILT-FOR" ]; then
		local have
		have=$(ls "$KIT_TOP/build/modules" 2>/dev/null | tr '\n' ' ')
		die "no modules built for kernel $rel${have:+ (built for: $have)}; build for it (make KDIR=/lib/modules/$rel/build) or name the kernel with RELEASE=<release>"
	fi
	[ "$(built_for_get "$built" release)" = "$rel" ] || die "$built was not built for $rel"
	for m in $MODULES; do
		[ -f "$built/$m.ko" ] || die "$built/$m.ko is missing; rebuild with make"
	done
	[ -n "${DESTDIR:-}" ] || need_root "make install"
	dir=${DESTDIR:-}/lib/modules/$rel/updates/dkms
	[ -d "${DESTDIR:-}/lib/modules/$rel" ] || die "${DESTDIR:-}/lib/modules/$rel does not exist: kernel $rel is not installed here"
	mkdir -p "$dir"
	for m in $MODULES; do
		if [ -f "$dir/$m.ko" ] && ! grep -q "^$m.ko " "$dir/.$PACKAGE.manifest" 2>/dev/null; then
			die "$dir/$m.ko exists and was not installed by this kit (a DKMS package?); remove it first"
		fi
	done
	: >"$dir/.$PACKAGE.manifest.tmp"
	for m in $MODULES; do
		install -m 0644 "$built/$m.ko" "$dir/$m.ko"
		echo "$m.ko $(sha256_of "$dir/$m.ko")" >>"$dir/.$PACKAGE.manifest.tmp"
	done
	mv "$dir/.$PACKAGE.manifest.tmp" "$dir/.$PACKAGE.manifest"
	run_depmod "$rel"
	log "installed ${MODULES// /, } for $rel into $dir"
}

uninstall_modules() {
	local rel dir name sum
	rel=$(release)
	dir=${DESTDIR:-}/lib/modules/$rel/updates/dkms
	[ -f "$dir/.$PACKAGE.manifest" ] || die "nothing of $PACKAGE is installed for $rel (no $dir/.$PACKAGE.manifest)"
	[ -n "${DESTDIR:-}" ] || need_root "make uninstall"
	while read -r name sum; do
		if [ -f "$dir/$name" ] && [ "$(sha256_of "$dir/$name")" != "$sum" ]; then
			warn "$dir/$name changed since it was installed; leaving it"
			continue
		fi
		rm -f "$dir/$name"
	done <"$dir/.$PACKAGE.manifest"
	rm -f "$dir/.$PACKAGE.manifest"
	rmdir "$dir" 2>/dev/null || true
	run_depmod "$rel"
	log "removed $PACKAGE's modules for $rel"
}

run_depmod() {
	local rel=$1
	command -v depmod >/dev/null 2>&1 || command -v /sbin/depmod >/dev/null 2>&1 || { warn "depmod not found; run it yourself"; return 0; }
	if [ -n "${DESTDIR:-}" ]; then
		PATH=$PATH:/sbin depmod -b "$DESTDIR" -a "$rel" 2>/dev/null || warn "depmod -b $DESTDIR failed"
	else
		PATH=$PATH:/sbin depmod -a "$rel"
	fi
}

case ${1:-} in
source) source_tree ;;
install) install_modules ;;
uninstall) uninstall_modules ;;
*) die "usage: $0 source|install|uninstall" ;;
esac
