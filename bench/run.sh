#!/bin/bash
# bench/run.sh - treqs against its floors, measured in the same run.
#
#   bench/run.sh [-n N] [--seed S] [--runs R] [--dir DIR] [--callgrind] [--perf]
#
# Builds a corpus of N TRs (default 10000) with bench/gen_trs.py, as a flat
# directory of files and as a git repository (main, archive, treqs/ branches),
# then measures, alternating the two sides of each pair, best of R runs
# (default 5):
#   (a) treqs validate DIR          vs  bench_yaml_floor DIR  (libyaml events only)
#   (b) treqs list --json (in repo) vs  git ls-tree -r main .treqs/{requests,archive}
#                                       + git for-each-ref refs/heads/treqs/
#                                       | git cat-file --batch   (the same blobs)
#   (c) peak RSS of each (GNU time's %M; Debian package 'time')
# and prints a table with the ratios and PASS/MISS against the targets
# (validate <= 2x floor, list <= 3x floor, peak RSS < 64 MiB).  Informational:
# exits 0 whatever the figures (non-zero only when something failed to run).
#
# --callgrind  also counts instructions (valgrind --tool=callgrind, one run
#              of each side; wall time on a 2-core machine is noisy).  The
#              callgrind.out files are kept in DIR/profile/ for
#              callgrind_annotate.
# --perf       also records `perf record -g` of both treqs commands into
#              DIR/profile/ and prints the top of `perf report`.
# --dir DIR    keep the corpus and profiles in DIR (reused by later runs
#              with the same -n, --seed, gen_trs.py and treqs binary);
#              default: a temporary directory, removed at exit.
#
# Binaries: $TREQS (default build/release/treqs of this tree) and
# $BENCH_YAML_FLOOR (default bench_yaml_floor next to $TREQS; CMake builds
# every bench/*.c as bench_<name>).  For example:
#   cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release && cmake --build build/release
#   bench/run.sh
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
N=10000 SEED=42 RUNS=5 DIR= CALLGRIND=0 PERF=0 TEMPDIR=0
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	--seed) SEED=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--dir) DIR=$2; shift 2 ;;
	--callgrind) CALLGRIND=1; shift ;;
	--perf) PERF=1; shift ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done

TREQS=${TREQS:-$SRC/build/release/treqs}
FLOOR=${BENCH_YAML_FLOOR:-$(dirname "$TREQS")/bench_yaml_floor}
for b in "$TREQS" "$FLOOR"; do
	if [ ! -x "$b" ]; then
		echo "run.sh: $b is not built; build with" >&2
		echo "  cmake -S $SRC -B $SRC/build/release -DCMAKE_BUILD_TYPE=Release && cmake --build $SRC/build/release" >&2
		echo "or set TREQS (and BENCH_YAML_FLOOR) to the binaries" >&2
		exit 3
	fi
done
TREQS=$(cd "$(dirname "$TREQS")" && pwd)/$(basename "$TREQS")
FLOOR=$(cd "$(dirname "$FLOOR")" && pwd)/$(basename "$FLOOR")

if [ -z "$DIR" ]; then
	DIR=$(mktemp -d "${TMPDIR:-/tmp}/treqs-bench.XXXXXX")
	trap 'rm -rf "$DIR"' EXIT
	TEMPDIR=1
fi
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
CORPUS=$DIR/requests REPO=$DIR/repo PROF=$DIR/profile

# Keep the user's git configuration and environment out of the measurements.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=$DIR LC_ALL=C

# ---- the corpus
params="n=$N seed=$SEED gen=$(cksum < "$SRC/bench/gen_trs.py") treqs=$(cksum < "$TREQS")"
if [ -f "$DIR/params" ] && [ "$(cat "$DIR/params")" = "$params" ] && [ -d "$REPO/.git" ]; then
	echo "corpus: reusing $DIR" >&2
else
	rm -rf "$CORPUS" "$REPO" "$DIR/params"
	t0=$EPOCHREALTIME
	python3 "$SRC/bench/gen_trs.py" all --treqs "$TREQS" -n "$N" --seed "$SEED" "$DIR"
	echo "corpus: generated in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s in $DIR" >&2
	echo "$params" > "$DIR/params"
