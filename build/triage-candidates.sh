# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# build/triage-candidates.sh - from an UPDATE dir (build/triage-input.sh) to the candidates.
#
#   triage_candidates UPDATE OUT   OUT/candidates.tsv and OUT/skipped.tsv (kept in UPDATE)
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

# the lexical form of a path (INCLUDES_AWK_NORM's norm) is the include index's
triage_candidates_sh_dir=${BASH_SOURCE[0]%/*}
[[ $triage_candidates_sh_dir != "${BASH_SOURCE[0]}" ]] || triage_candidates_sh_dir=.
# shellcheck source=build/includes.sh
. "$triage_candidates_sh_dir/includes.sh"

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

# triage_plan_awk - the awk program of triage_candidates: one pass over the compile database
# and the update's file list, one line of candidates.tsv (unsorted) or skipped.tsv per file.
# ENVIRON: HP_RELEASE, TP_UPDATE (the update dir), TP_CAND and TP_SKIP (the output files);
# files: the compile database, then UPDATE/files.
#
# layout(PATH): the "struct NAME" / "union NAME" whose file-scope body has a changed line
# (code, not a comment or blank) on either side, ", "-separated. A body is what follows
# "struct|union [NAME] ... {" at brace depth 0 without "=" or "(" (an initializer or a
# function is not a layout) up to its closing brace. Conservative: a changed member type of
# the same size is reported too.
#
# visible(PATH): a header this configuration can see: not another architecture's, and under
# include/ or in a directory (or the parent of one) holding a built .c.
#
# cid(PATH): the candidate's id, also its module name: [A-Za-z0-9_], at most 55 characters,
# unique per path (a longer one keeps its last 46 characters and the path's cksum).
triage_plan_awk() {
	printf '%s\n' "$INCLUDES_AWK_NORM"
	cat <<'AWK'
function code(s,   out, i, j) {
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
function scan(line, side, lno,   c, k, ch, w) {
	c = code(line)
	if (depth == 0 && !body && c ~ /^[ \t]*(typedef[ \t]+)?(struct|union)([ \t]|$)/ && c !~ /[=(;]/) {
		pending = c
		sub(/^[ \t]*(typedef[ \t]+)?/, "", pending)
		split(pending, w, /[ \t{]+/)
		pending = w[1] " " ((w[2] != "" && w[2] != "{") ? w[2] : "(anonymous)")
	}
	if (body) member[side, lno] = body
	# only braces move the depth: a line without one is not walked character by character
	if (c ~ /[{}]/) {
		for (k = 1; k <= length(c); k++) {
			ch = substr(c, k, 1)
			if (ch == "{") {
				if (depth == 0 && pending != "") { body = pending; member[side, lno] = body }
				depth++
			} else if (ch == "}") {
				depth--
				if (depth == 0) { body = ""; pending = "" }
			}
		}
	}
	if (depth == 0 && c ~ /;/) pending = ""
}
# hunk(LINE) - one line of the diff: a changed code line inside a body hits that body
function hunk(line,   s, w, o, n) {
	if (line ~ /^@@/) {
		split(line, w, " ")
		split(w[2], o, ","); split(w[3], n, ",")
		ol = -o[1]; nl = n[1] + 0
	} else if (line ~ /^(---|\+\+\+) /) {
		return
	} else if (line ~ /^ /) {
		ol++; nl++
	} else if (line ~ /^-/) {
		s = substr(line, 2); gsub(/[ \t]/, "", s)
		if (s !~ /^(\/\*|\*|\/\/|$)/ && (("a", ol) in member)) hit[member["a", ol]] = 1
		ol++
	} else if (line ~ /^\+/) {
		s = substr(line, 2); gsub(/[ \t]/, "", s)
		if (s !~ /^(\/\*|\*|\/\/|$)/ && (("b", nl) in member)) hit[member["b", nl]] = 1
		nl++
	}
}
# The before, after and diff files are read in turn; an empty one does not count (the
# numbering of the others moves up, as awk's FNR == 1 over the three would have it).
function layout(path,   f, fi, nf, line, lno, h, out, nh) {
	f[1] = ENVIRON["TP_UPDATE"] "/from/" path
	f[2] = ENVIRON["TP_UPDATE"] "/to/" path
	f[3] = ENVIRON["TP_UPDATE"] "/diffs/" path ".diff"
	split("", member); split("", hit)
	nf = 0
	for (fi = 1; fi <= 3; fi++) {
		lno = 0
		while ((getline line < f[fi]) > 0) {
			if (++lno == 1) { nf++; depth = 0; body = ""; pending = ""; incomment = 0 }
			if (nf == 1) scan(line, "a", lno)
			else if (nf == 2) scan(line, "b", lno)
			else hunk(line)
		}
		close(f[fi])
	}
	out = ""; nh = 0
	for (h in hit) out = out (nh++ ? ", " : "") h
	return out
}
function visible(path,   d) {
	if (path ~ /^arch\// && path !~ /^arch\/x86\// && path !~ /\/include\//) return 0
	if (path ~ /^include\//) return 1
	d = path
	sub(/\/[^\/]*$/, "", d)
	while (d != "") {
		if (d in builtdir) return 1
		if (d !~ /\//) break
		sub(/\/[^\/]*$/, "", d)
	}
	return 0
}
function cid(path,   id, q, cmd, sum, w) {
	id = path
	gsub(/[^A-Za-z0-9]/, "_", id)
	if (id !~ /^[A-Za-z]/) id = "t_" id
	if (length(id) > 55) {
		q = path
		gsub(/'/, "'\\''", q)
		cmd = "printf %s '" q "' | cksum"
		if ((cmd | getline sum) <= 0) { print "cannot run cksum" > "/dev/stderr"; exit 1 }
		close(cmd)
		split(sum, w, " ")
		id = substr(id, length(id) - 45)
		sub(/^_/, "", id)
		if (id !~ /^[A-Za-z]/) id = "t" id
		id = sprintf("%s_%08x", substr(id, 1, 46), w[1])
	}
	return id
}
# the compile database: each source's first line, and every directory with a built TU
NR == FNR {
	# a spelling with ".." (amdgpu's Makefile builds drivers/gpu/drm/amd/amdgpu/../pm/x.c)
	# counts under its lexical form, the update's path
	n = norm($1)
	if (!(n in built)) built[n] = $2 "\t" $3
	d = n
	sub(/\/[^\/]*$/, "", d)
	builtdir[d] = 1
	next
}
{
	path = $1; status = $2
	if (path ~ /\.c$/) {
		if (status != "modified")
			why = "file " status " by the update: the build configuration changes with it"
		else if (!(path in built))
			why = "not built by the " ENVIRON["HP_RELEASE"] " configuration"
		else {
			printf "%s\tc\t%s\t%s\t-\n", cid(path), path, built[path] > ENVIRON["TP_CAND"]
			next
		}
	} else if (path ~ /\.h$/) {
		if (!visible(path))
			why = "a header this configuration does not use (another architecture, or no built .c next to it)"
		else if (status == "modified" && (l = layout(path)) != "") {
			printf "%s\tlayout\t%s\t-\t-\tchanges the layout of %s: a live patch cannot change the layout of data the running kernel holds\n", \
				cid(path), path, l > ENVIRON["TP_CAND"]
			next
		} else
			why = "header change: travels with the .c candidates that need it to compile"
	} else if (path ~ /\.[Ss]$/)
		why = "assembly cannot be live-patched"
	else if (path ~ /^(Documentation|tools|samples|LICENSES)\// || path ~ /\.(rst|txt|yaml)$/ || path ~ /^(MAINTAINERS|CREDITS)$/ || path ~ /^README/)
		why = "not part of the kernel build"
	else if (path ~ /(Kconfig|Makefile|Kbuild)/ || path ~ /(\.config|\/defconfig|_defconfig)$/)
		why = "a build configuration change cannot be live-patched"
	else
		why = "not C source"
	printf "%s\t%s\t%s\n", path, status, why > ENVIRON["TP_SKIP"]
}
AWK
}

# The plan depends on the update, the target's compile database, the release and the program
# above, nothing else; the program's layout scan reads every changed header of the update (0.4-
# 0.5 s CPU for 6.1.190-1 -> 6.1.192-1, every run and CI shard), so the plan is kept with the
# update as UPDATE/plan-KEY.{candidates,skipped}.tsv, KEY hashing all four (the update by its
# file list, as its shadow is), written once by rename and copied by every later run; a run
# marks it used, and the one that writes it removes the plans nobody used for 8 days
# (triage_update_use, triage_update_prune in build/triage-input.sh).
triage_candidates() {
	local upd=$1 out=$2 id key plan db
	db=$(compiledb_path)
	key=$({
		triage_plan_awk
		printf '%s\n' "$HP_RELEASE" "$db"
		stat -L -c '%s %Y' "$db"
		sha256sum <"$upd/files"
	} | sha256sum) || hp_die "cannot hash the inputs of the plan of $upd"
	plan=$upd/plan-${key:0:16}
	rm -f "$out/candidates.tsv.tmp" "$out/skipped.tsv.tmp"
	if triage_update_use "$upd" "$plan.candidates.tsv" "$plan.skipped.tsv" &&
		cp "$plan.candidates.tsv" "$out/candidates.tsv.tmp2" && cp "$plan.skipped.tsv" "$out/skipped.tsv.tmp"; then
		:
	else
		: >"$out/candidates.tsv.tmp"
		: >"$out/skipped.tsv.tmp"
		HP_RELEASE=$HP_RELEASE TP_UPDATE=$upd TP_CAND=$out/candidates.tsv.tmp TP_SKIP=$out/skipped.tsv.tmp \
			awk -F'\t' "$(triage_plan_awk)" "$db" "$upd/files" ||
			hp_die "cannot sort the files of $upd into candidates"
		LC_ALL=C sort -t$'\t' -k3,3 "$out/candidates.tsv.tmp" >"$out/candidates.tsv.tmp2" ||
			hp_die "cannot sort the candidates"
		# kept for the next run; an update directory this user cannot write keeps none
		if cp "$out/skipped.tsv.tmp" "$plan.skipped.tsv.$$" 2>/dev/null &&
			cp "$out/candidates.tsv.tmp2" "$plan.candidates.tsv.$$" 2>/dev/null; then
			mv -f "$plan.skipped.tsv.$$" "$plan.skipped.tsv" && mv -f "$plan.candidates.tsv.$$" "$plan.candidates.tsv" &&
				triage_update_prune "$upd" "$plan.candidates.tsv"
		fi
		rm -f "$plan.skipped.tsv.$$" "$plan.candidates.tsv.$$"
	fi
	mv -f "$out/candidates.tsv.tmp2" "$out/candidates.tsv" || hp_die "cannot write $out/candidates.tsv"
	mv -f "$out/skipped.tsv.tmp" "$out/skipped.tsv" || hp_die "cannot write $out/skipped.tsv"
	rm -f "$out/candidates.tsv.tmp"
	# ids must be unique: two paths that sanitize alike would share a module name
	id=$(cut -f1 "$out/candidates.tsv" | sort | uniq -d | head -n1)
	[[ -z $id ]] || hp_die "two candidates share the id $id"
}

# triage_shard K N - the lines of stdin (candidates.tsv) whose id hashes to K-1 modulo N:
# deterministic, and a candidate keeps its shard when others are added or removed. The hash is
# cksum's CRC of the id; every id is written to a file of its own so that one cksum hashes all.
triage_shard() {
	local k=$1 n=$2 line i=0 tmp rc=0
	local -a lines=()
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/hotpatch-shard.XXXXXX") || hp_die "cannot create a scratch directory"
	mkdir "$tmp/ids" || hp_die "cannot create $tmp/ids"
	while IFS= read -r line; do
		lines+=("$line")
		printf '%s' "${line%%$'\t'*}" >"$tmp/ids/$i" || rc=1
		i=$((i + 1))
	done
	if ((rc == 0 && i > 0)); then
		# "CRC SIZE FILE" per id; FILE is the line's index
		(cd "$tmp/ids" && find . -type f -printf '%P\0' | xargs -0 cksum) >"$tmp/.sums" || rc=1
	fi
	if ((rc == 0 && i > 0)); then
		while IFS= read -r i; do
			printf '%s\n' "${lines[i]}"
		done < <(awk -v k="$k" -v n="$n" '$1 % n == k - 1 { print $3 }' "$tmp/.sums" | sort -n)
	fi
	rm -rf "$tmp"
	((rc == 0)) || hp_die "cannot hash the candidate ids"
}
