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
# Conflicts: candidates are taken in path order; one whose files or changed objects overlap a
# candidate already taken would change the same object twice (or apply the same header diff
# twice) and is left out, naming the candidate it conflicts with.
#
# NAME.json: name, release, result (built, tested, failed), module {path, size, sha256},
# carried [{id, files, fixes, changed_functions}], left_out [{id, reason}], message (when
# failed), build (hotpatch-build's own report of the bundle).

# shellcheck disable=SC2154 # opt_* are hotpatch-triage.sh's parsed options
triage_bundle() {
	local out=$1 name=$2 test=$3 work rows id f reason rc=0 result ko=''
	local -A owner=()
	local carried=() left=()
	hp_stage_begin bundle
	work=$out/work/bundle
	rm -rf "$work"
	mkdir -p "$work" || hp_die "cannot create $work"
	rows=$work/rows.json
	while IFS=$'\t' read -r id _; do
		if [[ -f $out/results/$id.json ]]; then cat "$out/results/$id.json"; fi
	done <"$out/candidates.tsv" |
		jq -s --argjson test "$test" 'map(select(.outcome == "tested" or ($test == 0 and .outcome == "built"))) | sort_by(.path)' \
			>"$rows" || hp_die "cannot read the rows"
	: >"$work/fix.diff"
	while IFS=$'\t' read -r id files objs; do
		reason=
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
	jq -n --arg name "$name" --arg release "$HP_RELEASE" --arg result "$result" --arg msg "${reason:-}" \
		--arg ko "$ko" --argjson carried "$(printf '%s\n' "${carried[@]}" | jq -R . | jq -s 'map(select(. != ""))')" \
		--slurpfile rows "$rows" --slurpfile left "$work/left.json" \
		--slurpfile build <(cat "$work/out/$name.json" 2>/dev/null) '
		{ name: $name, release: $release, replace: true, result: $result,
		  message: (if $result == "failed" then $msg else null end),
		  module: (if $ko == "" then null else { path: $ko, size: ($build[0].module.size // null), sha256: ($build[0].module.sha256 // null) } end),
		  carried: [$rows[0][] | select(.id as $i | $carried | index($i)) | { id, path, files, fixes, changed_functions }],
		  left_out: $left[0],
		  build: ($build[0] // null) }' >"$out/.tmp.$name.json" || hp_die "cannot write $out/$name.json"
	mv -f "$out/.tmp.$name.json" "$out/$name.json" || hp_die "cannot write $out/$name.json"
	hp_stage_end "$result: ${#carried[@]} fix(es) carried, ${#left[@]} left out${reason:+; $reason}"
}
