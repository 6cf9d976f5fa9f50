# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# build/triage-bundle.sh - hotpatch-triage --bundle NAME: one cumulative module of every
# candidate that built (with --test: that passed), what distributions ship.
#
#   triage_bundle OUT NAME TEST   OUT/NAME.ko (only when it built, and passed with TEST=1)
#                                 and OUT/NAME.json
#
# The bundle is hotpatch-build --replace on the concatenation of the carried candidates'
# diffs (each file once), so it goes through exactly the stages a single fix does; with TEST
# it is checked in qemu like any module of the triage (build/triage-test.sh).
# Candidates are taken by the number of their files (most first), then in path order, so that
# one carrying other .c files (tc_carry_sources) comes before those it carries. One whose files
# are all in the bundle already is covered: its whole change is there, each file's diff once
# (l2tp: the three candidates carry the same four files; the first is carried, the other two
# are covered by it). One whose files or changed objects only overlap those of a candidate
# already taken would change the same object twice (or apply the same header diff twice) and
# is left out, naming the candidate it conflicts with.
#
# NAME.json: name, release, result (built, tested, failed), module {path, size, sha256},
# carried [{id, path, files, fixes, carried_fixes, changed_functions, covers}], covered [{id,
# by, reason}], left_out [{id, reason}], files [{file, candidate, fixes}] (every file of the
# bundle once, with the fixes its diff brings, in the order applied), fixes (every patch
# subject of the bundle once), message (when failed), build (hotpatch-build's own report).

