# shellcheck shell=bash
# build/common.sh - helpers shared by every build stage.
#
# Sourced by hotpatch-build.sh (and by tests); defines functions only.
#
#   hp_log MSG...            one line on stderr, prefixed "hotpatch: "
#   hp_verbose MSG...        same, only when HP_VERBOSE=1
#   hp_die MSG...            "hotpatch: <stage>: error: MSG" and exit 1
#   hp_trap_errors           make an unexpected failure (one set -e would exit on silently,
#                            e.g. a pipeline killed by SIGPIPE) an error naming the command
#   hp_run CMD...            run CMD; on failure die naming the stage and the command
#   hp_time VAR              the time now (as hp_now prints it) into VAR, without a subshell
#   hp_elapsed VAR T0 DIGITS the seconds since T0 into VAR, DIGITS decimals (hp_usec: a time
#                            as whole microseconds; hp_secs: microseconds as seconds)
#   hp_stage_begin NAME      start timing a stage (sets HP_STAGE, used by hp_die)
#   hp_stage_end [NOTE]      print "hotpatch: stage NAME  S.s s  NOTE" (HP_STAGE_OPEN: begun,
#                            not ended)
#   hp_lock DIR              take an exclusive flock on DIR/.lock (held until exit)
#   hp_tmpdir DIR NAME       make a fresh temporary dir DIR/.tmp.NAME.XXXXXX
#   hp_atomic_write FILE     copy stdin to FILE through a temp name in the same dir
#   hp_atomic_mv SRC DST     rename SRC into place as DST (replacing a directory DST)
#   hp_is_done DIR STAGE     true when DIR/.done/STAGE exists
#   hp_mark_done DIR STAGE   create DIR/.done/STAGE atomically
#   hp_check_compiler CONFIG refuse a compiler other than the one CONFIG was built with
#   hp_clean_stale DIR       remove DIR/.tmp.* left by interrupted runs (call under the lock)
#   hp_target_exec CMD...    run CMD with the target's toolchain: in its build root when it has
#                            one (HP_BUILDROOT, build/buildroot.sh), else on the host
#   hp_cache_refresh DIR F   mark the cache entry F of DIR used (its mtime, once a day)
#   hp_cache_prune DIR KEEP WHAT GLOB...
#                            remove DIR's entries matching a GLOB but KEEP, unused for 8 days
#
# Conventions: every cache write goes to a temporary name in the destination's own directory
# and is renamed into place; a stage is complete only when its .done stamp exists; stale
# temporaries are removed only while holding the lock, so a concurrent writer's are never
# touched.

HP_STAGE=${HP_STAGE:-setup}
HP_VERBOSE=${HP_VERBOSE:-0}
HP_TIMINGS=${HP_TIMINGS:-}

hp_log() {
	printf 'hotpatch: %s\n' "$*" >&2
}

hp_verbose() {
	if [[ $HP_VERBOSE == 1 ]]; then
		printf 'hotpatch: + %s\n' "$*" >&2
	fi
	return 0
}

hp_die() {
	printf 'hotpatch: %s: error: %s\n' "$HP_STAGE" "$*" >&2
	exit 1
}

# hp_trap_errors - report what set -e would otherwise end the script on without a word: a
# command that fails where nothing tests its status. Its message names the command and the
# line, through the same error path as hp_die (exit 1), so a caller that classifies our exit
# status (hotpatch-triage) sees a tool error, never a silent death by status 141. Only the
# main shell reports: a subshell's failure reaches it as the failure of the command that ran
# the subshell. Ctrl-C / TERM keep their own status.
hp_trap_errors() {
	HP_MAIN_PID=$BASHPID
	set -E
	trap 'hp_err_trap "$?" "$BASH_COMMAND" "${BASH_SOURCE[0]:-?}" "$LINENO"' ERR
}

# shellcheck disable=SC2317 # called from the ERR trap
hp_err_trap() {
	local rc=$1
	[[ $BASHPID == "${HP_MAIN_PID:-}" ]] || return 0
	trap - ERR
	case $rc in 130 | 143) exit "$rc" ;; esac
	hp_die "internal: \"$2\" failed (exit $rc) at ${3##*/}:$4; this is a bug in hotpatch, please report it with the log"
}

# hp_run CMD... - run a command, turning its failure into a message naming the stage.
hp_run() {
	hp_verbose "$*"
	"$@" || hp_die "command failed (exit $?): $*"
}

