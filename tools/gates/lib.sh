# shellcheck shell=bash
# Helpers shared by the maintainer gates (tools/gates/*.sh). Source after tools/lib/common.sh.

GATES_DIR=$KIT_TOP/tools/gates
KCONFIG_DIR=$KIT_TOP/tools/kernel
# shellcheck source=pins.conf
. "$GATES_DIR/pins.conf"

# The build root's compiler (there is no plain gcc there).
GATES_CC=$KIT_CC
# shellcheck disable=SC2034 # used by tools/kernel/build.sh
KERNELS=$KIT_CACHE/kernels
GATES_TOOLS=$KIT_CACHE/tools
GATES_WORK=${GATES_WORK:-$KIT_TOP/build/gates}
# The series builds' results, shared by the clones of the machine (series-build.sh).
GATES_CACHE=${GATES_CACHE:-$KIT_CACHE/gates/builds}

buildroot() { "$KIT_TOP/tools/buildroot.sh" "$@"; }

# The config fragments of a flavour, in merge order. The first comes from the base tree.
flavour_fragments() { # stock|debug -> paths (base-tree relative ones start with "base:")
	case $1 in
	stock) echo "base:kernel/configs/kvm_guest.config $KCONFIG_DIR/base-trim.config $KCONFIG_DIR/kvm.config" ;;
	debug) echo "base:kernel/configs/kvm_guest.config $KCONFIG_DIR/base-trim.config $KCONFIG_DIR/kvm.config $KCONFIG_DIR/debug.config" ;;
	*) die "unknown kernel flavour '$1' (known: stock, debug)" ;;
	esac
}

# check_config CONFIG FRAGMENT...: every line of the fragments (the last one for a symbol wins,
# as in merge_config.sh) must be in CONFIG with that value; "# CONFIG_X is not set" means X must
# be unset. Kconfig silently drops a request whose dependencies are not met: name each one.
check_config() {
	local cfg=$1
	shift
	awk '
	function val_of(line,   v) {
		if (line ~ /^# CONFIG_[A-Za-z0-9_]+ is not set/) return "n"
		v = line; sub(/^CONFIG_[A-Za-z0-9_]+=/, "", v); return v
	}
	function sym_of(line,   s) {
		s = line; sub(/^# /, "", s); sub(/[= ].*/, "", s); return s
	}
	FNR == 1 { fileno++ }
	fileno < nfrag + 1 {
		if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/ || $0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set/) {
			s = sym_of($0)
			if (!(s in want)) order[n++] = s
			want[s] = val_of($0); from[s] = FILENAME
		}
		next
	}
	{
		if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/ || $0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set/)
			have[sym_of($0)] = val_of($0)
	}
	END {
		bad = 0
		for (i = 0; i < n; i++) {
			s = order[i]; g = (s in have) ? have[s] : "n"
			if (g != want[s]) {
				printf "%s: requested %s in %s, but the final .config has %s (unmet dependency or conflicting option)\n", s, want[s], from[s], g
				bad++
			}
		}
		exit bad ? 1 : 0
	}' nfrag=$# "$@" "$cfg"
}

# Seconds since START (an epoch).
since() { echo $(( $(date +%s) - $1 )); }

# --- the series under test ---------------------------------------------------------------------
# shellcheck disable=SC2034 # used by series-build.sh
GATES_RECIPE=2
SERIES=$(realpath -m "${SERIES:-$KIT_TOP/patches}")

