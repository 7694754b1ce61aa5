#!/usr/bin/env bash
# The base tree: Debian's linux-source-7.3 (pinned in tools/pins.conf), fetched through apt inside
# the build root (apt verifies the signature chain) and checked against the pinned sha256 and
# version, both by fetch_pinned_deb (tools/lib/fetch.sh), then unpacked once into the cache and
# made a git repository with one base commit (published by cache_publish, same file).
#
#   tools/base.sh ensure          create the base repository if needed; print "REPO COMMIT"
#   tools/base.sh check-deb DEB   check DEB against the base's pins (a mismatch removes it)
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
. "$(dirname "$0")/lib/fetch.sh"

BASE_IMPORT_REVISION=2
BASE_ID=${BASE_PKG}_${BASE_VERSION//\~/_}-import$BASE_IMPORT_REVISION
BASE_REPO=$KIT_BASES/$BASE_ID
BASE_IDENT_NAME="kvm-series base import"
BASE_IDENT_EMAIL="base-import@kvm-series.invalid"
BASE_DATE="2026-01-01T00:00:00Z"

# import_base TMP: the base repository, made in TMP (cache_publish renames it to BASE_REPO).
import_base() {
	local tmp=$1 deb v
	deb=$(fetch_pinned_deb "$BASE_PKG" "$BASE_VERSION" "$BASE_SHA256")
	mkdir -p "$tmp/.unpack"
	log "unpacking the base into $BASE_REPO"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/.unpack" "./$BASE_TARBALL" \
		|| die "$deb holds no $BASE_TARBALL"
	tar -xJf "$tmp/.unpack/$BASE_TARBALL" -C "$tmp" --strip-components=1 \
		|| die "could not unpack $BASE_TARBALL"
	rm -rf "$tmp/.unpack"
	v=$(kernel_makefile_version "$tmp") || die "the unpacked base has no kernel Makefile"
	[ "$v" = "$BASE_KVERSION" ] || die "the base unpacked as Linux $v, expected $BASE_KVERSION"
	drop_debian_ignore_rule "$tmp/.gitignore" || die "Debian's .gitignore block was not found; check tools/base.sh"
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
	) || die "git import of the base failed"
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
	if ! cache_has "$BASE_REPO"; then
		need_root "importing the base"	# before anything is written to the cache
		cache_publish "$BASE_REPO" import_base >/dev/null
	fi
	echo "$BASE_REPO $(git -C "$BASE_REPO" rev-parse base)"
}

case ${1:-} in
ensure) ensure ;;
check-deb)
	[ -n "${2:-}" ] || die "usage: $0 check-deb DEB"
	deb_verify "$2" "$BASE_PKG" "$BASE_VERSION" "$BASE_SHA256" tools/pins.conf
	;;
*) die "usage: $0 ensure|check-deb DEB" ;;
esac
