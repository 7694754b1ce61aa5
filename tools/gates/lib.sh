# shellcheck shell=bash
# Helpers shared by the maintainer gates (tools/gates/*.sh). Source after tools/lib/common.sh.

GATES_DIR=$KIT_TOP/tools/gates
KCONFIG_DIR=$KIT_TOP/tools/kconfig
# shellcheck source=pins.conf
. "$GATES_DIR/pins.conf"

# The build root's compiler (there is no plain gcc there).
GATES_CC=x86_64-linux-gnu-gcc-14
KERNELS=$KIT_CACHE/kernels
GATES_TOOLS=$KIT_CACHE/tools
GATES_WORK=${GATES_WORK:-$KIT_TOP/build/gates}

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
