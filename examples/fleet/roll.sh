#!/usr/bin/env bash
# Rolls a change across a pool of baton hosts, one host at a time.
#
#   roll.sh upgrade HOST...   baton upgrade on each host: new baton, app code or Node.js
#                             (set NODE=/path/to/node); the host never leaves the pool.
#   roll.sh restart HOST...   host maintenance: stop with --lb-grace (the load balancer
#                             takes the host out), run $MAINTENANCE, start, wait until
#                             /readyz says 200, then the next host.
#
# Each step runs on the host through $ROLL_RUN (default: ssh). Settings, from the
# environment:
#   ROLL_RUN       command prefix that runs a command on a host ("ssh", "ssh -p 2222")
#   BATON          baton command on the hosts (default: baton)
#   CONTROL        control socket on the hosts (default: /run/app/baton.sock)
#   NODE           for upgrade: the node binary on the hosts to move to (optional)
#   HEALTH_URL     health endpoint, {host} replaced (default: http://{host}:9000)
#   LB_GRACE       for restart: how long /healthz says 503 before the drain (default: 5s)
#   STOP / START   for restart: how to stop and start baton on a host
#                  (default: "$BATON stop --lb-grace $LB_GRACE --control $CONTROL" and
#                  "systemctl start app")
#   MAINTENANCE    for restart: what to do while the host is out (default: nothing)
#   READY_TIMEOUT  seconds to wait for /readyz after a step (default: 120)
# Stops at the first host that fails, leaving the rest untouched.
set -euo pipefail

mode=${1:-}
shift || true
if [[ "$mode" != upgrade && "$mode" != restart ]] || [[ $# -eq 0 ]]; then
  sed -n '2,25p' "$0" >&2
  exit 2
fi

ROLL_RUN=${ROLL_RUN:-ssh}
BATON=${BATON:-baton}
CONTROL=${CONTROL:-/run/app/baton.sock}
default_health_url='http://{host}:9000'
HEALTH_URL=${HEALTH_URL:-$default_health_url}
LB_GRACE=${LB_GRACE:-5s}
STOP=${STOP:-$BATON stop --lb-grace $LB_GRACE --control $CONTROL}
START=${START:-systemctl start app}
MAINTENANCE=${MAINTENANCE:-}
READY_TIMEOUT=${READY_TIMEOUT:-120}

run() { local host=$1; shift; $ROLL_RUN "$host" "$@"; }

wait_ready() {
  local host=$1 url=${HEALTH_URL//\{host\}/$1}/readyz deadline=$((SECONDS + READY_TIMEOUT))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)" == 200 ]]; do
    if ((SECONDS > deadline)); then
      echo "roll: $host is not ready after ${READY_TIMEOUT}s ($url); stopping here" >&2
      exit 1
    fi
    sleep 0.5
  done
}

for host in "$@"; do
  echo "roll: $mode $host" >&2
  if [[ $mode == upgrade ]]; then
    run "$host" $BATON upgrade --control "$CONTROL" ${NODE:+--node "$NODE"}
  else
    run "$host" $STOP
    [[ -n "$MAINTENANCE" ]] && run "$host" $MAINTENANCE
    run "$host" $START
  fi
  wait_ready "$host"
  echo "roll: $host done" >&2
done
echo "roll: all $# hosts done" >&2
