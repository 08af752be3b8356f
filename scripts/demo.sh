#!/usr/bin/env bash
# The demo command: set up, build, and run driftmap's main job on a built-in demo.
# Starts the AWS emulator on loopback, seeds an estate, commits its Terraform state to a local
# git repository, makes console-style changes, scans, and writes reports and diagrams into
# demo-output/ (or the folder given as $1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh "$root/build" -DDM_BUILD_TESTS=OFF
out=${1:-"$root/demo-output"}
python3 scripts/demo.py "$root/build/driftmap" "$out"