# shellcheck disable=SC2154 # opt_* are hotpatch-triage.sh's parsed options
triage_bundle() {
	local out=$1 name=$2 test=$3 work rows id f reason rc=0 result ko='' by
	local -A owner=()
	local carried=() left=() covered=() bfiles=()
	hp_stage_begin bundle
	work=$out/work/bundle
	rm -rf "$work"
	mkdir -p "$work" || hp_die "cannot create $work"
	rows=$work/rows.json
	while IFS=$'\t' read -r id _; do
		if [[ -f $out/results/$id.json ]]; then cat "$out/results/$id.json"; fi
	done <"$out/candidates.tsv" |
		jq -s --argjson test "$test" 'map(select(.outcome == "tested" or ($test == 0 and .outcome == "built")))
			| sort_by([-(.files | length), .path])' >"$rows" || hp_die "cannot read the rows"
	: >"$work/fix.diff"
	while IFS=$'\t' read -r id files objs; do
		reason=
		by=
		for f in $files; do
			if [[ -z ${owner[$f]:-} ]]; then
				by=
				break
			fi
			[[ " $by " == *" ${owner[$f]} "* ]] || by+="${by:+ }${owner[$f]}"
		done
		if [[ -n $by ]]; then
			# its objects come from these files: later candidates conflict with the carrier
			for f in $objs; do
				[[ -n ${owner[$f]:-} ]] || owner[$f]=${by%% *}
			done
			covered+=("$(jq -n --arg id "$id" --arg by "$by" '{ id: $id, by: ($by | split(" ")),
				reason: "its files are all in the bundle, carried by \($by | split(" ") | join(", ")): its change is there once" }')")
			continue
		fi
		for f in $files $objs; do
			if [[ -n ${owner[$f]:-} ]]; then
				reason="$f is also changed by ${owner[$f]}, which the bundle carries"
				break
			fi
		done
		if [[ -n $reason ]]; then
			left+=("$(jq -n --arg id "$id" --arg r "$reason" '{ id: $id, reason: $r }')")
			continue
		fi
		for f in $files $objs; do
			owner[$f]=$id
		done
		for f in $files; do
			cat "$TRIAGE_UPDATE/diffs/$f.diff" >>"$work/fix.diff" || hp_die "cannot read the diff of $f"
			bfiles+=("$f")
		done
		carried+=("$id")
	done < <(jq -r '.[] | [.id, (.files | join(" ")), (.objects | join(" "))] | @tsv' "$rows")
	reason=
	if ((${#carried[@]} == 0)); then
		result=failed
		reason="no candidate built: nothing to bundle"
		((test)) && reason="no candidate built and passed its test: nothing to bundle"
	else
		local args=(-k "$HP_RELEASE" --cache "$HP_CACHE_ROOT" -j "$TRIAGE_JOBS" --replace -n "$name" -o "$work/out")
		[[ -n $opt_key ]] && args+=(--sign-key "$opt_key" --sign-cert "$opt_cert")
		# the same environment as the candidates' builds (run.env)
		(
			# shellcheck source=/dev/null
			. "$out/run.env"
			"$HP_LIBDIR/hotpatch-build.sh" "${args[@]}" "$work/fix.diff"
		) >"$work/build.log" 2>&1 </dev/null || rc=$?
		if ((rc != 0)); then
			result=failed
			reason="hotpatch-build --replace exited $rc: $(grep -E '^hotpatch: [a-z-]+: (error|refused|no change): ' "$work/build.log" | tail -n 2 | paste -sd' ')"
		else
			result=built
			if ((test)); then
				TRIAGE_TEST_OUT=$work/test
				mkdir -p "$TRIAGE_TEST_OUT/modules" "$TRIAGE_TEST_OUT/results" || hp_die "cannot create $TRIAGE_TEST_OUT"
				cp "$work/out/$name.ko" "$work/out/$name.json" "$TRIAGE_TEST_OUT/modules/" || hp_die "cannot copy the bundle"
				if triage_test_modules "$work/vm" "$name"; then
					result=tested
				else
					result=failed
					reason="the bundle failed its liveness check in qemu (log: $work/vm/vmtest.log)"
				fi
			fi
		fi
	fi
	if [[ $result != failed ]]; then
		cp "$work/out/$name.ko" "$out/.tmp.$name.ko" || hp_die "cannot write $out/$name.ko"
		mv -f "$out/.tmp.$name.ko" "$out/$name.ko" || hp_die "cannot write $out/$name.ko"
		ko=$out/$name.ko
	else
		rm -f "$out/$name.ko"
	fi
	printf '%s\n' "${left[@]}" | jq -s . >"$work/left.json"
	printf '%s\n' "${covered[@]}" | jq -s . >"$work/covered.json"
	# each file of the bundle with its candidate and the fixes (patch subjects) of its diff
	for f in "${bfiles[@]}"; do
		awk -F'\t' -v p="$f" -v c="${owner[$f]}" '$1 == p { print $1 "\t" c "\t" $3; exit }' "$TRIAGE_UPDATE/files"
	done | jq -R -s '[split("\n")[] | select(. != "") | split("\t")
		| { file: .[0], candidate: .[1], fixes: (if .[2] == "-" or .[2] == "" or .[2] == null then [] else (.[2] | split(" | ")) end) }]' \
		>"$work/files.json" || hp_die "cannot read the fixes of the bundle's files"
	jq -n --arg name "$name" --arg release "$HP_RELEASE" --arg result "$result" --arg msg "${reason:-}" \
		--arg ko "$ko" --argjson carried "$(printf '%s\n' "${carried[@]}" | jq -R . | jq -s 'map(select(. != ""))')" \
		--slurpfile rows "$rows" --slurpfile left "$work/left.json" --slurpfile covered "$work/covered.json" \
		--slurpfile files "$work/files.json" \
		--slurpfile build <(cat "$work/out/$name.json" 2>/dev/null) '
		{ name: $name, release: $release, replace: true, result: $result,
		  message: (if $result == "failed" then $msg else null end),
		  module: (if $ko == "" then null else { path: $ko, size: ($build[0].module.size // null), sha256: ($build[0].module.sha256 // null) } end),
		  carried: [$rows[0][] | select(.id as $i | $carried | index($i))
		    | { id, path, files, fixes, changed_functions }
		    | .id as $i | .path as $p
		    | .carried_fixes = [$files[0][] | select(.candidate == $i and .file != $p) | { file, fixes }]
		    | .covers = [$covered[0][] | select(.by | index($i)) | .id]],
		  covered: $covered[0],
		  left_out: $left[0],
		  files: $files[0],
		  fixes: (reduce ($files[0][].fixes[]) as $s ([]; if index([$s]) then . else . + [$s] end)),
		  build: ($build[0] // null) }' >"$out/.tmp.$name.json" || hp_die "cannot write $out/$name.json"
	mv -f "$out/.tmp.$name.json" "$out/$name.json" || hp_die "cannot write $out/$name.json"
	hp_stage_end "$result: ${#carried[@]} candidate(s) carried (${#bfiles[@]} file(s)), ${#covered[@]} covered by their files, ${#left[@]} left out${reason:+; $reason}"
}
