# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# build/triage-candidates.sh - from an UPDATE dir (build/triage-input.sh) to the candidates.
#
#   triage_candidates UPDATE OUT   OUT/candidates.tsv and OUT/skipped.tsv
#   triage_candidate_id PATH       the candidate's id, also its module name
#   triage_layout_change UPDATE PATH
#                                  print the structs/unions whose body the header change edits
#   triage_shard K N < candidates.tsv
#                                  the candidates of shard K of N (by a hash of the id)
#
# The grouping rule (README, "Triage a whole update"):
#   - one candidate per changed .c that exists before and after and that the target's compile
#     database builds; it starts as that file's diff alone;
#   - a changed header that edits the body of a struct or union at file scope is its own
#     candidate, refused with that reason (a live patch cannot change the layout of data the
#     running kernel holds); only headers this configuration can see count (not under another
#     architecture; under include/ or next to a built .c);
#   - every other header change travels with the .c candidates that need it to compile: the
#     candidate worker (build/triage-candidate.sh) adds the changed headers its TU includes
#     when the .c alone does not compile, and only then (carrying a header recompiles every TU
#     that includes it, and patches what it changes there);
#   - everything else (new or removed files, assembly, Makefiles, Kconfig, docs, other
#     architectures, .c not built) is listed in skipped.tsv with the reason, not triaged.
#
# candidates.tsv: id<TAB>kind<TAB>path<TAB>object<TAB>target<TAB>reason
#   kind c: a .c candidate (object and target from the compile database, reason '-')
#   kind layout: a refused header candidate (object and target '-', reason the refusal)

