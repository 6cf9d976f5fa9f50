#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-kernel-generated.sh - the files kbuild generates per directory (build/tree.sh,
# tree_generate): after --setup the prepared tree holds SELinux's flask.h/av_permissions.h and
# every *.asn1.h the configuration compiles, TUs that include them compile on both sides
# (tests/kernel/compile-pair.sh: security/selinux/avc.o, the asn1 decoder of ksmbd or the
# first other TU including an *.asn1.h), the include index has the edges out of a generated
# header, hotpatch-build makes a module of a fix to security/selinux/avc.c and refuses a patch
# to SELinux's classmap.h, which flask.h is generated from; a generation killed midway is
# undone and redone by the next run (on a hard-linked copy of src/ without its generated files).
# The release is T_RELEASE (e.g. 6.1.0-54-amd64), else hotpatch-build's default.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/tree.sh
. "$T_TOP/build/tree.sh"
# shellcheck source=build/compiledb.sh
. "$T_TOP/build/compiledb.sh"
cd "$T_TOP"

t_plan 8
if [[ -n ${T_RELEASE:-} ]]; then
	env=$(./hotpatch-build.sh --setup --print-env -k "$T_RELEASE" 2>/dev/null) ||
		t_bail "expected hotpatch-build.sh --setup -k $T_RELEASE to succeed, saw it fail"
	eval "$env"
else
	t_setup_kernel
fi
[[ -x out/bin/hotpatch-diff ]] || t_bail "expected out/bin/hotpatch-diff, saw none (make)"
db=$HP_CACHE/compiledb

# --- the generated files are there -----------------------------------------------------------
# what must exist, from the tree's own files: SELinux's two headers when the configuration
# builds SELinux, and the header of every *.asn1 whose decoder (X.asn1.c) the database compiles
problems=()
want=()
if grep -qx 'CONFIG_SECURITY_SELINUX=y' "$HP_SRC/.config"; then
	want+=(security/selinux/flask.h security/selinux/av_permissions.h)
fi
while IFS= read -r c; do
	want+=("${c%.c}.h")
