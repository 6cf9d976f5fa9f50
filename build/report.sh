# shellcheck shell=bash
# build/report.sh - NAME.json: what was built, from what, for which kernel, and why.
#
#   report_write WORK OUT.json KO
#
# Keys: tool, version, release, package_version, patch {path, sha256}, name, replace,
# objects [the differ's facts per object: changed and new functions with reasons, data,
# refusals, klp symbols with sympos], substitutions [packages used at another version than the
# image's: {package, wanted, used}; an older ABI whose exact linux-kbuild-6.1 left the archive],
# module {path, sha256, size, signed_by, build_id, debug {path, sha256, size}: the unstripped
# copy, KO.debug}, test {script, result}, timings {stage: seconds}.

# report_build_id KO - the GNU build id (hex) that ties KO to its debug copy.
report_build_id() {
	readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'
}

# shellcheck disable=SC2154 # opt_* are hotpatch-build.sh's parsed options
report_write() {
	local work=$1 out=$2 ko=$3 facts=() f timings sums=() sizes=() line
	for f in "$work"/diff/*.json; do
		[[ -f $f ]] && facts+=("$f")
	done
	# "stage=secs ..." as a JSON object, without one jq run per stage; a stage that ran twice
	# (compile: the changed .c files before the header scan, then the rest) is summed
	timings=$(awk '{ for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v)
			if (!(k in t)) o[n++] = k; t[k] += v } }
		END { printf "{"; for (i = 0; i < n; i++) printf "%s\"%s\":%s", (i ? "," : ""), o[i], t[o[i]]; printf "}" }' <<<"$HP_TIMINGS") ||
		hp_die "cannot sum the stage times $HP_TIMINGS"
	# the three digests in one sha256sum and both sizes in one stat (sha256sum starts the line
	# of a file name it had to escape with a backslash; the digest follows it)
	while IFS= read -r line; do
		line=${line#\\}
		sums+=("${line%% *}")
	done < <(sha256sum "$opt_patch" "$ko" "$ko.debug")
	((${#sums[@]} == 3)) || hp_die "cannot read the digests of $opt_patch, $ko and $ko.debug"
	mapfile -t sizes < <(stat -c %s "$ko" "$ko.debug")
	((${#sizes[@]} == 2)) || hp_die "cannot read the sizes of $ko and $ko.debug"
	jq -n \
		--arg version "$HP_VERSION" \
		--arg release "$HP_RELEASE" \
		--arg pkgver "${HP_PKGVER:-}" \
		--arg kbuildver "${HP_KBUILD_VER:-${HP_PKGVER:-}}" \
		--arg patch "$opt_patch" \
		--arg patch_sha "${sums[0]}" \
		--arg name "$opt_name" \
		--argjson replace "$opt_replace" \
		--arg ko "$opt_output/$opt_name.ko" \
		--arg ko_sha "${sums[1]}" \
		--argjson ko_size "${sizes[0]}" \
		--arg build_id "$(report_build_id "$ko")" \
		--arg dbg "$opt_output/$opt_name.ko.debug" \
		--arg dbg_sha "${sums[2]}" \
		--argjson dbg_size "${sizes[1]}" \
		--arg cert "${opt_cert:-$HP_CACHE/keys (generated)}" \
		--arg test "${opt_test:-}" \
		--arg result "${HP_TEST_RESULT:-}" \
		--argjson timings "$timings" \
		--slurpfile objects <(cat "${facts[@]}" /dev/null) \
		'{ tool: "hotpatch-build", version: $version, release: $release,
		   package_version: $pkgver,
		   substitutions: (if $kbuildver == $pkgver then [] else
			[{ package: "linux-kbuild-6.1", wanted: $pkgver, used: $kbuildver }] end),
		   patch: { path: $patch, sha256: $patch_sha },
		   name: $name, replace: ($replace == 1),
		   objects: $objects,
		   module: { path: $ko, sha256: $ko_sha, size: $ko_size, signed_by: $cert,
		             build_id: $build_id,
		             debug: { path: $dbg, sha256: $dbg_sha, size: $dbg_size } },
		   test: (if $test == "" then null else { script: $test, result: $result } end),
		   timings: $timings }' >"$out" || hp_die "cannot write the report $out"
}
