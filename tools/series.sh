#!/usr/bin/env bash
# The patch series and the tree it is applied to.
#
#   tools/series.sh prepare       make TREE = base + series (git am on branch "series")
#   tools/series.sh ensure        like prepare, but a tree holding work not yet exported (new
#                                 commits or changes) is used as it is, with a warning: this is
#                                 what builds use, so that work in TREE can be built and tested
#   tools/series.sh export        write the branch back to SERIES (git format-patch)
#   tools/series.sh export-check  export into a scratch directory and compare with SERIES
#
# Variables: TREE (default build/linux), SERIES (default patches), KSRC (see tools/base.sh).
#
# TREE is a clone of the base repository sharing its objects. A stamp in TREE/.git records the
# base commit, a hash of the series and the resulting HEAD, so an unchanged series is not applied
# again. Work done in TREE (new commits) is never thrown away: prepare refuses until it is exported.
#
# Git runs inside the build root so that every machine uses the same git (format-patch output
# depends on git's version). Applying is deterministic too (fixed committer identity, committer
# date = author date), so the same series gives the same commit ids in every clone, and caches
# keyed by the tree's HEAD (selftests, modules) are reused.
. "$(dirname "$0")/lib/common.sh"


if [ -z "${KIT_IN_BUILDROOT:-}" ]; then
	need_root "applying the series"
	read -r base_repo base_commit < <("$KIT_TOP/tools/base.sh" ensure)
	name=$(git -C "$KIT_TOP" config user.name 2>/dev/null || true)
	email=$(git -C "$KIT_TOP" config user.email 2>/dev/null || true)
	mkdir -p "$(dirname "$TREE")"
	TREE=$(realpath -m "$TREE")
	SERIES=$(realpath -m "$SERIES")
	binds=(-b "$(dirname "$TREE")" -b "$base_repo")
	[ -d "$SERIES" ] && binds+=(-b "$SERIES")
	exec "$KIT_TOP/tools/buildroot.sh" run "${binds[@]}" -- env KIT_IN_BUILDROOT=1 \
		TREE="$TREE" SERIES="$SERIES" BASE_REPO="$base_repo" BASE_COMMIT="$base_commit" \
		KIT_IDENT_NAME="${name:-kvm-series}" KIT_IDENT_EMAIL="${email:-kvm-series@invalid}" \
		KVM_SERIES_CACHE="$KIT_CACHE" KIT_LOGS="$KIT_LOGS" \
		bash "$KIT_TOP/tools/series.sh" "$@"
fi

# Commits made by applying the series get a fixed committer (the authors come from the patches),
# so that their ids do not depend on who applies them.
export GIT_COMMITTER_NAME="kvm-series apply" GIT_COMMITTER_EMAIL=apply@kvm-series.invalid
export GIT_AUTHOR_NAME=$KIT_IDENT_NAME GIT_AUTHOR_EMAIL=$KIT_IDENT_EMAIL
git config --global --get safe.directory >/dev/null 2>&1 || git config --global safe.directory '*'

# The patches of the series, in order, one per line.
series_patches() {
	local line
	[ -f "$SERIES/series" ] || die "$SERIES/series does not exist"
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%%#*}
		line=$(echo "$line" | tr -d '[:space:]')
		[ -n "$line" ] || continue
		[ -f "$SERIES/$line" ] || die "$SERIES/series names $line, which does not exist"
		echo "$line"
	done <"$SERIES/series"
}

series_hash() {
	local list
	list=$(series_patches)
	{
		echo "$BASE_COMMIT"
		cat "$SERIES/series"
		[ -f "$SERIES/0000-cover-letter.patch" ] && cat "$SERIES/0000-cover-letter.patch"
		for p in $list; do cat "$SERIES/$p"; done
	} | sha256sum | cut -c1-16
}

stamp_get() { # KEY
	tree_stamp_get "$TREE" "$1"
}

# Headers of the cover letter, unfolded: "Subject: [PATCH v2 0/3] foo" -> prints the value of KEY.
cover_header() {
	awk -v key="$1" '
		/^$/ { exit }
		/^[ \t]/ { if (cur == key) val = val $0; next }
		{ cur = $0; sub(/:.*/, "", cur); if (cur == key) { val = $0; sub(/^[^:]*: /, "", val) } }
		END { print val }' "$2"
}

