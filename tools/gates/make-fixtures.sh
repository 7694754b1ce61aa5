#!/usr/bin/env bash
# (Re)generate the gates' fixture series, tools/fixtures/gates-*/, as real git format-patch
# output: commits in a scratch clone of the base, the branch description as the cover letter,
# then tools/series.sh export. Test data for tools/tests/gates/, never part of patches/.
#
#   tools/gates/make-fixtures.sh [bisect|sparse|sleep]...    default: all three
#
#   gates-bisect  3 patches; 2/3 uses a macro that only 3/3 defines: the series builds as a
#                 whole but patch 2 does not (the bisect gate must name it, x86.c, the error)
#   gates-sparse  1 patch that writes through a __user pointer without put_user(): gcc is
#                 silent, sparse says "dereference of noderef expression" (warnings gate)
#   gates-sleep   1 patch that takes a mutex under a spinlock when a VM is created: compiles
#                 clean, the debug kernel's DEBUG_ATOMIC_SLEEP reports "BUG: sleeping function
#                 called from invalid context" (for the test rig, KERNEL=debug)
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

need_root "exporting through the build root"
base_info
NAME=$(git -C "$KIT_TOP" config user.name || echo kvm-series)
EMAIL=$(git -C "$KIT_TOP" config user.email || echo kvm-series@invalid)
export GIT_AUTHOR_NAME=$NAME GIT_AUTHOR_EMAIL=$EMAIL GIT_COMMITTER_NAME=$NAME GIT_COMMITTER_EMAIL=$EMAIL
DATE0=1795000000 # fixed dates: the fixtures are reproducible

# edit FILE PYTHON-EXPR: replace exactly one occurrence of OLD by NEW (python, so that tabs and
# newlines are exact); fails when OLD is not found once.
edit() {
	python3 - "$@" <<-'EOF'
	import sys
	path, old, new = sys.argv[1], sys.argv[2], sys.argv[3]
	s = open(path).read()
	if s.count(old) != 1:
	    sys.exit(f"{path}: expected one occurrence of {old!r}, found {s.count(old)}")
	open(path, "w").write(s.replace(old, new))
	EOF
}

commit() { # SUBJECT BODY
	local n
	n=$(git -C "$T" rev-list --count "$BASE_COMMIT..HEAD")
	GIT_AUTHOR_DATE="@$((DATE0 + n)) +0000" GIT_COMMITTER_DATE="@$((DATE0 + n)) +0000" \
		git -C "$T" commit -q -a -s -m "$1" -m "$2"
}

start() { # NAME
	T=$GATES_WORK/fixture-src/$1
	OUTDIR=$KIT_TOP/tools/fixtures/gates-$1
	rm -rf "$T"
	mkdir -p "$(dirname "$T")" "$OUTDIR"
	git clone -q --shared --no-checkout "$BASE_REPO" "$T"
	git -C "$T" checkout -q -b series "$BASE_COMMIT"
}

