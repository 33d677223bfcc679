#!/usr/bin/env bash
# A throwaway Redis server in a directory of its own, for tests that stop, restart or freeze Redis
# under a running service. No persistence: after a restart it comes back empty, as a cache-only
# Redis (or one that lost its data) does.
#
#   throwaway-redis.sh start DIR PORT   start on 127.0.0.1:PORT and wait until it answers
#   throwaway-redis.sh stop DIR         stop (SIGTERM, nothing saved) and wait until it is gone
#   throwaway-redis.sh pause DIR        SIGSTOP: connections stay open, nothing is answered
#   throwaway-redis.sh resume DIR       SIGCONT
#   throwaway-redis.sh destroy DIR      stop if running, delete DIR
set -euo pipefail

command=${1:?usage: throwaway-redis.sh start DIR PORT | stop DIR | pause DIR | resume DIR | destroy DIR}
dir=${2:?missing DIR}

if ! command -v redis-server >/dev/null 2>&1; then
  echo "throwaway-redis: redis-server not found (install the Redis server package, e.g. apt-get install redis-server)" >&2
  exit 3
fi

pid() { [[ -f "$dir/redis.pid" ]] && cat "$dir/redis.pid"; }
alive() { local p; p=$(pid) && kill -0 "$p" 2>/dev/null; }

stop() {
  alive || return 0
  local p; p=$(pid)
  kill -CONT "$p" 2>/dev/null || true
  kill -TERM "$p"
  for _ in $(seq 1 100); do alive || { rm -f "$dir/redis.pid"; return 0; }; sleep 0.05; done
  kill -KILL "$p" 2>/dev/null || true
  rm -f "$dir/redis.pid"
}

case "$command" in
  start)
    port=${3:?missing PORT}
    mkdir -p "$dir"
    echo "$port" >"$dir/port"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
    for _ in $(seq 1 100); do
      if [[ "$(redis-cli -p "$port" ping 2>/dev/null)" == PONG ]]; then exit 0; fi
      sleep 0.05
    done
    echo "throwaway-redis: redis-server did not answer on port $port (see $dir/redis.log)" >&2
    exit 1
    ;;
  stop)
    stop
    ;;
  pause)
    kill -STOP "$(pid)"
    ;;
  resume)
    kill -CONT "$(pid)"
    ;;
  destroy)
    stop
    rm -rf "$dir"
    ;;
  *)
    echo "throwaway-redis: unknown command $command" >&2
    exit 2
    ;;
esac
