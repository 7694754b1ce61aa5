# shellcheck shell=bash
# Downloads and cache entries: the kit's one way to fetch a pinned Debian package and its one way
# to publish a cache directory. Source it after tools/lib/common.sh.
#
#   fetch_pinned_deb [--pins FILE] PKG VERSION SHA256 [SUITE]
#                        print the path of PKG=VERSION's .deb in $KIT_DOWNLOADS, downloaded and
#                        checked first if it is not there
#   deb_verify DEB PKG VERSION SHA256 PINS
#                        the checks of a .deb (pinned sha256, Package and Version of its control
#                        file), for one that came another way (the build root's target headers)
#   deb_download PKG VERSION SUITE DIR [PINS]
#                        apt-get download alone, no pin (tools/gates/tools.sh hashes, to pin)
#   verify_sha256 FILE SHA256 [PINS]
#                        the pin check of a file that is not a .deb (the Bochs source tarballs)
#   cache_has DEST       whether the cache entry DEST is there (complete)
#   cache_publish DEST BUILDER [ARGS...]
#                        make the cache entry DEST once, under its lock; print DEST
#
# Who uses them: tools/base.sh (linux-source, the base repository), tools/rig/lib.sh (the stock
# kernel's binary and modules packages, extracted), tools/gates/tools.sh (sparse, Coccinelle,
# unpacked), tools/bochs/build.sh (the BIOS packages; its source package is fetched with apt-get
# source there, three files and a known 404, and checked with verify_sha256) and
# tools/buildroot.sh (deb_verify on the target headers apt installs into a new build root, which
# is itself made with debootstrap and published under cache_lock).
#
# Why a file of its own and not tools/lib/common.sh: every script sources common.sh, a few
# download; this file is where to look for how a download is made and checked. The helpers that
# can fail run in subshells, so a lock they take is released when they return and their die
# ends only them: the caller stops on their non-zero status (set -e, or "|| exit 1"; but not
# for cache_publish, which refuses to run where bash ignores set -e: see there).
#
# The trust chain of a .deb: apt-get download runs inside the build root, whose apt checks the
# InRelease signature against debian-archive-keyring and the file against the signed Packages
# index; then the file must have the sha256 pinned in the kit (taken from that index) and its
# control file must name the pinned package and version. Anything else is removed, never used.

[ -n "${KIT_TOP:-}" ] || { echo "error: source tools/lib/common.sh before tools/lib/fetch.sh" >&2; exit 1; }

# kit_lock NAME WHAT: hold the lock $KIT_CACHE/.locks/NAME.lock until the calling (sub)shell
# exits; WHAT says what the run we wait for is doing. A file descriptor of its own each time
# (cache_lock and path_lock have fixed ones, held until the script exits).
kit_lock() {
	local f=$KIT_CACHE/.locks/$1.lock fd
	mkdir -p "${f%/*}"
	exec {fd}>>"$f"
	if ! flock -n "$fd"; then
		log "waiting for another run that is $2"
		flock "$fd"
	fi
}

# verify_sha256 FILE EXPECTED [PINS]: a download that does not match is removed, never used.
# PINS is the file the pin is in (default tools/pins.conf), for the message.
verify_sha256() {
	local file=$1 want=$2 pins=${3:-tools/pins.conf} got
	got=$(sha256_of "$file")
	if [ "$got" != "$want" ]; then
		rm -f "$file"
		die "$(basename "$file"): sha256 $got does not match the pinned $want ($pins); the file was removed"
	fi
}

# deb_verify DEB PKG VERSION SHA256 PINS: DEB must have the pinned SHA256 and its control file
# must say Package PKG, Version VERSION. A file that does not is removed; one "error:" line names
# PINS (the pins file, relative to the repository) and the status is 1. Runs in a subshell.
deb_verify() (
	deb=$1 pkg=$2 version=$3 want=$4 pins=$5
	[ -n "$want" ] || die "$pkg $version has no pinned sha256 in $pins; add the one from Debian's signed Packages index"
	[ -f "$deb" ] || die "$deb does not exist"
	verify_sha256 "$deb" "$want" "$pins"
	got_pkg=$(dpkg-deb -f "$deb" Package 2>/dev/null) || got_pkg=
	got_version=$(dpkg-deb -f "$deb" Version 2>/dev/null) || got_version=
	if [ "$got_pkg" != "$pkg" ] || [ "$got_version" != "$version" ]; then
		rm -f "$deb"
		die "$(basename "$deb"): its control file says ${got_pkg:-?} ${got_version:-?}, not the pinned $pkg $version ($pins); the file was removed"
	fi
)