finish() { # COVER-SUBJECT COVER-BODY
	git -C "$T" config branch.series.description "$1

$2"
	rm -f "$OUTDIR"/*.patch "$OUTDIR/series"
	TREE=$T SERIES=$OUTDIR "$KIT_TOP/tools/series.sh" export
	rm -rf "$T"
}

fixture_bisect() {
	start bisect
	local x86=$T/arch/x86/kvm/x86.c
	edit "$x86" 'module_init(kvm_x86_init);' 'module_init(kvm_x86_init);

/* Test data for the maintainer gates (tools/fixtures/gates-bisect). */
MODULE_INFO(kvm_gates_fixture, "bisect-1");'
	commit "KVM: x86: Tag kvm.ko for the gates' bisect fixture" \
"The maintainer gates need a series whose patches build one by one but for
one of them.  Start it with a harmless module info tag in kvm.ko.

This patch is test data for tools/gates, never part of the series."
	edit "$x86" 'MODULE_INFO(kvm_gates_fixture, "bisect-1");' 'MODULE_INFO(kvm_gates_fixture, KVM_GATES_FIXTURE_TAG);'
	commit "KVM: x86: Take the gates' fixture tag from x86.h" \
"Name the fixture's tag with a macro.  The macro is only defined by the
next patch, so this one does not build on its own: the bisect gate must
name this patch, arch/x86/kvm/x86.c and the compiler's error.

This patch is test data for tools/gates, never part of the series."
	edit "$T/arch/x86/kvm/x86.h" 'int kvm_emulate_hypercall(struct kvm_vcpu *vcpu);

#endif' 'int kvm_emulate_hypercall(struct kvm_vcpu *vcpu);

/* Test data for the maintainer gates (tools/fixtures/gates-bisect). */
#define KVM_GATES_FIXTURE_TAG "bisect-3"

#endif'
	commit "KVM: x86: Define the gates' fixture tag" \
"Define the macro the previous patch uses, which makes the series as a
whole build again.

This patch is test data for tools/gates, never part of the series."
	finish "Maintainer gates fixture: a series that does not bisect" \
"Test data for the maintainer gates (tools/fixtures/gates-bisect): three
patches of which the whole series builds, but the second does not build
on its own (it uses a macro that only the third defines).  The bisect
gate must fail and name patch 2, arch/x86/kvm/x86.c and the error."
}

fixture_sparse() {
	start sparse
	edit "$T/arch/x86/kvm/x86.c" '	if (put_user(val, uaddr))
		return -EFAULT;

	return 0;
}

static int kvm_x86_dev_has_attr' '	*uaddr = val;

	return 0;
}

static int kvm_x86_dev_has_attr'
	commit "KVM: x86: Store device attributes with a plain write" \
"Write the attribute's value to userspace with a plain store instead of
put_user().  This is wrong on purpose: uaddr is a __user pointer, and
sparse reports the dereference (gcc does not).  The warnings gate must
fail and name this patch, arch/x86/kvm/x86.c and sparse's message.

This patch is test data for tools/gates, never part of the series."
	finish "Maintainer gates fixture: a new sparse warning" \
"Test data for the maintainer gates (tools/fixtures/gates-sparse): one
patch that builds without a compiler warning but dereferences a __user
pointer, which only sparse reports."
}

fixture_sleep() {
	start sleep
	edit "$T/virt/kvm/kvm_main.c" '	mutex_lock(&kvm_lock);
	list_add(&kvm->vm_list, &vm_list);
	mutex_unlock(&kvm_lock);' '	/*
	 * Test data for the debug kernel (tools/fixtures/gates-sleep): take a
	 * mutex, which may sleep, while holding a spinlock.
	 */
	spin_lock(&kvm->mn_invalidate_lock);
	mutex_lock(&kvm->slots_lock);
	mutex_unlock(&kvm->slots_lock);
	spin_unlock(&kvm->mn_invalidate_lock);

	mutex_lock(&kvm_lock);
	list_add(&kvm->vm_list, &vm_list);
	mutex_unlock(&kvm_lock);'
	commit "KVM: Take slots_lock under mn_invalidate_lock when creating a VM" \
"Acquire and release slots_lock while holding the mn_invalidate_lock
spinlock in kvm_create_vm().  This is wrong on purpose: mutex_lock() may
sleep, which is not allowed under a spinlock.  It compiles without a
warning; a kernel with CONFIG_DEBUG_ATOMIC_SLEEP reports \"BUG: sleeping
function called from invalid context\" at the first KVM_CREATE_VM, which
the test rig's debug kernel must catch.

This patch is test data for tools/gates, never part of the series."
	finish "Maintainer gates fixture: sleeping under a spinlock" \
"Test data for the test rig's debug kernel (tools/fixtures/gates-sleep):
one patch that compiles clean but takes a mutex under a spinlock in
kvm_create_vm(), which CONFIG_DEBUG_ATOMIC_SLEEP reports at the first
VM creation."
}

which=("$@")
[ ${#which[@]} -gt 0 ] || which=(bisect sparse sleep)
for f in "${which[@]}"; do
	case $f in
	bisect|sparse|sleep) "fixture_$f" ;;
	*) die "unknown fixture '$f' (known: bisect, sparse, sleep)" ;;
	esac
done
