#!/usr/bin/env bash
# The configuration check names every requested option Kconfig dropped: KVM_WERROR cannot be
# on with KASAN unless WERROR is (arch/x86/kvm/Kconfig), and a symbol that does not exist
# cannot be set at all; the project configuration itself passes.
. "$(dirname "$0")/lib.sh"
. "$TOP/tools/lib/common.sh"
. "$TOP/tools/gates/lib.sh"
cfg=$("$TOP/tools/kernel/build.sh" config debug)
note "the debug .config: $cfg"
check_config "$cfg" "$TOP/tools/kernel/base-trim.config" "$TOP/tools/kernel/kvm.config" \
	"$TOP/tools/kernel/debug.config" || fail "the debug configuration does not pass its own check"
frag=$SCRATCH/bad.config
printf 'CONFIG_KVM_WERROR=y\nCONFIG_KVM_NO_SUCH_OPTION=y\nCONFIG_KVM_XEN=y\n' >"$frag"
rc=0
out=$(check_config "$cfg" "$frag") || rc=$?
echo "$out" | sed 's/^/    | /'
[ $rc -ne 0 ] || fail "check_config accepted options the .config does not have"
grep -q '^CONFIG_KVM_WERROR: requested y .* has n' <<<"$out" || fail "KVM_WERROR not named"
grep -q '^CONFIG_KVM_NO_SUCH_OPTION: requested y' <<<"$out" || fail "the unknown option not named"
grep -q 'CONFIG_KVM_XEN' <<<"$out" && fail "KVM_XEN is set but was reported"
exit 0
