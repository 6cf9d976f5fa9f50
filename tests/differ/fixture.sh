# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# tests/differ/fixture.sh - build one tests/differ/cases/<name>/ fixture pair: sourced by
# test-differ-cases.sh and bench/differ-same.sh, so both see the same objects.
#
#   fixture_compile CASEDIR WORKDIR CFLAGS      WORKDIR/orig.o and WORKDIR/patched.o
#   fixture_index MKINDEX CASEDIR WORKDIR OBJECT CU
#                                               WORKDIR/index: every defined function/object of
#                                               orig.o in OBJECT (this CU), every undefined
#                                               symbol exported by vmlinux, the layouts of
#                                               tests/differ/layouts, plus CASEDIR/index
# MKINDEX is tests/differ/mkindex.c built against out/lib.

CC=${CC:-gcc-12}
FIXTURE_LAYOUTS=$(dirname "${BASH_SOURCE[0]}")/layouts
CFLAGS_FIX="-O2 -g0 -ffunction-sections -fdata-sections -pg -mfentry -mrecord-mcount -fno-pie \
-mcmodel=kernel -mno-red-zone -fno-asynchronous-unwind-tables -fno-stack-protector \
-fno-jump-tables -fno-strict-aliasing -nostdinc -w"

fixture_compile() {
	local cdir=$1 w=$2 cflags=$3 name
	name=$(basename "$cdir")
	# both sides compile as $name.c, so __FILE__ is the same as in a kernel build
	mkdir -p "$w/orig" "$w/patched"
	cp "$cdir/orig.c" "$w/orig/$name.c"
	cp "$cdir/patched.c" "$w/patched/$name.c"
	# shellcheck disable=SC2086
	(cd "$w/orig" && $CC $CFLAGS_FIX $cflags -c "$name.c" -o ../orig.o) &&
		(cd "$w/patched" && $CC $CFLAGS_FIX $cflags -c "$name.c" -o ../patched.o)
}

fixture_index() {
	local mkindex=$1 cdir=$2 w=$3 object=$4 cu=$5 extra=/dev/null
	[[ -f $cdir/index ]] && extra=$cdir/index
	{
		readelf -sW "$w/orig.o" | awk -v obj="$object" -v cu="$cu" '
			$1 ~ /:$/ && ($4 == "FUNC" || $4 == "OBJECT") && $7 != "UND" && NF >= 8 {
				print obj, $8, 0, $4, $5, 0, cu }'
		readelf -sW "$w/orig.o" "$w/patched.o" | awk '
			$1 ~ /:$/ && $7 == "UND" && NF >= 8 { print "vmlinux", $8, 0, "FUNC", "GLOBAL", 1, "-" }'
		# the target's special-section entry layouts (a case's index may override one)
		grep -v '^#' "$FIXTURE_LAYOUTS"
	} >"$w/index.gen"
	awk -v extra="$extra" '
		BEGIN { while ((getline l < extra) > 0) if (l !~ /^#/) { split(l, f, " "); mine[f[2]] = 1 } }
		!($2 in mine) && !dup[$1 " " $2]++' "$w/index.gen" >"$w/index.txt"
	grep -v '^#' "$extra" >>"$w/index.txt"
	"$mkindex" "$w/index" <"$w/index.txt"
}
