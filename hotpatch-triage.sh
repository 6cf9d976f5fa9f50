#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# hotpatch-triage - which fixes of a kernel update can ship as live patches, and why not.
#
# Runs hotpatch-build (the same stages, the same cache) once per candidate of an update; the
# stages of the triage itself live in build/triage-*.sh and are sourced here; this file parses
# options and runs them in order.
set -euo pipefail

hp_self=$(readlink -f "${BASH_SOURCE[0]}")
HP_TOP=$(dirname "$hp_self")
# Installed layout: <prefix>/bin/hotpatch-triage -> <prefix>/share/hotpatch/hotpatch-triage.sh
if [[ -d $HP_TOP/build ]]; then
	HP_LIBDIR=$HP_TOP
else
	HP_LIBDIR=$HP_TOP/../share/hotpatch
fi
HP_VERSION=$(cat "$HP_LIBDIR/VERSION" 2>/dev/null || echo unknown)
# shellcheck source=build/common.sh
. "$HP_LIBDIR/build/common.sh"
# A result is kept across runs only for the same code: VERSION is not bumped for every change
# of a checkout, so the code's own hash is part of every candidate's key.
TRIAGE_VERSION="$HP_VERSION code $(hp_code_id)" || hp_die "cannot hash the code under $HP_LIBDIR"
# shellcheck source=build/target.sh
. "$HP_LIBDIR/build/target.sh"
# shellcheck source=build/compiledb.sh
. "$HP_LIBDIR/build/compiledb.sh"
# shellcheck source=build/patch.sh
. "$HP_LIBDIR/build/patch.sh"
# shellcheck source=build/objects.sh
. "$HP_LIBDIR/build/objects.sh"
# HP_KCFLAGS as hotpatch-build has it: part of the object cache's key computed here
# shellcheck source=build/tree.sh
. "$HP_LIBDIR/build/tree.sh"
# shellcheck source=build/buildroot.sh
. "$HP_LIBDIR/build/buildroot.sh"
# shellcheck source=build/sign.sh
. "$HP_LIBDIR/build/sign.sh"
# shellcheck source=build/module.sh
. "$HP_LIBDIR/build/module.sh"
# shellcheck source=build/triage-input.sh
. "$HP_LIBDIR/build/triage-input.sh"
# shellcheck source=build/triage-candidates.sh
. "$HP_LIBDIR/build/triage-candidates.sh"
# shellcheck source=build/triage-report.sh
. "$HP_LIBDIR/build/triage-report.sh"
# shellcheck source=build/triage-test.sh
. "$HP_LIBDIR/build/triage-test.sh"
# shellcheck source=build/triage-bundle.sh
. "$HP_LIBDIR/build/triage-bundle.sh"

