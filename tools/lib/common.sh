# shellcheck shell=bash
# Common helpers for the build kit's scripts. Source it; do not run it.
#
# Every script of the kit sources this file first. It loads the pins, defines where the caches
# live and gives the error and logging helpers, so that all scripts fail the same way: one line
# starting with "error:" that says what is wrong and what to do, and a non-zero exit.

set -euo pipefail

KIT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../pins.conf
. "$KIT_TOP/tools/pins.conf"

# Caches live outside the repository, keyed by version, so that a fresh clone reuses them.
KIT_CACHE=${KVM_SERIES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm-series}
# shellcheck disable=SC2034 # used by the scripts that source this file
KIT_DOWNLOADS=$KIT_CACHE/downloads
# shellcheck disable=SC2034
KIT_BASES=$KIT_CACHE/base
KIT_LOGS=${KIT_LOGS:-$KIT_TOP/build/logs}

# Shared definitions, here only: the tree the series is applied to and the series (make's
# TREE=/SERIES= override them), the three modules the kit builds, and the compiler inside the
# build root (there is no plain "gcc" there; Debian's 7.3 headers name this one).
TREE=${TREE:-$KIT_TOP/build/linux}
SERIES=${SERIES:-$KIT_TOP/patches}
# shellcheck disable=SC2034
KIT_MODULES="kvm kvm-intel kvm-amd"
# shellcheck disable=SC2034
KIT_CC=x86_64-linux-gnu-gcc-14

die() {
	echo "error: $*" >&2
	exit 1
}

log() {
	echo ">>> $*" >&2
}

warn() {
	echo "warning: $*" >&2
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "$1 needs root (it uses debootstrap/chroot/apt-get); run it as root or with sudo"
}

sha256_of() {
	sha256sum "$1" | cut -d' ' -f1
}

# Downloading and checking pinned files (fetch_pinned_deb, deb_verify, verify_sha256) and
# publishing cache entries (cache_publish) are in tools/lib/fetch.sh: the scripts that download
# source it after this file.

# A directory is published atomically: built under NAME.tmp.PID, renamed when complete.
# A leftover .tmp.* from an interrupted run is never used and is cleaned next time; callers hold
# the lock for NAME, so no concurrent run's .tmp.* is removed: cache_publish (tools/lib/fetch.sh)
# does for a cache entry, tools/buildroot.sh holds cache_lock, tools/series.sh path_lock.
clean_stale_tmp() {
	local d=$1
	rm -rf "$d".tmp.* 2>/dev/null || true
}

# cache_lock NAME: serialise the creation of one cached item (the build root) between concurrent
# runs; held until the calling shell exits. The second run then finds it made. Other cache
# entries use cache_publish (tools/lib/fetch.sh), whose lock ends when it returns.
cache_lock() {
	mkdir -p "$KIT_CACHE"
	exec 8>>"$KIT_CACHE/.lock-$1"
	if ! flock -n 8; then
		log "waiting for another run that is creating $1"
		flock 8
	fi
}

# path_lock PATH: serialise the runs that create or change PATH (a tree made in place, outside
# the cache) for the rest of the calling shell; the lock file is PATH.lock beside it.
path_lock() {
	mkdir -p "$(dirname "$1")"
	exec 7>>"$1.lock"
	if ! flock -n 7; then
		log "waiting for another run that is working on $1"
		flock 7
	fi
}

# BUILT-FOR, the record tools/build.sh leaves beside the modules it publishes (release=,
# vermagic=, tree=, build=): its one reader. built_for_get DIR KEY prints the value of KEY.
built_for_get() {
	sed -n "/^$2=/{s///;p;q;}" "$1/BUILT-FOR" 2>/dev/null
}

# Kernel version "X.Y.Z" of a kernel source or build tree (its top-level Makefile).
kernel_makefile_version() {
	local dir=$1 v p s
	[ -f "$dir/Makefile" ] || return 1
	v=$(sed -n '/^VERSION = [0-9]*$/{s/^VERSION = //;p;q;}' "$dir/Makefile")
	p=$(sed -n '/^PATCHLEVEL = [0-9]*$/{s/^PATCHLEVEL = //;p;q;}' "$dir/Makefile")
	s=$(sed -n '/^SUBLEVEL = [0-9]*$/{s/^SUBLEVEL = //;p;q;}' "$dir/Makefile")
	[ -n "$v" ] && [ -n "$p" ] || return 1
	echo "$v.$p.${s:-0}"
}

# Release string (uname -r style) of a prepared kernel tree or headers directory.
kdir_release() {
	local kdir=$1
	if [ -f "$kdir/include/config/kernel.release" ]; then
		cat "$kdir/include/config/kernel.release"
	elif [ -f "$kdir/include/generated/utsrelease.h" ]; then
		sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h"
	else
		return 1
	fi
}

# "X.Y" of a release or version string.
major_minor() {
	echo "$1" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p'
}

# Heavy builds (kernel, modules, selftests, emulators) share two cores: never two at once on
# this machine, whichever cache or clone they use. build_lock takes a machine-wide lock for the
# rest of the calling shell.
KIT_BUILD_LOCK=${KVM_SERIES_BUILD_LOCK:-/tmp/kvm-series-build.lock}
build_lock() {
	exec 9>>"$KIT_BUILD_LOCK"
	if ! flock -n 9; then
		log "waiting for another build to finish ($KIT_BUILD_LOCK)"
		flock 9
	fi
}

# The stamp tools/series.sh leaves in a tree it made: base=, series= and head= lines, in the
# tree's git directory (DIR/.git of a clone, or where the .git file of a git worktree points).
KIT_STAMP_NAME=kvm-series.stamp
tree_git_dir() { # DIR
	git -C "$1" rev-parse --absolute-git-dir 2>/dev/null
}
tree_stamp_path() { # DIR: the stamp's path, or nothing if DIR is not a git tree
	local gd
	[ -e "$1/.git" ] && gd=$(tree_git_dir "$1") && echo "$gd/$KIT_STAMP_NAME"
}
tree_stamp_get() { # DIR KEY
	local f
	f=$(tree_stamp_path "$1") || return 0
	sed -n "s/^$2=//p" "$f" 2>/dev/null || true
}