done < <(cut -f1 "$db" | grep '\.asn1\.c$' || true)
((${#want[@]} >= 3)) || problems+=("only ${#want[@]} generated headers expected (${want[*]:-none}): a configuration without SELinux or ASN.1?")
for f in "${want[@]}"; do
	[[ -s $HP_SRC/$f ]] || problems+=("$f missing")
done
[[ -f $HP_CACHE/.done/$TREE_GENERATED_STAMP ]] || problems+=("no stamp .done/$TREE_GENERATED_STAMP")
[[ ! -e $HP_CACHE/generated.before ]] || problems+=("generated.before left")
for f in "${want[@]}"; do
	grep -qxF "$f" "$HP_CACHE/generated" 2>/dev/null || problems+=("$f not listed in $HP_CACHE/generated")
done
if ((${#problems[@]})); then
	t_fail "$HP_RELEASE: setup generated the tree's headers" "$(printf '%s; ' "${problems[@]}")"
else
	t_pass "$HP_RELEASE: setup generated the tree's headers (${#want[@]}: ${want[*]:0:3} ...)"
fi

tmp=$(t_tmpdir)
mkdir -p out
outdir=$(mktemp -d "$T_TOP/out/.test-generated.XXXXXX")
trap 'rm -rf "$outdir"; t_cleanup' EXIT

# pair NAME TU SED - compile TU before and after the patch SED makes of its source
pair() {
	local name=$1 tu=$2 expr=$3 rc=0 d
	d=$tmp/$name
	mkdir -p "$d/a/${tu%/*}" "$d/b/${tu%/*}"
	cp "$HP_SRC/$tu.c" "$d/a/$tu.c"
	sed "$expr" "$HP_SRC/$tu.c" >"$d/b/$tu.c"
	(cd "$d" && diff -u "a/$tu.c" "b/$tu.c" >fix.patch) || true
	if [[ ! -s $d/fix.patch ]]; then
		t_fail "$HP_RELEASE: $tu.o compiles before and after a patch" "expected '$expr' to change $tu.c, saw no difference"
		return 0
	fi
	tests/kernel/compile-pair.sh "$HP_SRC" "$d/fix.patch" "$tu.o" "$outdir/$name" >"$d/cp.log" 2>&1 || rc=$?
	if ((rc == 0)) && [[ -s $outdir/$name/orig/$tu.o && -s $outdir/$name/patched/$tu.o ]]; then
		t_pass "$HP_RELEASE: $tu.o compiles before and after a patch"
	else
		t_fail "$HP_RELEASE: $tu.o compiles before and after a patch" \
			"expected exit 0 and both objects, saw exit $rc: $(grep -m 3 -e 'error' "$d/cp.log" | tr '\n' ' ')"
	fi
}

# --- TUs that include them compile, both sides -------------------------------------------------
pair avc security/selinux/avc 's/"avc:  %s "/"avc:  %s (hp) "/'
# ksmbd's decoder TU, else the first TU that includes an *.asn1.h
asn1_tu=''
for c in fs/smb/server/asn1.c $(cut -f1 "$db" | grep -v '\.asn1\.c$'); do
	if grep -q '^#include "[^"]*\.asn1\.h"' "$HP_SRC/$c" 2>/dev/null && [[ -n $(compiledb_get "$c") ]]; then
		asn1_tu=${c%.c}
		break
	fi
done
if [[ -z $asn1_tu ]]; then
	t_fail "$HP_RELEASE: a TU including an *.asn1.h compiles before and after a patch" "expected one in $db, saw none"
else
	pair asn1 "$asn1_tu" '1i /* hotpatch test */'
fi

# --- the include index goes on through a generated header --------------------------------------
# (built before the files existed, it had no edge out of them: a change to what they include
# would miss their users)
h=$(sed -n '/^#include "[^"]*\.asn1\.h"$/{s/^#include "\(.*\)"$/\1/p;q}' "$HP_SRC/${asn1_tu:-none}.c" 2>/dev/null || true)
h=${asn1_tu%/*}/$h
inc=$(sed -n '/^#include <[^>]*>$/{s/^#include <\(.*\)>$/include\/\1/p;q}' "$HP_SRC/$h" 2>/dev/null || true)
if [[ -n $inc ]] && grep -qF "$(printf 'e\t%s\t%s' "$h" "$inc")" "$HP_CACHE/includes"; then
	t_pass "$HP_RELEASE: the include index has $h -> $inc"
else
	t_fail "$HP_RELEASE: the include index has the edges of a generated header" \
		"expected 'e $h ${inc:-(its first #include <...>)}' in $HP_CACHE/includes, saw none"
fi

# --- a fix to an SELinux TU gives a module ---------------------------------------------------
d=$tmp/e2e
mkdir -p "$d/a/security/selinux" "$d/b/security/selinux" "$d/out"
cp "$HP_SRC/security/selinux/avc.c" "$d/a/security/selinux/avc.c"
sed 's/"avc:  %s "/"avc:  %s (hp) "/' "$HP_SRC/security/selinux/avc.c" >"$d/b/security/selinux/avc.c"
(cd "$d" && diff -u a/security/selinux/avc.c b/security/selinux/avc.c >selinux-avc.patch) || true
rc=0
./hotpatch-build.sh -k "$HP_RELEASE" -n selinux_avc -o "$d/out" "$d/selinux-avc.patch" >"$d/build.log" 2>&1 || rc=$?
fns=$(jq -r '[.objects[]?.functions[]?.name] | join(" ")' "$d/out/selinux_avc.json" 2>/dev/null || true)
if ((rc == 0)) && [[ -s $d/out/selinux_avc.ko ]]; then
	t_pass "$HP_RELEASE: hotpatch-build makes a module of a fix to security/selinux/avc.c (${fns:-?})"
else
	t_fail "$HP_RELEASE: hotpatch-build makes a module of a fix to security/selinux/avc.c" \
		"expected exit 0 and selinux_avc.ko, saw exit $rc: $(tail -n 3 "$d/build.log" | tr '\n' ' ')"
fi
if [[ " $fns " == *" avc_audit_pre_callback "* ]]; then
	t_pass "$HP_RELEASE: the module patches avc_audit_pre_callback"
else
	t_fail "$HP_RELEASE: the module patches avc_audit_pre_callback" "expected it in selinux_avc.json, saw '${fns}'"
fi

# --- a patch to what a generated file is made from is refused ----------------------------------
# (the patched side would compile against the flask.h generated without it)
d=$tmp/classmap
h=security/selinux/include/classmap.h
mkdir -p "$d/a/${h%/*}" "$d/b/${h%/*}"
cp "$HP_SRC/$h" "$d/a/$h"
sed '1i /* hotpatch test */' "$HP_SRC/$h" >"$d/b/$h"
(cd "$d" && diff -u "a/$h" "b/$h" >classmap.patch) || true
rc=0
./hotpatch-build.sh -k "$HP_RELEASE" -n classmap -o "$d/out" "$d/classmap.patch" >"$d/build.log" 2>&1 || rc=$?
if ((rc == 2)) && grep -qF "refused: $h: the generated security/selinux/flask.h is made from it" "$d/build.log" &&
	[[ ! -e $d/out/classmap.ko ]]; then
	t_pass "$HP_RELEASE: a patch to $h is refused (flask.h is generated from it)"
else
	t_fail "$HP_RELEASE: a patch to $h is refused" \
		"expected exit 2 naming $h and flask.h and no module, saw exit $rc: $(tail -n 2 "$d/build.log" | tr '\n' ' ')"
fi

# --- an interrupted generation is undone ---------------------------------------------------------
# A scratch cache whose src/ is a hard-linked copy of the release's without what the stage made
# (the stage only adds files, and removes only its own: the shared inodes are never written).
sc=$(t_tmpdir)/$HP_RELEASE
mkdir -p "$sc"
cp -al "$HP_SRC" "$sc/src"
cp "$db" "$sc/compiledb"
(cd "$sc/src" && xargs -r -d '\n' rm -f -- <"$HP_CACHE/generated")
# The first run in a session of its own (setsid of a job that leads no process group makes the
# job's pid the session's id), so that the kill reaches every make of it.
{
	printf 'set -euo pipefail\n'
	printf 'HP_CACHE_ROOT=%q HP_CACHE=%q HP_RELEASE=%q HP_CC=%q HP_BUILDROOT=%q HP_JOBS=2\n' \
		"${HP_CACHE%/*}" "$sc" "$HP_RELEASE" "$HP_CC" "$HP_BUILDROOT"
	printf '. %q/build/%s.sh\n' "$T_TOP" common "$T_TOP" buildroot "$T_TOP" tree "$T_TOP" compiledb
	printf 'tree_generate\n'
} >"$sc.gen.sh"
setsid bash "$sc.gen.sh" >"$sc.1.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
	compgen -G "$sc/.tmp.generated.*.mk" >/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
# (the generation proper takes a few seconds)
sleep 1
kill -TERM -- "-$pid" 2>/dev/null || true
rc1=0
wait "$pid" || rc1=$?
partial=none
if [[ -e $sc/generated.before ]]; then
	partial=$(find "$sc/src" -newer "$sc/generated.before" -type f | wc -l)
fi
rc2=0
bash "$sc.gen.sh" >"$sc.2.log" 2>&1 || rc2=$?
saw=$(LC_ALL=C comm -3 <(LC_ALL=C sort "$HP_CACHE/generated") <(LC_ALL=C sort "$sc/generated" 2>/dev/null))
saw=${saw:0:300}
if ((rc1 != 0 && rc2 == 0)) && grep -q "removing what an interrupted generation left" "$sc.2.log" &&
	[[ -f $sc/.done/$TREE_GENERATED_STAMP && ! -e $sc/generated.before && -z $saw ]]; then
	t_pass "$HP_RELEASE: a generation killed midway ($partial files made) is undone and redone by the next run"
else
	t_fail "$HP_RELEASE: a generation killed midway is undone and redone" \
		"expected a killed first run, a second that undoes it and makes what the release's did, saw exits $rc1 $rc2, differences '$saw': $(tail -n 2 "$sc.2.log" | tr '\n' ' ')"
fi
t_done
