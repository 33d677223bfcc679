#!/usr/bin/env bash
# A throwaway PostgreSQL server in a directory of its own, for tests that stop the database under a
# running store. Needs the server binaries (initdb, pg_ctl); as root it runs them as `postgres`.
#
#   throwaway-postgres.sh start DIR PORT   initdb (first time) and start on 127.0.0.1:PORT, trust auth
#   throwaway-postgres.sh stop DIR         fast shutdown (connections are terminated)
#   throwaway-postgres.sh crash DIR        immediate shutdown: every backend dies at once, nothing in
#                                          flight completes (the next start runs crash recovery)
#   throwaway-postgres.sh destroy DIR      stop if running, delete DIR
set -euo pipefail

bindir() {
  local dir
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return; fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -z "$dir" || ! -x "$dir/initdb" ]]; then
    echo "throwaway-postgres: initdb and pg_ctl not found (install the PostgreSQL server package)" >&2
    exit 3
  fi
  echo "$dir"
}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

command=${1:?usage: throwaway-postgres.sh start DIR PORT | stop DIR | crash DIR | destroy DIR}
dir=${2:?missing DIR}
bin=$(bindir)

case "$command" in
  start)
    port=${3:?missing PORT}
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then chown postgres "$dir"; fi
    if [[ ! -d "$dir/data" ]]; then
      as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  crash)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  destroy)
    if [[ -f "$dir/data/postmaster.pid" ]]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
  *)
    echo "throwaway-postgres: unknown command $command" >&2
    exit 2
    ;;
esac
