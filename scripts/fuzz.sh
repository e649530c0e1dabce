#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME (default 10s). `make test` runs them
# briefly; `make fuzz` for minutes.
#
# Minimisation of a new interesting input is capped at FUZZMINIMIZETIME
# (default 2s): Go's default (60s) can eat a whole short run on one slow
# input. Logs go to a folder of this run's own, so concurrent runs do not
# overwrite each other's.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10s}
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-2s}
logs=$(mktemp -d "${TMPDIR:-/tmp}/publica-fuzz.XXXXXX")
status=0
while IFS= read -r line; do
	file=${line%%:*}
	name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]+).*/\1/' <<<"$line")
	pkg=./$(dirname "$file")
	log="$logs/$(tr / _ <<<"${pkg#./}")_$name.log"
	echo "fuzz $pkg $name for $FUZZTIME"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMINIMIZETIME" "$pkg" >"$log" 2>&1; then
		cat "$log"
		status=1
	else
		tail -n 1 "$log"
	fi
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(' . | sed 's#^\./##' | sort)
if [ "$status" -eq 0 ]; then
	rm -rf "$logs"
else
	echo "fuzz logs kept in $logs"
fi
exit $status
