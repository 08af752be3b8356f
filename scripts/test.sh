#!/usr/bin/env bash
# The test command: set up, build (normal and ASan+UBSan) and run every test in both builds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (normal)"
bash scripts/build.sh "$root/build"
echo "== build (ASan+UBSan)"
bash scripts/build.sh "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DDM_SANITIZE=ON

# The setup installs PostgreSQL: its tests must run, not skip.
export DM_REQUIRE_PG=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions="$root/tests/lsan.supp"

echo "== tests (normal)"
ctest --test-dir "$root/build" --output-on-failure -j"$jobs"
echo "== tests (ASan+UBSan)"
ctest --test-dir "$root/build-asan" --output-on-failure -j"$jobs"
echo "== all tests passed"