# hp_now - seconds since the epoch with milliseconds (bash 5 EPOCHREALTIME).
hp_now() {
	local t=${EPOCHREALTIME:-}
	if [[ -z $t ]]; then
		t=$(date +%s.%N)
	fi
	printf '%s\n' "${t/,/.}"
}

# hp_time VAR - hp_now into VAR, without the subshell of $(hp_now): a triage runs thousands.
hp_time() {
	if [[ -n ${EPOCHREALTIME:-} ]]; then
		printf -v "$1" '%s' "${EPOCHREALTIME/,/.}"
	else
		printf -v "$1" '%s' "$(date +%s.%N)"
	fi
}

# hp_usec VAR SECONDS - SECONDS ("S", "S.F", "-S.F", as hp_now prints) as whole microseconds.
# (The locals of these helpers are prefixed: VAR is the caller's name, which a local would hide.)
hp_usec() {
	local _hp_t=$2 _hp_s _hp_f='' _hp_sign=''
	[[ $_hp_t == -* ]] && _hp_sign=- _hp_t=${_hp_t#-}
	_hp_s=${_hp_t%%.*}
	[[ $_hp_t == *.* ]] && _hp_f=${_hp_t#*.}
	_hp_f=${_hp_f}000000
	printf -v "$1" '%s%d' "$_hp_sign" $((10#${_hp_s:-0} * 1000000 + 10#${_hp_f:0:6}))
}

# hp_secs VAR USEC DIGITS - USEC microseconds as seconds with DIGITS (0-6) decimals, rounded
# half away from zero: awk's printf "%.Nf" without an awk process per stage and candidate.
hp_secs() {
	local _hp_us=$2 _hp_d=$3 _hp_q=1 _hp_p=1 _hp_i _hp_r _hp_sign=''
	((_hp_us < 0)) && _hp_sign=- _hp_us=$((-_hp_us))
	for ((_hp_i = _hp_d; _hp_i < 6; _hp_i++)); do
		_hp_q=$((_hp_q * 10))
	done
	for ((_hp_i = 0; _hp_i < _hp_d; _hp_i++)); do
		_hp_p=$((_hp_p * 10))
	done
	_hp_r=$(((_hp_us + _hp_q / 2) / _hp_q))
	if ((_hp_d)); then
		printf -v "$1" '%s%d.%0*d' "$_hp_sign" $((_hp_r / _hp_p)) "$_hp_d" $((_hp_r % _hp_p))
	else
		printf -v "$1" '%s%d' "$_hp_sign" "$_hp_r"
	fi
}

# hp_elapsed VAR T0 DIGITS - the seconds from T0 (hp_now) to now, with DIGITS decimals.
hp_elapsed() {
	local _hp_t1 _hp_a _hp_b
	hp_time _hp_t1
	hp_usec _hp_a "$2"
	hp_usec _hp_b "$_hp_t1"
	hp_secs "$1" $((_hp_b - _hp_a)) "$3"
}

hp_stage_begin() {
	HP_STAGE=$1
	hp_time HP_STAGE_T0
	# shellcheck disable=SC2034 # read by hotpatch-build's exit trap
	HP_STAGE_OPEN=1
}

# hp_stage_end [NOTE] - one line per stage: name, seconds, optional note (e.g. "cached").
hp_stage_end() {
	local note=${1:-} secs
	hp_elapsed secs "$HP_STAGE_T0" 1
	printf 'hotpatch: stage %-10s %6ss%s\n' "$HP_STAGE" "$secs" "${note:+  $note}" >&2
	HP_TIMINGS+="${HP_TIMINGS:+ }$HP_STAGE=$secs"
	# shellcheck disable=SC2034 # read by hotpatch-build's exit trap
	HP_STAGE_OPEN=''
}

# hp_lock DIR - exclusive lock on DIR/.lock, held by this shell until it exits.
# The descriptor is kept in HP_LOCK_FD; taking the same lock twice is a no-op.
hp_lock() {
	local dir=$1
	if [[ ${HP_LOCKED_DIR:-} == "$dir" ]]; then
		return 0
	fi
	mkdir -p "$dir" || hp_die "cannot create $dir"
	exec {HP_LOCK_FD}>>"$dir/.lock" || hp_die "cannot open $dir/.lock"
	if ! flock -n "$HP_LOCK_FD"; then
		hp_log "waiting for another hotpatch run holding $dir/.lock"
		flock "$HP_LOCK_FD" || hp_die "cannot lock $dir/.lock"
	fi
	HP_LOCKED_DIR=$dir
}

hp_unlock() {
	if [[ -n ${HP_LOCKED_DIR:-} ]]; then
		exec {HP_LOCK_FD}>&-
		HP_LOCKED_DIR=
	fi
}

# hp_tmpdir DIR NAME - print the path of a new empty temporary dir inside DIR.
hp_tmpdir() {
	local d
	d=$(mktemp -d "$1/.tmp.$2.XXXXXX") || hp_die "cannot create a temporary directory in $1"
	chmod 755 "$d"
	printf '%s\n' "$d"
}

# hp_atomic_write FILE - write stdin to FILE via a temporary file in FILE's directory.
hp_atomic_write() {
	local dst=$1 tmp dir=.
	[[ $dst == */* ]] && dir=${dst%/*}
	tmp=$(mktemp "${dir:-/}/.tmp.${dst##*/}.XXXXXX") ||
		hp_die "cannot create a temporary file next to $dst"
	chmod 644 "$tmp"
	if ! cat >"$tmp"; then
		rm -f "$tmp"
		hp_die "cannot write $dst"
	fi
	mv -f "$tmp" "$dst" || hp_die "cannot rename $tmp to $dst"
}

# hp_atomic_mv SRC DST - rename SRC to DST. A directory DST left without its stage stamp
# (never the case for a complete stage) is removed first.
hp_atomic_mv() {
	local src=$1 dst=$2
	if [[ -d $dst && ! -L $dst ]]; then
		rm -rf "$dst" || hp_die "cannot remove stale $dst"
	fi
	mv -T "$src" "$dst" || hp_die "cannot rename $src to $dst"
}

hp_is_done() {
	[[ -e $1/.done/$2 ]]
}

hp_mark_done() {
	mkdir -p "$1/.done" || hp_die "cannot create $1/.done"
	printf '%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" | hp_atomic_write "$1/.done/$2"
}

# hp_check_compiler CONFIG - refuse unless the compiler ($HP_CC, default gcc-12) reports exactly
# the CONFIG_CC_VERSION_TEXT of the kernel configuration CONFIG: objects from another compiler
# version do not match the running kernel's code. The compiler is asked once per run (one entry
# into the build root, not one per check); every CONFIG is compared with its answer.
hp_check_compiler() {
	local config=$1 cc=${HP_CC:-gcc-12} want have out rc=0 known
	# each configuration is read once per process (a build asks about the tree's and the
	# headers' twice each): HP_CC_WANT_OF holds "CONFIG<TAB>TEXT" lines, also exported by
	# hotpatch-triage for every candidate's build
	known=$'\n'${HP_CC_WANT_OF:-}
	if [[ $known == *$'\n'"$config"$'\t'* ]]; then
		want=${known#*$'\n'"$config"$'\t'}
		want=${want%%$'\n'*}
	else
		want=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$config" 2>/dev/null)
		[[ -z $want ]] || HP_CC_WANT_OF+=$config$'\t'$want$'\n'
	fi
	[[ -n $want ]] || hp_die "$config names no CONFIG_CC_VERSION_TEXT: cannot tell which compiler built the target"
	if [[ ${HP_CC_ASKED:-} != "$cc${HP_BUILDROOT:+ in $HP_BUILDROOT}"$'\t'* ]]; then
		# shellcheck disable=SC2016 # the inner shell expands $1
		out=$(hp_target_exec sh -c 'command -v "$1" >/dev/null || exit 127; exec "$1" --version' _ "$cc") || rc=$?
		((rc != 127)) ||
			hp_die "compiler $cc not found${HP_BUILDROOT:+ in $HP_BUILDROOT}; the release was built with '$want' (${HP_BUILDROOT:+rerun hotpatch-build --setup -k $HP_RELEASE to remake the build root}${HP_BUILDROOT:-install gcc-12})"
		((rc == 0)) || hp_die "$cc --version failed (exit $rc)${HP_BUILDROOT:+ in $HP_BUILDROOT}"
		HP_CC_ASKED="$cc${HP_BUILDROOT:+ in $HP_BUILDROOT}"$'\t'${out%%$'\n'*}
	fi
	have=${HP_CC_ASKED#*$'\t'}
	if [[ $want != "$have" ]]; then
		hp_die "compiler mismatch: the release was built with '$want' but $cc is '$have'; install that exact compiler (Debian 12's gcc-12) or choose a release built with yours"
	fi
}

# hp_clean_stale DIR - remove temporaries of interrupted runs. Only call while holding DIR's lock.
hp_clean_stale() {
	local dir=$1 f
	for f in "$dir"/.tmp.* "$dir"/debs/.tmp.* "$dir"/.done/.tmp.*; do
		if [[ -e $f || -L $f ]]; then
			hp_verbose "removing stale $f"
			rm -rf "$f"
		fi
	done
}

hp_target_exec() {
	if [[ -n ${HP_BUILDROOT:-} ]]; then
		buildroot_exec "$@"
	else
		"$@"
	fi
}

# Caches of compiled objects keyed by everything they depend on (build/module.sh's init code):
# every change of a key is a new entry, so the entries nobody uses any more are pruned, and a
# use keeps an entry. A cache may be shared by checkouts of different versions, each with its
# own keys, so age alone would thrash. A use refreshes the entry's mtime when it is older than
# HP_CACHE_REFRESH_MIN (a day: one touch a day, not one per use); a writer removes the other
# entries whose mtime is older than HP_CACHE_KEEP_MIN (8 days), so any entry used in the last 7
# days stays. The refresh takes DIR/.lock shared: a writer pruning under it either sees the new
# mtime or has removed the entry, which the reader then makes again; an entry refreshed less
# than a day ago is a week from pruning, so a reader that took no lock is safe too.
HP_CACHE_REFRESH_MIN=1440
HP_CACHE_KEEP_MIN=$((8 * 1440))

# hp_cache_refresh DIR ENTRY... - mark each ENTRY used, under DIR/.lock shared. A cache this
# user cannot write is left as it is: nobody prunes it on our behalf.
hp_cache_refresh() {
	local dir=$1 fd stale='' f
	shift
	if [[ -n ${HP_CACHE_REFRESH_REF:-} && -f $HP_CACHE_REFRESH_REF ]]; then
		for f; do
			[[ ! -e $f || ! $f -ot $HP_CACHE_REFRESH_REF ]] || stale=1
		done
	else
		stale=$(find "$@" -maxdepth 0 -mmin +"$HP_CACHE_REFRESH_MIN" 2>/dev/null) || return 0
	fi
	[[ -n $stale ]] || return 0
	[[ -r $dir/.lock ]] || return 0
	exec {fd}<"$dir/.lock" || return 0
	if flock -s "$fd"; then
		touch -c "$@" 2>/dev/null || true
	fi
	exec {fd}>&-
}

# hp_cache_refresh_ref DIR - HP_CACHE_REFRESH_REF: a file in DIR (a run's scratch directory)
# whose mtime is HP_CACHE_REFRESH_MIN ago, exported, so that hp_cache_refresh tells a stale
# entry by comparing mtimes in bash, not by a find per use (a header's map and filter read two
# entries per TU: amdgpu.h has 345 TUs).
hp_cache_refresh_ref() {
	HP_CACHE_REFRESH_REF=$1/.cache-refresh-ref
	touch -d "@$((EPOCHSECONDS - HP_CACHE_REFRESH_MIN * 60))" "$HP_CACHE_REFRESH_REF" 2>/dev/null ||
		HP_CACHE_REFRESH_REF=''
	export HP_CACHE_REFRESH_REF
}

# hp_cache_prune DIR KEEP WHAT GLOB... - remove the entries of DIR matching a GLOB, but KEEP,
# not used for HP_CACHE_KEEP_MIN minutes (under DIR/.lock, held exclusively). WHAT names an
# entry in the verbose message.
hp_cache_prune() {
	local dir=$1 keep=$2 what=$3 old g
	local -a names=()
	shift 3
	for g in "$@"; do
		names+=(${names[0]+-o} -name "$g")
	done
	while IFS= read -r -d '' old; do
		[[ $old == "$keep" ]] && continue
		hp_verbose "removing $old: $what not used for $((HP_CACHE_KEEP_MIN / 1440)) days"
		rm -f "$old"
	done < <(find "$dir" -maxdepth 1 -type f \( "${names[@]}" \) -mmin +"$HP_CACHE_KEEP_MIN" -print0)
}

# hp_code_id - a hash of the code this run executes (the scripts, templates, the module
# skeleton and the programs under HP_LIBDIR, by path and content), for keys of results that
# outlive a run: VERSION alone says nothing of a checkout's uncommitted or rebuilt code, so a
# result of other code must not pass for this code's.
hp_code_id() {
	local lib=${HP_LIBDIR:?hp_code_id: HP_LIBDIR is not set} id
	id=$(cd "$lib" && {
		printf '%s\n' ./*.sh ./VERSION
		find -L ./build ./templates ./kmod-skel ./out/bin -type f 2>/dev/null
	} | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum) || return 1
	printf '%s\n' "${id:0:16}"
}
