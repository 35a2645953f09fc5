#!/usr/bin/env bash
# Resident memory of every service, idle and under load, in one command (issue 16, "Memory"; see
# "Memory" in docs/benchmarks.md):
#
#   bench/memory.sh [--no-record] [--skip-vit] [--skip-bundled]
#
# 1. installs the pinned ghz (bench/install-ghz.sh) and lets ./mmserve build the jars if needed;
# 2. bundled pack: starts `./mmserve up` twice, alternating per round, on loopback ports BASE_PORT..
#    (default 28451; admin ADMIN_BASE_PORT.., default 28491): "JVM default" sizes every JVM as the
#    JVM does from the machine (--jvm-option overrides: the collector, heap and direct memory the JVM
#    picks here, read from -XX:+PrintFlagsFinal), "mmserve default" runs the launcher's defaults
#    (cli JvmMemoryDefaults). For each: VmRSS of every service idle (SETTLE after ready), its peak
#    under ghz EmbedImage and then EmbedText at concurrency 32 (DURATION each), and VmHWM at the end;
# 3. CLIP ViT-B/32 (the cached pack PACK, default ~/.cache/mmserve/clip-vit-b-32, built by
#    bench/infinity.sh; skipped when missing or with --skip-vit): the stack with the launcher's
#    defaults, fp32 and --int8, the same loads; each encoder's VmHWM against its budget, 1.5 x its
#    model files (the ONNX file, and the tokenizer for text) + 256 MiB;
# 4. stops every stack (by PID; also on error or Ctrl-C) and prints the tables, which go into
#    docs/benchmarks.md between <!-- memory:begin --> and <!-- memory:end --> unless --no-record.
#
# Environment: DURATION (default 30s), ROUNDS (default 1), SETTLE (default 10 s), CONCURRENCY
# (default 32), BASE_PORT, ADMIN_BASE_PORT, PACK, VIT_ENCODER_FLAGS (extra --encoder-flag KEY=VALUE
# words for both ViT-B/32 encoders), VIT_VISION_FLAGS (--vision-flag KEY=VALUE words, the vision
# encoder only; e.g. "batching.max-batch-size=8"), PYTHON (default python3).
set -euo pipefail
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

record=1 vit=1 bundled=1
for arg in "$@"; do
  case "$arg" in
    --no-record) record=0 ;;
    --skip-vit) vit=0 ;;
    --skip-bundled) bundled=0 ;;
    *) echo "usage: bench/memory.sh [--no-record] [--skip-vit] [--skip-bundled]" >&2; exit 2 ;;
  esac
done
DURATION="${DURATION:-30s}"
ROUNDS="${ROUNDS:-1}"
SETTLE="${SETTLE:-10}"
CONCURRENCY="${CONCURRENCY:-32}"
BASE_PORT="${BASE_PORT:-28451}"
ADMIN_BASE_PORT="${ADMIN_BASE_PORT:-28491}"
PACK="${PACK:-$HOME/.cache/mmserve/clip-vit-b-32}"
VIT_ENCODER_FLAGS="${VIT_ENCODER_FLAGS:-}"
VIT_VISION_FLAGS="${VIT_VISION_FLAGS:-}"
PYTHON="${PYTHON:-python3}"
IMAGE=bench/data/photo_640x480.jpg
READY_TIMEOUT_S=900 # the first build of the jars takes a few minutes
TARGET="127.0.0.1:$BASE_PORT"
WATCH=bench/memory_watch.py
MODULES=(gateway text-encoder-svc vision-encoder-svc fusion-svc gallery-svc)

ghz="$(bench/install-ghz.sh)"
work="$(mktemp -d)"
stack_pid=""
stop_stack() {
  if [[ -n $stack_pid ]]; then
    kill -TERM "$stack_pid" 2>/dev/null || true
    wait "$stack_pid" 2>/dev/null || true
    stack_pid=""
  fi
}
trap 'stop_stack; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

machine="$(bench/machine.sh)"
"$PYTHON" bench/ghz_report.py prepare bench/ghz/embed-image.json "$IMAGE" "$work/EmbedImage.json"
cp bench/ghz/embed-text.json "$work/EmbedText.json"

# What the JVM chooses on this machine without flags: the "JVM default" side sets exactly that.
flags_final="$(java -XX:+PrintFlagsFinal -version 2>/dev/null)"
jvm_gc="$(awk '$2 ~ /^Use(Serial|Parallel|G1|Z|Shenandoah)GC$/ && $4 == "true" {print $2; exit}' <<<"$flags_final")"
jvm_heap="$(awk '$2 == "MaxHeapSize" {print $4}' <<<"$flags_final")"
jvm_default=()
for module in "${MODULES[@]}"; do
  jvm_default+=(--jvm-option "$module=-XX:+$jvm_gc" --jvm-option "$module=-XX:MaxHeapSize=$jvm_heap"
    --jvm-option "$module=-XX:MaxDirectMemorySize=$jvm_heap")
done

start_stack() { # label [up flags...]: starts ./mmserve up in the background, waits for ready
  local label=$1 log="$work/stack-$1.log"
  shift
  echo "memory.sh: starting the stack ($label) on $TARGET ..." >&2
  ./mmserve up --base-port "$BASE_PORT" --admin-base-port "$ADMIN_BASE_PORT" \
    --http-port "$((BASE_PORT + 9))" "$@" >"$log" 2>&1 &
  stack_pid=$!
  local deadline=$((SECONDS + READY_TIMEOUT_S))
  until grep -q "^mmserve ready" "$log"; do
    if ! kill -0 "$stack_pid" 2>/dev/null || ((SECONDS > deadline)); then
      echo "memory.sh: the stack ($label) did not get ready; its log ends:" >&2
      tail -n 20 "$log" >&2
      stop_stack
      return 1
    fi
    sleep 1
  done
}

