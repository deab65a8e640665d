# shellcheck shell=bash
# Sourced by scripts/test (and .ci/run): start the machine's PostgreSQL and RabbitMQ when
# they are not answering, then wait (at most ~60 s) until 127.0.0.1:5432 and :5672 answer.
# Never exits the caller: a server that does not come up is reported, and the tests that
# need it skip (or fail under CI=true).

_logyard_port_answers() {  # port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_logyard_wait_port() {  # name port seconds
  local name=$1 port=$2 seconds=$3 i
  for ((i = 0; i < seconds * 4; i++)); do
    if _logyard_port_answers "$port"; then
      return 0
    fi
    sleep 0.25
  done
  echo "warning: $name is not answering on 127.0.0.1:$port after ${seconds}s;" \
    "its tests skip (fail under CI=true)" >&2
  return 1
}

_logyard_start_services() {
  local sudo="" version
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; fi

  if ! _logyard_port_answers 5432; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
      for version in $(ls /etc/postgresql); do
        echo "== starting PostgreSQL $version" >&2
        $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || \
          echo "warning: pg_ctlcluster $version main start failed" >&2
      done
    else
      echo "warning: PostgreSQL is not installed (no pg_ctlcluster)" >&2
    fi
  fi

  if ! _logyard_port_answers 5672; then
    if command -v rabbitmq-server >/dev/null 2>&1; then
      echo "== starting RabbitMQ" >&2
      $sudo rabbitmq-server -detached >&2 || echo "warning: rabbitmq-server -detached failed" >&2
    else
      echo "warning: RabbitMQ is not installed (no rabbitmq-server)" >&2
    fi
  fi

  # Both waits share the ~60 s budget: PostgreSQL is up in a second or two.
  _logyard_wait_port PostgreSQL 5432 20 || true
  _logyard_wait_port RabbitMQ 5672 40 || true
}

_logyard_start_services
unset -f _logyard_start_services _logyard_wait_port _logyard_port_answers
