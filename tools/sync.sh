#!/usr/bin/env bash
# Copy the patched KVM sources from TREE into the repository's top-level arch/, virt/ and
# include/ for the out-of-tree build (kvm-kmod style). These copies are generated and ignored
# by git; the tree is the source of truth.
#
#   tools/sync.sh [DEST]      DEST defaults to the repository top
#
# What is copied: arch/x86/kvm and virt/kvm whole, the KVM headers (see kvm_headers), and any
# other header the series changes. The only edits made to the copies are the two that an
# out-of-tree build needs, both below in fixup_for_oot().
. "$(dirname "$0")/lib/common.sh"

DEST=$(realpath -m "${1:-$KIT_TOP}")

[ -d "$TREE/arch/x86/kvm" ] && [ -d "$TREE/virt/kvm" ] \
	|| die "TREE=$TREE is not a prepared kernel tree; run 'make tree' first"

# Headers private to KVM (or KVM's uapi), i.e. those only the KVM modules compile against.
kvm_headers() {
	(cd "$TREE" && ls -d \
		include/linux/kvm*.h include/uapi/linux/kvm*.h include/kvm/*.h \
		include/trace/events/kvm.h \
		arch/x86/include/asm/kvm*.h arch/x86/include/uapi/asm/kvm*.h 2>/dev/null)
}

# Headers the series changes (relative to the base commit recorded by tools/series.sh).
changed_headers() {
	local base
	base=$(tree_stamp_get "$TREE" base)
	[ -n "$base" ] || return 0
	git -C "$TREE" diff --name-only "$base" -- 'include/*.h' 'arch/x86/include/*.h' 2>/dev/null || true
}

fixup_for_oot() {
	local d=$1
	# 1. $(srctree) is the target's tree in an M= build; the KVM sources are ours.
	sed -i 's|\$(srctree)/|$(KBUILD_EXTMOD)/|g' "$d/arch/x86/kvm/Makefile"
	# 2. trace.h names its directory relative to include/trace/ of the kernel tree; make it
	#    relative to the include path (-I arch/x86/kvm) instead.
	sed -i 's|^#define TRACE_INCLUDE_PATH \.\./\.\./arch/x86/kvm$|#define TRACE_INCLUDE_PATH .|' \
		"$d/arch/x86/kvm/trace.h"
	grep -q '^#define TRACE_INCLUDE_PATH \.$' "$d/arch/x86/kvm/trace.h" \
		|| die "arch/x86/kvm/trace.h no longer defines TRACE_INCLUDE_PATH as expected; update tools/sync.sh"
}

sync_to() {
	local d=$1 h extra=()
	rm -rf "$d/arch" "$d/virt" "$d/include"
	mkdir -p "$d/arch/x86" "$d/virt"
	cp -a "$TREE/arch/x86/kvm" "$d/arch/x86/kvm"
	cp -a "$TREE/virt/kvm" "$d/virt/kvm"
	for h in $(kvm_headers) $(changed_headers); do
		[ -f "$TREE/$h" ] || continue
		mkdir -p "$d/$(dirname "$h")"
		cp -a "$TREE/$h" "$d/$h"
	done
	for h in $(changed_headers); do
		kvm_headers | grep -xF "$h" >/dev/null || extra+=("$h")
	done
	[ ${#extra[@]} -eq 0 ] || warn "the series changes headers outside KVM (${extra[*]}); modules see the change, the running kernel does not"
	# Objects and generated files from an earlier build must not leak into a new one.
	find "$d/arch/x86/kvm" "$d/virt/kvm" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \) -delete
	fixup_for_oot "$d"
}

# Sync into a staging directory; replace DEST's copies only when something changed, so that an
# unchanged tree keeps kbuild's objects (and a rebuild is incremental).
stage=$DEST/build/.sync-stage
[ "$DEST" = "$KIT_TOP" ] || stage=$DEST/.sync-stage
rm -rf "$stage"
mkdir -p "$stage"
sync_to "$stage"
new=$( (cd "$stage" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)
if [ "$(cat "$DEST/.sync-hash" 2>/dev/null)" != "$new" ] || [ ! -d "$DEST/arch/x86/kvm" ]; then
	rm -rf "$DEST/arch" "$DEST/virt" "$DEST/include"
	mv "$stage/arch" "$stage/virt" "$stage/include" "$DEST/"
	echo "$new" >"$DEST/.sync-hash"
fi
rm -rf "$stage"
log "synced KVM sources from $TREE ($(git -C "$TREE" log -1 --format=%h 2>/dev/null || echo '?')) into $DEST"
