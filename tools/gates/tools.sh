#!/usr/bin/env bash
# The static checkers the gates need and the build root lacks, unpacked (never installed) into a
# cache directory keyed by version, verified twice: apt-get download inside the build root checks
# Debian's signature chain, then the .deb must match the sha256 pinned in tools/gates/pins.conf.
#
#   tools/gates/tools.sh sparse     print the directory holding usr/bin/sparse (sid 0.6.5~rc1)
#   tools/gates/tools.sh cocci      print the directory holding usr/bin/spatch (trixie 1.3) and
#                                   the libpython3.13 it loads
#   tools/gates/tools.sh hashes     download the pinned versions and print their sha256 (to pin)
#
# Both run inside the build root (sid's sparse needs glibc >= 2.38; spatch needs trixie's
# libraries): PATH/LD_LIBRARY_PATH/COCCINELLE_HOME are set by the gates (tools/gates/lib.sh).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

# fetch SUITE PKG VERSION DESTDIR: apt-get download with private apt lists for SUITE (the build
# root's own apt state is not touched), into DESTDIR. Prints the .deb path.
fetch() {
	local suite=$1 pkg=$2 version=$3 dest=$4 aptd
	aptd=$GATES_TOOLS/.apt/$suite
	mkdir -p "$aptd/lists/partial" "$aptd/cache" "$dest"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR $suite main" >"$aptd/sources.list"
	local apt=(apt-get -q -o Dir::Etc::SourceList="$aptd/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$aptd/lists" -o Dir::Cache="$aptd/cache"
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root
		-o Acquire::Check-Valid-Until=false)
	buildroot run -b "$GATES_TOOLS" -- bash -euc '
		dest=$1; pkg=$2; shift 2
		"$@" update >/dev/null
		cd "$dest" && "$@" download "$pkg" >/dev/null
	' _ "$dest" "$pkg=$version" "${apt[@]}" >&2 \
		|| die "could not download $pkg=$version from $suite (is it still on Debian's mirror? update tools/gates/pins.conf)"
	local deb
	deb=$(ls "$dest/${pkg}_"*.deb 2>/dev/null | head -n1)
	[ -n "$deb" ] || die "apt-get download of $pkg=$version produced no .deb"
	echo "$deb"
}

# unpack NAME SUITE "PKG=VERSION=SHA256 ..." : the cached directory, created if needed.
unpack() {
	local name=$1 suite=$2 specs=$3 spec pkg version sum deb key dir tmp
	key=$(echo "$specs" | sha256sum | cut -c1-12)
	dir=$GATES_TOOLS/$name-$key
	if [ -f "$dir/.verified" ]; then
		echo "$dir"
		return 0
	fi
	mkdir -p "$GATES_TOOLS"
	clean_stale_tmp "$dir"
	tmp=$dir.tmp.$$
	mkdir -p "$tmp/debs"
	for spec in $specs; do
		IFS='=' read -r pkg version sum <<<"$spec"
		[ -n "$sum" ] || die "no sha256 pinned for $pkg $version in tools/gates/pins.conf; run '$0 hashes' and pin it"
		log "fetching $pkg $version ($suite) for the gates"
		deb=$(fetch "$suite" "$pkg" "$version" "$tmp/debs")
		verify_sha256 "$deb" "$sum"
		[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || die "$deb is not version $version"
		dpkg-deb -x "$deb" "$tmp"
	done
	printf '%s\n' $specs >"$tmp/.verified"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	echo "$dir"
}

sparse_dir() {
	unpack sparse "$SPARSE_SUITE" "sparse=$SPARSE_VERSION=$SPARSE_SHA256"
}

cocci_dir() {
	local d
	d=$(unpack coccinelle "$COCCI_SUITE" \
		"coccinelle=$COCCI_VERSION=$COCCI_SHA256 libpython3.13=$LIBPYTHON_VERSION=$LIBPYTHON_SHA256")
	# spatch dlopen()s "libpython3.13.so" (the -dev name): point it at the runtime library.
	[ -e "$d/usr/lib/x86_64-linux-gnu/libpython3.13.so" ] \
		|| ln -s libpython3.13.so.1.0 "$d/usr/lib/x86_64-linux-gnu/libpython3.13.so"
	echo "$d"
}

hashes() {
	local tmp spec suite pkg version deb
	tmp=$GATES_TOOLS/.hashes.$$
	for spec in "$SPARSE_SUITE sparse $SPARSE_VERSION" "$COCCI_SUITE coccinelle $COCCI_VERSION" \
		"$COCCI_SUITE libpython3.13 $LIBPYTHON_VERSION"; do
		read -r suite pkg version <<<"$spec"
		deb=$(fetch "$suite" "$pkg" "$version" "$tmp")
		echo "$pkg $version $(sha256_of "$deb")"
	done
	rm -rf "$tmp"
}

need_root "fetching the gates' checkers through the build root"
case ${1:-} in
sparse) sparse_dir ;;
cocci) cocci_dir ;;
hashes) hashes ;;
*) die "usage: $0 sparse|cocci|hashes" ;;
esac
