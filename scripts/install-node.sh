#!/usr/bin/env bash
# Installs Node.js when it is missing and the npm packages of every
# package-lock.json in the repository (npm ci: exactly the locked versions),
# for the tests that run independent JavaScript verifiers (audit/jsverifier).
# Run by `make test`; needs root to install Node.js (CI and dev machines are root).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "no Node.js and no apt-get: install Node.js >= 20.19 with npm and put them on PATH" >&2
		exit 1
	fi
	SUDO=""
	if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
	echo "installing nodejs and npm (Debian packages)..."
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "node: $(node --version), npm: $(npm --version)"
# @noble/curves 2.x is ESM-only and asks for Node.js >= 20.19.
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
	echo "warning: Node.js $(node --version) is older than 20.19, which @noble/curves 2.x asks for" >&2
fi
find . -name package-lock.json -not -path '*/node_modules/*' -print0 | sort -z | while IFS= read -r -d '' lock; do
	dir=$(dirname "$lock")
	echo "npm ci in $dir"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done
