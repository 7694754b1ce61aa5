#!/usr/bin/env bash
# The built modules are the base plus the series: apply the fixture series and find the string it
# adds in the built kvm.ko.
. "$(dirname "$0")/../lib.sh"
fx=$TOP/tools/fixtures/series-modinfo
want=$(sed -n 's/^+MODULE_INFO(kvm_series_fixture, "\(.*\)");$/\1/p' "$fx"/0001-*.patch)
[ -n "$want" ] || fail "the fixture patch adds no kvm_series_fixture tag"
rm -rf "$SCRATCH/fixture" "$SCRATCH/oot-fixture" "$SCRATCH/modules-fixture"
TREE=$SCRATCH/fixture SERIES=$fx BUILD_DIR=$SCRATCH/oot-fixture MODULES_OUT=$SCRATCH/modules-fixture \
	make -C "$TOP" modules
got=$(modinfo_field kvm_series_fixture "$SCRATCH/modules-fixture/kvm.ko")
note "kvm.ko kvm_series_fixture=$got (the patch adds '$want')"
[ "$got" = "$want" ] || fail "the built kvm.ko does not carry the fixture's tag"
vm=$(modinfo_field vermagic "$SCRATCH/modules-fixture/kvm.ko")
case $vm in "$TARGET_KREL "*) ;; *) fail "vermagic '$vm'" ;; esac