triage_usage() {
	cat <<'EOF'
Usage: hotpatch-triage [options] -o DIR --from VERSION --to VERSION
  or:  hotpatch-triage [options] -o DIR PATCH-DIR|MBOX
  or:  hotpatch-triage --merge -o DIR RESULT-DIR...

Which fixes of a kernel update can ship as live patches today, which not, and why. The update
is split into candidates and hotpatch-build runs on each against one shared, warm kernel
cache: one candidate per changed .c file that the target's configuration builds (with the
update's header changes it needs to compile), and one refused candidate per header change
that alters a struct or union layout. Results: DIR/triage.json, DIR/triage.md, one signed
module per built candidate in DIR/modules/.

Input:
      --from VERSION     the update from this linux-source-6.1 version (e.g. 6.1.190-1) ...
      --to VERSION       ... to this one (e.g. 6.1.192-1); both fetched with apt and compared
                         once, cached under <cache>/updates/FROM..TO
  PATCH-DIR              a directory of -p1 patches (*.patch, *.diff), applied in name order
  MBOX                   a git-style mbox series (git format-patch --stdout), applied in order
  A series is applied to the target's source tree; each file it changes is one change. With
  --from VERSION alone, the series is against linux-source VERSION: its ABI is the target.

Options:
  -o, --output DIR       results go here (required); a rerun with the same DIR resumes
  -k, --kernel RELEASE   target release (default: the --from version's own ABI, e.g.
                         6.1.190-1 -> 6.1.0-54-amd64; for a series, hotpatch-build's default)
  -j, --jobs N           compile jobs: N candidates at a time, each compiling one TU at a
                         time (default: number of CPUs)
      --test             check every built module in qemu, several per boot: loads, enables,
                         transition completes, target module loaded, disables, unloads,
                         dmesg clean
      --batch N          modules per boot with --test (default 8); a failing boot is split in
                         halves until the failing module is alone
      --max-sources N    the most .c files one candidate carries, its own and those the
                         update's header changes tie to it (the grouping rule; default 8):
                         a candidate that needs more ends refused or does-not-compile,
                         naming the files it would need
      --bundle NAME      also one cumulative (--replace) module NAME.ko from every candidate
                         that built (with --test: that passed), each file's change once;
                         NAME.json lists the fixes each file brings, the candidates whose
                         files are all carried by another (covered), and those left out
                         because their files or objects conflict
      --shard K/N        triage only shard K of N (deterministic, by a hash of the candidate
                         id): one shard per CI job, then --merge
      --merge            join the triage.json of the RESULT-DIRs (shards) into DIR
      --sign-key KEY     sign the modules with this private key (PEM) ...
      --sign-cert CERT   ... and this certificate (default: the cache's key pair)
      --cc-wrapper CMD   run every compile through CMD: ccache, distcc, icecc (default:
                         $HOTPATCH_CC_WRAPPER)
      --cache DIR        cache root (default: $HOTPATCH_CACHE or ~/.cache/hotpatch)
  -v, --verbose          show the commands run
  -h, --help             this text
      --version          print the version

Outcomes (the field "outcome" of each element of "candidates" in triage.json):
  built                  a signed livepatch module was written (DIR/modules/ID.ko)
  tested                 built, and it passed its liveness check in qemu (--test)
  refused                the change cannot be live-patched safely; the reason says why
  no-change              the change compiles to the same code
  does-not-compile       the changed file does not compile against the target
  tool-error             hotpatch failed (our bug); the row names stage, object, message
Each row also gives "files" (its .c first, then the headers and other .c files it carries),
"fixes" (the patch subjects of its own file) and "carried_fixes" ({file, fixes} of each
other file it carries: the fixes those bring into its module).

Resuming:
  A candidate is finished when DIR/results/ID.json exists: a rerun skips every finished
  candidate whose change, target, tool (version and code) and --max-sources are the same. A
  candidate that an interrupted run had built up to its module's link (DIR/work/c/ID, complete
  and with the same key) is only linked and finished; anything else is built again. Ctrl-C
  stops the run and leaves every finished result intact.

Exit status:
  0 every candidate has an outcome and none is a tool-error; 1 a tool-error, a failed
  bundle, or the triage could not run; 130 interrupted.
EOF
}

opt_kernel=''
opt_output=''
opt_from=''
opt_to=''
opt_test=0
opt_batch=8
# the most .c files one candidate carries (build/triage-candidate.sh, TC_MAX_SOURCES)
opt_max_sources=8
opt_bundle=''
opt_shard=''
opt_merge=0
opt_key=''
opt_cert=''
opt_wrapper=${HOTPATCH_CC_WRAPPER:-}
opt_inputs=()
HP_CACHE_ROOT=${HOTPATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hotpatch}
TRIAGE_JOBS=$(nproc)
# patch modules linked per kbuild run: one failure links only these again, one at a time
TRIAGE_MODULE_BATCH=${HOTPATCH_MODULE_BATCH:-32}

triage_need_arg() {
	[[ $# -ge 2 && -n $2 ]] || hp_die "option $1 needs an argument (see --help)"
}

HP_STAGE=options
while (($#)); do
	case $1 in
	--*=*)
		set -- "${1%%=*}" "${1#*=}" "${@:2}"
		continue
		;;
	-k | --kernel | -o | --output | --from | --to | -j | --jobs | --batch | --max-sources | --bundle | --shard | \
		--sign-key | --sign-cert | --cc-wrapper | --cache)
		triage_need_arg "$@"
		case $1 in
		-k | --kernel) opt_kernel=$2 ;;
		-o | --output) opt_output=$2 ;;
		--from) opt_from=$2 ;;
		--to) opt_to=$2 ;;
		-j | --jobs) TRIAGE_JOBS=$2 ;;
		--batch) opt_batch=$2 ;;
		--max-sources) opt_max_sources=$2 ;;
		--bundle) opt_bundle=$2 ;;
		--shard) opt_shard=$2 ;;
		--sign-key) opt_key=$2 ;;
		--sign-cert) opt_cert=$2 ;;
		--cc-wrapper) opt_wrapper=$2 ;;
		--cache) HP_CACHE_ROOT=$2 ;;
		esac
		shift 2
		;;
	--test) opt_test=1; shift ;;
	--merge) opt_merge=1; shift ;;
	-v | --verbose) HP_VERBOSE=1; shift ;;
	-h | --help) triage_usage; exit 0 ;;
	--version) printf 'hotpatch-triage %s\n' "$HP_VERSION"; exit 0 ;;
	--) shift; opt_inputs+=("$@"); break ;;
	-*) hp_die "unknown option '$1' (see --help)" ;;
	*) opt_inputs+=("$1"); shift ;;
	esac
