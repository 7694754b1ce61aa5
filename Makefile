# Build kit for the KVM x86 patch series: apply patches/ to Debian's Linux 7.3 (or KSRC), build
# kvm.ko, kvm-intel.ko and kvm-amd.ko out of tree for Debian's stock 7.3.4+deb13-amd64 kernel (or
# KDIR), and test all of it. `make help` lists the targets; README.md explains them.
#
# When invoked by kbuild (make -C $KDIR M=$PWD), this file is not used: kbuild reads ./Kbuild.

SHELL := /bin/bash
TOP := $(CURDIR)

# Public variables (see README.md). Exported so that the scripts under tools/ see them.
export TREE SERIES KSRC KDIR USE_BUILDROOT W KVM_SERIES_CACHE RELEASE EMU TESTS KERNEL RESULTS DESTDIR BENCH_N BENCH_REPEAT BENCH_COUNT_N BENCH_BASE

.PHONY: all help buildroot base tree sync modules export export-check reset-tree \
	dkms install uninstall check check-full test-kit vmtest bench gates kernel gates-baseline fixtures-gates \
	clean distclean

all: modules

help:
	@echo 'Targets:'
	@echo '  all (default)  apply the series and build kvm.ko, kvm-intel.ko, kvm-amd.ko'
	@echo '                 into build/modules/<release>/ (= make modules)'
	@echo '  check          run the tests; prints "N passed, N failed[, N skipped]"'
	@echo '  check-full     check, and what does not fit its time budget (README.md)'
	@echo '  test-kit       only the build kit tests (part of check)'
	@echo '  vmtest         run KVM selftests on the built modules in an emulator'
	@echo '                 (EMU=qemu|bochs TESTS="a b" KERNEL=stock|debug)'
	@echo '  bench          nested VMX round-trip benchmark in Bochs: the base built by the kit vs ours,'
	@echo '                 anonymous vs VM_PFNMAP memory (pages, all of L1), a control, memremap counts'
	@echo '                 (KERNEL=, BENCH_N=, BENCH_REPEAT=, BENCH_COUNT_N=, BENCH_BASE=kit|booted)'
	@echo '  buildroot      create the cached trixie build root (debootstrap + target headers)'
	@echo '  base           fetch, verify and import the base (linux-source-7.3) into the cache'
	@echo '  tree           make TREE = base + series (git am on branch "series")'
	@echo '  sync           copy the patched KVM sources from TREE into arch/, virt/, include/'
	@echo '  modules        tree + sync + out-of-tree build, with the vermagic check'
	@echo '  export         write TREE'"'"'s commits back to patches/ (git format-patch)'
	@echo '  export-check   check that exporting TREE reproduces patches/ byte for byte'
	@echo '  reset-tree     drop TREE (and any work in it) so the next build re-applies the series'
	@echo '  dkms           write a self-contained DKMS source tree to build/dkms/'
	@echo '  install        install the built modules into /lib/modules/<release>/updates/dkms'
	@echo '  uninstall      remove them again'
	@echo '  gates          the maintainer gates on SERIES (GATES="apply checkpatch bisect warnings")'
	@echo '  kernel         build the project kernel (FLAVOUR=debug|stock, default debug), cached'
	@echo '  gates-baseline record the base'"'"'s W=1/sparse/Coccinelle warnings (tools/gates/baseline-warnings)'
	@echo '  fixtures-gates regenerate the gates'"'"' fixture series (tools/fixtures/gates-*)'
	@echo '  clean          remove build/ outputs and the synced sources (not the caches)'
	@echo '  distclean      clean, and drop TREE'
	@echo 'Variables: KSRC=<kernel git tree> KDIR=<prepared tree or headers> TREE=<dir>'
	@echo '           SERIES=<dir> USE_BUILDROOT=0|1 W=1 RELEASE=<uname -r> DESTDIR=<dir>'
	@echo '           KVM_SERIES_CACHE=<dir> EMU=qemu|bochs TESTS="a b" KERNEL=stock|debug'
	@echo '           RESULTS=<dir> BENCH_N=<n> BENCH_REPEAT=<n> BENCH_COUNT_N=<n> BENCH_BASE=kit|booted'
	@echo '           GATES="a b" FLAVOUR=debug|stock (README.md)'

buildroot:
	@tools/buildroot.sh ensure >/dev/null

base:
	@tools/base.sh ensure >/dev/null

tree:
	@tools/series.sh prepare

sync: tree
	@tools/sync.sh

modules:
	@tools/build.sh

export:
	@tools/series.sh export

export-check:
	@tools/series.sh export-check

# TREE's default is defined once, in tools/lib/common.sh; the same default here for rm.
reset-tree:
	rm -rf -- "$(or $(TREE),$(TOP)/build/linux)"

dkms: tree
	@tools/dkms.sh source

install:
	@tools/dkms.sh install

uninstall:
	@tools/dkms.sh uninstall

check:
	@tools/check.sh

# make check with the tests that do not fit its time budget too (tools/check.sh, CHECK_FULL).
check-full:
	@CHECK_FULL=1 tools/check.sh

test-kit:
	@tools/check.sh kit

vmtest:
	@tools/rig/vmtest.sh

bench:
	@tools/bench/roundtrip.sh

gates:
	@tools/gates/run.sh $(GATES)

kernel:
	@tools/kernel/build.sh $(or $(FLAVOUR),debug)

gates-baseline:
	@tools/gates/warnings.sh baseline

fixtures-gates:
	@tools/gates/make-fixtures.sh

clean:
	rm -rf -- build/modules build/dkms build/logs build/test arch virt include \
		.tmp_versions Module.symvers modules.order

distclean: clean
	rm -rf -- "$(or $(TREE),$(TOP)/build/linux)" build
