#!/usr/bin/env bash
# A corrupt or wrong-version download is refused with a clear message, removed, and nothing is
# unpacked from it.
. "$(dirname "$0")/../lib.sh"
c=$SCRATCH/cache-corrupt
rm -rf "$c"; mkdir -p "$c/downloads"
deb=$c/downloads/${BASE_PKG}_${BASE_VERSION}_all.deb
head -c 100000 /dev/urandom >"$deb"
expect_fail 'sha256 .* does not match the pinned' env KVM_SERIES_CACHE="$c" "$TOP/tools/base.sh" ensure
[ ! -e "$deb" ] || fail "the corrupt download was kept"
[ -z "$(ls -A "$c/base" 2>/dev/null)" ] || fail "something was unpacked from the corrupt download"
# A genuine Debian package of another version: the pinned hash (and version) refuse it.
other=$(ls "$("$TOP/tools/buildroot.sh" path)"/var/cache/apt/archives/linux-headers-*-common_*.deb | sed -n 1p)
[ -n "$other" ] || fail "no other .deb to test with"
cp "$other" "$SCRATCH/other.deb"
expect_fail 'does not match the pinned' "$TOP/tools/base.sh" check-deb "$SCRATCH/other.deb"
rm -rf "$c" "$SCRATCH/other.deb"
