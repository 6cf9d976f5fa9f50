# shellcheck shell=bash
# build/patch.sh - read a source diff, decide what it touches, apply it to copies.
#
#   patch_files PATCH           print the tree paths the diff touches (-p1), one per line
#   patch_classify PATCH        sort them into PATCH_C (C sources), PATCH_H (headers); refuse
#                               what cannot be live-patched, naming the file
#   patch_apply PATCH SRC DIR   copy the touched files of SRC into DIR and apply the diff there;
#                               on failure name the file and hunk that did not apply
#
# The diff is applied to copies of only the files it touches: the cached tree is never written
# and a 1.5 GB tree is never copied. objects.sh lays the copies over the tree.

# hp_refuse MSG - the change is not safe to live-patch: say why and exit 2 (no module).
hp_refuse() {
	printf 'hotpatch: %s: refused: %s\n' "$HP_STAGE" "$*" >&2
	exit 2
}

# patch_files PATCH - every path named by a "+++"/"---" header, without its first component.
patch_files() {
	awk '
	function strip(p) {
		sub(/\t.*/, "", p)
		sub(/^"/, "", p); sub(/"$/, "", p)
		if (p == "/dev/null") return ""
		sub(/^[^\/]*\//, "", p)
		return p
	}
	/^--- / { a = strip(substr($0, 5)); next }
	/^\+\+\+ / { b = strip(substr($0, 5)); f = (b != "") ? b : a; if (f != "" && !(f in seen)) { seen[f] = 1; print f }; next }
	' "$1"
}

# patch_classify PATCH - sets PATCH_C and PATCH_H (arrays of tree paths) and PATCH_IGNORED.
patch_classify() {
	local patch=$1 f refuse=()
	PATCH_C=()
	PATCH_H=()
	PATCH_IGNORED=()
	while IFS= read -r f; do
		[[ $f == *..* || $f == /* ]] && hp_die "$patch: refusing the path '$f' (outside the tree)"
		case $f in
		Documentation/* | tools/* | samples/* | LICENSES/* | *.rst | *.txt | MAINTAINERS | CREDITS | README*)
			PATCH_IGNORED+=("$f") ;;
		*.c) PATCH_C+=("$f") ;;
		*.h) PATCH_H+=("$f") ;;
		*.lds | *.lds.S | *.ld) refuse+=("$f: a linker script cannot be live-patched") ;;
		*.S | *.s) refuse+=("$f: assembly cannot be live-patched") ;;
		*Kconfig* | *Makefile* | *Kbuild* | *.config | */defconfig | *_defconfig)
			refuse+=("$f: a build configuration change cannot be live-patched") ;;
		*) refuse+=("$f: not C source; cannot be live-patched") ;;
		esac
	done < <(patch_files "$patch")
	if ((${#refuse[@]})); then
		printf 'hotpatch: %s: refused: %s\n' "$HP_STAGE" "${refuse[@]}" >&2
		hp_refuse "$patch changes what a live patch cannot carry (see above); split those changes out"
	fi
	if ((${#PATCH_IGNORED[@]})); then
		hp_log "ignoring files that are not built: ${PATCH_IGNORED[*]}"
	fi
	if ((${#PATCH_C[@]} + ${#PATCH_H[@]} == 0)); then
		hp_die "$patch touches no C source or header (is it a unified diff?)"
	fi
}

# patch_apply PATCH SRC DIR - apply PATCH to copies of the files it touches, in DIR.
patch_apply() {
	local patch=$1 src=$2 dir=$3 f d out
	mkdir -p "$dir" || hp_die "cannot create $dir"
	while IFS= read -r f; do
		if [[ -e $src/$f ]]; then
			d=.
			[[ $f == */* ]] && d=${f%/*}
			mkdir -p "$dir/$d" || hp_die "cannot create $dir/$d"
			cp -p "$src/$f" "$dir/$f" || hp_die "cannot copy $src/$f"
		fi
	done < <(patch_files "$patch")
	if ! out=$(cd "$dir" && patch -p1 --batch --forward --no-backup-if-mismatch -r - \
		--dry-run <"$patch" 2>&1); then
		# patch names the file on a line of its own ("checking file F") or, for a file the
		# tree lacks, in the quoted header ("|--- a/F"): keep those with the failures
		printf '%s\n' "$out" | grep -E '^checking file|^\|(---|\+\+\+) |FAILED|can.t find file|No file to patch|malformed|Reversed|garbage|Only garbage' \
			| sed 's/^/hotpatch: patch: /' >&2 || true
		hp_die "$patch does not apply to the $HP_RELEASE source (the lines above name the file and hunk); is it a -p1 diff against this kernel?"
	fi
	(cd "$dir" && patch -p1 --batch --forward --no-backup-if-mismatch -r - --quiet <"$patch") ||
		hp_die "$patch: patch failed after a clean dry run"
}