# deb_download PKG VERSION SUITE DIR [PINS]: apt-get download PKG=VERSION inside the build root
# into DIR (under $KIT_DOWNLOADS, which the build root sees at the same path) and print the
# file's path. No pin is checked here: fetch_pinned_deb does; tools/gates/tools.sh hashes uses
# this alone to read the hash of a version before it is pinned. An empty SUITE, the build root's
# suite or its backports use the build root's own package lists; another suite (sid) gets private
# lists in $KIT_DOWNLOADS/.apt/SUITE, so the build root's apt state never sees that suite. When
# the download fails even after an apt-get update, apt says why and one "error:" line names PINS
# (where the version is pinned). Runs in a subshell; call it plainly (not in a || list), so that
# set -e holds in it.
deb_download() (
	set -e
	pkg=$1 version=$2 suite=${3:-} dir=$4 pins=${5:-tools/pins.conf}
	case $dir in "$KIT_DOWNLOADS"/*) ;; *) die "deb_download: $dir is not under $KIT_DOWNLOADS" ;; esac
	"$KIT_TOP/tools/buildroot.sh" ensure >/dev/null
	# Downloads into a root-owned directory: apt's _apt sandbox user could not write there.
	apt=(apt-get -q -o APT::Sandbox::User=root -o Acquire::Retries=3 -o DPkg::Lock::Timeout=600)
	case $suite in
	""|"$BUILDROOT_SUITE"|"$BUILDROOT_SUITE-backports") lists=$BUILDROOT_SUITE ;;
	*)
		lists=$suite
		aptd=$KIT_DOWNLOADS/.apt/$suite
		mkdir -p "$aptd/lists/partial" "$aptd/cache"
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR $suite main" >"$aptd/sources.list"
		# sid's Release file on the mirror was past its Valid-Until date when this was written
		# (tools/gates/pins.conf); the signature and the pinned hashes still hold.
		apt+=(-o Dir::Etc::SourceList="$aptd/sources.list" -o Dir::Etc::SourceParts=/dev/null
			-o Dir::State::Lists="$aptd/lists" -o Dir::Cache="$aptd/cache"
			-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Acquire::Check-Valid-Until=false)
		;;
	esac
	# One run at a time on a set of lists: apt-get update rewrites them.
	kit_lock "apt/$lists" "using the $lists package lists in the build root"
	in_dir() {
		"$KIT_TOP/tools/buildroot.sh" run -- bash -c 'cd "$1" && shift && "$@"' _ "$dir" "${apt[@]}" "$@" >&2
	}
	# Private lists are empty on first use and any lists go stale (a version leaves the index):
	# then update once and try again.
	if ! in_dir download "$pkg=$version"; then
		log "updating the $lists package lists in the build root and trying again"
		in_dir update || warn "apt-get update of the $lists package lists failed in the build root"
		in_dir download "$pkg=$version" \
			|| die "could not download $pkg=$version${suite:+ from $suite} (is it still on Debian's mirror? its pin is in $pins)"
	fi
	set -- "$dir"/*.deb
	[ $# -eq 1 ] && [ -f "$1" ] || die "apt-get download of $pkg=$version left no single .deb in $dir"
	echo "$1"
)

# deb_cached NAME: the cached .deb of NAME (PKG_VERSION, with ':' as apt writes it, %3a), if any.
# A package or version never holds '_', so NAME_*.deb is that package at that version.
deb_cached() {
	local f
	for f in "$KIT_DOWNLOADS/$1"_*.deb; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 0
}

# fetch_pinned_deb [--pins FILE] PKG VERSION SHA256 [SUITE]: print the path of PKG=VERSION's .deb
# in $KIT_DOWNLOADS (named as apt names it, PKG_VERSION_ARCH.deb), logs on stderr. FILE is where
# SHA256 is pinned (relative to the repository, default tools/pins.conf; the messages name it);
# SUITE as for deb_download.
#
# A cached file is checked (deb_verify) and used without network; one that fails the check is
# removed and refused (the next run downloads it again): the cache is never repaired behind the
# user's back, so a corrupt one shows (tools/tests/kit/33-corrupt-download.sh). A download is made
# in a directory of its own and renamed into $KIT_DOWNLOADS only when it passed the checks, under
# a lock per package and version: concurrent runs never see a partial file nor download twice.
# Runs in a subshell.
fetch_pinned_deb() (
	set -e
	pins=tools/pins.conf
	if [ "${1:-}" = --pins ]; then pins=$2; shift 2; fi
	pkg=$1 version=$2 want=$3 suite=${4:-}
	[ -n "$want" ] || die "$pkg $version has no pinned sha256 in $pins; add the one from Debian's signed Packages index"
	name=${pkg}_${version//:/%3a}
	mkdir -p "$KIT_DOWNLOADS"
	deb=$(deb_cached "$name")
	if [ -z "$deb" ]; then
		kit_lock "downloads/$name" "downloading $pkg $version"
		deb=$(deb_cached "$name")	# another run may have fetched it while we waited
	fi
	if [ -n "$deb" ]; then
		deb_verify "$deb" "$pkg" "$version" "$want" "$pins" || exit 1
		echo "$deb"
		return 0
	fi
	# Ours while we hold the lock; a leftover of an interrupted download is removed first.
	tmpd=$KIT_DOWNLOADS/.fetch.$name
	rm -rf "$tmpd"
	mkdir "$tmpd"
	trap 'rm -rf "$tmpd"' EXIT
	log "downloading $pkg $version${suite:+ from $suite} (apt-get download in the build root)"
	got=$(deb_download "$pkg" "$version" "$suite" "$tmpd" "$pins")
	deb_verify "$got" "$pkg" "$version" "$want" "$pins" || exit 1
	mv -f "$got" "$KIT_DOWNLOADS/"
	echo "$KIT_DOWNLOADS/${got##*/}"
)