# The patches of SERIES in order (nothing when SERIES has none); a missing patch is an error.
gate_patches() {
	local line
	[ -f "$SERIES/series" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%%#*}
		line=$(echo "$line" | tr -d '[:space:]')
		[ -n "$line" ] || continue
		[ -f "$SERIES/$line" ] || { echo "FAIL: $SERIES/series names $line, which does not exist"; exit 1; }
		echo "$line"
	done <"$SERIES/series"
}

# A gate with nothing to check says so and skips: never a silent pass.
skip_if_empty() { # PATCHES
	[ -n "$1" ] || gate_skip "the series ($SERIES) has no patches: nothing to check"
}

gate_skip() { echo "SKIP: $*"; exit 4; }
gate_fail() { echo "FAIL: $*"; }

base_info() {
	read -r BASE_REPO BASE_COMMIT < <("$KIT_TOP/tools/base.sh" ensure)
}

# The identity git am commits with in scratch trees.
export GIT_COMMITTER_NAME=kvm-series-gates GIT_COMMITTER_EMAIL=gates@kvm-series.invalid
export GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"

# scratch_tree DIR: DIR is a clone of the base, checked out at the base commit, clean. Files
# that do not change keep their timestamps, so builds in a reused O= stay incremental.
scratch_tree() {
	local dir=$1
	# A clone of another base (the base was re-imported) is of no use: start again.
	if [ -d "$dir/.git" ] && ! git -C "$dir" cat-file -e "$BASE_COMMIT^{commit}" 2>/dev/null; then
		rm -rf "$dir"
	fi
	if [ ! -d "$dir/.git" ]; then
		rm -rf "$dir"
		mkdir -p "$(dirname "$dir")"
		git clone -q --shared --no-checkout "$BASE_REPO" "$dir"
		git -C "$dir" config gc.auto 0
		git -C "$dir" config core.autocrlf false
	fi
	git -C "$dir" am --abort >/dev/null 2>&1 || true
	git -C "$dir" checkout -q -f --detach "$BASE_COMMIT"
	git -C "$dir" clean -q -f -d -x
}

# am_one DIR PATCH: apply one patch; on failure print git's reason and leave DIR clean.
am_one() {
	local dir=$1 patch=$2 out
	if ! out=$(git -C "$dir" am --keep-cr -q "$patch" 2>&1); then
		git -C "$dir" am --abort >/dev/null 2>&1 || true
		echo "$out" | grep -v -e '^hint:' -e '^$' | sed 's/^/    /'
		return 1
	fi
}

# --- normalising compiler and checker output ---------------------------------------------------
# norm_warnings SRCDIR < LOG: one line per warning, "TOOL<TAB>FILE<TAB>KIND: MESSAGE", with the
# line and column numbers removed and -Werror=x turned back into the warning -Wx, so that a
# warning is the same before and after unrelated lines move ("on line 123" in a Coccinelle
# message becomes "on line N"). TOOL is gcc, sparse or cocci.
norm_warnings() {
	local src=$1 rel
	# kbuild names sources relative to O= when it can ("../src/arch/..."): strip both forms.
	rel=$(realpath -m --relative-to="$OBJ" "$src")
	sed -e "s#$src/##g" -e "s#$rel/##g" | awk '
	function clean(p) {
		sub(/^(\.\.\/)+/, "", p); sub(/^\.\//, "", p)
		while (p ~ /[^\/]+\/\.\.\//) sub(/[^\/]+\/\.\.\//, "", p)
		return p
	}
	{
		tool = "gcc"; line = $0
		if (line ~ /^sparse: /) { tool = "sparse"; sub(/^sparse: /, "", line) }
		if (line ~ /^cocci: /) { tool = "cocci"; sub(/^cocci: /, "", line) }
		if (tool == "cocci") {
			# file:LINE:COL-COL: MESSAGE
			if (!match(line, /^[^ :]+:[0-9]+:[0-9-]+: /)) next
			f = line; sub(/:.*/, "", f); msg = substr(line, RLENGTH + 1)
			gsub(/line [0-9]+/, "line N", msg)
			printf "%s\t%s\t%s\n", tool, clean(f), msg
			next
		}
		if (!match(line, /^[^ :]+:[0-9]+(:[0-9]+)?: (warning|error): /)) next
		f = line; sub(/:.*/, "", f)
		msg = substr(line, RLENGTH + 1)
		kind = line; sub(/^[^ :]+:[0-9]+(:[0-9]+)?: /, "", kind); sub(/:.*/, "", kind)
		if (msg ~ /\[-Werror=[^]]*\]$/) { sub(/\[-Werror=/, "[-W", msg); kind = "warning" }
		# Werror without a flag name: "all warnings being treated as errors" is not a finding.
		printf "%s\t%s\t%s: %s\n", tool, clean(f), kind, msg
	}'
}

# --- building in the scratch tree --------------------------------------------------------------
SRC=$GATES_WORK/src
OBJ=$GATES_WORK/obj

inroot() {
	buildroot run -b "$GATES_WORK" -b "$GATES_TOOLS" -- "$@"
}

# make in the scratch tree SRC with output in OBJ, in the build root, with ccache.
kmake() {
	inroot make -C "$SRC" O="$OBJ" ARCH=x86_64 LOCALVERSION= -j"$(nproc)" \
		CC="ccache $GATES_CC" HOSTCC="ccache $GATES_CC" "$@"
}

# The checkers (fetched and verified by tools/gates/tools.sh): call before build_lock.
checker_tools() {
	SPARSE_DIR=$("$KIT_TOP/tools/gates/tools.sh" sparse)
	COCCI_DIR=$("$KIT_TOP/tools/gates/tools.sh" cocci)
}

# cocci_usable FILE.cocci: a semantic patch the gates can run (MODE=report, no OCaml rules).
cocci_usable() {
	grep -qE '^virtual +([a-z]+ *, *)*report\b' "$1" && ! grep -q ':ocaml' "$1"
}

# Wrappers used as kbuild's CHECK: they tag every line of the checker's output ("sparse: ",
# "cocci: ") so that norm_warnings can tell the tools apart.
write_checker_wrappers() {
	mkdir -p "$GATES_WORK/bin"
	cat >"$GATES_WORK/bin/sparse" <<-EOF2
	#!/bin/sh
	# Generated by tools/gates/lib.sh: sid's sparse, its messages tagged "sparse: ".
	# Every warning: sparse stops at 100 per file by default ("too many warnings").
	# sed -u: one write per line. Buffered, sed writes 4 KiB blocks that end inside a line, and
	# under make -j another job's output ("  CHECK   ...") lands in the middle of that line.
	"$SPARSE_DIR/usr/bin/sparse" -fmax-warnings=unlimited "\$@" 2>&1 | sed -u 's/^/sparse: /'
	EOF2
	cat >"$GATES_WORK/bin/cocci" <<-EOF2
	#!/bin/bash
	$(declare -f cocci_usable)
	# Generated by tools/gates/lib.sh: the tree's scripts/coccicheck (one file: kbuild's C=1/C=2
	# mode) with trixie's spatch, MODE=report, one semantic patch at a time (COCCI=), its
	# findings tagged "cocci: ". Skipped (coccicheck would stop at the first of them): semantic
	# patches with OCaml script rules (they need an OCaml compiler at run time, which the build
	# root does not have) and those without a report mode (e.g. api/kmalloc_objs.cocci).
	export SPATCH="$COCCI_DIR/usr/bin/spatch" COCCINELLE_HOME="$COCCI_DIR/usr/lib/coccinelle"
	export LD_LIBRARY_PATH="$COCCI_DIR/usr/lib/x86_64-linux-gnu" MODE=report
	for f in \$(find "\$srctree/scripts/coccinelle" -name '*.cocci' | LC_ALL=C sort); do
		cocci_usable "\$f" || continue
		COCCI=\$f "\$srctree/scripts/coccicheck" "\$@"
	done 2>&1 | sed -u 's/^/cocci: /'
	EOF2
	chmod +x "$GATES_WORK/bin/sparse" "$GATES_WORK/bin/cocci"
}

# prepare_obj CONFIG LOG: OBJ configured with CONFIG (copied only when it changed, so that OBJ
# stays incremental) and ready for directory builds (modules_prepare, without W=1).
prepare_obj() {
	local cfg=$1 logf=$2
	mkdir -p "$OBJ"
	cmp -s "$cfg" "$OBJ/.config" || cp "$cfg" "$OBJ/.config"
	kmake olddefconfig modules_prepare >"$logf" 2>&1 \
		|| { tail -n 20 "$logf" >&2; die "modules_prepare failed in $OBJ (log: $logf)"; }
}
