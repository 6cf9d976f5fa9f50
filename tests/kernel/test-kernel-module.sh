#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The patch module stage (build/module.sh, hotpatch-mkmod, hotpatch-klpfix, build/sign.sh) on
# REAL differ output for the target kernel, without booting it (tests/vm/test-vm-module.sh
# boots the same modules):
#   fs/proc/cmdline.c  cmdline_proc_show  vmlinux, reads saved_command_line (klp symbol)
#   kernel/kallsyms.c  s_show             vmlinux, one of several functions of that name: its
#                                         sympos from System.map and addr2line (2 in 6.1.0-N)
#   fs/binfmt_misc.c   bm_status_read     module binfmt_misc, reads its static `enabled`
# all three in one module.  Checks: the livepatch ELF format (readelf), the klp tables,
# modinfo, offline signature verification (cache key and a maintainer's key) and a tampered
# module failing, byte-identical rebuilds, --replace, refusals at build time (an unresolvable
# symbol, a wrong sympos) writing no module.
#
# Sourced by tests/vm/test-vm-module.sh for its helpers (tm_*); runs its tests only when
# executed.
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/tree.sh
. "$T_TOP/build/tree.sh"
# shellcheck source=build/compiledb.sh
. "$T_TOP/build/compiledb.sh"
# shellcheck source=build/sign.sh
. "$T_TOP/build/sign.sh"
# shellcheck source=build/module.sh
. "$T_TOP/build/module.sh"
# module_tool looks for the built tools under HP_TOP.
export HP_TOP=$T_TOP

# --- The three source patches. ---
tm_write_patches() {
	local dir=$1
	cat >"$dir/cmdline.patch" <<'EOF'
--- a/fs/proc/cmdline.c
+++ b/fs/proc/cmdline.c
@@ -7,7 +7,7 @@
 static int cmdline_proc_show(struct seq_file *m, void *v)
 {
 	seq_puts(m, saved_command_line);
-	seq_putc(m, '\n');
+	seq_puts(m, " hotpatched\n");
 	return 0;
 }
 
EOF
	cat >"$dir/kallsyms.patch" <<'EOF'
--- a/kernel/kallsyms.c
+++ b/kernel/kallsyms.c
@@ -859,8 +859,8 @@
 		seq_printf(m, "%px %c %s\t[%s]\n", value,
 			   type, iter->name, iter->module_name);
 	} else
-		seq_printf(m, "%px %c %s\n", value,
-			   iter->type, iter->name);
+		seq_printf(m, "%px %c %s%s\n", value, iter->type, iter->name,
+			   strcmp(iter->name, "cmdline_proc_show") ? "" : " hotpatched");
 	return 0;
 }
 
EOF
	cat >"$dir/binfmt.patch" <<'EOF'
--- a/fs/binfmt_misc.c
+++ b/fs/binfmt_misc.c
@@ -847,7 +847,7 @@
 static ssize_t
 bm_status_read(struct file *file, char __user *buf, size_t nbytes, loff_t *ppos)
 {
-	char *s = enabled ? "enabled\n" : "disabled\n";
+	char *s = enabled ? "enabled hotpatched\n" : "disabled\n";
 
 	return simple_read_from_buffer(buf, nbytes, ppos, s, strlen(s));
 }
EOF
}

# tm_differ PATCH TU TARGET OUT - compile TU of the cached tree before and after PATCH
# (tests/kernel/compile-pair.sh: OUT/orig/TU, OUT/patched/TU) and run hotpatch-diff:
# OUT/out.o + OUT/facts.json.  Returns the differ's status.
tm_differ() {
	local patch=$1 tu=$2 target=$3 out=$4 rc=0
	rm -rf "$out"
	mkdir -p "$out"
	bash "$T_TOP/tests/kernel/compile-pair.sh" "$HP_SRC" "$patch" "$tu" "$out" \
		>"$out/compile.log" 2>&1 || {
		tail -n 5 "$out/compile.log" >&2
		return 1
	}
	rm -rf "$out/shadow-patched"
	"$T_TOP/out/bin/hotpatch-diff" --index "$HP_INDEX" --object "$target" --cu "${tu%.o}.c" \
		--name "$tu" --json "$out/facts.json" "$out/orig/$tu" "$out/patched/$tu" \
		-o "$out/out.o" >"$out/differ.log" 2>&1 || rc=$?
	return "$rc"
}

