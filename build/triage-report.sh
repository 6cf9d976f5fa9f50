# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# build/triage-report.sh - triage.json and triage.md from the candidates' rows.
#
#   triage_report OUT META.json ROWS.json SKIPPED.json
#                    write OUT/triage.json and OUT/triage.md (both by rename)
#   triage_rows OUT  the rows of OUT/results/*.json as one JSON array (sorted by path)
#   triage_skipped OUT
#                    OUT/skipped.tsv as a JSON array
#   triage_merge OUT DIR...
#                    one report from the triage.json of several shards (hotpatch-triage --merge)
#
# Summary: counts per outcome (built, tested, refused, no-change, does-not-compile,
# tool-error); coverage = modules (built + tested) / candidates that compile and change code,
# i.e. built + tested + refused by the differ + tool errors after the compile (stages diff,
# module, test, report); a layout header, and a .c refused because it needs one, did not get
# that far and are left out of the ratio. Time: the sum of the candidates' times, their mean,
# and the wall-clock time of the run. Tool-error classes group rows by stage and message, with
# the object's name taken out.

TRIAGE_OUTCOMES='["built","tested","refused","no-change","does-not-compile","tool-error"]'

triage_rows() {
	local out=$1
	find "$out/results" -maxdepth 1 -name '*.json' ! -name '.tmp.*' -print0 2>/dev/null |
		xargs -0 -r cat | jq -s 'sort_by(.path)' || hp_die "cannot read the rows in $out/results"
}

triage_skipped() {
	jq -R -s '[split("\n")[] | select(. != "") | split("\t") | { path: .[0], status: .[1], reason: .[2] }]' \
		"$1/skipped.tsv" || hp_die "cannot read $1/skipped.tsv"
}

