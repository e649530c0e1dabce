#!/usr/bin/env bash
# Installs Debian's gdal-bin (ogr2ogr) for the land import test that
# imports what ogr2ogr writes, when it is missing. Needs root (or sudo).
set -euo pipefail
if command -v ogr2ogr >/dev/null 2>&1; then
	ogr2ogr --version
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "no ogr2ogr and no apt-get: install GDAL and put ogr2ogr on PATH" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
echo "installing gdal-bin (Debian package)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends gdal-bin >/dev/null
ogr2ogr --version
