# shellcheck shell=bash
# build/ibtcheck.sh - static proof that the patch module's functions look as the running
# kernel's own functions do on an IBT kernel (6.12: X86_KERNEL_IBT, CALL_PADDING, RETHUNK).
#
#   ibt_check_module KO FACTS.json...   die naming the function and what is wrong unless every
#                                       patched function of KO
#     - starts with endbr64 exactly when the kernel's original does (an indirect call into a
#       function without ENDBR is a #CP fault on a CPU that enforces IBT; where the kernel's copy
#       has none, gcc proved it is only called directly);
#     - is preceded by its 16 bytes of NOP padding and its __pfx_ symbol (call depth thunks and
#       FineIBT are written into that padding at load);
#     - has a .return_sites entry for every jump to __x86_return_thunk (apply_returns rewrites
#       them into the return sequence the kernel chose; an unlisted one WARNs and is unmitigated);
#     - is covered by ORC entries (reliable stack traces, which livepatch transitions need).
#   Needs HP_INDEX, HP_CACHE, HP_RELEASE (the original's bytes come from dbg/vmlinux or the
#   target module) and binutils' readelf.
#
# Why static: qemu's TCG exposes no IBT to the guest (no `ibt` flag), so a module with a missing
# ENDBR would pass --test there and fault on real hardware.

# IBT_AWK_HEX - an awk function h() turning hex into a number (mawk has no strtonum); only for
# offsets and sizes inside an object, which fit a double.
IBT_AWK_HEX='function h(x,  i, n) { n = 0; x = tolower(x); sub(/^0x/, "", x)
	for (i = 1; i <= length(x); i++) n = n * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1
	return n }'

# ibt_bytes FILE SECTION_OFFSET VALUE N - N bytes (hex, space separated) of FILE at the file
# offset of VALUE within a section whose data starts at SECTION_OFFSET.
ibt_bytes() {
	od -An -v -tx1 -j $(($2 + $3)) -N "$4" "$1" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}

# ibt_orig_starts_endbr OBJECT NAME SYMPOS - 0 when the running kernel's NAME starts with endbr64.
ibt_orig_starts_endbr() {
	local object=$1 name=$2 sympos=$3 line addr file sec off base tmp rc a o
	if [[ $object == vmlinux ]]; then
		line=$("$(module_tool hotpatch-index)" query "$HP_INDEX" --object vmlinux "$name" 2>/dev/null |
			awk -v p="$sympos" '!/^#/ && ($3 == p || p == 0) { print; exit }')
		addr=$(awk '{ print $6 }' <<<"$line")
		[[ $addr == 0x* ]] || hp_die "ibt check: $name is not in the symbol index of vmlinux"
		file=$HP_CACHE/dbg/vmlinux
		# the code section holding addr (bash arithmetic: kernel addresses exceed awk's doubles)
		local size
		base=''
		while read -r _ sec a o size; do
			if ((addr - 0x$a >= 0 && addr - 0x$a < 0x$size)); then
				base=0x$a off=$((0x$o))
				break
			fi
		done < <(readelf -SW "$file" | sed -n 's/^ *\[ *\([0-9]*\)\] \([^ ]*\) *PROGBITS *\([0-9a-f]*\) \([0-9a-f]*\) \([0-9a-f]*\) .* AX .*/\1 \2 \3 \4 \5/p')
		[[ -n $base ]] || hp_die "ibt check: no code section of dbg/vmlinux holds $name ($addr)"
		[[ $(ibt_bytes "$file" "$off" $((addr - base)) 4) == "f3 0f 1e fa" ]]
		return
	fi
	# a module: its symbol in the (decompressed) module file
	file=$(awk -F: -v m="$object" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko(\.xz)?$/, "", n); gsub(/-/, "_", n)
		if (n == m) { print $1; exit } }' "$HP_CACHE/root/lib/modules/$HP_RELEASE/modules.dep")
	[[ -n $file ]] || hp_die "ibt check: module $object is not in modules.dep"
	file=$HP_CACHE/root/lib/modules/$HP_RELEASE/$file
	tmp=$(mktemp) || hp_die "cannot create a temporary file"
	if [[ $file == *.xz ]]; then
		xz -dc "$file" >"$tmp" || hp_die "ibt check: cannot decompress $file"
	else
		cp "$file" "$tmp"
	fi
	rc=1
	if ibt_func_starts_endbr "$tmp" "$name" "$sympos"; then
		rc=0
	fi
	rm -f "$tmp"
	return "$rc"
}

