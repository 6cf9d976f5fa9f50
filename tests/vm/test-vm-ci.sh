#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# examples/ci: the GitLab and GitHub recipes run the same script step; that step, run here the way
# the recipes run it (a project directory with ci/hotpatch-ci.sh, fix.patch and check.sh, the
# recipe's variables, the signing key from a "secret": a file path as GitLab gives it, PEM text as
# GitHub does), builds the example fix for the newest kernel, tests it in qemu and leaves the
# artifacts the recipes publish, signed by the CI's key and without the key.
# Needs the kernel cache and qemu; one VM boot plus two builds (~60 s under TCG).
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=build/common.sh
. "$T_TOP/build/common.sh"
# shellcheck source=build/sign.sh
. "$T_TOP/build/sign.sh"
t_plan 6
t_setup_kernel
tmp=$(t_tmpdir)
ci=$T_TOP/examples/ci

# the script steps of each recipe: GitLab's "script:" list, GitHub's "build and test" run block
gl=$(awk '/^  script:/ { s = 1; next } s && /^    - / { sub(/^    - /, ""); print; next } { s = 0 }' "$ci/gitlab-ci.yml")
gh=$(awk '/name: build and test/ { s = 1; next } s && /run: \|/ { r = 1; next }
	r && /^          [^ ]/ { sub(/^ +/, ""); print; next } { if (r) exit }' "$ci/github-actions.yml")
if [[ -n $gl && $gl == "$gh" ]]; then
	t_pass "both recipes run the same script step: $gl"
else
	t_fail "both recipes run the same script step" "expected one command, saw GitLab '$gl', GitHub '$gh'"
fi

# the project a user sets up: the recipe's files beside the fix
proj=$tmp/project
mkdir -p "$proj/ci" "$tmp/bin" "$tmp/secrets"
cp "$ci/hotpatch-ci.sh" "$proj/ci/"
cp "$T_TOP/examples/proc-cmdline/fix.patch" "$T_TOP/examples/proc-cmdline/check.sh" "$proj/"
ln -s "$T_TOP/hotpatch-build.sh" "$tmp/bin/hotpatch-build"
sign_genkey_config >"$tmp/genkey"
openssl req -new -nodes -utf8 -sha256 -days 30 -batch -x509 -config "$tmp/genkey" -outform PEM \
	-out "$tmp/secrets/ci_cert.pem" -keyout "$tmp/secrets/ci_key.pem" >/dev/null 2>&1

# ci_run LOG VAR=VALUE... - the script step in the project directory with the recipe's variables
ci_run() {
	local log=$1
	shift
	rc=0
	(
		cd "$proj"
		export PATH=$tmp/bin:$PATH HOTPATCH_PATCH=fix.patch HOTPATCH_CHECK=check.sh \
			HOTPATCH_KERNELS='' HOTPATCH_ARTIFACTS=artifacts
		for kv in "$@"; do
			export "${kv?}"
		done
		eval "$gl"
	) >"$log" 2>&1 || rc=$?
}

# GitLab: "File" variables are paths
t0=$SECONDS
ci_run "$tmp/gitlab.log" HOTPATCH_SIGN_KEY="$tmp/secrets/ci_key.pem" HOTPATCH_SIGN_CERT="$tmp/secrets/ci_cert.pem"
a=$proj/artifacts/$HP_RELEASE
if ((rc == 0)) && [[ -s $a/fix.ko && -s $a/fix.ko.debug && -s $a/fix.json && -s $a/fix.log && -s $a/fix.console.log ]]; then
	t_pass "GitLab-style run: fix.ko, .ko.debug, .json, .log, .console.log for $HP_RELEASE ($((SECONDS - t0)) s)"
else
	t_fail "GitLab-style run: the artifacts" "expected exit 0 and 5 files in $a, saw exit $rc, $(find "$a" -printf '%f ' 2>&1): $(tail -n 4 "$tmp/gitlab.log" | tr '\n' ' ')"
fi
if sign_verify "$a/fix.ko" "$tmp/secrets/ci_cert.pem" 2>/dev/null &&
	jq -e '.test.result == "passed"' "$a/fix.json" >/dev/null 2>&1; then
	t_pass "the module is signed by the CI key and passed its VM test"
else
	t_fail "the module is signed by the CI key and passed its VM test" \
		"saw test result $(jq -r .test.result "$a/fix.json" 2>&1), signature: $(sign_verify "$a/fix.ko" "$tmp/secrets/ci_cert.pem" 2>&1 | head -n 1)"
fi

# GitHub: secrets are the PEM text in the environment
rm -rf "$proj/artifacts"
ci_run "$tmp/github.log" HOTPATCH_CHECK='' HOTPATCH_KERNELS="$HP_RELEASE" \
	HOTPATCH_SIGN_KEY="$(cat "$tmp/secrets/ci_key.pem")" HOTPATCH_SIGN_CERT="$(cat "$tmp/secrets/ci_cert.pem")"
if ((rc == 0)) && sign_verify "$a/fix.ko" "$tmp/secrets/ci_cert.pem" 2>/dev/null; then
	t_pass "GitHub-style run: key and certificate as PEM text, module signed by them"
else
	t_fail "GitHub-style run: key and certificate as PEM text" "saw exit $rc: $(tail -n 4 "$tmp/github.log" | tr '\n' ' ')"
fi
if ! grep -rlq 'PRIVATE KEY' "$proj"; then
	t_pass "no private key in the artifacts or the project directory"
else
	t_fail "no private key in the artifacts or the project directory" "saw it in $(grep -rl 'PRIVATE KEY' "$proj" | head -n 3 | tr '\n' ' ')"
fi

# no secret: a clear refusal, no build
ci_run "$tmp/nokey.log" HOTPATCH_SIGN_KEY='' HOTPATCH_SIGN_CERT=''
if ((rc == 1)) && grep -q 'HOTPATCH_SIGN_KEY and HOTPATCH_SIGN_CERT must come from' "$tmp/nokey.log"; then
	t_pass "without the secrets the step refuses and says which variables"
else
	t_fail "without the secrets the step refuses" "expected exit 1 naming the variables, saw $rc: $(tail -n 2 "$tmp/nokey.log" | tr '\n' ' ')"
fi
t_done