# triage_candidate_id PATH - [A-Za-z0-9_], at most 55 characters, unique per path.
triage_candidate_id() {
	local id=${1//[^A-Za-z0-9]/_} sum
	[[ $id =~ ^[A-Za-z] ]] || id=t_$id
	if ((${#id} > 55)); then
		sum=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
		sum=$(printf '%08x' "$sum")
		id=${id: -46}
		id=${id#_}
		[[ $id =~ ^[A-Za-z] ]] || id=t${id}
		id=${id:0:46}_$sum
	fi
	printf '%s\n' "$id"
}

# triage_layout_change UPDATE PATH - the "struct NAME" / "union NAME" whose file-scope body
# has a changed line (code, not a comment or blank) on either side, space-separated. A body is
# what follows "struct|union [NAME] ... {" at brace depth 0 without "=" or "(" (an initializer
# or a function is not a layout) up to its closing brace. Conservative: a changed member type
# of the same size is reported too.
triage_layout_change() {
	local upd=$1 path=$2 a b
	a=$upd/from/$path
	b=$upd/to/$path
	[[ -e $a ]] || a=/dev/null
	[[ -e $b ]] || b=/dev/null
	awk '
	function code(s) {
		# strip comments (a /* */ may span lines: incomment carries over)
		out = ""
		while (s != "") {
			if (incomment) {
				i = index(s, "*/")
				if (!i) return out
				s = substr(s, i + 2); incomment = 0
			} else {
				i = index(s, "/*"); j = index(s, "//")
				if (j && (!i || j < i)) { out = out substr(s, 1, j - 1); return out }
				if (!i) { out = out s; return out }
				out = out substr(s, 1, i - 1); s = substr(s, i + 2); incomment = 1
			}
		}
		return out
	}
	function scan(line, side,   c, t, k, ch) {
		c = code(line)
		t = c
		if (depth == 0 && !body && t ~ /^[ \t]*(typedef[ \t]+)?(struct|union)([ \t]|$)/ && t !~ /[=(;]/) {
			pending = t
			sub(/^[ \t]*(typedef[ \t]+)?/, "", pending)
			split(pending, w, /[ \t{]+/)
			pending = w[1] " " ((w[2] != "" && w[2] != "{") ? w[2] : "(anonymous)")
		}
		if (body) member[side, FNR] = body
		for (k = 1; k <= length(c); k++) {
			ch = substr(c, k, 1)
			if (ch == "{") {
				if (depth == 0 && pending != "") { body = pending; member[side, FNR] = body }
				depth++
			} else if (ch == "}") {
				depth--
				if (depth == 0) { body = ""; pending = "" }
			}
		}
		if (depth == 0 && c ~ /;/) pending = ""
	}
	FNR == 1 { file++; depth = 0; body = ""; pending = ""; incomment = 0 }
	file == 1 { scan($0, "a"); next }
	file == 2 { scan($0, "b"); next }
	/^@@/ {
		split($2, o, ","); split($3, n, ",")
		ol = -o[1]; nl = n[1] + 0; next
	}
	/^(---|\+\+\+) / && !inhunk { next }
	/^ / { ol++; nl++; next }
	/^-/ { s = substr($0, 2); gsub(/[ \t]/, "", s); if (s !~ /^(\/\*|\*|\/\/|$)/ && (("a", ol) in member)) hit[member["a", ol]] = 1; ol++; next }
	/^\+/ { s = substr($0, 2); gsub(/[ \t]/, "", s); if (s !~ /^(\/\*|\*|\/\/|$)/ && (("b", nl) in member)) hit[member["b", nl]] = 1; nl++; next }
	END { for (h in hit) printf "%s%s", (nh++ ? ", " : ""), h; if (nh) printf "\n" }
	' "$a" "$b" "$upd/diffs/$path.diff"
}

# triage_header_visible PATH BUILTDIRS - true when the header can be seen by this
# configuration: not another architecture's, and under include/ or in a directory (or the
# parent of one) holding a built .c. BUILTDIRS: an associative array name.
triage_header_visible() {
	local path=$1 d
	local -n dirs=$2
	case $path in
	arch/x86/* | include/* | */include/*) ;;
	arch/*) return 1 ;;
	esac
	[[ $path == include/* ]] && return 0
	d=${path%/*}
	while [[ $d == */* || -n $d ]]; do
		[[ -n ${dirs[$d]:-} ]] && return 0
		[[ $d == */* ]] || break
		d=${d%/*}
	done
	return 1
}

triage_candidates() {
	local upd=$1 out=$2 path status obj target cmd id why
	local -A built=() builtdirs=()
	# one pass over the compile database for every changed .c (it is 32 MB: one awk per
	# file would take minutes on a large update)
	while IFS=$'\t' read -r path obj target; do
		built[$path]=$obj$'\t'$target
		builtdirs[${path%/*}]=1
	done < <(awk -F'\t' 'NR == FNR { if ($1 ~ /\.c$/) want[$1] = 1; next }
		($1 in want) && !($1 in seen) { seen[$1] = 1; print $1 "\t" $2 "\t" $3 }' \
		"$upd/files" "$(compiledb_path)")
	# directories with any built TU, for headers next to their users
	while IFS= read -r path; do
		# shellcheck disable=SC2034 # read by triage_header_visible through a nameref
		builtdirs[$path]=1
	done < <(awk -F'\t' '{ sub(/\/[^\/]*$/, "", $1); if (!($1 in s)) { s[$1] = 1; print $1 } }' "$(compiledb_path)")
	: >"$out/candidates.tsv.tmp"
	: >"$out/skipped.tsv.tmp"
	while IFS=$'\t' read -r path status _; do
		why=
		case $path in
		*.c)
			if [[ $status != modified ]]; then
				why="file $status by the update: the build configuration changes with it"
			elif [[ -z ${built[$path]:-} ]]; then
				why="not built by the $HP_RELEASE configuration"
			else
				id=$(triage_candidate_id "$path")
				printf '%s\tc\t%s\t%s\t-\n' "$id" "$path" "${built[$path]}" >>"$out/candidates.tsv.tmp"
				continue
			fi
			;;
		*.h)
			if ! triage_header_visible "$path" builtdirs; then
				why="a header this configuration does not use (another architecture, or no built .c next to it)"
			elif [[ $status == modified ]] && cmd=$(triage_layout_change "$upd" "$path") && [[ -n $cmd ]]; then
				id=$(triage_candidate_id "$path")
				printf '%s\tlayout\t%s\t-\t-\tchanges the layout of %s: a live patch cannot change the layout of data the running kernel holds\n' \
					"$id" "$path" "$cmd" >>"$out/candidates.tsv.tmp"
				continue
			else
				why="header change: travels with the .c candidates that need it to compile"
			fi
			;;
		*.S | *.s) why="assembly cannot be live-patched" ;;
		Documentation/* | tools/* | samples/* | LICENSES/* | *.rst | *.txt | *.yaml | MAINTAINERS | CREDITS | README*)
			why="not part of the kernel build" ;;
		*Kconfig* | *Makefile* | *Kbuild* | *.config | */defconfig | *_defconfig)
			why="a build configuration change cannot be live-patched" ;;
		*) why="not C source" ;;
		esac
		printf '%s\t%s\t%s\n' "$path" "$status" "$why" >>"$out/skipped.tsv.tmp"
	done <"$upd/files"
	LC_ALL=C sort -t$'\t' -k3,3 "$out/candidates.tsv.tmp" >"$out/candidates.tsv.tmp2" ||
		hp_die "cannot sort the candidates"
	mv -f "$out/candidates.tsv.tmp2" "$out/candidates.tsv" || hp_die "cannot write $out/candidates.tsv"
	mv -f "$out/skipped.tsv.tmp" "$out/skipped.tsv" || hp_die "cannot write $out/skipped.tsv"
	rm -f "$out/candidates.tsv.tmp"
	# ids must be unique: two paths that sanitize alike would share a module name
	id=$(cut -f1 "$out/candidates.tsv" | sort | uniq -d | head -n1)
	[[ -z $id ]] || hp_die "two candidates share the id $id"
}

# triage_shard K N - the lines of stdin (candidates.tsv) whose id hashes to K-1 modulo N:
# deterministic, and a candidate keeps its shard when others are added or removed.
triage_shard() {
	local k=$1 n=$2 line id h
	while IFS= read -r line; do
		id=${line%%$'\t'*}
		h=$(printf '%s' "$id" | cksum | cut -d' ' -f1)
		((h % n == k - 1)) && printf '%s\n' "$line"
	done
	return 0
}
