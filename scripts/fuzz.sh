#!/usr/bin/env bash
# Build the libFuzzer harnesses of tests/fuzz/ with clang and run each one.
#
# Usage: scripts/fuzz.sh [-t SECONDS] [-b] [-j JOBS] OUT_DIR [TARGET...]
#   -t SECONDS  run time per target (default 60; 0 = build only)
#   -b          build only (same as -t 0)
#   -j JOBS     libFuzzer -jobs/-workers per target (default 1)
#   TARGET      tfstate inventory jscan aws_xml aws_eks policy ignore posture_config
#               diff (default: all)
#
# OUT_DIR/lib       the library built by clang with ASan+UBSan and fuzzer coverage
# OUT_DIR/fuzz_X    one libFuzzer binary per target
# OUT_DIR/seeds/X   the seeds (fixtures/, ../shared/corpus/, fixtures/fuzz/X/)
# OUT_DIR/corpus/X  the growing corpus (kept between runs)
# tests/fuzz/X.dict  libFuzzer dictionary, when present
# OUT_DIR/crash/X   crash-*, timeout-*, oom-* inputs (minimise with -minimize_crash=1,
#                   then keep the reproducer as fixtures/fuzz/X/<name>)
#
# Limits: -timeout=10 (a hang is a bug), -rss_limit_mb=2048 (so is unbounded memory).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${DM_SHARED_DIR:-"$root/../shared"}
secs=60
jobs=1
while getopts "t:bj:" opt; do
	case $opt in
	t) secs=$OPTARG ;;
	b) secs=0 ;;
	j) jobs=$OPTARG ;;
	*) sed -n '2,20p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,20p' "$0"; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
shift
targets=${*:-"tfstate inventory jscan aws_xml aws_eks policy ignore posture_config diff"}
cc=${CC_FUZZ:-clang}

# 1. the library: clang, ASan+UBSan (DM_SANITIZE), coverage for libFuzzer
cmake -S "$root" -B "$out/lib" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER="$cc" \
	-DDM_SANITIZE=ON -DDM_BUILD_TESTS=OFF \
	-DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link -O1 -gline-tables-only" >/dev/null
cmake --build "$out/lib" --target driftmap_static -j2 >/dev/null

# 2. the harnesses
libs=$(pkg-config --libs libgit2 jansson libcurl libxml-2.0 libcgraph libgvc openssl zlib sqlite3 libpq yaml-0.1)
cflags=$(pkg-config --cflags jansson libxml-2.0 libcurl yaml-0.1)
for t in $targets; do
	# shellcheck disable=SC2086
	"$cc" -std=c11 -g -O1 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Wall -Wextra -Werror -Wno-unused-parameter \
		-I"$root/include" -I"$root/scanner" -I"$root" $cflags \
		"$root/tests/fuzz/fuzz_$t.c" "$out/lib/libdriftmap.a" $libs -lm -ldl -lpthread \
		-o "$out/fuzz_$t"
done
[ "$secs" -gt 0 ] || exit 0

# 3. seeds
seeds_for() {
	case $1 in
	tfstate) ls "$root"/fixtures/states/*.tfstate "$shared"/corpus/*.tfstate 2>/dev/null ;;
	inventory) ls "$root"/fixtures/estates/*.json "$root"/fixtures/posture/estate.json ;;
	jscan) ls "$root"/fixtures/states/*.tfstate "$root"/fixtures/aws/responses/*.json \
		"$root"/fixtures/estates/*.json ;;
	aws_xml) ls "$root"/fixtures/aws/responses/*.xml "$root"/fixtures/aws/responses/*.html ;;
	aws_eks) ls "$root"/fixtures/aws/responses/*.json ;;
	diff) ls "$root"/fixtures/estates/*.json "$root"/fixtures/posture/estate.json \
		"$root"/fixtures/states/*.tfstate ;;
	*) ;;
	esac
	[ -d "$root/fixtures/fuzz/$1" ] && find "$root/fixtures/fuzz/$1" -type f
	return 0
}
maxlen_for() {
	case $1 in
	tfstate | inventory | jscan | diff) echo 32768 ;;
	*) echo 65536 ;;
	esac
}

# 4. run (fuzz_diff reads its fixed counterparts from fixtures/estates/)
export DM_FIXTURES_DIR="$root/fixtures"
status=0
par=""
[ "$jobs" -gt 1 ] && par="-jobs=$jobs -workers=$jobs"
for t in $targets; do
	mkdir -p "$out/seeds/$t" "$out/corpus/$t" "$out/crash/$t"
	seeds_for "$t" | while read -r f; do cp -f "$f" "$out/seeds/$t/"; done
	echo "== fuzz_$t: ${secs}s" >&2
	dict=""
	[ -f "$root/tests/fuzz/$t.dict" ] && dict="-dict=$root/tests/fuzz/$t.dict"
	# shellcheck disable=SC2086
	if ! "$out/fuzz_$t" $dict -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$(maxlen_for "$t")" -print_final_stats=1 \
		$par \
		-artifact_prefix="$out/crash/$t/" "$out/corpus/$t" "$out/seeds/$t" \
		>"$out/fuzz_$t.log" 2>&1; then
		echo "fuzz_$t: FAILED (see $out/fuzz_$t.log and $out/crash/$t/)" >&2
		status=1
	fi
	grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$out/fuzz_$t.log" >&2 || true
done
exit $status
