#!/usr/bin/env bash
# Build the patched Bochs of the KVM test rig (Intel host with VMX emulation).
#
#   tools/bochs/build.sh        build if needed, print the path of the bochs binary
#
# Source: Debian's bochs source package (tools/bochs/pins.conf), fetched with apt inside the
# build root (apt checks the signed Sources index, we check the pins), plus our patches from
# tools/bochs/patches/ (applied in order, a patch that does not apply is an error). The BIOS
# images come from Debian's binary packages, fetched and checked by fetch_pinned_deb
# (tools/lib/fetch.sh, the kit's one way to fetch a pinned .deb). The source package is fetched
# here with apt-get source (three files, and the mirror's 404 for the .dsc, see fetch_source).
# The result is cached in $KIT_CACHE/bochs/<version>-<key>/ where <key> hashes the source pins,
# the patches and the configure flags; it is published atomically (built as NAME.tmp.PID,
# renamed when complete), so a second run prints the same path and does nothing.
#
# Layout of the result:  bin/bochs, share/BIOS-bochs-latest, share/VGABIOS-lgpl-latest,
#                        BUILD-INFO (what went in), build.log
# The binary is linked against trixie's libraries: run it inside the build root
# (tools/bochs/run.sh does).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/fetch.sh"
BOCHS_TOOLS=$KIT_TOP/tools/bochs
# shellcheck source=pins.conf
. "$BOCHS_TOOLS/pins.conf"

BUILDROOT_SH=$KIT_TOP/tools/buildroot.sh

# Configure flags as one normalized line (the pins file wraps them).
# shellcheck disable=SC2086,SC2116
CONFIGURE_FLAGS=$(echo $BOCHS_CONFIGURE_FLAGS)

