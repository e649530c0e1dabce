#!/usr/bin/env bash
# Run a local multi-validator Publica network, one background process per
# node. See docs/localnet.md.
#
#   scripts/localnet.sh start|stop|status [DIR]     (DIR defaults to .localnet)
#
# Environment (all optional):
#   PUBLICA_BIN              binary to run (default: REPO/bin/publica, built if missing)
#   LOCALNET_VALIDATORS      number of validators when creating DIR (default 4)
#   LOCALNET_BASE_PORT       first port when creating DIR (default 26600)
#   LOCALNET_BLOCK_INTERVAL  pause between blocks when creating DIR (default 1s)
#   LOCALNET_CHAIN_ID        chain id when creating DIR (default publica-localnet)
#   LOCALNET_PORTAL          1: each node runs its portal on its portal port; 0: no portal (default 1)
#   LOCALNET_START_TIMEOUT   seconds to wait for every node to report a height (default 60)
#   LOCALNET_STOP_TIMEOUT    seconds to wait after SIGINT before SIGKILL (default 30)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${PUBLICA_BIN:-$ROOT/bin/publica}
VALIDATORS=${LOCALNET_VALIDATORS:-4}
BASE_PORT=${LOCALNET_BASE_PORT:-26600}
BLOCK_INTERVAL=${LOCALNET_BLOCK_INTERVAL:-1s}
CHAIN_ID=${LOCALNET_CHAIN_ID:-publica-localnet}
PORTAL=${LOCALNET_PORTAL:-1}
START_TIMEOUT=${LOCALNET_START_TIMEOUT:-60}
STOP_TIMEOUT=${LOCALNET_STOP_TIMEOUT:-30}

usage() {
	echo "usage: $0 start|stop|status [DIR]   (DIR defaults to .localnet)" >&2
	exit 2
}

die() {
	echo "localnet: $*" >&2
	exit 1
}

for v in START_TIMEOUT STOP_TIMEOUT; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "LOCALNET_$v must be a whole number of seconds, got '${!v}'"
done

# nodes prints "name p2p rpc portal" for every node in DIR/ports.
nodes() {
	grep -v '^#' "$DIR/ports"
}

# running HOME PID: true if PID is a live publica node for HOME. Checking
# the command line guards against a stale pid file naming another process.
running() {
	local home=$1 pid=$2 args
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	if [[ -r /proc/$pid/cmdline ]]; then
		args=$(tr '\0' ' ' <"/proc/$pid/cmdline")
	else
		args=$(ps -o args= -p "$pid" 2>/dev/null) || return 1
	fi
	[[ $args == *"start --home $home "* ]]
}

# pid_of HOME prints the pid recorded for HOME, or nothing.
pid_of() {
	if [[ -f $1/node.pid ]]; then cat "$1/node.pid"; fi
}

# rpc PORT PATH prints the response body of a local RPC call (empty on failure).
rpc() {
	local port=$1 path=$2
	if command -v curl >/dev/null 2>&1; then
		curl -fsS -m 3 "http://127.0.0.1:$port$path" 2>/dev/null || true
	else
		# Plain bash fallback: HTTP/1.0 over /dev/tcp, body after the blank line.
		# shellcheck disable=SC2016 # $1 and $2 expand in the inner bash
		timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 0
			printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$2" >&3
			sed "1,/^\r\{0,1\}$/d" <&3' _ "$port" "$path" 2>/dev/null || true
	fi
}

# json_field NAME reads a JSON string field from stdin.
json_field() {
	sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" | head -n 1
}

# height PORT prints the node's latest block height, or nothing.
height() {
	rpc "$1" /status | json_field latest_block_height
}

build() {
	[[ -x $BIN ]] && return 0
	[[ -z ${PUBLICA_BIN:-} ]] || die "PUBLICA_BIN=$BIN is not an executable file"
	command -v go >/dev/null 2>&1 || die "$BIN is missing and go is not installed to build it"
	echo "building $BIN"
	(cd "$ROOT" && go build -o bin/publica ./cmd/publica)
}

