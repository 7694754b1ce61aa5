#!/usr/bin/env bash
# Without root (and so without a way to install packages or make the build root), the kit says
# so and stops; it creates nothing.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" -eq 0 ] || skip "this test drops from root to nobody; run it as root"
c=$SCRATCH/cache-nobody
rm -rf "$c"; mkdir -p "$c"; chown nobody "$c"
asnobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent KVM_SERIES_CACHE="$c" "$@"; }
expect_fail 'needs root' asnobody "$TOP/tools/buildroot.sh" ensure
[ -z "$(ls -A "$c" 2>/dev/null)" ] || fail "files were created in the cache: $(ls -A "$c")"
expect_fail 'needs root' asnobody "$TOP/tools/series.sh" prepare
rm -rf "$c"