# ibt_func_starts_endbr ELF NAME SYMPOS - 0 when the function NAME (the SYMPOS-th of that name
# in symbol table order, 0 = the only one) of the relocatable ELF starts with endbr64.
ibt_func_starts_endbr() {
	local elf=$1 name=$2 sympos=$3 ndx value off
	read -r ndx value < <(readelf -sW "$elf" | awk -v n="$name" -v p="$sympos" "$IBT_AWK_HEX"'
		$4 == "FUNC" && $8 == n { k++; if (p == 0 || k == p) { print $7, h("0x" $2); exit } }')
	[[ -n $ndx ]] || hp_die "ibt check: no function $name in $elf"
	off=$(readelf -SW "$elf" | awk -v i="$ndx" "$IBT_AWK_HEX"'{ if (match($0, /^ *\[ *[0-9]+\]/)) {
		x = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", x); sub(/^ *\[ *[0-9]+\] /, "")
		if (x == i) { print h("0x" $4); exit } } }')
	[[ $(ibt_bytes "$elf" "$off" "$value" 4) == "f3 0f 1e fa" ]]
}

ibt_check_module() {
	local ko=$1 facts syms secs relocs f name alias object sympos ndx value size secname off
	shift
	syms=$(readelf -sW "$ko") || hp_die "ibt check: readelf cannot read $ko"
	secs=$(readelf -SW "$ko" | sed -n 's/^ *\[ *\([0-9]*\)\] \([^ ]*\) *[A-Z_]* *[0-9a-f]* \([0-9a-f]*\) .*/\1 \2 \3/p')
	relocs=$(readelf -rW "$ko")
	for facts in "$@"; do
		object=$(jq -r .target "$facts")
		while IFS=$'\t' read -r name alias sympos; do
			read -r ndx value size < <(awk -v a="$alias" "$IBT_AWK_HEX"'$4 == "FUNC" && $8 == a { print $7, h("0x" $2), $3; exit }' <<<"$syms")
			[[ -n $ndx ]] || hp_die "ibt check: $ko has no function $alias ($name)"
			read -r secname off < <(awk -v i="$ndx" "$IBT_AWK_HEX"'$1 == i { print $2, h("0x" $3) }' <<<"$secs")
			f="$ko: $secname: $name"
			if ibt_orig_starts_endbr "$object" "$name" "$sympos"; then
				[[ $(ibt_bytes "$ko" "$off" "$value" 4) == "f3 0f 1e fa" ]] ||
					hp_die "$f: the kernel's $name starts with endbr64, its replacement does not: an indirect call to it would fault under IBT; no module written"
			fi
			if ((value < 16)) ||
				[[ $(ibt_bytes "$ko" "$off" $((value - 16)) 16) != "$(printf '90 %.0s' {1..16} | sed 's/ $//')" ]]; then
				hp_die "$f: not preceded by the 16 bytes of NOP padding CALL_PADDING gives every function"
			fi
			awk -v p="__pfx_$alias" -v v="$((value - 16))" "$IBT_AWK_HEX"'$4 == "FUNC" && $8 == p && h("0x" $2) == v && $3 == 16 { ok = 1 }
				END { exit !ok }' <<<"$syms" ||
				hp_die "$f: no __pfx_$alias symbol over its padding (objtool --prefix did not run on it)"
			ibt_check_sites "$f" "$relocs" "$secname" "$value" "$size"
		done < <(jq -r '.functions[] | [.name, .alias, (.sympos | tostring)] | @tsv' "$facts")
	done
}

# ibt_check_sites WHAT RELOCS SECTION START SIZE - every return thunk jump of the function at
# SECTION+[START, START+SIZE) listed in .return_sites, and ORC entries for it.
ibt_check_sites() {
	local what=$1 relocs=$2 sec=$3 start=$4 size=$5 missing
	missing=$(awk -v sec="$sec" -v s="$start" -v e="$((start + size))" "$IBT_AWK_HEX"'
		/^Relocation section / { cur = $3; gsub(/\x27/, "", cur); next }
		NF >= 5 && $1 ~ /^[0-9a-f]+$/ {
			o = h("0x" $1)
			if (cur == ".rela" sec && $5 == "__x86_return_thunk" && o > s && o < e) thunk[o] = 1
			if ((cur == ".rela.return_sites" || cur == ".rela.orc_unwind_ip") && $5 == sec) {
				a = $0; sub(/.*\+ */, "", a); a = h("0x" a)
				if (cur == ".rela.return_sites") site[a] = 1
				else if (a < e) orc++
			}
		}
		END {
			for (t in thunk) if (!((t - 1) in site) && !((t - 2) in site)) printf "return thunk jump at +0x%x not in .return_sites; ", t - 1 - s
			if (!orc) printf "no ORC entry; "
		}' <<<"$relocs")
	[[ -z $missing ]] || hp_die "$what: ${missing%; }: objtool's link-time work is missing; no module written"
}
