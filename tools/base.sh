#!/usr/bin/env bash
# The base tree: Debian's linux-source-7.3 (pinned in tools/pins.conf), fetched through apt inside
# the build root (apt verifies the signature chain), checked against the pinned sha256, unpacked
# once into the cache and made a git repository with one base commit.
#
#   tools/base.sh ensure     create the base repository if needed; print "REPO COMMIT"
#
# With KSRC=<path> the user's own kernel git checkout is the base instead (its HEAD).
#
# The base commit is reproducible (fixed identity and date), so its id, which the series records
# in its "base-commit:" trailer, is the same on every machine.
#
# One deviation from the tarball: Debian's .gitignore ends with a rule for its packaging
# repository ("/*", "!/debian/") that ignores every top-level path, so git would silently leave
# every new file of a patch out of its commit. The import drops that block (and only it).
. "$(dirname "$0")/lib/common.sh"

BASE_IMPORT_REVISION=2
BASE_ID=${BASE_PKG}_${BASE_VERSION//\~/_}-import$BASE_IMPORT_REVISION
BASE_REPO=$KIT_BASES/$BASE_ID
BASE_IDENT_NAME="kvm-series base import"
BASE_IDENT_EMAIL="base-import@kvm-series.invalid"
BASE_DATE="2026-01-01T00:00:00Z"

fetch_deb() {
	local deb=$KIT_DOWNLOADS/${BASE_PKG}_${BASE_VERSION}_all.deb
	if [ -f "$deb" ]; then
		verify_sha256 "$deb" "$BASE_SHA256"
		echo "$deb"
		return
	fi
	"$KIT_TOP/tools/buildroot.sh" ensure >/dev/null
	log "downloading $BASE_PKG $BASE_VERSION (about 160 MB) through apt in the build root"
	local tmpd=$KIT_DOWNLOADS/.fetch.$$
	mkdir -p "$tmpd"
	# apt-get download verifies the InRelease signature and the Packages hash before it keeps
	# the file; a failure leaves nothing behind.
	if ! "$KIT_TOP/tools/buildroot.sh" run -- bash -c \
		"cd '$tmpd' && apt-get update -qq && apt-get -o APT::Sandbox::User=root download -q '$BASE_PKG=$BASE_VERSION'" >&2; then
		rm -rf "$tmpd"
		die "could not download $BASE_PKG=$BASE_VERSION (is it still on Debian's mirror?)"
	fi
	local got
	got=$(ls "$tmpd"/*.deb 2>/dev/null | head -n1)
	[ -n "$got" ] || { rm -rf "$tmpd"; die "apt-get download produced no .deb"; }
	verify_sha256 "$got" "$BASE_SHA256"
	mv "$got" "$deb"
	rm -rf "$tmpd"
	echo "$deb"
}

# Check a .deb: the pinned sha256 and the version in its control file.
check_deb() {
	local deb=$1 v
	verify_sha256 "$deb" "$BASE_SHA256"
	v=$(dpkg-deb -f "$deb" Version)
	[ "$v" = "$BASE_VERSION" ] || die "$deb is version $v, not the pinned $BASE_VERSION"
}

import_base() {
	local deb=$1 tmp=$BASE_REPO.tmp.$$ v
	clean_stale_tmp "$BASE_REPO"
	mkdir -p "$tmp/.unpack"
	log "unpacking the base into $BASE_REPO"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/.unpack" "./$BASE_TARBALL" \
		|| { rm -rf "$tmp"; die "$deb holds no $BASE_TARBALL"; }
	tar -xJf "$tmp/.unpack/$BASE_TARBALL" -C "$tmp" --strip-components=1 \
		|| { rm -rf "$tmp"; die "could not unpack $BASE_TARBALL"; }
	rm -rf "$tmp/.unpack"
	v=$(kernel_makefile_version "$tmp") || { rm -rf "$tmp"; die "the unpacked base has no kernel Makefile"; }
	[ "$v" = "$BASE_KVERSION" ] || { rm -rf "$tmp"; die "the base unpacked as Linux $v, expected $BASE_KVERSION"; }
	drop_debian_ignore_rule "$tmp/.gitignore" || { rm -rf "$tmp"; die "Debian's .gitignore block was not found; check tools/base.sh"; }
	log "making the base a git repository (one commit)"
	(
		cd "$tmp"
		git init -q -b import
		git config core.autocrlf false
		git config gc.auto 0
		git add -A -f .
		GIT_AUTHOR_NAME=$BASE_IDENT_NAME GIT_AUTHOR_EMAIL=$BASE_IDENT_EMAIL GIT_AUTHOR_DATE=$BASE_DATE \
		GIT_COMMITTER_NAME=$BASE_IDENT_NAME GIT_COMMITTER_EMAIL=$BASE_IDENT_EMAIL GIT_COMMITTER_DATE=$BASE_DATE \
			git commit -q -m "Linux $BASE_KVERSION ($BASE_PKG $BASE_VERSION)"
		git tag base
	) || { rm -rf "$tmp"; die "git import of the base failed"; }
	mv "$tmp" "$BASE_REPO"
}

# Remove the block Debian appends to .gitignore for its packaging repository: from its comment
# to "!/debian/" (a lone "#" line before the comment stays, harmless).
drop_debian_ignore_rule() {
	local f=$1
	grep -qx '/\*' "$f" && grep -qx '!/debian/' "$f" || return 1
	sed -i '/^# Debian packaging: ignore everything at the top level/,/^!\/debian\/$/d' "$f"
	! grep -qx '/\*' "$f"
}

ensure() {
	if [ -n "${KSRC:-}" ]; then
		[ -d "$KSRC" ] || die "KSRC=$KSRC does not exist"
		kernel_makefile_version "$KSRC" >/dev/null || die "KSRC=$KSRC is not a kernel source tree (no top-level Makefile with VERSION)"
		[ -d "$KSRC/arch/x86/kvm" ] && [ -d "$KSRC/virt/kvm" ] || die "KSRC=$KSRC has no arch/x86/kvm or virt/kvm"
		local top
		top=$(git -C "$KSRC" rev-parse --show-toplevel 2>/dev/null || true)
		[ -n "$top" ] && [ "$(realpath "$top")" = "$(realpath "$KSRC")" ] \
			&& git -C "$KSRC" rev-parse --verify -q HEAD >/dev/null \
			|| die "KSRC=$KSRC is not a git checkout with a commit; the series is applied with git am on a branch of it"
		echo "$(realpath "$KSRC") $(git -C "$KSRC" rev-parse HEAD)"
		return
	fi
	if [ ! -d "$BASE_REPO/.git" ]; then
		need_root "importing the base"	# before anything is written to the cache
		cache_lock base
	fi
	if [ ! -d "$BASE_REPO/.git" ]; then
		local deb
		deb=$(fetch_deb)
		check_deb "$deb"
		import_base "$deb"
	fi
	echo "$BASE_REPO $(git -C "$BASE_REPO" rev-parse base)"
}

case ${1:-} in
ensure) ensure ;;
check-deb) check_deb "$2" ;;
*) die "usage: $0 ensure" ;;
esac