bochs_key() {
	{
		echo "$BOCHS_VERSION $BOCHS_ORIG_SHA256"
		for p in "${!BOCHS_BIOS_DEBS[@]}"; do echo "$p ${BOCHS_BIOS_DEBS[$p]} ${BOCHS_BIOS_SHA256[$p]}"; done | sort
		echo "$CONFIGURE_FLAGS"
		for p in "$BOCHS_TOOLS"/patches/*.patch; do
			[ -e "$p" ] || continue
			echo "$(basename "$p") $(sha256_of "$p")"
		done
	} | sha256sum | cut -c1-12
}

DEST=$KIT_CACHE/bochs/$BOCHS_VERSION-$(bochs_key)
BOCHS_BIN=$DEST/bin/bochs

if [ -x "$BOCHS_BIN" ]; then
	echo "$BOCHS_BIN"
	exit 0
fi

need_root "building Bochs"
"$BUILDROOT_SH" ensure >/dev/null

in_root() { "$BUILDROOT_SH" run -- "$@"; }
APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)

# ---- sources ---------------------------------------------------------------------------------
fetch_source() {
	local have=1
	[ -f "$KIT_DOWNLOADS/$BOCHS_ORIG" ] && [ -f "$KIT_DOWNLOADS/$BOCHS_DEBIAN" ] || have=0
	if [ $have -eq 0 ]; then
		log "fetching Debian source package $BOCHS_SRC_PKG=$BOCHS_VERSION (apt-get source in the build root)"
		mkdir -p "$KIT_DOWNLOADS"
		in_root apt-get "${APT_OPTS[@]}" update -qq >/dev/null 2>&1 \
			|| warn "apt-get update in the build root failed; trying with the existing indexes"
		# deb.debian.org currently answers 404 for the .dsc of this version while it serves the
		# tarballs (apt still verifies each tarball against the signed Sources index, and we
		# verify the pins below), so a failure is tolerated when the tarballs arrived.
		if ! in_root bash -c 'cd "$1" && apt-get "${@:3}" source --download-only "$2"' _ \
			"$KIT_DOWNLOADS" "$BOCHS_SRC_PKG=$BOCHS_VERSION" "${APT_OPTS[@]}" >&2; then
			[ -f "$KIT_DOWNLOADS/$BOCHS_ORIG" ] && [ -f "$KIT_DOWNLOADS/$BOCHS_DEBIAN" ] \
				|| die "apt-get source $BOCHS_SRC_PKG=$BOCHS_VERSION failed in the build root (see above)"
			[ -f "$KIT_DOWNLOADS/$BOCHS_DSC" ] \
				|| warn "$BOCHS_DSC was not served by the mirror; the tarballs came and are checked against the pins"
		fi
	fi
	verify_sha256 "$KIT_DOWNLOADS/$BOCHS_ORIG" "$BOCHS_ORIG_SHA256" tools/bochs/pins.conf
	verify_sha256 "$KIT_DOWNLOADS/$BOCHS_DEBIAN" "$BOCHS_DEBIAN_SHA256" tools/bochs/pins.conf
	if [ -f "$KIT_DOWNLOADS/$BOCHS_DSC" ]; then
		verify_sha256 "$KIT_DOWNLOADS/$BOCHS_DSC" "$BOCHS_DSC_SHA256" tools/bochs/pins.conf
	fi
}

# The BIOS packages (from trixie, the build root's suite): BIOS_DEB[PKG] is the path of PKG's .deb.
declare -A BIOS_DEB=()
fetch_bios() {
	local p
	for p in "${!BOCHS_BIOS_DEBS[@]}"; do
		BIOS_DEB[$p]=$(fetch_pinned_deb --pins tools/bochs/pins.conf \
			"$p" "${BOCHS_BIOS_DEBS[$p]}" "${BOCHS_BIOS_SHA256[$p]:-}")
	done
}

# ---- build -----------------------------------------------------------------------------------
fetch_source
fetch_bios

mkdir -p "$KIT_CACHE/bochs" "$KIT_CACHE/work"
WORK=$KIT_CACHE/work/bochs-$(basename "$DEST").tmp.$$
TMPDEST=$DEST.tmp.$$
cleanup() { rm -rf "$WORK" "$TMPDEST"; }
trap cleanup EXIT
rm -rf "$WORK"
mkdir -p "$WORK"

# Unpack and patch before taking the build lock: cheap, and a stale patch fails at once.
log "unpacking $BOCHS_ORIG"
tar -C "$WORK" --no-same-owner -xf "$KIT_DOWNLOADS/$BOCHS_ORIG"
SRC=$WORK/$BOCHS_SRCDIR
[ -f "$SRC/cpu/vmx.cc" ] || die "$BOCHS_ORIG does not unpack to $BOCHS_SRCDIR/"

for p in "$BOCHS_TOOLS"/patches/*.patch; do
	[ -e "$p" ] || continue
	log "applying $(basename "$p")"
	if ! out=$(patch -d "$SRC" -p1 --forward --batch --no-backup-if-mismatch <"$p" 2>&1); then
		echo "$out" >&2
		die "patch $(basename "$p") does not apply to $BOCHS_SRCDIR ($BOCHS_VERSION); refresh it"
	fi
	if echo "$out" | grep -iE 'offset|fuzz' >/dev/null; then
		warn "$(basename "$p") applied with offset/fuzz: $(echo "$out" | grep -iE 'offset|fuzz' | sed -n 1p)"
	fi
done

build_lock
# Another run may have published it while we waited for the lock.
if [ -x "$BOCHS_BIN" ]; then
	echo "$BOCHS_BIN"
	exit 0
fi
clean_stale_tmp "$DEST"
mkdir -p "$TMPDEST/bin" "$TMPDEST/share"

LOG=$TMPDEST/build.log
log "configuring and building Bochs in the build root (1-2 minutes on 2 cores; log: $DEST/build.log)"
start=$(date +%s)
# shellcheck disable=SC2086
if ! in_root bash -ec '
	cd "$1"; shift
	export CC=gcc-14 CXX=g++-14 CFLAGS="-O2 -pipe" CXXFLAGS="-O2 -pipe"
	./configure "$@"
	make -j"$(nproc)"
' _ "$SRC" $CONFIGURE_FLAGS >"$LOG" 2>&1; then
	tail -n 25 "$LOG" >&2
	cp "$LOG" "$KIT_CACHE/bochs/build-failed.log" 2>/dev/null || true
	die "Bochs build failed (full log: $KIT_CACHE/bochs/build-failed.log)"
fi
log "built in $(($(date +%s) - start)) s"

install -m 0755 "$SRC/bochs" "$TMPDEST/bin/bochs"
# BIOS images from Debian's binary packages (see pins.conf).
BIOSX=$WORK/bios
mkdir -p "$BIOSX"
for p in "${!BOCHS_BIOS_DEBS[@]}"; do
	dpkg-deb -x "${BIOS_DEB[$p]}" "$BIOSX"
done
install -m 0644 "$BIOSX/usr/share/bochs/BIOS-bochs-latest" "$TMPDEST/share/BIOS-bochs-latest"
install -m 0644 "$BIOSX/usr/share/vgabios/vgabios.bin" "$TMPDEST/share/VGABIOS-lgpl-latest"

{
	echo "version=$BOCHS_VERSION"
	echo "orig=$BOCHS_ORIG sha256=$BOCHS_ORIG_SHA256"
	for p in "$BOCHS_TOOLS"/patches/*.patch; do
		[ -e "$p" ] && echo "patch=$(basename "$p") sha256=$(sha256_of "$p")"
	done
	for p in "${!BOCHS_BIOS_DEBS[@]}"; do echo "bios=$p ${BOCHS_BIOS_DEBS[$p]}"; done | sort
	echo "configure=$CONFIGURE_FLAGS"
} >"$TMPDEST/BUILD-INFO"

# Smoke test: the binary runs inside the build root and offers the CPU model the rig uses.
models=$("$BUILDROOT_SH" run -b "$TMPDEST" -- "$TMPDEST/bin/bochs" --help cpu 2>&1 || true)
echo "$models" | grep -w tigerlake >/dev/null || {
	echo "$models" | tail -n 20 >&2
	die "the freshly built bochs does not start in the build root or lacks the tigerlake model"
}

mv "$TMPDEST" "$DEST"
echo "$BOCHS_BIN"
