#!/usr/bin/env bash
# The 10M-parcel runs of docs/state.md: a register built once, then timed
# passes of land/transfer in an 8 GiB memory control group (the page cache
# dropped first, the Go heap limited to 4 GiB), as a node with a state
# larger than its memory runs.
#
#   scripts/bench-10m.sh build BIN REG LOG        load 10M parcels into REG (about 30 min, 46 GB)
#   scripts/bench-10m.sh run   BIN REG LOG PASSES [FLAGS...]
#                                                 time PASSES passes of 10,000 transfers in 8 GiB
#                                                 (FLAGS go to publica bench, e.g. --land-growth-layers;
#                                                 BENCH_MEMORY=none runs it in the whole machine instead;
#                                                 BENCH_KEEP_CACHE=1 keeps the page cache the last run left;
#                                                 BENCH_READ_AHEAD=on|off sets the blocks' read-ahead, auto by default)
#   scripts/bench-10m.sh summary LOG              pass rates and medians by groups of ten
#
# A register has buyers for 150 passes; the disk fills after about 100
# (each pass adds about 140 MB) and a whole rewrite of the low tree needs
# 11 GB free. Needs root for the cgroup (v1 or v2) and drop_caches.
set -euo pipefail

growth_flags() { # passes
	local modes
	modes=$(python3 -c "print(','.join(['${BENCH_READ_AHEAD:-auto}']*$1))")
	echo --blocks 1 --land-parcels 0 --import-parcels 0 --credential-duration 0 \
		--ballots 0 --portal-seconds 0 --replay-blocks 0 --replay-transfers 0 \
		--land-growth 10000000 --land-growth-transfers 10000 --land-growth-read-ahead "$modes"
}

drop_caches() {
	sync
	echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || sysctl -q vm.drop_caches=3 || true
}

# in_group LIMIT CMD...: runs CMD in a memory control group of LIMIT.
in_group() {
	local limit=$1
	shift
	if [ -d /sys/fs/cgroup/memory ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
		local g=/sys/fs/cgroup/memory/bench10m
		mkdir -p "$g"
		echo "$limit" > "$g/memory.limit_in_bytes"
		bash -c 'echo $$ > '"$g"'/cgroup.procs; exec "$@"' _ "$@"
	else
		local g=/sys/fs/cgroup/bench10m
		mkdir -p "$g"
		echo "$limit" > "$g/memory.max"
		echo 0 > "$g/memory.swap.max" 2>/dev/null || true
		bash -c 'echo $$ > '"$g"'/cgroup.procs; exec "$@"' _ "$@"
	fi
}

case "${1:-}" in
build)
	bin=$2 reg=$3 log=$4
	mkdir -p "$reg"
	# The first run builds the register with buyers for 150 passes, then
	# would time them: stop it once the load is written out, before any
	# pass sells a title (the register's note would not count it).
	# shellcheck disable=SC2046
	"$bin" bench $(growth_flags 150) --land-growth-keep "$reg" > "$log" 2>&1 &
	pid=$!
	until grep -q "dirty pages written out\|Error" "$log" || ! kill -0 "$pid" 2>/dev/null; do sleep 1; done
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
	grep -q "loaded in" "$log" || { echo "build failed, see $log" >&2; exit 1; }
	;;
run)
	bin=$2 reg=$3 log=$4 passes=$5
	shift 5
	if [ -z "${BENCH_KEEP_CACHE:-}" ]; then
		drop_caches
	fi
	limit=${BENCH_MEMORY:-8G}
	group=(in_group "$limit")
	if [ "$limit" = none ]; then
		group=()
	fi
	# shellcheck disable=SC2046
	GOMEMLIMIT=4GiB "${group[@]}" "$bin" bench $(growth_flags "$passes") --land-growth-keep "$reg" "$@" > "$log" 2>&1
	;;
summary)
	python3 - "$2" <<'EOF'
import re, statistics, sys
rates, cpus = [], []
for line in open(sys.argv[1]):
    m = re.search(r"pass (\d+) \(read ahead \w+\): (\d+) land/transfer/s, ([\d.]+)(µs|ms) CPU", line)
    if m:
        rates.append(int(m.group(2)))
        cpus.append(float(m.group(3)) / (1000 if m.group(4) == "µs" else 1))
for i in range(0, len(rates), 10):
    r, c = rates[i:i + 10], cpus[i:i + 10]
    print(f"passes {i+1}-{i+len(r)}: median {statistics.median(r):.0f} transfers/s, CPU {statistics.median(c):.2f} ms a transfer")
if rates:
    # all the transfers over all the time: the harmonic mean of the passes' rates
    print(f"passes 1-{len(rates)}: median {statistics.median(rates):.0f}, all transfers over all the time {len(rates)/sum(1/r for r in rates):.0f} transfers/s")
EOF
	;;
*)
	sed -n 2,15p "$0"
	exit 2
	;;
esac