fi
bytes=$(cat "$CORPUS"/*.yaml | wc -c)

# ---- the commands measured
# (a) validate, from inside the repository so that the price catalog of
#     main's config.yaml is used (cost cross-checks run), as in real use.
run_validate() { (cd "$REPO" && "$TREQS" validate "$CORPUS") >/dev/null 2>&1; }
run_yfloor() { "$FLOOR" "$CORPUS" >/dev/null 2>&1; }
# (b) list: the blobs treqs list reads are main's .treqs/requests/*.yaml,
#     .treqs/archive/*/request.yaml and each treqs/ branch's own file.
blob_names() {
	git -C "$REPO" ls-tree -r main -- .treqs/requests .treqs/archive |
		awk -F'\t' '$2 ~ /^\.treqs\/(requests\/[^\/]*\.yaml|archive\/[^\/]*\/request\.yaml)$/ { split($1, a, " "); print a[3] }'
	git -C "$REPO" for-each-ref --format='%(objectname):.treqs/requests/%(refname:lstrip=3).yaml' refs/heads/treqs/
}
run_list() { (cd "$REPO" && "$TREQS" list --json) >/dev/null; }
run_gfloor() { blob_names | git -C "$REPO" cat-file --batch >/dev/null; }

# ---- sanity (also warms the page cache)
out=$(cd "$REPO" && "$TREQS" validate "$CORPUS" 2>/dev/null) || { echo "run.sh: treqs validate failed: $out" >&2; exit 1; }
echo "validate: $out" >&2
out=$("$FLOOR" "$CORPUS") || { echo "run.sh: bench_yaml_floor failed: $out" >&2; exit 1; }
echo "floor:    $out" >&2
nlist=$(cd "$REPO" && "$TREQS" list --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
blob_names | git -C "$REPO" cat-file --batch-check='%(objectname)' | sort -u > "$DIR/floor-blobs"
nblobs=$(wc -l < "$DIR/floor-blobs")
echo "list:     $nlist TRs; floor: $nblobs blobs" >&2
if [ "$nlist" != "$N" ] || ! sort -u "$REPO/.git/bench-blobs" | cmp -s - "$DIR/floor-blobs"; then
	echo "run.sh: expected $N TRs from treqs list and the floor to read exactly the $N TR blobs" >&2
	exit 1
fi

# ---- wall time: alternate the sides, keep every sample
now() { echo "${EPOCHREALTIME/[,]/.}"; }
declare -A S
sample() { # name function
	local t0 t1
	t0=$(now)
	"$2"
	t1=$(now)
	S[$1]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }') "
}
for ((i = 0; i < RUNS; i++)); do
	sample validate run_validate
	sample yfloor run_yfloor
	sample list run_list
	sample gfloor run_gfloor
done
best() { printf '%s\n' ${S[$1]} | sort -g | head -1; }
median() { printf '%s\n' ${S[$1]} | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---- peak RSS (KiB), with GNU time.  (A wrapper forked from python or a
# shell would report its own pre-exec size: Linux keeps the high-water mark
# across exec.)
if /usr/bin/time -f %M true >/dev/null 2>&1; then
	rss() { # command... ; prints the peak RSS of the command in KiB
		local f
		f=$(mktemp)
		/usr/bin/time -f %M -o "$f" "$@" >/dev/null 2>&1 || true
		tail -1 "$f"
		rm -f "$f"
	}
else
	echo "run.sh: no GNU time (/usr/bin/time -f %M); peak RSS not measured (apt-get install time)" >&2
	rss() { echo 0; }
fi
rss_validate=$(cd "$REPO" && rss "$TREQS" validate "$CORPUS")
rss_yfloor=$(rss "$FLOOR" "$CORPUS")
rss_list=$(cd "$REPO" && rss "$TREQS" list --json)
blob_names > "$DIR/blob-names"
rss_catfile=$(rss git -C "$REPO" cat-file --batch < "$DIR/blob-names")
rss_lstree=$(rss git -C "$REPO" ls-tree -r main -- .treqs/requests .treqs/archive)

# ---- instruction counts
ir() { # callgrind-out-prefix command... ; prints total Ir
	local pfx=$1
	shift
	valgrind --tool=callgrind --callgrind-out-file="$pfx.%p" "$@" >/dev/null 2>&1 || true
	cat "$pfx".* | awk '/^summary:/ { s += $2 } END { print s + 0 }'
}
if [ $CALLGRIND = 1 ]; then
	command -v valgrind >/dev/null || { echo "run.sh: --callgrind needs valgrind" >&2; exit 3; }
	rm -rf "$PROF"/callgrind.*
	mkdir -p "$PROF"
	echo "callgrind: counting instructions (a few minutes)..." >&2
	ir_validate=$(cd "$REPO" && ir "$PROF/callgrind.validate" "$TREQS" validate "$CORPUS")
	ir_yfloor=$(ir "$PROF/callgrind.yfloor" "$FLOOR" "$CORPUS")
	ir_list=$(cd "$REPO" && ir "$PROF/callgrind.list" "$TREQS" list --json)
	# the floor's git processes (awk and sh are not counted)
	valgrind --tool=callgrind --callgrind-out-file="$PROF/callgrind.gfloor.lstree.%p" \
		git -C "$REPO" ls-tree -r main -- .treqs/requests .treqs/archive >/dev/null 2>&1
	valgrind --tool=callgrind --callgrind-out-file="$PROF/callgrind.gfloor.refs.%p" \
		git -C "$REPO" for-each-ref --format='%(objectname):.treqs/requests/%(refname:lstrip=3).yaml' \
		refs/heads/treqs/ >/dev/null 2>&1
	(cd "$REPO" && valgrind --tool=callgrind --callgrind-out-file="$PROF/callgrind.gfloor.catfile.%p" \
		git cat-file --batch < "$DIR/blob-names" >/dev/null 2>&1)
	ir_gfloor=$(cat "$PROF"/callgrind.gfloor.* | awk '/^summary:/ { s += $2 } END { print s + 0 }')
fi

if [ $PERF = 1 ]; then
	command -v perf >/dev/null || { echo "run.sh: --perf needs perf" >&2; exit 3; }
	mkdir -p "$PROF"
	(cd "$REPO" && perf record -q -g -o "$PROF/perf.validate.data" "$TREQS" validate "$CORPUS" >/dev/null 2>&1) || true
	(cd "$REPO" && perf record -q -g -o "$PROF/perf.list.data" "$TREQS" list --json >/dev/null 2>&1) || true
fi

# ---- report
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r + 0 <= t + 0) ? "PASS" : "MISS" }'; }

bv=$(best validate) by=$(best yfloor) bl=$(best list) bg=$(best gfloor)
rv=$(ratio "$bv" "$by") rl=$(ratio "$bl" "$bg")
echo
echo "treqs bench: $N TRs ($(mib $((bytes / 1024))) MiB of YAML), seed $SEED, best of $RUNS (median in brackets)"
echo "treqs: $TREQS"
echo
printf '%-34s %18s %18s %8s %8s  %s\n' "" "treqs" "floor" "ratio" "target" "result"
printf '%-34s %8.3f [%7.3f] %8.3f [%7.3f] %7sx %8s  %s\n' "(a) validate DIR vs libyaml, s" \
	"$bv" "$(median validate)" "$by" "$(median yfloor)" "$rv" "<= 2x" "$(verdict "$rv" 2)"
printf '%-34s %8.3f [%7.3f] %8.3f [%7.3f] %7sx %8s  %s\n' "(b) list --json vs cat-file, s" \
	"$bl" "$(median list)" "$bg" "$(median gfloor)" "$rl" "<= 3x" "$(verdict "$rl" 3)"
if [ $CALLGRIND = 1 ]; then
	ri=$(ratio "$ir_validate" "$ir_yfloor") rj=$(ratio "$ir_list" "$ir_gfloor")
	printf '%-34s %18s %18s %7sx %8s  %s\n' "(a) validate, instructions (Ir)" \
		"$(awk -v v="$ir_validate" 'BEGIN { printf "%.0fM", v / 1e6 }')" \
		"$(awk -v v="$ir_yfloor" 'BEGIN { printf "%.0fM", v / 1e6 }')" "$ri" "<= 2x" "$(verdict "$ri" 2)"
	printf '%-34s %18s %18s %7sx %8s  %s\n' "(b) list, instructions (Ir)" \
		"$(awk -v v="$ir_list" 'BEGIN { printf "%.0fM", v / 1e6 }')" \
		"$(awk -v v="$ir_gfloor" 'BEGIN { printf "%.0fM", v / 1e6 }')" "$rj" "<= 3x" "$(verdict "$rj" 3)"
fi
lim=$((64 * 1024))
memv() { if [ "$1" = 0 ]; then echo "n/a"; elif [ "$1" -lt $lim ]; then echo PASS; else echo MISS; fi; }
printf '%-34s %18s %18s %8s %8s  %s\n' "(c) peak RSS validate, MiB" "$(mib "$rss_validate")" "$(mib "$rss_yfloor")" "" "< 64" \
	"$(memv "$rss_validate")"
printf '%-34s %18s %18s %8s %8s  %s\n' "(c) peak RSS list --json, MiB" "$(mib "$rss_list")" \
	"$(mib "$rss_catfile")+$(mib "$rss_lstree")" "" "< 64" "$(memv "$rss_list")"
echo
echo "samples (s): validate ${S[validate]}| floor ${S[yfloor]}"
echo "             list ${S[list]}| floor ${S[gfloor]}"
echo "floor RSS for list = git cat-file --batch + git ls-tree -r, run separately"
if [ $CALLGRIND = 1 ]; then
	if [ $TEMPDIR = 1 ]; then
		echo "callgrind profiles: removed with the temporary directory (use --dir DIR to keep them)"
	else
		echo "callgrind profiles: $PROF/callgrind.* (callgrind_annotate --inclusive=yes FILE | head -40)"
	fi
fi
if [ $PERF = 1 ]; then
	for w in validate list; do
		echo
		echo "perf, treqs $w, self time by library:"
		perf report -i "$PROF/perf.$w.data" --no-children --sort dso --stdio 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -8 || true
		echo "perf, treqs $w, self time by function (top 15):"
		perf report -i "$PROF/perf.$w.data" --no-children --stdio --percent-limit 1 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -15 || true
	done
fi
exit 0
