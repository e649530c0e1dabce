#!/usr/bin/env bash
# Static checks run by `make test`: gofmt, go vet, and generated templ
# files that match their sources.
set -euo pipefail
cd "$(dirname "$0")/.."

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:" >&2
	echo "$unformatted" >&2
	exit 1
fi

go vet ./...

if ls web/**/*.templ web/*.templ >/dev/null 2>&1 || find web -name '*.templ' 2>/dev/null | grep -q .; then
	before=$(find . -name '*_templ.go' -not -path './.git/*' -exec sha256sum {} + | sort)
	go tool templ generate >/dev/null
	after=$(find . -name '*_templ.go' -not -path './.git/*' -exec sha256sum {} + | sort)
	if [ "$before" != "$after" ]; then
		echo "generated templ files were stale: run 'make generate' and commit the result" >&2
		diff <(echo "$before") <(echo "$after") >&2 || true
		exit 1
	fi
fi
echo "check: gofmt, go vet, templ freshness OK"
