# shellcheck shell=bash
# build/diff.sh - run hotpatch-diff on every object pair of the patch.
#
#   diff_objects WORK [HOOKS.c...]
#                         for each line of WORK/tus: WORK/diff/<obj>.{o,json,log};
#                         sets DIFF_PAIRS (OUT.o FACTS.json ...) and DIFF_TARGETS (modules);
#                         the hooks files (--hooks) may call the patch's new functions
#
# One refusal refuses the whole patch: a module that patches some of a fix is a wrong module.
# Objects without a functional change (exit 3) are left out; when none is left the patch
# changes nothing that can be live-patched: no module, exit 3 (hotpatch-build's documented
# status for "no functional change", which hotpatch-triage counts as the outcome no-change).
# So is an object that only adds functions and data nothing in the patch reaches (a partial
# backport: the caller comes with a later fix): the differ names each (FACTS.json "unused_new"),
# and so does the run's last line when no object is left.

# The symbol lists below come from one listing per object (diff_nm): each object of the patch
# is asked for its globals, its defined names, its locals and its undefined names, and reading
# a large object's symbol table once instead of four times is most of their cost. The listing
# is readelf's (a quarter of nm's time on the same object: no sorting, no BFD), cut to what nm
# shows: "D NAME" for a global (or weak, or unique) name defined in a section, as absolute or
# common, "L NAME" for a local one, "U NAME" for an undefined one; no section or file symbols,
# no symbol without a name.

