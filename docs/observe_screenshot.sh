#!/usr/bin/env bash
# Refreshes docs/images/prometheus-request-rate.png (docs/observability.md): Prometheus's graph of the
# gateway's request rate under ghz load, taken with headless chromium (Debian's).
#   1. starts ./mmserve up --observe (the CLI jar) on loopback ports of its own (BASE_PORT, default 28951;
#      admin ADMIN_BASE_PORT, default 39391; Prometheus PROMETHEUS_PORT, default 39490) and waits for its
#      Prometheus;
#   2. loads the gateway with ghz (bench/install-ghz.sh): EmbedText at concurrency 4 for PHASE (default 60s),
#      then EmbedText and Classify together at concurrency 8 each for PHASE;
#   3. screenshots Prometheus's graph page of sum by (method) of the request rate, then stops the stack (by
#      PID; also on error or Ctrl-C), which stops its Prometheus.
# Needs the jars (./mvnw -B -DskipTests package), Debian's prometheus and chromium (.ci/system-packages.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME="$(.mvn/java-home.sh)"
export JAVA_HOME
BASE_PORT=${BASE_PORT:-28951}
ADMIN_BASE_PORT=${ADMIN_BASE_PORT:-39391}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-39490}
PHASE=${PHASE:-60s}
shot=docs/images/prometheus-request-rate.png
[[ -f cli/target/cli.jar ]] || { echo "observe_screenshot: no cli/target/cli.jar; run ./mvnw -B -DskipTests package" >&2; exit 1; }
[[ -x /usr/bin/chromium ]] || { echo "observe_screenshot: /usr/bin/chromium is missing (.ci/system-packages.sh)" >&2; exit 1; }
ghz="$(bench/install-ghz.sh)"

work="$(mktemp -d)"
stack_pid=""
cleanup() {
  if [[ -n "$stack_pid" ]]; then
    kill -TERM "$stack_pid" 2>/dev/null || true
    wait "$stack_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$JAVA_HOME/bin/java" -jar cli/target/cli.jar up --observe --base-port "$BASE_PORT" \
  --admin-base-port "$ADMIN_BASE_PORT" --http-port $((BASE_PORT + 9)) --prometheus-port "$PROMETHEUS_PORT" \
  --gallery-data "$work/gallery" >"$work/up.log" 2>&1 &
stack_pid=$!
deadline=$((SECONDS + 360))
until grep -q '^mmserve: Prometheus on' "$work/up.log"; do
  if ! kill -0 "$stack_pid" 2>/dev/null || ((SECONDS > deadline)); then
    echo "observe_screenshot: the stack did not come up; its log ends:" >&2
    tail -n 20 "$work/up.log" >&2
    exit 1
  fi
  sleep 1
done
echo "observe_screenshot: $(grep '^mmserve: Prometheus on' "$work/up.log")" >&2

target="127.0.0.1:$BASE_PORT"
image="$(base64 -w0 models/shapes-clip/reference/images/rgb_640x480.jpg)"
sed "s|@IMAGE@|$image|" bench/ghz/classify.json >"$work/classify.json"
echo "observe_screenshot: EmbedText at concurrency 4 for $PHASE" >&2
"$ghz" --config bench/ghz/embed-text.json -c 4 -z "$PHASE" "$target" >/dev/null
echo "observe_screenshot: EmbedText and Classify at concurrency 8 each for $PHASE" >&2
"$ghz" --config bench/ghz/embed-text.json -c 8 -z "$PHASE" "$target" >/dev/null &
text_load=$!
"$ghz" --config "$work/classify.json" -c 8 -z "$PHASE" "$target" >/dev/null
wait "$text_load"

expr='sum by (method) (rate(mmserve_grpc_server_requests_seconds_count{method=~"mmserve.v1.*"}[30s]))'
query="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$expr")"
url="http://127.0.0.1:$PROMETHEUS_PORT/graph?g0.expr=$query&g0.tab=0&g0.range_input=3m"
/usr/bin/chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,960 \
  --virtual-time-budget=15000 --user-data-dir="$work/chromium" --screenshot="$shot" "$url" 2>/dev/null
echo "observe_screenshot: $shot updated ($(stat -c %s "$shot") bytes)" >&2
