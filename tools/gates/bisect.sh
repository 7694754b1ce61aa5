#!/usr/bin/env bash
# Gate "bisect": every patch of SERIES builds on its own. The patches are applied one at a time
# (git am) onto the base in a scratch clone; after each one every KVM object is compiled with
# the project configuration (tools/kernel/kvm.config: TDX, SEV, Hyper-V, Xen, SMM, ... and
# KVM_WERROR) and W=1, and the KVM selftests are built when the series touches what they are
# built from. The builds are incremental (one output directory for the whole series).
#
#   SERIES=<dir> tools/gates/bisect.sh     exit 0 pass, 4 skip (reason on the last line), 1 fail
#
# A failure names the patch, the file and the compiler's message.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

patches=$(gate_patches)
skip_if_empty "$patches"
res=$("$GATES_DIR/series-build.sh")

# first_errors LOG: the compiler's errors, "file:line: error: message", tree paths relative.
first_errors() {
	local e rel
	rel=$(realpath -m --relative-to="$OBJ" "$SRC")
	e=$(sed -e "s#$SRC/##g" -e "s#$rel/##g" "$1" | grep -E '(^|: )(fatal )?error: |^ERROR: |undefined reference' | sed -n 1,5p || true)
	if [ -z "$e" ]; then
		e=$(grep -E '\*\*\*|Error [0-9]' "$1" | sed -n 1,3p || true)
	fi
	echo "$e" | sed -E 's#^(\.\./)+##'
}

bad=0
i=0
for p in $patches; do
	i=$((i + 1))
	n=$(printf '%04d' "$i")
	if [ -f "$res/$n.apply" ]; then
		gate_fail "$p: does not apply (git am):"
		sed 's/^/    /' "$res/$n.apply"
		bad=$((bad + 1))
		break
	fi
	if [ "$(cat "$res/$n.rc")" != 0 ]; then
		gate_fail "$p: the KVM build fails (log: $res/$n.log):"
		first_errors "$res/$n.log" | sed 's/^/    /'
		bad=$((bad + 1))
	else
		echo "ok: $p: KVM objects build (W=1, project config)"
	fi
	if [ -f "$res/$n.selftests.rc" ]; then
		if [ "$(cat "$res/$n.selftests.rc")" != 0 ]; then
			gate_fail "$p: the KVM selftests do not build (log: $res/$n.selftests.log):"
			first_errors "$res/$n.selftests.log" | sed 's/^/    /'
			bad=$((bad + 1))
		else
			echo "ok: $p: KVM selftests build"
		fi
	fi
done
[ ! -f "$res/selftests.skipped" ] || echo "note: selftests not built: $(cat "$res/selftests.skipped")"
# The configuration really built the optional parts (a Kconfig change must not hide them).
if [ $bad -eq 0 ]; then
	[ -f "$res/objects" ] || die "the series build left no list of objects ($res/objects)"
	for o in vmx/tdx.o svm/sev.o hyperv.o xen.o smm.o vmx/hyperv.o svm/hyperv.o; do
		grep -qxF "arch/x86/kvm/$o" "$res/objects" || { gate_fail "arch/x86/kvm/$o was not built: the project configuration lost an option"; bad=$((bad + 1)); }
	done
fi
[ $bad -eq 0 ] || { echo "FAIL: $bad problem(s) in the series (above)"; exit 1; }
echo "all $i patch(es) build on their own (series build: $(cat "$res/seconds")s)"
