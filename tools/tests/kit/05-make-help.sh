#!/usr/bin/env bash
# `make help` and README.md's variable table name every public target and variable the Makefile
# has, and nothing it lacks. Targets: the Makefile's .PHONY list. Variables: those it exports to
# the scripts, and those its recipes read themselves ($(GATES), $(FLAVOUR)).
. "$(dirname "$0")/../lib.sh"
mk=$TOP/Makefile

phony=$(sed -n '/^\.PHONY:/,/[^\\]$/p' "$mk" | sed 's/^\.PHONY://; s/\\$//' | tr -s ' \t' '\n' | grep . | sort -u)
help_out=$(make -s -C "$TOP" help)
help_targets=$(sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' <<<"$help_out" | sort -u)
exported=$(sed -n 's/^export //p' "$mk" | tr ' ' '\n' | grep .)
read_by_recipes=$(grep -o '\$([A-Z_][A-Z_0-9]*)' "$mk" | tr -d '$()' | grep -vxE 'TOP|CURDIR|SHELL|MAKE' || true)
vars=$(printf '%s\n%s\n' "$exported" "$read_by_recipes" | grep . | sort -u)
help_vars=$(sed -n '/^Variables:/,$p' <<<"$help_out" | grep -o '\b[A-Z_][A-Z_0-9]*=' | tr -d '=' | sort -u)
readme_vars=$(sed -n 's/^| `\([A-Z_][A-Z_0-9]*\)=.*/\1/p' "$TOP/README.md" | sort -u)

bad=0
for t in $phony; do
	[ "$t" = help ] && continue
	grep -qx "$t" <<<"$help_targets" || { echo "make help does not list the target '$t'"; bad=1; }
done
for t in $help_targets; do
	grep -qx "$t" <<<"$phony" || { echo "make help lists '$t', which is not a target of the Makefile"; bad=1; }
done
for v in $vars; do
	grep -qx "$v" <<<"$help_vars" || { echo "make help does not list the variable $v"; bad=1; }
	grep -qx "$v" <<<"$readme_vars" || { echo "README.md's variable table does not list $v"; bad=1; }
done
for v in $help_vars $readme_vars; do
	grep -qx "$v" <<<"$vars" || { echo "$v is documented but the Makefile neither exports nor reads it"; bad=1; }
done
[ $bad -eq 0 ] || fail "make help, README.md and the Makefile disagree (above)"
note "$(wc -w <<<"$phony") targets and $(wc -w <<<"$vars") variables: make help and README.md agree with the Makefile"