# tm_prepare WORK - differ outputs of the three patches in WORK/{cmdline,kallsyms,binfmt};
# sets TM_PAIRS (OUT.o FACTS.json ...).  Reports one test line per differ run.
tm_prepare() {
	local work=$1 p name tu target rc
	TM_PAIRS=()
	tm_write_patches "$work"
	for p in cmdline:fs/proc/cmdline.o:vmlinux kallsyms:kernel/kallsyms.o:vmlinux \
		binfmt:fs/binfmt_misc.o:binfmt_misc; do
		IFS=: read -r name tu target <<<"$p"
		rc=0
		tm_differ "$work/$name.patch" "$tu" "$target" "$work/$name" || rc=$?
		if ((rc == 0)) && [[ -s $work/$name/out.o ]]; then
			t_pass "hotpatch-diff on $tu ($target) writes OUT.o + facts"
			TM_PAIRS+=("$work/$name/out.o" "$work/$name/facts.json")
		else
			t_fail "hotpatch-diff on $tu ($target) writes OUT.o + facts" \
				"expected exit 0, saw $rc: $(tail -n 3 "$work/$name/differ.log" 2>/dev/null | tr '\n' ' ')"
		fi
	done
}

# tm_build OUTDIR NAME [module_build options] - module_build in a subshell (it dies on error);
# output in OUTDIR/build.log, status in $rc.
tm_build() {
	local out=$1 name=$2
	shift 2
	mkdir -p "$out"
	rc=0
	(module_build --name "$name" --out "$out" "$@") >"$out/build.log" 2>&1 || rc=$?
}

tm_readelf_has() {
	local name=$1 ko=$2 opt=$3 re=$4
	if readelf "$opt" -W "$ko" | grep >/dev/null -E -- "$re"; then
		t_pass "$name"
	else
		t_fail "$name" "expected readelf $opt to show /$re/, saw: $(readelf "$opt" -W "$ko" | grep -E 'klp|UND' | head -n 8 | tr '\n' '|')"
	fi
}

# tm_sections KO - "name type" of every section but debug info and the debug link, sorted
tm_sections() {
	readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) *\([A-Z_]*\).*/\1 \2/p' |
		grep -vE '^[^ ]*debug' | sort
}

