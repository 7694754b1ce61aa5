#!/usr/bin/env bash
# The trixie build root: Debian's 7.3.4 headers only work with trixie's toolchain (gcc-14,
# glibc >= 2.38), so every build of the kit runs inside a debootstrapped trixie tree.
#
#   tools/buildroot.sh ensure          create it if needed (cached, keyed by pins), print its path
#   tools/buildroot.sh path            print its path (no side effect)
#   tools/buildroot.sh run [-b DIR]... -- CMD...
#                                      run CMD inside it, with the repository, the caches and
#                                      each -b DIR bind-mounted at their own paths
#
# The host's apt configuration is never touched: the build root has its own sources.list and
# verifies Debian's signatures with the keyring debootstrap installed into it. The kit's other
# downloads of .debs are made through it by tools/lib/fetch.sh (fetch_pinned_deb); here apt
# installs the target headers into the new root, and fetch.sh's deb_verify checks them first.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/fetch.sh"

buildroot_key() {
	{ grep -E '^(BUILDROOT_|TARGET_|DEBIAN_MIRROR)' "$KIT_TOP/tools/pins.conf"
	  grep -E '^  \[linux-(headers|kbuild)' "$KIT_TOP/tools/pins.conf"; } | sha256sum | cut -c1-12
}

BUILDROOT=$KIT_CACHE/buildroot/$BUILDROOT_SUITE-$(buildroot_key)

host_deps() {
	local missing=() p
	for p in $HOST_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing host packages: ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
	log "installing host packages: ${missing[*]}"
	apt-get update -qq || die "apt-get update failed; check the network access to Debian's mirror"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
		|| die "could not install host packages: ${missing[*]}"
}

# Run a command in the build root, in a private mount namespace (nothing leaks on the host's
# mount table, even when interrupted).
run_in() {
	local root=$1; shift
	local binds=()
	while [ $# -gt 0 ]; do
		case $1 in
		-b) binds+=("$2"); shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	[ $# -gt 0 ] || die "buildroot run: no command given"
	binds+=("$KIT_TOP" "$KIT_DOWNLOADS" "$KIT_BASES" "$KIT_CACHE/ccache" "$KIT_CACHE/work")
	mkdir -p "$KIT_DOWNLOADS" "$KIT_BASES" "$KIT_CACHE/ccache" "$KIT_CACHE/work"
	# shellcheck disable=SC2016
	unshare -m --propagation private -- bash -euc '
		root=$1; shift
		nb=$1; shift
		mount -t proc proc "$root/proc"
		mount -t sysfs sys "$root/sys"
		mount --rbind /dev "$root/dev"
		for ((i = 0; i < nb; i++)); do
			d=$(realpath -m "$1"); shift
			[ -d "$d" ] || { echo "error: $d is not a directory" >&2; exit 1; }
			mkdir -p "$root$d"
			mount --bind "$d" "$root$d"
		done
		exec chroot "$root" /usr/bin/env -i \
			PATH=/usr/lib/ccache:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 TERM=dumb \
			CCACHE_DIR="$KIT_CCACHE" CCACHE_MAXSIZE=8G CCACHE_BASEDIR="$KIT_TOP" \
			KBUILD_BUILD_TIMESTAMP="$KIT_TIMESTAMP" KBUILD_BUILD_USER=kvm-series KBUILD_BUILD_HOST=buildroot \
			"$@"
	' _ "$root" "${#binds[@]}" "${binds[@]}" "$@"
}
export KIT_TOP
export KIT_CCACHE=$KIT_CACHE/ccache
export KIT_TIMESTAMP="1970-01-01"

create() {
	need_root "creating the build root"
	host_deps
	mkdir -p "$KIT_CACHE/buildroot"
	clean_stale_tmp "$BUILDROOT"
	local tmp=$BUILDROOT.tmp.$$
	log "creating the $BUILDROOT_SUITE build root in $BUILDROOT (debootstrap, about a minute)"
	mkdir -p "$KIT_LOGS"
	if ! debootstrap --variant=minbase --include="$BUILDROOT_PACKAGES" \
		"$BUILDROOT_SUITE" "$tmp" "$DEBIAN_MIRROR" >"$KIT_LOGS/debootstrap.log" 2>&1; then
		tail -n 5 "$KIT_LOGS/debootstrap.log" >&2
		rm -rf "$tmp"
		die "debootstrap of $BUILDROOT_SUITE failed (full log: $KIT_LOGS/debootstrap.log)"
	fi
	rm -f "$tmp/etc/apt/sources.list"
	cat >"$tmp/etc/apt/sources.list.d/debian.sources" <<-EOT
	Types: deb deb-src
	URIs: $DEBIAN_MIRROR
	Suites: $BUILDROOT_SUITE $BUILDROOT_SUITE-backports
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOT
	# Keep downloaded .debs (they are checked against the pins before install).
	echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$tmp/etc/apt/apt.conf.d/90keep"
	log "installing the target kernel headers ($TARGET_KREL) from $BUILDROOT_SUITE-backports"
	if ! install_target_headers "$tmp" >>"$KIT_LOGS/debootstrap.log" 2>&1; then
		tail -n 5 "$KIT_LOGS/debootstrap.log" >&2
		rm -rf "$tmp"
		die "installing $TARGET_PKGS in the build root failed (full log: $KIT_LOGS/debootstrap.log)"
	fi
	mv "$tmp" "$BUILDROOT"
	log "build root ready: $BUILDROOT"
}

install_target_headers() {
	local root=$1 p pkgs=() deb
	for p in $TARGET_PKGS; do pkgs+=("$p=$BASE_VERSION"); done
	run_in "$root" -- apt-get update
	run_in "$root" -- env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		--download-only "${pkgs[@]}"
	# apt verified the Release signature and the index hashes; check the pins as well (sha256,
	# package and version: deb_verify, which removes a file that fails and prints why).
	for p in $TARGET_PKGS; do
		deb=$(ls "$root/var/cache/apt/archives/${p}_"*.deb 2>/dev/null | sed -n 1p)
		[ -n "$deb" ] || { echo "error: $p was not downloaded" >&2; return 1; }
		deb_verify "$deb" "$p" "$BASE_VERSION" "${PKG_SHA256[$p]:-}" tools/pins.conf || return 1
	done
	run_in "$root" -- env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}"
	[ -f "$root/usr/src/linux-headers-$TARGET_KREL/include/config/kernel.release" ] \
		|| { echo "error: headers for $TARGET_KREL are not where expected" >&2; return 1; }
}

case ${1:-} in
path) echo "$BUILDROOT" ;;
ensure)
	# The kit's host packages, also when the build root is cached (a package added to
	# HOST_PACKAGES later, e.g. shellcheck, must arrive on machines that have the root).
	host_deps
	if [ ! -x "$BUILDROOT/usr/bin/gcc-14" ]; then
		need_root "creating the build root"	# before anything is written to the cache
		cache_lock buildroot
	fi
	[ -x "$BUILDROOT/usr/bin/gcc-14" ] || create
	echo "$BUILDROOT"
	;;
run)
	shift
	[ -x "$BUILDROOT/usr/bin/gcc-14" ] || die "no build root at $BUILDROOT; run 'tools/buildroot.sh ensure' (or make buildroot) first"
	need_root "running in the build root"
	run_in "$BUILDROOT" "$@"
	;;
*) die "usage: $0 ensure|path|run [-b DIR]... -- CMD..." ;;
esac
