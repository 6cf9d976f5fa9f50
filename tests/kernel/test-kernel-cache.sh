#!/bin/bash
# test-kernel-cache.sh - the target kernel cache (build/target.sh, build/tree.sh,
# hotpatch-build.sh --setup): resolution, refusal of unknown releases, completeness, recovery
# from an interrupted run, concurrent runs, and single-TU compiles that leave src/ unchanged.
# Needs the network on a cold cache (about 1 GB of Debian packages).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/target.sh
. "$T_TOP/build/target.sh"
# shellcheck source=build/tree.sh
. "$T_TOP/build/tree.sh"
# shellcheck source=build/compiledb.sh
. "$T_TOP/build/compiledb.sh"
# shellcheck source=build/objects.sh
. "$T_TOP/build/objects.sh"

t_sigint_default "$@"
hb=$T_TOP/hotpatch-build.sh
t_plan 14
t_setup_kernel

# --- resolution ------------------------------------------------------------------------------
if [[ $HP_RELEASE =~ ^6\.1\.0-[0-9]+-(amd64|cloud-amd64)$ ]] &&
	apt-cache madison "linux-image-$HP_RELEASE" 2>/dev/null | grep >/dev/null .; then
	t_pass "resolution picks a release the archive has ($HP_RELEASE)"
else
	t_fail "resolution picks a release the archive has" "expected 6.1.0-N-amd64 known to apt-cache, saw '$HP_RELEASE'"
fi
out=$("$hb" -k "$HP_RELEASE" --print-env 2>&1) || true
if grep -qx "HP_RELEASE=$HP_RELEASE" <<<"$out" && grep -qx "HP_SRC=$HP_SRC" <<<"$out"; then
	t_pass "-k names the release explicitly"
else
	t_fail "-k names the release explicitly" "expected HP_RELEASE=$HP_RELEASE, saw: $(head -n3 <<<"$out" | tr '\n' ' ')"
fi

# --- refusal of unknown releases ---------------------------------------------------------------
scratch=$(t_tmpdir)
for bad in 6.1.0-0-amd64 not-a-kernel; do
	rc=0
	out=$("$hb" --cache "$scratch/c" -k "$bad" --setup 2>&1) || rc=$?
	if ((rc != 1)); then
		t_fail "unknown release $bad is refused" "expected exit 1, saw $rc: $out"
	elif [[ $out != *"$bad"* || $out != *error:* ]]; then
		t_fail "unknown release $bad is refused" "expected an error naming $bad, saw: $out"
	elif [[ -e $scratch/c/$bad ]]; then
		t_fail "unknown release $bad is refused" "expected no cache dir, saw $scratch/c/$bad"
	else
		t_pass "unknown release $bad is refused clearly ($(tail -n1 <<<"$out" | cut -c1-90)...)"
	fi
done

# --- completeness --------------------------------------------------------------------------------
problems=()
for f in "$HP_KDIR/Makefile" "$HP_KDIR/.config" "$HP_VMLINUZ" "$HP_CONFIG" "$HP_MODDIR/modules.dep" \
	"$HP_VMLINUX" "$HP_SYSMAP" "$HP_SYMVERS" "$HP_SRC/.config" "$HP_SRC/include/generated/autoconf.h" \
	"$HP_SRC/tools/objtool/objtool" "$HP_CACHE/pkgversion"; do
	[[ -s $f ]] || problems+=("missing $f")
done
for s in debs root dbg tree compiledb "$TREE_GENERATED_STAMP" setup; do
	[[ -f $HP_CACHE/.done/$s ]] || problems+=("no stamp .done/$s")
