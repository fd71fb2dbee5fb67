#!/usr/bin/env bash
# Starts each loopback broker that the test suites use and that is down, with
# the machine's own start command, and waits (polling with a deadline) until it
# accepts connections. Usage: bash .ci/brokers.sh [redis|rabbitmq|mqtt|nats ...]
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # name port seconds
  local deadline=$((SECONDS + $3))
  until port_open "$2"; do
    if [ $SECONDS -ge $deadline ]; then echo "brokers: $1 did not open port $2 within $3 s" >&2; return 1; fi
    sleep 0.5
  done
}

start_one() {
  case "$1" in
    redis)
      port_open 6379 && return 0
      echo "brokers: starting redis"
      mkdir -p /var/lib/redis /var/log/redis
      redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
      wait_port redis 6379 30 ;;
    rabbitmq)
      port_open 5672 && return 0
      echo "brokers: starting rabbitmq"
      rabbitmq-server -detached
      wait_port rabbitmq 5672 120 ;;
    mqtt)
      port_open 1883 && return 0
      echo "brokers: starting mosquitto"
      mosquitto -d -c /etc/mosquitto/mosquitto.conf
      wait_port mosquitto 1883 30 ;;
    nats)
      port_open 4222 && return 0
      echo "brokers: starting nats"
      start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
      wait_port nats 4222 30 ;;
    *) echo "brokers: unknown broker $1" >&2; return 1 ;;
  esac
}

status=0
for b in "${@:-redis rabbitmq mqtt nats}"; do
  for one in $b; do start_one "$one" || status=1; done
done
exit $status