# tm_records OBJ - the klp records (kmod-skel/klp-records.h) of a module or of its hp-klp.o,
# one line per record: pointers by the symbol (or "string", or @offset) they are relocated to
tm_records() {
	local obj=$1 d off sym add i j o f nf
	local -A ptr=()
	local -a val
	d=$(mktemp -d)
	if ! objcopy --dump-section .rodata.hotpatch_klp="$d/rec" \
		--dump-section .rodata.hotpatch_klp.str="$d/str" "$obj" "$d/junk" 2>/dev/null; then
		rm -rf "$d"
		return 1
	fi
	mapfile -t val < <(od -An -v -tu8 -w8 "$d/rec" | tr -d ' ')
	while read -r off sym add; do
		case $sym in
		.rodata.hotpatch_klp.str) sym=\"$(tail -c +$((16#$add + 1)) "$d/str" | tr '\0' '\n' | head -n 1)\" ;;
		.rodata.hotpatch_klp) sym=@$((16#$add)) ;;
		esac
		ptr[$((16#$off))]=$sym
	done < <(readelf -rW "$obj" | sed -n "/^Relocation section '.rela.rodata.hotpatch_klp'/,/^\$/p" |
		awk '$1 ~ /^[0-9a-f]+$/ && NF >= 5 { print $1, $5, ($6 == "+" ? $7 : 0) }')
	rm -rf "$d"
	echo "patch nr=${val[1]} replace=${val[2]}"
	for ((i = 0; i < val[1]; i++)); do
		o=$((${ptr[0]#@} + i * 56))
		nf=${val[(o + 16) / 8]}
		echo "object ${ptr[$o]:-NULL} nr=$nf pre_patch=${ptr[$((o + 24))]:-NULL} post_unpatch=${ptr[$((o + 48))]:-NULL}"
		f=${ptr[$((o + 8))]#@}
		for ((j = 0; j < nf; j++)); do
			echo "  func ${ptr[$((f + j * 24))]},${val[(f + j * 24 + 16) / 8]} -> ${ptr[$((f + j * 24 + 8))]}"
		done
	done
}

tm_main() {
	local work ko cert
	t_plan 26
	t_setup_kernel
	work=$(t_tmpdir)
	tm_prepare "$work"
	if ((${#TM_PAIRS[@]} != 6)); then
		t_done
		exit 1
	fi
	read -r _ cert < <(sign_keys_ensure "$HP_CACHE")
	# the patched s_show is kernel/kallsyms.c's: its kallsyms position among the kernel's s_show
	local dups n_show pos_show
	dups=$(t_kernel_dups s_show)
	n_show=$(wc -l <<<"$dups")
	pos_show=$(awk '$2 == "kernel/kallsyms.c" { print $1 }' <<<"$dups")

	# --- One module from three objects, two targets. ---
	tm_build "$work/m1" hp_test_module --keep-build "$work/m1/kbuild" -- "${TM_PAIRS[@]}"
	ko=$work/m1/hp_test_module.ko
	if ((rc == 0)) && [[ -f $ko ]]; then
		t_pass "module_build makes one module from 3 differ outputs (vmlinux + binfmt_misc)"
	else
		t_fail "module_build makes one module from 3 differ outputs (vmlinux + binfmt_misc)" \
			"expected exit 0 and $ko, saw $rc: $(tail -n 5 "$work/m1/build.log" | tr '\n' ' ')"
		t_done
		exit 1
	fi

	# The livepatch ELF format (Documentation/livepatch/module-elf-format.rst).
	tm_readelf_has "vmlinux klp relocations in .klp.rela.vmlinux.text.cmdline_proc_show, RELA AIo" \
		"$ko" -S '\] \.klp\.rela\.vmlinux\.text\.cmdline_proc_show +RELA .* AIo '
	tm_readelf_has "module klp relocations in .klp.rela.binfmt_misc.text.bm_status_read, RELA AIo" \
		"$ko" -S '\] \.klp\.rela\.binfmt_misc\.text\.bm_status_read +RELA .* AIo '
	tm_readelf_has ".klp.sym.vmlinux.saved_command_line,0 is GLOBAL with Ndx SHN_LIVEPATCH" \
		"$ko" -s 'GLOBAL DEFAULT OS \[0xff20\] \.klp\.sym\.vmlinux\.saved_command_line,0$'
	tm_readelf_has ".klp.sym.binfmt_misc.enabled,0 is GLOBAL with Ndx SHN_LIVEPATCH" \
		"$ko" -s 'GLOBAL DEFAULT OS \[0xff20\] \.klp\.sym\.binfmt_misc\.enabled,0$'
	local bad
	# callbacks no hooks file defines stay weak and undefined: NULL, no callback
	bad=$(readelf -sW "$ko" | awk '$7 == "UND" && $8 != "" && !($5 == "WEAK" && $8 ~ /^__hotpatch_cb_/) { print $8 }' |
		while read -r s; do
			grep -qP "^0x[0-9a-f]+\t\Q$s\E\tvmlinux\t" "$HP_SYMVERS" || echo "$s"
		done)
	if [[ -z $bad ]]; then
		t_pass "every undefined symbol left is exported by vmlinux (or a weak unset callback)"
	else
		t_fail "every undefined symbol left is exported by vmlinux (or a weak unset callback)" "saw: $bad"
	fi
	bad=$(readelf -rW "$ko" | awk '/^Relocation section/ { s = $3 } /\.klp\.sym\./ && s !~ /^.\.klp\.rela\./ && s !~ /debug/ { print s }' | sort -u)
	if [[ -z $bad ]]; then
		t_pass "no relocation against a klp symbol outside .klp.rela sections (but debug info)"
	else
		t_fail "no relocation against a klp symbol outside .klp.rela sections (but debug info)" "saw: $bad"
	fi

	# The ELF model reads a finished livepatch module (two relocation sections per patched
	# function: .rela.text.X and .klp.rela.<obj>.text.X) and writes it back unchanged.
	local dump klp_before klp_after
	if dump=$("$T_TOP/out/bin/hotpatch-elfdump" -r "$ko" 2>&1) &&
		grep -qE '^  \.klp\.rela\.vmlinux\.text\.cmdline_proc_show \([1-9]' <<<"$dump" &&
		grep -qE '^    \.text\.cmdline_proc_show\+0x[0-9a-f]+ PC32 \.klp\.sym\.vmlinux\.saved_command_line,0' <<<"$dump" &&
		grep -qE '^  \.klp\.rela\.binfmt_misc\.text\.bm_status_read \([1-9]' <<<"$dump" &&
		grep -qE '^  \.rela\.text\.cmdline_proc_show \([1-9]' <<<"$dump"; then
		t_pass "hotpatch-elfdump reads the module: .rela and .klp.rela sections of one function"
	else
		t_fail "hotpatch-elfdump reads the module" \
			"expected .klp.rela.vmlinux.text.cmdline_proc_show against .klp.sym.vmlinux.saved_command_line,0, saw: $(grep -E 'error|klp' <<<"$dump" | head -n 4 | tr '\n' '|')"
	fi
	klp_rels() {
		readelf -rW "$1" | awk '/^Relocation section/ { k = ($3 ~ /\.klp\.rela\./) }
			k && !/^Relocation section/ { print $1, $3, $5, $6, $7 }'
		readelf -SW "$1" | grep -oE '\.klp\.rela\.[^ ]+ +RELA .*' | awk '{ print $1, $2, $(NF - 3) }'
	}
	if "$T_TOP/out/bin/hotpatch-elfdump" -S -w "$work/m1/rewritten.o" "$ko" >/dev/null 2>"$work/m1/rewrite.log" &&
		klp_before=$(klp_rels "$ko") && klp_after=$(klp_rels "$work/m1/rewritten.o") &&
		[[ -n $klp_before && $klp_before == "$klp_after" ]]; then
		t_pass "obj_write keeps the module's .klp.rela sections (flags, relocations, symbols)"
	else
		t_fail "obj_write keeps the module's .klp.rela sections" \
			"expected the same .klp.rela sections in $work/m1/rewritten.o, saw: $(head -c 300 "$work/m1/rewrite.log") $(diff <(echo "$klp_before") <(echo "$klp_after") | head -n 4 | tr '\n' '|')"
	fi

	# modinfo: livepatch, license, vermagic, no dependency on the patched module.
	local mi
	mi=$(modinfo -F livepatch "$ko"):$(modinfo -F license "$ko"):$(modinfo -F depends "$ko"):$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	if [[ $mi == "Y:GPL::$HP_RELEASE" ]]; then
		t_pass "modinfo: livepatch=Y, license=GPL, no depends, vermagic $HP_RELEASE"
	else
		t_fail "modinfo: livepatch=Y, license=GPL, no depends, vermagic $HP_RELEASE" \
			"expected 'Y:GPL::$HP_RELEASE', saw '$mi'"
	fi

	# The klp tables: records in the signed module, read by the fixed init code.
	local records main
	records=$(tm_records "$ko")
	main=$(module_main_obj && printf '%s\n' "$MODULE_MAIN_OBJ") || main=none
	if grep -qx 'patch nr=2 replace=0' <<<"$records" &&
		grep -qx 'object NULL nr=2 pre_patch=__hotpatch_cb_pre_patch__vmlinux post_unpatch=__hotpatch_cb_post_unpatch__vmlinux' <<<"$records" &&
		grep -qx '  func "cmdline_proc_show",0 -> hp_[0-9a-f]*_cmdline_proc_show' <<<"$records" &&
		grep -qx 'object "binfmt_misc" nr=1 .*' <<<"$records" &&
		grep -qx '  func "bm_status_read",0 -> hp_[0-9a-f]*_bm_status_read' <<<"$records" &&
		[[ -n $pos_show ]] && grep -qx "  func \"s_show\",$pos_show -> hp_[0-9a-f]*_s_show" <<<"$records" &&
		[[ $(grep -n '^object' <<<"$records" | head -n 1) == *NULL* ]] &&
		cmp -s "$main" "$work/m1/kbuild/src/hp-main.o_shipped"; then
		t_pass "klp records: s_show with old_sympos $pos_show (kernel/kallsyms.c's), objects vmlinux + binfmt_misc, no replace, the fixed init code (the target's cached object)"
	else
		t_fail "klp records: s_show with old_sympos $pos_show (kernel/kallsyms.c's), objects vmlinux + binfmt_misc, no replace, the fixed init code" \
			"saw: $(tr '\n' '|' <<<"$records")"
	fi

	# --- Signatures. ---
	if sign_verify "$ko" "$cert" 2>"$work/verify.err"; then
		t_pass "signature (sha256) verifies offline against the cache's certificate"
	else
		t_fail "signature (sha256) verifies offline against the cache's certificate" "saw: $(cat "$work/verify.err")"
	fi
	cp "$ko" "$work/tampered.ko"
	printf 'X' | dd of="$work/tampered.ko" bs=1 seek=4096 conv=notrunc status=none
	rc=0
	sign_verify "$work/tampered.ko" "$cert" 2>"$work/tampered.err" || rc=$?
	if ((rc == 1)) && grep -qF "$work/tampered.ko: signature does not verify against $cert" "$work/tampered.err"; then
		t_pass "a tampered module fails verification"
	else
		t_fail "a tampered module fails verification" "expected exit 1 and 'signature does not verify', saw exit $rc: $(head -c 300 "$work/tampered.err")"
	fi

	# --- Stripped like Debian's modules; the DWARF kept beside it. ---
	local dbg=$ko.debug bid_ko bid_dbg link crc
	bid_ko=$(readelf -nW "$ko" | awk '/Build ID:/ { print $3 }')
	bid_dbg=$(readelf -nW "$dbg" 2>/dev/null | awk '/Build ID:/ { print $3 }')
	if ! readelf -SW "$ko" | grep -q '\.debug_' && readelf -SW "$dbg" 2>/dev/null | grep -q '\] \.debug_info ' &&
		[[ -n $bid_ko && $bid_ko == "$bid_dbg" ]]; then
		t_pass "NAME.ko has no .debug_* sections ($(stat -c %s "$ko") bytes); NAME.ko.debug has them ($(stat -c %s "$dbg") bytes), same build id"
	else
		t_fail "NAME.ko stripped, NAME.ko.debug with DWARF and the same build id" \
			"saw sections $(readelf -SW "$ko" | grep -c '\.debug_') debug in the .ko, build ids '$bid_ko' / '$bid_dbg'"
	fi
	# .gnu_debuglink: the file name, then (aligned) the CRC32 of the debug file, little endian;
	# gzip's trailer carries the same CRC32, little endian
	objcopy --dump-section .gnu_debuglink="$work/debuglink" "$ko" "$work/junk.ko" 2>/dev/null || true
	link=$(tr -d '\0' <"$work/debuglink" 2>/dev/null | head -c 64 | tr -cd '[:print:]')
	crc=$(gzip -c "$dbg" | tail -c 8 | head -c 4 | od -An -tx1 | tr -d ' \n')
	if [[ $link == hp_test_module.ko.debug* && $(tail -c 4 "$work/debuglink" | od -An -tx1 | tr -d ' \n') == "$crc" ]]; then
		t_pass ".gnu_debuglink names hp_test_module.ko.debug with its CRC"
	else
		t_fail ".gnu_debuglink names hp_test_module.ko.debug with its CRC" "saw '$link', expected CRC bytes $crc"
	fi
	local secs_ko secs_dbg
	secs_ko=$(tm_sections "$ko")
	secs_dbg=$(tm_sections "$dbg")
	if [[ -n $secs_ko && $secs_ko == "$secs_dbg" ]]; then
		t_pass "stripping removed only debug sections ($(wc -l <<<"$secs_ko") others identical by name and type)"
	else
		t_fail "stripping removed only debug sections" "saw: $(diff <(echo "$secs_ko") <(echo "$secs_dbg") | head -n 6 | tr '\n' '|')"
	fi

	# --- Reproducible: another output and build directory, same bytes. ---
	local sum0
	sum0=$(sha256sum "$cert" | cut -d' ' -f1)
	tm_build "$work/m2/deeper/dir" hp_test_module -- "${TM_PAIRS[@]}"
	if ((rc == 0)) && cmp -s "$ko" "$work/m2/deeper/dir/hp_test_module.ko"; then
		t_pass "rebuilding elsewhere gives a byte-identical signed module"
	else
		t_fail "rebuilding elsewhere gives a byte-identical signed module" \
			"expected identical files, saw rc $rc, $(cmp "$ko" "$work/m2/deeper/dir/hp_test_module.ko" 2>&1 | head -n 1)"
	fi
	if [[ $(sha256sum "$cert" | cut -d' ' -f1) == "$sum0" ]]; then
		t_pass "the cache's key pair is made once and reused"
	else
		t_fail "the cache's key pair is made once and reused" "the certificate changed between builds"
	fi

	# --- A maintainer's key. ---
	sign_genkey_config >"$work/genkey"
	openssl req -new -nodes -utf8 -sha256 -days 30 -batch -x509 -config "$work/genkey" \
		-outform PEM -out "$work/ci_cert.pem" -keyout "$work/ci_key.pem" >/dev/null 2>&1
	tm_build "$work/m3" hp_test_module --sign-key "$work/ci_key.pem" --sign-cert "$work/ci_cert.pem" \
		-- "${TM_PAIRS[@]:0:2}"
	if ((rc == 0)) && sign_verify "$work/m3/hp_test_module.ko" "$work/ci_cert.pem" 2>/dev/null &&
		! sign_verify "$work/m3/hp_test_module.ko" "$cert" 2>"$work/m3/other.err" &&
		grep -qF "signature does not verify against $cert" "$work/m3/other.err"; then
		t_pass "--sign-key/--sign-cert: signed by the given key, not the cache's"
	else
		t_fail "--sign-key/--sign-cert: signed by the given key, not the cache's" \
			"rc $rc: $(tail -n 3 "$work/m3/build.log" | tr '\n' ' ')"
	fi

	# --- Atomic replace. ---
	tm_build "$work/m4" hp_test_replace --replace --keep-build "$work/m4/kbuild" -- "${TM_PAIRS[@]:0:2}"
	# the records whole first: grep -q stops at its match, and the writer it leaves behind dies
	# of SIGPIPE, which pipefail counts as this check failing (one CI run under load)
	records=$(tm_records "$work/m4/hp_test_replace.ko") || records=''
	if ((rc == 0)) && grep -qx 'patch nr=[0-9]* replace=1' <<<"$records"; then
		t_pass "--replace sets klp_patch.replace"
	else
		t_fail "--replace sets klp_patch.replace" "rc $rc: $(tail -n 3 "$work/m4/build.log" | tr '\n' ' ')"
	fi

	# --- Refusals at build time, and no module written. ---
	# saved_command_line is not exported: as an ordinary reference it could not resolve.
	objcopy --redefine-sym '.klp.sym.vmlinux.saved_command_line,0=saved_command_line' \
		"${TM_PAIRS[0]}" "$work/unresolved.o"
	tm_build "$work/m5" hp_test_bad -- "$work/unresolved.o" "${TM_PAIRS[1]}"
	if ((rc != 0)) && [[ ! -e $work/m5/hp_test_bad.ko ]] &&
		grep -q 'unresolved symbol saved_command_line' "$work/m5/build.log"; then
		t_pass "an unexported, non-klp symbol is refused at build time by name; no module"
	else
		t_fail "an unexported, non-klp symbol is refused at build time by name; no module" \
			"rc $rc, $(ls "$work/m5"): $(tail -n 3 "$work/m5/build.log" | tr '\n' ' ')"
	fi
	objcopy --redefine-sym '.klp.sym.vmlinux.saved_command_line,0=.klp.sym.vmlinux.no_such_symbol_hp,0' \
		"${TM_PAIRS[0]}" "$work/noklp.o"
	tm_build "$work/m6" hp_test_bad -- "$work/noklp.o" "${TM_PAIRS[1]}"
	if ((rc != 0)) && [[ ! -e $work/m6/hp_test_bad.ko ]] &&
		grep -q '\.klp\.sym\.vmlinux\.no_such_symbol_hp,0' "$work/m6/build.log"; then
		t_pass "a klp symbol missing from the index is refused at build time; no module"
	else
		t_fail "a klp symbol missing from the index is refused at build time; no module" \
			"rc $rc: $(tail -n 3 "$work/m6/build.log" | tr '\n' ' ')"
	fi
	jq '.functions[0].sympos = 0' "${TM_PAIRS[3]}" >"$work/sympos0.json"
	tm_build "$work/m7" hp_test_bad -- "${TM_PAIRS[2]}" "$work/sympos0.json"
	if ((rc != 0)) && [[ ! -e $work/m7/hp_test_bad.ko ]] &&
		grep -q "s_show occurs $n_show times" "$work/m7/build.log"; then
		t_pass "s_show with sympos 0 ($n_show in vmlinux) is refused at build time"
	else
		t_fail "s_show with sympos 0 ($n_show in vmlinux) is refused at build time" \
			"rc $rc: $(tail -n 3 "$work/m7/build.log" | tr '\n' ' ')"
	fi
	t_done
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	tm_main "$@"
fi
