#!/usr/bin/env bash
# `make run`'s last act: the MQTT agent at work. Starts a mosquitto broker on 127.0.0.1 (a free
# port, its config under .run/) unless the agent's config names a broker that answers, starts
# `edgellm agent`, publishes a few commands with mosquitto_pub, prints replies and telemetry as they
# arrive, and stops everything. Every wait is bounded; the whole demo takes under a minute.
#
# Environment: BIN (edgellm binary), CONFIG (agent config), MODEL, RECOGNIZER (model|keyword),
# DEVICE_ID (default: demo, so a real agent's topics are left alone), EDGELLM_BROKER (HOST:PORT),
# BUDGET_MS (default budget per command; default 5000, generous for a build machine's shared CPUs),
# ONLINE_TIMEOUT_S (how long loading the model may take; default 300).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/release/edgellm}
CONFIG=${CONFIG:-config/agent.yaml}
MODEL=${MODEL:-models/edgellm-home-135m.tm2.bin}
RECOGNIZER=${RECOGNIZER:-model}
DEVICE_ID=${DEVICE_ID:-demo}
BUDGET_MS=${BUDGET_MS:-5000}
ONLINE_TIMEOUT_S=${ONLINE_TIMEOUT_S:-300}
RUN=.run/agent-demo
mkdir -p "$RUN"

for tool in mosquitto_pub mosquitto_sub python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$BIN" ] || { echo "error: $BIN is not built (make build)" >&2; exit 1; }

pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

