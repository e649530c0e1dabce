#!/usr/bin/env bash
# Installs Debian's Chromium for the portal's browser tests when it is
# missing. Run by `make test`; needs root (CI and the dev machines are root).
set -euo pipefail
for b in chromium chromium-browser google-chrome; do
	if command -v "$b" >/dev/null 2>&1; then
		echo "browser: $("$b" --version 2>/dev/null || echo "$b")"
		exit 0
	fi
done
if ! command -v apt-get >/dev/null 2>&1; then
	echo "no Chromium and no apt-get: install Chromium and put it on PATH (or set PUBLICA_CHROMIUM)" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
echo "installing chromium (Debian package)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
chromium --version
