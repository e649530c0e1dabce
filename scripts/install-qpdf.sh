#!/usr/bin/env bash
# Installs Debian's qpdf for the tests that check the title certificate
# as PDF/A-3 with another program (qpdf --check, its JSON view of the
# objects, qpdf --show-attachment), when it is missing. Run by
# `make test`; needs root (or sudo).
set -euo pipefail
if command -v qpdf >/dev/null 2>&1; then
	qpdf --version | sed -n 1p # not head: see install-poppler.sh
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "no qpdf and no apt-get: install qpdf and put it on PATH" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
echo "installing qpdf (Debian package)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends qpdf >/dev/null
qpdf --version | sed -n 1p # not head: see install-poppler.sh
