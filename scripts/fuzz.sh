#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME (default 10s). `make test` runs them
# briefly; `make fuzz` for minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10s}
status=0
while IFS= read -r line; do
	file=${line%%:*}
	name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]+).*/\1/' <<<"$line")
	pkg=./$(dirname "$file")
	echo "fuzz $pkg $name for $FUZZTIME"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" >/tmp/publica-fuzz.log 2>&1; then
		cat /tmp/publica-fuzz.log
		status=1
	else
		tail -n 1 /tmp/publica-fuzz.log
	fi
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(' . | sed 's#^\./##')
exit $status