# A cache entry is a directory under $KIT_CACHE, published atomically: built as DEST.tmp.PID and
# renamed to DEST when complete. Nothing else makes DEST, so DEST existing means it is complete,
# and a published entry is never changed or replaced (runs may be using it; series trees share
# the base repository's objects). No marker file: entries made before cache_publish are valid.
cache_has() {
	[ -d "$1" ]
}

# cache_publish DEST BUILDER [ARGS...]: print DEST, after making it if it is not there. Under
# DEST's lock ($KIT_CACHE/.locks/publish/<DEST's path in the cache>.lock, released when this
# returns) it checks again (another run may have made it while we waited), removes a DEST.tmp.*
# left by an interrupted run (clean_stale_tmp: safe, we hold the lock), runs "BUILDER TMP
# ARGS..." with TMP an empty directory, set -e on and its stdout sent to stderr, and renames TMP
# to DEST. A BUILDER that fails (die, or any failing command) leaves nothing behind. Runs in a
# subshell.
#
# Call it, and every function on the way to it, as a plain command or assignment: where any
# caller is an if condition, a || or && list or a !, bash ignores set -e, also in the builder,
# and a builder whose cp failed would be published. It checks that and refuses (x=$(f) || die,
# the kit's usual idiom, is such a place). A builder must not take build_lock, cache_lock or
# path_lock when its caller may hold it: those use fixed descriptors, and in this subshell a
# second one waits for the first forever; take them in a subshell of the builder's own.
cache_publish() (
	set -e
	dest=$1 builder=$2
	shift 2
	local_errexit=$( (set -e; false; echo ignored); true)
	[ -z "$local_errexit" ] || die "cache_publish $dest: called where bash ignores set -e (an if condition, a || or && list, or !, here or in a caller); call it plainly"
	if ! cache_has "$dest"; then
		case $dest in
		"$KIT_CACHE"/*) ;;
		*) die "cache_publish: $dest is not under the cache $KIT_CACHE" ;;
		esac
		mkdir -p "$(dirname "$dest")"
		kit_lock "publish/${dest#"$KIT_CACHE"/}" "creating $dest"
		if ! cache_has "$dest"; then
			clean_stale_tmp "$dest"
			tmp=$dest.tmp.$$
			trap 'rm -rf "$tmp"' EXIT
			mkdir "$tmp"
			"$builder" "$tmp" "$@" >&2
			mv -T "$tmp" "$dest"
			trap - EXIT
		fi
	fi
	echo "$dest"
)