reachable() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# The broker the config names: the host and port keys of its `broker:` block.
config_broker() {
    awk '/^broker:/ {b=1; next} /^[^ #]/ {b=0}
         b && $1 == "host:" {h=$2; gsub(/["\047]/, "", h)} b && $1 == "port:" {p=$2}
         END {print (h ? h : "127.0.0.1") ":" (p ? p : 1883)}' "$CONFIG" 2>/dev/null || echo 127.0.0.1:1883
}

BROKER=${EDGELLM_BROKER:-$(config_broker)}
HOST=${BROKER%:*}
PORT=${BROKER##*:}
if reachable "$HOST" "$PORT"; then
    echo "== using the MQTT broker at $HOST:$PORT"
else
    HOST=127.0.0.1
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat > "$RUN/mosquitto.conf" <<CONF
listener $PORT 127.0.0.1
allow_anonymous true
persistence false
# Without it the broker's Nagle delays meet the clients' delayed ACKs: 40 ms stalls under load.
set_tcp_nodelay true
log_dest file $PWD/$RUN/mosquitto.log
CONF
    "$MOSQUITTO" -c "$RUN/mosquitto.conf" >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do reachable "$HOST" "$PORT" && break; sleep 0.1; done
    reachable "$HOST" "$PORT" || { echo "error: mosquitto did not start (see $RUN/mosquitto.log)" >&2; exit 1; }
    echo "== started mosquitto on $HOST:$PORT ($RUN/mosquitto.conf)"
fi

BASE=edgellm/$DEVICE_ID
# A retained `offline` or old telemetry from an earlier run would show first: clear them.
for t in status telemetry; do mosquitto_pub -h "$HOST" -p "$PORT" -t "$BASE/$t" -r -n 2>/dev/null || true; done

# Live view: one line per message, as it arrives.
mosquitto_sub -h "$HOST" -p "$PORT" -q 1 -v -t "$BASE/reply" -t "$BASE/telemetry" -t "$BASE/status" \
    -t 'zigbee2mqtt/#' > "$RUN/messages.log" 2>&1 &
pids+=($!)
python3 -u - "$RUN/messages.log" <<'PY' &
import json, sys, time, os

def show(kind, m):
    if kind == "reply":
        t = m["timing"]
        intent = m.get("intent")
        what = f'{intent["name"]} {json.dumps(intent["slots"])}' if intent else "no intent"
        acts = ", ".join(f'{a["domain"]}.{a["service"]}({a.get("entity_id") or ""})' for a in m.get("actions", []))
        said = json.dumps(m["text"]) if m.get("text") is not None else "(unreadable)"
        print(f'<- reply {m["status"]:8} id={m.get("id")} {said}', flush=True)
        if m["status"] == "ok":
            print(f'         {what} -> [{acts}] "{m.get("speech", "")}"', flush=True)
        else:
            print(f'         {m["status"]}: {m.get("error") or m.get("speech")}', flush=True)
        if m["status"] != "error":
            print(f'         {t["total_ms"]:.0f} ms of {t["budget_ms"]:.0f} (queue {t["queue_ms"]:.0f}, prefill {t["prefill_ms"]:.0f}, '
                  f'decode {t["decode_ms"]:.0f}; {t["prompt_tokens"]}+{t["generated_tokens"]} tokens) '
                  f'{"within budget" if t["met"] else "budget missed"}', flush=True)
    elif kind == "telemetry":
        l = m["latency_ms"]
        print(f'<- telemetry served {m["served"]}, rejected {m["rejected"]} ({m.get("overloaded", 0)} overloaded), '
              f'timeout {m["timeout"]}, errors {m["errors"]}; '
              f'latency p50 {l["p50"]:.0f} / p95 {l["p95"]:.0f} / p99 {l["p99"]:.0f} / max {l["max"]:.0f} ms', flush=True)
    else:
        raise ValueError

path = sys.argv[1]
while not os.path.exists(path): time.sleep(0.05)
with open(path) as f:
    while True:
        position = f.tell()
        line = f.readline()
        if not line.endswith("\n"):  # nothing yet, or a line still being written
            f.seek(position); time.sleep(0.05); continue
        topic, _, payload = line.rstrip("\n").partition(" ")
        try:
            show(topic.rsplit("/", 1)[-1], json.loads(payload))
        except (ValueError, KeyError, TypeError):
            print(f"   {topic}: {payload}", flush=True)
PY
pids+=($!)

ARGS=(agent --config "$CONFIG" --broker "$HOST:$PORT" --device-id "$DEVICE_ID" --model "$MODEL"
      --recognizer "$RECOGNIZER" --budget-ms "$BUDGET_MS")
if [ "$RECOGNIZER" = model ] && [ ! -f "$MODEL" ]; then
    echo "== $MODEL is missing: using the keyword recognizer"
    ARGS+=(--recognizer keyword)
fi
echo "== $BIN ${ARGS[*]}"
echo "== waiting for it to come online (loading the model and prefilling its prompt; at most ${ONLINE_TIMEOUT_S} s)"
"$BIN" "${ARGS[@]}" > "$RUN/agent.log" 2>&1 &
AGENT=$!
pids+=($AGENT)
sleep 0.5
if ! kill -0 "$AGENT" 2>/dev/null && grep -q "not in this build" "$RUN/agent.log"; then
    echo "== the model recognizer is not in this build yet: using the keyword recognizer"
    ARGS+=(--recognizer keyword)
    "$BIN" "${ARGS[@]}" > "$RUN/agent.log" 2>&1 &
    AGENT=$!
    pids+=($AGENT)
fi

online=
for _ in $(seq $((ONLINE_TIMEOUT_S * 10))); do
    grep -q "$BASE/status online" "$RUN/messages.log" 2>/dev/null && { online=1; break; }
    kill -0 "$AGENT" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$online" ]; then
    echo "error: the agent did not come online; its log:" >&2
    tail -n 20 "$RUN/agent.log" >&2
    exit 1
fi

commands=(
    'turn on the kitchen light'
    '{"id": "demo-2", "text": "switch off the living room lamp"}'
    '{"id": "demo-3", "text": "turn on the light", "context": {"area": "bedroom"}}'
    '{"id": "demo-4", "text": "turn the garage fan on"}'
    '{"id": "demo-5", "text": "open the garage door", "budget_ms": 1}'
    '{"id": "demo-6", "text": "open the garage door", "budget_ms": 0}'
)
for c in "${commands[@]}"; do
    echo "-> $BASE/command: $c"
    before=$(grep -c "$BASE/reply " "$RUN/messages.log" || true)
    mosquitto_pub -h "$HOST" -p "$PORT" -q 1 -t "$BASE/command" -m "$c"
    # One at a time, so each reply prints under its command; 30 s covers a slow first request.
    for _ in $(seq 300); do
        [ "$(grep -c "$BASE/reply " "$RUN/messages.log" || true)" -gt "$before" ] && break
        sleep 0.1
    done
    sleep 0.2
done

echo "== stopping the agent (SIGTERM): it publishes its telemetry and a retained offline"
kill -TERM "$AGENT"
for _ in $(seq 100); do kill -0 "$AGENT" 2>/dev/null || break; sleep 0.1; done
sleep 0.5
echo "== done; logs in $RUN/"
