#!/usr/bin/env bash
# Install what driftmap needs to build, test and run its demo on Debian 12.
# Idempotent: installs only what is missing (apt-get update first when it must install).
set -euo pipefail

PKGS=(build-essential cmake pkg-config git ca-certificates
      libgit2-dev libjansson-dev libcurl4-openssl-dev libxml2-dev libssl-dev zlib1g-dev
      libgraphviz-dev graphviz libsqlite3-dev libpq-dev libyaml-dev libcmocka-dev
      postgresql postgresql-contrib chromium python3 procps time)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

# Node.js and npm (for the SARIF validator and the headless-browser test): some images ship
# NodeSource's nodejs, which bundles npm and conflicts with Debian's npm package, so install
# them only when the commands are missing.
if ! command -v node >/dev/null 2>&1; then
	missing+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
	missing+=(npm)
fi

if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}" >&2
	SUDO=""
	if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q
	$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "setup: system packages present" >&2
fi

# The AWS emulator (moto) and boto3 come with the machine image; PyPI is not reachable here.
if ! command -v moto_server >/dev/null 2>&1; then
	echo "setup: moto_server not found; trying pip (needs PyPI): pip install 'moto[server]' boto3" >&2
	python3 -m pip install --quiet 'moto[server]' boto3 || {
		echo "setup: could not install moto; emulator tests and the demo need it" >&2
		exit 1
	}
fi
