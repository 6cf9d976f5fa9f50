#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/bench-triage-cpu.sh [SHARD] [FROM TO] - where a warm triage candidate's CPU goes beyond
# its compiles. hotpatch-triage on one shard through ccache with an empty cache of its own: a
# first run fills it, then BENCH_RUNS (default 2) warm runs (fresh output directories, nothing
# skipped) with bench/cpu-per-process.c preloaded, which logs every process's own CPU time
# (getrusage at its exit). Per warm run: the load, the processes and the CPU per candidate
# beyond the TU compiles (ccache, gcc, cc1, as and objtool run in the release's tree or a
# shadow of it; the patch module's kbuild, NAME.mod.c included, is overhead), then, for the
# last run, that CPU by the script that owns each process (its nearest ancestor that is one of
# our scripts, with its mode: hotpatch-build.sh --finish-module ...) and by command.
# The fixed stages of the run (target, input, candidates, report) are included, as in the
# issue's figure: a small shard overstates them per candidate. Defaults: shard 1/128 of
# 6.1.190-1 -> 6.1.192-1 (12 candidates), -j 2. BENCH_TOP=N rows of the breakdown (30).
# BENCH_KEEP=DIR keeps the last run's output directory and its process log (cpu.log) as DIR.
# Figures go on the issue and in the README's triage section, never into tests.
set -euo pipefail

shard=${1:-1/128}
from=${2:-6.1.190-1}
to=${3:-6.1.192-1}
runs=${BENCH_RUNS:-2}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-triage-cpu.XXXXXX")
keep=${BENCH_KEEP:-}
trap 'rm -rf "$tmp"' EXIT
export CCACHE_DIR=$tmp/ccache

command -v ccache >/dev/null || { echo "bench-triage-cpu: ccache is not installed (make deps)" >&2; exit 1; }
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$tmp/cpu-per-process.so" "$top/bench/cpu-per-process.c"

# triage RUN [PRELOAD] - one run of the shard into $tmp/RUN
triage() {
	local run=$1
	shift
	env "$@" "$top/hotpatch-triage.sh" -j 2 --cc-wrapper ccache --shard "$shard" -o "$tmp/$run" \
		--from "$from" --to "$to" >"$tmp/$run.log" 2>&1 || true
	[[ -s $tmp/$run/triage.json ]] || { tail -n 5 "$tmp/$run.log" >&2; exit 1; }
}

# The analysis: a TU compile is a compiler process whose working directory is a tree (src/,
# a shadow); every other process is overhead, owned by its nearest ancestor that runs one of
# our scripts (bash SCRIPT.sh [--mode]; subshells carry their script's command line), or
# "kbuild (make)" for a process of the module's kbuild (below a make, or in the headers tree)
# whose chain up to a script is cut (dash ends its children with _exit: they log nothing).
# shellcheck disable=SC2016 # an awk program, expanded by awk
# The log is read last line first (tac): a process logs at its exit, so its parent, alive until
# then, logs after it, and the nearest later line with the parent's pid is that parent's (pids
# are reused: a whole update starts ~300,000 processes, pid_max is 32,768). Each process is its
# line number here, never its pid.
cpu_awk='
{
	n++
	ppid[n] = ($2 in last) ? last[$2] : 0
	last[$1] = n
	comm[n] = $3; us[n] = $4; cwd[n] = $5; args[n] = $6
}
function owner(p,   a, k, depth, made) {
	# kbuild runs in the headers tree (make -C KDIR): those compiles build the patch module
	made = cwd[p] ~ /\/linux-headers-[^\/]*$/
	for (depth = 0; (p in comm) && depth < 64; depth++) {
		made = made || comm[p] == "make"
		if (comm[p] == "bash") {
			k = split(args[p], a, "|")
			if (k >= 2 && a[2] ~ /\.sh$/) {
				sub(/.*\//, "", a[2])
				return a[2] ((k >= 3 && a[3] ~ /^--/) ? " " a[3] : "")
			}
		}
		p = ppid[p]
	}
	# an ancestor that logged nothing (ended by a signal or _exit) cuts the chain
	return made ? "kbuild (make)" : "other"
}
END {
	for (p in comm) {
		if ((comm[p] ~ /^(cc1|as|ccache|objtool)$/ || comm[p] ~ /^(x86_64-linux-gnu-)?gcc/) &&
		    cwd[p] ~ /\/(src|shadow(-[^\/]*)?|hotpatch-shadow\.[^\/]*)$/) {
			tu += us[p]
			tun++
			continue
		}
		o = owner(p)
		rest += us[p]
		restn++
		by[o] += us[p]
		byn[o]++
		byc[o "\t" comm[p]] += us[p]
		bycn[o "\t" comm[p]]++
	}
	if (mode == "row") {
		printf "%d %.0f %.2f %.3f\n", n, n / cands, tu / 1e6, rest / 1e6 / cands
		exit
	}
	for (o in by)
		printf "%-36s %-18s %8.1f %7.1f\n", o, "(all)", by[o] / 1e3 / cands, byn[o] / cands
	for (k in byc) {
		split(k, a, "\t")
		printf "%-36s %-18s %8.1f %7.1f\n", a[1], a[2], byc[k] / 1e3 / cands, bycn[k] / cands
	}
}'

printf '# fill the ccache: %s\n' "$(uptime)"
triage fill
printf '%-5s %-22s %6s %6s %9s %9s %12s\n' run load_before cands procs procs/cand tu_cpu_s beyond_s/cand
for ((r = 1; r <= runs; r++)); do
	load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)
	rm -f "$tmp/cpu.log"
	triage "warm$r" HOTPATCH_CPULOG="$tmp/cpu.log" LD_PRELOAD="$tmp/cpu-per-process.so"
	cands=$(jq '.candidates | length' "$tmp/warm$r/triage.json")
	read -r procs ppc tu beyond < <(tac "$tmp/cpu.log" | awk -v mode=row -v cands="$cands" "$cpu_awk")
	printf '%-5s %-22s %6s %6s %9s %9s %12s\n' "warm$r" "$load" "$cands" "$procs" "$ppc" "$tu" "$beyond"
done
printf '\n# beyond the TU compiles, last run, per candidate: owner, command, CPU ms, processes\n'
# highest CPU first (the field before the last), whole line kept
tac "$tmp/cpu.log" | awk -v mode=all -v cands="$cands" "$cpu_awk" | awk '{ print $(NF - 1) "\t" $0 }' |
	sort -rn | cut -f2- >"$tmp/breakdown"
sed -n "1,${BENCH_TOP:-30}p" "$tmp/breakdown"
if [[ -n $keep ]]; then
	rm -rf "$keep"
	mkdir -p "$keep"
	mv "$tmp/cpu.log" "$tmp/warm$runs" "$tmp/warm$runs.log" "$keep/"
fi
