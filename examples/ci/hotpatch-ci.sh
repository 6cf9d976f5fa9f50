#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hotpatch-ci.sh - the script step of examples/ci/gitlab-ci.yml and github-actions.yml: build a
# livepatch module for one fix against each chosen kernel, prove it in qemu, sign it with the
# CI's key, and leave what to publish under $HOTPATCH_ARTIFACTS/<release>/:
# NAME.ko (stripped, signed), NAME.ko.debug, NAME.json, NAME.log, NAME.console.log (the VM's).
#
# Environment:
#   HOTPATCH_PATCH       the fix (a -p1 diff against the kernel source)              (required)
#   HOTPATCH_CHECK       check script for --test (fails before, passes with the patch); empty:
#                        no VM test (not recommended)
#   HOTPATCH_KERNELS     releases to build for, space separated (default: the newest Debian 12)
#   HOTPATCH_NAME        module name (default: from the patch file name)
#   HOTPATCH_SIGN_KEY    the signing key from the secret store: its PEM text, or the path of a
#   HOTPATCH_SIGN_CERT   file holding it (GitLab "File" variables); both required
#   HOTPATCH_ARTIFACTS   output directory (default: artifacts)
#   HOTPATCH_CACHE       kernel cache root (hotpatch-build's; keep it in the CI cache: ~2.8 GB a release)
set -euo pipefail

die() {
	echo "hotpatch-ci: $*" >&2
	exit 1
}

[[ -n ${HOTPATCH_PATCH:-} ]] || die "HOTPATCH_PATCH is not set: the fix to build"
[[ -r $HOTPATCH_PATCH ]] || die "cannot read the patch '$HOTPATCH_PATCH'"
[[ -z ${HOTPATCH_CHECK:-} || -r $HOTPATCH_CHECK ]] || die "cannot read the check script '$HOTPATCH_CHECK'"
[[ -n ${HOTPATCH_SIGN_KEY:-} && -n ${HOTPATCH_SIGN_CERT:-} ]] ||
	die "HOTPATCH_SIGN_KEY and HOTPATCH_SIGN_CERT must come from the CI's secret store (PEM text or a file path)"
command -v hotpatch-build >/dev/null || die "hotpatch-build is not installed (apt install ./hotpatch_*.deb)"

out=${HOTPATCH_ARTIFACTS:-artifacts}
mkdir -p "$out"
secrets=$(mktemp -d)
trap 'rm -rf "$secrets"' EXIT
chmod 700 "$secrets"

# secret_file VALUE NAME - a path holding VALUE: VALUE itself when it names a file, else a 0600
# file in a private directory removed at exit (the key never lands in the artifacts)
secret_file() {
	if [[ $1 != *'-----BEGIN'* && -f $1 ]]; then
		printf '%s\n' "$1"
	else
		(umask 077 && printf '%s\n' "$1" >"$secrets/$2")
		printf '%s\n' "$secrets/$2"
	fi
}
key=$(secret_file "$HOTPATCH_SIGN_KEY" key.pem)
cert=$(secret_file "$HOTPATCH_SIGN_CERT" cert.pem)
openssl x509 -in "$cert" -noout 2>/dev/null || die "HOTPATCH_SIGN_CERT is not a PEM X.509 certificate"

kernels=${HOTPATCH_KERNELS:-}
if [[ -z $kernels ]]; then
	# the newest Debian 12 kernel: what hotpatch-build picks when the runner's kernel is not one
	kernels=$(hotpatch-build --setup --print-env | sed -n 's/^HP_RELEASE=//p')
	[[ -n $kernels ]] || die "could not resolve the newest kernel release"
fi

args=(--sign-key "$key" --sign-cert "$cert")
[[ -n ${HOTPATCH_NAME:-} ]] && args+=(--name "$HOTPATCH_NAME")
[[ -n ${HOTPATCH_CHECK:-} ]] && args+=(--test "$HOTPATCH_CHECK")
failed=()
for k in $kernels; do
	echo "hotpatch-ci: $k"
	if ! hotpatch-build -k "$k" -o "$out/$k" "${args[@]}" "$HOTPATCH_PATCH"; then
		failed+=("$k")
	fi
done
if ((${#failed[@]})); then
	die "failed for ${failed[*]} (see $out/<release>/*.log and *.console.log)"
fi
echo "hotpatch-ci: modules for $kernels in $out/"
