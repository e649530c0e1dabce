#!/usr/bin/env bash
# Installs Debian's fonts-arphic-gbsn00lp (AR PL SungtiL GB, a TrueType
# font with the GB 2312 characters) for the title certificate printed in
# Chinese, when the font is missing. The portal reads it from
# $PUBLICA_CJK_FONT, else from the package's path below; without it a
# certificate asked for in Chinese is printed in English with a note
# (docs/land.md). Run by `make test`; needs root (or sudo).
set -euo pipefail
FONT="${PUBLICA_CJK_FONT:-/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf}"
if [ -f "$FONT" ]; then
	echo "Chinese font: $FONT"
	exit 0
fi
if [ -n "${PUBLICA_CJK_FONT:-}" ]; then
	echo "PUBLICA_CJK_FONT names $PUBLICA_CJK_FONT, which is not a file" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "no Chinese font at $FONT and no apt-get: install fonts-arphic-gbsn00lp, or set PUBLICA_CJK_FONT to a TrueType (.ttf, glyf outlines) font with Chinese characters" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
echo "installing fonts-arphic-gbsn00lp (Debian package)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends fonts-arphic-gbsn00lp >/dev/null
if [ ! -f "$FONT" ]; then
	echo "fonts-arphic-gbsn00lp is installed but $FONT is not there" >&2
	exit 1
fi
echo "Chinese font: $FONT"
