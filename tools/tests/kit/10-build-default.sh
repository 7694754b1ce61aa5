#!/usr/bin/env bash
# `make` builds the three modules for Debian's stock kernel, with the target's vermagic.
. "$(dirname "$0")/../lib.sh"
make -C "$TOP" modules
out=$TOP/build/modules/$TARGET_KREL
for m in $KIT_MODULES; do
	[ -f "$out/$m.ko" ] || fail "$out/$m.ko missing"
	vm=$(modinfo_field vermagic "$out/$m.ko")
	note "$m.ko vermagic: $vm"
	case $vm in "$TARGET_KREL "*) ;; *) fail "$m.ko vermagic '$vm' is not for $TARGET_KREL" ;; esac
done
grep -qx "release=$TARGET_KREL" "$out/BUILT-FOR" || fail "BUILT-FOR does not name $TARGET_KREL"
# The built modules are the tree's: the tree records the series it was made from.
[ "$(sed -n 's/^tree=//p' "$out/BUILT-FOR")" = "$(git -C "$TOP/build/linux" rev-parse HEAD)" ] \
	|| fail "the modules were not built from the current tree"
# Symbols the series adds (tools/tests/series-symbols.txt: "module symbol" lines) must be there.
n=0
while read -r mod sym; do
	case $mod in ''|'#'*) continue ;; esac
	# (no grep -q on a pipe: with pipefail, nm's SIGPIPE would count as a failure)
	nm "$out/$mod.ko" | grep -w "$sym" >/dev/null || fail "$mod.ko lacks $sym, which the series adds"
	n=$((n + 1))
done < "$TOP/tools/tests/series-symbols.txt"
note "checked $n symbols added by the series"