done

[[ -n $opt_output ]] || hp_die "-o DIR is required (see --help)"
[[ $TRIAGE_JOBS =~ ^[1-9][0-9]*$ ]] || hp_die "--jobs needs a positive number, not '$TRIAGE_JOBS'"
[[ $opt_batch =~ ^[1-9][0-9]*$ ]] || hp_die "--batch needs a positive number, not '$opt_batch'"
[[ $opt_max_sources =~ ^[1-9][0-9]{0,3}$ ]] ||
	hp_die "--max-sources needs a positive number of .c files (1 to 9999), not '$opt_max_sources'"
[[ $TRIAGE_MODULE_BATCH =~ ^[1-9][0-9]*$ ]] || hp_die "HOTPATCH_MODULE_BATCH needs a positive number, not '$TRIAGE_MODULE_BATCH'"
if ((opt_merge)); then
	((${#opt_inputs[@]})) || hp_die "--merge needs the result directories to join"
	if [[ -n $opt_from$opt_to$opt_shard$opt_bundle ]] || ((opt_test)); then
		hp_die "--merge joins finished results: --from, --to, --shard, --bundle and --test do not apply"
	fi
else
	if [[ -n $opt_from && ! $opt_from =~ ^[0-9][0-9a-z.+~-]*$ ]] || [[ -n $opt_to && ! $opt_to =~ ^[0-9][0-9a-z.+~-]*$ ]]; then
		hp_die "--from and --to take Debian package versions (e.g. 6.1.190-1), not '$opt_from' / '$opt_to'"
	fi
	if [[ -n $opt_to ]]; then
		[[ -n $opt_from ]] || hp_die "--to needs --from"
		((${#opt_inputs[@]} == 0)) || hp_die "either --from/--to or a patch directory or mbox, not both"
		[[ $opt_from != "$opt_to" ]] || hp_die "--from and --to name the same version"
	else
		((${#opt_inputs[@]} == 1)) || hp_die "give one input: --from V --to V, a patch directory or an mbox (see --help)"
		[[ -e ${opt_inputs[0]} && -r ${opt_inputs[0]} ]] || hp_die "cannot read '${opt_inputs[0]}'"
		opt_inputs[0]=$(realpath "${opt_inputs[0]}")
	fi
	if [[ -n $opt_shard ]]; then
		if ! [[ $opt_shard =~ ^([1-9][0-9]*)/([1-9][0-9]*)$ ]] || ((BASH_REMATCH[1] > BASH_REMATCH[2])); then
			hp_die "--shard takes K/N with 1 <= K <= N, not '$opt_shard'"
		fi
	fi
	if [[ -n $opt_bundle ]]; then
		[[ $opt_bundle =~ ^[A-Za-z_][A-Za-z0-9_]{0,54}$ ]] ||
			hp_die "--bundle '$opt_bundle' is not a valid module name ([A-Za-z0-9_], at most 55 characters)"
	fi
	if [[ -n $opt_key || -n $opt_cert ]]; then
		[[ -n $opt_key && -n $opt_cert ]] || hp_die "--sign-key and --sign-cert go together"
		[[ -r $opt_key && -r $opt_cert ]] || hp_die "cannot read the signing key or certificate"
		opt_key=$(realpath "$opt_key")
		opt_cert=$(realpath "$opt_cert")
	fi
	if [[ -n $opt_wrapper ]]; then
		command -v "${opt_wrapper%% *}" >/dev/null || hp_die "compiler wrapper '${opt_wrapper%% *}' not found (apt-get install ${opt_wrapper%% *})"
	fi
fi
mkdir -p "$opt_output" || hp_die "cannot create the output directory '$opt_output'"
opt_output=$(realpath "$opt_output")
HP_CACHE_ROOT=$(realpath -m "$HP_CACHE_ROOT")
export HP_VERBOSE

# triage_target - HP_RELEASE and the cache: -k, else the --from version's own ABI, else
# hotpatch-build's default; then hotpatch-build --setup makes that cache complete.
triage_target() {
	local rel=$opt_kernel env
	hp_stage_begin target
	if [[ -z $rel && -n $opt_from ]]; then
		rel=$(triage_abi_of "$opt_from")
	fi
	env=$("$HP_LIBDIR/hotpatch-build.sh" --setup --print-env --cache "$HP_CACHE_ROOT" ${rel:+-k "$rel"}) ||
		hp_die "the kernel cache of ${rel:-the default release} could not be prepared (see above)"
	eval "$env"
	[[ -n $HP_INDEX ]] || hp_die "the symbol index of $HP_RELEASE is missing: run make"
	# The object cache's key (and objtool's arguments) once for the whole run, exported: each
	# candidate's hotpatch-build keeps them when its ingredients are the same
	# (objects_cache_init, OBJECTS_CACHE_OF), instead of computing them again.
	objects_cache_init "$HP_CACHE/src"
	# likewise the patch modules' init object and the compiler's answer (module_main_obj)
	module_main_obj
	export HP_CC_ASKED HP_CC_WANT_OF MODULE_MAIN_OBJ MODULE_MAIN_OF
	hp_stage_end "$HP_RELEASE ($HP_PKGVER)"
}

# triage_input - TRIAGE_UPDATE (an UPDATE dir, build/triage-input.sh) and the description.
triage_input() {
	local in=${opt_inputs[0]:-} tmp patches=()
	hp_stage_begin input
	if [[ -n $opt_to ]]; then
		TRIAGE_UPDATE=$(triage_fetch_update "$opt_from" "$opt_to")
		TRIAGE_INPUT=$(jq -n --arg f "$opt_from" --arg t "$opt_to" \
			'{ kind: "update", from: $f, to: $t, description: "linux-source-6.1 \($f) → \($t)" }')
	else
		rm -rf "$opt_output/work/.tmp.update"
		tmp=$opt_output/work/.tmp.update
		mkdir -p "$tmp" || hp_die "cannot create $tmp"
		if [[ -d $in ]]; then
			mapfile -t patches < <(find "$in" -maxdepth 1 -type f \( -name '*.patch' -o -name '*.diff' \) | LC_ALL=C sort)
			((${#patches[@]})) || hp_die "$in holds no *.patch or *.diff file"
			TRIAGE_INPUT=$(jq -n --arg p "$in" --argjson n "${#patches[@]}" \
				'{ kind: "patch-dir", path: $p, patches: $n, description: "\($n) patches in \($p)" }')
		else
			triage_split_mbox "$in" "$tmp/mbox"
			mapfile -t patches < <(find "$tmp/mbox" -name '*.patch' | LC_ALL=C sort)
			TRIAGE_INPUT=$(jq -n --arg p "$in" --argjson n "${#patches[@]}" \
				'{ kind: "mbox", path: $p, patches: $n, description: "mbox \($p), \($n) messages" }')
		fi
		triage_input_series "$HP_SRC" "$tmp/update" "${patches[@]}"
		rm -rf "$opt_output/work/update"
		mv "$tmp/update" "$opt_output/work/update" || hp_die "cannot rename the update into $opt_output/work"
		rm -rf "$tmp"
		TRIAGE_UPDATE=$opt_output/work/update
	fi
	hp_stage_end "$(wc -l <"$TRIAGE_UPDATE/files") file(s) changed"
}

# triage_plan - OUT/candidates.tsv (this shard's), OUT/work/all-candidates.tsv, skipped.tsv,
# run.env (with where the shadow tree of the update goes, for gcc -M of candidates that need
# headers).
triage_plan() {
	local k n
	hp_stage_begin candidates
	triage_candidates "$TRIAGE_UPDATE" "$opt_output/work"
	mv -f "$opt_output/work/skipped.tsv" "$opt_output/skipped.tsv" || hp_die "cannot write $opt_output/skipped.tsv"
	mv -f "$opt_output/work/candidates.tsv" "$opt_output/work/all-candidates.tsv" || hp_die "cannot write the candidates"
	if [[ -n $opt_shard ]]; then
		k=${opt_shard%/*} n=${opt_shard#*/}
		triage_shard "$k" "$n" <"$opt_output/work/all-candidates.tsv" >"$opt_output/.tmp.candidates.tsv"
	else
		cp "$opt_output/work/all-candidates.tsv" "$opt_output/.tmp.candidates.tsv"
	fi
	mv -f "$opt_output/.tmp.candidates.tsv" "$opt_output/candidates.tsv" || hp_die "cannot write $opt_output/candidates.tsv"
	# the shadow of the updated tree (made by the first worker that needs it, 3 s CPU) belongs
	# to one update and one target tree: it is kept with the update, for every run and shard
	# (and to the include index's version: its "u" lines decide which directories are real;
	# and to the tree's generated files: a real directory holds links to what src/ had then)
	k=$(printf '%s\n%s\nincludes %s\n%s\n' "$HP_SRC" "$(sha256sum <"$TRIAGE_UPDATE/files")" \
		"$INCLUDES_VERSION" "$TREE_GENERATED_STAMP" |
		sha256sum | cut -c1-16)
	TRIAGE_SHADOW=$TRIAGE_UPDATE/shadow-$k
	triage_shadow_use "$TRIAGE_UPDATE" "$TRIAGE_SHADOW"
	# an output directory of an earlier version kept its own
	rm -rf "$opt_output/work/shadow" "$opt_output/work/shadow.key" "$opt_output/work/.shadow.lock"
	{
		printf 'HP_RELEASE=%q\nHP_PKGVER=%q\nHP_CACHE_ROOT=%q\nHP_CACHE=%q\nHP_SRC=%q\n' \
			"$HP_RELEASE" "$HP_PKGVER" "$HP_CACHE_ROOT" "$HP_CACHE" "$HP_SRC"
		printf 'TRIAGE_UPDATE=%q\nTRIAGE_SHADOW=%q\nTRIAGE_BUILD=%q\nTRIAGE_VERSION=%q\n' \
			"$TRIAGE_UPDATE" "$TRIAGE_SHADOW" "$HP_LIBDIR/hotpatch-build.sh" "$TRIAGE_VERSION"
		printf 'TRIAGE_SIGN_KEY=%q\nTRIAGE_SIGN_CERT=%q\n' "$opt_key" "$opt_cert"
		# the grouping rule's limit: part of every candidate's key (tc_candidate, triage_todo)
		printf 'TRIAGE_MAX_SOURCES=%q\n' "$opt_max_sources"
		# a wrapper reaches build/objects.sh through the environment of hotpatch-build (which
		# sets ccache's options: objects_wrapper_env)
		printf 'export HOTPATCH_CC_WRAPPER=%q\n' "$opt_wrapper"
	} >"$opt_output/.tmp.run.env" || hp_die "cannot write $opt_output/run.env"
	mv -f "$opt_output/.tmp.run.env" "$opt_output/run.env" || hp_die "cannot write $opt_output/run.env"
	hp_stage_end "$(wc -l <"$opt_output/candidates.tsv") candidate(s)${opt_shard:+ in shard $opt_shard}, $(wc -l <"$opt_output/skipped.tsv") file(s) skipped"
}

# triage_todo - the ids of the candidates without a current result (same key), in order.
triage_todo() {
	local id path key have
	declare -A keys=()
	while IFS=$'\t' read -r id key; do
		keys[$id]=$key
	done < <(find "$opt_output/results" -maxdepth 1 -name '*.json' ! -name '.tmp.*' -print0 2>/dev/null |
		xargs -0 -r jq -r '"\(.id)\t\(.key)"')
	while IFS=$'\t' read -r id _ path _; do
		have=${keys[$id]:-}
		if [[ -n $have ]]; then
			# as build/triage-candidate.sh's tc_candidate computes it
			key=$(printf '%s\n%s\nmax-sources %s\n%s\n' "$HP_RELEASE" "$TRIAGE_VERSION" "$opt_max_sources" \
				"$(cat "$TRIAGE_UPDATE/diffs/$path.diff")" | sha256sum | cut -c1-16)
			[[ $have == "$key" ]] && continue
		fi
		printf '%s\n' "$id"
	done <"$opt_output/candidates.tsv"
}

# triage_progress TOTAL SKIPPED TODO T0 - one status line: done/total, outcomes so far, ETA
# from this run's pace.
triage_progress() {
	local total=$1 skipped=$2 remaining=$3 t0=$4 done_now waiting
	done_now=$(wc -l <"$opt_output/work/progress")
	waiting=$(($(wc -l <"$opt_output/work/deferred") - $(awk 'NR == FNR { d[$1] = 1; next } ($1 in d)' "$opt_output/work/deferred" "$opt_output/work/progress" | wc -l)))
	awk -v total="$total" -v before="$skipped" -v todo="$remaining" -v t0="$t0" -v now="$(hp_now)" -v n="$done_now" -v w="$waiting" '
		{ c[$2]++ }
		END {
			line = sprintf("triage: %d/%d done", before + n, total)
			for (o in c) line = line sprintf(", %s %d", o, c[o])
			if (w > 0) line = line sprintf(", %d module(s) to link", w)
			if (n + w > 0 && todo > n + w) line = line sprintf(", ETA %d min", (now - t0) / (n + w) * (todo - n - w) / 60 + 0.5)
			print line
		}' "$opt_output/work/progress"
}

# triage_interrupt - stop the workers' process groups (TRIAGE_PGIDS), keep the finished rows,
# exit 130.
# shellcheck disable=SC2317 # called from a trap
triage_interrupt() {
	local g
	for g in "${TRIAGE_PGIDS[@]}"; do
		kill -TERM -- "-$g" 2>/dev/null || true
	done
	for g in "${TRIAGE_PGIDS[@]}"; do
		wait "$g" 2>/dev/null || true
	done
	[[ -t 2 ]] && printf '\n' >&2
	hp_log "interrupted: $(find "$opt_output/results" -maxdepth 1 -name '*.json' ! -name '.tmp.*' | wc -l) finished result(s) kept in $opt_output/results, $(find "$opt_output/work/c" -mindepth 2 -maxdepth 2 -name state 2>/dev/null | wc -l) deferred module(s) in $opt_output/work/c; run again to continue"
	# a report of what is finished, marked as such (a rerun replaces it)
	TRIAGE_INTERRUPTED=true
	(triage_write_report) || hp_log "no partial report written"
	exit 130
}

# triage_workers ARGS... - build/triage-candidate.sh ARGS ID for every id on stdin, TRIAGE_JOBS at
# a time (xargs -P: a candidate is one process tree), with a progress line every few seconds
# (TOTAL SKIPPED TODO T0 in TRIAGE_PROGRESS); the status is xargs'. While the first part of the
# candidates runs (ARGS without --finish), every TRIAGE_MODULE_BATCH deferred modules are linked
# and finished meanwhile (triage_modules), so that a long run keeps its built rows as it goes.
TRIAGE_PGIDS=()
triage_workers() {
	local pid line last='' tick=0 rc=0
	# The workers run as their own process group (job control on for this one job): a
	# background job of a script ignores SIGINT, so Ctrl-C reaches only this shell, which
	# stops every group with TERM; each worker and hotpatch-build then removes its scratch
	# and writes no row.
	set -m
	xargs -r -P "$TRIAGE_JOBS" -n 1 "$HP_LIBDIR/build/triage-candidate.sh" "$@" &
	pid=$!
	set +m
	TRIAGE_PGIDS+=("$pid")
	trap 'triage_interrupt' INT TERM
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		tick=$((tick + 1))
		[[ $1 == --finish ]] || triage_modules "$TRIAGE_MODULE_BATCH"
		# the line only when it may be printed: off a terminal, every 30 s (a tick that
		# computes it runs five programs and three subshells)
		[[ -t 2 || $((tick % 30)) == 0 ]] || continue
		# shellcheck disable=SC2086 # four numbers
		line=$(triage_progress $TRIAGE_PROGRESS)
		if [[ -t 2 ]]; then
			printf '\r%s\033[K' "$line" >&2
		elif [[ $line != "$last" ]]; then
			printf '%s\n' "$line" >&2
			last=$line
		fi
	done
	wait "$pid" || rc=$?
	unset 'TRIAGE_PGIDS[-1]'
	((${#TRIAGE_PGIDS[@]})) || trap - INT TERM
	[[ -t 2 ]] && printf '\n' >&2
	return "$rc"
}

# triage_missing IDS-FILE - the ids of IDS-FILE without a result, on one line.
triage_missing() {
	local id
	while IFS= read -r id; do
		[[ -f $opt_output/results/$id.json ]] || printf '%s ' "$id"
	done <"$1"
}

# triage_resume - the ids on stdin that must be built: not those whose module an interrupted
# run deferred and left complete and current (build/triage-candidate.sh --resume queues them in
# OUT/work/deferred).
triage_resume() {
	local id
	while IFS= read -r id; do
		if [[ -f $opt_output/work/c/$id/state ]] &&
			"$HP_LIBDIR/build/triage-candidate.sh" --resume "$opt_output" "$id" </dev/null; then
			continue
		fi
		printf '%s\n' "$id"
	done
}

# triage_run - every candidate without a result: first each one up to its module (the workers
# defer the module stage, OUT/work/deferred; those an interrupted run deferred are taken up as
# they are, triage_resume), then the modules of the deferred ones, linked
# TRIAGE_MODULE_BATCH at a time in one kbuild each (triage_modules).
triage_run() {
	local total todo n d skipped rc=0
	hp_stage_begin run
	mkdir -p "$opt_output/results" "$opt_output/logs" "$opt_output/modules" || hp_die "cannot create $opt_output"
	triage_todo >"$opt_output/work/todo"
	total=$(wc -l <"$opt_output/candidates.tsv")
	todo=$(wc -l <"$opt_output/work/todo")
	skipped=$((total - todo))
	((skipped == 0)) || hp_log "$skipped of $total candidate(s) already finished in $opt_output/results"
	: >"$opt_output/work/progress"
	: >"$opt_output/work/deferred"
	triage_resume <"$opt_output/work/todo" >"$opt_output/work/build"
	d=$(wc -l <"$opt_output/work/deferred")
	((d == 0)) || hp_log "$d candidate(s) deferred by an interrupted run taken up: only their modules are linked"
	TRIAGE_PROGRESS="$total $skipped $todo $(hp_now)"
	TRIAGE_TAKEN=0 TRIAGE_BATCHES=0 TRIAGE_ALONE=0 TRIAGE_MOD_T=0
	TRIAGE_DEFER_MODULES=1 triage_workers "$opt_output" <"$opt_output/work/build" || rc=$?
	n=$(wc -l <"$opt_output/work/progress")
	d=$(wc -l <"$opt_output/work/deferred")
	if ((rc != 0 && n + d != todo)); then
		hp_die "$((todo - n - d)) candidate(s) ended without a result: $(triage_missing "$opt_output/work/todo")(xargs exit $rc; their messages are above, see also $opt_output/logs)"
	fi
	triage_modules 1
	if ((TRIAGE_TAKEN)); then
		hp_log "$(printf 'modules: %d linked in %d kbuild run(s)%s, %.1f s' "$TRIAGE_TAKEN" "$TRIAGE_BATCHES" \
			"$( ((TRIAGE_ALONE == 0)) || printf ', %d of them alone after a failed batch' "$TRIAGE_ALONE")" "$TRIAGE_MOD_T")"
	fi
	n=$(wc -l <"$opt_output/work/progress")
	if ((n != todo)); then
		hp_die "$((todo - n)) candidate(s) ended without a result: $(triage_missing "$opt_output/work/todo")(their messages are above, see also $opt_output/logs)"
	fi
	# shellcheck disable=SC2086 # four numbers
	hp_stage_end "$(triage_progress $TRIAGE_PROGRESS | sed 's/^triage: //')"
}

# triage_modules MIN - while MIN deferred candidates wait (OUT/work/deferred past the first
# TRIAGE_TAKEN), up to TRIAGE_MODULE_BATCH of them: their modules in one kbuild (module_batch,
# -j TRIAGE_JOBS), then each candidate's --finish (post-link, sign, row). When the batch's kbuild
# fails, each of its candidates links its module alone in --finish, so a module that does not
# link is that candidate's tool error and no other's.
triage_modules() {
	local min=$1 chunk=() bdirs=() id rc=0 t0 deferred=()
	# asked every second while the workers run: the short list read by the shell, no wc
	while mapfile -t deferred <"$opt_output/work/deferred" && ((${#deferred[@]} - TRIAGE_TAKEN >= min)); do
		mapfile -t -s "$TRIAGE_TAKEN" -n "$TRIAGE_MODULE_BATCH" chunk <"$opt_output/work/deferred"
		TRIAGE_TAKEN=$((TRIAGE_TAKEN + ${#chunk[@]}))
		t0=$(hp_now)
		bdirs=()
		for id in "${chunk[@]}"; do
			# shellcheck source=/dev/null # written by hotpatch-build --defer-module
			bdirs+=("$(. "$opt_output/work/c/$id/defer/build.env" && printf '%s\n' "$MODULE_BDIR")")
		done
		TRIAGE_BATCHES=$((TRIAGE_BATCHES + 1))
		if ! (HP_JOBS=$TRIAGE_JOBS module_batch "$opt_output/work/batch" "${bdirs[@]}"); then
			TRIAGE_ALONE=$((TRIAGE_ALONE + ${#chunk[@]}))
			mv -f "$opt_output/work/batch/kbuild.log" "$opt_output/work/batch-$TRIAGE_BATCHES.log" 2>/dev/null || true
			hp_log "the kbuild of ${#chunk[@]} patch modules together failed (log: $opt_output/work/batch-$TRIAGE_BATCHES.log): each is linked alone"
		fi
		printf '%s\n' "${chunk[@]}" >"$opt_output/work/batch.ids"
		triage_workers --finish "$opt_output" <"$opt_output/work/batch.ids" || rc=$?
		rm -rf "$opt_output/work/batch"
		TRIAGE_MOD_T=$(awk -v s="$TRIAGE_MOD_T" -v a="$t0" -v b="$(hp_now)" 'BEGIN { print s + b - a }')
		((rc == 0)) || return 0
	done
}

# triage_meta - the report's header as a JSON file.
triage_meta() {
	jq -n --arg version "$HP_VERSION" --arg release "$HP_RELEASE" --arg pkgver "$HP_PKGVER" \
		--argjson input "$TRIAGE_INPUT" --arg shard "$opt_shard" --argjson jobs "$TRIAGE_JOBS" \
		--argjson test "$opt_test" --arg wrapper "$opt_wrapper" --argjson maxsrc "$opt_max_sources" \
		--argjson interrupted "${TRIAGE_INTERRUPTED:-false}" \
		--argjson planned "$(wc -l <"$opt_output/candidates.tsv")" \
		--argjson wall "$(awk -v a="$TRIAGE_T0" -v b="$(hp_now)" 'BEGIN { printf "%.1f", b - a }')" \
		--slurpfile bundle <([[ -n $opt_bundle && -f $opt_output/$opt_bundle.json ]] && jq '{ name: .name, result: .result, module: .module, carried: [.carried[] | .id], covered: [(.covered // [])[] | { id, by }], left_out: .left_out, fixes: (.fixes // []) }' "$opt_output/$opt_bundle.json") \
		'{ tool: "hotpatch-triage", version: $version, release: $release, package_version: $pkgver,
		   input: $input, shard: (if $shard == "" then null else $shard end),
		   options: { jobs: $jobs, test: ($test == 1), max_sources: $maxsrc, cc_wrapper: (if $wrapper == "" then null else $wrapper end) },
		   wall_time: $wall, bundle: ($bundle[0] // null),
		   candidates_planned: $planned, interrupted: $interrupted }'
}

# triage_rows_current - the rows of this run's candidates (a shard's directory may hold others).
triage_rows_current() {
	local id
	while IFS=$'\t' read -r id _; do
		if [[ -f $opt_output/results/$id.json ]]; then cat "$opt_output/results/$id.json"; fi
	done <"$opt_output/candidates.tsv" | jq -s 'sort_by(.path)'
}

triage_write_report() {
	hp_stage_begin report
	triage_meta >"$opt_output/work/meta.json" || hp_die "cannot write the report header"
	triage_rows_current >"$opt_output/work/rows.json" || hp_die "cannot read the rows"
	triage_skipped "$opt_output" >"$opt_output/work/skipped.json"
	triage_report "$opt_output" "$opt_output/work/meta.json" "$opt_output/work/rows.json" "$opt_output/work/skipped.json"
	hp_stage_end "$opt_output/triage.json, $opt_output/triage.md"
}

# triage_status - 1 when a candidate (or the bundle) ended in a tool error.
triage_status() {
	local facts n
	# one jq: the tool errors, the bundle's result, the summary line
	mapfile -t facts < <(jq -r '.summary.outcomes["tool-error"], (.bundle.result // "failed"),
		(.summary | "triage: \(.candidates) candidates: \(.outcomes | to_entries | map("\(.key) \(.value)") | join(", ")); coverage \(.coverage // "n/a")")' \
		"$opt_output/triage.json")
	((${#facts[@]} == 3)) || hp_die "cannot read the summary of $opt_output/triage.json"
	n=${facts[0]}
	printf '%s\n' "${facts[2]}" >&2
	if ((n > 0)); then
		hp_log "$n tool error(s): our bugs; each row names stage, object and message (triage.md, 'Tool errors')"
		return 1
	fi
	if [[ -n $opt_bundle && ${facts[1]} == failed ]]; then
		hp_log "the bundle $opt_bundle failed (see $opt_output/$opt_bundle.json)"
		return 1
	fi
	return 0
}

TRIAGE_T0=$(hp_now)
if ((opt_merge)); then
	HP_STAGE=merge
	triage_merge "$opt_output" "${opt_inputs[@]}"
	opt_bundle=''
	triage_status || exit 1
	exit 0
fi
hp_trap_errors
mkdir -p "$opt_output/work" || hp_die "cannot create $opt_output/work"
triage_target
triage_input
triage_plan
triage_run
if ((opt_test)); then
	triage_test "$opt_output" "$opt_batch"
fi
if [[ -n $opt_bundle ]]; then
	triage_bundle "$opt_output" "$opt_bundle" "$opt_test"
fi
triage_write_report
triage_status || exit 1
exit 0