done
[[ $(stat -c %s "$HP_SYSMAP") -gt 1000000 ]] || problems+=("$HP_SYSMAP is the stub, not the real System.map")
readelf -S "$HP_VMLINUX" 2>/dev/null | grep >/dev/null '\.debug_info' || problems+=("$HP_VMLINUX has no .debug_info")
compgen -G "$HP_CACHE/debs/*-dbg_*.deb" >/dev/null && problems+=("the -dbg package was not deleted")
compgen -G "$HP_CACHE/.tmp.*" >/dev/null && problems+=("temporaries left: $(echo "$HP_CACHE"/.tmp.*)")
find "$HP_CACHE/root" -lname '/*' | grep >/dev/null . && problems+=("absolute symlinks left in root/")
cc_text=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$HP_SRC/.config")
[[ $cc_text == "$(gcc-12 --version | head -n1)" ]] || problems+=("CONFIG_CC_VERSION_TEXT '$cc_text' is not gcc-12's")
if ((${#problems[@]})); then
	t_fail "the cache is complete after setup" "$(printf '%s; ' "${problems[@]}")"
else
	t_pass "the cache is complete after setup (headers, image, modules.dep, dbg vmlinux + System.map, prepared tree)"
fi

mod=$(t_tmpdir)
printf '#include <linux/module.h>\nstatic int __init t_init(void) { return 0; }\nmodule_init(t_init);\nMODULE_LICENSE("GPL");\n' >"$mod/hello.c"
echo 'obj-m := hello.o' >"$mod/Kbuild"
rc=0
out=$(make -C "$HP_KDIR" M="$mod" CC=gcc-12 modules 2>&1) || rc=$?
if ((rc == 0)) && [[ $(modinfo -F vermagic "$mod/hello.ko" 2>/dev/null) == "$HP_RELEASE "* ]]; then
	t_pass "HP_KDIR builds an external module for $HP_RELEASE"
else
	t_fail "HP_KDIR builds an external module" "expected hello.ko with vermagic $HP_RELEASE, saw exit $rc: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
fi

# A warm --setup does no work: it prints only the release and its total, no stage runs a tool (every tool a
# stage runs is wrapped to log its call) and no stamp or stage output is rewritten.
shims=$(t_tmpdir)
for c in apt-get apt-cache dpkg dpkg-deb depmod make gcc-12 openssl; do
	real=$(command -v "$c") || continue
	printf '#!/bin/sh\necho "%s $*" >>%q\nexec %q "$@"\n' "$c" "$shims/calls" "$real" >"$shims/$c"
	chmod +x "$shims/$c"
done
cache_state() {
	stat -c '%n %s %Y %i' "$HP_CACHE"/.done/* "$HP_CACHE"/compiledb "$HP_CACHE"/pkgversion \
		"$HP_CACHE"/root "$HP_CACHE"/src "$HP_CACHE"/dbg "$HP_CACHE"/symindex 2>&1
}
state0=$(cache_state)
warm0=$(hp_now)
rc=0
PATH="$shims:$PATH" "$hb" -k "$HP_RELEASE" --setup >/dev/null 2>"$shims/warm.err" || rc=$?
warm=$(awk -v a="$warm0" -v b="$(hp_now)" 'BEGIN { printf "%.2f", b - a }')
other=$(grep -vE '^hotpatch: stage (resolve .* '"$HP_RELEASE"' \(.*\)|setup .* total)$' "$shims/warm.err" || true)
if ((rc == 0)) && [[ ! -e $shims/calls && -z $other && $(cache_state) == "$state0" ]]; then
	t_pass "a warm --setup runs no stage, no tool, rewrites nothing (${warm}s)"
else
	t_fail "a warm --setup needs no work" "expected exit 0, only the total on stderr, no tool run and the cache unchanged, saw exit $rc, tools: $({ tr '\n' '|' <"$shims/calls"; } 2>/dev/null), stderr: $(tr '\n' '|' <<<"$other"), changed: $(diff <(echo "$state0") <(cache_state) | grep '^>' | head -n 3 | tr '\n' '|')"
fi

# --- interrupted runs are recovered ------------------------------------------------------------
# A throwaway cache whose debs/ holds hard links to the real packages (read only here): the
# root stage (dpkg -x of headers and image, depmod) is interrupted with SIGINT in the middle, as
# Ctrl-C would, then run again. The middle is made certain: the first run's depmod is a stand-in
# that says it has started and waits, so the signal always lands after the packages are
# unpacked into the stage's temporary and before anything is renamed into place.
tc=$(t_tmpdir)/$HP_RELEASE
mkdir -p "$tc/debs" "$tc/.done"
ln "$HP_CACHE"/debs/*.deb "$tc/debs/"
cp "$HP_CACHE/.done/debs" "$tc/.done/"
mkdir "$tc/.tmp.dl.stale" "$tc/debs/.tmp.dl.stale" # as an older crash would have left them
run_root_stage() {
	HP_CACHE=$1
	hp_lock "$HP_CACHE"
	hp_clean_stale "$HP_CACHE"
	target_fetch_root
}
block=$(t_tmpdir)
printf '#!/bin/sh\n: >%q\nexec sleep 600\n' "$block/started" >"$block/depmod"
chmod +x "$block/depmod"
set -m
(PATH="$block:$PATH" run_root_stage "$tc") >"$block/stage.log" 2>&1 &
pid=$!
set +m
for _ in $(seq 1200); do
	[[ -e $block/started ]] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
started=0
[[ -e $block/started ]] && started=1
kill -INT -- "-$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
tmps=$(find "$tc" -mindepth 1 -maxdepth 1 -name '.tmp.root.*' -printf '%f ')
if ((!started)); then
	t_fail "an interrupted stage leaves no half-written stage" "expected the stage to reach depmod within 120 s, saw exit $rc: $(tail -n 3 "$block/stage.log" | tr '\n' ' ')"
elif ((rc != 130)); then
	t_fail "an interrupted stage leaves no half-written stage" "expected exit 130 after SIGINT, saw $rc: $(tail -n 3 "$block/stage.log" | tr '\n' ' ')"
elif [[ -e $tc/root || -e $tc/.done/root || -z $tmps ]]; then
	t_fail "an interrupted stage leaves no half-written stage" "expected neither root/ nor .done/root but the stage's temporary after SIGINT, saw $(find "$tc" -mindepth 1 -maxdepth 1 -printf '%f ')"
else
	t_pass "an interrupted stage leaves no half-written stage (exit 130, only $tmps)"
fi
rc=0
out=$( (run_root_stage "$tc") 2>&1) || rc=$?
if ((rc == 0)) && [[ -s $tc/root/lib/modules/$HP_RELEASE/modules.dep && -f $tc/.done/root ]] &&
	! compgen -G "$tc/.tmp.*" >/dev/null && ! compgen -G "$tc/debs/.tmp.*" >/dev/null; then
	t_pass "the next run recovers: root/ complete, temporaries removed"
else
	t_fail "the next run recovers" "expected exit 0, root/ with modules.dep and no .tmp.*, saw exit $rc, $(find "$tc" -mindepth 1 -maxdepth 1 -printf '%f '): $out"
fi

# --- concurrent runs -----------------------------------------------------------------------------
# Two runs of the root stage on one fresh cache: one does the work, the other waits for the lock
# and finds the stage done.
rm -rf "${tc:?}/root" "$tc/.done/root"
(run_root_stage "$tc") >"$tc.1.log" 2>&1 &
p1=$!
(run_root_stage "$tc") >"$tc.2.log" 2>&1 &
p2=$!
r1=0 r2=0
wait "$p1" || r1=$?
wait "$p2" || r2=$?
if ((r1 == 0 && r2 == 0)) && [[ -s $tc/root/lib/modules/$HP_RELEASE/modules.dep ]] &&
	grep -q 'cached' "$tc.1.log" "$tc.2.log"; then
	t_pass "two concurrent runs of a stage on one cache both succeed, the work is done once"
else
	t_fail "two concurrent runs of a stage both succeed" "expected exits 0 0 and one 'cached', saw $r1 $r2: $(cat "$tc.1.log" "$tc.2.log" | tr '\n' ' ')"
fi

# Two concurrent `--setup` runs through the CLI on a cache that lacks only its final stamp
# (the stage directories are symlinks to the real cache, whose stamps say they are complete).
cc=$(t_tmpdir)
mkdir -p "$cc/$HP_RELEASE/.done" "$cc/$HP_RELEASE/debs"
for d in root dbg src; do
	ln -s "$HP_CACHE/$d" "$cc/$HP_RELEASE/$d"
done
# (the generated files are in the shared src/: the stamp says so, nothing is made in it here)
for s in debs root dbg tree compiledb "$TREE_GENERATED_STAMP"; do
	cp "$HP_CACHE/.done/$s" "$cc/$HP_RELEASE/.done/"
done
ln -s "$HP_CACHE/compiledb" "$cc/$HP_RELEASE/compiledb"
[[ -f $HP_CACHE/symindex ]] && cp "$HP_CACHE/symindex" "$cc/$HP_RELEASE/" && cp "$HP_CACHE/.done/symindex" "$cc/$HP_RELEASE/.done/"
"$hb" --cache "$cc" -k "$HP_RELEASE" --setup --print-env >"$cc/1.env" 2>"$cc/1.log" &
p1=$!
"$hb" --cache "$cc" -k "$HP_RELEASE" --setup --print-env >"$cc/2.env" 2>"$cc/2.log" &
p2=$!
r1=0 r2=0
wait "$p1" || r1=$?
wait "$p2" || r2=$?
if ((r1 == 0 && r2 == 0)) && cmp -s "$cc/1.env" "$cc/2.env" && grep -qx "HP_RELEASE=$HP_RELEASE" "$cc/1.env" &&
	[[ -f $cc/$HP_RELEASE/.done/setup ]]; then
	t_pass "two concurrent --setup runs sharing one cache both succeed"
else
	t_fail "two concurrent --setup runs both succeed" "expected exits 0 0 and equal HP_* output, saw $r1 $r2: $(cat "$cc/1.log" "$cc/2.log" | tr '\n' ' ')"
fi

# --- single-TU compiles leave src/ unchanged ---------------------------------------------------
# Every file's path, size, inode and modification time (an in-place write changes the time; a
# replaced file changes the inode), and every symlink's target.
src_listing() {
	find "$HP_SRC" \( -type f -printf '%P %s %i %T@\n' \) -o \( -type l -printf '%P -> %l\n' \) | LC_ALL=C sort | md5sum
}
before=$(src_listing)
marker=$(t_tmpdir)/marker
touch "$marker"
sleep 0.01
out1=$(t_tmpdir)
rc=0
log=$( (tree_compile_tu "$HP_SRC" "$out1" fs/proc/meminfo.o fs/proc/cmdline.o) 2>&1) || rc=$?
secs=$(readelf -SW "$out1/fs/proc/meminfo.o" 2>/dev/null | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\).*/\1/p')
if ((rc == 0)) && grep -q '^\.text\.meminfo_proc_show$' <<<"$secs" && grep -q '^\.orc_unwind$' <<<"$secs" &&
	grep -q '^__mcount_loc$' <<<"$secs" && [[ -s $out1/fs/proc/cmdline.o ]]; then
	t_pass "tree_compile_tu builds fs/proc/meminfo.o with function sections, ORC and __mcount_loc"
else
	t_fail "tree_compile_tu builds fs/proc/meminfo.o" "expected .text.meminfo_proc_show, .orc_unwind, __mcount_loc; saw exit $rc: $(tail -n 3 <<<"$log" | tr '\n' ' ')"
fi

# A patched copy: hard links to src/ (cp -al) in which the patched file is a new inode, as
# `patch` writes it. Compiling the copy must not reach the shared inodes.
copy=$(t_tmpdir)/tree
cp -al "$HP_SRC" "$copy"
sed 's/seq_puts(m, saved_command_line);/seq_puts(m, "hotpatched");/' \
	"$HP_SRC/fs/proc/cmdline.c" >"$copy/fs/proc/cmdline.c.new"
mv "$copy/fs/proc/cmdline.c.new" "$copy/fs/proc/cmdline.c"
out2=$(t_tmpdir)
rc=0
log=$( (tree_compile_tu "$copy" "$out2" fs/proc/cmdline.o) 2>&1) || rc=$?
if ((rc == 0)) && strings "$out2/fs/proc/cmdline.o" | grep >/dev/null 'hotpatched' &&
	! strings "$out1/fs/proc/cmdline.o" | grep >/dev/null 'hotpatched'; then
	t_pass "tree_compile_tu builds the patched copy's version of a file"
else
	t_fail "tree_compile_tu builds the patched copy" "expected 'hotpatched' only in the patched object, saw exit $rc: $(tail -n 3 <<<"$log" | tr '\n' ' ')"
fi

after=$(src_listing)
newer=$(find "$HP_SRC" -newer "$marker" ! -type d | head -n 5)
if [[ $before == "$after" && -z $newer ]]; then
	t_pass "compiling TUs (pristine and patched copy) leaves src/ byte-for-byte unchanged"
else
	t_fail "compiling TUs leaves src/ unchanged" "expected the same listing of src/, saw changes: ${newer:-listing differs}"
fi

t_done
