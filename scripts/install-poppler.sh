#!/usr/bin/env bash
# Installs Debian's poppler-utils (pdftotext) for the test that reads the
# title certificate PDF with another program's text extraction, when it is
# missing. Run by `make test`; needs root (or sudo).
set -euo pipefail
if command -v pdftotext >/dev/null 2>&1; then
	pdftotext -v 2>&1 | sed -n 1p # sed reads to the end: head would close the pipe early, and pipefail fail the script with SIGPIPE
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "no pdftotext and no apt-get: install poppler-utils and put pdftotext on PATH" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
echo "installing poppler-utils (Debian package)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
pdftotext -v 2>&1 | sed -n 1p # sed reads to the end: head would close the pipe early, and pipefail fail the script with SIGPIPE