# diff_nm OBJ - the path of OBJ's listing in DIFF_NM: kept for the objects the compile stage
# wrote (WORK/orig, WORK/patched, which nothing rewrites), made again for any other (the
# differ's outputs, which diff_prune rewrites). An OBJ that does not exist lists nothing.
diff_nm() {
	local obj=$1
	if [[ $obj == "$DIFF_NM_KEEP"/orig/* || $obj == "$DIFF_NM_KEEP"/patched/* ]]; then
		DIFF_NM=${obj#"$DIFF_NM_KEEP"/}
		DIFF_NM=$DIFF_NM_KEEP/diff/nm/${DIFF_NM//\//_}
		[[ -f $DIFF_NM ]] && return 0
	else
		DIFF_NM=$DIFF_NM_KEEP/diff/nm/.other.$BASHPID
	fi
	if [[ ! -f $obj ]]; then
		: >"$DIFF_NM" || hp_die "cannot write $DIFF_NM"
	elif ! readelf -sW "$obj" | awk '
		# "Num: Value Size Type Bind Vis Ndx Name" of .symtab (an object has no other)
		$1 ~ /^[0-9]+:$/ && NF >= 8 && $4 != "SECTION" && $4 != "FILE" {
			print ($7 == "UND" ? "U" : ($5 == "LOCAL" ? "L" : "D")) " " $8
		}' >"$DIFF_NM"; then
		# (a failure ends the run, and the scratch directory with it: no half listing is read)
		rm -f "$DIFF_NM"
		hp_die "readelf cannot list the symbols of $obj"
	fi
}

# diff_globals OBJ - the global symbols OBJ defines, sorted
diff_globals() {
	diff_nm "$1"
	awk '$1 == "D" { print $2 }' "$DIFF_NM" | LC_ALL=C sort -u
}

# diff_defined OBJ - every name OBJ defines, local ones too, sorted
diff_defined() {
	diff_nm "$1"
	awk '$1 != "U" { print $2 }' "$DIFF_NM" | LC_ALL=C sort -u
}

# diff_locals OBJ - the names OBJ defines as locals, sorted
diff_locals() {
	diff_nm "$1"
	awk '$1 == "L" { print $2 }' "$DIFF_NM" | LC_ALL=C sort -u
}

# diff_undefined OBJ - the symbols OBJ refers to without defining them, sorted
diff_undefined() {
	diff_nm "$1"
	awk '$1 == "U" { print $2 }' "$DIFF_NM" | LC_ALL=C sort -u
}

# diff_missing WORK OBJ - the globals the patched side of OBJ refers to and its original does
# not, that neither the target (the symbol index) nor another object of the patch (new-globals)
# defines: code calling a function the fix adds in a file the patch leaves out. The running
# kernel lacks it, so no module can resolve it; the differ only sees a name its index lacks.
diff_missing() {
	local work=$1 obj=$2 name index
	module_tool hotpatch-index index
	while IFS= read -r name; do
		[[ -n $name ]] || continue
		grep -qxF -- "$name" "$work/diff/new-globals" && continue
		"$index" query "$HP_INDEX" "$name" >/dev/null 2>&1 && continue
		printf '%s\n' "$name"
	done < <(LC_ALL=C comm -13 <(diff_undefined "$work/orig/$obj") <(diff_undefined "$work/patched/$obj"))
}

# diff_refs WORK FILE... - the new globals of the patch (WORK/diff/new-globals) that the objects
# FILE... refer to without defining them, or that a hooks file (DIFF_HOOKS: compiled into the
# module later) mentions, even in a comment
diff_refs() {
	local work=$1 f
	{
		for f in "${@:2}"; do
			diff_undefined "$f"
		done
		if ((${#DIFF_HOOKS[@]})) && [[ -s $work/diff/new-globals ]]; then
			grep -ohwFf "$work/diff/new-globals" "${DIFF_HOOKS[@]}" || (($? == 1)) ||
				hp_die "cannot read the hooks files ${DIFF_HOOKS[*]}"
		fi
	} | LC_ALL=C sort -u | LC_ALL=C comm -12 - "$work/diff/new-globals"
}

# diff_run WORK C OBJ TARGET REFS - hotpatch-diff on OBJ's pair (REFS: its --patch-refs), into
# WORK/diff/<obj>.{o,json,log}; returns its exit status
diff_run() {
	local work=$1 c=$2 obj=$3 target=$4 refs=$5 tool out json log
	module_tool hotpatch-diff tool
	out=$work/diff/${obj//\//_}
	json=${out%.o}.json
	log=${out%.o}.log
	# The structure layouts of both objects, from their DWARF: the differ refuses a patch
	# that changes one (objects that exist keep the old layout).
	if [[ ! -f ${out%.o}.layouts.patched ]] &&
		{ ! pahole -a "$work/orig/$obj" >"${out%.o}.layouts.orig" 2>"$log" ||
			! pahole -a "$work/patched/$obj" >"${out%.o}.layouts.patched" 2>"$log"; }; then
		rm -f "${out%.o}.layouts.patched"
		hp_die "pahole cannot read the types of $obj (debug info): $(head -c 300 "$log")"
	fi
	hp_verbose "$tool --index $HP_INDEX --object $target --cu $c --name $obj --new-globals $work/diff/new-globals --made-global $work/diff/made-global --patch-refs $refs --json $json $work/orig/$obj $work/patched/$obj -o $out"
	"$tool" --index "$HP_INDEX" --release "$HP_RELEASE" --object "$target" --cu "$c" --name "$obj" \
		--new-globals "$work/diff/new-globals" --made-global "$work/diff/made-global" \
		--patch-refs "$refs" --json "$json" \
		--orig-layouts "${out%.o}.layouts.orig" --patched-layouts "${out%.o}.layouts.patched" \
		"$work/orig/$obj" "$work/patched/$obj" -o "$out" >"$log" 2>&1
}

# diff_note_unused JSON OBJ TARGET - say which new code of OBJ nothing in the patch reaches (the
# differ's "unused_new") and add it to the caller's $unused, $use, $them
diff_note_unused() {
	local facts what
	# one jq: the names, then whether all of them are functions
	mapfile -t facts < <(jq -r '.unused_new // [] |
		([.[] | .name + " (" + .section + ")"] | join(", ")),
		all(.[]; .reason // "" | startswith("new function"))' "$1")
	((${#facts[@]} == 2)) || hp_die "cannot read the differ's facts $1"
	what=${facts[0]}
	[[ -n $what ]] || return 0
	hp_log "$2 ($3): no change: adds $what, which nothing in the patch calls or uses; left out"
	unused+="${unused:+; }$what in $2"
	[[ $unused != *,* && $unused != *\;* ]] || them=them
	[[ ${facts[1]} == true ]] || use=uses
}

# diff_prune WORK - an object written with new code and nothing to patch (its new globals are
# used by another object of the patch) is asked again while any such object's users were left
# out: the references now counted are those of the output objects (the code the module carries)
# and of the hooks, so a new function only code left out calls is left out too. Updates
# DIFF_PAIRS, DIFF_TARGETS and the caller's $unused, $use, $them.
diff_prune() {
	local work=$1 again=1 i c obj target json out rc kept outs
	while ((again)); do
		again=0
		outs=()
		for ((i = 0; i < ${#DIFF_PAIRS[@]}; i += 2)); do
			outs+=("${DIFF_PAIRS[i]}")
		done
		diff_refs "$work" "${outs[@]}" >"$work/diff/patch-refs.kept"
		kept=()
		for ((i = 0; i < ${#DIFF_PAIRS[@]}; i += 2)); do
			out=${DIFF_PAIRS[i]}
			json=${DIFF_PAIRS[i + 1]}
			if [[ ${diff_changes[$json]} == true ]]; then
				kept+=("$out" "$json")
				continue
			fi
			IFS=$'\t' read -r c obj target <<<"${diff_tu[$json]}"
			rc=0
			diff_run "$work" "$c" "$obj" "$target" "$work/diff/patch-refs.kept" || rc=$?
			case $rc in
			0)
				kept+=("$out" "$json")
				diff_changes[$json]=$(jq '.functions | length > 0' "$json") ||
					hp_die "cannot read the differ's facts $json"
				;;
			3)
				diff_note_unused "$json" "$obj" "$target"
				again=1
				;;
			*)
				sed 's/^/  /' "${out%.o}.log" >&2
				hp_die "hotpatch-diff failed on $obj asked again (exit $rc); log: ${out%.o}.log"
				;;
			esac
		done
		DIFF_PAIRS=("${kept[@]}")
	done
	DIFF_TARGETS=()
	for ((i = 1; i < ${#DIFF_PAIRS[@]}; i += 2)); do
		IFS=$'\t' read -r _ _ target <<<"${diff_tu[${DIFF_PAIRS[i]}]}"
		[[ $target == vmlinux ]] || DIFF_TARGETS+=("$target")
	done
}

diff_objects() {
	local work=$1 c obj target out json log rc sym n=0 refused=0 unused='' use=calls them=it
	local objs=() facts
	# per facts file (JSON) of an object written: its TU line (C OBJ TARGET) and whether it
	# changes functions, read with its summary by one jq (diff_prune asks both again)
	local -A diff_tu=() diff_changes=()
	DIFF_HOOKS=("${@:2}")
	DIFF_PAIRS=()
	DIFF_TARGETS=()
	mkdir -p "$work/diff/nm"
	DIFF_NM_KEEP=$work
	# New global functions and data of each object: another object of the same patch (a module
	# object using a helper a vmlinux object adds) resolves them inside the patch module. A
	# static the fix makes global (qla_target.c's qlt_unmap_sg, which qla_os.c now calls) is
	# not new: the running kernel has it as a local, which a reference from another object
	# reaches through klp (hotpatch-diff --made-global).
	: >"$work/diff/made-global"
	while IFS=$'\t' read -r _ obj _ _; do
		diff_globals "$work/patched/$obj" >"$work/diff/globals"
		LC_ALL=C comm -13 <(diff_defined "$work/orig/$obj") "$work/diff/globals"
		LC_ALL=C comm -12 <(diff_locals "$work/orig/$obj") "$work/diff/globals" >>"$work/diff/made-global"
	done <"$work/tus" | LC_ALL=C sort -u >"$work/diff/new-globals"
	LC_ALL=C sort -u -o "$work/diff/made-global" "$work/diff/made-global"
	# Which of them some object of the patch calls or reads: a new function no changed code of
	# its own object reaches is still used when another object refers to it (an unchanged
	# reference there names an old symbol, so counting every reference only keeps more).
	while IFS=$'\t' read -r _ obj _ _; do
		objs+=("$work/patched/$obj")
	done <"$work/tus"
	diff_refs "$work" "${objs[@]}" >"$work/diff/patch-refs"
	while IFS=$'\t' read -r c obj target _; do
		out=$work/diff/${obj//\//_}
		json=${out%.o}.json
		log=${out%.o}.log
		rc=0
		diff_run "$work" "$c" "$obj" "$target" "$work/diff/patch-refs" || rc=$?
		case $rc in
		0)
			DIFF_PAIRS+=("$out" "$json")
			[[ $target != vmlinux ]] && DIFF_TARGETS+=("$target")
			n=$((n + 1))
			mapfile -t facts < <(jq -r '(.functions | length > 0), ([(if (.functions | length) > 0 then "changed " + ([.functions[].name] | join(" ")) else empty end), (if (.new_functions // [] | length) > 0 then "new " + ([.new_functions[].name] | join(" ")) else empty end), (if (.data // [] | length) > 0 then "data " + ([.data[].name] | join(" ")) else empty end)] | join("; "))' "$json")
			((${#facts[@]} == 2)) || hp_die "cannot read the differ's facts $json"
			diff_tu[$json]=$c$'\t'$obj$'\t'$target
			diff_changes[$json]=${facts[0]}
			hp_log "$obj ($target): ${facts[1]}"
			# what the module leaves out on purpose (tracepoints kept off) is said here too
			grep 'warning:' "$log" | sed 's/^/  /' >&2 || true
			;;
		3)
			hp_verbose "$obj: no functional change"
			diff_note_unused "$json" "$obj" "$target"
			;;
		2)
			sed 's/^/  /' "$log" >&2
			while IFS= read -r sym; do
				printf 'hotpatch: %s: refused: %s refers to %s, which neither %s nor any object of this patch defines: add the change that defines %s to the patch\n' \
					"$HP_STAGE" "$obj" "$sym" "$HP_RELEASE" "$sym" >&2
			done < <(diff_missing "$work" "$obj")
			refused=1
			;;
		*)
			sed 's/^/  /' "$log" >&2
			hp_die "hotpatch-diff failed on $obj (exit $rc); log: $log"
			;;
		esac
	done <"$work/tus"
	if ((refused)); then
		hp_refuse "the patch cannot be applied live safely (reasons above); no module written"
	fi
	diff_prune "$work"
	n=$((${#DIFF_PAIRS[@]} / 2))
	if ((n == 0)); then
		if [[ -n $unused ]]; then
			printf 'hotpatch: %s: no change: %s\n' "$HP_STAGE" \
				"the patch only adds $unused, which nothing in the patch $use: a live patch of $them alone changes nothing the running kernel runs; build $them together with the change that $use $them" >&2
			exit 3
		fi
		local why='every object compiled the same'
		# the header filter may have proven every TU unchanged without compiling one
		if ((${OBJECTS_DROPPED:-0} > 0)); then
			why="every object compiled the same; $OBJECTS_DROPPED TU(s) that include the changed header(s) cannot change, proven by the header filter"
			[[ -s $work/tus ]] || why="none of the $OBJECTS_DROPPED TU(s) that include the changed header(s) can change, proven by the header filter"
		fi
		printf 'hotpatch: %s: no change: %s\n' "$HP_STAGE" \
			"the patch changes no function that can be live-patched ($why)" >&2
		exit 3
	fi
	if ((${#DIFF_TARGETS[@]})); then
		mapfile -t DIFF_TARGETS < <(printf '%s\n' "${DIFF_TARGETS[@]}" | sort -u)
	fi
}
