#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb, installed the way a user installs it: the package (lintian clean: make deb fails
# otherwise) goes into a fresh Debian 12 root made by mmdebstrap (--variant=apt: Essential + apt,
# then the package and its Depends, no Recommends), and in that root hotpatch-build --version and
# a real build of an example from /usr/share/doc/hotpatch/examples run from the installed paths
# only. That proves the Depends are enough for a build. The kernel cache is shared with the root
# as a hard-linked copy (every cache write is a rename, so the shared cache is never touched).
# Needs the kernel cache, root, mmdebstrap and the archive; ~4 min here (make deb ~80 s,
# mmdebstrap ~2 min, the build ~10 s).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
t_plan 8
t_setup_kernel
tmp=$(t_tmpdir)
version=$(cat "$T_TOP/VERSION")

cl=$(dpkg-parsechangelog -l "$T_TOP/debian/changelog" -S Version 2>&1 || true)
if [[ $cl == "$version" ]]; then
	t_pass "debian/changelog's version is VERSION ($version)"
else
	t_fail "debian/changelog's version is VERSION" "expected $version, saw '$cl'"
fi

t0=$SECONDS
deb=$tmp/o/deb/hotpatch_${version}_amd64.deb
if nice make -s -C "$T_TOP" deb O="$tmp/o" >"$tmp/deb.log" 2>&1 && [[ -s $deb ]]; then
	t_pass "make deb: $(basename "$deb"), $(stat -c %s "$deb") bytes, lintian clean ($((SECONDS - t0)) s)"
else
	t_fail "make deb" "expected $deb and no lintian warning, saw: $(grep -E '^[EW]: |rror' "$tmp/deb.log" | tail -n 5 | tr '\n' ' ')"
	t_done
	exit 1
fi
dep=$(dpkg-deb -f "$deb" Depends)
rec=$(dpkg-deb -f "$deb" Recommends)
if [[ $rec == *qemu-system-x86* && $rec == *busybox-static* && $dep != *qemu* && $dep != *busybox* &&
	$dep == *gcc-12* && $dep == *libelf1* ]]; then
	t_pass "qemu-system-x86 and busybox-static are Recommends; gcc-12 and the shared libraries Depends"
else
	t_fail "Depends and Recommends" "expected qemu and busybox in Recommends only, saw Depends: $dep; Recommends: $rec"
fi

# a fresh root from the host's own apt sources
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[[ -s $f ]] && grep -qE '^(deb |Types:)' "$f" && sources+=("$f")
done
root=$tmp/root
hooks=(--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount)
# dpkg's fsyncs are most of mmdebstrap's time; the root is thrown away
command -v eatmydata >/dev/null && hooks+=(--hook-dir=/usr/share/mmdebstrap/hooks/eatmydata)
t0=$SECONDS
if nice mmdebstrap --variant=apt "${hooks[@]}" \
	--include="$deb" bookworm "$root" "${sources[@]}" >"$tmp/mmdebstrap.log" 2>&1 &&
	[[ -L $root/usr/bin/hotpatch-build ]]; then
	t_pass "mmdebstrap: a bookworm root with the package and its Depends ($((SECONDS - t0)) s, $(du -sm "$root" | cut -f1) MB)"
else
	t_fail "mmdebstrap: a bookworm root with the package" "saw: $(tail -n 4 "$tmp/mmdebstrap.log" | tr '\n' ' ')"
	t_done
	exit 1
fi
missing=()
for f in usr/share/man/man1/hotpatch-build.1.gz usr/share/man/man1/hotpatch-diff.1.gz \
	usr/share/man/man1/hotpatch-triage.1.gz usr/bin/hotpatch-triage \
	usr/share/bash-completion/completions/hotpatch-build usr/share/bash-completion/completions/hotpatch-triage \
	usr/share/doc/hotpatch/examples/proc-cmdline/fix.patch \
	usr/share/doc/hotpatch/examples/ci/hotpatch-ci.sh; do
	[[ -e $root/$f ]] || missing+=("$f")
done
if ((${#missing[@]} == 0)); then
	t_pass "installed: man pages, bash completion, examples, CI recipes"
else
	t_fail "installed: man pages, bash completion, examples, CI recipes" "missing: ${missing[*]}"
fi

# the cache, hard-linked into the root; anything a build writes there is a new file
mkdir -p "$root/cache"
cp -al "$HP_CACHE" "$root/cache/$HP_RELEASE"
# in_root CMD... - CMD in the root with its own PATH, /proc and /dev, nothing from this tree
in_root() {
	# shellcheck disable=SC2016 # $1 is the inner shell's
	unshare --mount --fork sh -c 'mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
		shift && exec chroot "$@"' sh "$root" "$root" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}
v=$(in_root hotpatch-build --version 2>&1 || true)
if [[ $v == "hotpatch-build $version" ]]; then
	t_pass "installed hotpatch-build --version: $v"
else
	t_fail "installed hotpatch-build --version" "expected 'hotpatch-build $version', saw '$v'"
fi
t0=$SECONDS
rc=0
in_root hotpatch-build -k "$HP_RELEASE" --cache /cache -o /tmp/out -n from_deb \
	/usr/share/doc/hotpatch/examples/proc-cmdline/fix.patch >"$tmp/build.log" 2>&1 || rc=$?
ko=$root/tmp/out/from_deb.ko
if ((rc == 0)) && [[ -s $ko && -s $ko.debug ]] && modinfo -F livepatch "$ko" | grep -qx Y; then
	t_pass "installed hotpatch-build builds examples/proc-cmdline in the root ($((SECONDS - t0)) s, $(stat -c %s "$ko") bytes)"
else
	t_fail "installed hotpatch-build builds examples/proc-cmdline" "expected exit 0 and from_deb.ko, saw exit $rc: $(tail -n 4 "$tmp/build.log" | tr '\n' ' ')"
fi
if grep -qF "$T_TOP" "$tmp/build.log"; then
	t_fail "the build used only installed files" "its log names $T_TOP: $(grep -m1 -F "$T_TOP" "$tmp/build.log")"
else
	t_pass "the build used only installed files"
fi
t_done