# The cover letter's prose (subject, blank line, body) without the generated shortlog, diffstat
# and base-commit, as git wants it in the branch description.
cover_description() {
	local cl=$1 subject
	subject=$(cover_header Subject "$cl" | sed -E 's/^\[[^]]*\] *//')
	echo "$subject"
	echo
	# Body: after the headers, up to the shortlog ("Name (N):") that format-patch generates.
	awk '
		!hdr_done { if ($0 == "") hdr_done = 1; next }
		/^[^ ].* \([0-9]+\):$/ { stop = 1 }
		!stop { print }' "$cl" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

prefix_of() { # cover letter -> "PATCH v2" from "[PATCH v2 0/3]"
	cover_header Subject "$1" | sed -nE 's/^\[(.*) 0+\/[0-9]+\].*/\1/p'
}

apply_series() {
	local branch=$1 p out list
	list=$(series_patches) || return 1
	git -C "$TREE" checkout -q -f -B "$branch" "$BASE_COMMIT"
	git -C "$TREE" clean -q -f -d
	for p in $list; do
		if ! out=$(git -C "$TREE" am --keep-cr --committer-date-is-author-date -q "$SERIES/$p" 2>&1); then
			git -C "$TREE" am --abort >/dev/null 2>&1 || true
			echo "error: patch $p does not apply to $(git -C "$TREE" log -1 --format='%h (%s)' HEAD):" >&2
			echo "$out" | grep -v -e '^hint:' -e '^Patch failed at' -e '^When you have resolved' \
				-e '^If you prefer' -e '^To restore' -e '^$' | sed 's/^/    /' >&2
			return 1
		fi
	done
	if [ -f "$SERIES/0000-cover-letter.patch" ]; then
		git -C "$TREE" config "branch.$branch.description" \
			"$(cover_description "$SERIES/0000-cover-letter.patch")"
	fi
}

prepare() {
	local hash head
	# Two runs on one TREE (two make invocations in one checkout) would clone, apply and rename
	# over each other, and clean_stale_tmp would remove the other's TREE.tmp.*: one at a time.
	path_lock "$TREE"
	hash=$(series_hash)
	if [ -e "$TREE/.git" ] && ! git -C "$TREE" cat-file -e "$BASE_COMMIT^{commit}" 2>/dev/null; then
		# Made from another base (e.g. an older import). Replace it unless it holds work.
		if [ -n "$(stamp_get head)" ] && [ "$(git -C "$TREE" rev-parse -q --verify HEAD || true)" = "$(stamp_get head)" ] \
			&& [ -z "$(git -C "$TREE" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
			log "TREE=$TREE was made from another base; re-creating it from $BASE_COMMIT"
			rm -rf "$TREE"
		else
			die "TREE=$TREE is not a tree of this base ($BASE_COMMIT) and holds work of its own; export it, or remove it or set TREE"
		fi
	fi
	if [ -e "$TREE/.git" ]; then
		head=$(git -C "$TREE" rev-parse -q --verify HEAD || true)
		if [ "$(stamp_get series)" = "$hash" ] && [ "$head" = "$(stamp_get head)" ] \
			&& [ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ]; then
			log "tree $TREE is up to date with the series"
			return 0
		fi
		local local_work=
		if [ -n "$(stamp_get head)" ] && [ "$head" != "$(stamp_get head)" ]; then
			local_work="has commits that are not in $SERIES"
		elif [ -z "$(stamp_get head)" ] && [ -n "$head" ] && [ "$head" != "$BASE_COMMIT" ]; then
			# Not made by this kit (no stamp), and not the bare base: somebody's own tree.
			local_work="was not made from $SERIES (no stamp) and has commits on the base"
		elif [ -n "$(git -C "$TREE" status --porcelain --untracked-files=no)" ]; then
			local_work="has uncommitted changes"
		fi
		if [ -n "$local_work" ]; then
			if [ "$MODE" = ensure ]; then
				warn "TREE=$TREE $local_work: building it as it is ('make export' to keep the work in $SERIES)"
				return 0
			fi
			die "TREE=$TREE $local_work; 'make export' them to keep them, or 'make reset-tree' to drop them"
		fi
		log "applying the series ($SERIES) to $TREE"
		if ! apply_series series-new; then
			git -C "$TREE" checkout -q -f "${head:-$BASE_COMMIT}" 2>/dev/null || true
			git -C "$TREE" branch -q -D series-new 2>/dev/null || true
			[ -n "$(git -C "$TREE" rev-parse -q --verify series || true)" ] && git -C "$TREE" checkout -q -f series
			die "the series does not apply; $TREE is left as it was"
		fi
		# The old branch's config (its description: the cover letter) would stay beside the new
		# one's under the same name after the rename: two descriptions.
		git -C "$TREE" config --remove-section branch.series 2>/dev/null || true
		git -C "$TREE" branch -q -M series-new series
	else
		[ ! -e "$TREE" ] || [ -z "$(ls -A "$TREE" 2>/dev/null)" ] \
			|| die "TREE=$TREE exists and is not a git tree; remove it or set TREE"
		rmdir "$TREE" 2>/dev/null || true
		local tmp=$TREE.tmp.$$
		clean_stale_tmp "$TREE"
		log "creating $TREE from the base ($BASE_COMMIT)"
		git clone -q --shared --no-checkout "$BASE_REPO" "$tmp"
		git -C "$tmp" config gc.auto 0
		TREE=$tmp
		if ! apply_series series; then
			rm -rf "$tmp"
			die "the series does not apply; nothing was created"
		fi
		TREE=${tmp%.tmp.*}
		mv "$tmp" "$TREE"
	fi
	write_stamp
	log "tree ready: $TREE at $(git -C "$TREE" log -1 --format='%h %s')"
}

write_stamp() {
	printf 'base=%s\nseries=%s\nhead=%s\n' "$BASE_COMMIT" "$(series_hash)" \
		"$(git -C "$TREE" rev-parse HEAD)" >"$(tree_stamp_path "$TREE")"
}

# format-patch of base..series into DIR, reproducibly: zero commit ids, no git signature, a fixed
# abbreviation of the index lines (git's default grows with the repository's object count), and
# the cover letter's From/Date taken from the existing cover letter (or the repository's identity).
format_series() {
	local out=$1 cl=$SERIES/0000-cover-letter.patch prefix=PATCH from date n
	[ -e "$TREE/.git" ] || die "no tree at $TREE; run 'make tree' first"
	[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] \
		|| die "TREE=$TREE has uncommitted changes; commit them first"
	n=$(git -C "$TREE" rev-list --count "$BASE_COMMIT..HEAD")
	[ "$n" -gt 0 ] || die "TREE=$TREE has no commits on top of the base"
	# The cover letter's From: the existing cover letter's, or the repository's identity.
	export GIT_COMMITTER_NAME=$KIT_IDENT_NAME GIT_COMMITTER_EMAIL=$KIT_IDENT_EMAIL
	if [ -f "$cl" ]; then
		prefix=$(prefix_of "$cl")
		[ -n "$prefix" ] || prefix=PATCH
		from=$(cover_header From "$cl")
		date=$(cover_header Date "$cl")
		GIT_COMMITTER_NAME=$(echo "$from" | sed -E 's/ *<.*//')
		GIT_COMMITTER_EMAIL=$(echo "$from" | sed -nE 's/.*<(.*)>.*/\1/p')
		export GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_COMMITTER_DATE=$date
	fi
	local desc
	desc=$(git -C "$TREE" config "branch.$(git -C "$TREE" branch --show-current).description" || true)
	[ -n "$desc" ] || die "the branch has no description, so the cover letter would be empty; set it with 'git -C $TREE branch --edit-description'"
	git -C "$TREE" -c core.abbrev=12 format-patch -q --zero-commit --no-signature --cover-letter \
		--cover-from-description=subject --base="$BASE_COMMIT" --subject-prefix="$prefix" \
		--no-thread -o "$out" "$BASE_COMMIT..HEAD" >/dev/null
	(cd "$out" && for p in [0-9][0-9][0-9][0-9]-*.patch; do
		[ "$p" = 0000-cover-letter.patch ] || echo "$p"
	done) >"$out/series"
	grep -q '\*\*\* SUBJECT HERE \*\*\*' "$out/0000-cover-letter.patch" \
		&& die "the cover letter has no subject; set the branch description"
	return 0
}

export_series() {
	local tmp
	tmp=$(mktemp -d)
	format_series "$tmp"
	mkdir -p "$SERIES"
	rm -f "$SERIES"/[0-9][0-9][0-9][0-9]-*.patch
	cp "$tmp"/*.patch "$tmp/series" "$SERIES/"
	rm -rf "$tmp"
	write_stamp
	log "exported $(wc -l <"$SERIES/series") patches and the cover letter to $SERIES"
}

export_check() {
	local tmp rc=0
	tmp=$(mktemp -d)
	format_series "$tmp"
	if ! diff -ru "$SERIES" "$tmp" >"$tmp.diff" 2>&1; then
		cat "$tmp.diff" >&2
		rc=1
	fi
	rm -rf "$tmp" "$tmp.diff"
	[ $rc -eq 0 ] || die "exporting $TREE does not reproduce $SERIES byte for byte (diff above)"
	log "export round trip: $SERIES reproduced byte for byte"
}

MODE=${1:-}
case $MODE in
prepare|ensure) prepare ;;
export) export_series ;;
export-check) export_check ;;
*) die "usage: $0 prepare|ensure|export|export-check" ;;
esac