cmd_start() {
	build
	if [[ ! -d $DIR/node0 ]]; then
		"$BIN" testnet --validators "$VALIDATORS" --output "$DIR" --base-port "$BASE_PORT" \
			--chain-id "$CHAIN_ID" --block-interval "$BLOCK_INTERVAL"
	fi
	[[ -f $DIR/ports ]] || die "$DIR has node homes but no ports file: not made by 'publica testnet'"
	DIR=$(cd "$DIR" && pwd)

	local name p2p rpc_port portal home pid started=0 total=0
	while read -r name p2p rpc_port portal; do
		home=$DIR/$name
		total=$((total + 1))
		pid=$(pid_of "$home")
		if running "$home" "$pid"; then
			echo "$name already running (pid $pid)"
			continue
		fi
		local portal_addr=""
		[[ $PORTAL == 0 ]] || portal_addr=127.0.0.1:$portal
		# nohup: survive the terminal closing. stdin and output detached so
		# the caller's pipes close when this script exits.
		nohup "$BIN" start --home "$home" --portal "$portal_addr" </dev/null >>"$home/node.log" 2>&1 &
		echo $! >"$home/node.pid"
		started=$((started + 1))
		echo "$name started (pid $!, rpc 127.0.0.1:$rpc_port, p2p $p2p, log $home/node.log)"
	done < <(nodes)
	if ((started == 0)); then
		echo "localnet already running in $DIR ($total nodes)"
		return 0
	fi

	# Every node must answer with a height, then every node must pass the
	# highest height first seen: consensus is live, not just the RPCs.
	echo "waiting up to ${START_TIMEOUT}s for $total nodes to produce blocks..."
	local deadline=$((SECONDS + START_TIMEOUT)) ready h floor=0 phase=1
	while :; do
		ready=0
		local top=0
		while read -r name p2p rpc_port portal; do
			home=$DIR/$name
			if ! running "$home" "$(pid_of "$home")"; then
				echo "$name exited; last lines of $home/node.log:" >&2
				tail -n 20 "$home/node.log" >&2 || true
				die "start failed (run '$0 stop $DIR' to stop the others)"
			fi
			h=$(height "$rpc_port")
			[[ $h =~ ^[0-9]+$ ]] || continue
			((h > top)) && top=$h
			((h >= 1 && h > floor)) && ready=$((ready + 1))
		done < <(nodes)
		if ((ready == total)); then
			((phase == 2)) && break
			phase=2 floor=$top
			continue
		fi
		((SECONDS < deadline)) || die "only $ready of $total nodes are producing blocks after ${START_TIMEOUT}s (logs: $DIR/node*/node.log)"
		sleep 0.5
	done
	cmd_status || true
}

cmd_status() {
	[[ -f $DIR/ports ]] || {
		echo "no localnet in $DIR"
		return 3
	}
	local name p2p rpc_port portal home pid st h hash all=0
	while read -r name p2p rpc_port portal; do
		home=$DIR/$name
		pid=$(pid_of "$home")
		if ! running "$home" "$pid"; then
			printf '%-7s stopped\n' "$name"
			all=3
			continue
		fi
		st=$(rpc "$rpc_port" /status)
		h=$(json_field latest_block_height <<<"$st")
		hash=$(json_field latest_app_hash <<<"$st")
		if [[ -z $h ]]; then
			printf '%-7s running pid %-7s rpc 127.0.0.1:%s not answering\n' "$name" "$pid" "$rpc_port"
			all=3
			continue
		fi
		printf '%-7s running pid %-7s height %-6s app_hash %s rpc 127.0.0.1:%s\n' "$name" "$pid" "$h" "${hash:--}" "$rpc_port"
	done < <(nodes)
	return "$all"
}

cmd_stop() {
	[[ -f $DIR/ports ]] || {
		echo "no localnet in $DIR"
		return 0
	}
	local name p2p rpc_port portal home pid signalled=0
	while read -r name p2p rpc_port portal; do
		home=$DIR/$name
		pid=$(pid_of "$home")
		if running "$home" "$pid"; then
			kill -INT "$pid" 2>/dev/null || true
			signalled=$((signalled + 1))
		else
			rm -f "$home/node.pid"
		fi
	done < <(nodes)
	if ((signalled == 0)); then
		echo "localnet in $DIR is not running"
		return 0
	fi

	local deadline=$((SECONDS + STOP_TIMEOUT)) left
	while :; do
		left=0
		while read -r name p2p rpc_port portal; do
			home=$DIR/$name
			pid=$(pid_of "$home")
			if running "$home" "$pid"; then
				left=$((left + 1))
				if ((SECONDS >= deadline)); then
					echo "$name (pid $pid) did not stop within ${STOP_TIMEOUT}s: killing it" >&2
					kill -KILL "$pid" 2>/dev/null || true
				fi
			else
				rm -f "$home/node.pid"
			fi
		done < <(nodes)
		((left == 0)) && break
		((SECONDS < deadline + 5)) || die "$left node(s) still running after SIGKILL"
		sleep 0.2
	done
	echo "stopped $signalled node(s) in $DIR"
}

[[ $# -ge 1 && $# -le 2 ]] || usage
DIR=${2:-.localnet}
# Absolute, so pid checks match the --home the nodes were started with.
if [[ -d $DIR ]]; then DIR=$(cd "$DIR" && pwd); fi
case $1 in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*) usage ;;
esac