services() { # PID=LABEL of each service of the running stack (the launcher's children)
  local pid module
  for pid in $(pgrep -P "$stack_pid"); do
    for module in "${MODULES[@]}"; do
      if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "/$module/target/$module.jar"; then
        echo "$pid=$module"
      fi
    done
  done
}

load() { # scenario -> "rps errors", with every service's peak VmRSS in $work/peak-<scenario>.json
  local scenario=$1 watcher
  "$PYTHON" "$WATCH" watch "$work/peak-$scenario.json" $(services) &
  watcher=$!
  "$ghz" --config "$work/$scenario.json" -c "$CONCURRENCY" -z "$DURATION" --format json \
    --output "$work/ghz.json" --duration-stop ignore "$TARGET" >/dev/null 2>&1 || true
  kill -TERM "$watcher"
  wait "$watcher"
  "$PYTHON" - "$work/ghz.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("0 ghz-failed"); sys.exit()
errors = sum(n for code, n in (r.get("statusCodeDistribution") or {}).items() if code != "OK")
print(f'{r["rps"]:.1f} {errors}')
PY
}

measure() { # side -> appends one JSON line per stack to $work/rows.jsonl
  local side=$1 idle image text
  sleep "$SETTLE"
  idle="$("$PYTHON" "$WATCH" snapshot $(services))"
  echo "memory.sh: $side idle: $idle" >&2
  image="$(load EmbedImage)"
  text="$(load EmbedText)"
  echo "memory.sh: $side EmbedImage rps/errors $image, EmbedText $text" >&2
  "$PYTHON" - "$side" "$image" "$text" "$(uptime | sed 's/.*load average: //')" "$idle" \
    "$work/peak-EmbedImage.json" "$work/peak-EmbedText.json" >>"$work/rows.jsonl" <<'PY'
import json, sys
side, image, text, load, idle, peak_image, peak_text = sys.argv[1:]
print(json.dumps({"side": side, "image": image.split(), "text": text.split(), "load": load,
                  "idle": json.loads(idle), "peak_image": json.load(open(peak_image)),
                  "peak_text": json.load(open(peak_text))}))
PY
}

: >"$work/rows.jsonl"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 $((bundled == 1 ? ROUNDS : 0))); do
  for side in "JVM default" "mmserve default"; do
    flags=()
    [[ $side == "JVM default" ]] && flags=("${jvm_default[@]}")
    if start_stack "$round-${side// /-}" "${flags[@]}"; then
      measure "$side"
      stop_stack
    fi
  done
done

vit_budget=""
if [[ $vit == 1 && -f $PACK/model.json ]]; then
  vit_flags=()
  for flag in $VIT_ENCODER_FLAGS; do vit_flags+=(--encoder-flag "$flag"); done
  for flag in $VIT_VISION_FLAGS; do vit_flags+=(--vision-flag "$flag"); done
  for precision in fp32 int8; do
    extra=()
    [[ $precision == int8 ]] && extra=(--int8)
    if start_stack "vit-$precision" --model-pack "$PACK" "${extra[@]}" "${vit_flags[@]}"; then
      measure "ViT-B/32 $precision"
      stop_stack
    fi
    suffix="" && [[ $precision == int8 ]] && suffix=".int8"
    vit_budget+="$precision vision $("$PYTHON" "$WATCH" files "$PACK/vision_encoder$suffix.onnx")"$'\n'
    vit_budget+="$precision text $("$PYTHON" "$WATCH" files "$PACK/text_encoder$suffix.onnx" "$PACK/tokenizer.json")"$'\n'
  done
fi
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

tables="$(printf '%s' "$vit_budget" | "$PYTHON" bench/memory_report.py "$work/rows.jsonl")"
command="bench/memory.sh${*:+ $*}"
section="<!-- memory:begin -->
### Memory run, $(date -u +%F)

${machine}
- load average: ${load_start} at the start, ${load_end} at the end (the machine is shared with other work: RSS depends little on it, throughput does)
- command: \`${command}\` (DURATION=${DURATION}, ROUNDS=${ROUNDS}, concurrency ${CONCURRENCY}, ghz $("$ghz" --version 2>&1); \"JVM default\": \`--jvm-option MODULE=-XX:+${jvm_gc} MODULE=-XX:MaxHeapSize=${jvm_heap} MODULE=-XX:MaxDirectMemorySize=${jvm_heap}\` for every module, what the JVM picks on this machine by itself${VIT_ENCODER_FLAGS:+; ViT-B/32 encoder flags: ${VIT_ENCODER_FLAGS}}${VIT_VISION_FLAGS:+; ViT-B/32 vision flags: ${VIT_VISION_FLAGS}})

${tables}
<!-- memory:end -->"
echo
echo "$section"
if [[ $record == 1 ]]; then
  "$PYTHON" - docs/benchmarks.md "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
doc = open(path).read()
pattern = re.compile(r"<!-- memory:begin -->.*?<!-- memory:end -->", re.S)
doc = pattern.sub(lambda _: section, doc) if pattern.search(doc) else doc.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(doc)
PY
  echo "memory.sh: written to docs/benchmarks.md" >&2
fi