# triage_report OUT META ROWS SKIPPED - META, ROWS, SKIPPED: files holding JSON.
triage_report() {
	local out=$1 meta=$2 rows=$3 skipped=$4
	jq -n --slurpfile meta "$meta" --slurpfile rows "$rows" --slurpfile skipped "$skipped" \
		--argjson words "$TRIAGE_OUTCOMES" '
		$rows[0] as $c |
		($c | map(select(.outcome == "built" or .outcome == "tested")) | length) as $mods |
		($c | map(select(.outcome == "built" or .outcome == "tested"
			or (.outcome == "refused" and .kind == "c" and ((.reason // "") | startswith("does not compile without") | not))
			or (.outcome == "tool-error" and (.error.stage | IN("diff", "module", "test", "report")))))
			| length) as $code |
		($c | map(.time) | add // 0) as $t |
		$meta[0] + {
		  summary: {
		    candidates: ($c | length),
		    outcomes: (reduce $words[] as $w ({}; .[$w] = ($c | map(select(.outcome == $w)) | length))),
		    coverage: (if $code > 0 then (($mods / $code * 1000 | round) / 1000) else null end),
		    coverage_counts: { modules: $mods, compile_and_change_code: $code },
		    time_total: ($t * 100 | round / 100),
		    time_per_candidate: (if ($c | length) > 0 then ($t / ($c | length) * 100 | round / 100) else null end),
		    skipped_files: ($skipped[0] | length),
		    tool_error_classes: ([$c[] | select(.outcome == "tool-error")
		        | { stage: .error.stage, message: (.error.message | gsub("(?<p>[A-Za-z0-9_./-]+\\.(o|ko|c|h))"; "FILE")),
		            example: .id, object: .error.object, full: .error.message }]
		      | group_by([.stage, .message])
		      | map({ stage: .[0].stage, message: .[0].message, count: length,
		              example: { candidate: .[0].example, object: .[0].object, message: .[0].full } })
		      | sort_by(-.count))
		  },
		  candidates: $c,
		  skipped: $skipped[0]
		}' >"$out/.tmp.triage.json" || hp_die "cannot write $out/triage.json"
	triage_markdown "$out/.tmp.triage.json" >"$out/.tmp.triage.md" || hp_die "cannot write $out/triage.md"
	mv -f "$out/.tmp.triage.json" "$out/triage.json" || hp_die "cannot rename $out/triage.json into place"
	mv -f "$out/.tmp.triage.md" "$out/triage.md" || hp_die "cannot rename $out/triage.md into place"
}

# triage_markdown TRIAGE.json - the same report for people.
triage_markdown() {
	jq -r '
	def cell: tostring | gsub("\\|"; "\\|") | gsub("\n"; " ");
	def short(n): if length > n then .[0:n] + "…" else . end;
	"# hotpatch-triage: \(.input.description)\n",
	(if .interrupted then "**Interrupted: \(.summary.candidates) of \(.candidates_planned) candidates finished; a rerun with the same -o continues.**\n" else empty end),
	"Target `\(.release)`, hotpatch \(.version)\(if .shard then ", shard \(.shard)" else "" end)\(if .merged_from then ", merged from \(.merged_from | length) result directories" else "" end).\n",
	"| outcome | candidates |", "|---|---:|",
	(.summary.outcomes | to_entries[] | "| \(.key) | \(.value) |"),
	"| **total** | **\(.summary.candidates)** |", "",
	"Coverage: \(.summary.coverage_counts.modules) modules of \(.summary.coverage_counts.compile_and_change_code) candidates that compile and change code = \(if .summary.coverage then (.summary.coverage * 1000 | round / 10 | tostring) + " %" else "n/a" end).",
	"Time: \(.summary.time_total) s over all candidates, \(.summary.time_per_candidate // "n/a") s per candidate\(if .wall_time then ", \(.wall_time) s wall clock" else "" end).",
	"Files of the update not triaged: \(.summary.skipped_files) (see `skipped` in triage.json).\n",
	(if (.summary.tool_error_classes | length) > 0 then
	  "## Tool errors (our bugs)\n", "| stage | message | count | example |", "|---|---|---:|---|",
	  (.summary.tool_error_classes[] | "| \(.stage) | \(.message | short(160) | cell) | \(.count) | \(.example.candidate) (\(.example.object)) |"), ""
	else empty end),
	(if .bundle then
	  "## Bundle `\(.bundle.name)`\n", "\(.bundle.result): \(.bundle.carried | length) candidates carried, \((.bundle.covered // []) | length) covered by their files, \(.bundle.left_out | length) left out.\n",
	  ((.bundle.covered // [])[] | "- covered \(.id): its files are carried by \(.by | join(", "))"),
	  (.bundle.left_out[] | "- left out \(.id): \(.reason | cell)"), ""
	else empty end),
	"## Candidates\n",
	"| candidate | files | outcome | reason | changed functions | new | module bytes | time s |",
	"|---|---|---|---|---|---|---:|---:|",
	(.candidates[] | "| \(.id) | \(.files | join(" ") | cell) | \(.outcome) | \(if .outcome == "tool-error" then "\(.error.stage): \(.error.object): \(.error.message)" else (.reason // "") end | short(200) | cell) | \(.changed_functions | join(" ") | short(200) | cell) | \(.new_functions | join(" ") | short(120) | cell) | \(.module.size // "") | \(.time) |")
	' "$1"
}

# triage_merge OUT DIR... - join shards: every row once (a candidate in two shards must have
# the same outcome in both; the shards must share the release and --max-sources), the first
# shard's input and skipped files, times added up.
triage_merge() {
	local out=$1 d files=() tmp
	shift
	for d in "$@"; do
		[[ -f $d/triage.json ]] || hp_die "$d/triage.json not found (is $d a hotpatch-triage output directory?)"
		jq -e '.tool == "hotpatch-triage" and (.candidates | type == "array")' "$d/triage.json" >/dev/null ||
			hp_die "$d/triage.json is not a hotpatch-triage report"
		files+=("$d/triage.json")
	done
	jq -s '[.[].release] | unique | if length > 1 then error("the shards target different releases: \(join(", "))") else . end' \
		"${files[@]}" >/dev/null || hp_die "cannot merge: the shards target different releases"
	# another limit of the grouping rule carries other files: one report holds one (a report
	# of a version without the option was made with 8)
	jq -s '[.[].options.max_sources // 8] | unique | if length > 1 then error("the shards were triaged with different --max-sources: \(map(tostring) | join(", "))") else . end' \
		"${files[@]}" >/dev/null || hp_die "cannot merge: the shards were triaged with different --max-sources; triage them again with one"
	# (checked before anything is written)
	mkdir -p "$out" || hp_die "cannot create $out"
	tmp=$(mktemp -d "$out/.tmp.merge.XXXXXX") || hp_die "cannot create a temporary directory in $out"
	jq -s '[.[].candidates[]] | group_by(.id)
		| map(if (map(.outcome) | unique | length) > 1
			then error("candidate \(.[0].id) has different outcomes in two shards") else .[0] end)
		| sort_by(.path)' "${files[@]}" >"$tmp/rows.json" ||
		hp_die "cannot merge the candidates of $* (see above)"
	jq -s --argjson dirs "$(printf '%s\n' "$@" | jq -R . | jq -s .)" '(map(.interrupted // false) | any) as $int
		| .[0] | del(.summary, .candidates, .skipped, .shard, .bundle)
		+ { shard: null, merged_from: $dirs, wall_time: null, interrupted: $int, candidates_planned: null }' "${files[@]}" >"$tmp/meta.json" ||
		hp_die "cannot merge the reports' headers"
	jq '.skipped' "${files[0]}" >"$tmp/skipped.json" || hp_die "cannot read ${files[0]}"
	triage_report "$out" "$tmp/meta.json" "$tmp/rows.json" "$tmp/skipped.json"
	rm -rf "$tmp"
}
