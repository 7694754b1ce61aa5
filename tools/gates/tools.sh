#!/usr/bin/env bash
# The static checkers the gates need and the build root lacks, unpacked (never installed) into a
# cache directory keyed by version, verified twice: apt-get download inside the build root checks
# Debian's signature chain, then the .deb must match the sha256 and version pinned in
# tools/gates/pins.conf. The download, its checks and the publication of the directory are the
# helpers of tools/lib/fetch.sh (fetch_pinned_deb, with private apt lists for a suite that is
# not the build root's; cache_publish); the .debs stay in $KIT_CACHE/downloads.
#
#   tools/gates/tools.sh sparse     print the directory holding usr/bin/sparse (sid 0.6.5~rc1)
#   tools/gates/tools.sh cocci      print the directory holding usr/bin/spatch (trixie 1.3) and
#                                   the libpython3.13 it loads
#   tools/gates/tools.sh hashes     download the pinned versions and print their sha256 (to pin)
#
# Both run inside the build root (sid's sparse needs glibc >= 2.38; spatch needs trixie's
# libraries): PATH/LD_LIBRARY_PATH/COCCINELLE_HOME are set by the gates (tools/gates/lib.sh).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fetch.sh"
. "$(dirname "$0")/lib.sh"

# unpack NAME SUITE "PKG=VERSION=SHA256 ..." [FIXUP]: the cached directory holding the packages
# unpacked, made once; FIXUP DIR, if given, runs on it before it is published.
unpack() {
	local name=$1 suite=$2 specs=$3 fixup=${4:-} spec pkg version sum key
	for spec in $specs; do
		IFS='=' read -r pkg version sum <<<"$spec"
		[ -n "$sum" ] || die "no sha256 pinned for $pkg $version in tools/gates/pins.conf; run '$0 hashes' and pin it"
	done
	key=$(echo "$specs" | sha256sum | cut -c1-12)
	cache_publish "$GATES_TOOLS/$name-$key" unpack_into "$suite" "$specs" "$fixup"
}

# unpack_into TMP SUITE SPECS FIXUP: unpack's builder (cache_publish renames TMP when it succeeds).
unpack_into() {
	local tmp=$1 suite=$2 specs=$3 fixup=$4 spec pkg version sum deb
	for spec in $specs; do
		IFS='=' read -r pkg version sum <<<"$spec"
		deb=$(fetch_pinned_deb --pins tools/gates/pins.conf "$pkg" "$version" "$sum" "$suite")
		log "unpacking $pkg $version ($suite) for the gates"
		dpkg-deb -x "$deb" "$tmp" || die "could not unpack $deb"
	done
	if [ -n "$fixup" ]; then "$fixup" "$tmp"; fi
	# What went in (older versions of this script took the directory as complete by this file).
	printf '%s\n' $specs >"$tmp/.verified"
}

sparse_dir() {
	unpack sparse "$SPARSE_SUITE" "sparse=$SPARSE_VERSION=$SPARSE_SHA256"
}

cocci_dir() {
	local d
	d=$(unpack coccinelle "$COCCI_SUITE" \
		"coccinelle=$COCCI_VERSION=$COCCI_SHA256 libpython3.13=$LIBPYTHON_VERSION=$LIBPYTHON_SHA256" \
		cocci_fixup)
	[ -e "$d/usr/lib/x86_64-linux-gnu/libpython3.13.so" ] \
		|| die "$d has no libpython3.13.so link (an interrupted older run made it); remove that directory and run again"
	echo "$d"
}

# spatch dlopen()s "libpython3.13.so" (the -dev name): point it at the runtime library. Part of
# the directory before it is published, so that no run changes a published entry.
cocci_fixup() {
	ln -s libpython3.13.so.1.0 "$1/usr/lib/x86_64-linux-gnu/libpython3.13.so"
}

# The pinned versions, downloaded (apt checks the signed index) but not checked against the pins
# (that is what they are for), into a scratch directory that is then removed.
hashes() {
	local spec suite pkg version deb
	mkdir -p "$KIT_DOWNLOADS"
	HASHES_TMP=$(mktemp -d "$KIT_DOWNLOADS/.hashes.XXXXXX")
	trap 'rm -rf "$HASHES_TMP"' EXIT
	for spec in "$SPARSE_SUITE sparse $SPARSE_VERSION" "$COCCI_SUITE coccinelle $COCCI_VERSION" \
		"$COCCI_SUITE libpython3.13 $LIBPYTHON_VERSION"; do
		read -r suite pkg version <<<"$spec"
		mkdir "$HASHES_TMP/$pkg"
		deb=$(deb_download "$pkg" "$version" "$suite" "$HASHES_TMP/$pkg" tools/gates/pins.conf)
		echo "$pkg $version $(sha256_of "$deb")"
	done
}

need_root "fetching the gates' checkers through the build root"
case ${1:-} in
sparse) sparse_dir ;;
cocci) cocci_dir ;;
hashes) hashes ;;
*) die "usage: $0 sparse|cocci|hashes" ;;
esac
